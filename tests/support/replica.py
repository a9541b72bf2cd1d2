"""The test suite's replica of the column: the demo's static replica, plus what a real site does to a crawler.

``zcwatch.demo.replica.StaticReplica`` serves the pages shipped with the package (``zcwatch/demo/site/``) as
an HTTP proxy, with conditional requests. This subclass adds what tests need and users never do: a log of
every request, edits in place, new notices appearing on page 1, and faults (5xx, hangs, WAF cookie
challenges, a changed layout, oversized bodies, robots.txt closing the site). It lives in tests/ so none of
it ships in the wheel.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html as htmllib
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from zcwatch.demo.replica import (
    COLUMN_PATH,
    COLUMN_URL,
    DEFAULT_HOST,
    HOST_CHARSET,
    NOT_FOUND,
    Page,
    SiteHandler,
    StaticReplica,
    etag_of,
    site_root,
)

__all__ = [
    "COLUMN_URL",
    "FAULTS",
    "HOST_CHARSET",
    "NOT_FOUND",
    "LoggedRequest",
    "ReplicaServer",
    "default_root",
    "render_layout_variant",
]

FAULTS = frozenset(
    {
        "http500",
        "http503",
        "hang",
        "challenge412",
        "challenge521",
        "challenge200",
        "layout",
        "too_large",
        "robots_disallow_all",
    }
)
HANG_SECONDS = 30.0
TOO_LARGE_BYTES = 12 * 1024 * 1024

# Ruishu-style (412) and Jiasule-style (521) WAF answers: a script computes a cookie and reloads.
CHALLENGE_412 = (
    '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    '<meta id="9DhefwqGPrzGxEp9hPaoag" content="ZmFrZS10b2tlbi1mb3ItdGVzdHM=" r="m">'
    '<script type="text/javascript" r="m">$_ts=window["$_ts"];if(!$_ts)$_ts={};$_ts.nsd=78342;'
    '$_ts.cd="qqqqrrAlEcEqqqqqqqqqqq";</script>'
    '<script type="text/javascript" charset="utf-8" src="/4QbVtADbnLVIc/d.FxJzG50F.dfe1675.js" r="m">'
    "</script>"
    "</head><body><script>document.cookie='FSSBBIl1UgzbN7N80S=' + $_ts.nsd + '; path=/';"
    "location.reload();</script></body></html>"
)
CHALLENGE_521 = (
    "<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
    "+('a')+('n')+('c')+('e')+('_')+('s')+('=')+(+new Date()/1000|0)+'.123|0|abcdef%3D'"
    "+';max-age=3600;path=/';location.href=location.pathname+location.search</script></body></html>"
)
CHALLENGE_200 = (
    '<html><head><meta charset="utf-8"></head><body><script type="text/javascript">'
    'document.cookie="acw_sc__v2=6757d0a3f1b7c; path=/; max-age=3600";location.reload();'
    "</script></body></html>"
)
ERROR_5XX = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{code} 服务暂不可用</title></head>'
    "<body><h1>{code}</h1><p>服务器繁忙，请稍后再试。</p><hr><address>nginx</address></body></html>"
)
ROBOTS_DISALLOW_ALL = "User-agent: *\nDisallow: /\n"

_LISTING_NAME = re.compile(r"^index(?:_\d+)?\.html$")
_LI = re.compile(r"<li(?P<attrs>[^>]*)>\s*<h4>(?P<inner>.*?)</h4>\s*(?P<after>.*?)</li>", re.S)
_HREF = re.compile(r'href="([^"]*)"')
_TITLE_ATTR = re.compile(r'title="([^"]*)"')
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def default_root() -> Path:
    """The pages the replica serves: zcwatch/demo/site (package data)."""
    return site_root()


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    host: str
    path: str
    headers: dict[str, str]
    status: int
    bytes_sent: int


@dataclass
class _Override:
    body: bytes
    content_type: str
    etag: str
    last_modified: float


@dataclass
class _State:
    overrides: dict[tuple[str, str], _Override] = field(default_factory=dict)
    # New notices shown at the top of page 1, newest first: (title, url, date).
    added_items: list[tuple[str, str, str]] = field(default_factory=list)
    faults: dict[str | None, str] = field(default_factory=dict)
    last_stamp: float = 0.0


def _listing_items(page: str) -> list[tuple[str, str, str]]:
    """(title, url, date) of the known-template listing items, read back from the replica's own markup."""
    items = []
    for m in _LI.finditer(page):
        inner = m.group("inner")
        href = _HREF.search(inner)
        title = _TITLE_ATTR.search(inner)
        date = _DATE.search(m.group("after"))
        if href and title:
            items.append(
                (htmllib.unescape(title.group(1)).strip(), href.group(1), date.group(0) if date else "")
            )
    return items


