"""Schema versions and migrations: Alembic's, on both engines (scripts in ``store/alembic/``).

A new database is created from the tables (``store.tables``) and stamped with Alembic's head. An older
one is brought forward by Alembic's steps inside a single transaction, so a failed migration leaves it
exactly as it was; before that, a SQLite file is copied aside (``<file>.bak-v<N>``, with SQLite's online
backup) and for a PostgreSQL database zcwatch says how to dump it (``backup_advice``: it makes no copy of
a server's database, and never a fake file). Two processes never migrate at once: SQLite's ``BEGIN
IMMEDIATE`` serialises them, on PostgreSQL an advisory lock (``store.engine.lock_for_migration``). A
database from a newer zcwatch is refused rather than guessed at.

Revisions are named by schema numbers (``v1`` … ``v4`` are those zcwatch had before Alembic; ``v5`` on
continue the count). A SQLite file from before Alembic has no ``alembic_version`` table: its ``PRAGMA
user_version`` says which revision it is at, and it is stamped so before upgrading. SQLite files keep
``user_version`` up to date too, so an older zcwatch still recognises a database that is newer than it.

To change the schema: change the tables (``store.tables``; the ORM classes in ``store.models`` map them),
add a revision under ``store/alembic/versions/`` doing the same to an existing database (``v<N+1>``,
down_revision ``v<N>``), bump ``LATEST``, and keep a frozen copy of the old schema under ``tests/data/``
so the migration test opens a real old file.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect

from core.errors import DatabaseError
from store.engine import is_postgres, lock_for_migration
from store.tables import metadata

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)
# Alembic announces each of its plugins at INFO when it is imported: noise in `zcwatch -v`, which shows
# what zcwatch did (Alembic's own "Running upgrade v3 -> v4" lines still show). Hence also the imports
# of alembic inside the functions: only a database that needs migrating pays for them.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

LATEST = 9
SCRIPTS = Path(__file__).with_name("alembic")
VERSION_TABLE = "alembic_version"


def revision_of(version: int) -> str:
    return f"v{version}"


HEAD = revision_of(LATEST)


def _alembic(conn: Connection) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = conn
    return cfg


def _legacy_version(conn: Connection) -> int:
    """SQLite's ``PRAGMA user_version``: the schema number of a file from before Alembic (0: none)."""
    if is_postgres(conn):
        return 0
    return int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def _current_revision(conn: Connection) -> str | None:
    # Read from Alembic's table itself, not through a MigrationContext: opening an up-to-date database
    # (every command does) then costs one query and logs nothing, even with -v.
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").scalar()


def schema_version(conn: Connection) -> int:
    """The schema number (``LATEST`` when up to date); 0 for an empty database.

    Raises ``DatabaseError`` for an Alembic revision this zcwatch does not know (a newer zcwatch's).
    """
    revision = _current_revision(conn)
    if revision is None:
        return _legacy_version(conn)
    if not (revision.startswith("v") and revision[1:].isdigit()):
        raise DatabaseError(
            f"the database has schema revision {revision!r}, unknown to this zcwatch (up to {HEAD}); "
            "upgrade zcwatch"
        )
    return int(revision[1:])


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
    from alembic import command

    with engine.begin() as conn:  # SQLite: BEGIN IMMEDIATE; with the lock below, one migration at a time
        lock_for_migration(conn)
        version = schema_version(conn)  # again, under the lock: another process may have migrated meanwhile
        if version == 0:
            existing = set(inspect(conn).get_table_names()) - {VERSION_TABLE}
            if existing:
                raise DatabaseError(
                    f"{engine.url.database} is not a zcwatch database (tables {sorted(existing)[:3]}, "
                    "no schema version); refusing to touch it"
                )

            metadata.create_all(conn)
            command.stamp(_alembic(conn), HEAD)
        elif version > LATEST:
            raise DatabaseError(
                f"{engine.url.database} has schema version {version}, newer than this zcwatch "
                f"understands ({LATEST}); upgrade zcwatch"
            )
        elif version < LATEST:
            if _current_revision(conn) is None:
                command.stamp(_alembic(conn), revision_of(version))  # a file from before Alembic
            command.upgrade(_alembic(conn), HEAD)
        if not is_postgres(conn):
            conn.exec_driver_sql(f"PRAGMA user_version = {LATEST}")
    return before
