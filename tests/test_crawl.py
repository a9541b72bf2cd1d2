"""End-to-end tests: the real `zcwatch crawl` (Scrapy in a child process) against the replica.

Nothing is mocked: each crawl is a subprocess talking HTTP to the test replica
(``tests/support/replica.py``) through its proxy port and
writing a real SQLite file. What the replica serves matters for exact counts: its listing links one withdrawn
notice (``post_10985530``, a 404), so a crawl that reaches page 3 ends ``partial`` and, by design, does not
advance the listing's validators; the next poll then reads page 1 in full (200) and the poll after that is a
conditional GET answered 304.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit

import pytest
from support import database
from support.attachment_files import xlsx_bytes
from support.crawl_fixtures import CONTACT, EXPECTED, CrawlEnv, FirstCrawl, site_requests
from support.replica import LoggedRequest, ReplicaServer, default_root
from support.webhook import WebhookSink

from core.config import load_config
from scheduler.crawljob import crawl_source

COLUMN_URL: str = EXPECTED["column_url"]
COLUMN_PATH = urlsplit(COLUMN_URL).path
LISTED: list[str] = [url for page in EXPECTED["listing"] for url in page["items"]]
NOTICES: dict[str, dict[str, Any]] = {n["url"]: n for n in EXPECTED["notices"]}
WITHDRAWN = f"{COLUMN_URL}content/post_10985530.html"
EXTERNAL = "http://www.gzhmu.edu.cn/rsc/info/1041/5678.htm"
FETCHABLE = [u for u in LISTED if u not in (WITHDRAWN, EXTERNAL)]
# A notice no later correction touches, so its windows stay current (post_11578901's accept window, for
# one, is superseded by the extension post_11734567).
EDITED = f"{COLUMN_URL}content/post_11660001.html"
NEW_FROM = f"{COLUMN_URL}content/post_11578901.html"
SITE = default_root()


def _path(url: str) -> str:
    return urlsplit(url).path


def _notice_requests(log: list[LoggedRequest]) -> list[LoggedRequest]:
    return [r for r in site_requests(log) if "/content/" in r.path or r.host != "rsj.gz.gov.cn"]


def _listing_requests(log: list[LoggedRequest]) -> list[LoggedRequest]:
    return [r for r in site_requests(log) if r.host == "rsj.gz.gov.cn" and "/content/" not in r.path]


def _source_row(env: CrawlEnv) -> tuple[Any, ...]:
    row = env.query("SELECT etag, last_modified, listing_hash, last_item_count FROM sources")[0]
    return tuple(row)


def _assert_one_line(ran: Any) -> None:
    assert len(ran.lines) == 1, ran.lines
    assert "Traceback" not in ran.stdout + ran.stderr


# ---------------------------------------------------------------------------------------------- first crawl


def test_first_crawl_stores_every_listed_notice_once(first_crawl: FirstCrawl) -> None:
    ran = first_crawl.ran
    # The withdrawn notice answers 404, so the first crawl is partial: exit 1, one line on stderr.
    assert ran.returncode == 1, ran
    assert ran.stdout == ""
    _assert_one_line(ran)
    # What was stored comes first (issue 11, item 11): 24 notices read, the withdrawn one failed.
    assert ran.stderr.startswith("replica: partial: stored 24 notice(s), 56 window(s); 1 notice(s) failed: ")
    assert "post_10985530" in ran.stderr

    conn = database.connect(first_crawl.url)
    rows = {r["url"]: r for r in conn.execute("SELECT * FROM notices")}
    assert sorted(rows) == sorted(LISTED)
    assert conn.execute("SELECT count(*) FROM notices").fetchone()[0] == len(LISTED) == 25

    for url in FETCHABLE:
        row, exp = rows[url], NOTICES[url]
        assert row["fetch_status"] == "fetched", url
        assert row["title"] == exp["title"], url  # GBK pages included: decoded, not mojibake
        assert row["template"] == exp["template"], url
        assert row["published"] == exp["published"], url
        assert row["encoding"] == {"gbk": "gb18030"}.get(exp["encoding"], exp["encoding"]), url
        assert row["body"] and row["content_hash"] and row["etag"], url
    gbk = [u for u in FETCHABLE if NOTICES[u]["encoding"] == "gbk"]
    assert len(gbk) == 2 and all(rows[u]["host"] == "wjw.gz.gov.cn" for u in gbk)

    ext = rows[EXTERNAL]
    assert (ext["fetch_status"], ext["body"], ext["host"]) == ("external", None, "www.gzhmu.edu.cn")
    assert ext["title"] == NOTICES[EXTERNAL]["title"]
    assert not [r for r in first_crawl.requests if r.host == "www.gzhmu.edu.cn"]

    gone = rows[WITHDRAWN]
    assert gone["fetch_status"] == "failed" and "404" in gone["fetch_error"]

    # Windows: every notice whose text has windows got some (a later correction or extension of the same
    # committee's window may have superseded them already); one notice checked exactly against the truth.
    for url in FETCHABLE:
        n = conn.execute(
            "SELECT count(*) FROM windows w JOIN notices n ON n.id = w.notice_id WHERE n.url = ?",
            (url,),
        ).fetchone()[0]
        assert (n > 0) == bool(NOTICES[url]["windows"]), url
    got = conn.execute(
        'SELECT kind, start, "end" FROM windows w JOIN notices n ON n.id = w.notice_id WHERE n.url = ?',
        (EDITED,),
    ).fetchall()
    assert sorted(map(tuple, got)) == sorted(
        (w["kind"], w["start"], w["end"]) for w in NOTICES[EDITED]["windows"]
    )

    runs = conn.execute("SELECT * FROM crawl_runs").fetchall()
    assert len(runs) == 1
    run = runs[0]
    assert run["outcome"] == "partial" and not run["full"] and run["finished_at"]
    assert (
        run["requests"] == len(first_crawl.requests) == 29
    )  # 3 listing pages, 23 notices, 1 x 404, 2 robots
    assert run["bytes"] > 50_000
    assert (run["items_seen"], run["notices_new"], run["notices_changed"], run["notices_failed"]) == (
        25,
        24,
        0,
        1,
    )
    assert "post_10985530" in run["error"]
    # Partial: the listing's validators stay unset, so the next poll reads page 1 again.
    assert tuple(conn.execute("SELECT etag, listing_hash FROM sources").fetchone()) == (None, None)
    conn.close()


@pytest.mark.slow
def test_notices_json_shape(crawl_env: CrawlEnv, first_crawl: FirstCrawl) -> None:
    crawl_env.seed(first_crawl)
    ran = crawl_env.zcwatch("notices", "--format", "json")
    assert ran.returncode == 0, ran
    data = json.loads(ran.stdout)
    assert isinstance(data, list) and len(data) == len(LISTED)
    keys = {"url", "title", "published", "committee", "source", "changed_at", "windows"}
    for n in data:
        assert set(n) == keys
        assert n["source"] == "replica" and n["changed_at"] is None
        for w in n["windows"]:
            assert set(w) == {"committee", "kind", "start", "end", "evidence", "confidence"}
            assert w["start"] or w["end"]
            assert w["committee"] and 0 < w["confidence"] <= 1
    by_url = {n["url"]: n for n in data}
    edited = by_url[EDITED]
    assert edited["title"] == NOTICES[EDITED]["title"] and edited["published"] == "2026-01-06T09:00"
    assert edited["committee"] == NOTICES[EDITED]["committee"]
    assert {(w["kind"], w["start"], w["end"]) for w in edited["windows"]} == {
        (w["kind"], w["start"], w["end"]) for w in NOTICES[EDITED]["windows"]
    }
    assert all(w["evidence"] for w in edited["windows"])
    # The external item has no fetched date: its listing date stands in.
    assert by_url[EXTERNAL]["published"] == NOTICES[EXTERNAL]["date"]


# ---------------------------------------------------------------------------------------------- politeness


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_user_agent_names_zcwatch_and_contact_and_robots_first(first_crawl: FirstCrawl) -> None:
    log = first_crawl.requests
    assert log and all("zcwatch" in r.headers.get("User-Agent", "") for r in log)
    assert all(CONTACT in r.headers.get("User-Agent", "") for r in log)
    assert (log[0].host, log[0].path) == ("rsj.gz.gov.cn", "/robots.txt")
    for host in {r.host for r in log}:
        mine = [r.path for r in log if r.host == host]
        assert mine[0] == "/robots.txt" and mine.count("/robots.txt") == 1, host
    assert not [r for r in log if r.path.startswith("/search/")]  # disallowed by rsj's robots.txt


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_robots_disallow_all_fetches_nothing_else(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl)
    before = crawl_env.snapshot()
    replica.set_fault("robots_disallow_all")
    ran = crawl_env.crawl()
    assert ran.returncode == 1
    _assert_one_line(ran)
    assert [(r.host, r.path) for r in replica.requests] == [("rsj.gz.gov.cn", "/robots.txt")]
    run = crawl_env.last_run()
    assert run["outcome"] == "http_error" and "Forbidden by robots.txt" in run["error"]
    assert crawl_env.snapshot() == before


# ---------------------------------------------------------------------------------------------- polling


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_second_poll_reads_page_one_only(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl)
    before = crawl_env.snapshot()
    ran = crawl_env.crawl()
    assert ran.returncode == 0, ran
    _assert_one_line(ran)
    assert ran.stdout.startswith("replica: ok, 10 listed, 0 new, 0 changed; 2 requests")
    # Exactly one request besides robots.txt: page 1, unconditional (the partial first crawl stored no
    # validators), 200; every item on it is known, so paging stops there.
    (only,) = site_requests(replica.requests)
    assert (only.path, only.status) == (COLUMN_PATH, 200)
    assert "If-None-Match" not in only.headers and "If-Modified-Since" not in only.headers
    run = crawl_env.last_run()
    assert (run["outcome"], run["requests"], run["notices_new"], run["items_seen"]) == ("ok", 2, 0, 10)
    assert crawl_env.snapshot() == before
    etag, last_modified, listing_hash, count = _source_row(crawl_env)
    assert etag and last_modified and listing_hash and count == 10  # an ok poll advances the validators


def test_later_polls_are_conditional(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl, polled=True)  # the listing's validators are stored
    etag, last_modified, listing_hash, _ = _source_row(crawl_env)
    before = crawl_env.snapshot()

    replica.clear_log()
    ran = crawl_env.crawl()
    assert ran.returncode == 0, ran
    assert ran.stdout.startswith("replica: ok, nothing changed; 2 requests")
    (only,) = site_requests(replica.requests)
    assert only.path == COLUMN_PATH and only.status == 304 and only.bytes_sent == 0
    assert only.headers["If-None-Match"] == etag and only.headers["If-Modified-Since"] == last_modified
    assert crawl_env.last_run()["outcome"] == "ok"

    # Same items in new bytes (the CMS re-rendered page 1): a 200, but the item signature matches.
    page1 = (SITE / "rsj.gz.gov.cn" / COLUMN_PATH.lstrip("/") / "index.html").read_text(encoding="utf-8")
    replica.edit(COLUMN_URL + "index.html", page1.replace("</body>", "<!-- rendered again --></body>"))
    replica.clear_log()
    ran = crawl_env.crawl()
    assert ran.returncode == 0 and "nothing changed" in ran.stdout, ran
    (only,) = site_requests(replica.requests)
    assert only.path == COLUMN_PATH and only.status == 200
    assert _source_row(crawl_env)[2] == listing_hash
    assert crawl_env.snapshot() == before


def _new_notice_html() -> tuple[str, str]:
    """A new notice for the 2026 season, made from post_11578901 with every date moved a year on."""
    src = (SITE / "rsj.gz.gov.cn" / _path(NEW_FROM).lstrip("/")).read_text(encoding="utf-8")
    html = (
        src.replace("2026年", "2027年")
        .replace("2025年度", "2026年度")
        .replace("2025-12-05 11:00", "2026-12-04 10:00")
    )
    return "关于2026年度广州市中等职业学校教师职称评审工作的通知", html


def test_weekly_pass_revalidates_only_recent_notices(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    """`zcwatch run`'s weekly pass: a full pass limited to notices listed since a date."""
    crawl_env.seed(first_crawl, polled=True)
    crawl_env.write_config()
    config = load_config(crawl_env.config_path)
    replica.clear_log()
    since = "2025-12-04"  # page 1 holds notices listed since then; pages 2 and 3 hold none

    result = crawl_source(config, config.source("replica"), full=True, since=since)

    assert result.ok, result
    log = replica.requests
    # Page 2 is read (page 1 had recent items) and shows none, so page 3 is never asked for.
    assert [r.path for r in _listing_requests(log)] == [COLUMN_PATH, COLUMN_PATH + "index_2.html"]
    dates = {n["url"]: n["date"] for n in EXPECTED["notices"]}
    asked = {urlsplit(r.path).path for r in _notice_requests(log)}
    recent = {_path(u) for u in FETCHABLE if dates[u] >= since}
    assert recent and asked == recent, (asked, recent)
    assert {r.status for r in _notice_requests(log)} == {304}


