"""Schema versions and migrations, tracked in SQLite's ``PRAGMA user_version`` (a table on PostgreSQL:
``store.engine.schema_version``).

A new database is created from the models and stamped with ``LATEST``. An older SQLite file is first
copied aside (``<file>.bak-v<N>``, with SQLite's online backup; a PostgreSQL database is the operator's
to dump, ``backup_advice``) and then brought forward one
step at a time inside a single transaction, so a failed migration leaves it exactly as it was.
A database from a newer zcwatch is refused rather than guessed at.

To change the schema: change the models, add ``MIGRATIONS[LATEST + 1]`` doing the same to an
existing database, bump ``LATEST``, and keep a frozen copy of the old schema under
``tests/data/`` so the migration test opens a real old file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect

from core.errors import DatabaseError
from store.engine import is_postgres, lock_for_migration, set_schema_version, version_tables
from store.engine import schema_version as schema_version
from store.models import Base

log = logging.getLogger(__name__)

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


def backup_advice(engine: Engine, version: int) -> str:
    """How to keep a copy of a PostgreSQL database before it is migrated: zcwatch makes none itself."""
    u = engine.url
    host = u.host or str(u.query.get("host") or "localhost")
    where = f"-h {host}" + (f" -p {u.port}" if u.port else "")
    return (
        f"upgrading the PostgreSQL database {u.database} from schema v{version} to v{LATEST} in one "
        f"transaction; zcwatch keeps no copy of a server's database: make one with "
        f"pg_dump {where} -U {u.username or 'USER'} -Fc -f zcwatch-v{version}.dump {u.database}"
    )


def _backup(engine: Engine, version: int) -> None:
    if is_postgres(engine):
        log.warning(backup_advice(engine, version))
        return
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
    from store.engine import reading

    with reading(engine).connect() as probe:
        before = schema_version(probe)
    if before == LATEST:
        return before
    if 0 < before < LATEST:
        _backup(engine, before)
    with engine.begin() as conn:  # BEGIN IMMEDIATE: two processes never migrate at once
        lock_for_migration(conn)
        version = schema_version(conn)
        if version == 0:
            existing = set(inspect(conn).get_table_names()) - version_tables()
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
        set_schema_version(conn, LATEST)
    return before
