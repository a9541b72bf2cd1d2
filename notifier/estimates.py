"""Estimates: a committee that has not announced yet is expected at last season's dates, a year on.

An estimate is a window of status ``estimate`` with no notice; alerts about it say 预估. When the
committee's real notice comes, its window takes the estimate's key as a later version, so the
ledger tells subscribers what changed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.vocabulary import WindowKind, WindowStatus
from store.models import Notice, Window
from store.windows import window_key


def season_year(today: date) -> int:
    """The review year (年度) whose windows come next: 2025年度 opens Dec 2025 - Apr 2026."""
    return today.year if today.month >= 7 else today.year - 1


def shift_year(value: str | None) -> str | None:
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
                Window.review_year == year, Window.status.in_((WindowStatus.CURRENT, WindowStatus.ESTIMATE))
            )
        )
    )
    if session.scalar(
        select(func.count())
        .select_from(Window)
        .where(Window.review_year == year, Window.status == WindowStatus.SUPERSEDED)
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
            Window.status == WindowStatus.CURRENT,
            Window.kind.in_((WindowKind.APPLY, WindowKind.ACCEPT)),
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
                start=shift_year(w.start),
                end=shift_year(w.end),
                evidence=f"据{year - 1}年度通知推算：{w.evidence[:200]}",
                status=WindowStatus.ESTIMATE,
            )
        )
        created += 1
    session.flush()
    return created


def last_season_notice(session: Session, w: Window) -> Notice | None:
    """An estimate links to the notice of last season's window it was made from."""
    if w.review_year is None:
        return None
    key = window_key(w.committee, w.review_year - 1, w.kind, 0, "")
    src = session.scalars(select(Window).where(Window.key == key).order_by(Window.version.desc())).first()
    return session.get(Notice, src.notice_id) if src is not None and src.notice_id else None