def test_new_listing_item_fetches_only_that_notice(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl, polled=True)  # the listing's validators are stored
    before = crawl_env.scalar("SELECT count(*) FROM notices")
    title, html = _new_notice_html()
    new_url = f"{COLUMN_URL}content/post_12000001.html"
    replica.add_listing_item(title, new_url, "2026-12-04", html)
    replica.clear_log()

    crawl_env.write_config()
    config = load_config(crawl_env.config_path)
    result = crawl_source(config, config.source("replica"))
    assert result.ok and (result.new, result.changed, result.failed) == (1, 0, 0), result

    log = replica.requests
    assert [r.path for r in _notice_requests(log)] == [_path(new_url)]
    # Page 1 changed (new ETag, a 200); it had a new item, so page 2 is looked at too, and has none.
    assert [(r.path, r.status) for r in _listing_requests(log)] == [
        (COLUMN_PATH, 200),
        (COLUMN_PATH + "index_2.html", 200),
    ]
    assert crawl_env.scalar("SELECT count(*) FROM notices") == before + 1
    row = crawl_env.query("SELECT * FROM notices WHERE url = ?", new_url)[0]
    assert (row["title"], row["fetch_status"], row["published"]) == (title, "fetched", "2026-12-04T10:00")
    windows = crawl_env.query(
        'SELECT kind, start, "end", status FROM windows WHERE notice_id = ? ORDER BY id', row["id"]
    )
    assert ("accept", "2027-02-02", "2027-02-13", "current") in [tuple(w) for w in windows]


