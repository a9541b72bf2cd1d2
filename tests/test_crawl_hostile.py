"""The real `zcwatch` crawl against a hostile local site (tests/support/hostile.py): issues 10 and 11.

Each test registers the few pages it needs and runs the real CLI, which runs the real Scrapy crawl in its
child process against the server on 127.0.0.1 (as an HTTP proxy, so the real host names and their
redirect rules apply) and writes a real SQLite file. Delay 0 and small pages keep each test fast.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.hostile import (
    COLUMN,
    HostileEnv,
    HostileServer,
    Route,
    chunked,
    gzip_bomb,
    hostile_fixture,
    listing_html,
    notice_html,
    page,
    redirect,
    slow,
    trap,
)
from support.webhook import WebhookSink

__all__ = ["hostile_fixture"]  # the `hostile` fixture, registered in this module by importing it

TEXT = [
    "各有关单位：",
    "根据广东省职称评审工作的有关规定，现将2026年度广州市卫生专业技术人才高级职称评审工作有关事项通知如下。",
    "一、网上申报时间：2027年1月5日9:00至2月6日17:00，逾期系统关闭，不再受理。",
    "二、纸质材料报送时间：2027年2月9日至2月13日（工作日9:00-12:00，14:00-17:00）。",
    "三、申报人须完成本年度继续教育学时（90学时），并由所在单位通过法人账号审核推荐。",
    "特此通知。",
]

# A partial crawl says what it stored first, then the one notice that failed (issue 11, item 11).
PARTIAL_ONE = re.compile(r"hostile: partial: stored \d+ notice\(s\), \d+ window\(s\); 1 notice\(s\) failed: ")


def notice(n: int, host: str = "rsj.gz.gov.cn") -> tuple[str, str, str]:
    """Listing row n: (title, url, date) of a notice on ``host``."""
    return (f"关于2026年度第{n}批职称评审工作的通知", f"http://{host}/zc/content/post_{n}.html", "2026-11-20")


def serve_column(server: HostileServer, rows: list[tuple[str, str, str]], at: str = COLUMN) -> None:
    """The listing at ``at`` with these rows, each notice served in full."""
    server.route(at, page(listing_html(rows)))
    for title, url, _ in rows:
        server.route(url, page(notice_html(title, TEXT)))


@pytest.fixture
def env(hostile: HostileServer, tmp_path: Path) -> HostileEnv:
    return HostileEnv(tmp_path, hostile)


def one_line(ran: object) -> str:
    lines = ran.lines  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return str(lines[0])


# ------------------------------------------------------------------------------------------ 8. silent drops


def test_truncated_notice_is_a_failed_notice_not_a_stored_text(
    env: HostileEnv, hostile: HostileServer
) -> None:
    rows = [notice(1), notice(2)]
    serve_column(hostile, rows)
    whole = notice_html(rows[1][0], TEXT)
    cut = whole[: whole.index(TEXT[1][20])]  # ends inside the second paragraph: no </body>, no </html>
    hostile.route(rows[1][1], page(cut))  # with a Content-Length that matches what is sent

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    line = one_line(ran)
    assert PARTIAL_ONE.match(line) and "cut short" in line, line
    stored = dict(env.query("SELECT url, fetch_status FROM notices"))
    assert stored == {rows[0][1]: "fetched", rows[1][1]: "failed"}
    ((body, error),) = env.query("SELECT body, fetch_error FROM notices WHERE url = ?", rows[1][1])
    assert body is None and "cut short" in error
    assert env.runs()[-1][0] == "partial"


def test_listing_item_with_a_too_long_url_is_a_failed_item(env: HostileEnv, hostile: HostileServer) -> None:
    long_url = "http://rsj.gz.gov.cn/zc/content/post_9.html?" + "x=1&" * 600  # 2,400+ characters
    rows = [notice(1), ("关于2026年度职称评审工作的补充通知", long_url, "2026-11-21")]
    serve_column(hostile, rows)

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    line = one_line(ran)
    assert PARTIAL_ONE.match(line) and "URL too long" in line, line
    assert long_url not in line  # the reason names the URL, it does not print all of it
    stored = dict(env.query("SELECT url, fetch_status FROM notices"))
    assert stored == {rows[0][1]: "fetched", long_url: "failed"}
    assert not [u for u in hostile.urls() if "post_9" in u]  # never asked for
    (run,) = env.query("SELECT outcome, items_seen, notices_new, notices_failed FROM crawl_runs")
    assert run == ("partial", 2, 1, 1)


@pytest.mark.parametrize(
    "listing",
    [chunked(3_000_000), gzip_bomb(5_000_000)],
    ids=["too_large_page_without_content_length", "gzip_bomb_listing"],
)
def test_an_oversized_listing_is_too_large(env: HostileEnv, hostile: HostileServer, listing: Route) -> None:
    env.crawl["max_bytes"] = 100_000
    hostile.route(COLUMN, listing)

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    line = one_line(ran)
    assert line.startswith("hostile: too_large: page too large: "), line
    assert env.runs()[-1][0] == "too_large"


# ------------------------------------------------------------------------------------------ 7. page traps


def test_page_trap_stops_at_max_pages_as_layout_suspect(env: HostileEnv, hostile: HostileServer) -> None:
    env.crawl["max_pages"] = 4
    # Every page has a new item (on a site we do not fetch, so only listing pages are asked for).
    hostile.route(COLUMN + "*", trap(COLUMN, "www.gzhmu.edu.cn"))

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    line = one_line(ran)
    assert line.startswith("hostile: layout_suspect: ") and "crawl.max_pages" in line and "4" in line, line
    assert hostile.urls() == [COLUMN] + [f"{COLUMN}index_{n}.html" for n in (2, 3, 4)]
    assert env.runs()[-1][0] == "layout_suspect"
    assert env.query("SELECT count(*) FROM notices") == [(4,)]  # what the pages listed is kept


# ------------------------------------------------------------------------------------------ 4. redirects


def test_redirect_within_the_domain_is_followed_with_robots_checked_again(
    env: HostileEnv, hostile: HostileServer
) -> None:
    # The column moved to another host of the same registrable domain (gz.gov.cn), temporarily; one notice
    # moved to a host whose robots.txt closes that path.
    moved = "http://www.gz.gov.cn/rsj/pstz/"
    rows = [notice(1, "www.gz.gov.cn"), notice(2, "rsj.gz.gov.cn")]
    hostile.route(COLUMN, redirect(moved, 302))
    serve_column(hostile, rows, at=moved)
    hostile.route(rows[1][1], redirect("http://hrss.gz.gov.cn/private/post_2.html", 307))
    hostile.route("http://hrss.gz.gov.cn/robots.txt", page("User-agent: *\nDisallow: /private/\n"))

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    line = one_line(ran)
    assert PARTIAL_ONE.match(line) and "robots.txt" in line, line
    asked = hostile.urls(robots=True)
    assert moved in asked and rows[0][1] in asked
    assert "http://hrss.gz.gov.cn/robots.txt" in asked  # the new host's robots.txt was read ...
    assert "http://hrss.gz.gov.cn/private/post_2.html" not in asked  # ... and obeyed
    stored = dict(env.query("SELECT url, fetch_status FROM notices"))
    assert stored == {rows[0][1]: "fetched", rows[1][1]: "failed"}


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://evil.example.com/pstz/", "another site"),
        ("http://gz.gov.cn.evil.example.com/pstz/", "another site"),
        ("file:///etc/passwd", "not http"),
        ("data:text/html,<html></html>", "not http"),
    ],
)
def test_redirect_off_the_domain_is_refused(
    env: HostileEnv, hostile: HostileServer, location: str, why: str
) -> None:
    hostile.route(COLUMN, redirect(location, 302))

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    line = one_line(ran)
    assert line.startswith("hostile: http_error: redirect refused: ") and why in line, line
    assert hostile.urls() == [COLUMN]  # the target was never asked for
    outcome, error = env.runs()[-1]
    assert outcome == "http_error" and "redirect refused" in error


def test_redirect_loop_is_refused_after_five(env: HostileEnv, hostile: HostileServer) -> None:
    hostile.route(COLUMN, redirect(COLUMN + "a/", 302))
    for hop in "abcdef":
        hostile.route(COLUMN + f"{hop}/", redirect(COLUMN + f"{chr(ord(hop) + 1)}/", 302))

    ran = env.zcwatch("crawl")

    assert ran.returncode == 1, ran
    assert "more than 5 redirects" in one_line(ran)
    assert len(hostile.urls()) == 6  # the column and 5 redirects followed, the 6th refused


def test_redirect_to_a_too_large_page_is_too_large(env: HostileEnv, hostile: HostileServer) -> None:
    env.crawl["max_bytes"] = 100_000
    hostile.route(COLUMN, redirect("http://www.gz.gov.cn/pstz/", 302))
    hostile.route("http://www.gz.gov.cn/pstz/", chunked(1_000_000))

    ran = env.zcwatch("crawl")

    assert one_line(ran).startswith("hostile: too_large: "), ran


def test_pager_link_to_another_site_is_not_followed(env: HostileEnv, hostile: HostileServer) -> None:
    rows = [notice(1)]
    hostile.route(COLUMN, page(listing_html(rows, next_url="http://evil.example.com/index_2.html")))
    hostile.route(rows[0][1], page(notice_html(rows[0][0], TEXT)))

    ran = env.zcwatch("crawl")

    line = one_line(ran)
    assert line.startswith("hostile: layout_suspect: ") and "next page on another site" in line, line
    assert not [u for u in hostile.urls(robots=True) if "evil.example.com" in u]


def test_permanent_move_of_the_source_is_reported_to_the_admins_once(
    env: HostileEnv, hostile: HostileServer, webhook_sink: WebhookSink
) -> None:
    moved = "http://www.gz.gov.cn/rsj/pstz/"
    hostile.route(COLUMN, redirect(moved, 301))
    serve_column(hostile, [notice(1, "www.gz.gov.cn")], at=moved)
    env.extra = f'[admin]\nrecipients = ["{webhook_sink.apprise_url("/admin")}"]\n'

    ran = env.zcwatch("crawl")
    assert ran.returncode == 0, ran
    line = one_line(ran)
    assert line.startswith("hostile: ok, 1 listed, 1 new") and f"source moved to {moved}" in line, line

    for _ in range(2):
        ran = env.zcwatch("run")
        assert ran.returncode == 0, ran
    (alert,) = webhook_sink.bodies("/admin")
    assert moved in alert["message"] and "update the config" in alert["message"]


# ------------------------------------------------------------------------------------------ result line


def test_child_writes_one_result_line(env: HostileEnv, hostile: HostileServer) -> None:
    serve_column(hostile, [notice(1)])
    env.write_config()
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.process", "--config", str(env.config_path), "--source", "hostile"],
        capture_output=True,
        text=True,
        env=env.env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    result = json.loads(line)
    assert (result["outcome"], result["new"], result["source"]) == ("ok", 1, "hostile")


# ------------------------------------------------------------------------------------------ 2. kills


def _children(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (read from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:  # gone meanwhile
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Running, not merely a zombie waiting for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _locked(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _wait(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {seconds} s"
        time.sleep(0.02)


def _crawl_mid_way(env: HostileEnv, hostile: HostileServer, *args: str) -> tuple[subprocess.Popen[str], int]:
    """`zcwatch ARGS` started on a column whose notices each take seconds; returns it and its crawl child
    once a notice has been asked for."""
    rows = [notice(n) for n in range(1, 11)]
    hostile.route(COLUMN, page(listing_html(rows)))
    for title, url, _ in rows:
        hostile.route(url, slow(notice_html(title, TEXT), 3))
    parent = subprocess.Popen(
        env.command(*args),
        cwd=env.dir,
        env=env.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait(lambda: any(u in hostile.urls() for _, u, _ in rows), 60, "a notice asked for")
    (child,) = _children(parent.pid)
    return parent, child


@pytest.mark.slow
@pytest.mark.parametrize("command", ["crawl", "run"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_a_stop_signal_to_the_parent_stops_its_crawl_child(
    env: HostileEnv, hostile: HostileServer, command: str, signum: signal.Signals
) -> None:
    parent, child = _crawl_mid_way(env, hostile, command)
    lock = env.dir / "z.sqlite3.run.lock"
    assert _locked(lock)

    parent.send_signal(signum)
    freed_early = []

    def child_gone() -> bool:
        free = not _locked(lock)  # first the lock, then the child: a free lock seen before a live child
        alive = _alive(child)
        if free and alive:
            freed_early.append(time.monotonic())
        return not alive

    _wait(child_gone, 5, "the crawl child gone")
    asked = len(hostile.hits)
    _, stderr = parent.communicate(timeout=30)

    assert not freed_early, "the run lock was free while the crawl child still ran"
    assert not _locked(lock)
    assert parent.returncode == 1 and stderr.strip() == "zcwatch: interrupted", stderr
    time.sleep(1)  # the site has nothing more coming
    assert len(hostile.hits) == asked
    ((outcome, error),) = env.runs()
    assert outcome == "error" and "interrupted" in error


@pytest.mark.slow
def test_a_killed_parent_takes_its_crawl_child_along_and_the_next_crawl_closes_the_record(
    env: HostileEnv, hostile: HostileServer
) -> None:
    parent, child = _crawl_mid_way(env, hostile, "crawl")
    lock = env.dir / "z.sqlite3.run.lock"
    status = env.zcwatch("status", "--format", "json")
    assert json.loads(status.stdout)["sources"][0]["outcome"] == "running"  # a live crawl is shown so

    parent.kill()  # SIGKILL: no handler runs; the child follows by itself
    parent.communicate(timeout=10)  # reaps it and closes its pipes
    freed_early = []

    def child_gone() -> bool:
        free = not _locked(lock)
        alive = _alive(child)
        if free and alive:
            freed_early.append(time.monotonic())
        return not alive

    _wait(child_gone, 5, "the crawl child gone")
    assert not freed_early, "the run lock was free while the crawl child still ran"
    asked = len(hostile.hits)
    time.sleep(1)
    assert len(hostile.hits) == asked
    assert env.runs() == [("running", None)]  # nobody was left to close it ...

    status = env.zcwatch("status", "--format", "json")
    assert status.returncode == 0, status
    (source,) = json.loads(status.stdout)["sources"]
    assert source["outcome"] == "error" and "interrupted" in source["error"]  # ... but it is not running

    serve_column(hostile, [notice(1)])  # the site answers quickly again
    assert env.zcwatch("crawl").returncode == 0
    (first, second) = env.runs()
    assert first[0] == "error" and "interrupted" in first[1]
    assert second == ("ok", None)
