"""Issue 12: after an extractor upgrade, stored notices are read again, from the database.

The real crawl stores each notice with the extractor that read it and what it read beyond the body
(schedule tables, attachments' text); `zcwatch reread` (and `zcwatch run`, before it crawls) reads the
notices an older extractor read again and stores what changed as new window versions, without asking
the site. Notices stored before that material was kept are asked for in full by the next full pass.
An "older extractor" is simulated by what it would have left in the database: an older ``read_by`` and
the windows it stored.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlsplit

from support.attachment_files import xlsx_bytes
from support.crawl_fixtures import EXPECTED, CrawlEnv, FirstCrawl, site_requests
from support.replica import ReplicaServer

from crawler.reread import reread_stale
from extractor import READER_VERSION
from store.db import open_engine
from store.notices import REREAD_HELD_REASON

COLUMN_URL: str = EXPECTED["column_url"]
# A notice no later correction touches, so its windows stay current.
EDITED = f"{COLUMN_URL}content/post_11660001.html"
OLDER = READER_VERSION - 1


def _current(env: CrawlEnv, url: str) -> list[tuple[Any, ...]]:
    rows = env.query(
        'SELECT w.key, w.version, w.committee, w.kind, w.start, w."end" FROM windows w'
        " JOIN notices n ON n.id = w.notice_id WHERE n.url = ? AND w.status = 'current' ORDER BY w.key",
        url,
    )
    return [tuple(r) for r in rows]


def _as_an_older_extractor_left_it(env: CrawlEnv, url: str) -> tuple[str, str]:
    """Mark ``url`` read by an older extractor that misread one window's end; returns (key, right end).

    The window is one only this notice versions (a committee's later notice, an extension, shares the
    keys of its windows: store.windows), so that its versions are this notice's readings alone.
    """
    (notice_id,) = [r[0] for r in env.query("SELECT id FROM notices WHERE url = ?", url)]
    row = env.query(
        "SELECT id, key, start, \"end\" FROM windows WHERE notice_id = ? AND status = 'current'"
        ' AND start IS NOT NULL AND "end" > start'
        " AND key NOT IN (SELECT key FROM windows WHERE notice_id <> ?) ORDER BY id LIMIT 1",
        notice_id,
        notice_id,
    )[0]
    with env.db() as conn:
        conn.execute('UPDATE windows SET "end" = start WHERE id = ?', (row["id"],))
        conn.execute("UPDATE notices SET read_by = ? WHERE id = ?", (OLDER, notice_id))
    return row["key"], row["end"]


def test_every_crawled_notice_is_stored_with_the_extractor_that_read_it(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl
) -> None:
    crawl_env.seed(first_crawl)
    readers = crawl_env.query("SELECT DISTINCT read_by FROM notices WHERE fetch_status = 'fetched'")
    assert [r[0] for r in readers] == [READER_VERSION]
    ran = crawl_env.zcwatch("reread")
    assert ran.returncode == 0, ran
    assert ran.stdout.strip() == f"reread: every notice is read by extractor v{READER_VERSION}"


def test_a_newer_extractor_rereads_from_the_database_and_versions_what_changed(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl, polled=True)
    key, right_end = _as_an_older_extractor_left_it(crawl_env, EDITED)
    others = {u: _current(crawl_env, u) for (u,) in crawl_env.query("SELECT url FROM notices")}
    replica.clear_log()

    ran = crawl_env.zcwatch("reread")

    assert ran.returncode == 0, ran
    assert ran.stdout.startswith(f"reread: 1 notice(s) read again by extractor v{READER_VERSION}: "), ran
    assert "1 changed" in ran.stdout, ran
    assert site_requests(replica.requests) == []  # read from the database: not one request to the site
    versions = crawl_env.query(
        'SELECT version, "end", status FROM windows WHERE key = ? ORDER BY version', key
    )
    # The misread end is kept as the superseded version; the new reading is the current one.
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "current")]
    assert versions[1]["end"] == right_end
    assert crawl_env.scalar("SELECT read_by FROM notices WHERE url = ?", EDITED) == READER_VERSION
    for url, windows in others.items():  # no other notice was touched
        if url != EDITED:
            assert _current(crawl_env, url) == windows, url

    again = crawl_env.zcwatch("reread")
    assert again.returncode == 0 and again.stdout.startswith("reread: every notice is read"), again


ATTACHED_TITLE = "关于做好2026年度广州市中级职称评审工作的通知"
ATTACHED_HTML = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2026-11-20 10:00"></head><body>
<div class="time"><span class="publishTime"><publishtime>2026-11-20 10:00</publishtime></span></div>
<div class="content"><ucapcontent>
<p>各有关单位：</p><p>现将2026年度我市中级职称评审工作有关事项通知如下，各评委会申报时间安排详见附件1。</p>
<p>附件：<a class="nfw-cms-attachment" href="{href}" target="_blank">
附件1：2026年度中级职称评审时间安排表.xlsx</a></p>
</ucapcontent></div></body></html>
"""
ATTACHMENT_HREF = "/attachment/8/8001/8001001/12000099.xlsx"