def test_full_crawl_detects_an_edit_and_keeps_the_old_text(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl)
    (old,) = crawl_env.query("SELECT id, body, content_hash FROM notices WHERE url = ?", EDITED)
    old_windows = {
        r["id"]: tuple(r)
        for r in crawl_env.query(
            'SELECT id, key, version, kind, start, "end" FROM windows WHERE notice_id = ?', old["id"]
        )
    }
    all_window_ids = {r[0] for r in crawl_env.query("SELECT id FROM windows")}
    assert "2026年2月24日至3月6日" in old["body"]
    src = (SITE / "rsj.gz.gov.cn" / _path(EDITED).lstrip("/")).read_text(encoding="utf-8")
    replica.edit(EDITED, src.replace("2026年2月24日至3月6日", "2026年3月2日至3月13日"))

    ran = crawl_env.crawl("--full")
    # The withdrawn notice is retried and fails again, but it was reported by the first crawl already:
    # a lasting 404 does not make every weekly full pass "partial". The edit is found and stored.
    assert ran.returncode == 0 and ran.stderr == "", ran
    run = crawl_env.last_run()
    assert (run["outcome"], run["full"], run["notices_changed"], run["notices_new"]) == ("ok", 1, 1, 0)
    assert run["notices_failed"] == 0
    (gone,) = crawl_env.query("SELECT fetch_status FROM notices WHERE url = ?", WITHDRAWN)
    assert gone["fetch_status"] == "failed"
    # Every known notice was revalidated with a conditional request; only the edited one sent a body.
    statuses = {r.path: r.status for r in _notice_requests(replica.requests)}
    assert statuses.pop(_path(EDITED)) == 200 and statuses.pop(_path(WITHDRAWN)) == 404
    assert set(statuses.values()) == {304} and len(statuses) == len(FETCHABLE) - 1

    (notice,) = crawl_env.query("SELECT * FROM notices WHERE id = ?", old["id"])
    assert notice["changed_at"] is not None and notice["content_hash"] != old["content_hash"]
    assert "2026年3月2日至3月13日" in notice["body"]
    (version,) = crawl_env.query("SELECT * FROM notice_versions")
    assert (version["notice_id"], version["body"], version["content_hash"]) == (
        old["id"],
        old["body"],
        old["content_hash"],
    )
    assert crawl_env.scalar("SELECT count(*) FROM notices WHERE changed_at IS NOT NULL") == 1

    # Windows: nothing deleted; the accept window got version 2 and version 1 is superseded.
    assert all_window_ids <= {r[0] for r in crawl_env.query("SELECT id FROM windows")}
    rows = crawl_env.query(
        'SELECT id, key, version, kind, start, "end", status, superseded_at FROM windows'
        " WHERE notice_id = ? ORDER BY id",
        old["id"],
    )
    assert len(rows) == len(old_windows) + 1
    accept = [r for r in rows if r["kind"] == "accept"]
    assert [(r["version"], r["start"], r["end"], r["status"]) for r in accept] == [
        (1, "2026-02-24", "2026-03-06", "superseded"),
        (2, "2026-03-02", "2026-03-13", "current"),
    ]
    assert accept[0]["key"] == accept[1]["key"] and accept[0]["superseded_at"] is not None
    assert {r["kind"] for r in rows if r["status"] == "current"} == {"apply", "accept"}


