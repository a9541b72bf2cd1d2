"""The one small HTTP server base: a ``ThreadingHTTPServer`` on 127.0.0.1 in a daemon thread.

Everything zcwatch serves on loopback is built on it: the demo's replica site and console hook here, and in
the test suite the fault-injecting replica, the webhook sink and the hostile site (``tests/support/``). A
subclass names its request handler; the handler reaches its owner as ``self.server.owner``, and answers
with :meth:`QuietHandler.reply`, which tells how many body bytes went out (0 when the client hung up).

``stopping`` is set by :meth:`LoopbackServer.stop`, so a handler that pauses (a slow answer, a hang) wakes
up and lets the server stop at once. Standard library only.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self

__all__ = ["LoopbackServer", "QuietHandler", "Running"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # stop() must not wait for a handler that is pausing; `stopping` wakes those anyway.
    block_on_close = False
    owner: Any


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler with no access log on stderr (the owners keep their own records)."""

    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        return

    def reply(
        self,
        status: int,
        body: bytes,
        content_type: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
        *,
        head: bool = False,
    ) -> int:
        """Send one whole answer; returns the body bytes written (0 for HEAD, 304, or a client gone)."""
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if head or status == 304 or not body:
                return 0
            self.wfile.write(body)
            return len(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return 0


class Running:
    """``start()`` and ``stop()`` as a context manager: the lifecycle every local server shares (the test
    suite's aiosmtpd sink too, which runs on asyncio rather than on http.server)."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class LoopbackServer(Running):
    """Context manager: ``handler`` served on ``host`` (127.0.0.1) at a free port until :meth:`stop`."""

    handler: ClassVar[type[QuietHandler]]
    thread_name: ClassVar[str] = "zcwatch-loopback"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._bind = (host, port)
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Self:
        if self._server is not None:
            return self
        self.stopping = threading.Event()
        server = _Server(self._bind, self.handler)
        server.owner = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the base URL, and the proxy URL of the proxy-style servers."""
        return f"http://{self.host}:{self.port}"
