"""A small hostile web site on 127.0.0.1 for crawl tests: the pages that broke real polls.

Used as an HTTP proxy, like the replica (the test replica (``tests/support/replica.py``)): requests arrive as
``GET http://rsj.gz.gov.cn/path`` and are answered from the routes a test registered for that
URL, so the crawler runs with real host names (redirect rules depend on them) and only its proxy
setting points here. Every request is logged with the moment it arrived.

Routes (each a function of the request handler): ``page`` (any body, status and headers),
``slow`` (answers after a pause), ``redirect``, ``chunked`` (a body with no Content-Length, too
large), ``gzip_bomb`` (a few KB that inflate to megabytes) and ``trap`` (listing pages that
always link one more page with one more item). ``listing_html`` and ``notice_html`` write pages
in the column's CMS template. robots.txt allows everything unless a test routes it.

Built on the one loopback server base, ``zcwatch.demo.loopback``.
"""

from __future__ import annotations

import gzip
import html as htmllib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from support.cli import Ran, run_timed, zcwatch_exe
from zcwatch.demo.loopback import LoopbackServer, QuietHandler

__all__ = [
    "COLUMN",
    "Hit",
    "HostileEnv",
    "HostileServer",
    "chunked",
    "gzip_bomb",
    "hostile_fixture",
    "listing_html",
    "notice_html",
    "page",
    "redirect",
    "slow",
    "trap",
]

COLUMN = "http://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
ALLOW_ALL = "User-agent: *\nAllow: /\n"


@dataclass(frozen=True)
class Hit:
    """One request as the server saw it; ``at`` is time.monotonic() when it arrived."""

    host: str
    path: str
    headers: dict[str, str]
    at: float

    @property
    def url(self) -> str:
        return f"http://{self.host}{self.path}"


Route = Callable[["_Handler"], None]


