"""The store on real databases: connection settings, model constraints and the notice/window history.

The SQLite connection settings are checked on real files; everything else runs on both engines (a
SQLite file and a fresh database on the session's PostgreSQL: ``database_url``, support/database.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from core.timeutil import SHANGHAI
from crawler.reading import read_notice
from notifier.ledger import Claimant, SendLedger
from store.db import BUSY_TIMEOUT_MS, open_engine, transaction
from store.migrate import LATEST
from store.models import CrawlRun, Delivery, Notice, NoticeVersion, Source, Window
from store.notices import (
    FetchedNotice,
    ensure_source,
    record_failed,
    record_fetched,
    record_listed,
    record_reread,
)
from store.windows import WindowChanges

URL = "https://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/content/post_9876543.html"
TITLE = "广州市卫生高级职称评审委员会关于开展2025年度卫生系列高级职称评审工作的通知"
BODY = (
    "各有关单位：\n"
    "一、网上申报时间：2025年1月6日至1月24日。\n"
    "二、纸质材料报送时间：2025年2月10日至2月14日。\n"
)
# Each engine's words for the same violation (check constraints are named, so those match by name).
UNIQUE = "UNIQUE constraint failed|violates unique constraint"
FOREIGN_KEY = "FOREIGN KEY constraint failed|violates foreign key constraint"
# The same notice edited in place: the online application is extended.
BODY_EXTENDED = BODY.replace("1月24日", "2月7日")


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "data" / "zcwatch.sqlite3"


@pytest.fixture
def sqlite_engine(db_file: Path) -> Iterator[Engine]:
    eng = open_engine(f"sqlite:///{db_file}")
    yield eng
    eng.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = open_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def source_id(engine: Engine) -> int:
    with transaction(engine) as s:
        return ensure_source(s, "gz-pstz", URL.rsplit("content/", 1)[0]).id


def record(s: Session, source_id: int, fetched: FetchedNotice) -> tuple[str, WindowChanges]:
    """As the crawl pipeline does: read the notice, then store it with what was read."""
    return record_fetched(s, source_id, fetched, read_notice(fetched))


def page(body: str = BODY, **kw: Any) -> FetchedNotice:
    fields: dict[str, Any] = {
        "url": URL,
        "title": TITLE,
        "listing_date": "2024-12-20",
        "host": "rsj.gz.gov.cn",
        "published": "2024-12-20 10:30",
        "site": "广州市人力资源和社会保障局",
        "body": body,
    }
    fields.update(kw)
    return FetchedNotice(**fields)


# --- connection settings -------------------------------------------------------------------------------


def test_pragmas_through_the_engine(sqlite_engine: Engine, db_file: Path) -> None:
    with sqlite_engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") == BUSY_TIMEOUT_MS
        assert BUSY_TIMEOUT_MS >= 5000
        assert pragma("user_version") == LATEST
    assert db_file.is_file()
    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    raw = sqlite3.connect(db_file)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_every_connection_gets_the_settings(sqlite_engine: Engine) -> None:
    # Raw DBAPI connections: every transaction begins IMMEDIATE, so two open engine transactions would
    # wait on each other; the settings are per connection, so check several fresh ones.
    conns = [sqlite_engine.raw_connection() for _ in range(3)]
    try:
        for conn in conns:
            cur = conn.cursor()
            assert cur.execute("PRAGMA foreign_keys").fetchone()[0] == 1
            assert cur.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
            cur.close()
    finally:
        for conn in conns:
            conn.close()


def test_a_write_lock_that_outlasts_the_wait_is_sqlalchemys_error(
    sqlite_engine: Engine, db_file: Path
) -> None:
    # BEGIN IMMEDIATE runs on the driver's connection (store.engine): what it raises must still be the
    # error SQLAlchemy raises for the rest, the one callers catch (the web app's SQLAlchemyError).
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with sqlite_engine.connect() as conn:
            driver = conn.connection.driver_connection  # a statement through conn would begin first
            driver.execute("PRAGMA busy_timeout = 0")  # fail at once instead of after 15 s
            with pytest.raises(OperationalError, match="database is locked"):
                conn.begin()
            driver.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    finally:
        holder.rollback()
        holder.close()


def test_the_send_loops_driver_step_leaves_no_transaction_open_after_an_error(
    sqlite_engine: Engine, db_file: Path
) -> None:
    # notify's claim and record run on the driver (notifier.ledger.SendLedger), past SQLAlchemy: an error
    # there must come out as SQLAlchemy's, and the connection must be usable after it (no BEGIN left open).
    claimant = Claimant("test-worker", lambda _session, owners: set())
    now = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    holder = sqlite3.connect(db_file, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with sqlite_engine.connect() as conn:
        driver = conn.connection.driver_connection
        try:
            driver.execute("PRAGMA busy_timeout = 0")  # fail at once instead of after 15 s
            with pytest.raises(OperationalError, match="database is locked"):
                SendLedger(conn).step([], [1], now, claimant)
        finally:
            holder.rollback()
            holder.close()
            driver.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        assert not driver.in_transaction
        # An error after BEGIN (here a claimant without a lease) is rolled back too, and raised as it is.
        broken = Claimant("test-worker", lambda _session, owners: set(), lease=None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            SendLedger(conn).step([], [1], now, broken)
        assert not driver.in_transaction
        # The same connection goes on: no such row, so nothing is claimed, through both of the step's ways.
        assert SendLedger(conn).step([], [1], now, claimant) == ([], 0)


def test_data_survives_reopening(database_url: str, engine: Engine, source_id: int) -> None:
    with transaction(engine) as s:
        record(s, source_id, page())
    engine.dispose()
    again = open_engine(database_url)
    try:
        with Session(again) as s:
            notice = s.scalars(select(Notice)).one()
            assert notice.body == BODY
            assert {w.kind for w in notice.windows} == {"apply", "paper"}
    finally:
        again.dispose()


def test_transaction_rolls_back_on_error(engine: Engine, source_id: int) -> None:
    def store_then_fail() -> None:
        with transaction(engine) as s:
            record(s, source_id, page())
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        store_then_fail()
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 0
        assert s.scalar(select(func.count()).select_from(Window)) == 0


# --- model constraints ---------------------------------------------------------------------------------


def _notice(source_id: int, url: str = URL, **kw: Any) -> Notice:
    return Notice(url=url, source_id=source_id, title=TITLE, host="rsj.gz.gov.cn", attachments=[], **kw)


def _window(notice_id: int | None, **kw: Any) -> Window:
    fields: dict[str, Any] = {
        "key": "k1",
        "version": 1,
        "notice_id": notice_id,
        "committee": "广州市卫生高级职称评审委员会",
        "review_year": 2025,
        "kind": "apply",
        "start": "2025-01-06",
        "end": "2025-01-24",
        "evidence": "网上申报时间：2025年1月6日至1月24日",
        "status": "current",
    }
    fields.update(kw)
    return Window(**fields)


def _delivery(window_id: int, **kw: Any) -> Delivery:
    fields: dict[str, Any] = {
        "subscriber": "卫生系列",
        "channel": "0123456789abcdef",
        "channel_label": "mailtos://me:****@163.com",
        "window_id": window_id,
        "window_key": "k1",
        "window_version": 1,
        "alert_kind": "month_ahead",
    }
    fields.update(kw)
    return Delivery(**fields)


def _commit(engine: Engine, *rows: Any) -> None:
    with transaction(engine) as s:
        s.add_all(rows)


def _notice_and_window(engine: Engine, source_id: int) -> tuple[int, int]:
    with transaction(engine) as s:
        n = _notice(source_id)
        s.add(n)
        s.flush()
        w = _window(n.id)
        s.add(w)
        s.flush()
        return n.id, w.id


def test_notice_url_unique(engine: Engine, source_id: int) -> None:
    _commit(engine, _notice(source_id))
    with pytest.raises(IntegrityError, match=UNIQUE):
        _commit(engine, _notice(source_id))
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Notice)) == 1


def test_notice_fetch_status_check(engine: Engine, source_id: int) -> None:
    with pytest.raises(IntegrityError, match="ck_notice_fetch_status"):
        _commit(engine, _notice(source_id, fetch_status="done"))


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"kind": "exam"}, "ck_window_kind"),
        ({"status": "deleted"}, "ck_window_status"),
        ({"start": "2025-01-24", "end": "2025-01-06"}, "ck_window_order"),
        ({"start": "2025-01-24T17:00", "end": "2025-01-24T09:00"}, "ck_window_order"),
        ({"start": None, "end": None}, "ck_window_has_date"),
    ],
    ids=["kind", "status", "start-after-end", "same-day-times-reversed", "no-date"],
)
def test_window_checks(engine: Engine, source_id: int, fields: dict[str, Any], constraint: str) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        _commit(engine, _window(None, **fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"start": "2025-01-06", "end": None},
        {"start": None, "end": "2025-01-24"},
        {"start": "2025-01-24", "end": "2025-01-24"},
        {"start": "2025-01-24", "end": "2025-01-24T17:00"},
        {"kind": "other", "status": "estimate"},
    ],
    ids=["open-ended", "deadline-only", "one-day", "date-then-time", "estimate-without-notice"],
)
def test_window_valid_rows(engine: Engine, fields: dict[str, Any]) -> None:
    _commit(engine, _window(None, **fields))


def test_window_key_version_unique(engine: Engine) -> None:
    _commit(engine, _window(None))
    with pytest.raises(IntegrityError, match=UNIQUE):
        _commit(engine, _window(None, end="2025-02-07"))
    _commit(engine, _window(None, version=2, end="2025-02-07"))


def test_delivery_unique(engine: Engine, source_id: int) -> None:
    _, window_id = _notice_and_window(engine, source_id)
    _commit(engine, _delivery(window_id))
    with pytest.raises(IntegrityError, match=UNIQUE):
        _commit(engine, _delivery(window_id, status="sent", channel_label="another label"))
    # Any one of the five differing makes a different delivery.
    for change in (
        {"subscriber": "another"},
        {"channel": "fedcba9876543210"},
        {"window_key": "k2"},
        {"window_version": 2},
        {"alert_kind": "opens"},
    ):
        _commit(engine, _delivery(window_id, **change))
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 6


def test_delivery_checks(engine: Engine, source_id: int) -> None:
    _, window_id = _notice_and_window(engine, source_id)
    with pytest.raises(IntegrityError, match="ck_delivery_kind"):
        _commit(engine, _delivery(window_id, alert_kind="reminder"))
    with pytest.raises(IntegrityError, match="ck_delivery_status"):
        _commit(engine, _delivery(window_id, status="lost"))


def test_crawl_outcome_check(engine: Engine, source_id: int) -> None:
    with pytest.raises(IntegrityError, match="ck_crawl_outcome"):
        _commit(engine, CrawlRun(source_id=source_id, outcome="fine"))


@pytest.mark.parametrize("table", ["notice", "window", "delivery", "crawl_run", "notice_version"])
def test_foreign_keys_enforced(engine: Engine, source_id: int, table: str) -> None:
    rows = {
        "notice": lambda: _notice(999),
        "window": lambda: _window(999),
        "delivery": lambda: _delivery(999),
        "crawl_run": lambda: CrawlRun(source_id=999),
        "notice_version": lambda: NoticeVersion(notice_id=999, title=TITLE),
    }
    with pytest.raises(IntegrityError, match=FOREIGN_KEY):
        _commit(engine, rows[table]())


def test_source_referenced_by_notices_cannot_be_deleted(engine: Engine, source_id: int) -> None:
    _commit(engine, _notice(source_id))
    with pytest.raises(IntegrityError, match=FOREIGN_KEY), transaction(engine) as s:
        s.delete(s.get(Source, source_id))


# --- notices and windows: nothing stored is silently rewritten -----------------------------------------


def _windows(engine: Engine) -> list[Window]:
    with Session(engine) as s:
        return list(s.scalars(select(Window).order_by(Window.id)))


def test_record_fetched_new_then_same(engine: Engine, source_id: int) -> None:
    with transaction(engine) as s:
        outcome, changes = record(s, source_id, page())
    assert outcome == "new"
    assert (changes.added, changes.changed, changes.superseded) == (2, 0, 0)
    first = _windows(engine)
    assert [(w.kind, w.start, w.end, w.status, w.version) for w in first] == [
        ("apply", "2025-01-06", "2025-01-24", "current", 1),
        ("paper", "2025-02-10", "2025-02-14", "current", 1),
    ]
    assert {w.committee for w in first} == {"广州市卫生高级职称评审委员会"}
    assert {w.review_year for w in first} == {2025}

    with transaction(engine) as s:
        outcome, changes = record(s, source_id, page(etag='"v2"'))
    assert outcome == "same"
    assert (changes.added, changes.changed, changes.superseded) == (0, 0, 0)
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.changed_at is None
        assert notice.etag == '"v2"'
        assert notice.committee == "广州市卫生高级职称评审委员会"
        assert s.scalar(select(func.count()).select_from(NoticeVersion)) == 0
    assert [(w.id, w.status) for w in _windows(engine)] == [(w.id, w.status) for w in first]


def test_record_fetched_changed_keeps_old_text_and_supersedes_windows(engine: Engine, source_id: int) -> None:
    with transaction(engine) as s:
        record(s, source_id, page())
        old_hash = s.scalars(select(Notice.content_hash)).one()
    with transaction(engine) as s:
        outcome, changes = record(s, source_id, page(BODY_EXTENDED))
    assert outcome == "changed"
    assert (changes.added, changes.changed, changes.superseded) == (0, 1, 0)

    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.body == BODY_EXTENDED
        assert notice.changed_at is not None
        assert notice.content_hash != old_hash
        versions = s.scalars(select(NoticeVersion)).all()
        assert len(versions) == 1
        assert versions[0].notice_id == notice.id
        assert versions[0].body == BODY
        assert versions[0].title == TITLE
        assert versions[0].content_hash == old_hash
        assert notice.first_seen <= notice.changed_at <= notice.last_seen
        assert versions[0].replaced_at == notice.changed_at

    rows = _windows(engine)
    apply = [w for w in rows if w.kind == "apply"]
    paper = [w for w in rows if w.kind == "paper"]
    assert len(rows) == 3  # nothing deleted: the old apply window is still there
    assert [(w.version, w.end, w.status) for w in apply] == [
        (1, "2025-01-24", "superseded"),
        (2, "2025-02-07", "current"),
    ]
    assert apply[0].key == apply[1].key
    assert apply[0].superseded_at is not None and apply[1].superseded_at is None
    assert [(w.version, w.status) for w in paper] == [(1, "current")]


def test_window_no_longer_in_the_text_is_superseded_not_deleted(engine: Engine, source_id: int) -> None:
    with transaction(engine) as s:
        record(s, source_id, page())
    without_paper = "各有关单位：\n一、网上申报时间：2025年1月6日至1月24日。\n"
    with transaction(engine) as s:
        outcome, changes = record(s, source_id, page(without_paper))
    assert outcome == "changed"
    assert changes.superseded == 1
    rows = _windows(engine)
    assert len(rows) == 2
    assert [(w.kind, w.status) for w in rows] == [("apply", "current"), ("paper", "superseded")]


def test_changing_back_adds_a_third_version(engine: Engine, source_id: int) -> None:
    for body in (BODY, BODY_EXTENDED, BODY):
        with transaction(engine) as s:
            record(s, source_id, page(body))
    apply = [w for w in _windows(engine) if w.kind == "apply"]
    assert [(w.version, w.end, w.status) for w in apply] == [
        (1, "2025-01-24", "superseded"),
        (2, "2025-02-07", "superseded"),
        (3, "2025-01-24", "current"),
    ]
    with Session(engine) as s:
        bodies = [v.body for v in s.scalars(select(NoticeVersion).order_by(NoticeVersion.id))]
    assert bodies == [BODY, BODY_EXTENDED]


SECTIONS = (
    "现将2025年度广州市建设、交通工程技术人才中级职称评审工作安排通知如下：\n"
    "一、各评委会申报时间\n"
    "（一）广州市建设工程技术人才中级职称评审委员会\n"
    "网上申报时间：2025年2月3日至2月21日。\n"
    "（二）广州市交通运输工程技术人才中级职称评审委员会\n"
    "网上申报时间：2025年2月10日至2月28日。\n"
    "二、缴费：申报人须于2025年3月14日前完成评审费缴纳。"
)
BUILDING = "广州市建设工程技术人才中级职称评审委员会"
TRANSPORT = "广州市交通运输工程技术人才中级职称评审委员会"


def test_a_step_shared_by_several_committees_is_named_for_all_of_them(engine: Engine, source_id: int) -> None:
    """Issue 12: in a notice of several committees that is none of theirs, a step given once is each
    one's: stored once, named for all ("A、B"), so a subscriber following either hears of it."""
    fetched = page(SECTIONS, title="关于做好2025年度建设、交通工程技术人才中级职称评审工作的通知")
    reading = read_notice(fetched)
    assert reading.shared == f"{BUILDING}、{TRANSPORT}"
    with transaction(engine) as s:
        record_fetched(s, source_id, fetched, reading)
    assert sorted((w.kind, w.committee) for w in _windows(engine)) == sorted(
        [("apply", BUILDING), ("apply", TRANSPORT), ("fee", f"{BUILDING}、{TRANSPORT}")]
    )


