"""A config + database for end-to-end alert tests, filled by direct inserts, and a CLI runner.

The database is a SQLite file in the test's folder, or, for the ``[postgresql]`` run of a test, a fresh
database on the session's PostgreSQL server (``support.database``): the fixture asks for ``database_url``.

``NotifyEnv.add_notice`` stores a notice and its windows through ``store.windows.apply_windows`` (the
same code the crawler uses) and then stamps the new window versions with a chosen ``seen`` time, so a
test controls exactly when a window was first known. ``NotifyEnv.zcwatch`` runs the real `zcwatch`
command in a subprocess against that config, with proxies disabled for 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.timeutil import SHANGHAI, to_utc_naive
from store.db import open_engine
from store.models import Notice, Source, Window
from store.windows import Extracted, apply_windows
from support import database
from support.cli import Ran, run_timed, zcwatch_exe

__all__ = [
    "TITLE_KINDS",
    "NotifyEnv",
    "Ran",
    "Subscriber",
    "alert_kind_of",
    "committee_of",
    "notify_env_fixture",
]

# How each alert kind's message title begins (notifier.messages._title).
TITLE_KINDS = {
    "【职称提醒】": "month_ahead",
    "【新通知】": "announced",
    "【预估】": "estimate",
    "【今日开始】": "opens",
    "【正在申报】": "opens",  # an opens alert sent after its day
    "【即将截止】": "closing_soon",
    "【时间变更】": "changed",
}


def alert_kind_of(title: str) -> str:
    for prefix, kind in TITLE_KINDS.items():
        if title.startswith(prefix):
            return kind
    raise AssertionError(f"not an alert title: {title!r}")


def committee_of(body: str) -> str:
    m = re.search(r"评委会：([^\n<]+)", body)
    assert m, f"no committee line in {body!r}"
    return m.group(1).strip()


def local(text: str) -> datetime:
    """An ISO time without offset, read as Asia/Shanghai."""
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=SHANGHAI)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


@dataclass
class Subscriber:
    name: str
    urls: list[str]
    committees: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    lead_days: int | None = None
    quiet_hours: str = ""
    config: str = ""
    tags: list[str] = field(default_factory=list)

    def toml(self) -> str:
        lines = ["[[subscribers]]", f"name = {_toml(self.name)}", f"urls = {_toml(self.urls)}"]
        if self.config:
            lines.append(f"config = {_toml(self.config)}")
        if self.tags:
            lines.append(f"tags = {_toml(self.tags)}")
        if self.committees:
            lines.append(f"committees = {_toml(self.committees)}")
        if self.kinds:
            lines.append(f"kinds = {_toml(self.kinds)}")
        if self.lead_days is not None:
            lines.append(f"lead_days = {self.lead_days}")
        if self.quiet_hours:
            lines.append(f"quiet_hours = {_toml(self.quiet_hours)}")
        return "\n".join(lines)


@dataclass
class NotifyEnv:
    """One test's config, database and subscribers."""

    dir: Path
    subscribers: list[Subscriber] = field(default_factory=list)
    alerts: dict[str, Any] = field(default_factory=dict)
    extra_toml: str = ""  # more tables for the config ([crawl], [[sources]], [daemon] …), written as is
    # The database; empty: the SQLite file z.sqlite3 in ``dir``.
    url: str = ""
    _engine: Engine | None = None
    _urls: int = 0

    def __post_init__(self) -> None:
        if not self.url:
            self.url = f"sqlite:///{(self.dir / 'z.sqlite3').as_posix()}"

    @property
    def db_path(self) -> Path:
        """The SQLite file (on PostgreSQL a path that never exists)."""
        return database.sqlite_path(self.url) or self.dir / "z.not-sqlite"

    @property
    def is_postgres(self) -> bool:
        return not self.url.startswith("sqlite")

    def database_exists(self) -> bool:
        """Whether zcwatch has made its database: the SQLite file, or any table in the PostgreSQL one."""
        if not self.is_postgres:
            return self.db_path.exists()
        return bool(self.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))

    @property
    def config_path(self) -> Path:
        return self.dir / "zcwatch.toml"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = open_engine(self.url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def subscribe(self, name: str, *urls: str, **options: Any) -> Subscriber:
        sub = Subscriber(name, list(urls), **options)
        self.subscribers.append(sub)
        return sub

    def write_config(self) -> Path:
        lines = ["[database]", f"url = {_toml(self.url)}", ""]
        if self.alerts:
            lines.append("[alerts]")
            lines += [f"{k} = {_toml(v)}" for k, v in self.alerts.items()]
            lines.append("")
        lines += [s.toml() + "\n" for s in self.subscribers]
        if self.extra_toml:
            lines.append(self.extra_toml)
        self.config_path.write_text("\n".join(lines), encoding="utf-8")
        return self.config_path

    # --- the store ------------------------------------------------------------------------------------

    def add_notice(
        self,
        committee: str,
        windows: Sequence[tuple[str, str | None, str | None]],
        *,
        seen: str,
        review_year: int = 2025,
        title: str | None = None,
        published: str | None = None,
        url: str | None = None,
    ) -> int:
        """Store a notice with ``(kind, start, end)`` windows as if first read at ``seen`` (local time).

        A second notice for the same committee, year and kind yields new versions of the same windows.
        Returns the notice id.
        """
        self._urls += 1
        with Session(self.engine, expire_on_commit=False) as s, s.begin():
            source = s.scalars(select(Source).where(Source.name == "test")).first()
            if source is None:
                source = Source(name="test", url="https://rsj.gz.gov.cn/pstz/")
                s.add(source)
                s.flush()
            notice = Notice(
                url=url or f"https://rsj.gz.gov.cn/pstz/content/post_{self._urls:06d}.html",
                source_id=source.id,
                title=title or f"关于{committee}{review_year}年度职称评审工作的通知",
                published=published or seen[:10],
                listing_date=(published or seen)[:10],
                host="rsj.gz.gov.cn",
                committee=committee,
                review_year=review_year,
                body="",
                fetch_status="fetched",
            )
            s.add(notice)
            s.flush()
            before = set(s.scalars(select(Window.id)))
            apply_windows(s, notice, [Extracted(k, a, b, f"{k} {a}~{b}") for k, a, b in windows])
            stamp = to_utc_naive(local(seen))
            for w in s.scalars(select(Window)):
                if w.id not in before:
                    w.created_at = stamp
                elif w.superseded_at is not None and w.status == "superseded" and w.superseded_at > stamp:
                    w.superseded_at = stamp
            notice.first_seen = notice.last_seen = stamp
            return notice.id

    def db(self) -> sqlite3.Connection | database.DbConn:
        return database.connect(self.url)

    def query(self, sql: str, *params: Any) -> list[Any]:
        conn = self.db()
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def scalar(self, sql: str, *params: Any) -> Any:
        rows = self.query(sql, *params)
        return rows[0][0] if rows else None

    def deliveries(self) -> list[dict[str, Any]]:
        rows = self.query(
            'SELECT d.*, w.committee, w.start, w."end", w.status AS window_status '
            "FROM deliveries d JOIN windows w ON w.id = d.window_id ORDER BY d.id"
        )
        return [dict(r) for r in rows]

    def ledger(self) -> list[tuple[str, str, str]]:
        """(subscriber, alert kind, status) per delivery row, sorted."""
        return sorted((d["subscriber"], d["alert_kind"], d["status"]) for d in self.deliveries())

    def counts(self) -> dict[str, int]:
        tables = ("notices", "windows", "deliveries")
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}

    # --- the command --------------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        env.pop("ZCWATCH_CONFIG", None)
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        return env

    def command(self, *args: str) -> list[str]:
        return [zcwatch_exe(), "--config", str(self.config_path), *args]

    def zcwatch(self, *args: str, timeout: float = 60, extra_env: dict[str, str] | None = None) -> Ran:
        self.write_config()
        env = {**self.env(), **(extra_env or {})}
        return run_timed(self.command(*args), cwd=self.dir, env=env, timeout=timeout)

    def notify(self, now: str, *args: str) -> Ran:
        return self.zcwatch("notify", "--now", now, *args)

    def popen(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start `zcwatch ARGS` without waiting (for the kill test)."""
        self.write_config()
        return subprocess.Popen(
            self.command(*args),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=self.dir,
            env={**self.env(), **(extra_env or {})},
        )


# Registered as "notify_env"; test modules import notify_env_fixture (a different name, so that a
# `notify_env` argument does not shadow an import).
@pytest.fixture(name="notify_env")
def notify_env_fixture(tmp_path: Path, database_url: str) -> Iterator[NotifyEnv]:
    """An empty NotifyEnv in tmp_path (no subscribers yet; add them with ``subscribe``), on each engine."""
    env = NotifyEnv(tmp_path, url=database_url)
    yield env
    env.close()
