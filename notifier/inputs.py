"""What one notify run reads from the store: the windows to plan, the ledger so far, each alert's content."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from core.timeutil import from_utc_naive
from core.vocabulary import REMINDER_KINDS, AlertKind, DeliveryStatus, WindowStatus
from notifier.estimates import WEEKEND_NOTE, last_season_notice
from notifier.messages import Alert
from notifier.planner import LedgerRow, PlanWindow
from store.models import Delivery, Notice, Window


def _held(w: Window, hold_below: float | None) -> bool:
    if hold_below is None or w.reviewed_by is not None or w.confidence is None:
        return False
    return w.confidence < hold_below


def plan_windows(session: Session, hold_below: float | None = None) -> list[PlanWindow]:
    """The live windows to plan alerts for; with ``hold_below``, not those read with less confidence that no
    member of staff has confirmed yet (``[extract] hold_unsure``): they wait for a person's word."""
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
    rows = [
        (w, seen)
        for w, seen in session.execute(
            select(Window, first.c.first_seen)
            .join(first, first.c.key == Window.key)
            .where(Window.status.in_((WindowStatus.CURRENT, WindowStatus.ESTIMATE)))
        )
        if not _held(w, hold_below)
    ]
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
    # A window's alerts only: an application's reminders (notifier.reminders) are kinds of their own.
    rows = session.execute(
        select(Delivery, Window.start, Window.end)
        .join(Window, Window.id == Delivery.window_id)
        .where(Delivery.alert_kind.not_in(REMINDER_KINDS))
    )
    return [
        LedgerRow(d.subscriber, d.channel, d.window_key, d.window_version, d.alert_kind, start, end, d.status)
        for d, start, end in rows
    ]


# Said with the dates of a window the extractor was unsure of (below [extract] review_below).
UNSURE_NOTE = "自动识别把握较低，请以原文为准"
# Said with the dates of a window staff confirmed, corrected or added (store.review).
REVIEWED_NOTE = "日期已经工作人员人工核对"


def alert_for(
    session: Session, d: Delivery, today: date, checklist: tuple[str, ...], review_below: float = 0.0
) -> Alert:
    """The message content of a delivery: its window, the notice, and for `changed` the old dates.

    A window read with less confidence than ``review_below`` is sent at once, but says so: its
    dates may be wrong, and the notice is the authority (请以原文为准)."""
    w = d.window
    prev = None
    if d.alert_kind == AlertKind.CHANGED:
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
                told.status == DeliveryStatus.SENT,
                told.alert_kind != AlertKind.ESTIMATE,
            )
            .order_by(older.version.desc())
            .limit(1)
        ).first()
    if w.notice_id:
        notice = session.get(Notice, w.notice_id)
    else:  # an estimate names last season's notice; a window staff added by hand has none
        notice = None if w.reviewed_by else last_season_notice(session, w)
    return Alert(
        kind=d.alert_kind,
        committee=w.committee,
        window_kind=w.kind,
        start=w.start,
        end=w.end,
        notice_url=notice.url if notice else "",
        notice_title=notice.title
        if notice
        else f"{w.committee}（工作人员录入）"
        if w.reviewed_by
        else f"{w.committee}（据上年度推算）",
        today=today,
        previous_start=prev.start if prev else None,
        previous_end=prev.end if prev else None,
        checklist=checklist,
        note=WEEKEND_NOTE
        if w.status == WindowStatus.ESTIMATE and WEEKEND_NOTE in w.evidence
        else REVIEWED_NOTE
        if w.reviewed_by
        else UNSURE_NOTE
        if w.confidence is not None and w.confidence < review_below
        else "",
    )
