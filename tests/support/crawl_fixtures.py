"""Fixtures for end-to-end crawls: the real `zcwatch crawl` (a subprocess running Scrapy) against the replica.

``crawl_env`` gives a test its own config and database pointing at the session's replica (the
``replica`` and ``replica_server`` fixtures of ``support.replica_fixtures``, re-exported by conftest);
``first_crawl`` runs one first crawl per module into a template database that ``CrawlEnv.seed`` copies,
so tests that start from "everything already stored" do not each pay for a backfill.

The database is a SQLite file, or, in a test's ``[postgresql]`` run, a database on the session's
PostgreSQL server (support/database.py); seeding copies it there with CREATE DATABASE … TEMPLATE.
Tests of crawl behaviour that the store does not take part in are marked ``sqlite_only``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from support import database
from support.cli import Ran, copy_db, run_timed, zcwatch_exe
from support.postgres import PostgresServer
from support.replica import LoggedRequest, ReplicaServer

__all__ = [
    "CONTACT",
    "EXPECTED",
    "CrawlEnv",
    "FirstCrawl",
    "Ran",
    "crawl_env",
    "first_crawl",
    "site_requests",
]

CONTACT = "zc-ops@example.org"
EXPECTED: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "site_expected.json").read_text(encoding="utf-8")
)


@dataclass
class CrawlEnv:
    """One test's config + database, and a runner for the CLI."""

    dir: Path
    replica: ReplicaServer
    proxy: str | None = None
    timeout: float = 2
    max_bytes: int | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    extra_toml: str = ""  # more tables for the config, written as is after the source
    # The database; empty: the SQLite file z.sqlite3 in ``dir``. A PostgreSQL one needs its server.
    url: str = ""
    pg: PostgresServer | None = None

    def __post_init__(self) -> None:
        if not self.url:
            self.url = f"sqlite:///{(self.dir / 'z.sqlite3').as_posix()}"

    @property
    def db_path(self) -> Path:
        """The SQLite file (on PostgreSQL a path that never exists)."""
        return database.sqlite_path(self.url) or self.dir / "z.not-sqlite"

    @property
    def config_path(self) -> Path:
        return self.dir / "zcwatch.toml"

    def write_config(self) -> Path:
        lines = [
            "[database]",
            f'url = "{self.url}"',
            "",
            "[crawl]",
            "delay = 0",
            f'proxy = "{self.proxy or self.replica.proxy_url}"',
            f"timeout = {self.timeout}",
            f'contact = "{CONTACT}"',
        ]
        if self.max_bytes is not None:
            lines.append(f"max_bytes = {self.max_bytes}")
        lines += ["", "[[sources]]", 'name = "replica"', f'url = "{self.replica.column_url}"', ""]
        if self.extra_toml:
            lines.append(self.extra_toml)
        self.config_path.write_text("\n".join(lines), encoding="utf-8")
        return self.config_path

    def zcwatch(self, *args: str, timeout: float = 60) -> Ran:
        """Run `zcwatch --config … ARGS` as a subprocess (not a terminal, so no progress line)."""
        self.write_config()
        # A no_proxy covering the real host names would bypass the replica; ZCWATCH_CONFIG must not leak in.
        env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy" and k != "ZCWATCH_CONFIG"}
        env.update(self.extra_env)
        cmd = [zcwatch_exe(), "--config", str(self.config_path), *args]
        return run_timed(cmd, cwd=self.dir, env=env, timeout=timeout)

    def crawl(self, *args: str) -> Ran:
        return self.zcwatch("crawl", *args)

    def seed(self, first: FirstCrawl, *, polled: bool = False) -> None:
        """Start from a copy of the module's first-crawl database.

        ``polled``: from the state after one more, ok, poll, which stored the listing's validators.
        """
        source = first.polled_url if polled else first.url
        if self.pg is None:
            copy_db(Path(source[len("sqlite:///") :]), self.db_path)
        else:
            self.pg.recreate_database(self.url.rsplit("/", 1)[1], template=source.rsplit("/", 1)[1])

    def db(self) -> sqlite3.Connection | database.DbConn:
        return database.connect(self.url)

    def query(self, sql: str, *params: Any) -> list[Any]:
        with self.db() as conn:
            return list(conn.execute(sql, params))

    def scalar(self, sql: str, *params: Any) -> Any:
        rows = self.query(sql, *params)
        return rows[0][0] if rows else None

    def last_run(self) -> sqlite3.Row:
        return self.query("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1")[0]

    def snapshot(self) -> dict[str, Any]:
        """What a failed crawl must not lose: row counts and every stored text and window."""
        return {
            "notices": self.scalar("SELECT count(*) FROM notices"),
            "windows": self.scalar("SELECT count(*) FROM windows"),
            "versions": self.scalar("SELECT count(*) FROM notice_versions"),
            "texts": [
                tuple(r)
                for r in self.query(
                    "SELECT url, title, body, content_hash, fetch_status, changed_at"
                    " FROM notices ORDER BY url"
                )
            ],
            "window_rows": [
                tuple(r)
                for r in self.query('SELECT key, version, start, "end", status FROM windows ORDER BY id')
            ],
        }


@dataclass(frozen=True)
class FirstCrawl:
    url: str
    ran: Ran
    requests: list[LoggedRequest]
    polled_url: str  # the same followed by one no-change poll (ok: validators stored)


def site_requests(log: list[LoggedRequest]) -> list[LoggedRequest]:
    """The log without robots.txt requests."""
    return [r for r in log if r.path.split("?", 1)[0] != "/robots.txt"]


def _server(engine: str, request: pytest.FixtureRequest) -> PostgresServer | None:
    return request.getfixturevalue("postgres_server") if engine == "postgresql" else None


def new_env(
    folder: Path, replica: ReplicaServer, engine: str, request: pytest.FixtureRequest, **kw: Any
) -> CrawlEnv:
    """A CrawlEnv on a new, empty database of ``engine`` (dropped with ``request``'s scope)."""
    url = database.new_database_url(engine, folder, request)
    return CrawlEnv(folder, replica, url=url, pg=_server(engine, request), **kw)


@pytest.fixture(scope="module")
def first_crawl(
    replica_server: ReplicaServer,
    tmp_path_factory: pytest.TempPathFactory,
    db_engine: str,
    request: pytest.FixtureRequest,
) -> FirstCrawl:
    """One first (non-full) crawl of the unmodified replica into a fresh database, per test module."""
    replica_server.reset()
    replica_server.clear_log()
    env = new_env(tmp_path_factory.mktemp("first-crawl"), replica_server, db_engine, request)
    ran = env.crawl()
    requests = replica_server.requests
    polled = new_env(tmp_path_factory.mktemp("first-crawl-polled"), replica_server, db_engine, request)
    polled_url = polled.url
    if db_engine == "sqlite":
        polled_url = f"sqlite:///{(env.dir / 'polled.sqlite3').as_posix()}"
    first = FirstCrawl(env.url, ran, requests, polled_url)
    polled.seed(first)
    if polled.crawl().returncode != 0:
        raise RuntimeError("the no-change poll after the first crawl failed")
    if db_engine == "sqlite":
        copy_db(polled.db_path, Path(polled_url[len("sqlite:///") :]))
    replica_server.clear_log()
    return first


@pytest.fixture
def crawl_env(
    replica: ReplicaServer, tmp_path: Path, database_url: str, db_engine: str, request: pytest.FixtureRequest
) -> Iterator[CrawlEnv]:
    """A fresh config + empty database in tmp_path, crawling the (reset) replica."""
    return CrawlEnv(tmp_path, replica, url=database_url, pg=_server(db_engine, request))
