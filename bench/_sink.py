"""The benchmarks' webhook in a process of its own, as a real channel's server is.

In the benchmark's own process the sink's request handling shares the interpreter's lock with the side
being timed: every request it records is Python work interleaved with the sender's, so the figures would
charge each side for the sink's share of the lock as well as for its own work. In a child process the
sink still answers every request before the sender goes on (the send waits for the reply), so a send costs
a whole request-response round trip, as with a real server; only that interleaving is gone.

    with ProcessSink() as sink:
        url = sink.apprise_url("/path")
        ...
        sink.count()                       # requests received so far
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def _serve(conn: Any) -> None:
    from support.webhook import WebhookSink

    with WebhookSink() as sink:
        conn.send((sink.host, sink.port))
        while True:
            asked = conn.recv()
            if asked == "stop":
                return
            conn.send(len(sink.requests))


class ProcessSink:
    def __init__(self) -> None:
        self._conn: Any = None
        self._proc: Any = None
        self.host, self.port = "127.0.0.1", 0

    def __enter__(self) -> ProcessSink:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child,), daemon=True)
        self._proc.start()
        self.host, self.port = self._conn.recv()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._conn.send("stop")
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.kill()

    def apprise_url(self, path: str = "/hook") -> str:
        return f"json://{self.host}:{self.port}{path}"

    def count(self) -> int:
        self._conn.send("count")
        return int(self._conn.recv())