# ---------------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize(
    ("fault", "outcome"),
    [
        ("http500", "http_error"),
        ("http503", "http_error"),
        ("challenge412", "blocked"),
        ("challenge521", "blocked"),
        ("challenge200", "blocked"),
        ("layout", "layout_suspect"),
        ("too_large", "too_large"),
    ],
)
def test_fault_yields_its_outcome_and_loses_nothing(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer, fault: str, outcome: str
) -> None:
    crawl_env.seed(first_crawl, polled=True)  # validators stored: they must survive the failure too
    before, validators = crawl_env.snapshot(), _source_row(crawl_env)
    crawl_env.max_bytes = 100_000 if fault == "too_large" else None
    replica.set_fault(fault)
    replica.clear_log()

    ran = crawl_env.crawl()
    assert ran.returncode == 1, ran
    assert ran.stdout == ""
    _assert_one_line(ran)
    assert ran.stderr.startswith(f"replica: {outcome}: ")
    run = crawl_env.last_run()
    assert run["outcome"] == outcome and run["error"] and run["finished_at"]
    assert crawl_env.snapshot() == before
    assert _source_row(crawl_env) == validators

    log = replica.requests
    if outcome == "blocked":
        # robots.txt is the first thing asked for and is already the challenge: nothing follows it.
        assert [(r.host, r.path) for r in log] == [("rsj.gz.gov.cn", "/robots.txt")]
        assert "never bypassed" in ran.stderr
    elif fault == "layout":
        assert "no longer matches the known template" in ran.stderr
        assert [r.path for r in site_requests(log)] == [COLUMN_PATH]  # no notice fetched on a suspect page
    elif fault == "too_large":
        assert "too large" in ran.stderr
    elif outcome == "http_error":
        assert [r.path for r in site_requests(log)] == [COLUMN_PATH] * 2  # one retry for a 5xx, no more


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_unreachable_site_is_one_line(crawl_env: CrawlEnv, first_crawl: FirstCrawl) -> None:
    crawl_env.seed(first_crawl)
    before = crawl_env.snapshot()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        crawl_env.proxy = f"http://127.0.0.1:{s.getsockname()[1]}"
    ran = crawl_env.crawl()
    assert ran.returncode == 1 and ran.stdout == ""
    _assert_one_line(ran)
    assert ran.stderr.startswith("replica: unreachable: ") and "could not be reached" in ran.stderr
    assert crawl_env.last_run()["outcome"] == "unreachable"
    assert crawl_env.snapshot() == before


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_challenge_midway_stops_every_later_request(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl)
    before = crawl_env.snapshot()
    replica.set_fault("challenge412", COLUMN_PATH + "index_2.html")
    ran = crawl_env.crawl("--full")
    assert ran.returncode == 1
    _assert_one_line(ran)
    assert "blocked" in ran.stderr and "index_2.html" in ran.stderr
    log = replica.requests
    assert (log[-1].path, log[-1].status) == (COLUMN_PATH + "index_2.html", 412)
    assert crawl_env.last_run()["outcome"] == "blocked"
    assert crawl_env.snapshot() == before


