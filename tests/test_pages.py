"""crawler.pages against the replica site (zcwatch/demo/site) and its truth, tests/data/site_expected.json.

Every replica page is parsed from its bytes exactly as the spider would receive them (the Content-Type
the replica sends for that host), so encodings, templates, titles, dates and attachments are checked
end to end without a server. The anti-bot detector is checked both ways: each challenge page is caught,
and no real page is ever mistaken for one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.replica import (
    CHALLENGE_200,
    CHALLENGE_412,
    CHALLENGE_521,
    COLUMN_URL,
    ERROR_5XX,
    HOST_CHARSET,
    NOT_FOUND,
    default_root,
    render_layout_variant,
)

from core.errors import NoticeParseError
from crawler.pages import (
    Attachment,
    decode_html,
    detect_challenge,
    page_url,
    parse_listing,
    parse_notice,
)

SITE = default_root()
EXPECTED: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent / "data" / "site_expected.json").read_text(encoding="utf-8")
)
NOTICES: list[dict[str, Any]] = EXPECTED["notices"]
FETCHED = [n for n in NOTICES if n["template"] is not None]


def site_file(url: str) -> Path:
    host, _, path = url.removeprefix("http://").partition("/")
    return SITE / host / path


def content_type(url: str) -> str:
    host = url.removeprefix("http://").split("/", 1)[0]
    charset = HOST_CHARSET[host]
    return f"text/html; charset={charset}" if charset else "text/html"


def load(url: str) -> tuple[str, str]:
    return decode_html(site_file(url).read_bytes(), content_type(url))


# ------------------------------------------------------------------------------------------ expected.json


def test_expected_covers_the_brief() -> None:
    assert len(NOTICES) >= 22
    assert {n["review_year"] for n in NOTICES} == {2024, 2025}
    assert {n["template"] for n in NOTICES} == {"ucap", "article", "fallback", None}
    assert {n["host"] for n in NOTICES} == {"rsj.gz.gov.cn", "wjw.gz.gov.cn", "www.gzhmu.edu.cn"}
    kinds = {w["kind"] for n in NOTICES for w in n["windows"]}
    assert kinds == {"apply", "accept", "unit_review", "paper", "fee", "review", "other"}
    for n in NOTICES:
        for w in n["windows"]:
            assert w["end"] is not None
            assert w["start"] is None or w["start"] <= w["end"]


def test_every_listed_notice_has_a_page_unless_marked_unfetchable() -> None:
    for n in NOTICES:
        assert site_file(n["url"]).is_file() == (n["template"] is not None), n["url"]


# --------------------------------------------------------------------------------------------- listings


@pytest.mark.parametrize("page", EXPECTED["listing"], ids=lambda p: p["url"].rsplit("/", 1)[-1])
def test_listing_pages(page: dict[str, Any]) -> None:
    html, encoding = load(page["url"])
    assert encoding == "utf-8"
    listing = parse_listing(html, page["url"])
    assert listing.column == EXPECTED["column_name"]
    assert not listing.fallback
    assert [i.url for i in listing.items] == page["items"]
    by_url = {n["url"]: n for n in NOTICES}
    for item in listing.items:
        assert item.title == by_url[item.url]["title"]  # full title attribute, tabs stripped, no "…"
        assert item.date == by_url[item.url]["date"]
    assert listing.next_url == page["next"]


def test_pinned_items_are_older_than_the_items_below_them() -> None:
    first = EXPECTED["listing"][0]
    listing = parse_listing(load(first["url"])[0], first["url"])
    pinned = [n["url"] for n in NOTICES if n["pinned"]]
    assert [i.url for i in listing.items[: len(pinned)]] == pinned
    newest_pinned = max(i.date or "" for i in listing.items[: len(pinned)])
    assert all((i.date or "") > newest_pinned for i in listing.items[len(pinned) :])


def test_listing_link_text_is_truncated_but_title_is_not() -> None:
    raw = site_file(EXPECTED["listing"][0]["url"]).read_text(encoding="utf-8")
    assert "…</a>" in raw
    assert all("…" not in i.title for i in parse_listing(raw, COLUMN_URL).items)


@pytest.mark.parametrize("page", EXPECTED["listing"], ids=lambda p: p["url"].rsplit("/", 1)[-1])
def test_listing_fallback_on_changed_layout(page: dict[str, Any]) -> None:
    """The replica's "layout" fault: known selectors find nothing, the generic scan finds the same items."""
    html = render_layout_variant(load(page["url"])[0])
    listing = parse_listing(html, page["url"])
    original = parse_listing(load(page["url"])[0], page["url"])
    assert listing.fallback
    assert listing.column is None
    assert listing.items == original.items
    assert listing.next_url == page["next"]


