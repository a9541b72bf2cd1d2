"""Fixtures for end-to-end crawls: the real `zcwatch crawl` (a subprocess running Scrapy) against the replica.

``crawl_env`` gives a test its own config and SQLite file pointing at the session's replica (the
``replica`` and ``replica_server`` fixtures of ``support.replica_fixtures``, re-exported by conftest);
``first_crawl`` runs one first crawl per module into a template database that ``CrawlEnv.seed`` copies,
so tests that start from "everything already stored" do not each pay for a backfill.
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

from support.cli import Ran, copy_db, run_timed, zcwatch_exe
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

    @property
    def db_path(self) -> Path:
        return self.dir / "z.sqlite3"

    @property
    def config_path(self) -> Path:
        return self.dir / "zcwatch.toml"

    def write_config(self) -> Path:
        lines = [
            "[database]",
            f'url = "sqlite:///{self.db_path.as_posix()}"',
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
        copy_db(first.polled_db_path if polled else first.db_path, self.db_path)

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        return conn

    def query(self, sql: str, *params: Any) -> list[sqlite3.Row]:
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
    db_path: Path
    ran: Ran
    requests: list[LoggedRequest]
    polled_db_path: Path  # the same followed by one no-change poll (ok: validators stored)


def site_requests(log: list[LoggedRequest]) -> list[LoggedRequest]:
    """The log without robots.txt requests."""
    return [r for r in log if r.path.split("?", 1)[0] != "/robots.txt"]


@pytest.fixture(scope="module")
def first_crawl(replica_server: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> FirstCrawl:
    """One first (non-full) crawl of the unmodified replica into a fresh database, per test module."""
    replica_server.reset()
    replica_server.clear_log()
    env = CrawlEnv(tmp_path_factory.mktemp("first-crawl"), replica_server)
    ran = env.crawl()
    requests = replica_server.requests
    first = FirstCrawl(env.db_path, ran, requests, env.dir / "polled.sqlite3")
    polled = CrawlEnv(tmp_path_factory.mktemp("first-crawl-polled"), replica_server)
    polled.seed(first)
    if polled.crawl().returncode != 0:
        raise RuntimeError("the no-change poll after the first crawl failed")
    copy_db(polled.db_path, first.polled_db_path)
    replica_server.clear_log()
    return first


@pytest.fixture
def crawl_env(replica: ReplicaServer, tmp_path: Path) -> Iterator[CrawlEnv]:
    """A fresh config + empty database in tmp_path, crawling the (reset) replica."""
    return CrawlEnv(tmp_path, replica)
