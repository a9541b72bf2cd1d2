"""Starting a crawl child process and reading its result: the one path shared by CLI, cron and daemon.

The child (``crawler.process``) writes one JSON line, a ``CrawlResult``. If it dies, hangs or writes
something else, the parent closes its crawl record with outcome ``error`` so no run stays "running",
and reports it in one line. With ``progress=True`` the child also gets ``--progress`` and writes a
``\\r``-updated line to our stderr.

The child must never crawl on alone: a second crawler could then hit the site at once. So it runs in
its own process group, and in the main thread SIGTERM, SIGINT and SIGHUP kill that group; the record
is closed as interrupted and ``KeyboardInterrupt`` goes up to the caller only once the child is gone,
so the run lock the caller holds is released after it. The child also inherits the lock's file
descriptor: an flock lives as long as any process holding it, so even a SIGKILLed parent leaves the
lock held until the child (told by ``--parent`` to follow its parent) has exited too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from types import FrameType, TracebackType
from typing import Any

from core.config import Config, Source
from core.errors import ZcwatchError
from core.vocabulary import CrawlOutcome
from crawler.outcome import CrawlResult, clip
from store.lock import held_lock_fd, lock_path

CHILD_TIMEOUT = 3600.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class _ChildStopper:
    """While active (main thread only), a stop signal kills the child's process group and is remembered."""

    def __init__(self) -> None:
        self.child: subprocess.Popen[str] | None = None
        self.signum: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _ChildStopper:
        if threading.current_thread() is threading.main_thread():  # the daemon's jobs run in threads
            self._previous = {s: signal.signal(s, self._stop) for s in STOP_SIGNALS}
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        for signum, handler in self._previous.items():
            if handler is not None:  # None: set outside Python, nothing we can put back
                signal.signal(signum, handler)

    def started(self, child: subprocess.Popen[str]) -> None:
        self.child = child
        if self.signum is not None:  # the signal came while the child was being started
            self.kill()

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        self.signum = signum
        self.kill()

    def kill(self) -> None:
        # SIGKILL: the child has nothing to clean up (SQLite rolls back its open transaction, and the
        # parent closes its record), and it must not send one more request.
        if self.child is not None and self.child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.child.pid, signal.SIGKILL)


def _close_running(config: Config, reason: str) -> None:
    from crawler.process import close_interrupted_runs
    from store.db import open_engine

    engine = open_engine(config.resolved_database_url)
    close_interrupted_runs(engine, reason)
    engine.dispose()


def crawl_source(
    config: Config, source: Source, *, full: bool = False, progress: bool = False, since: str | None = None
) -> CrawlResult:
    cmd = [sys.executable, "-m", "crawler.process", "--config", str(config.path), "--source", source.name]
    cmd += ["--parent", str(os.getpid())]
    if full:
        cmd.append("--full")
        if since:
            cmd += ["--since", since]
    if progress:
        # The child draws its progress line on our stderr (a terminal); stdout stays the JSON channel.
        cmd.append("--progress")
    lock_fd = held_lock_fd(lock_path(config, "run"))
    with _ChildStopper() as stopper:
        child = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=None if progress else subprocess.PIPE,
            text=True,
            start_new_session=True,
            pass_fds=() if lock_fd is None else (lock_fd,),
        )
        stopper.started(child)
        try:
            stdout, stderr = child.communicate(timeout=CHILD_TIMEOUT)
        except subprocess.TimeoutExpired:
            stopper.kill()
            stdout, _ = child.communicate()
            stderr = f"the crawl did not finish within {CHILD_TIMEOUT:.0f} s and was stopped"
    if stopper.signum is not None:
        name = signal.Signals(stopper.signum).name
        _close_running(config, f"interrupted by {name}: the crawl was stopped")
        raise KeyboardInterrupt(name)
    lines = [x for x in stdout.splitlines() if x.strip()]
    try:
        if len(lines) != 1:
            raise ZcwatchError(f"expected one result line, got {len(lines)}")
        return CrawlResult.from_json(lines[0])
    except ZcwatchError as e:
        # A crash leaves no line (its traceback ends on stderr); a line that is not a result says why.
        last = [x for x in (stderr or "").strip().splitlines() if x.strip()]
        why = clip(str(e)) if lines or not last else last[-1]
        reason = f"the crawl process failed: {why}"
        _close_running(config, reason)
        return CrawlResult(source=source.name, outcome=CrawlOutcome.ERROR, reason=reason)


def crawl_sources(
    config: Config, sources: list[Source], *, full: bool = False, progress: bool = False
) -> list[CrawlResult]:
    """Crawl each source in turn; one failing source never stops the others."""
    return [crawl_source(config, s, full=full, progress=progress) for s in sources]
