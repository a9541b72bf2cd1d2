"""The web board's routes through the ASGI test client, on a database filled by crawling the replica.

Each module run crawls the replica (with planted script payloads) with the real `zcwatch crawl`, on
SQLite and on PostgreSQL; `zcwatch serve` itself is started as a subprocess at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from starlette.testclient import TestClient
from support.cli import zcwatch_exe
from support.crawl_fixtures import CrawlEnv
from support.web_fixtures import BOARD_NOW, EDIT_URL, IMG, PAYLOAD_TITLE, SCRIPT, edit_page, free_port

from notifier.digest.render_json import JSON_KEYS
from web.api import ID_KEYS

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(board_env: CrawlEnv) -> Iterator[TestClient]:
    from core.config import load_config
    from core.timeutil import parse_now
    from store.db import open_engine
    from web.app import create_app

    config = load_config(board_env.write_config())
    engine = open_engine(config.resolved_database_url)
    moment = parse_now(BOARD_NOW)
    with TestClient(create_app(config, engine, clock=lambda: moment)) as c:
        yield c
    engine.dispose()


def _rows(soup: BeautifulSoup, section: str) -> list[Any]:
    found = soup.find(id=section)
    return found.select("tbody tr") if found else []


# --- the board -------------------------------------------------------------------------------------


def test_the_board_shows_the_season_with_its_sections_and_timeline(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    soup = BeautifulSoup(r.text, "lxml")
    assert soup.html is not None and soup.html["lang"] == "zh-CN"
    for section in ("open_now", "opening_soon", "recently_changed", "estimates", "needs_review"):
        assert soup.find(id=section) is not None, section
    open_rows = _rows(soup, "open_now")
    assert open_rows, "the replica's season has open windows on 2025-12-05"
    first = open_rows[0]
    labels = [td["data-label"] for td in first.find_all("td")]
    assert labels == ["委员会", "环节", "开始", "截止", "剩余天数", "通知"]
    assert "(" in first.find("td", class_="date").get_text()  # the weekday: 2025-12-01(一)
    assert first.find("a", href=lambda h: bool(h) and h.startswith("/committees/")) is not None
    assert first.select_one(".ev") is not None  # the evidence sentence
    svg = soup.select_one(".timeline-box svg.timeline")
    assert svg is not None and svg.find_all("rect", class_="bar")
    assert svg.find("line", class_="today") is not None
    assert soup.select("svg rect.hatched"), "estimates are hatched on the timeline"
    webcal = soup.find("a", href=lambda h: bool(h) and h.startswith("webcal://"))
    assert webcal is not None and str(webcal["href"]).endswith("/calendar.ics")


def test_closing_soon_rows_are_red_and_counted(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/").text, "lxml")
    urgent = soup.select("#open_now tr.urgent")
    for row in urgent:
        days = row.find("td", class_="days").get_text()
        assert days == "今天截止" or int(days.removeprefix("剩").removesuffix("天")) <= 7
    summary = soup.select_one(".summary").get_text()
    assert ("天内截止" in summary) == bool(urgent)


def test_filters_narrow_the_rows_and_stay_in_every_link(client: TestClient) -> None:
    everything = BeautifulSoup(client.get("/").text, "lxml")
    r = client.get("/", params={"committee": "卫生", "kind": "apply"})
    soup = BeautifulSoup(r.text, "lxml")
    rows = [tr for s in ("open_now", "opening_soon") for tr in _rows(soup, s)]
    total = [tr for s in ("open_now", "opening_soon") for tr in _rows(everything, s)]
    assert rows and len(rows) < len(total)
    for tr in rows:
        cells = tr.find_all("td")
        assert "卫生" in cells[0].get_text() and cells[1].get_text().startswith("网上申报")
    assert soup.find("input", attrs={"name": "committee"})["value"] == "卫生"
    assert soup.find("input", attrs={"name": "kind", "value": "apply"}).has_attr("checked")
    for href in (
        soup.find("a", href=lambda h: bool(h) and h.startswith("webcal://"))["href"],
        soup.find("link", type="application/atom+xml")["href"],
    ):
        assert "committee=%E5%8D%AB%E7%94%9F" in href and "kind=apply" in href


def test_scraped_payloads_are_text_never_markup(client: TestClient) -> None:
    pages = [client.get("/").text, client.get("/", params={"committee": "卫生"}).text]
    soup = BeautifulSoup(pages[0], "lxml")
    cid = soup.find("a", href=lambda h: bool(h) and h.startswith("/committees/"))["href"]
    pages.append(client.get(cid).text)
    for page in pages:
        soup = BeautifulSoup(page, "lxml")
        assert soup.find_all("script") == [] and soup.find_all("img") == []
        for tag in soup.find_all(True):
            assert not any(a.lower().startswith("on") for a in tag.attrs), tag
    text = BeautifulSoup(pages[0], "lxml").get_text()
    assert SCRIPT in text and IMG in text  # visible as what they are
    assert PAYLOAD_TITLE in text


def test_security_headers_on_pages_errors_and_api(client: TestClient) -> None:
    for path in ("/", "/nope", "/api/windows", "/calendar.ics", "/?kind=bogus"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_errors_are_chinese_pages_without_tracebacks(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404 and "页面不存在" in r.text and "Traceback" not in r.text
    r = client.get("/committees/000000000000")
    assert r.status_code == 404 and "页面不存在" in r.text
    r = client.get("/", params={"kind": "bogus"})
    assert r.status_code == 400 and "未知的环节" in r.text
    r = client.get("/api/windows", params={"committee": "长" * 51})
    assert r.status_code == 400 and "50" in r.json()["error"]
    r = client.get("/api/notices", params={"since": "yesterday"})
    assert r.status_code == 400 and "YYYY-MM-DD" in r.json()["error"]
    r = client.post("/")
    assert r.status_code == 405 and "不支持这种请求" in r.text


def test_a_committee_page_has_both_seasons_notices_and_changes(client: TestClient) -> None:
    soup = BeautifulSoup(client.get("/").text, "lxml")
    changed = soup.select("#recently_changed tbody tr")
    assert changed, "the replica's extension notice changes a window"
    href = changed[0].find("a", href=lambda h: bool(h) and h.startswith("/committees/"))["href"]
    page = BeautifulSoup(client.get(href).text, "lxml")
    name = changed[0].find("td").get_text()
    assert page.h1.get_text() == name
    headings = [h.get_text() for h in page.find_all("h2")]
    assert any("本年度" in h for h in headings)
    assert any(h.startswith("相关通知") for h in headings) and any(h.startswith("变更记录") for h in headings)
    history = page.find("h2", string=lambda s: bool(s) and s.startswith("变更记录")).find_next("table")
    assert history is not None and history.select("tbody tr")


# --- HTTP: validators, 304s, gzip ----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/calendar.ics", "/feed.atom", "/api/windows", "/api/notices"])
def test_etag_and_304(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path, headers={"if-none-match": 'W/"other"'}).status_code == 200
    assert client.get(path).content == first.content  # the same bytes on every poll


def test_if_modified_since_on_the_feeds(client: TestClient) -> None:
    r = client.get("/calendar.ics")
    modified = r.headers["last-modified"]
    assert client.get("/calendar.ics", headers={"if-modified-since": modified}).status_code == 304
    earlier = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get("/calendar.ics", headers={"if-modified-since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since.
    both = {"if-modified-since": modified, "if-none-match": 'W/"other"'}
    assert client.get("/calendar.ics", headers=both).status_code == 200


def test_gzip(client: TestClient) -> None:
    r = client.get("/api/windows", headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.json()


# --- calendar and feed ---------------------------------------------------------------------------


def test_the_calendar_imports_with_alarms_sequences_and_the_digests_uids(
    client: TestClient, board_env: CrawlEnv
) -> None:
    cal = Calendar.from_ical(client.get("/calendar.ics").content)
    events = list(cal.walk("VEVENT"))
    assert events
    keys = {r[0] for r in board_env.query("SELECT key FROM windows WHERE status IN ('current', 'estimate')")}
    for ev in events:
        assert str(ev["UID"]).removesuffix("@zcwatch") in keys
        assert int(ev["SEQUENCE"]) >= 0
        alarms = list(ev.walk("VALARM"))
        assert alarms and all(str(a["ACTION"]) == "DISPLAY" for a in alarms)
        for a in alarms:
            trigger = a.decoded("TRIGGER")
            assert isinstance(trigger, datetime) and trigger.tzinfo is not None
            assert trigger.astimezone(UTC).hour == 1  # 09:00 Beijing time
    # The extended window has changed once: its event says so.
    assert any(int(ev["SEQUENCE"]) >= 1 for ev in events)
    # A filtered calendar holds only the filter's committees.
    narrowed = Calendar.from_ical(client.get("/calendar.ics", params={"committee": "卫生"}).content)
    summaries = [str(e["SUMMARY"]) for e in narrowed.walk("VEVENT")]
    assert summaries and all("卫生" in s for s in summaries) and len(summaries) < len(events)


def test_a_changed_window_raises_its_sequence(crawl_env: CrawlEnv) -> None:
    from support.web_fixtures import plant_payloads

    from core.config import load_config
    from core.timeutil import parse_now
    from store.db import open_engine
    from web.app import create_app

    plant_payloads(crawl_env.replica)
    assert crawl_env.crawl().returncode in (0, 1)
    config = load_config(crawl_env.write_config())
    engine = open_engine(config.resolved_database_url)
    moment = parse_now(BOARD_NOW)
    try:
        client = TestClient(create_app(config, engine, clock=lambda: moment))

        def archive_apply() -> Any:
            cal = Calendar.from_ical(client.get("/calendar.ics", params={"committee": "档案"}).content)
            (event,) = [e for e in cal.walk("VEVENT") if "网上申报" in str(e["SUMMARY"])]
            return event

        before = archive_apply()
        etag = client.get("/calendar.ics").headers["etag"]
        # The bureau extends the application by editing the notice in place; a full crawl re-reads it.
        crawl_env.replica.edit(EDIT_URL, edit_page("12月31日"))
        assert crawl_env.crawl("--full").returncode in (0, 1)
        after = archive_apply()
        assert str(after["UID"]) == str(before["UID"])
        assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
        assert after.decoded("DTEND") > before.decoded("DTEND")
        assert client.get("/calendar.ics", headers={"if-none-match": etag}).status_code == 200
    finally:
        engine.dispose()


def test_the_atom_feed_has_stable_entries(client: TestClient) -> None:
    body = client.get("/feed.atom").content
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert entries and len(ids) == len(set(ids))
    assert any(e.findtext(f"{ATOM}title", "").startswith("日期变更") for e in entries)
    assert any(PAYLOAD_TITLE in e.findtext(f"{ATOM}title", "") for e in entries)  # escaped, still readable
    for e in entries:
        href = e.find(f"{ATOM}link").get("href", "")
        assert href.startswith("http://") or href.startswith("https://")
    again = ET.fromstring(client.get("/feed.atom").content)
    assert [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")] == ids


# --- the JSON API: the CLI's objects, plus ids ---------------------------------------------------


def test_api_windows_are_the_clis_json_plus_ids(client: TestClient, board_env: CrawlEnv) -> None:
    api = client.get("/api/windows").json()
    out = board_env.dir / "digest.json"
    ran = board_env.zcwatch(
        "digest", "--format", "json", "--now", BOARD_NOW, "--days", "366", "--out", str(out)
    )
    assert ran.returncode == 0, ran
    cli = json.loads(out.read_text(encoding="utf-8"))
    assert all(list(w) == [*JSON_KEYS, *ID_KEYS] for w in api)
    assert [{k: w[k] for k in JSON_KEYS} for w in api] == cli
    ids = {r[0] for r in board_env.query("SELECT id FROM windows")}
    assert all(w["id"] in ids for w in api)
    one = client.get("/api/windows", params={"kind": "apply"}).json()
    assert one and {w["kind"] for w in one} == {"apply"}


def test_api_notices_and_status_are_the_clis_json(client: TestClient, board_env: CrawlEnv) -> None:
    api = client.get("/api/notices").json()
    ran = board_env.zcwatch("notices", "--format", "json")
    assert ran.returncode == 0, ran
    cli = json.loads(ran.stdout)
    assert [{k: v for k, v in n.items() if k != "id"} for n in api] == cli
    assert all(isinstance(n["id"], int) for n in api)
    status = client.get("/api/status").json()
    ran = board_env.zcwatch("status", "--format", "json")
    assert set(status) == set(json.loads(ran.stdout))


def test_the_openapi_document_lists_the_routes(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) >= {"/api/windows", "/api/notices", "/api/status", "/calendar.ics", "/feed.atom"}
    required = doc["paths"]["/api/windows"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    assert required["items"]["required"] == [*JSON_KEYS, *ID_KEYS]


# --- health --------------------------------------------------------------------------------------


def test_healthz_reports_the_last_good_crawl(client: TestClient) -> None:
    r = client.get("/healthz")
    body = r.json()
    assert r.status_code == 200 and body["status"] == "ok" and body["last_ok_crawl"]
    assert isinstance(body["age_seconds"], int)


@pytest.mark.sqlite_only
def test_healthz_is_503_when_the_database_cannot_be_read(crawl_env: CrawlEnv) -> None:
    from core.config import load_config
    from store.db import open_engine
    from web.app import create_app

    config = load_config(crawl_env.write_config())
    engine = open_engine(config.resolved_database_url)
    try:
        crawl_env.db_path.write_bytes(b"this is not a database" * 100)
        for suffix in ("-wal", "-shm"):
            crawl_env.db_path.with_name(crawl_env.db_path.name + suffix).unlink(missing_ok=True)
        engine.dispose()  # pooled connections would still read the old file
        client = TestClient(create_app(config, engine), raise_server_exceptions=False)
        r = client.get("/healthz")
        assert r.status_code == 503 and "database unreadable" in r.json()["error"]
        r = client.get("/")
        assert r.status_code == 503 and "暂时无法读取" in r.text and "Traceback" not in r.text
    finally:
        engine.dispose()


# --- `zcwatch serve` -----------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_zcwatch_serve_serves_until_stopped(board_env: CrawlEnv) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "ZCWATCH_CONFIG"}
    cmd = [
        zcwatch_exe(),
        "--config",
        str(board_env.write_config()),
        "serve",
        "--port",
        str(port),
        "--now",
        BOARD_NOW,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert f"http://127.0.0.1:{port}/" in line
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200 and json.load(r)["status"] == "ok"
                break
            except OSError:
                assert time.monotonic() < deadline, "serve did not answer"
                time.sleep(0.1)
        # A second server on the same port says so in one line.
        busy = subprocess.run(
            [*cmd[:-4], "--port", str(port)], capture_output=True, text=True, env=env, timeout=30
        )
        assert (
            busy.returncode == 1
            and busy.stderr.count("\n") == 1
            and f"cannot listen on 127.0.0.1:{port}" in busy.stderr
        )
    finally:
        proc.send_signal(signal.SIGTERM)  # how systemd stops it (deploy/systemd/zcwatch-serve.service)
        proc.wait(timeout=15)
    # uvicorn shuts down gracefully, then re-raises the signal, so the exit says SIGTERM, as systemd expects.
    assert proc.returncode in (0, -signal.SIGTERM)
    assert proc.stderr is not None and "Traceback" not in proc.stderr.read()
    proc.stdout and proc.stdout.close()
    proc.stderr.close()


def test_week_old_window_is_never_told_as_today(client: TestClient) -> None:
    # The board's labels come from the digest's: a window that opened days ago is "已开始" or open, never
    # "今天开始".
    soup = BeautifulSoup(client.get("/").text, "lxml")
    for tr in soup.select("#opening_soon tbody tr"):
        start = tr.find("td", attrs={"data-label": "开始"}).get_text()[:10]
        label = tr.find("td", attrs={"data-label": "距开始"}).get_text()
        if label == "今天开始":
            assert start == BOARD_NOW[:10]
