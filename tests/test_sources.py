"""Issue 12: another column is a [[sources]] entry with its own selectors, checked with `test-source`.

The column here is a province-style site (another CMS: ``div.list`` items, ``div.zw`` bodies, a publish
line of its own) served by the replica on its own host, crawled for real through the Scrapy child.
"""

from __future__ import annotations

import pytest
from support.crawl_fixtures import CrawlEnv
from support.replica import ReplicaServer

from core.config import Selectors
from crawler.pages import parse_listing, parse_notice

HOST = "hrss.gd.gov.cn"
COLUMN = f"http://{HOST}/zwgk/tzgg/"
NOTICE_1 = f"{COLUMN}content/post_4400101.html"
NOTICE_2 = f"{COLUMN}content/post_4400102.html"
TITLE_1 = "关于做好2026年度广东省工程技术人才职称评审工作的通知"
TITLE_2 = "关于延长2026年度广东省高校教师职称评审申报时间的通知"

PROVINCE_SELECTORS = Selectors(
    item="div.list ul li", link="a[href]", date="span", next="a.next", body="div.zw", published="div.info em"
)
SELECTORS_TOML = """
[[sources]]
name = "gd"
url = "{url}"
[sources.selectors]
item = "div.list ul li"
link = "a[href]"
date = "span"
next = "a.next"
body = "div.zw"
published = "div.info em"
"""


def _listing() -> str:
    rows = "".join(
        f'<li><a href="{url}" target="_blank">{title}</a><span>{day}</span></li>'
        for url, title, day in (
            (NOTICE_1, TITLE_1, "2026-01-06"),
            (NOTICE_2, TITLE_2, "2026-02-26"),
        )
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>通知公告 广东省人力资源和社会保障厅</title>'
        '</head><body><div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>'
        f'<div class="list"><ul>{rows}</ul></div>'
        '<div class="page"><span>共1页</span></div></body></html>'
    )


def _notice(title: str, day: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="nav"><a href="/">首页</a></div><div class="article"><h3>{title}</h3>'
        f'<div class="info"><span>来源：本网</span><em>发布日期：{day}</em></div>'
        f'<div class="zw">{body}</div></div><div class="foot">版权所有 广东省人力资源和社会保障厅</div>'
        "</body></html>"
    )


NOTICE_1_HTML = _notice(
    TITLE_1,
    "2026-01-06 16:20",
    [
        "各地级以上市人力资源社会保障局，省直有关单位：",
        "现将2026年度广东省工程技术人才职称评审工作有关事项通知如下。",
        "一、个人网上申报时间：2026年3月2日至3月20日，申报人登录广东省专业技术人才职称管理系统填报。",
        "二、单位审核推荐时间：2026年3月23日至4月3日。",
        "三、评委会受理时间：2026年4月7日至4月17日，逾期不予受理。",
    ],
)
NOTICE_2_HTML = _notice(
    TITLE_2,
    "2026-02-26 09:00",
    ["经研究，2026年度广东省高校教师职称评审个人网上申报截止时间延长至2026年3月13日17:30。"],
)


@pytest.fixture
def province(replica: ReplicaServer) -> ReplicaServer:
    replica.edit(COLUMN + "index.html", _listing())
    replica.edit(NOTICE_1, NOTICE_1_HTML)
    replica.edit(NOTICE_2, NOTICE_2_HTML)
    return replica


def test_a_sources_own_selectors_read_its_listing_and_notices() -> None:
    listing = parse_listing(_listing(), COLUMN, PROVINCE_SELECTORS)
    assert not listing.fallback
    assert [(i.title, i.url, i.date) for i in listing.items] == [
        (TITLE_1, NOTICE_1, "2026-01-06"),
        (TITLE_2, NOTICE_2, "2026-02-26"),
    ]
    page = parse_notice(NOTICE_1_HTML, NOTICE_1, PROVINCE_SELECTORS)
    assert page.template == "source"
    assert page.published == "2026-01-06T16:20"
    assert page.body.startswith("各地级以上市人力资源社会保障局") and "版权所有" not in page.body
    # Without them the built-in template finds no item: the generic scan is flagged as a layout problem.
    assert parse_listing(_listing(), COLUMN).fallback
    assert parse_notice(NOTICE_1_HTML, NOTICE_1).template == "fallback"


def test_selectors_that_no_longer_match_are_reported_not_guessed_silently() -> None:
    moved = _listing().replace('class="list"', 'class="news-list"')
    listing = parse_listing(moved, COLUMN, PROVINCE_SELECTORS)
    assert listing.fallback  # the crawl reports layout_suspect
    assert {i.url for i in listing.items} == {NOTICE_1, NOTICE_2}  # the scan still keeps the notices
    page = parse_notice(NOTICE_1_HTML.replace('class="zw"', 'class="text"'), NOTICE_1, PROVINCE_SELECTORS)
    assert page.template == "fallback"


