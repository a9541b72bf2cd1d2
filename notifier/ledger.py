"""The alert ledger in the database: plan inputs out, deliveries in, claim -> send -> record.

The promise: each (subscriber, channel, window version, alert kind) is one row, ever (a UNIQUE
constraint, inserted with ON CONFLICT DO NOTHING). Sending happens with no transaction open:
rows are *claimed* (status ``sending``, attempts + 1) and committed first, then sent, then
recorded ``sent`` or ``failed``. A crash after the claim leaves rows in ``sending``; the next
run (runs are serialised by the run lock) sends them again and counts a possible duplicate.
So nothing is ever lost, and a duplicate can only come from the send->record gap.

A failed send is retried with exponential backoff until the window closes, then marked
``dead`` (the health module raises one admin alert for dead deliveries).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session, aliased

from core.timeutil import SHANGHAI, from_utc_naive, to_utc_naive, window_point
from notifier.messages import Alert
from notifier.planner import LedgerRow, Planned, PlanWindow
from store.models import Delivery, Notice, Window, utcnow
from store.windows import window_key

BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
DEAD_WITHOUT_END = timedelta(days=7)


def plan_windows(session: Session) -> list[PlanWindow]:
    # When a real notice replaces an estimate it becomes a later version of the estimate's key;
    # the window was first *seen* when a notice said so, not when the estimate was made.
    first = (
        select(
            Window.key,
            func.coalesce(
                func.min(case((Window.notice_id.is_not(None), Window.created_at))),
                func.min(Window.created_at),
            ).label("first_seen"),
        )
        .group_by(Window.key)
        .subquery()
    )
    rows = session.execute(
        select(Window, first.c.first_seen)
        .join(first, first.c.key == Window.key)
        .where(Window.status.in_(("current", "estimate")))
    )
    return [
        PlanWindow(
            id=w.id,
            key=w.key,
            version=w.version,
            committee=w.committee,
            kind=w.kind,
            start=w.start,
            end=w.end,
            status=w.status,
            first_seen=from_utc_naive(seen),
            version_seen=from_utc_naive(w.created_at),
        )
        for w, seen in rows
    ]


def ledger_rows(session: Session) -> list[LedgerRow]:
    rows = session.execute(
        select(Delivery, Window.start, Window.end).join(Window, Window.id == Delivery.window_id)
    )
    return [
        LedgerRow(d.subscriber, d.channel, d.window_key, d.window_version, d.alert_kind, start, end, d.status)
        for d, start, end in rows
    ]


def record_planned(session: Session, planned: list[Planned], labels: dict[str, str]) -> int:
    """Insert planned alerts; a row that exists already is left alone. Returns rows inserted."""
    inserted = 0
    now = utcnow()
    for p in planned:
        due = to_utc_naive(p.due_at)
        stmt = (
            insert(Delivery)
            .values(
                subscriber=p.subscriber,
                channel=p.channel,
                channel_label=labels.get(p.channel, p.channel),
                window_id=p.window_id,
                window_key=p.key,
                window_version=p.version,
                alert_kind=p.kind,
                status=p.status,
                due_at=due,
                next_attempt_at=due,
                created_at=now,
                attempts=0,
                duplicates=0,
            )
            .on_conflict_do_nothing()
        )
        inserted += session.execute(stmt).rowcount or 0  # type: ignore[attr-defined]
    return inserted


def claimable(session: Session, now: datetime) -> list[Delivery]:
    """Deliveries to send now: due pending/failed ones, and any left in `sending` by a crash."""
    now_utc = to_utc_naive(now)
    q = select(Delivery).where(
        ((Delivery.status.in_(("pending", "failed"))) & (Delivery.next_attempt_at <= now_utc))
        | (Delivery.status == "sending")
    )
    return list(session.scalars(q.order_by(Delivery.subscriber, Delivery.channel, Delivery.id)))


def claim(session: Session, deliveries: list[Delivery], now: datetime) -> None:
    for d in deliveries:
        if d.status == "sending":
            d.duplicates += 1  # the last attempt may have gone out before the crash
        d.status = "sending"
        d.attempts += 1
        d.claimed_at = to_utc_naive(now)


def expire_late(session: Session, now: datetime) -> tuple[int, int]:
    """Alerts whose window has closed are not sent late: failed ones become ``dead`` (an admin alert
    follows), never-tried ones (held by quiet hours through a downtime) ``skipped``. Returns both counts."""
    dead = skipped = 0
    for d in session.scalars(select(Delivery).where(Delivery.status.in_(("failed", "pending")))):
        if _too_late(d, now):
            if d.status == "failed":
                d.status, dead = "dead", dead + 1
            else:
                d.status, skipped = "skipped", skipped + 1
    return dead, skipped


def record_sent(session: Session, ids: list[int], now: datetime) -> None:
    for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids))):
        d.status, d.sent_at, d.last_error = "sent", to_utc_naive(now), None


def record_failed(session: Session, ids: list[int], error: str, now: datetime) -> int:
    """Schedule a retry with backoff, or mark dead once the window has closed. Returns dead count."""
    dead = 0
    for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids))):
        d.last_error = error[:500]
        if _too_late(d, now):
            d.status = "dead"
            dead += 1
            continue
        d.status = "failed"
        wait = min(BACKOFF_FIRST * (2 ** max(d.attempts - 1, 0)), BACKOFF_MAX)
        d.next_attempt_at = to_utc_naive(now + wait)
    return dead


def _too_late(d: Delivery, now: datetime) -> bool:
    w = d.window
    if w.end:
        return now > window_point(w.end, SHANGHAI, end=True)
    return now - from_utc_naive(d.due_at) > DEAD_WITHOUT_END


def alert_for(session: Session, d: Delivery, today: date, checklist: tuple[str, ...]) -> Alert:
    """The message content of a delivery: its window, the notice, and for `changed` the old dates."""
    w = d.window
    prev = None
    if d.alert_kind == "changed":
        # "Old" is what this subscriber was last told on this channel, not merely the previous
        # version: two corrections may land between runs.
        older = aliased(Window)
        told = aliased(Delivery)
        prev = session.scalars(
            select(older)
            .join(told, told.window_id == older.id)
            .where(
                older.key == w.key,
                older.version < w.version,
                told.subscriber == d.subscriber,
                told.channel == d.channel,
                told.status == "sent",
                told.alert_kind != "estimate",
            )
            .order_by(older.version.desc())
            .limit(1)
        ).first()
    notice = session.get(Notice, w.notice_id) if w.notice_id else _last_season_notice(session, w)
    return Alert(
        kind=d.alert_kind,
        committee=w.committee,
        window_kind=w.kind,
        start=w.start,
        end=w.end,
        notice_url=notice.url if notice else "",
        notice_title=notice.title if notice else f"{w.committee}（据上年度推算）",
        today=today,
        previous_start=prev.start if prev else None,
        previous_end=prev.end if prev else None,
        checklist=checklist,
    )


def _last_season_notice(session: Session, w: Window) -> Notice | None:
    """An estimate links to the notice of last season's window it was made from."""
    if w.review_year is None:
        return None
    key = window_key(w.committee, w.review_year - 1, w.kind, 0, "")
    src = session.scalars(select(Window).where(Window.key == key).order_by(Window.version.desc())).first()
    return session.get(Notice, src.notice_id) if src is not None and src.notice_id else None


