"""`zcwatch status`: what an operator checks first. Text for people, JSON for monitoring.

Per source the last crawl and its outcome; open health incidents; the next scheduled jobs of
the daemon's schedule; pending, failed and dead deliveries; counts of notices and windows.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import Engine, func, select

from core.config import Config
from core.timeutil import from_utc_naive, now_local
from core.vocabulary import CrawlOutcome, DeliveryStatus, WindowStatus
from store.engine import reading
from store.lock import crawl_in_progress
from store.tables import crawl_runs, deliveries, incidents, notices, sources, windows


def _local(dt: datetime | None, config: Config) -> str | None:
    return from_utc_naive(dt, config.tz).strftime("%Y-%m-%d %H:%M") if dt else None


def next_jobs(config: Config, now: datetime) -> list[dict[str, str]]:
    from apscheduler.triggers.cron import CronTrigger

    out = []
    d = config.daemon
    moments = []
    for t in d.crawl_times:
        hh, mm = t.split(":")
        trig = CronTrigger(day_of_week=d.crawl_days, hour=int(hh), minute=int(mm), timezone=config.tz)
        nxt = trig.get_next_fire_time(None, now)
        if nxt:
            moments.append(nxt)
    if moments:
        out.append({"job": "crawl", "next": min(moments).strftime("%Y-%m-%d %H:%M")})
    at = time.fromisoformat(config.digest.at)
    trig = CronTrigger(day_of_week=config.digest.weekday, hour=at.hour, minute=at.minute, timezone=config.tz)
    nxt = trig.get_next_fire_time(None, now)
    if nxt and config.digest.recipients:
        out.append({"job": "digest", "next": nxt.strftime("%Y-%m-%d %H:%M")})
    out.append({"job": "notify", "next": f"every {d.notify_minutes} min"})
    return out


def collect(config: Config, engine: Engine) -> dict[str, Any]:
    now = now_local(config.tz)
    # A crawl holds its lock until its child process is gone: a "running" record without it is a
    # killed crawl, which the next crawl will close as interrupted.
    # Core, not the ORM: a read-only command need not pay for importing it (issue 18).
    with reading(engine).connect() as conn:
        watched = []
        for src in conn.execute(select(sources.c.id, sources.c.name, sources.c.url).order_by(sources.c.name)):
            run = conn.execute(
                select(crawl_runs.c.outcome, crawl_runs.c.error, crawl_runs.c.started_at)
                .where(crawl_runs.c.source_id == src.id)
                .order_by(crawl_runs.c.id.desc())
                .limit(1)
            ).first()
            outcome, error = (run.outcome, run.error) if run else (None, None)
            if outcome == CrawlOutcome.RUNNING and not crawl_in_progress(config, src.url):
                outcome, error = CrawlOutcome.ERROR, "interrupted: the crawl process is gone"
            ok_run = conn.scalar(
                select(func.max(crawl_runs.c.finished_at)).where(
                    crawl_runs.c.source_id == src.id, crawl_runs.c.outcome == CrawlOutcome.OK
                )
            )
            watched.append(
                {
                    "name": src.name,
                    "url": src.url,
                    "last_crawl": _local(run.started_at, config) if run else None,
                    "outcome": outcome,
                    "error": error,
                    "last_ok": _local(ok_run, config),
                }
            )
        counts: dict[str, int] = {
            status: n
            for status, n in conn.execute(
                select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
            )
        }
        open_incidents = conn.execute(
            select(incidents).where(incidents.c.resolved_at.is_(None)).order_by(incidents.c.id)
        ).all()
        return {
            "now": now.strftime("%Y-%m-%d %H:%M"),
            "sources": watched,
            "incidents": [
                {
                    "scope": i.scope,
                    "problem": i.problem,
                    "since": _local(i.started_at, config),
                    "detail": i.detail,
                }
                for i in open_incidents
            ],
            "next_jobs": next_jobs(config, now),
            "deliveries": {
                k: int(counts.get(k, 0))
                for k in (
                    DeliveryStatus.PENDING,
                    DeliveryStatus.SENDING,
                    DeliveryStatus.FAILED,
                    DeliveryStatus.DEAD,
                    DeliveryStatus.SENT,
                )
            },
            "notices": int(conn.scalar(select(func.count()).select_from(notices)) or 0),
            "windows": int(
                conn.scalar(
                    select(func.count()).select_from(windows).where(windows.c.status == WindowStatus.CURRENT)
                )
                or 0
            ),
        }


def render_text(data: dict[str, Any], config: Config) -> str:
    """`zcwatch status` for a person: one line per source, problem and ledger state."""
    lines = [f"zcwatch status at {data['now']} ({config.timezone})"]
    for src in data["sources"] or [{"name": "(no crawl yet)", "outcome": None}]:
        line = f"  source {src['name']}: "
        line += (
            f"last crawl {src['last_crawl']} -> {src['outcome']}" if src.get("outcome") else "never crawled"
        )
        if src.get("outcome") not in (None, "ok") and src.get("error"):
            line += f" ({src['error']})"
        lines.append(line)
    for i in data["incidents"]:
        lines.append(f"  PROBLEM {i['scope']}: {i['problem']} since {i['since']}: {i['detail']}")
    lines.append("  next: " + "; ".join(f"{j['job']} {j['next']}" for j in data["next_jobs"]))
    dl = data["deliveries"]
    lines.append(
        f"  deliveries: {dl['pending']} pending, {dl['failed']} failed (retrying), {dl['dead']} dead, "
        f"{dl['sent']} sent"
    )
    lines.append(f"  stored: {data['notices']} notices, {data['windows']} current windows")
    return "\n".join(lines) + "\n"
