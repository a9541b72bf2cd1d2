"""`zcwatch run`: one cycle for cron: crawl every source, send due alerts, the digest if due.

Safe at any frequency: on SQLite a lock next to the database makes an overlapping run give way; on
PostgreSQL overlapping runs (on several hosts) share the work, each part under its own lock
(``store.lock``): a site is crawled by one of them, alerts are claimed with leases, the digest and
the health check are done once. The CLI
keeps it quiet on success (cron mails any output), with one line per problem on stderr and exit 1
if anything failed. The same steps serve the daemon's jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.config import Config
from core.timeutil import now_local, to_utc_naive
from crawler.outcome import CrawlResult
from scheduler.crawljob import crawl_source
from store.db import reading
from store.lock import run_lock, step_lock
from store.models import CrawlRun, Source

FULL_EVERY = timedelta(days=7)  # a weekly full pass revalidates recent notices (catches edits in place)
# Notices listed longer ago than this belong to finished seasons: the weekly pass leaves them alone.
REVALIDATE_DAYS = 400
# A partial pass read every listing page and every notice but a few failed ones: the pass is done. Counting
# only "ok" made one withdrawn notice (a 404 that never heals) turn every run into a full crawl.
FULL_DONE = ("ok", "partial")


def full_crawl_due(engine: Engine, source_name: str, now: datetime) -> bool:
    with Session(reading(engine)) as s:
        last = s.scalar(
            select(CrawlRun.started_at)
            .join(Source, Source.id == CrawlRun.source_id)
            .where(Source.name == source_name, CrawlRun.full.is_(True), CrawlRun.outcome.in_(FULL_DONE))
            .order_by(CrawlRun.id.desc())
            .limit(1)
        )
    return last is None or last < to_utc_naive(now - FULL_EVERY)


def crawl_all(config: Config, engine: Engine) -> list[CrawlResult]:
    # Crawls happen in real time, whatever `--now` says: only alert planning moves with --now.
    now = now_local(config.tz)
    since = (now.date() - timedelta(days=REVALIDATE_DAYS)).isoformat()
    return [
        crawl_source(config, source, full=True, since=since)
        if full_crawl_due(engine, source.name, now)
        else crawl_source(config, source)
        for source in config.sources
    ]


@dataclass
class CycleReport:
    """What one cycle did: a one-line summary per step (shown with -v) and the problems (always shown)."""

    steps: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def cycle_steps(config: Config, engine: Engine, now: datetime, *, crawl: bool = True) -> CycleReport:
    """Crawl, notify, digest, health; one summary line per step, and the problem lines (none = all well)."""
    from notifier.deliver import notify_due
    from notifier.digest.build import digest_due, send_digest
    from scheduler import health

    out = CycleReport()
    if crawl:
        # What an older extractor read is read again first (from the database), so that the crawl and the
        # alerts work with the current reading; one run at a time does it.
        _one_at_a_time(config, "reread", out, lambda: _reread(engine, out))
    if crawl and not config.sources:
        # Alerts still go out from what is stored; the missing column is said on every run until fixed.
        out.problems.append("no [[sources]] in the config: nothing was crawled")
    elif crawl:
        for r in crawl_all(config, engine):
            out.steps.append(r.summary())
            if not r.ok:
                out.problems.append(r.summary())
    report = notify_due(config, engine, now)
    out.steps.append(report.summary())
    out.problems += [f"delivery failed: {p}" for p in report.problems]
    # The digest and the health check are done by one run at a time: on PostgreSQL, where runs on several
    # hosts overlap, a step another run is doing is skipped (it is due once, and that run does it).

    def digest() -> None:
        if digest_due(config, engine, now):
            failed = send_digest(config, engine, now)
            out.steps.append("digest: sent" if not failed else f"digest: {len(failed)} recipient(s) failed")
            out.problems += failed
        else:
            out.steps.append("digest: not due")

    def check_health() -> None:
        health_problems = health.report(config, engine, now)
        out.steps.append(
            f"health: {len(health_problems)} problem(s) reported" if health_problems else "health: ok"
        )
        out.problems += health_problems

    _one_at_a_time(config, "digest", out, digest)
    _one_at_a_time(config, "health", out, check_health)
    return out


def _reread(engine: Engine, out: CycleReport) -> None:
    from crawler.reread import reread_stale

    report = reread_stale(engine)
    out.steps.append(report.summary())
    out.problems += report.problems


def _one_at_a_time(config: Config, step: str, out: CycleReport, work: Callable[[], None]) -> None:
    """Do ``work`` under the step's lock (PostgreSQL), or skip it with one line if another run holds it."""
    lock = step_lock(config, step)
    if lock is not None and not lock.acquire():
        out.steps.append(f"{step}: another run is doing it; skipped")
        return
    try:
        work()
    finally:
        if lock is not None:
            lock.release()


def run_cycle(config: Config, *, now: datetime | None) -> CycleReport | None:
    """One cycle under the run lock; None if another run holds it."""
    from store.db import open_engine

    lock = run_lock(config)
    if not lock.acquire():
        return None
    try:
        engine = open_engine(config.resolved_database_url)
        report = cycle_steps(config, engine, now or now_local(config.tz))
        engine.dispose()
    finally:
        lock.release()
    return report
