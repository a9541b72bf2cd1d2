"""`zcwatch demo`: the whole pipeline on the bundled replica site, with no network.

Serves ``tests/site/`` (the replica of the committee-notice column) on 127.0.0.1, crawls it
with the real Scrapy child process into a temporary database, plans alerts at a moment inside
the replica's 2025年度 season and delivers them through Apprise to a tiny local webhook that
prints each alert on the console, then prints the staff digest. Nothing leaves this machine.
"""

from __future__ import annotations

import json
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from core.errors import EXIT_OK, UserError

DEMO_NOW = "2025-12-01T09:30"


class _ConsoleHook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            payload = {}
        with self.server.lock:  # type: ignore[attr-defined]
            print(f"\n  ┌ {payload.get('title', '')}")
            for line in str(payload.get("message", "")).splitlines():
                print(f"  │ {line}")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


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


def run_demo(keep: Path | None, quiet: bool) -> int:
    from core.timeutil import parse_now
    from notifier.deliver import notify_due
    from notifier.digest.build import build_digest
    from notifier.digest.render import render
    from scheduler.crawljob import crawl_sources
    from store.db import open_engine
    from zcwatch.commands import load_checked
    from zcwatch.replica import ReplicaServer, default_root

    if not default_root().is_dir():
        raise UserError(
            "the replica site (tests/site/) is not here: run the demo from a zcwatch source checkout"
        )
    workdir = Path(tempfile.mkdtemp(prefix="zcwatch-demo-"))
    db = keep.resolve() if keep else workdir / "demo.sqlite3"
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _ConsoleHook)
    hook.lock = threading.Lock()  # type: ignore[attr-defined]
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        with ReplicaServer() as site:
            cfg_path = workdir / "config.toml"
            hook_url = f"json://127.0.0.1:{hook.server_address[1]}/demo"
            cfg_path.write_text(_config_text(db, site.proxy_url, site.column_url, hook_url), encoding="utf-8")
            config = load_checked(cfg_path)
            print(f"1. Crawling the replica of the committee-notice column at {site.column_url}")
            print(f"   (served on 127.0.0.1 through {site.proxy_url}; database {db})")
            for result in crawl_sources(config, list(config.sources)):
                print(f"   {result.summary()}")
            now = parse_now(DEMO_NOW)
            print(f"\n2. Alerts due at {now:%Y-%m-%d %H:%M} for a subscriber watching 卫生 committees:")
            engine = open_engine(config.resolved_database_url)
            report = notify_due(config, engine, now)
            print(f"\n   {report.summary()}")
            print(f"\n3. The staff deadline digest at {now:%Y-%m-%d %H:%M}:\n")
            from sqlalchemy.orm import Session

            with Session(engine) as s:
                print(render(build_digest(config, s, now), "text"))
            engine.dispose()
    finally:
        hook.shutdown()
    print(
        f"\nDone. Try: zcwatch --config {cfg_path} notices | head\n"
        f"           zcwatch --config {cfg_path} digest --format html --now {DEMO_NOW} --out digest.html"
    )
    return EXIT_OK