def test_a_step_both_committees_share_is_stored_once_for_both(engine: Engine, source_id: int) -> None:
    """Issue 12: 两个评委会…均 in one committee's own notice is one window of both ("A、B"), not one per
    committee: a subscriber following both is told once, one following either is told."""
    body = (
        f"{BUILDING}网上申报时间为2025年2月3日至2月21日；{TRANSPORT}网上申报时间为2月10日至2月28日。"
        "两个评委会的纸质材料均须于2025年3月14日前送达。"
    )
    fetched = page(body, title=f"{BUILDING}关于2025年度评审工作的通知")
    with transaction(engine) as s:
        record_fetched(s, source_id, fetched, read_notice(fetched))
    assert sorted((w.kind, w.committee) for w in _windows(engine)) == sorted(
        [("apply", BUILDING), ("apply", TRANSPORT), ("paper", f"{BUILDING}、{TRANSPORT}")]
    )


def test_naming_a_shared_step_later_renames_the_window_without_a_new_one(
    engine: Engine, source_id: int
) -> None:
    # An older extractor stored the shared step under the notice; a newer one names it for all. The key
    # is the notice's either way, so the window is renamed in place: no new version, no alert about it.
    fetched = page(SECTIONS, title="关于做好2025年度建设、交通工程技术人才中级职称评审工作的通知")
    reading = read_notice(fetched)
    with transaction(engine) as s:
        record_fetched(s, source_id, fetched, replace(reading, shared=None, reader=1))
    before = {w.kind + (w.committee or ""): (w.id, w.key) for w in _windows(engine)}
    with transaction(engine) as s:
        notice = s.scalars(select(Notice)).one()
        outcome, changes = record_reread(s, notice.id, notice.content_hash, reading)
    assert (outcome, changes.added, changes.changed, changes.superseded) == ("reread", 0, 0, 0)
    after = _windows(engine)
    assert len(after) == 3 and {(w.id, w.key) for w in after} == set(before.values())
    (fee,) = [w for w in after if w.kind == "fee"]
    assert (fee.committee, fee.version, fee.status) == (f"{BUILDING}、{TRANSPORT}", 1, "current")


