"""`zcwatch demo`: the whole pipeline on the replica site shipped with the package, with no network.

Serves ``site/`` (package data: the replica of the committee-notice column, see ``replica.py``) on
127.0.0.1, crawls it with the real Scrapy child process into a temporary database, plans alerts at a
moment inside the replica's 2025年度 season and delivers them through Apprise to a tiny local webhook
that hands each alert to the caller's ``emit``, then renders the staff digest. Nothing leaves this
machine. The demo prints nothing itself: the CLI passes ``emit`` (print) and renders the result.
"""

from __future__ import annotations

import json
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from zcwatch.demo.loopback import LoopbackServer, QuietHandler

DEMO_NOW = "2025-12-01T09:30"

Emit = Callable[[str], None]


@dataclass(frozen=True)
class DemoRun:
    """What the demo left behind: its config (pointing at the kept or temporary database)."""

    config_path: Path
    now: str = DEMO_NOW


class _ConsoleHookHandler(QuietHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            payload = {}
        lines = [f"\n  ┌ {payload.get('title', '')}"]
        lines += [f"  │ {line}" for line in str(payload.get("message", "")).splitlines()]
        self.server.owner.show(lines)
        self.reply(200, b"", None)


class ConsoleHook(LoopbackServer):
    """A json:// webhook on loopback that shows every alert it receives through ``emit``."""

    handler = _ConsoleHookHandler
    thread_name = "zcwatch-demo-hook"

    def __init__(self, emit: Emit) -> None:
        super().__init__()
        self._emit = emit
        self._lock = threading.Lock()  # alerts arrive on server threads: keep each one's lines together

    def show(self, lines: list[str]) -> None:
        with self._lock:
            for line in lines:
                self._emit(line)


def _config_text(db: Path, proxy: str, column_url: str, hook_url: str) -> str:
    return f"""# written by `zcwatch demo`
[database]
url = "sqlite:///{db}"
[crawl]
delay = 0
proxy = "{proxy}"
timeout = 5
contact = "demo@example.org"
[[sources]]
name = "replica"
url = "{column_url}"
[[subscribers]]
name = "卫生系列申报人（演示）"
urls = ["{hook_url}"]
committees = ["卫生"]
"""


def run_demo(keep: Path | None, emit: Emit) -> DemoRun:
    """Crawl the replica, deliver the alerts due at DEMO_NOW to the console hook, render the digest."""
    from sqlalchemy.orm import Session

    from core.config import load_config
    from core.timeutil import parse_now
    from notifier.channels import validate_url
    from notifier.deliver import notify_due
    from notifier.digest.build import build_digest
    from notifier.digest.render import render
    from scheduler.crawljob import crawl_sources
    from store.db import open_engine
    from zcwatch.demo.replica import StaticReplica

    workdir = Path(tempfile.mkdtemp(prefix="zcwatch-demo-"))
    db = keep.resolve() if keep else workdir / "demo.sqlite3"
    cfg_path = workdir / "config.toml"
    with ConsoleHook(emit) as hook, StaticReplica() as site:
        hook_url = f"json://127.0.0.1:{hook.port}/demo"
        cfg_path.write_text(_config_text(db, site.proxy_url, site.column_url, hook_url), encoding="utf-8")
        config = load_config(cfg_path, check_url=validate_url)
        emit(f"1. Crawling the replica of the committee-notice column at {site.column_url}")
        emit(f"   (served on 127.0.0.1 through {site.proxy_url}; database {db})")
        for result in crawl_sources(config, list(config.sources)):
            emit(f"   {result.summary()}")
        now = parse_now(DEMO_NOW)
        emit(f"\n2. Alerts due at {now:%Y-%m-%d %H:%M} for a subscriber watching 卫生 committees:")
        engine = open_engine(config.resolved_database_url)
        try:
            report = notify_due(config, engine, now)
            emit(f"\n   {report.summary()}")
            emit(f"\n3. The staff deadline digest at {now:%Y-%m-%d %H:%M}:\n")
            with Session(engine) as session:
                emit(render(build_digest(config, session, now), "text"))
        finally:
            engine.dispose()
    return DemoRun(cfg_path)
