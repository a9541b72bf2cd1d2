"""Health alerts for the operator: edge-triggered incidents, reported only when they matter.

Problems per source, judged from its recent crawl runs (like urlwatch, a single failure is not
reported):
- ``down``: the last ``admin.failures`` crawls all failed (http_error, timeout, unreachable,
  too_large, error) and they span at least ``admin.hours`` hours;
- ``blocked``: the last crawl met an anti-bot challenge (reported at once: retrying harder is
  exactly what we must not do);
- ``layout_suspect``: the last crawl found no items, or far fewer than before;
- ``moved``: the source URL answers a permanent redirect (recorded by the crawl): the config should
  name the new URL. Reported once per new URL, like ``dead``.
And ``dead``: deliveries given up after their window closed.

An incident sends one alert when it starts, at most one reminder a day while it lasts, and
one when it ends. An alert that could not be sent is tried again next time (nothing is marked
sent until a channel took it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.config import Config
from core.timeutil import from_utc_naive, to_utc_naive
from core.vocabulary import DeliveryStatus
from crawler.outcome import moved_key
from store.db import transaction
from store.models import CrawlRun, Delivery, Incident, Meta, Source

FAILED = ("http_error", "timeout", "unreachable", "too_large", "error")
REMINDER_EVERY = timedelta(days=1)
# Judged from the crawl runs (opened and resolved by _sync); the others are reported once, then closed.
SOURCE_PROBLEMS = ("down", "blocked", "layout_suspect")
ONCE = ("dead", "moved")


def source_problems(
    runs: list[tuple[str, datetime]], failures: int, hours: float, now: datetime
) -> dict[str, str]:
    """Problems from a source's runs, newest first: {problem: detail}. ``now`` and times are aware."""
    if not runs:
        return {}
    outcome, _ = runs[0]
    if outcome == "blocked":
        return {"blocked": "the site answered with an anti-bot challenge"}
    if outcome == "layout_suspect":
        return {"layout_suspect": "the listing yields no or far fewer items: has the layout changed?"}
    streak = []
    for o, at in runs:
        if o not in FAILED:
            break
        streak.append(at)
    if len(streak) >= failures and now - streak[-1] >= timedelta(hours=hours):
        return {"down": f"{len(streak)} crawls failed in a row since {streak[-1]:%Y-%m-%d %H:%M} ({outcome})"}
    return {}


@dataclass(frozen=True)
class AdminMessage:
    incident_id: int
    stage: str  # start | reminder | recovery
    title: str
    body: str


_LABEL = {
    "down": "无法访问",
    "blocked": "被反爬虫验证拦截",
    "layout_suspect": "页面结构可能已变化",
    "dead": "提醒发送失败（已放弃）",
    "moved": "栏目地址已变更",
}


def _sync(session: Session, scope: str, problems: dict[str, str], now: datetime) -> None:
    open_rows = session.scalars(
        select(Incident).where(
            Incident.scope == scope, Incident.resolved_at.is_(None), Incident.problem.in_(SOURCE_PROBLEMS)
        )
    ).all()
    open_by_problem = {i.problem: i for i in open_rows}
    for problem, detail in problems.items():
        if problem not in open_by_problem:
            session.add(Incident(scope=scope, problem=problem, detail=detail, started_at=to_utc_naive(now)))
        else:
            open_by_problem[problem].detail = detail
    for problem, incident in open_by_problem.items():
        if problem not in problems:
            incident.resolved_at = to_utc_naive(now)


def _dead_deliveries(session: Session, now: datetime) -> None:
    """Open a `dead` incident for deliveries that died since the last one was reported."""
    seen = session.get(Meta, "health.dead_max_id")
    last = int(seen.value) if seen else 0
    new = session.scalars(
        select(Delivery).where(Delivery.status == DeliveryStatus.DEAD, Delivery.id > last)
    ).all()
    if not new:
        return
    detail = f"{len(new)} alert(s) could not be delivered before their window closed: " + "; ".join(
        f"{d.subscriber} via {d.channel_label}: {d.last_error or '?'}" for d in new[:3]
    )
    session.add(Incident(scope="deliveries", problem="dead", detail=detail, started_at=to_utc_naive(now)))
    session.merge(Meta(key="health.dead_max_id", value=str(max(d.id for d in new))))
    # A dead delivery does not "recover": the incident is closed as soon as it is reported.