def test_record_failed_never_clears_stored_text(engine: Engine, source_id: int) -> None:
    with transaction(engine) as s:
        record(s, source_id, page())
    with transaction(engine) as s:
        record_failed(s, source_id, URL, TITLE, "2024-12-20", "rsj.gz.gov.cn", "HTTP 503 Service Unavailable")
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.body == BODY
        assert notice.content_hash is not None
        assert notice.fetch_status == "fetched"
        assert notice.fetch_error == "HTTP 503 Service Unavailable"
    assert [w.status for w in _windows(engine)] == ["current", "current"]
    # The next good fetch of the same content clears the error and changes nothing else.
    with transaction(engine) as s:
        assert record(s, source_id, page())[0] == "same"
    with Session(engine) as s:
        assert s.scalars(select(Notice.fetch_error)).one() is None


def test_record_failed_for_an_unfetched_notice(engine: Engine, source_id: int) -> None:
    other = URL.replace("9876543", "1111111")
    with transaction(engine) as s:
        record_listed(s, source_id, other, "关于公布评审结果的通知", "2024-12-01", "rsj.gz.gov.cn", "pending")
        record_failed(s, source_id, other, "关于公布评审结果的通知", "2024-12-01", "rsj.gz.gov.cn", "x" * 900)
    with Session(engine) as s:
        notice = s.scalars(select(Notice)).one()
        assert notice.fetch_status == "failed"
        assert notice.body is None
        assert notice.fetch_error is not None and len(notice.fetch_error) == 500
    # A later good fetch turns it into a normal fetched notice.
    with transaction(engine) as s:
        assert record(s, source_id, page(url=other))[0] == "new"


