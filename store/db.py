"""Opening the database: SQLite in WAL mode, a busy timeout, foreign keys on, and migrations.

Every transaction begins with ``BEGIN IMMEDIATE``: the daemon, a cron run and a crawl child
may write at once, and a deferred transaction that later upgrades to a write lock fails at
once with SQLITE_BUSY instead of waiting out the busy timeout. Python's sqlite3 module is put
in autocommit mode so that SQLAlchemy, not the driver, decides where transactions start
(this also makes migration DDL transactional).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.errors import DatabaseError, DatabaseLocationError
from store.migrate import migrate

BUSY_TIMEOUT_MS = 15_000


def _on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Not journal_mode: WAL is a property of the file, set once the file is known to be ours (_enable_wal),
    # so a database that is refused is left exactly as it was.
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _on_begin(conn: Any) -> None:
    # Reads that asked for it (``reading(engine)``) begin deferred: in WAL mode they see the last commit
    # and never wait for a writer. Everything else takes the write lock at once (see the module's doc).
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE")


_READ_ONLY = "zcwatch_read_only"


def reading(engine: Engine) -> Engine:
    """The same engine for read-only work: its transactions begin deferred, so they never queue
    behind a write (a crawl storing a large page). Never write through it: a deferred transaction
    that tries to write fails at once instead of waiting its turn."""
    return engine.execution_options(**{_READ_ONLY: True})


def open_engine(url: str, *, migrate_schema: bool = True) -> Engine:
    """An engine for ``sqlite:///PATH``; creates the folder and brings the schema up to date."""
    if url.startswith("sqlite:///") and url not in ("sqlite:///", "sqlite:///:memory:"):
        path = Path(url[len("sqlite:///") :])
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseLocationError(
                f"cannot create the database folder {path.parent}: {e.strerror} (see [database] url)"
            ) from None
        if path.is_dir():
            raise DatabaseLocationError(f"the database path {path} is a folder (see [database] url)")
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
    if migrate_schema:
        try:
            migrate(engine)
            _enable_wal(engine)
        except (DBAPIError, sqlite3.DatabaseError) as e:
            # DBAPIError covers "file is not a database" (a DatabaseError, not an OperationalError).
            engine.dispose()
            problem = _first_line(e)
            if "unable to open database file" in problem:  # the place, not the file: a config matter
                raise DatabaseLocationError(
                    f"cannot open the database {url}: {problem} (see [database] url)"
                ) from None
            raise DatabaseError(f"cannot open the database {url}: {problem}") from None
        except DatabaseError:
            engine.dispose()
            raise
    return engine


def _enable_wal(engine: Engine) -> None:
    """Switch the file to WAL (persistent; a no-op when it already is). Outside any transaction."""
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Read first: asking for WAL again is a no-op, but reading the mode needs no lock at all.
        if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()
    finally:
        raw.close()


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    return str(orig).splitlines()[0] if str(orig) else type(orig).__name__


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One short write transaction; commits on success, rolls back on any exception."""
    with Session(engine, expire_on_commit=False) as s, s.begin():
        yield s
