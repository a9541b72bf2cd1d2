"""`zcwatch daemon`: the same cycle on APScheduler 3.x's BlockingScheduler, in Asia/Shanghai.

Jobs: crawls at ``[daemon] crawl_times`` on ``crawl_days`` with up to ``jitter_seconds`` of
random delay; alert planning every ``notify_minutes``; the weekly digest is checked with every
notify run (it is level-triggered: sent once after its moment). Crawls run in child processes.
Jobs coalesce and have a generous misfire grace, so a sleep catches up once; at start a crawl is
made at once if a scheduled one was missed while the daemon was down. Each job takes the run
lock (SQLite: a cron `zcwatch run` at the same moment simply skips; PostgreSQL: they share the
work, see ``store.lock``). SIGTERM and SIGINT stop the scheduler after the running job finishes.
Only one daemon per database (a lock).
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from types import FrameType

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Config
from core.errors import UserError
from core.moments import previous_moment
from core.timeutil import now_local, to_utc_naive
from store.db import reading
from store.lock import daemon_lock as database_daemon_lock
from store.lock import run_lock
from store.models import CrawlRun

log = logging.getLogger("zcwatch.daemon")
MISFIRE_GRACE = 6 * 3600

Say = Callable[[str, bool], None]
"""How the daemon reports a line: ``say(line, is_problem)``; the CLI prints it (problems on stderr)."""


def _job(config: Config, crawl: bool, say: Say) -> None:
    from scheduler.cycle import cycle_steps
    from store.db import open_engine

    lock = run_lock(config)
    if not lock.acquire():
        log.warning("another run is in progress; this %s job is skipped", "crawl" if crawl else "notify")
        return
    try:
        engine = open_engine(config.resolved_database_url)
        for problem in cycle_steps(config, engine, now_local(config.tz), crawl=crawl).problems:
            say(f"zcwatch: {problem}", True)
        engine.dispose()
    except Exception:  # a job must never kill the daemon; the next one tries again
        log.exception("job failed")
    finally:
        lock.release()


def crawl_missed(config: Config) -> bool:
    """True if a scheduled crawl moment passed after the last crawl started (or none ever ran)."""
    from store.db import open_engine

    moment = previous_moment(now_local(config.tz), config.daemon.crawl_times, config.daemon.crawl_days)
    engine = open_engine(config.resolved_database_url)
    with Session(reading(engine)) as s:
        last = s.scalar(select(CrawlRun.started_at).order_by(CrawlRun.id.desc()).limit(1))
    engine.dispose()
    return last is None or (moment is not None and last < to_utc_naive(moment))


def run_daemon(config: Config, say: Say) -> None:
    """Run the schedule until SIGTERM/SIGINT; ``say(line, is_problem)`` is how the CLI shows what happens."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    daemon_lock = database_daemon_lock(config)
    if not daemon_lock.acquire():
        raise UserError(f"another zcwatch daemon is running for this database ({daemon_lock.where})")
    d = config.daemon
    executor = ThreadPoolExecutor()
    scheduler = BlockingScheduler(
        timezone=config.tz,
        executors={"default": executor},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE, "max_instances": 1},
    )
    for i, t in enumerate(d.crawl_times):
        hour, minute = t.split(":")
        trigger = CronTrigger(
            day_of_week=d.crawl_days,
            hour=int(hour),
            minute=int(minute),
            jitter=d.jitter_seconds or None,
            timezone=config.tz,
        )
        scheduler.add_job(_job, trigger, args=[config, True, say], id=f"crawl-{i}", name=f"crawl {t}")
    scheduler.add_job(
        _job,
        IntervalTrigger(minutes=d.notify_minutes, timezone=config.tz),
        args=[config, False, say],
        id="notify",
        name="notify",
    )
    first = crawl_missed(config)
    scheduler.add_job(_job, args=[config, first, say], id="startup", name="catch up at start")

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.warning("signal %d: stopping after the running job", signum)
        if scheduler.running:  # a second signal while the job finishes changes nothing
            scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    say(
        f"zcwatch daemon: {len(d.crawl_times)} crawl times ({d.crawl_days}), notify every "
        f"{d.notify_minutes} min; pid lock {daemon_lock.where}",
        False,
    )
    try:
        scheduler.start()
        # start() returns as soon as a signal stopped the scheduler; a job may still be running (a crawl
        # child, deliveries). Keep the daemon lock and the process until it is done, so "stopped" is true
        # and a daemon started meanwhile on this database is refused.
        executor.shutdown(wait=True)
    finally:
        daemon_lock.release()
    say("zcwatch daemon: stopped", False)