@pytest.mark.slow
def test_one_broken_notice_is_partial_and_the_rest_stored(
    crawl_env: CrawlEnv, replica: ReplicaServer
) -> None:
    broken = f"{COLUMN_URL}content/post_11890123.html"
    replica.set_fault("http500", _path(broken))
    ran = crawl_env.crawl()
    assert ran.returncode == 1
    _assert_one_line(ran)
    run = crawl_env.last_run()
    assert (run["outcome"], run["notices_failed"], run["notices_new"]) == ("partial", 2, 23)
    rows = {r["url"]: r for r in crawl_env.query("SELECT url, fetch_status, fetch_error FROM notices")}
    assert sorted(rows) == sorted(LISTED)
    assert rows[broken]["fetch_status"] == "failed" and "500" in rows[broken]["fetch_error"]
    assert {u for u, r in rows.items() if r["fetch_status"] == "fetched"} == set(FETCHABLE) - {broken}


@pytest.mark.slow
def test_hang_is_a_timeout_and_loses_nothing(crawl_env: CrawlEnv, first_crawl: FirstCrawl) -> None:
    # A private replica: its hung handlers wake only when it stops, and would otherwise answer (and log)
    # HANG_SECONDS later into whichever test is using the shared replica then.
    with ReplicaServer() as private:
        crawl_env.replica = private
        crawl_env.seed(first_crawl)
        before = crawl_env.snapshot()
        crawl_env.timeout = 1
        private.set_fault("hang")
        ran = crawl_env.crawl()
    assert ran.returncode == 1 and ran.stdout == ""
    _assert_one_line(ran)
    assert ran.stderr.startswith("replica: timeout: timed out: ")
    assert crawl_env.last_run()["outcome"] == "timeout"
    assert crawl_env.snapshot() == before
    # robots.txt and the listing, each tried twice (one retry), then given up.
    assert ran.seconds < 20


# ---------------------------------------------------------------------------------------------- progress


@pytest.mark.slow
@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_progress_line_goes_to_stderr_and_json_to_stdout(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl
) -> None:
    crawl_env.seed(first_crawl)
    crawl_env.write_config()
    cmd = [sys.executable, "-m", "crawler.process", "--config", str(crawl_env.config_path)]
    proc = subprocess.run(
        [*cmd, "--source", "replica", "--full", "--progress"], capture_output=True, timeout=60, check=False
    )
    assert proc.returncode == 0
    lines = [json.loads(x) for x in proc.stdout.decode().splitlines()]
    # ok: the withdrawn notice's 404 was already reported by the first crawl (see the edit test).
    assert "run_id" in lines[0] and lines[-1]["outcome"] == "ok"
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and err.endswith("\n") and "\r" in err
    assert err.rstrip("\n").rsplit("\r", 1)[-1] == "replica: 3 listing page(s), 24 notice(s) fetched"


MULTI_TITLE = "关于做好2026年度广州市中级职称评审工作的通知"
MULTI_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2026-11-20 10:00"></head><body>
<div class="time"><span class="publishTime"><publishtime>2026-11-20 10:00</publishtime></span></div>
<div class="content"><ucapcontent>
<p>各有关单位：</p><p>现将2026年度我市中级职称评审各评委会申报时间安排通知如下：</p>
<table><tr><td>评委会名称</td><td>网上申报时间</td><td>纸质材料报送时间</td></tr>
<tr><td>广州市工程技术人才中级职称评审委员会</td><td>2026年12月7日至12月18日</td><td>2027年1月4日至1月8日</td></tr>
<tr><td>广州市农业技术人才中级职称评审委员会</td><td>2026年12月14日至12月25日</td><td>2027年1月11日至1月15日</td></tr>
</table><p>请各单位按时组织申报。</p>
</ucapcontent></div></body></html>
"""


def _page_with_body(title: str, body: str) -> str:
    """MULTI_HTML's page (its head and publish date) with another body."""
    head = MULTI_HTML.format(title=title).split("<ucapcontent>")[0]
    return f"{head}<ucapcontent>{body}</ucapcontent></div></body></html>\n"