def _moved(session: Session, source: Source, now: datetime) -> None:
    """Open a `moved` incident for a permanent redirect of the source URL not reported before."""
    moved = session.get(Meta, moved_key(source.name))
    if moved is None:
        return
    detail = f"source moved to {moved.value}; update the config (sources: {source.name}, url = {source.url})"
    scope = f"source:{source.name}"
    reported = session.scalar(
        select(Incident.id).where(
            Incident.scope == scope, Incident.problem == "moved", Incident.detail == detail
        )
    )
    if reported is None:
        session.add(Incident(scope=scope, problem="moved", detail=detail, started_at=to_utc_naive(now)))


def evaluate(config: Config, engine: Engine, now: datetime) -> None:
    with transaction(engine) as s:
        for src in s.scalars(select(Source)):
            runs = s.execute(
                select(CrawlRun.outcome, CrawlRun.started_at)
                .where(CrawlRun.source_id == src.id, CrawlRun.outcome != "running")
                .order_by(CrawlRun.id.desc())
                .limit(max(config.admin.failures, 1) + 1)
            ).all()
            problems = source_problems(
                [(o, from_utc_naive(at, config.tz)) for o, at in runs],
                config.admin.failures,
                config.admin.hours,
                now,
            )
            _sync(s, f"source:{src.name}", problems, now)
            _moved(s, src, now)
        _dead_deliveries(s, now)


def pending_messages(session: Session, now: datetime) -> list[AdminMessage]:
    out = []
    now_utc = to_utc_naive(now)
    for i in session.scalars(select(Incident).order_by(Incident.id)):
        label = _LABEL.get(i.problem, i.problem)
        where = i.scope.removeprefix("source:")
        if i.resolved_at is None or i.problem in ONCE:
            if i.alerts_sent == 0:
                out.append(AdminMessage(i.id, "start", f"【zcwatch】{where}：{label}", i.detail))
            elif i.problem not in ONCE and i.last_alert_at and now_utc - i.last_alert_at >= REMINDER_EVERY:
                out.append(AdminMessage(i.id, "reminder", f"【zcwatch】仍未恢复：{where}：{label}", i.detail))
        elif i.alerts_sent > 0 and not i.recovery_sent:
            out.append(
                AdminMessage(i.id, "recovery", f"【zcwatch】已恢复：{where}", f"{label} 的问题已解决。")
            )
    return out


def mark_sent(session: Session, message: AdminMessage, now: datetime) -> None:
    i = session.get(Incident, message.incident_id)
    if i is None:
        return
    if message.stage == "recovery":
        i.recovery_sent = True
    else:
        i.alerts_sent += 1
        i.last_alert_at = to_utc_naive(now)
        if i.problem in ONCE:
            i.resolved_at, i.recovery_sent = to_utc_naive(now), True


def report(config: Config, engine: Engine, now: datetime) -> list[str]:
    """Evaluate health and send what is due to the admin recipients; returns problems to print."""
    from notifier.channels import send
    from notifier.messages import Message

    evaluate(config, engine, now)
    with transaction(engine) as s:
        messages = pending_messages(s, now)
    problems: list[str] = []
    if not config.admin.recipients:
        return problems
    for m in messages:
        delivered = False
        for url in config.admin.recipients:
            result = send(url, Message(title=m.title, body=m.body, body_format="text"))
            delivered = delivered or result.ok
            if not result.ok:
                problems.append(f"admin alert not delivered: {result.error}")
        if delivered:
            with transaction(engine) as s:
                mark_sent(s, m, now)
    return problems