class _Handler(QuietHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        host = (parts.hostname or self.headers.get("Host", "").split(":", 1)[0]).lower()
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        site: HostileServer = self.server.owner
        site._log(Hit(host, path, dict(self.headers.items()), time.monotonic()))
        self.url = f"http://{host}{path}"
        route = site._route_for(self.url)
        if route is not None:
            route(self)
        elif path == "/robots.txt":
            self.send(200, ALLOW_ALL.encode(), "text/plain")
        else:
            self.send(404, b"<html><body><p>404</p></body></html>")

    def do_CONNECT(self) -> None:
        self.send(501, b"no HTTPS tunnels here\n", "text/plain")

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.reply(status, body, content_type, headers)


class HostileServer(LoopbackServer):
    """Context manager: the proxy on a free 127.0.0.1 port, answering from registered routes."""

    handler = _Handler
    thread_name = "hostile-site"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._routes: dict[str, Route] = {}
        self._prefixes: dict[str, Route] = {}
        self._hits: list[Hit] = []

    @property
    def proxy_url(self) -> str:
        return self.base_url

    def route(self, url: str, answer: Route) -> None:
        """Answer requests for ``url``; a URL ending in ``*`` answers every URL that starts with it."""
        with self._lock:
            if url.endswith("*"):
                self._prefixes[url[:-1]] = answer
            else:
                self._routes[url] = answer

    @property
    def hits(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def urls(self, *, robots: bool = False) -> list[str]:
        """The URLs asked for, in order; robots.txt left out unless asked for."""
        return [h.url for h in self.hits if robots or urlsplit(h.url).path != "/robots.txt"]

    def _log(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def _route_for(self, url: str) -> Route | None:
        with self._lock:
            if url in self._routes:
                return self._routes[url]
            matches = [p for p in self._prefixes if url.startswith(p)]
            return self._prefixes[max(matches, key=len)] if matches else None


# ------------------------------------------------------------------------------------------------ routes


def page(body: str | bytes, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return lambda h: h.send(status, data, headers=headers)


def slow(body: str, seconds: float) -> Route:
    """The page after a pause (cut short, unanswered, when the server stops)."""

    def answer(h: _Handler) -> None:
        if not h.server.owner.stopping.wait(seconds):
            h.send(200, body.encode("utf-8"))

    return answer


def redirect(location: str, status: int = 301) -> Route:
    return lambda h: h.send(status, b"", headers={"Location": location})


def chunked(total: int) -> Route:
    """An HTML page of ``total`` bytes sent with Transfer-Encoding: chunked, so no Content-Length warns."""

    def answer(h: _Handler) -> None:
        piece = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        try:
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            sent = 0
            while sent < total:
                h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
            h.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):  # the crawler hung up at its size cap
            h.close_connection = True

    return answer


def gzip_bomb(inflated: int) -> Route:
    """A gzip-encoded body of a few KB that inflates to ``inflated`` bytes of HTML."""
    body = gzip.compress(b"<html><body>" + b" " * inflated + b"</body></html>", compresslevel=9)
    return lambda h: h.send(200, body, headers={"Content-Encoding": "gzip"})


def trap(column: str, item_host: str) -> Route:
    """Listing pages index_N.html without end: each links page N+1 and lists one new item on item_host."""

    def answer(h: _Handler) -> None:
        m = re.search(r"index_(\d+)\.html$", h.url)
        n = int(m.group(1)) if m else 1
        item = (f"关于第{n}批职称评审工作的通知", f"http://{item_host}/zc/{n}.html", "2026-11-20")
        h.send(200, listing_html([item], next_url=f"{column}index_{n + 1}.html").encode("utf-8"))

    return answer


# ------------------------------------------------------------------------------------------------- pages


def listing_html(items: Sequence[tuple[str, str, str]], next_url: str | None = None) -> str:
    """A listing page in the column's CMS template: (title, url, date) rows and an optional next link."""
    rows = "".join(
        f'<li><h4><a href="{htmllib.escape(url)}" title="\t{htmllib.escape(title)}\t">{htmllib.escape(title)}'
        f'</a></h4><span class="time">[ {date} ]</span></li>\n'
        for title, url, date in items
    )
    pager = (
        f'<div id="page_div"><a class="next" href="{htmllib.escape(next_url)}">下一页</a></div>'
        if next_url
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="ColumnName" content="评委会评审通知"><title>评委会评审通知</title></head><body>\n'
        f'<div class="pageList"><ul class="infoList">\n{rows}</ul></div>{pager}\n</body></html>\n'
    )


def notice_html(title: str, paragraphs: Sequence[str], published: str = "2026-11-20 10:00") -> str:
    """A notice page in the column's CMS template (the "ucap" one crawler.pages reads first)."""
    body = "".join(f"<p>{htmllib.escape(p)}</p>\n" for p in paragraphs)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="ArticleTitle" content="{htmllib.escape(title)}"><title>{htmllib.escape(title)}</title>'
        '</head><body>\n<div class="header"><a href="/">首页</a> <a href="/zwgk/">政务公开</a></div>\n'
        f'<div class="time"><span class="publishTime"><publishtime>{published}</publishtime></span>'
        '<span class="resourse">来源：<font>广州市人力资源和社会保障局</font></span></div>\n'
        f'<div class="content"><ucapcontent>\n{body}</ucapcontent></div>\n'
        '<div class="footer">主办单位：广州市人力资源和社会保障局</div>\n</body></html>\n'
    )


# ------------------------------------------------------------------------------------------- test setup


@dataclass
class HostileEnv:
    """A config and SQLite file in ``dir`` crawling ``COLUMN`` through the hostile server."""

    dir: Path
    server: HostileServer
    crawl: dict[str, Any] = field(default_factory=dict)  # extra [crawl] keys
    extra: str = ""  # more TOML at the end, e.g. an [admin] table

    @property
    def db_path(self) -> Path:
        return self.dir / "z.sqlite3"

    @property
    def config_path(self) -> Path:
        return self.dir / "zcwatch.toml"

    def write_config(self) -> Path:
        crawl = {"delay": 0, "timeout": 5, "contact": "zc-ops@example.org", "proxy": self.server.proxy_url}
        crawl |= self.crawl
        lines = ["[database]", f'url = "sqlite:///{self.db_path.as_posix()}"', "", "[crawl]"]
        lines += [f"{k} = {_toml(v)}" for k, v in crawl.items()]
        lines += ["", "[[sources]]", 'name = "hostile"', f'url = "{COLUMN}"', "", self.extra]
        self.config_path.write_text("\n".join(lines), encoding="utf-8")
        return self.config_path

    def command(self, *args: str) -> list[str]:
        self.write_config()
        return [zcwatch_exe(), "--config", str(self.config_path), *args]

    def env(self) -> dict[str, str]:
        # A no_proxy covering the test host names would bypass the server; ZCWATCH_CONFIG must not leak in.
        return {k: v for k, v in os.environ.items() if k.lower() != "no_proxy" and k != "ZCWATCH_CONFIG"}

    def zcwatch(self, *args: str, timeout: float = 60) -> Ran:
        return run_timed(self.command(*args), cwd=self.dir, env=self.env(), timeout=timeout)

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        conn = sqlite3.connect(self.db_path)
        try:
            return [tuple(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def runs(self) -> list[tuple[Any, ...]]:
        """(outcome, error) of every crawl run, oldest first."""
        return self.query("SELECT outcome, error FROM crawl_runs ORDER BY id")


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


@pytest.fixture(name="hostile")
def hostile_fixture() -> Iterator[HostileServer]:
    """A started HostileServer with no routes, stopped after the test."""
    with HostileServer() as server:
        yield server