def test_ensure_source_resets_validators_when_the_column_moves(engine: Engine, source_id: int) -> None:
    with transaction(engine) as s:
        src = s.get(Source, source_id)
        assert src is not None
        src.etag, src.listing_hash = '"abc"', "f" * 64
    with transaction(engine) as s:
        moved = ensure_source(s, "gz-pstz", "https://rsj.gz.gov.cn/new/column/")
        assert moved.id == source_id
    with Session(engine) as s:
        src = s.get(Source, source_id)
        assert src is not None
        assert (src.url, src.etag, src.listing_hash) == ("https://rsj.gz.gov.cn/new/column/", None, None)


def test_each_orm_class_types_its_table_as_the_table_is() -> None:
    """store.models restates every column's Python type for the type checker; store.tables is the truth.

    A column added to a table without its attribute, or a nullable column typed as never None, would let
    mypy pass code that breaks on real rows: each annotation must match its column.
    """
    from sqlalchemy import JSON

    from store.models import Base

    for mapper in Base.registry.mappers:
        cls, table = mapper.class_, mapper.local_table
        hints = {k: v for k, v in cls.__annotations__.items() if v.startswith("Mapped[")}
        columns = {c.key: c for c in table.columns}
        relationships = set(mapper.relationships.keys())
        assert set(hints) == set(columns) | relationships, cls.__name__
        for key, column in columns.items():
            inner = hints[key].removeprefix("Mapped[").removesuffix("]")
            base = inner.removesuffix(" | None")
            assert (inner != base) == (column.nullable and not column.primary_key), f"{cls.__name__}.{key}"
            wanted = (
                ("dict", "list") if isinstance(column.type, JSON) else (column.type.python_type.__name__,)
            )
            assert base.split("[")[0] in wanted, f"{cls.__name__}.{key}: {base} for {column.type!r}"
