"""Issue 12: whole passages. Evidence, confidence, per-window committee and HTML tables.

The case table (test_extract_cases.py, tests/data/passage_cases.jsonl) pins the windows; these
tests pin the parts of a window the table does not: evidence as written, why and how sure.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import extract_notice_html, extract_windows, html_to_text, shared_committee, traditional
from extractor.cli import extract_batch, extract_one
from extractor.committee import group_members
from extractor.layout import segment_spans

PUB = date(2025, 12, 20)


def test_traditional_evidence_is_the_original_text() -> None:
    text = "一、時間安排\n網上申報時間：2026年1月5日至1月23日。紙質材料請於2月27日前郵寄。"
    windows = extract_windows(text, PUB)
    assert [(w.kind, w.start, w.end) for w in windows] == [
        ("apply", "2026-01-05", "2026-01-23"),
        ("paper", None, "2026-02-27"),
    ]
    assert [w.evidence for w in windows] == [
        "網上申報時間：2026年1月5日至1月23日",
        "紙質材料請於2月27日前郵寄",
    ]


def test_conversion_that_changes_length_maps_back_per_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stretching:
        """A converter whose phrase rule makes the text longer (OpenCC's can, rarely)."""

        def convert(self, text: str) -> str:
            return text.replace("網上申報", "网上申报申报").replace("紙質", "纸质")

    monkeypatch.setattr(traditional, "_converter", lambda: Stretching())
    text = "網上申報時間：2026年1月5日至1月23日。紙質材料請於2026年2月27日前報送。"
    spans = segment_spans(text)
    assert [text[a:b] for a, b in spans] == [
        "網上申報時間：2026年1月5日至1月23日",
        "紙質材料請於2026年2月27日前報送",
    ]
    assert traditional.simplified_sentences(text, spans) == [
        "网上申报申报時間：2026年1月5日至1月23日",
        "纸质材料請於2026年2月27日前報送",
    ]
    windows = extract_windows(text, PUB)
    assert [w.evidence for w in windows] == [text[a:b] for a, b in spans]
    assert [(w.kind, w.end) for w in windows] == [("apply", "2026-01-23"), ("paper", "2026-02-27")]


def test_simplified_text_skips_the_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom() -> object:
        raise AssertionError("OpenCC called for simplified text")

    traditional._traditional()  # built before the converter is replaced
    monkeypatch.setattr(traditional, "_converter", boom)
    assert traditional.to_simplified("网上申报时间：2026年1月5日") == "网上申报时间：2026年1月5日"


def test_reason_and_confidence_follow_the_evidence() -> None:
    text = "网上申报时间：2026年1月5日至1月23日。\n2026年2月2日至2月13日。\n佛山 | 工程系列：3月2日-3月20日"
    labelled, bare, row = extract_windows(text, PUB)
    assert labelled.reason == "label: 网上申报时间; range"
    assert bare.kind == "other" and bare.reason.startswith("no step named")
    assert row.kind == "apply" and row.reason.startswith("guess:")
    assert labelled.confidence > row.confidence > bare.confidence
    deadline = extract_windows("申报人须于2026年1月23日前完成网上申报。", PUB)[0]
    assert deadline.reason == "keyword: 网上申报; pattern: 前"


def test_year_inferred_lowers_confidence() -> None:
    explicit = extract_windows("网上申报时间：2026年1月5日至1月23日", PUB)[0]
    inferred = extract_windows("网上申报时间：1月5日至1月23日", PUB)[0]
    assert (explicit.start, explicit.end) == (inferred.start, inferred.end)
    assert inferred.confidence < explicit.confidence


def test_merged_lines_keep_both_lines_as_evidence() -> None:
    text = "系统开放时间：1月13日9:00。\n个人提交截止时间：2月7日17:30。"
    (w,) = extract_windows(text, PUB)
    assert w.evidence == "系统开放时间：1月13日9:00。\n个人提交截止时间：2月7日17:30"
    assert "end: " in w.reason


def test_committee_from_heading_is_less_sure_than_from_the_row() -> None:
    text = "（一）卫生系列\n网上申报：2026年1月5日至1月23日\n二、会计系列：2026年1月12日至2月6日"
    under_heading, in_row = extract_windows(text, PUB)
    assert (under_heading.committee, in_row.committee) == ("卫生系列", "会计系列")
    assert under_heading.confidence < 0.95


def test_notice_html_without_tables_reads_like_its_text() -> None:
    html = (
        "<html><body><div class='content'><p>一、申报时间</p><p>网上申报：2025年1月6日至<br>1月24日</p>"
        "<p>纸质材料请于2月28日前报送。</p></div></body></html>"
    )
    assert extract_notice_html(html, PUB) == extract_windows(html_to_text(html), PUB)


SCHEDULE = (
    "<html><body><table><tr><th>评委会名称</th><th>受理时间</th><th>联系电话</th></tr>"
    "<tr><td>卫生系列</td><td>2026年3月2日至3月13日</td><td>020-83123456</td></tr>"
    "<tr><td>会计系列</td><td>2026年3月16日至3月27日</td><td>020-83654321</td></tr></table></body></html>"
)


def test_extract_one_reads_schedule_tables_with_committees() -> None:
    out = io.StringIO()
    assert extract_one(io.StringIO(SCHEDULE), date(2026, 2, 20), out) == 0
    rows = json.loads(out.getvalue())
    assert [(r["kind"], r["start"], r["end"], r["committee"]) for r in rows] == [
        ("accept", "2026-03-02", "2026-03-13", "卫生系列"),
        ("accept", "2026-03-16", "2026-03-27", "会计系列"),
    ]
    assert rows[0]["evidence"] == "卫生系列 | 受理时间：2026年3月2日至3月13日"
    assert rows[0]["reason"] == "column: 受理时间; range"
    assert set(rows[0]) == {"kind", "start", "end", "evidence", "committee", "reason", "confidence"}


def test_extract_batch_reads_html_text_as_html() -> None:
    line = json.dumps({"id": "t", "text": SCHEDULE, "published": "2026-02-20"})
    out = io.StringIO()
    assert extract_batch(io.StringIO(line + "\n"), out) == 0
    result = json.loads(out.getvalue())
    assert [w["committee"] for w in result["windows"]] == ["卫生系列", "会计系列"]


CELL = st.sampled_from(
    ["评委会名称", "受理时间", "评审时间", "联系电话", "卫生系列", "2026年3月2日至3月13日", "5月", "",
     "查看通知>", "網上申報：1月5日至1月23日", "020-83123456", "年龄计算截止至2025年12月31日", "X月X日",
     "環節"]
)  # fmt: skip
SPAN = st.sampled_from(["", ' rowspan="2"', ' colspan="3"', ' rowspan="0"', ' colspan="x"', ' rowspan="999"'])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.tuples(CELL, SPAN), min_size=1, max_size=5), min_size=1, max_size=6), st.booleans()
)
def test_any_table_reads_without_error(rows: list[list[tuple[str, str]]], th: bool) -> None:
    tag = "th" if th else "td"
    body = "".join("<tr>" + "".join(f"<{tag}{a}>{t}</{tag}>" for t, a in row) + "</tr>" for row in rows)
    for w in extract_notice_html(f"<html><body><p>前言</p><table>{body}</table></body></html>", PUB):
        assert w.start is not None or w.end is not None
        assert not (w.start and w.end) or w.start <= w.end
        assert w.reason and 0.0 <= w.confidence <= 1.0


