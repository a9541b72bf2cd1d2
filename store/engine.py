"""Everything that differs between the two engines, in one place: SQLite and PostgreSQL.

The rest of zcwatch writes portable SQLAlchemy and asks this module for what cannot be portable:
how a connection is set up, how a transaction begins, the upsert that leaves an existing row alone,
the lock that serialises migrations, and how a password is kept out of every message.

**SQLite** (the embedded default): every transaction begins with ``BEGIN IMMEDIATE``: the daemon, a
cron run and a crawl child may write at once, and a deferred transaction that later upgrades to a
write lock fails at once with SQLITE_BUSY instead of waiting out the busy timeout. Python's sqlite3
module is put in autocommit mode so that SQLAlchemy, not the driver, decides where transactions start
(this also makes migration DDL transactional). Reads that asked for it (``reading(engine)``) begin
deferred: in WAL mode they see the last commit and never wait for a writer.

**PostgreSQL** (``postgresql+psycopg://``, the ``postgres`` extra): READ COMMITTED, the server's
default, stated so a server configured otherwise does not change zcwatch's behaviour; a
``lock_timeout`` as long as SQLite's busy timeout, so a writer queued behind another gives up with an
error instead of hanging a cron run; a ``statement_timeout`` so one runaway statement cannot hold
locks for ever; and a connect timeout, so an unreachable server is one line, not a hang. Readers
never wait for writers there (MVCC), so ``reading`` changes nothing.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert

from core.config import mask_database_url
from core.errors import DatabaseError

BUSY_TIMEOUT_MS = 15_000
# PostgreSQL: how long one statement may run (a crawl storing a 5 MB page takes well under a second).
STATEMENT_TIMEOUT_MS = 300_000
CONNECT_TIMEOUT_S = 10

_READ_ONLY = "zcwatch_read_only"


def is_postgres(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Not journal_mode: WAL is a property of the file, set once the file is known to be ours (after_migrate),
    # so a database that is refused is left exactly as it was.
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = NORMAL")
    cur.close()


def _sqlite_on_begin(conn: Any) -> None:
    # On the driver's connection itself: through exec_driver_sql this one word cost about as much as the
    # notify loop's claim statement. (SQLAlchemy's own BEGIN is off: isolation_level None, above.)
    # SQLAlchemy does not wrap what a "begin" listener raises, so a failure (a write lock that outlasts
    # the busy timeout) is wrapped here as exec_driver_sql did: callers catch SQLAlchemy's errors.
    sql = "BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE"
    try:
        conn.connection.driver_connection.execute(sql)
    except sqlite3.Error as e:
        raise DBAPIError.instance(sql, None, e, sqlite3.Error) from e


def create(url: str) -> Engine:
    """An engine for ``url`` with its engine's settings on every connection (see the module's doc)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # SQLAlchemy imports the driver itself; asked here only to say what is missing in one line. The
    # driver is the optional `postgres` extra, not a dependency (test_dependencies checks both).
    if importlib.util.find_spec("psycopg") is None:
        raise DatabaseError(
            "PostgreSQL needs psycopg 3, which zcwatch installs with its postgres extra: "
            "pip install 'zcwatch[postgres]' (or -r requirements.lock)"
        )
    options = f"-c lock_timeout={BUSY_TIMEOUT_MS} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
    return create_engine(
        url,
        isolation_level="READ COMMITTED",
        # A pooled connection the server closed (a restart, an idle timeout) is replaced, not an error.
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": options,
            "application_name": "zcwatch",
        },
    )


def reading(engine: Engine) -> Engine:
    """The same engine for read-only work: on SQLite its transactions begin deferred, so they never
    queue behind a write (a crawl storing a large page). Never write through it: a deferred transaction
    that tries to write fails at once instead of waiting its turn. On PostgreSQL readers never wait."""
    return engine.execution_options(**{_READ_ONLY: True})


def after_migrate(engine: Engine) -> None:
    """Per-database settings made once the database is known to be ours: SQLite's WAL mode."""
    if is_postgres(engine):
        return
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        # Read first: asking for WAL again is a no-op, but reading the mode needs no lock at all.
        if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.close()
    finally:
        raw.close()


def insert_ignoring_duplicates(bind: Engine | Connection, table: Any) -> Insert:
    """``INSERT … ON CONFLICT DO NOTHING`` for ``bind``'s engine: a row whose unique key exists is left
    alone. Both engines spell it the same; only SQLAlchemy's construct differs per dialect."""
    # Imported here: the PostgreSQL dialect (and the asyncio it pulls in) costs a SQLite command 30 ms.
    if is_postgres(bind):
        from sqlalchemy.dialects import postgresql

        module: Any = postgresql
    else:
        from sqlalchemy.dialects import sqlite

        module = sqlite
    # preserve_rowcount: psycopg's rowcount of an INSERT (1, or 0 for a conflict) is otherwise dropped.
    stmt: Insert = module.insert(table).on_conflict_do_nothing().execution_options(preserve_rowcount=True)
    return stmt


# Any fixed number: every zcwatch process that migrates takes the same transaction-level advisory lock.
MIGRATION_LOCK_KEY = 0x7A63_0001


def lock_for_migration(conn: Connection) -> None:
    """Serialise migrations: on SQLite the BEGIN IMMEDIATE transaction already does; on PostgreSQL a
    transaction-level advisory lock, released by the commit or rollback, makes a second process wait."""
    if is_postgres(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")


# Likewise for planning alerts: several notify workers on one PostgreSQL database plan one at a time (a plan
# reads the ledger and adds to it, and may add estimated windows); they claim and send side by side.
PLANNING_LOCK_KEY = 0x7A63_0002


def lock_for_planning(conn: Connection) -> None:
    """Serialise the planning transactions of concurrent notify workers (PostgreSQL; SQLite's write
    transactions are serialised already). Released by the transaction's commit or rollback."""
    if is_postgres(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PLANNING_LOCK_KEY})")


def display_url(url: str) -> str:
    """The URL for messages and logs: the password masked."""
    return mask_database_url(url)


def scrub(text: str, url: str) -> str:
    """``text`` (a driver's error) with the URL's password removed, wherever it appears."""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:  # a URL SQLAlchemy cannot parse has nothing it would have sent
        return text
    out = text.replace(url, display_url(url))
    return out.replace(str(password), "****") if password else out