def test_a_schedule_read_from_an_attachment_is_reread_from_the_stored_text(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    """The attachment's text is kept with its notice: re-reading needs neither the page nor the file."""
    crawl_env.seed(first_crawl, polled=True)
    url = f"{COLUMN_URL}content/post_12000099.html"
    replica.edit(
        f"http://rsj.gz.gov.cn{ATTACHMENT_HREF}",
        xlsx_bytes(
            [
                ["评委会名称", "网上申报时间", "纸质材料报送时间"],
                ["广州市工程技术人才中级职称评审委员会", "2026年12月7日至12月18日", "2027年1月4日至1月8日"],
                [
                    "广州市农业技术人才中级职称评审委员会",
                    "2026年12月14日至12月25日",
                    "2027年1月11日至1月15日",
                ],
            ]
        ),
    )
    replica.add_listing_item(
        ATTACHED_TITLE, url, "2026-11-20", ATTACHED_HTML.format(title=ATTACHED_TITLE, href=ATTACHMENT_HREF)
    )
    assert crawl_env.crawl().returncode == 0
    stored = _current(crawl_env, url)
    assert len(stored) == 4 and {w[2] for w in stored} == {
        "广州市工程技术人才中级职称评审委员会",
        "广州市农业技术人才中级职称评审委员会",
    }
    key, right_end = _as_an_older_extractor_left_it(crawl_env, url)
    # Page and file are gone from the site: the reading comes from the database alone.
    replica.edit(url, b"<html><body>gone</body></html>")
    replica.edit(f"http://rsj.gz.gov.cn{ATTACHMENT_HREF}", b"not a spreadsheet")
    replica.clear_log()

    ran = crawl_env.zcwatch("reread")

    assert ran.returncode == 0, ran
    assert site_requests(replica.requests) == []
    now = _current(crawl_env, url)
    assert len(now) == 4
    assert next(w for w in now if w[0] == key)[5] == right_end
    assert [w for w in now if w[0] != key] == [w for w in stored if w[0] != key]


def test_a_notice_stored_before_its_material_was_kept_is_fetched_in_full_by_the_next_full_pass(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl, replica: ReplicaServer
) -> None:
    crawl_env.seed(first_crawl, polled=True)  # every notice's validators are stored
    before = _current(crawl_env, EDITED)

    def asked_in_full() -> set[str]:
        replica.clear_log()
        ran = crawl_env.crawl("--full")
        assert ran.returncode in (0, 1), ran  # 1: the replica's withdrawn notice
        notices = [r for r in site_requests(replica.requests) if "/content/" in r.path]
        return {r.path for r in notices if "If-None-Match" not in r.headers}

    # Which notices a full pass asks for without validators anyway (a failed one, unread schedule files).
    always = asked_in_full()
    assert urlsplit(EDITED).path not in always
    with crawl_env.db() as conn:  # as schema v9's migration leaves a notice stored before it
        conn.execute("UPDATE notices SET read_by = NULL, read_from = NULL WHERE url = ?", (EDITED,))

    ran = crawl_env.zcwatch("reread")
    assert ran.returncode == 0, ran
    assert "1 stored before v9 wait for the next full pass" in ran.stdout, ran

    # Asked for in full once, and every other notice as before.
    assert asked_in_full() == always | {urlsplit(EDITED).path}
    assert crawl_env.scalar("SELECT read_by FROM notices WHERE url = ?", EDITED) == READER_VERSION
    assert _current(crawl_env, EDITED) == before  # read the same: no new version, nobody told


def test_a_reading_that_finds_no_dates_keeps_the_windows_and_asks_for_a_person(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl
) -> None:
    crawl_env.seed(first_crawl)
    before = _current(crawl_env, EDITED)
    assert before
    with crawl_env.db() as conn:
        # What would make a newer extractor find nothing: here, a body it cannot read a date from.
        conn.execute(
            "UPDATE notices SET read_by = ?, body = '各有关单位：具体安排另行通知。' WHERE url = ?",
            (OLDER, EDITED),
        )

    ran = crawl_env.zcwatch("run", "-v")

    assert ran.returncode == 1, ran
    assert f"zcwatch: {EDITED}: read again, it found no dates: kept for a person's look" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert any(line.startswith("reread: 1 notice(s) read again") for line in ran.stdout.splitlines()), ran
    assert _current(crawl_env, EDITED) == before
    assert crawl_env.scalar("SELECT review_reason FROM notices WHERE url = ?", EDITED) == REREAD_HELD_REASON
    again = crawl_env.zcwatch("reread")  # said once: it is not read again on every run
    assert again.returncode == 0 and again.stdout.startswith("reread: every notice is read"), again


def test_two_workers_rereading_at_once_apply_each_notice_once(
    crawl_env: CrawlEnv, first_crawl: FirstCrawl
) -> None:
    """On PostgreSQL two hosts' `zcwatch reread` may overlap: the notice's row lock makes one of them
    apply each reading, the other finds it read already."""
    crawl_env.seed(first_crawl)
    urls = [
        r[0]
        for r in crawl_env.query(
            "SELECT n.url FROM notices n WHERE n.fetch_status = 'fetched' AND EXISTS (SELECT 1 FROM windows w"
            ' WHERE w.notice_id = n.id AND w.start IS NOT NULL AND w."end" > w.start'
            " AND w.key NOT IN (SELECT key FROM windows WHERE notice_id <> n.id)) ORDER BY n.id LIMIT 6"
        )
    ]
    assert len(urls) >= 4
    keys = [_as_an_older_extractor_left_it(crawl_env, u)[0] for u in urls]
    reports: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        engine = open_engine(crawl_env.url)
        try:
            reports.append(reread_stale(engine))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and len(reports) == 2, errors
    assert sum(r.reread for r in reports) == len(urls)
    assert not any(r.failed for r in reports), [r.failed for r in reports]
    for key in keys:
        versions = crawl_env.query("SELECT version, status FROM windows WHERE key = ? ORDER BY version", key)
        assert [tuple(v) for v in versions] == [(1, "superseded"), (2, "current")], key
