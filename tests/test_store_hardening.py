"""Hostile or unlucky pages never lock the database or wipe what a notice said (issue 11, defects 1 and 5).

Real databases (SQLite files, and PostgreSQL), the real CLI in subprocesses: a read command answers
while a writer holds the lock, a page made of dates is read within caps and marked for review, and a
maintenance page served at a notice's address keeps the notice's windows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from support.cli import run_zcwatch
from test_store import BODY, URL, page, record

from core.config import load_config
from core.timeutil import SHANGHAI
from crawler.reading import MAX_TEXT_CHARS, MAX_WINDOWS, read_notice
from notifier.digest.build import build_digest
from store.db import open_engine, transaction
from store.models import Notice, NoticeVersion, Window
from store.notices import HELD_REASON, ensure_source

# 4.8 MB of dates, under the 5 MB download cap: once 88,000 windows stored inside one write transaction.
DATES_PAGE = "网上申报时间：2025年1月6日至1月24日。纸质材料报送：2月10日至2月14日。\n" * 60_000


@pytest.fixture
def env(tmp_path: Path, database_url: str) -> Iterator[tuple[Path, Engine, int]]:
    """A config and its database, on each engine (SQLite: a path relative to the config file)."""
    config = tmp_path / "zcwatch.toml"
    url = "sqlite:///data/z.sqlite3" if database_url.startswith("sqlite") else database_url
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    engine = open_engine(load_config(config).resolved_database_url)
    with transaction(engine) as s:
        source_id = ensure_source(s, "gz-pstz", URL.rsplit("content/", 1)[0]).id
    yield config, engine, source_id
    engine.dispose()


def test_a_page_of_dates_is_read_within_the_caps_and_marked_for_review(env: tuple[Path, Engine, int]) -> None:
    _, engine, source_id = env
    assert len(DATES_PAGE.encode()) > 4_500_000
    reading = read_notice(page(DATES_PAGE))
    assert len(reading.windows) == MAX_WINDOWS
    assert reading.capped is not None
    assert f"only the first {MAX_TEXT_CHARS:,}" in reading.capped
    assert f"only the first {MAX_WINDOWS} were kept" in reading.capped
    with transaction(engine) as s:
        assert record(s, source_id, page(DATES_PAGE))[0] == "new"
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.review_reason == reading.capped
        assert s.scalar(select(func.count()).select_from(Window)) <= MAX_WINDOWS
        digest = build_digest(load_config(env[0]), s, datetime(2025, 1, 2, 9, tzinfo=SHANGHAI))
    assert [n.url for n in digest.needs_review] == [URL]


def test_read_commands_answer_while_a_writer_holds_the_lock(env: tuple[Path, Engine, int]) -> None:
    config, engine, source_id = env
    with transaction(engine) as s:
        record(s, source_id, page())
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:  # a crawl storing a large page: the write lock held far past the busy timeout
        with transaction(engine) as s:
            s.add(NoticeVersion(notice_id=1, title="t", body="b", content_hash="h"))
            s.flush()
            holding.set()
            release.wait(60)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        for args in (["status"], ["notices"], ["digest", "--format", "json"], ["deliveries"], ["config"]):
            started = time.monotonic()
            ran = run_zcwatch(["--config", str(config), *args], cwd=config.parent, timeout=60)
            took = time.monotonic() - started
            assert ran.returncode == 0, (args, ran.stderr)
            # Blocked, it would wait out the 15 s busy timeout and fail; a bound far below that, on a busy
            # machine, tells the two apart (the README gives the measured figure).
            assert took < 10, (args, took)
    finally:
        release.set()
        thread.join()


def test_a_maintenance_page_keeps_the_notice_windows(env: tuple[Path, Engine, int]) -> None:
    _, engine, source_id = env
    with transaction(engine) as s:
        record(s, source_id, page())
    maintenance = "系统维护中，请稍后访问。"
    with transaction(engine) as s:
        outcome, changes = record(s, source_id, page(maintenance))
    assert outcome == "held"
    assert (changes.added, changes.changed, changes.superseded) == (0, 0, 0)
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.review_reason == HELD_REASON
        assert notice.body == maintenance  # the newest text is recorded ...
        assert [v.body for v in notice.versions] == [BODY]  # ... and the earlier one kept
        assert sorted((w.kind, w.status) for w in notice.windows) == [
            ("apply", "current"),
            ("paper", "current"),
        ]
    # The notice comes back: nothing changed in its windows, and it no longer needs a look.
    with transaction(engine) as s:
        outcome, changes = record(s, source_id, page())
    assert outcome == "changed"
    assert (changes.added, changes.changed, changes.superseded) == (0, 0, 0)
    with Session(engine) as s:
        assert s.scalars(select(Notice.review_reason)).one() is None


def test_an_edit_that_cuts_most_of_the_text_is_held_too(env: tuple[Path, Engine, int]) -> None:
    _, engine, source_id = env
    long_body = BODY + "三、其他事项：请各单位认真组织，按时报送。\n" * 40
    with transaction(engine) as s:
        record(s, source_id, page(long_body))
    with transaction(engine) as s:
        assert record(s, source_id, page(BODY))[0] == "held"