def render_layout_variant(page: str) -> str:
    """The same listing in a redesigned template, so the known selectors find nothing.

    Looks like a plausible CMS upgrade: different classes, dates as 2025年01月06日 beside the link,
    a text-labelled pager; the column name meta is gone too.
    """
    rows = []
    for title, url, date in _listing_items(page):
        y, m, d = [*date.split("-"), "", "", ""][:3]
        shown = f"{y}年{m}月{d}日" if date else ""
        rows.append(
            f'<div class="zc-item"><p class="zc-tit"><a href="{htmllib.escape(url)}" target="_blank">'
            f'{htmllib.escape(title)}</a></p><p class="zc-date">{shown}</p></div>'
        )
    pager = []
    for cls, label in (("next", "下一页"), ("last", "尾页")):
        m2 = re.search(rf'<a class="{cls}" href="([^"]*)"', page)
        if m2:
            pager.append(f'<a href="{m2.group(1)}">{label}</a>')
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>评委会评审通知</title>'
        '<link rel="stylesheet" href="/static/v2/css/main.css"></head><body>'
        '<header class="site-head"><a href="http://rsj.gz.gov.cn/">首页</a> <a href="http://rsj.gz.gov.cn/zwgk/">'
        '政务公开</a> <a href="http://rsj.gz.gov.cn/zwfw/">政务服务</a></header>'
        '<section class="zc-list">' + "".join(rows) + "</section>"
        '<nav class="pagination">' + " ".join(pager) + "</nav>"
        '<footer class="site-foot">主办单位：广州市人力资源和社会保障局</footer></body></html>\n'
    )


def _insert_items(page: str, items: list[tuple[str, str, str]]) -> str:
    """Insert new <li> rows after the pinned ones (class="top") at the top of the infoList."""
    rows = "".join(
        f'\n      <li>\n        <h4><a href="{htmllib.escape(url)}" target="_blank" title="\t\t\t'
        f'{htmllib.escape(title)}\t\t\t">{htmllib.escape(title)}</a></h4>\n'
        f'        <span class="time">[ {date} ]</span>\n      </li>'
        for title, url, date in items
    )
    pinned_end = 0
    for m in _LI.finditer(page):
        if 'class="top"' in m.group("attrs"):
            pinned_end = m.end()
    if pinned_end:
        return page[:pinned_end] + rows + page[pinned_end:]
    marker = '<ul class="infoList">'
    at = page.find(marker)
    if at < 0:
        return page
    at += len(marker)
    return page[:at] + rows + page[at:]