def test_listing_fallback_ignores_navigation_and_undated_links() -> None:
    html = """<html><body>
      <ul class="nav"><li><a href="/a">首页</a></li>
        <li><a href="/b">关于我们的职称评审服务指南通知</a></li></ul>
      <table><tr><td><a href="/c/1.html">关于做好2025年度广州市卫生专业技术人才高级职称评审工作的通知</a></td>
                 <td>2025/11/20</td></tr>
             <tr><td><a href="/c/2.html">关于延长2025年度网上申报时间的通知</a></td>
                 <td>2025年12月16日</td></tr></table>
      </body></html>"""
    listing = parse_listing(html, "http://rsj.gz.gov.cn/x/")
    assert listing.fallback
    assert [(i.url, i.date) for i in listing.items] == [
        ("http://rsj.gz.gov.cn/c/1.html", "2025-11-20"),
        ("http://rsj.gz.gov.cn/c/2.html", "2025-12-16"),
    ]


@pytest.mark.parametrize(
    "junk", ["", "   ", "<html>", "not html at all", "\x00\x01\x02", "<ul class='infoList'><li>"]
)
def test_parse_listing_never_raises_on_junk(junk: str) -> None:
    listing = parse_listing(junk, COLUMN_URL)
    assert listing.items == []
    assert listing.next_url is None


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_parse_listing_never_raises_property(text: str) -> None:
    parse_listing(text, COLUMN_URL)


def test_page_url() -> None:
    assert page_url(COLUMN_URL, 1) == COLUMN_URL + "index.html"
    assert page_url(COLUMN_URL, 3) == COLUMN_URL + "index_3.html"
    assert page_url(COLUMN_URL + "index_2.html", 4) == COLUMN_URL + "index_4.html"
    assert page_url(COLUMN_URL.rstrip("/"), 2).endswith(
        "/pstz/index_2.html"
    )  # no slash: last segment is a file
    with pytest.raises(ValueError, match="page numbers start at 1"):
        page_url(COLUMN_URL, 0)


# ---------------------------------------------------------------------------------------------- notices


@pytest.mark.parametrize("notice", FETCHED, ids=lambda n: n["url"].rsplit("/", 1)[-1])
def test_notice_pages(notice: dict[str, Any]) -> None:
    html, encoding = load(notice["url"])
    assert encoding == {"gbk": "gb18030"}.get(notice["encoding"], notice["encoding"])
    page = parse_notice(html, notice["url"])
    assert page.template == notice["template"]
    assert page.title == notice["title"]
    assert page.published == notice["published"]
    assert page.attachments == [Attachment(a["name"], a["url"]) for a in notice["attachments"]]
    assert page.body
    assert "\n\n" in page.body  # paragraphs kept apart
    assert "  " not in page.body  # whitespace normalised
    for noise in ("var ", "function", "document.", "{", "首页", "网站标识码", "【打印本页】", "点击数"):
        assert noise not in page.body, noise
    assert "\ufffd" not in page.body  # decoded without replacement characters


@pytest.mark.parametrize("notice", FETCHED, ids=lambda n: n["url"].rsplit("/", 1)[-1])
def test_notice_body_holds_every_window_sentence(notice: dict[str, Any]) -> None:
    """The body keeps the sentences the truth was read from: at least the title's season and a date."""
    body = parse_notice(load(notice["url"])[0], notice["url"]).body
    assert f"{notice['review_year']}年度" in body or str(notice["review_year"] + 1) in body
    if notice["windows"]:
        assert any(ch in body for ch in "月２二")


def test_ucap_template_fields() -> None:
    url = next(n["url"] for n in NOTICES if n["url"].endswith("post_10999952.html"))
    page = parse_notice(load(url)[0], url)
    assert page.source == "广州市卫生健康委员会"
    assert page.published == "2024-12-20T15:42"
    assert page.body.startswith("各有关单位：")


def test_inline_spans_join_and_scripts_are_dropped() -> None:
    url = next(n["url"] for n in NOTICES if n["url"].endswith("post_11534210.html"))
    body = parse_notice(load(url)[0], url).body
    assert "个人网上申报：2025年12月1日（星期一）9:00至12月19日（星期五）17:30。" in body
    assert "shareTitle" not in body and "分享到微信" not in body


def test_fallback_picks_the_article_not_the_navigation() -> None:
    url = "http://www.gzhmu.edu.cn/rsc/info/1041/5678.htm"
    page = parse_notice(load(url)[0], url)
    assert page.template == "fallback"
    assert page.body.startswith("各二级单位、附属医院：")
    assert "人才招聘" not in page.body and "拟聘用人员名单" not in page.body


def test_parse_notice_raises_only_without_text() -> None:
    with pytest.raises(NoticeParseError):
        parse_notice("", "http://rsj.gz.gov.cn/x.html")
    with pytest.raises(NoticeParseError):
        parse_notice("<html><head><title>t</title><script>var a=1;</script></head><body> </body></html>", "u")
    page = parse_notice("<p>只有一句话。</p>", "http://rsj.gz.gov.cn/x.html")
    assert page.body == "只有一句话。"
    assert page.template == "fallback"


UCAP = next(n["url"] for n in NOTICES if n["url"].endswith("post_10999952.html"))
ARTICLE = next(n["url"] for n in NOTICES if n["url"].endswith("post_11702345.html"))


