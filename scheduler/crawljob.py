"""Starting a crawl child process and reading its result: the one path shared by CLI, cron and daemon.

The child (``crawler.process``) writes one JSON line, a ``CrawlResult``. If it dies, hangs or writes
something else, the parent closes its crawl record with outcome ``error`` so no run stays "running",
and reports it in one line. With ``progress=True`` the child also gets ``--progress`` and writes a
``\\r``-updated line to our stderr.
"""

from __future__ import annotations

import subprocess
import sys

from core.config import Config, Source
from core.errors import ZcwatchError
from core.vocabulary import CrawlOutcome
from crawler.outcome import CrawlResult, clip

CHILD_TIMEOUT = 3600.0


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
    if full:
        cmd.append("--full")
        if since:
            cmd += ["--since", since]
    if progress:
        # The child draws its progress line on our stderr (a terminal); stdout stays the JSON channel.
        cmd.append("--progress")
    try:
        proc = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=None if progress else subprocess.PIPE,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
        stdout, stderr = proc.stdout, proc.stderr or ""
    except subprocess.TimeoutExpired as e:
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        stderr = f"the crawl did not finish within {CHILD_TIMEOUT:.0f} s and was stopped"
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
