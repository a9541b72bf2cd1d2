"""A local HTTP server that records POSTed JSON, for real Apprise json:// deliveries in tests.

Responses are scriptable so channel failure handling can be tested against real HTTP: fail the next n
requests, fail all, answer 200 with an error body (as WeCom/DingTalk do), or answer slowly.
Apprise's ``json://HOST:PORT/path`` posts ``{"version", "title", "message", "attachments", "type"}``.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.arrivals import Arrivals
from zcwatch.demo.loopback import LoopbackServer, QuietHandler


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the server saw it; ``json`` is None when the body was not JSON."""

    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]
    body: bytes
    json: Any = field(default=None)
    status: int = 200  # what the sink answered


class _SinkHandler(QuietHandler):
    def do_POST(self) -> None:
        self.server.owner._handle(self)

    do_PUT = do_POST
    do_GET = do_POST


class WebhookSink(LoopbackServer):
    """Context manager: a server on 127.0.0.1 (free port) recording requests per path."""

    handler = _SinkHandler
    thread_name = "webhook-sink"

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._requests: Arrivals[ReceivedRequest] = Arrivals("request(s)")
        self._fail_next = 0
        self._fail_next_status = 500
        self._fail_always: int | None = None
        self._reply_status = 200
        self._reply_body: bytes = b"{}"
        self._delay = 0.0
        self._flaky: tuple[float, random.Random, int] | None = None  # share, generator, status

    # --- scripting the responses --------------------------------------------------------------------

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        """Answer the next ``n`` requests with ``status`` (then back to the normal reply)."""
        with self._lock:
            self._fail_next, self._fail_next_status = n, status

    def fail_always(self, status: int = 500) -> None:
        with self._lock:
            self._fail_always = status

    def fail_randomly(self, share: float, seed: int, status: int = 503) -> None:
        """Answer ``status`` to about ``share`` of the requests, drawn from a seeded generator."""
        with self._lock:
            self._flaky = (share, random.Random(seed), status)

    def ok(self) -> None:
        """Back to the default: 200 with ``{}``, no failures, no delay."""
        with self._lock:
            self._fail_next = 0
            self._fail_always = None
            self._reply_status, self._reply_body = 200, b"{}"
            self._delay = 0.0
            self._flaky = None

    def respond_json(self, body: Any, status: int = 200) -> None:
        """Answer every request with this JSON, e.g. ``{"errcode": 93000, "errmsg": "invalid webhook"}``."""
        with self._lock:
            self._reply_status = status
            self._reply_body = json.dumps(body, ensure_ascii=False).encode("utf-8")

    def delay(self, seconds: float) -> None:
        """Wait this long before answering each request (for timeout tests)."""
        with self._lock:
            self._delay = seconds

    # --- reading what arrived -----------------------------------------------------------------------

    @property
    def requests(self) -> list[ReceivedRequest]:
        return self._requests.all()

    def received(self, path: str | None = None) -> list[ReceivedRequest]:
        """Requests in arrival order, optionally only those for ``path``."""
        return [r for r in self.requests if path is None or r.path == path]

    def bodies(self, path: str | None = None) -> list[Any]:
        """Parsed JSON bodies, optionally for one path."""
        return [r.json for r in self.received(path)]

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> list[ReceivedRequest]:
        """Block until at least ``n`` requests arrived; AssertionError otherwise."""
        return self._requests.wait_for(n, timeout)

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def apprise_url(
        self, path: str = "/hook", *, user: str | None = None, password: str | None = None
    ) -> str:
        """``json://127.0.0.1:PORT/hook`` (optionally with user:password, sent as HTTP basic auth)."""
        auth = f"{user}:{password}@" if user and password else (f"{user}@" if user else "")
        return f"json://{auth}{self.host}:{self.port}{path}"

    def wecombot_loopback_env(self, directory: Path, path: str = "/cgi-bin/webhook/send") -> dict[str, str]:
        """Environment for a `zcwatch` subprocess whose wecombot:// URLs post to this sink.

        Apprise's WeCom bot has its endpoint as a class attribute (the in-process tests monkeypatch it);
        a subprocess gets the same patch from a sitecustomize module on PYTHONPATH, and is otherwise the
        real command.
        """
        (directory / "sitecustomize.py").write_text(
            "from apprise.plugins.wecombot import NotifyWeComBot\n"
            f"NotifyWeComBot.notify_url = {self.url(path) + '?key={key}'!r}\n",
            encoding="utf-8",
        )
        return {"PYTHONPATH": str(directory)}

    # --- the server ---------------------------------------------------------------------------------

    def _handle(self, request: QuietHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        try:
            parsed: Any = json.loads(body) if body else None
        except ValueError:
            parsed = None
        path, _, query = request.path.partition("?")
        with self._lock:
            delay = self._delay
            if self._fail_always is not None:
                status, reply = self._fail_always, b'{"error": "failing on purpose"}'
            elif self._fail_next > 0:
                self._fail_next -= 1
                status, reply = self._fail_next_status, b'{"error": "failing on purpose"}'
            elif self._flaky is not None and self._flaky[1].random() < self._flaky[0]:
                status, reply = self._flaky[2], b'{"error": "failing at random"}'
            else:
                status, reply = self._reply_status, self._reply_body
        record = ReceivedRequest(
            method=request.command,
            path=path,
            query=query,
            headers={k: v for k, v in request.headers.items()},
            body=body,
            json=parsed,
            status=status,
        )
        self._requests.add(record)
        if delay:
            self.stopping.wait(delay)
        # A client that gave up (timeout test) gets nothing: reply() ignores the broken pipe.
        request.reply(status, reply, "application/json; charset=utf-8")