@pytest.mark.parametrize(
    ("url", "marker", "offset", "why"),
    [
        (UCAP, "</ucapcontent>", 0, "its content block has no end"),  # most of the text came, not its end
        (UCAP, '<div class="content">', 0, "no known content block"),  # cut before the text began
        (ARTICLE, '<div class="article-content">', 120, "characters of text"),  # a line or so of text
    ],
)
def test_notice_cut_short_in_transfer_is_refused(url: str, marker: str, offset: int, why: str) -> None:
    """A page that stops early (with a Content-Length matching what came) is not a short notice."""
    html = load(url)[0]
    with pytest.raises(NoticeParseError, match="cut short") as e:
        parse_notice(html[: html.index(marker) + offset], url)
    assert why in str(e.value)


def test_notice_cut_after_its_text_is_read() -> None:
    """Cut in the footer, after the content block ended: everything a notice needs is there."""
    html = load(UCAP)[0]
    whole = parse_notice(html, UCAP)
    cut = html[: html.index("</ucapcontent>") + len("</ucapcontent></div>") + 1]
    assert "</body>" not in cut and parse_notice(cut, UCAP).body == whole.body


def test_published_variants() -> None:
    html = (
        '<div class="article-info">发布日期：2025年3月5日</div><div class="article-content"><p>正文</p></div>'
    )
    assert parse_notice(html, "u").published == "2025-03-05"
    html = '<meta name="PubDate" content="2025-03-05 08:07:00"><div class="article-content"><p>正文</p></div>'
    assert parse_notice(html, "u").published == "2025-03-05T08:07"


# --------------------------------------------------------------------------------------------- encoding


@pytest.mark.parametrize(
    "notice", [n for n in FETCHED if n["encoding"] == "gbk"], ids=lambda n: n["url"][-20:]
)
def test_gbk_pages_decode_without_header_charset(notice: dict[str, Any]) -> None:
    body = site_file(notice["url"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    text, encoding = decode_html(body, "text/html")
    assert encoding == "gb18030"
    assert notice["title"] in text


def test_decode_html_order() -> None:
    gbk = "<p>关于做好职称评审工作的通知</p>".encode("gbk")
    utf8 = "<p>关于做好职称评审工作的通知</p>".encode()
    assert decode_html(utf8, "text/html; charset=UTF-8") == ("<p>关于做好职称评审工作的通知</p>", "utf-8")
    assert decode_html(gbk, "text/html; charset=GB2312")[1] == "gb18030"
    # A wrong header charset that cannot decode strictly gives way to what the bytes are.
    assert decode_html(gbk, "text/html; charset=utf-8")[1] == "gb18030"
    meta = b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + gbk
    assert decode_html(meta, None)[1] == "gb18030"
    assert decode_html(b'<meta charset="utf-8">' + utf8, "text/html")[1] == "utf-8"
    text, encoding = decode_html(b"\xef\xbb\xbf" + utf8, None)
    assert (text[0], encoding) == ("<", "utf-8")
    assert decode_html(b"\xff\xfe" + "<p>通知</p>".encode("utf-16-le"), None) == ("<p>通知</p>", "utf-16-le")
    assert decode_html(b"plain ascii", None) == ("plain ascii", "utf-8")
    assert decode_html(b'<meta charset="no-such-codec">ok', "text/html; charset=bogus") == (
        '<meta charset="no-such-codec">ok',
        "utf-8",
    )
    # Neither UTF-8 nor GB18030: decoded anyway, with replacement characters.
    text, encoding = decode_html(b"\x80\x80\xff", None)
    assert encoding == "utf-8" and "\ufffd" in text


# ------------------------------------------------------------------------------------------- challenges


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (412, CHALLENGE_412, "HTTP 412 anti-bot challenge"),
        (521, CHALLENGE_521, "HTTP 521 anti-bot challenge"),
        (200, CHALLENGE_200, "JavaScript cookie challenge page"),
        (
            202,
            '<script>document.cookie="a=b";location.href=location.href</script>',
            "JavaScript cookie challenge page",
        ),
    ],
)
def test_challenges_detected(status: int, body: str, reason: str) -> None:
    assert detect_challenge(status, body) == reason


def test_no_false_positive_on_any_replica_page() -> None:
    pages = [p["url"] for p in EXPECTED["listing"]] + [n["url"] for n in FETCHED]
    for url in pages:
        html = load(url)[0]
        assert detect_challenge(200, html) is None, url
        assert detect_challenge(200, render_layout_variant(html)) is None, url
    assert detect_challenge(404, NOT_FOUND) is None
    assert detect_challenge(500, ERROR_5XX.format(code=500)) is None
    assert detect_challenge(412, "<html><body>Precondition Failed</body></html>") is None
    assert detect_challenge(200, "") is None
    # A short but real page whose only script is analytics is not a challenge.
    assert detect_challenge(200, "<p>暂无内容</p><script>var _hmt=_hmt||[];</script>") is None
