"""The alert ledger in the database: claim -> send -> record, one row per promise.

The promise: each (subscriber, channel, window version, alert kind) is one row, ever (a UNIQUE
constraint, inserted with ON CONFLICT DO NOTHING on either engine: ``store.engine``). Sending happens
with no transaction open: rows are *claimed* (status ``sending``, attempts + 1) and committed first,
then sent, then recorded ``sent`` or ``failed``. A crash after the claim leaves rows in ``sending``; the next
run (runs are serialised by the run lock) sends them again and counts a possible duplicate.
So nothing is ever lost, and a duplicate can only come from the send->record gap.

A failed send is retried with exponential backoff until the window closes, then marked
``dead`` (the health module raises one admin alert for dead deliveries). What to plan is read
by ``notifier.inputs``; estimates are made by ``notifier.estimates``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import SHANGHAI, from_utc_naive, to_utc_naive, window_point
from core.vocabulary import DeliveryStatus
from notifier.planner import Planned
from store.engine import insert_ignoring_duplicates
from store.models import Delivery, utcnow

BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
DEAD_WITHOUT_END = timedelta(days=7)


def record_planned(session: Session, planned: list[Planned], labels: dict[str, str]) -> int:
    """Insert planned alerts; a row that exists already is left alone. Returns rows inserted."""
    inserted = 0
    now = utcnow()
    insert = insert_ignoring_duplicates(session.connection(), Delivery)
    for p in planned:
        due = to_utc_naive(p.due_at)
        stmt = insert.values(
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
        # Core execution, not the ORM's bulk path: only it reports the rows a skipped conflict did not add.
        inserted += session.connection().execute(stmt).rowcount or 0
    return inserted


def claimable(session: Session, now: datetime) -> list[Delivery]:
    """Deliveries to send now: due pending/failed ones, and any left in `sending` by a crash."""
    now_utc = to_utc_naive(now)
    q = select(Delivery).where(
        (
            (Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)))
            & (Delivery.next_attempt_at <= now_utc)
        )
        | (Delivery.status == DeliveryStatus.SENDING)
    )
    return list(session.scalars(q.order_by(Delivery.subscriber, Delivery.channel, Delivery.id)))


def claim(session: Session, deliveries: list[Delivery], now: datetime) -> None:
    for d in deliveries:
        if d.status == DeliveryStatus.SENDING:
            d.duplicates += 1  # the last attempt may have gone out before the crash
        d.status = DeliveryStatus.SENDING
        d.attempts += 1
        d.claimed_at = to_utc_naive(now)


def expire_late(session: Session, now: datetime) -> tuple[int, int]:
    """Alerts whose window has closed are not sent late: failed ones become ``dead`` (an admin alert
    follows), never-tried ones (held by quiet hours through a downtime) ``skipped``. Returns both counts."""
    dead = skipped = 0
    for d in session.scalars(
        select(Delivery).where(Delivery.status.in_((DeliveryStatus.FAILED, DeliveryStatus.PENDING)))
    ):
        if _too_late(d, now):
            if d.status == DeliveryStatus.FAILED:
                d.status, dead = DeliveryStatus.DEAD, dead + 1
            else:
                d.status, skipped = DeliveryStatus.SKIPPED, skipped + 1
    return dead, skipped


def record_sent(session: Session, ids: list[int], now: datetime) -> None:
    for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids))):
        d.status, d.sent_at, d.last_error = DeliveryStatus.SENT, to_utc_naive(now), None


def record_failed(session: Session, ids: list[int], error: str, now: datetime) -> int:
    """Schedule a retry with backoff, or mark dead once the window has closed. Returns dead count."""
    dead = 0
    for d in session.scalars(select(Delivery).where(Delivery.id.in_(ids))):
        d.last_error = error[:500]
        if _too_late(d, now):
            d.status = DeliveryStatus.DEAD
            dead += 1
            continue
        d.status = DeliveryStatus.FAILED
        wait = min(BACKOFF_FIRST * (2 ** max(d.attempts - 1, 0)), BACKOFF_MAX)
        d.next_attempt_at = to_utc_naive(now + wait)
    return dead


def _too_late(d: Delivery, now: datetime) -> bool:
    w = d.window
    if w.end:
        return now > window_point(w.end, SHANGHAI, end=True)
    return now - from_utc_naive(d.due_at) > DEAD_WITHOUT_END
