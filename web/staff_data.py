"""What the staff pages show, as plain functions of a session (``web.staff`` renders them).

Everything here reads; the actions are in ``store.review`` and ``store.staff``. Lists are bounded
(``LIMIT``): the staff area is for looking things up, ``zcwatch deliveries`` / ``subscribers export``
are for everything at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.timeutil import from_utc_naive
from core.vocabulary import DeliveryStatus, SubscriberStatus, WindowStatus
from notifier.digest.build import needs_review
from store.models import (
    AuditEntry,
    CrawlRun,
    Delivery,
    Incident,
    Notice,
    Source,
    SubscriberRow,
    Window,
    WindowReview,
)

LIMIT = 200


@dataclass(frozen=True)
class WindowView:
    id: int
    committee: str
    kind: str
    start: str | None
    end: str | None
    evidence: str
    confidence: float | None
    reviewed_by: str | None
    notice_id: int | None
    notice_title: str
    notice_url: str
    status: str = "current"
    review: str = ""  # the action in force, if any


@dataclass
class QueueItem:
    notice_id: int | None
    title: str
    url: str
    published: str | None
    reason: str
    windows: list[WindowView] = field(default_factory=list)


def _views(session: Session, windows: list[Window]) -> list[WindowView]:
    notices = {
        n.id: n
        for n in session.scalars(
            select(Notice).where(Notice.id.in_({w.notice_id for w in windows if w.notice_id}))
        )
    }
    reviews = {
        r.window_key: r.action
        for r in session.scalars(
            select(WindowReview).where(
                WindowReview.window_key.in_({w.key for w in windows}), WindowReview.revoked_at.is_(None)
            )
        )
    }
    out = []
    for w in windows:
        n = notices.get(w.notice_id) if w.notice_id else None
        out.append(
            WindowView(
                id=w.id,
                committee=w.committee,
                kind=w.kind,
                start=w.start,
                end=w.end,
                evidence=w.evidence,
                confidence=w.confidence,
                reviewed_by=w.reviewed_by,
                notice_id=w.notice_id,
                notice_title=n.title if n else "",
                notice_url=n.url if n else "",
                status=w.status,
                review=reviews.get(w.key, ""),
            )
        )
    return out


def queue(session: Session, today: date, review_below: float) -> tuple[list[QueueItem], list[WindowView]]:
    """The review queue: needs-review notices with their current windows, then the other windows the
    extractor was unsure of that nobody has confirmed."""
    items = [
        QueueItem(n.notice_id, n.title, n.url, n.published, n.reason)
        for n in needs_review(session, today, None, review_below)
    ]
    ids = {i.notice_id for i in items if i.notice_id}
    windows = list(
        session.scalars(
            select(Window)
            .where(Window.notice_id.in_(ids), Window.status == WindowStatus.CURRENT)
            .order_by(Window.id)
        )
    )
    by_notice: dict[int | None, list[WindowView]] = {}
    for v in _views(session, windows):
        by_notice.setdefault(v.notice_id, []).append(v)
    for i in items:
        i.windows = by_notice.get(i.notice_id, [])
    unsure = list(
        session.scalars(
            select(Window)
            .where(
                Window.status == WindowStatus.CURRENT,
                Window.confidence < review_below,
                Window.reviewed_by.is_(None),
                or_(Window.notice_id.is_(None), Window.notice_id.not_in(ids)),
            )
            .order_by(Window.id.desc())
            .limit(LIMIT)
        )
    )
    return items, _views(session, unsure)


def windows(session: Session, q: str) -> list[WindowView]:
    """Current windows, newest first; ``q`` keeps those whose committee contains it."""
    stmt = select(Window).where(Window.status == WindowStatus.CURRENT)
    if q:
        stmt = stmt.where(Window.committee.contains(q, autoescape=True))
    return _views(session, list(session.scalars(stmt.order_by(Window.id.desc()).limit(LIMIT))))


def window(session: Session, window_id: int) -> WindowView | None:
    w = session.get(Window, window_id)
    return _views(session, [w])[0] if w is not None else None


def recent_notices(session: Session) -> list[tuple[int, str]]:
    """Notices to tie a hand-made window to: (id, title), newest first."""
    q = select(Notice.id, Notice.title).order_by(Notice.published.desc(), Notice.id.desc()).limit(LIMIT)
    return [(i, t) for i, t in session.execute(q)]


# --- subscribers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriberView:
    id: int
    name: str
    origin: str
    status: str
    channel: str  # masked
    committees: list[str]
    kinds: list[str]


def subscriber_counts(
    session: Session, committees: list[str]
) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """(subscribers by status, active subscribers told about each committee), the second busiest first."""
    from store.subscribers import counts

    told: Counter[str] = Counter()
    everyone = 0
    q = (
        select(SubscriberRow.committees)
        .where(SubscriberRow.status == SubscriberStatus.ACTIVE)
        .execution_options(yield_per=5000)
    )
    for (keywords,) in session.execute(q):
        if not keywords:
            everyone += 1
            continue
        for c in committees:
            if any(k in c for k in keywords):
                told[c] += 1
    per = [(c, told[c] + everyone) for c in committees]
    return counts(session), sorted(per, key=lambda p: (-p[1], p[0]))


def subscribers(session: Session, q: str) -> list[SubscriberView]:
    from notifier.channels import masked, masked_address

    stmt = select(SubscriberRow)
    if q:
        stmt = stmt.where(
            or_(
                SubscriberRow.name.contains(q, autoescape=True),
                SubscriberRow.address.contains(q, autoescape=True),
            )
        )
    out = []
    for row in session.scalars(stmt.order_by(SubscriberRow.name).limit(LIMIT)):
        channel = masked_address(row.address) if row.address else ", ".join(masked(u) for u in row.urls or [])
        out.append(
            SubscriberView(
                row.id, row.name, row.origin, row.status, channel, list(row.committees), list(row.kinds)
            )
        )
    return out


# --- deliveries, crawl runs, incidents, the audit log --------------------------------------------


def deliveries(session: Session, tz: Any) -> list[dict[str, Any]]:
    """Failed and dead deliveries, newest first."""
    q = (
        select(Delivery, Window)
        .join(Window, Window.id == Delivery.window_id)
        .where(Delivery.status.in_((DeliveryStatus.FAILED, DeliveryStatus.DEAD)))
        .order_by(Delivery.id.desc())
        .limit(LIMIT)
    )
    from notifier.deliver import delivery_row

    return [
        {
            **delivery_row(d, w),
            "next_attempt_at": _local(d.next_attempt_at, tz) if d.status == DeliveryStatus.FAILED else "",
            "last_error": d.last_error or "",
        }
        for d, w in session.execute(q)
    ]


def delivery_counts(session: Session) -> dict[str, int]:
    q = select(Delivery.status, func.count()).group_by(Delivery.status)
    return {s: n for s, n in session.execute(q)}


def _local(dt: datetime | None, tz: Any) -> str:
    return from_utc_naive(dt, tz).strftime("%Y-%m-%d %H:%M") if dt else ""


def runs(session: Session, tz: Any) -> list[dict[str, Any]]:
    q = select(CrawlRun, Source.name).join(Source, Source.id == CrawlRun.source_id)
    return [
        {
            "source": name,
            "started": _local(r.started_at, tz),
            "finished": _local(r.finished_at, tz),
            "outcome": r.outcome,
            "full": r.full,
            "requests": r.requests,
            "new": r.notices_new,
            "changed": r.notices_changed,
            "failed": r.notices_failed,
            "error": r.error or "",
        }
        for r, name in session.execute(q.order_by(CrawlRun.id.desc()).limit(50))
    ]


def incidents(session: Session, tz: Any) -> list[dict[str, Any]]:
    q = select(Incident).order_by(Incident.resolved_at.is_not(None), Incident.id.desc()).limit(50)
    return [
        {
            "scope": i.scope,
            "problem": i.problem,
            "detail": i.detail,
            "started": _local(i.started_at, tz),
            "resolved": _local(i.resolved_at, tz),
        }
        for i in session.scalars(q)
    ]


def audit_log(session: Session, tz: Any) -> list[dict[str, Any]]:
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(LIMIT)
    return [
        {
            "at": _local(a.at, tz),
            "staff": a.staff,
            "via": a.via,
            "action": a.action,
            "target": a.target,
            "before": a.before,
            "after": a.after,
        }
        for a in session.scalars(q)
    ]
