"""The replica of the Guangzhou HR bureau's committee-notice column, served from package data as a proxy.

``zcwatch demo`` and the tests cannot reach rsj.gz.gov.cn (the machine may have no internet, and nothing may
depend on a government site's uptime), so this server answers for the real host names from the static files
under ``site/<host>/…`` beside this module (see ``site/README.md``). Clients use it as an HTTP proxy: requests
arrive as ``GET http://rsj.gz.gov.cn/path HTTP/1.1`` and are dispatched on the URI's host, so the crawler runs
with its real URLs and only a proxy setting differs. Answers carry ETag and Last-Modified and honour
conditional requests, as the real site does.

The fault-injecting replica of the test suite (hangs, challenges, edits in place, …) extends this class in
``tests/support/replica.py``; nothing of that ships.
"""

from __future__ import annotations

import hashlib
import mimetypes
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from zcwatch.demo.loopback import LoopbackServer, QuietHandler

__all__ = [
    "COLUMN_PATH",
    "COLUMN_URL",
    "DEFAULT_HOST",
    "HOST_CHARSET",
    "NOT_FOUND",
    "Page",
    "StaticReplica",
    "etag_of",
    "site_root",
]

DEFAULT_HOST = "rsj.gz.gov.cn"
COLUMN_PATH = "/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
COLUMN_URL = f"http://{DEFAULT_HOST}{COLUMN_PATH}"

# The charset each host puts in Content-Type for its HTML. wjw.gz.gov.cn sends bare "text/html" and
# leaves the charset to the page (a <meta> on one page, nothing at all on the other), as GBK sites do.
HOST_CHARSET: dict[str, str | None] = {
    "rsj.gz.gov.cn": "UTF-8",
    "wjw.gz.gov.cn": None,
    "www.gzhmu.edu.cn": "utf-8",
}

NOT_FOUND = (
    '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>404 页面不存在</title></head>'
    '<body><div class="error"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除。</p>'
    '<p><a href="http://rsj.gz.gov.cn/">返回首页</a></p></div></body></html>'
)

# (body, content type, etag, mtime) of a page, or the path to redirect to (a folder without its slash).
Page = tuple[bytes, str, str, float]


def site_root() -> Path:
    """The replica's pages: package data of zcwatch.demo, present in a wheel and in a checkout alike."""
    return Path(__file__).resolve().parent / "site"


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class SiteHandler(QuietHandler):
    """GET/HEAD for the replica; subclasses hook in before the lookup (faults) and around sending (a log)."""

    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self.serve(head=False)

    def do_HEAD(self) -> None:
        self.serve(head=True)

    def do_CONNECT(self) -> None:
        # HTTPS tunnelling is not replicated: the listing links use http:// (see site/README.md).
        self.send_page(501, b"CONNECT not supported by the replica\n", "text/plain; charset=utf-8", False)

    def target(self) -> tuple[str, str]:
        """(host, path with query) of the request, from a proxy-style absolute URI or the Host header."""
        raw = self.path
        if raw.startswith(("http://", "https://")):
            parts = urlsplit(raw)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return (parts.hostname or DEFAULT_HOST).lower(), path
        host = (self.headers.get("Host") or "").split(":", 1)[0].lower()
        if not host or host in ("127.0.0.1", "localhost"):
            host = DEFAULT_HOST
        return host, raw or "/"

    def serve(self, head: bool) -> None:
        host, path = self.target()
        self.answer_page(host, path, self.server.owner.lookup(host, path), head)

    def answer_page(self, host: str, path: str, found: Page | str | None, head: bool) -> None:
        if found is None:
            self.send_page(404, NOT_FOUND.encode(), "text/html; charset=utf-8", head)
            return
        if isinstance(found, str):
            self.send_page(301, b"", "text/html", head, {"Location": f"http://{host}{found}"})
            return
        body, ctype, etag, mtime = found
        validators = {"ETag": etag, "Last-Modified": formatdate(mtime, usegmt=True)}
        if self.not_modified(etag, mtime):
            self.send_page(304, b"", None, True, validators)
            return
        self.send_page(200, body, ctype, head, validators)

    def not_modified(self, etag: str, mtime: float) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims:
            try:
                since = parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError, IndexError):
                return False
            return int(mtime) <= int(since)
        return False

    def send_page(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        head: bool,
        headers: dict[str, str] | None = None,
    ) -> int:
        return self.reply(status, body, content_type, headers, head=head)


class StaticReplica(LoopbackServer):
    """Serves ``site/<host>/…`` to clients that use it as an HTTP proxy; see the module docstring."""

    handler = SiteHandler
    thread_name = "zcwatch-replica"
    column_url = COLUMN_URL

    def __init__(self, root: Path | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.root = (root or site_root()).resolve()
        if not self.root.is_dir():
            raise FileNotFoundError(f"replica site not found: {self.root}")

    @property
    def proxy_url(self) -> str:
        return self.base_url

    @staticmethod
    def path_key(path: str) -> str:
        """The file path a request path names: no query or fragment, unquoted, folders as index.html."""
        if path.startswith(("http://", "https://")):
            path = urlsplit(path).path or "/"
        path = unquote(path.split("?", 1)[0].split("#", 1)[0]) or "/"
        return path + "index.html" if path.endswith("/") else path

    @staticmethod
    def content_type(path: str, charset: str | None) -> str:
        if path.endswith((".html", ".htm")):
            return f"text/html; charset={charset}" if charset else "text/html"
        if path.endswith(".txt"):
            return "text/plain"
        guessed, _ = mimetypes.guess_type(path)
        return guessed or "application/octet-stream"

    def lookup(self, host: str, raw_path: str) -> Page | str | None:
        """The page at host + path, a redirect target path, or None for 404; never a file outside the site."""
        path = self.path_key(raw_path)
        host_dir = (self.root / host).resolve()
        if not host.replace(".", "").replace("-", "").isalnum() or not host_dir.is_dir():
            return None
        file = (host_dir / path.lstrip("/")).resolve()
        if not file.is_relative_to(host_dir):
            return None
        if file.is_dir():
            return path + "/"
        if not file.is_file():
            return None
        body = file.read_bytes()
        return body, self.content_type(path, HOST_CHARSET.get(host)), etag_of(body), file.stat().st_mtime