def test_a_schedule_table_of_several_committees_gives_each_its_own_windows(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    """Issue 12: one notice, one table row per committee and one column per step. Each committee's windows
    are its own in the store, `notices --format json` and the digest's committee filter; the steps come
    from the column headers (the body text alone flattens the table and loses them)."""
    crawl_env.seed(first_crawl, polled=True)
    url = f"{COLUMN_URL}content/post_12000077.html"
    replica.add_listing_item(MULTI_TITLE, url, "2026-11-20", MULTI_HTML.format(title=MULTI_TITLE))
    ran = crawl_env.crawl()
    assert ran.returncode == 0, ran
    rows = crawl_env.query(
        'SELECT w.committee, w.kind, w.start, w."end" FROM windows w JOIN notices n ON n.id = w.notice_id'
        " WHERE n.url = ? AND w.status = 'current'",
        url,
    )
    engineering, farming = "广州市工程技术人才中级职称评审委员会", "广州市农业技术人才中级职称评审委员会"
    assert sorted(tuple(r) for r in rows) == sorted(
        [
            (engineering, "apply", "2026-12-07", "2026-12-18"),
            (engineering, "paper", "2027-01-04", "2027-01-08"),
            (farming, "apply", "2026-12-14", "2026-12-25"),
            (farming, "paper", "2027-01-11", "2027-01-15"),
        ]
    )
    notices = json.loads(crawl_env.zcwatch("notices", "--format", "json").stdout)
    (notice,) = [n for n in notices if n["url"] == url]
    assert sorted({w["committee"] for w in notice["windows"]}) == sorted({engineering, farming})
    digest = json.loads(
        crawl_env.zcwatch(
            "digest", "--format", "json", "--now", "2026-12-01T10:00", "--committee", "农业"
        ).stdout
    )
    assert {(e["committee"], e["kind"]) for e in digest} == {(farming, "apply"), (farming, "paper")}


def test_a_step_given_once_for_several_committees_reaches_each_ones_followers(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    """Issue 12: sections per committee, then a fee step for all of them. The fee is one window, named for
    both committees, so the digest filtered to either committee lists it (alerts filter the same way)."""
    crawl_env.seed(first_crawl, polled=True)
    title = "关于做好2026年度建设、交通工程技术人才中级职称评审工作的通知"
    url = f"{COLUMN_URL}content/post_12000079.html"
    page = _page_with_body(
        title,
        "<p>各有关单位：</p><p>现将有关工作安排通知如下：</p><p>一、各评委会申报时间</p>"
        "<p>（一）广州市建设工程技术人才中级职称评审委员会</p><p>网上申报时间：2026年12月7日至12月18日。</p>"
        "<p>（二）广州市交通运输工程技术人才中级职称评审委员会</p><p>网上申报时间：2026年12月14日至12月25日。</p>"
        "<p>二、缴费：申报人须于2027年1月15日前完成评审费缴纳。</p>",
    )
    replica.add_listing_item(title, url, "2026-11-20", page)
    assert crawl_env.crawl().returncode == 0
    building = "广州市建设工程技术人才中级职称评审委员会"
    transport = "广州市交通运输工程技术人才中级职称评审委员会"
    rows = crawl_env.query(
        "SELECT w.committee, w.kind FROM windows w JOIN notices n ON n.id = w.notice_id"
        " WHERE n.url = ? AND w.status = 'current'",
        url,
    )
    assert sorted(tuple(r) for r in rows) == sorted(
        [(building, "apply"), (transport, "apply"), (f"{building}、{transport}", "fee")]
    )
    for keyword, own in (("建设", building), ("交通", transport)):
        digest = json.loads(
            crawl_env.zcwatch(
                "digest", "--format", "json", "--now", "2026-12-01T10:00", "--committee", keyword
            ).stdout
        )
        mine = {(e["committee"], e["kind"]) for e in digest if e["notice_url"] == url}
        assert mine == {(own, "apply"), (f"{building}、{transport}", "fee")}, keyword


def test_a_window_read_with_low_confidence_puts_its_notice_up_for_review(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer, webhook_sink: WebhookSink
) -> None:
    """Issue 12: a window whose step nothing in the text names (confidence 0.3) is stored with its
    confidence, and its notice is listed under 需人工核对 until `[extract] review_below` says otherwise."""
    crawl_env.seed(first_crawl, polled=True)
    title = "关于2026年度有关工作安排的通知"
    url = f"{COLUMN_URL}content/post_12000078.html"
    page = _page_with_body(
        title, "<p>各有关单位：</p><p>有关工作时间为2026年12月1日至12月15日。请及时办理。</p>"
    )
    replica.add_listing_item(title, url, "2026-11-20", page)
    assert crawl_env.crawl().returncode == 0
    (row,) = crawl_env.query(
        "SELECT w.kind, w.confidence FROM windows w JOIN notices n ON n.id = w.notice_id WHERE n.url = ?", url
    )
    assert (row["kind"], row["confidence"]) == ("other", 0.3)

    def review_section() -> str:
        ran = crawl_env.zcwatch("digest", "--now", "2026-11-25T10:00")
        assert ran.returncode == 0, ran
        return ran.stdout.split("【需人工核对】", 1)[1]

    assert title in review_section()

    # Its alert goes out at once, and says that the notice is the authority.
    hook = webhook_sink.apprise_url("/unsure")
    crawl_env.extra_toml = f'[[subscribers]]\nname = "a"\nurls = ["{hook}"]\nkinds = ["other"]\n'
    ran = crawl_env.zcwatch("notify", "--now", "2026-11-25T10:00")
    assert ran.returncode == 0, ran
    (body,) = webhook_sink.bodies("/unsure")
    assert "说明：自动识别把握较低，请以原文为准" in body["message"], body

    crawl_env.extra_toml = "[extract]\nreview_below = 0.2\n"
    assert title not in review_section()


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_test_source_crawls_into_a_scratch_database_and_shows_what_it_read(
    crawl_env: CrawlEnv, replica: ReplicaServer
) -> None:
    """Issue 12: an operator adding a column sees what zcwatch reads there before anyone is alerted."""
    ran = crawl_env.zcwatch("test-source", COLUMN_URL, "--pages", "1")
    assert ran.returncode in (0, 1), ran  # 1 when a listed notice failed (the replica's withdrawn one)
    out = ran.stdout
    first = out.splitlines()[0]
    assert first.startswith("trial: "), first
    edited = NOTICES[EDITED]
    assert edited["title"] in out and f"committee: {edited['committee']}" in out
    for w in edited["windows"]:
        assert f"{w['kind']:12} {w['start'] or '…'} ~ {w['end'] or '…'}" in out, w
    assert out.rstrip().endswith(
        "(a scratch database, now deleted: nothing was stored and nobody was alerted)"
    )
    assert not crawl_env.db_path.exists()  # the configured database was never opened
    # Page 1 only, politely: robots.txt, one listing page, its notices.
    listings = [r for r in replica.requests if r.path.startswith(COLUMN_PATH) and "/content/" not in r.path]
    assert [r.path for r in listings] == [COLUMN_PATH]


ATTACHED_TITLE = "关于做好2026年度广州市中级职称评审工作的通知"
ATTACHED_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2026-11-20 10:00"></head><body>
<div class="time"><span class="publishTime"><publishtime>2026-11-20 10:00</publishtime></span></div>
<div class="content"><ucapcontent>
<p>各有关单位：</p><p>现将2026年度我市中级职称评审工作有关事项通知如下，各评委会申报时间安排详见附件1。</p>
<p>请各单位按时组织申报。</p>
<p>附件：<a class="nfw-cms-attachment" href="{href}" target="_blank">{name}</a></p>
<p><a class="nfw-cms-attachment" href="/attachment/8/8001/8001002/12000088.doc">附件2：申报材料目录.doc</a>
</p>
</ucapcontent></div></body></html>
"""
ATTACHMENT_NAME = "附件1：2026年度中级职称评审时间安排表.xlsx"
ATTACHMENT_HREF = "/attachment/8/8001/8001001/12000088.xlsx"


def _schedule_xlsx(engineering_apply: str) -> bytes:
    return xlsx_bytes(
        [
            ["评委会名称", "网上申报时间", "纸质材料报送时间"],
            ["广州市工程技术人才中级职称评审委员会", engineering_apply, "2027年1月4日至1月8日"],
            ["广州市农业技术人才中级职称评审委员会", "2026年12月14日至12月25日", "2027年1月11日至1月15日"],
        ]
    )


def _add_attached_notice(
    replica: ReplicaServer, attachment: bytes, name: str = ATTACHMENT_NAME
) -> tuple[str, str]:
    """A new notice whose schedule is only in its attachment; returns (notice URL, attachment URL)."""
    url = f"{COLUMN_URL}content/post_12000088.html"
    html = ATTACHED_HTML.format(title=ATTACHED_TITLE, href=ATTACHMENT_HREF, name=name)
    attachment_url = f"http://rsj.gz.gov.cn{ATTACHMENT_HREF}"
    replica.edit(attachment_url, attachment)
    replica.add_listing_item(ATTACHED_TITLE, url, "2026-11-20", html)
    return url, attachment_url


def _notice_and_attachment_paths(log: list[LoggedRequest]) -> list[str]:
    return [r.path for r in site_requests(log) if "/content/" in r.path or "/attachment/" in r.path]


def _current_windows(env: CrawlEnv, url: str) -> list[tuple[Any, ...]]:
    rows = env.query(
        'SELECT w.committee, w.kind, w.start, w."end" FROM windows w JOIN notices n ON n.id = w.notice_id'
        " WHERE n.url = ? AND w.status = 'current'",
        url,
    )
    return sorted(tuple(r) for r in rows)


def _asked(replica: ReplicaServer, url: str) -> list[tuple[str, str | None, int]]:
    """The requests for the notice page and its attachment: (path, If-None-Match, status)."""
    return [
        (r.path, r.headers.get("If-None-Match"), r.status)
        for r in site_requests(replica.requests)
        if r.path in (_path(url), ATTACHMENT_HREF)
    ]


def test_a_schedule_in_an_attached_spreadsheet_is_read_and_an_edit_of_it_is_a_new_version(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    """Issue 12: the schedule is only in 附件1 (.xlsx). The crawl asks for it (and not for the .doc beside it,
    which nothing reads), reads each committee's windows from its rows, and a later edit of the file alone
    is a new version of the notice whose windows replace the old ones."""
    crawl_env.seed(first_crawl, polled=True)
    url, attachment_url = _add_attached_notice(replica, _schedule_xlsx("2026年12月7日至12月18日"))
    replica.clear_log()
    ran = crawl_env.crawl()
    assert ran.returncode == 0, ran
    assert _notice_and_attachment_paths(replica.requests) == [_path(url), ATTACHMENT_HREF]
    engineering, farming = "广州市工程技术人才中级职称评审委员会", "广州市农业技术人才中级职称评审委员会"
    first = [
        (engineering, "apply", "2026-12-07", "2026-12-18"),
        (engineering, "paper", "2027-01-04", "2027-01-08"),
        (farming, "apply", "2026-12-14", "2026-12-25"),
        (farming, "paper", "2027-01-11", "2027-01-15"),
    ]
    assert _current_windows(crawl_env, url) == sorted(first)
    evidence = crawl_env.query(
        "SELECT w.evidence FROM windows w JOIN notices n ON n.id = w.notice_id WHERE n.url = ?", url
    )
    assert all(e[0].startswith(ATTACHMENT_NAME + ": ") for e in evidence), evidence

    # Nothing changed: the weekly pass asks for the page and then the file conditionally; both answer 304.
    replica.clear_log()
    ran = crawl_env.crawl("--full")
    assert ran.returncode == 0, ran
    asked = _asked(replica, url)
    assert [(path, status) for path, _, status in asked] == [(_path(url), 304), (ATTACHMENT_HREF, 304)], asked
    assert all(tag is not None for _, tag, _ in asked), asked  # both with If-None-Match
    assert crawl_env.scalar("SELECT changed_at FROM notices WHERE url = ?", url) is None

    # The committee moves the engineering window in the file; the page stays byte for byte the same.
    replica.edit(attachment_url, _schedule_xlsx("2026年12月9日至12月22日"))
    replica.clear_log()
    ran = crawl_env.crawl("--full")
    assert ran.returncode == 0, ran
    # The page answers 304, the file 200 with new bytes: the page is then asked in full and read with the
    # file from that answer (the file is not fetched a second time).
    asked = _asked(replica, url)
    assert [(path, status) for path, _, status in asked] == [
        (_path(url), 304),
        (ATTACHMENT_HREF, 200),
        (_path(url), 200),
    ], asked
    assert asked[2][1] is None  # in full
    edited = [(engineering, "apply", "2026-12-09", "2026-12-22"), *first[1:]]
    assert _current_windows(crawl_env, url) == sorted(edited)
    (row,) = crawl_env.query("SELECT id, changed_at FROM notices WHERE url = ?", url)
    assert row["changed_at"] is not None
    assert crawl_env.scalar("SELECT count(*) FROM notice_versions WHERE notice_id = ?", row["id"]) == 1


def test_a_file_named_only_附件1_is_read_when_the_page_says_the_schedule_is_in_it(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl, polled=True)
    url, _ = _add_attached_notice(replica, _schedule_xlsx("2026年12月7日至12月18日"), name="附件1")
    replica.clear_log()
    ran = crawl_env.crawl()
    assert ran.returncode == 0, ran
    assert _notice_and_attachment_paths(replica.requests) == [_path(url), ATTACHMENT_HREF]
    assert ("广州市工程技术人才中级职称评审委员会", "apply", "2026-12-07", "2026-12-18") in _current_windows(
        crawl_env, url
    )


def test_a_broken_attachment_keeps_the_notice_and_the_crawl_names_it(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl, polled=True)
    url, _ = _add_attached_notice(replica, b"<html>not a spreadsheet</html>")
    ran = crawl_env.crawl()
    assert ran.returncode == 1, ran
    _assert_one_line(ran)
    assert f"attachment {ATTACHMENT_NAME}: not a zip archive" in ran.stdout + ran.stderr, ran
    run = crawl_env.last_run()
    assert (run["outcome"], run["notices_new"]) == ("partial", 1)
    (row,) = crawl_env.query("SELECT title, fetch_status, body FROM notices WHERE url = ?", url)
    assert (row["title"], row["fetch_status"]) == (ATTACHED_TITLE, "fetched")
    assert "详见附件1" in row["body"]


@pytest.mark.sqlite_only  # crawl behaviour: the store is not what it checks
def test_test_source_never_crawls_beside_a_run_of_the_same_config(
    crawl_env: CrawlEnv, replica: ReplicaServer
) -> None:
    """While a run of this config holds the run lock, test-source asks the site nothing and says so."""
    from store.lock import FileLock, lock_path

    crawl_env.write_config()
    lock = FileLock(lock_path(load_config(crawl_env.config_path), "run"))
    assert lock.acquire()
    try:
        replica.clear_log()
        ran = crawl_env.zcwatch("test-source", COLUMN_URL, "--pages", "1")
    finally:
        lock.release()
    assert ran.returncode == 1 and ran.stdout == "", ran
    assert ran.stderr.strip() == "zcwatch: another run is in progress; try test-source again when it ends"
    assert replica.requests == []