_A, _B = "广州市建设工程技术人才中级职称评审委员会", "广州市交通运输工程技术人才中级职称评审委员会"
_OWN = "广州南沙医院卫生专业技术人才中级职称评审委员会"


@pytest.mark.parametrize(
    ("title", "named", "expected"),
    [
        # An office's or bureau's notice for several committees: a step without one is all of theirs.
        ("关于做好2025年度建设、交通工程技术人才中级职称评审工作的通知", [_A, None, _B, _A], f"{_A}、{_B}"),
        ("关于做好2025年度职称评审工作的通知", [_A, _B, None], f"{_A}、{_B}"),
        # None: the notice's own committee. One committee's own notice, relaying others: a step without a
        # committee is its own.
        (f"{_OWN}关于开展2025年度评审工作的通知", [_A, _B, None], None),
        # One committee named apart (本评委会…；另一评委会…): the rest is the notice's.
        ("关于开展2025年度评审工作的通知", [_A, None], None),
        # An abbreviation and its full name are one committee.
        ("关于做好2025年度评审工作的通知", [_A, "建设中评委", None], None),
        # A window of both already ("A、B", 两个评委会均…) names each of them once, not a third committee.
        ("关于做好2025年度评审工作的通知", [f"{_A}、{_B}", _A, None], f"{_A}、{_B}"),
        ("关于做好2025年度评审工作的通知", [f"{_A}、{_B}", None], f"{_A}、{_B}"),
    ],
)
def test_a_window_without_a_committee_is_the_notices_or_all_of_its_committees(
    title: str, named: list[str | None], expected: str | None
) -> None:
    assert shared_committee(title, named) == expected


@pytest.mark.parametrize(
    ("name", "members"),
    [
        (f"{_A}、{_B}", [_A, _B]),
        (f"{_A}、市卫生高评委", [_A, "市卫生高评委"]),
        # 、 inside one committee's name (机械、电子…) does not split it.
        (
            "广州市机械、电子工程技术人才中级职称评审委员会",
            ["广州市机械、电子工程技术人才中级职称评审委员会"],
        ),
        (f"{_A}、电子", [f"{_A}、电子"]),
        (_A, [_A]),
    ],
)
def test_a_group_name_splits_only_between_committees(name: str, members: list[str]) -> None:
    assert group_members(name) == members


@pytest.mark.parametrize(
    "title",
    [
        "天河区转发广州市计算机技术与软件专业人才中级职称评审委员会关于2025年度评审工作的通知",
        "关于转发广州市计算机技术与软件专业人才中级职称评审委员会2025年度评审工作通知的通知",
    ],
)
def test_a_relay_is_the_committees_not_the_relayers(title: str) -> None:
    from extractor import extract_committee

    assert extract_committee(title) == "广州市计算机技术与软件专业人才中级职称评审委员会"
