"""Starting a crawl child process and reading its result: the one path shared by CLI, cron and daemon.

The child (``crawler.process``) prints ``{"run_id": N}`` as soon as the crawl-run record
exists, then one JSON result line. If it dies or hangs, the parent closes that record with
outcome ``error`` so no run stays "running" forever, and reports it in one line. With
``progress=True`` the child also gets ``--progress`` and writes a ``\\r``-updated line to our stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from core.config import Config, Source

CHILD_TIMEOUT = 3600.0
OK_OUTCOMES = ("ok",)


@dataclass(frozen=True)
class CrawlResult:
    source: str
    outcome: str
    reason: str = ""
    requests: int = 0
    bytes: int = 0
    items_seen: int = 0
    new: int = 0
    changed: int = 0
    failed: int = 0
    still_failing: int = 0  # notices that failed in an earlier crawl too (reported then)
    not_modified: bool = False
    seconds: float = 0.0
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in OK_OUTCOMES

    def summary(self) -> str:
        if self.ok:
            what = (
                "nothing changed"
                if self.not_modified
                else f"{self.items_seen} listed, {self.new} new, {self.changed} changed"
            )
            still = (
                f" ({self.still_failing} notice(s) still failing since an earlier crawl)"
                if self.still_failing
                else ""
            )
            return (
                f"{self.source}: ok, {what}{still}; {self.requests} requests, "
                f"{self.bytes / 1024:.0f} KiB in {self.seconds:.1f} s"
            )
        return f"{self.source}: {self.outcome}: {self.reason or 'no details'}"


def _close_orphan(config: Config, run_id: int, reason: str) -> None:
    from store.db import open_engine, transaction
    from store.models import CrawlRun
    from store.notices import finish_run

    engine = open_engine(config.resolved_database_url)
    with transaction(engine) as s:
        run = s.get(CrawlRun, run_id)
        if run is not None and run.outcome == "running":
            finish_run(s, run_id, "error", error=reason[:500])
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
    lines = [json.loads(x) for x in stdout.splitlines() if x.startswith("{")]
    run_id = next((x["run_id"] for x in lines if "run_id" in x), None)
    final: dict[str, Any] | None = next((x for x in reversed(lines) if "outcome" in x), None)
    if final is None:
        last = [x for x in stderr.strip().splitlines() if x.strip()]
        reason = f"the crawl process failed: {last[-1] if last else 'no output'}"
        if run_id is not None:
            _close_orphan(config, run_id, reason)
        return CrawlResult(source=source.name, outcome="error", reason=reason, run_id=run_id)
    fields = set(CrawlResult.__dataclass_fields__)
    return CrawlResult(**{k: v for k, v in final.items() if k in fields} | {"source": source.name})


def crawl_sources(
    config: Config, sources: list[Source], *, full: bool = False, progress: bool = False
) -> list[CrawlResult]:
    """Crawl each source in turn; one failing source never stops the others."""
    return [crawl_source(config, s, full=full, progress=progress) for s in sources]