class _Handler(SiteHandler):
    def serve(self, head: bool) -> None:
        replica: ReplicaServer = self.server.owner
        host, path = self.target()
        self._host, self._logpath = host, path
        fault = replica._fault_for(path)
        if fault is not None and self._apply_fault(fault, head):
            return
        found = replica.lookup(host, path)
        if (
            fault == "layout"
            and isinstance(found, tuple)
            and _LISTING_NAME.match(path.rsplit("/", 1)[-1] or "index.html")
        ):
            body = render_layout_variant(found[0].decode("utf-8")).encode("utf-8")
            found = (body, found[1], etag_of(body), found[3])
        self.answer_page(host, path, found, head)

    def _apply_fault(self, fault: str, head: bool) -> bool:
        """Answer with the fault if it applies to this request; False lets the normal answer through."""
        replica: ReplicaServer = self.server.owner
        is_robots = self._logpath.split("?", 1)[0] == "/robots.txt"
        if fault == "robots_disallow_all":
            if not is_robots:
                return False
            self.send_page(200, ROBOTS_DISALLOW_ALL.encode(), "text/plain", head)
            return True
        if fault == "layout":
            return False  # handled after lookup, listing pages only
        if fault == "hang":
            wake = replica._wake
            wake.wait(HANG_SECONDS)
            if wake.is_set():
                # Woken by reset() or stop(): drop the connection and stay out of the request log,
                # which by now belongs to whoever reset the server.
                self.close_connection = True
                return True
            return False
        if fault in ("http500", "http503"):
            code = 500 if fault == "http500" else 503
            extra = {"Retry-After": "120"} if code == 503 else None
            page = ERROR_5XX.format(code=code).encode()
            self.send_page(code, page, "text/html; charset=utf-8", head, extra)
            return True
        if fault == "challenge412":
            extra = {"Set-Cookie": "FSSBBIl1UgzbN7N80O=fake; Path=/; HttpOnly"}
            self.send_page(412, CHALLENGE_412.encode(), "text/html; charset=utf-8", head, extra)
            return True
        if fault == "challenge521":
            extra = {"Set-Cookie": "__jsluid_h=0123456789abcdef; max-age=31536000; path=/; HttpOnly"}
            self.send_page(521, CHALLENGE_521.encode(), "text/html", head, extra)
            return True
        if fault == "challenge200":
            self.send_page(200, CHALLENGE_200.encode(), "text/html; charset=utf-8", head)
            return True
        if fault == "too_large":
            self._send_large(head)
            return True
        return False

    def send_page(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        head: bool,
        headers: dict[str, str] | None = None,
    ) -> int:
        planned = len(body) if not head and status != 304 else 0
        # Logged before the response leaves, so a client that has its answer always finds it in the log.
        entry = self._log_planned(status, planned)
        sent = super().send_page(status, body, content_type, head, headers)
        if sent < planned:
            self.server.owner._correct_log(entry, sent)
        return sent

    def _send_large(self, head: bool) -> None:
        chunk = b"<!-- " + b"x" * (64 * 1024 - 9) + b" -->\n"
        prefix = b'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"></head><body>\n'
        entry = self._log_planned(200, 0 if head else TOO_LARGE_BYTES)
        sent = 0
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=UTF-8")
            self.send_header("Content-Length", str(TOO_LARGE_BYTES))
            self.end_headers()
            if not head:
                self.wfile.write(prefix)
                sent = len(prefix)
                while sent < TOO_LARGE_BYTES:
                    piece = chunk[: TOO_LARGE_BYTES - sent]
                    self.wfile.write(piece)
                    sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            # A client with a size limit hangs up early: record what actually went out.
            self.close_connection = True
            self.server.owner._correct_log(entry, sent)

    def _log_planned(self, status: int, planned: int) -> LoggedRequest:
        host, path = getattr(self, "_host", None), getattr(self, "_logpath", None)
        if host is None or path is None:  # CONNECT: never dispatched
            host, path = self.target()
        entry = LoggedRequest(self.command, host, path, dict(self.headers.items()), status, planned)
        self.server.owner._append_log(entry)
        return entry