# --- estimates ---------------------------------------------------------------------------------


def season_year(today: date) -> int:
    """The review year (年度) whose windows come next: 2025年度 opens Dec 2025 - Apr 2026."""
    return today.year if today.month >= 7 else today.year - 1


def _shift_year(value: str | None) -> str | None:
    if value is None:
        return None
    d = date.fromisoformat(value[:10])
    try:
        moved = d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        moved = d.replace(year=d.year + 1, day=28)
    return moved.isoformat() + value[10:]


def materialize_estimates(session: Session, today: date) -> int:
    """Create estimate windows for committees that had windows last season and none yet this season."""
    year = season_year(today)
    have_now = set(
        session.scalars(
            select(Window.committee).where(
                Window.review_year == year, Window.status.in_(("current", "estimate"))
            )
        )
    )
    if session.scalar(
        select(func.count())
        .select_from(Window)
        .where(Window.review_year == year, Window.status == "superseded")
    ):
        # Estimates that were superseded by a real notice must not come back.
        have_now |= set(
            session.scalars(
                select(Window.committee).where(Window.review_year == year, Window.notice_id.is_not(None))
            )
        )
    last = session.scalars(
        select(Window)
        .where(
            Window.review_year == year - 1,
            Window.status == "current",
            Window.kind.in_(("apply", "accept")),
            Window.notice_id.is_not(None),
        )
        .order_by(Window.id)
    ).all()
    created = 0
    ordinals: dict[tuple[str, str], int] = {}
    for w in last:
        if w.committee in have_now or not w.start:
            continue
        n = ordinals.get((w.committee, w.kind), 0)
        ordinals[(w.committee, w.kind)] = n + 1
        key = window_key(w.committee, year, w.kind, n, "")
        if session.scalar(select(func.count()).select_from(Window).where(Window.key == key)):
            continue
        session.add(
            Window(
                key=key,
                version=1,
                notice_id=None,
                committee=w.committee,
                review_year=year,
                kind=w.kind,
                start=_shift_year(w.start),
                end=_shift_year(w.end),
                evidence=f"据{year - 1}年度通知推算：{w.evidence[:200]}",
                status="estimate",
            )
        )
        created += 1
    session.flush()
    return created
