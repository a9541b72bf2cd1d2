"""Opening the database: SQLite or PostgreSQL, set up by ``store.engine``, with migrations.

``open_engine`` is the one door: it creates a SQLite file's folder, brings the schema up to date and
turns every failure into a one-line ``DatabaseError`` whose text never holds the password.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from core.errors import DatabaseError, DatabaseLocationError
from store.engine import BUSY_TIMEOUT_MS, after_migrate, create, display_url, reading, scrub
from store.migrate import migrate
from store.tables import windows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["BUSY_TIMEOUT_MS", "open_engine", "reading", "transaction"]


def open_engine(url: str, *, migrate_schema: bool = True) -> Engine:
    """An engine for ``sqlite:///PATH`` or ``postgresql+psycopg://…``; brings the schema up to date."""
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
    engine = create(url)
    if migrate_schema:
        try:
            migrate(engine)
            after_migrate(engine)
        except (DBAPIError, sqlite3.DatabaseError) as e:
            # DBAPIError covers "file is not a database" (a DatabaseError, not an OperationalError).
            engine.dispose()
            problem = scrub(_first_line(e), url)
            shown = display_url(url)
            if "unable to open database file" in problem:  # the place, not the file: a config matter
                raise DatabaseLocationError(
                    f"cannot open the database {shown}: {problem} (see [database] url)"
                ) from None
            raise DatabaseError(f"cannot open the database {shown}: {problem}") from None
        except DatabaseError:
            engine.dispose()
            raise
    return engine


def open_existing(url: str) -> Engine | None:
    """``open_engine`` for a database zcwatch has already made; None if there is none yet (no SQLite
    file, no tables on the server), and nothing is created: for checks that must not make one."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///") :])
        return open_engine(url) if path.exists() else None
    probe = create(url)
    try:
        with probe.connect() as conn:
            made = inspect(conn).has_table(windows.name)
    except DBAPIError as e:
        raise DatabaseError(
            f"cannot open the database {display_url(url)}: {scrub(_first_line(e), url)}"
        ) from None
    finally:
        probe.dispose()
    return open_engine(url) if made else None


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One short write transaction; commits on success, rolls back on any exception."""
    from sqlalchemy.orm import Session  # here: commands that only read never import the ORM (issue 18)

    with Session(engine, expire_on_commit=False) as s, s.begin():
        yield s
