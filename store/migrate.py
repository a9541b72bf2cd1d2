"""Schema versions and migrations, tracked in SQLite's ``PRAGMA user_version``.

A new database is created from the models and stamped with ``LATEST``. An older one is first
copied aside (``<file>.bak-v<N>``, with SQLite's online backup) and then brought forward one
step at a time inside a single transaction, so a failed migration leaves it exactly as it was.
A database from a newer zcwatch is refused rather than guessed at.

To change the schema: change the models, add ``MIGRATIONS[LATEST + 1]`` doing the same to an
existing database, bump ``LATEST``, and keep a frozen copy of the old schema under
``tests/data/`` so the migration test opens a real old file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect

from core.errors import DatabaseError
from store.models import Base

LATEST = 4


def _v2_health(conn: Connection) -> None:
    # v2: health incidents for the admin alerts (issue "scheduling and deployment").
    from store.models import Incident

    Base.metadata.tables[Incident.__tablename__].create(conn)


def _v3_review_reason(conn: Connection) -> None:
    # v3: why a notice needs a person's look (issue 11: capped extraction, an edit that removed every date).
    conn.exec_driver_sql("ALTER TABLE notices ADD COLUMN review_reason TEXT")


def _v4_window_confidence(conn: Connection) -> None:
    # v4: how sure the extractor was of each window (issue 12); NULL for windows read before: unknown.
    conn.exec_driver_sql("ALTER TABLE windows ADD COLUMN confidence DOUBLE")  # what create_all writes


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _v2_health,
    3: _v3_review_reason,
    4: _v4_window_confidence,
}


def schema_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def _backup(engine: Engine, version: int) -> None:
    db = engine.url.database
    if not db or db == ":memory:":
        return
    src = sqlite3.connect(db)
    try:
        dst = sqlite3.connect(f"{db}.bak-v{version}")
        with dst:
            src.backup(dst)
        dst.close()
    finally:
        src.close()


def migrate(engine: Engine) -> int:
    """Bring the database to ``LATEST``; returns the version it had before.

    The version is read without the write lock: a read-only command on an up-to-date database never
    waits for a crawl that is storing a page. Only a database that needs migrating takes the lock.
    """
    from store.db import reading

    with reading(engine).connect() as probe:
        before = schema_version(probe)
    if before == LATEST:
        return before
    if 0 < before < LATEST:
        _backup(engine, before)
    with engine.begin() as conn:  # BEGIN IMMEDIATE: two processes never migrate at once
        version = schema_version(conn)
        if version == 0:
            existing = set(inspect(conn).get_table_names())
            if existing:
                raise DatabaseError(
                    f"{engine.url.database} is not a zcwatch database (tables {sorted(existing)[:3]}, "
                    "no schema version); refusing to touch it"
                )
            Base.metadata.create_all(conn)
        elif version > LATEST:
            raise DatabaseError(
                f"{engine.url.database} has schema version {version}, newer than this zcwatch "
                f"understands ({LATEST}); upgrade zcwatch"
            )
        else:
            for step in range(version + 1, LATEST + 1):
                MIGRATIONS[step](conn)
        conn.exec_driver_sql(f"PRAGMA user_version = {LATEST}")
    return before