def test_crawl_of_a_source_with_its_own_selectors_stores_its_windows(
    crawl_env: CrawlEnv, province: ReplicaServer
) -> None:
    crawl_env.extra_toml = SELECTORS_TOML.format(url=COLUMN)
    ran = crawl_env.crawl("--source", "gd")
    assert ran.returncode == 0, ran
    rows = crawl_env.query(
        "SELECT n.title, n.template, w.kind, w.start, w.end FROM windows w "
        "JOIN notices n ON n.id = w.notice_id ORDER BY w.start IS NULL, w.start"
    )
    got = [tuple(r) for r in rows]
    assert got == [
        (TITLE_1, "source", "apply", "2026-03-02", "2026-03-20"),
        (TITLE_1, "source", "unit_review", "2026-03-23", "2026-04-03"),
        (TITLE_1, "source", "accept", "2026-04-07", "2026-04-17"),
        (TITLE_2, "source", "apply", None, "2026-03-13T17:30"),
    ], got
    assert "layout" not in ran.stdout + ran.stderr


def test_test_source_by_name_crawls_with_the_sources_selectors(
    crawl_env: CrawlEnv, province: ReplicaServer
) -> None:
    crawl_env.extra_toml = SELECTORS_TOML.format(url=COLUMN)
    ran = crawl_env.zcwatch("test-source", "gd")
    assert ran.returncode == 0, ran
    assert TITLE_1 in ran.stdout and "apply        2026-03-02 ~ 2026-03-20" in ran.stdout
    assert not crawl_env.db_path.exists()


def test_test_source_reads_a_saved_page_without_a_request(
    crawl_env: CrawlEnv, province: ReplicaServer
) -> None:
    crawl_env.extra_toml = SELECTORS_TOML.format(url=COLUMN)
    (crawl_env.dir / "list.html").write_text(_listing(), encoding="utf-8")
    (crawl_env.dir / "notice.html").write_text(NOTICE_1_HTML, encoding="gb18030")
    before = len(province.requests)

    listing = crawl_env.zcwatch("test-source", "list.html", "--source", "gd", "--url", COLUMN)
    assert listing.returncode == 0, listing
    assert "listing: 2 item(s), read by the template" in listing.stdout
    assert f"2026-01-06  {TITLE_1}" in listing.stdout and NOTICE_2 in listing.stdout

    notice = crawl_env.zcwatch("test-source", "notice.html", "--source", "gd")
    assert notice.returncode == 0, notice
    out = notice.stdout
    assert "read as gb18030" in out and "anti-bot challenge: none" in out
    assert f"notice: {TITLE_1}" in out and "body read by template source" in out
    assert "accept       2026-04-07 ~ 2026-04-17" in out
    assert "三、评委会受理时间：2026年4月7日至4月17日" in out  # the evidence, as written

    # Without the source's selectors the same page is read by the fallback, and says so.
    plain = crawl_env.zcwatch("test-source", "notice.html")
    assert "body read by the fallback" in plain.stdout

    assert len(province.requests) == before  # nothing was fetched
    assert not crawl_env.db_path.exists()


def test_test_source_says_what_a_saved_challenge_page_is(
    crawl_env: CrawlEnv, province: ReplicaServer
) -> None:
    from support.replica import CHALLENGE_412

    (crawl_env.dir / "waf.html").write_text(CHALLENGE_412, encoding="utf-8")
    ran = crawl_env.zcwatch("test-source", "waf.html")
    assert ran.returncode == 1, ran
    assert "anti-bot challenge:" in ran.stdout and "none" not in ran.stdout


def test_test_source_refuses_what_is_neither_url_name_nor_file(crawl_env: CrawlEnv) -> None:
    bad = crawl_env.zcwatch("test-source", "file:///etc/passwd")
    assert bad.returncode == 2 and bad.stdout == "", bad
    assert bad.stderr.strip() == (
        "zcwatch: not a web address, a [[sources]] name or a file: 'file:///etc/passwd' "
        "(expected http://…, https://…, a source's name or a saved page)"
    )
    unknown = crawl_env.zcwatch("test-source", "https://x.example/", "--source", "nope")
    assert unknown.returncode == 2 and "no source named 'nope'" in unknown.stderr


def test_config_shows_a_sources_selectors_as_toml(crawl_env: CrawlEnv) -> None:
    import tomllib

    crawl_env.extra_toml = SELECTORS_TOML.format(url=COLUMN)
    shown = crawl_env.zcwatch("config")
    assert shown.returncode == 0, shown
    sources = tomllib.loads(shown.stdout)["sources"]
    assert sources[0] == {"name": "replica", "url": crawl_env.replica.column_url}
    assert sources[1]["selectors"] == {
        "item": "div.list ul li",
        "link": "a[href]",
        "date": "span",
        "next": "a.next",
        "body": "div.zw",
        "published": "div.info em",
    }