class ReplicaServer(StaticReplica):
    """The demo's replica with a request log, edits, added items and faults; see the module docstring."""

    handler = _Handler

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(root, host, port)
        self._lock = threading.Lock()
        self._log_entries: list[LoggedRequest] = []
        self._state = _State()
        self._wake = threading.Event()  # wakes handlers sleeping in the "hang" fault

    def start(self) -> ReplicaServer:
        self._wake = threading.Event()
        return super().start()

    def stop(self) -> None:
        self._wake.set()
        super().stop()

    # -- request log

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log_entries)

    def clear_log(self) -> None:
        with self._lock:
            self._log_entries.clear()

    def _append_log(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log_entries.append(entry)

    def _correct_log(self, entry: LoggedRequest, sent: int) -> None:
        with self._lock:
            for i, logged in enumerate(self._log_entries):
                if logged is entry:
                    self._log_entries[i] = dataclasses.replace(entry, bytes_sent=sent)
                    break

    # -- behaviour changes

    def set_fault(self, fault: str | None, path: str | None = None) -> None:
        """Inject a fault for one path (e.g. "/robots.txt" or a page's path) or, with path=None, everything.

        fault=None clears the fault for that path.
        """
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULTS))}")
        key = self.path_key(path) if path is not None else None
        with self._lock:
            if fault is None:
                self._state.faults.pop(key, None)
            else:
                self._state.faults[key] = fault

    def edit(self, url: str, html: str | bytes) -> None:
        """Replace a page's content in place; it gets a new ETag and a later Last-Modified."""
        host, path = self._split_url(url)
        body = html.encode("utf-8") if isinstance(html, str) else html
        charset = "UTF-8" if isinstance(html, str) else HOST_CHARSET.get(host)
        ctype = self.content_type(path, charset)
        with self._lock:
            self._state.overrides[(host, path)] = _Override(body, ctype, etag_of(body), self._next_stamp())

    def add_listing_item(self, title: str, url: str, date: str, html: str) -> None:
        """A new notice appears at the top of page 1 (below the pinned items) and its page is served at url.

        Only page 1 grows: the replica does not push its last item over to page 2.
        """
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise ValueError(f"date must be YYYY-MM-DD, got {date!r}")
        self.edit(url, html)
        with self._lock:
            self._state.added_items.insert(0, (title, url, date))
            self._state.last_stamp = self._next_stamp()

    def reset(self) -> None:
        """Drop faults, edits and added items (the request log is kept; see clear_log)."""
        with self._lock:
            self._state = _State(last_stamp=self._state.last_stamp)
            self._wake.set()
            self._wake = threading.Event()

    # -- internals used by the handler

    def _next_stamp(self) -> float:
        # Last-Modified has one-second resolution: keep every change strictly later than the previous one
        # and than any file, so If-Modified-Since never hides an edit made within the same second.
        stamp = max(float(int(time.time())), self._state.last_stamp + 1)
        self._state.last_stamp = stamp
        return stamp

    def _fault_for(self, path: str) -> str | None:
        key = self.path_key(path)
        with self._lock:
            return self._state.faults.get(key) or self._state.faults.get(None)

    @staticmethod
    def _split_url(url: str) -> tuple[str, str]:
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"need an absolute http:// URL, got {url!r}")
        return parts.hostname.lower(), ReplicaServer.path_key(parts.path or "/")

    def lookup(self, host: str, raw_path: str) -> Page | str | None:
        """An edited page, page 1 with the added items, or the file (see StaticReplica.lookup)."""
        path = self.path_key(raw_path)
        with self._lock:
            override = self._state.overrides.get((host, path))
            added = list(self._state.added_items)
            stamp = self._state.last_stamp
        if override is not None:
            return override.body, override.content_type, override.etag, override.last_modified
        found = super().lookup(host, raw_path)
        if added and isinstance(found, tuple) and host == DEFAULT_HOST and path == COLUMN_PATH + "index.html":
            body = _insert_items(found[0].decode("utf-8"), added).encode("utf-8")
            return body, found[1], etag_of(body), max(found[3], stamp)
        return found


if __name__ == "__main__":  # manual use: python tests/support/replica.py, then point a browser's proxy at it
    with ReplicaServer() as replica:
        print(f"replica proxy on {replica.proxy_url}; column {replica.column_url}")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)
