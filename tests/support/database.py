"""The tests' database, on either engine: the one place where a test's database is chosen.

A test (or a fixture such as ``notify_env``) that asks for ``database_url`` runs once per engine:
``[sqlite]`` with a file in its tmp_path, ``[postgresql]`` with a fresh database on the session's real
PostgreSQL server (``support.postgres``). ``pytest --db sqlite`` or ``--db postgresql`` runs one only;
the default, and ``make test``, runs both.

``DbConn`` lets the tests' raw SQL (written for sqlite3: ``?`` placeholders, ``row["name"]``,
``with conn:`` committing) run unchanged on PostgreSQL, through psycopg.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from support.postgres import PostgresServer

__all__ = [
    "ENGINES",
    "DbConn",
    "Row",
    "connect",
    "database_url",
    "db_engine",
    "postgres_server",
    "sqlite_path",
]

ENGINES = ("sqlite", "postgresql")
SQLITE_PREFIX = "sqlite:///"


def add_option(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=("both", *ENGINES),
        default="both",
        help="the engine(s) the database tests run on (default: both)",
    )


def parametrize(metafunc: pytest.Metafunc) -> None:
    """Every test that needs ``db_engine`` (through ``database_url`` or a fixture using it) runs per engine.

    Module-scoped, so a module's shared fixtures (a first crawl) are built once per engine, not per test.
    A test marked ``sqlite_only`` (what it checks does not touch the store: a crawl's politeness, a
    command's output) runs on SQLite alone, to keep the suite's time.
    """
    if "db_engine" in metafunc.fixturenames:
        choice = metafunc.config.getoption("--db")
        engines = ENGINES if choice == "both" else (choice,)
        if metafunc.definition.get_closest_marker("sqlite_only") is not None:
            engines = tuple(e for e in engines if e == "sqlite") or ("sqlite",)
        metafunc.parametrize("db_engine", engines, indirect=True, scope="module")


def deselect_sqlite_only(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the ``[postgresql]`` run of a test whose parameter (not the test) is marked ``sqlite_only``:
    parametrisation has already made it, since a parameter's marks are known only on the item."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_pg = callspec is not None and callspec.params.get("db_engine") == "postgresql"
        (drop if on_pg and item.get_closest_marker("sqlite_only") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="module")
def db_engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server, started the first time a test needs it, stopped at the end."""
    with PostgresServer() as server:
        yield server


def new_database_url(engine: str, folder: Path, request: pytest.FixtureRequest, template: str = "") -> str:
    """A new, empty database on ``engine`` (a file in ``folder`` for SQLite); dropped after the test
    on PostgreSQL. ``template``: a PostgreSQL database to copy."""
    if engine == "sqlite":
        return f"{SQLITE_PREFIX}{(folder / 'z.sqlite3').as_posix()}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = server.create_database(template or "template0")
    request.addfinalizer(lambda: server.drop_database(name))
    return server.url(name)


@pytest.fixture
def database_url(db_engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """The URL of this test's own, empty database (SQLite file in tmp_path, or a new PostgreSQL one)."""
    return new_database_url(db_engine, tmp_path, request)


def sqlite_path(url: str) -> Path | None:
    return Path(url[len(SQLITE_PREFIX) :]) if url.startswith(SQLITE_PREFIX) else None


# --- raw SQL on either engine ---------------------------------------------------------------------------


class Row:
    """A result row read like ``sqlite3.Row``: by index, by column name, ``dict(row)``, ``tuple(row)``.

    Values come back as SQLite would give them, so assertions written for SQLite hold on both: a
    timestamp as SQLAlchemy's SQLite text (``2025-01-06 00:40:00.000000``), a boolean as 0/1.
    """

    def __init__(self, names: Sequence[str], values: Sequence[Any]) -> None:
        self._names = list(names)
        self._values = [_as_sqlite(v) for v in values]

    def keys(self) -> list[str]:
        return list(self._names)

    def __getitem__(self, key: int | str) -> Any:
        if isinstance(key, str):
            return self._values[self._names.index(key)]
        return self._values[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._names, self._values, strict=True))!r})"


def _as_sqlite(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


class _Cursor:
    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def fetchone(self) -> Row | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Row]:
        return list(self._rows)


class DbConn:
    """A psycopg connection that takes sqlite3-style SQL; ``with conn:`` commits (or rolls back)."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = psycopg.connect(dsn)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        # sqlite3's qmark placeholders become psycopg's; a literal % must then be doubled.
        cur = self._conn.execute(sql.replace("%", "%%").replace("?", "%s"), tuple(params))  # type: ignore[arg-type]
        if cur.description is None:
            return _Cursor([], cur.rowcount)
        names = [d.name for d in cur.description]
        return _Cursor([Row(names, r) for r in cur.fetchall()], cur.rowcount)

    def commit(self) -> None:
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> DbConn:
        return self

    def __exit__(self, t: object, e: object, tb: object) -> None:
        # Closed as well (sqlite3 leaves it open): a server connection left to the garbage collector
        # would hold the test's database open.
        try:
            if t is None:
                self._conn.commit()
            else:
                self._conn.rollback()
        finally:
            self._conn.close()


def connect(url: str) -> sqlite3.Connection | DbConn:
    """A raw connection to the test's database, sqlite3's own for SQLite (rows as ``sqlite3.Row``)."""
    path = sqlite_path(url)
    if path is not None:
        conn = sqlite3.connect(path)
        conn.row_factory = sqlite3.Row
        return conn
    return DbConn(url)


def query(url: str, sql: str, params: Sequence[Any] = ()) -> list[Any]:
    conn = connect(url)
    try:
        return list(conn.execute(sql, tuple(params)))
    finally:
        conn.close()
