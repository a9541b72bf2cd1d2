"""Digest renderers: every format from hand-built digests, with hostile and awkward scraped text.

The fixtures mix Chinese and ASCII, carry script-injection payloads and a ``javascript:`` URL,
a 120-character committee name, predicted rows, a bare deadline and both timed and all-day
windows, because that is what the HR bureau's pages have produced or could produce.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from support.texttables import cells_by_column, text_tables

from notifier.digest import FORMATS, Digest, DigestEntry, NeedsReview, render
from notifier.digest._common import SHANGHAI, is_http_url
from notifier.digest.render_ics import escape_text, fold
from notifier.digest.render_json import JSON_KEYS
from notifier.digest.textwidth import display_width, pad, truncate, wrap

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(document.cookie)"
LONG_COMMITTEE = ("广州市工程技术人才职称改革领导小组办公室ABC" * 6)[:120]
URL_A = "https://rsj.gz.gov.cn/zwgk/tzgg/content/post_1.html"
URL_B = "http://rsj.gz.gov.cn/ztzl/zcps/content/post_2.html"
URL_C = "https://rsj.gz.gov.cn/zwgk/tzgg/content/post_3.html?a=1&b=(2)|x"
GENERATED = datetime(2025, 1, 6, 9, 30, tzinfo=SHANGHAI)


def entry(key: str, **kw: object) -> DigestEntry:
    base: dict[str, object] = {
        "committee": "广州市工程系列建筑专业高级职称评审委员会",
        "kind": "apply",
        "start": "2025-01-02",
        "end": "2025-01-09",
        "status": "open",
        "days_left": 3,
        "notice_url": URL_A,
        "notice_title": "关于开展2024年度广州市工程系列职称评审工作的通知",
        "predicted": False,
        "window_key": key,
        "evidence": "网上申报时间：2025年1月2日至1月9日",
    }
    base.update(kw)
    return DigestEntry(**base)  # type: ignore[arg-type]


OPEN_ALLDAY = entry("w-open-allday", evidence='申报时间；截止,前\\提交\n第二行 "quoted"')
OPEN_BARE = entry(
    "w-open-bare",
    committee="ABC | Tech 中心 <b>bold</b>",
    kind="fee",
    start=None,
    end="2025-01-06T17:00",
    days_left=0,
    notice_url=JS_URL,
    notice_title=f"缴费通知{SCRIPT}{IMG}",
    evidence=SCRIPT,
)
OPEN_MIXED = entry(
    "w-open-mixed",
    committee="Café\u0301 ＡＢＣ 卫生系列",
    kind="paper",
    start="2025-01-03",
    end="2025-01-15T12:00",
    days_left=9,
    notice_url=URL_C,
    notice_title="材料报送 [重要] *请注意* `代码` | 表格",
)
SOON_TIMED = entry(
    "w-soon-timed",
    committee=LONG_COMMITTEE,
    kind="unit_review",
    start="2025-01-10T09:00",
    end="2025-01-20T17:30",
    status="upcoming",
    days_left=14,
    notice_url=URL_B,
)
SOON_BARE_ALLDAY = entry(
    "w-soon-bare",
    committee="广州市教师系列中学高级评委会",
    kind="accept",
    start=None,
    end="2025-01-18",
    status="upcoming",
    days_left=12,
)
CLOSED = entry(
    "w-closed",
    committee="广州市卫生系列",
    kind="review",
    start="2024-12-20",
    end="2025-01-03",
    status="closed",
    days_left=-3,
)
CHANGED = entry("w-open-allday", previous_start="2025-01-01", previous_end="2025-01-08")
ESTIMATE = entry(
    "w-estimate",
    committee="广州市经济系列评委会",
    kind="apply",
    start="2025-03-01",
    end="2025-03-15",
    status="upcoming",
    days_left=68,
    predicted=True,
    notice_url=URL_B,
    notice_title="2024年度经济系列通知（去年）",
)
# The producer may list an estimate that is already open in both lists; it must appear once.
ESTIMATE_OPEN = entry("w-estimate-open", predicted=True, committee="广州市会计系列", end="2025-01-31")

DIGEST = Digest(
    generated_at=GENERATED,
    days=14,
    open_now=[OPEN_BARE, OPEN_ALLDAY, OPEN_MIXED, ESTIMATE_OPEN],
    opening_soon=[SOON_TIMED, SOON_BARE_ALLDAY],
    recently_closed=[CLOSED],
    recently_changed=[CHANGED],
    estimates=[ESTIMATE_OPEN, ESTIMATE],
    needs_review=[
        NeedsReview(f"无法识别日期{SCRIPT}", JS_URL, "2025-01-03"),
        NeedsReview("关于公布评审结果的通知 | 附件", URL_A, None),
    ],
)
EMPTY = Digest(generated_at=GENERATED, days=7)

# Windows the JSON (open, upcoming, closed, estimates) and ICS (no closed) must contain, once each.
JSON_WINDOWS = [
    OPEN_BARE,
    OPEN_ALLDAY,
    OPEN_MIXED,
    ESTIMATE_OPEN,
    SOON_TIMED,
    SOON_BARE_ALLDAY,
    CLOSED,
    ESTIMATE,
]
ICS_WINDOWS = [w for w in JSON_WINDOWS if w.status != "closed"]
NOTICE_URLS = {URL_A, URL_B, URL_C}


# --- model and dispatch -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("digest", [DIGEST, EMPTY], ids=["full", "empty"])
def test_every_format_renders(fmt: str, digest: Digest) -> None:
    out = render(digest, fmt)
    assert isinstance(out, str) and out.strip()
    assert render(digest, fmt) == out  # pure: same input, same output


def test_unknown_format_is_value_error() -> None:
    with pytest.raises(ValueError, match="pdf"):
        render(DIGEST, "pdf")


def test_is_empty_and_naive_time_rejected() -> None:
    assert EMPTY.is_empty()
    assert not DIGEST.is_empty()
    assert not Digest(GENERATED, 7, needs_review=[NeedsReview("t", URL_A, None)]).is_empty()
    with pytest.raises(ValueError, match="must be timezone-aware"):
        Digest(generated_at=datetime(2025, 1, 6, 9, 30), days=7)


def test_only_absolute_http_urls_count_as_links() -> None:
    assert is_http_url(URL_A) and is_http_url(URL_B)
    for bad in (
        JS_URL,
        " javascript:x",
        "java\tscript:x",
        "JAVASCRIPT:x",
        "data:text/html,x",
        "//evil",
        "/a",
        "",
    ):
        assert not is_http_url(bad), bad


# --- display width --------------------------------------------------------------------------


def test_display_width_counts_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("中文") == 4
    assert display_width("ＡＢ") == 4  # fullwidth
    assert display_width("e\u0301") == 1  # combining acute
    assert display_width("a\u200db") == 2  # zero-width joiner
    assert pad("中", 5) == "中   "
    assert display_width(pad("中a", 7, align="right")) == 7


@given(st.text(alphabet=st.sampled_from("ab中文ＡＢ\u0301 …"), max_size=40), st.integers(0, 30))
@settings(max_examples=150, deadline=None)
def test_truncate_never_exceeds_width(text: str, width: int) -> None:
    cut = truncate(text, width)
    assert display_width(cut) <= width
    if display_width(text) <= width:
        assert cut == text
    elif width > 0:
        assert cut.endswith("…")


# --- text -----------------------------------------------------------------------------------


def test_text_tables_line_up() -> None:
    text = render(DIGEST, "text")
    tables = text_tables(text)
    assert len(tables) == 6
    for table in tables:
        rule = table[1]
        starts = [m.start() for m in re.finditer(r"-+", rule)]  # the rule is ASCII: index == column
        width = display_width(rule)
        for line in table:
            assert display_width(line) == width, (line, table)
            cols = cells_by_column(line)
            for s in starts[1:]:
                # Two spaces of gap before every column start, and the column starts with content.
                assert cols[s - 2] == cols[s - 1] == " ", (line, s)
                assert cols[s] not in (" ", ""), (line, s)


def test_text_content() -> None:
    text = render(DIGEST, "text")
    for heading in ("正在申报", "14天内开始", "最近截止", "最近变更", "预估（据上年度）", "需人工核对"):
        assert f"【{heading}】" in text
    assert "2025-01-09(四)" in text and "2025-01-06(一) 17:00" in text
    assert "剩3天" in text and "今天截止" in text and "已截止3天" in text
    assert LONG_COMMITTEE not in text
    long_row = next(line for line in text.split("\n") if line.startswith(LONG_COMMITTEE[:10]))
    first_cell = long_row.split("  ")[0]
    assert first_cell.endswith("…") and display_width(first_cell) <= 36
    assert "（预估）" in text
    assert URL_A in text  # full URLs listed under each table


def test_text_empty_sections_and_control_characters() -> None:
    text = render(EMPTY, "text")
    assert "（暂无正在申报的窗口）" in text and "（没有需要人工核对的通知）" in text
    assert len(text.strip().split("\n")) == 2 + 6 * 3 - 1  # title, blank, then heading + one line each
    nasty = Digest(GENERATED, 7, open_now=[entry("x", committee="A\x1b[31m红\nB\tC\u202e")])
    out = render(nasty, "text")
    assert "\x1b" not in out and "\u202e" not in out and "A[31m红 B C" in out


# --- markdown -------------------------------------------------------------------------------


def test_md_escapes_and_links() -> None:
    md = render(DIGEST, "md")
    table_lines = [line for line in md.split("\n") if line.startswith("|")]
    assert table_lines
    # Every row of a table has as many unescaped pipes as its header.
    pipes = 0
    for line in table_lines:
        n = len(re.findall(r"(?<!\\)\|", line))
        if not line.startswith("| ---") and not re.match(r"\|( --- \|)+$", line):
            pipes = n if "委员会" in line or "发布日期" in line else pipes
        assert n == pipes, line
    assert r"ABC \| Tech" in md and r"关于公布评审结果的通知 \| 附件" in md
    assert "<script>" not in md and r"\<script\>" in md
    assert r"\[重要\] \*请注意\* \`代码\`" in md
    assert f"]({URL_A})" in md and f"]({URL_B})" in md
    assert "](https://rsj.gz.gov.cn/zwgk/tzgg/content/post_3.html?a=1&b=%282%29%7Cx)" in md
    assert "](javascript" not in md.lower()
    for heading in ("## 正在申报", "## 14天内开始", "## 需人工核对"):
        assert heading in md


# --- html -----------------------------------------------------------------------------------


def test_html_is_safe_and_self_contained() -> None:
    html = render(DIGEST, "html")
    soup = BeautifulSoup(html, "lxml")
    assert soup.find_all("script") == []
    assert soup.find_all("img") == [] and soup.find_all("link") == [] and soup.find_all("iframe") == []
    for tag in soup.find_all(True):
        for attr in tag.attrs:
            assert not attr.lower().startswith("on"), (tag.name, attr)
        assert "src" not in tag.attrs, tag.name
    hrefs = [str(a["href"]) for a in soup.find_all(href=True)]
    assert hrefs and set(hrefs) <= NOTICE_URLS
    assert not any("javascript" in h.lower() for h in hrefs)
    # The payloads survive as visible text, not as markup.
    text = soup.get_text()
    assert SCRIPT in text and IMG in text and JS_URL in text
    style = "".join(s.get_text() for s in soup.find_all("style"))
    assert "@media print" in style and "url(" not in style and "@import" not in style
    assert soup.find("meta", attrs={"name": "viewport"}) is not None
    # Predicted rows are labelled.
    predicted_rows = soup.select("tr.predicted")
    assert len(predicted_rows) == 3  # the open estimate twice (open + estimates), the plain one once
    assert all("预估" in row.get_text() for row in predicted_rows)
    assert LONG_COMMITTEE in text  # the page wraps; it need not truncate


def test_html_empty_sections() -> None:
    soup = BeautifulSoup(render(EMPTY, "html"), "lxml")
    assert soup.find_all("table") == []
    assert len(soup.select("p.empty")) == 6


# --- json -----------------------------------------------------------------------------------


def test_json_shape_and_dedupe() -> None:
    raw = render(DIGEST, "json")
    assert "广州市" in raw  # ensure_ascii=False
    data = json.loads(raw)
    assert isinstance(data, list)
    assert all(list(item) == list(JSON_KEYS) for item in data)
    assert list(JSON_KEYS) == [
        "committee",
        "kind",
        "start",
        "end",
        "status",
        "days_left",
        "notice_url",
        "notice_title",
        "predicted",
    ]
    assert [(d["committee"], d["kind"], d["start"], d["end"]) for d in data] == [
        (w.committee, w.kind, w.start, w.end) for w in JSON_WINDOWS
    ]
    bare = next(d for d in data if d["committee"] == OPEN_BARE.committee)
    assert bare["start"] is None and bare["days_left"] == 0 and bare["predicted"] is False
    assert bare["notice_url"] == JS_URL  # passed through; consumers validate
    assert json.loads(render(EMPTY, "json")) == []


# --- ics ------------------------------------------------------------------------------------


def _events(ics: str) -> dict[str, Any]:
    cal = Calendar.from_ical(ics)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def test_ics_parses_with_expected_events() -> None:
    ics = render(DIGEST, "ics")
    cal = Calendar.from_ical(ics)
    assert str(cal["PRODID"]) == "-//zcwatch//digest//ZH"
    assert str(cal["VERSION"]) == "2.0" and str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai" and str(cal["X-WR-CALNAME"])
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    events = cal.walk("VEVENT")
    uids = [str(ev["UID"]) for ev in events]
    assert len(uids) == len(set(uids)) == len(ICS_WINDOWS)
    assert set(uids) == {f"{w.window_key}@zcwatch" for w in ICS_WINDOWS}
    assert all(ev.decoded("DTSTAMP") == GENERATED for ev in events)


def test_ics_uids_stable_across_renders() -> None:
    later = Digest(**{**DIGEST.__dict__, "generated_at": GENERATED + timedelta(days=1)})
    first, second = render(DIGEST, "ics"), render(later, "ics")
    assert list(_events(first)) == list(_events(second))
    assert render(DIGEST, "ics") == first


def test_ics_all_day_timed_and_bare_deadlines() -> None:
    ev = _events(render(DIGEST, "ics"))

    def get(w: DigestEntry) -> Any:
        return ev[f"{w.window_key}@zcwatch"]

    allday = get(OPEN_ALLDAY)
    assert allday.decoded("DTSTART") == date(2025, 1, 2)
    assert allday.decoded("DTEND") == date(2025, 1, 10)  # exclusive
    assert "VALUE=DATE" in allday.to_ical().decode()

    bare_day = get(SOON_BARE_ALLDAY)
    assert bare_day.decoded("DTSTART") == date(2025, 1, 18)
    assert bare_day.decoded("DTEND") == date(2025, 1, 19)

    timed = get(SOON_TIMED)
    start, end = timed.decoded("DTSTART"), timed.decoded("DTEND")
    assert isinstance(start, datetime) and start.utcoffset() == timedelta(hours=8)
    assert start.replace(tzinfo=None) == datetime(2025, 1, 10, 9, 0)
    assert end.replace(tzinfo=None) == datetime(2025, 1, 20, 17, 30)
    assert "DTSTART;TZID=Asia/Shanghai:20250110T090000" in render(DIGEST, "ics")

    bare_timed = get(OPEN_BARE)  # zero-duration at the deadline
    assert bare_timed.decoded("DTSTART").replace(tzinfo=None) == datetime(2025, 1, 6, 17, 0)
    assert "DTEND" not in bare_timed

    mixed = get(OPEN_MIXED)
    assert mixed.decoded("DTSTART").replace(tzinfo=None) == datetime(2025, 1, 3, 0, 0)
    assert mixed.decoded("DTEND").replace(tzinfo=None) == datetime(2025, 1, 15, 12, 0)


def test_ics_text_fields() -> None:
    ev = _events(render(DIGEST, "ics"))
    est = ev["w-estimate@zcwatch"]
    assert str(est["SUMMARY"]).startswith("【预估】")
    assert not str(ev["w-soon-timed@zcwatch"]["SUMMARY"]).startswith("【预估】")
    desc = str(ev["w-open-allday@zcwatch"]["DESCRIPTION"])
    # Escaped on the way out, restored by the parser: ; , \ survive; the scraped newline is folded away.
    assert '申报时间；截止,前\\提交 第二行 "quoted"' in desc
    assert URL_A in desc
    assert str(ev["w-open-allday@zcwatch"]["URL"]) == URL_A
    js = ev["w-open-bare@zcwatch"]
    assert "URL" not in js
    assert SCRIPT in str(js["DESCRIPTION"])  # text, harmless in a calendar


def test_ics_line_format() -> None:
    ics = render(DIGEST, "ics")
    raw = ics.encode("utf-8")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n") and b"\r\r" not in raw
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # long Chinese lines were folded
    for line in lines:
        line.decode("utf-8")  # no multi-byte character was split across lines


def test_ics_empty_has_no_events_or_timezone() -> None:
    cal = Calendar.from_ical(render(EMPTY, "ics"))
    assert cal.walk("VEVENT") == [] and cal.walk("VTIMEZONE") == []


def test_ics_escape_text() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


@given(st.text(alphabet=st.sampled_from("a;,\\\n中𝄞é\u0301 "), max_size=200))
@settings(max_examples=100, deadline=None)
def test_fold_round_trips_within_75_octets(value: str) -> None:
    line = "DESCRIPTION:" + escape_text(value)
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join([parts[0], *(p[1:] for p in parts[1:])]) == line


@given(st.text(alphabet="关于2025年度卫生职称 abc-:()（）…", max_size=120), st.integers(12, 100))
@settings(max_examples=200, deadline=None)
def test_wrap_fits_the_width_and_loses_nothing(text: str, width: int) -> None:
    lines = wrap(text, width, indent="    ")
    assert all(display_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
