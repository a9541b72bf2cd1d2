"""Estimates: a committee that has not announced yet is expected at last season's dates, a year on.

An estimate is a window of status ``estimate`` with no notice; alerts about it say 预估. When the
committee's real notice comes, its window takes the estimate's key as a later version, so the
ledger tells subscribers what changed.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.timeutil import season_year
from core.vocabulary import WindowKind, WindowStatus
from store.models import Notice, Window
from store.windows import window_key

# Said in an estimate's evidence, and so in its alerts, when its deadline was moved off a weekend.
WEEKEND_NOTE = "推算的截止日逢周末，已提前到前一个工作日"


def shift_year(value: str | None) -> str | None:
    if value is None:
        return None
    d = date.fromisoformat(value[:10])
    try:
        moved = d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        moved = d.replace(year=d.year + 1, day=28)
    return moved.isoformat() + value[10:]


def estimated_end(last_end: str | None) -> tuple[str | None, bool]:
    """Last season's deadline a year on, moved back to the Friday when it lands on a Saturday or Sunday
    (offices do not take submissions at the weekend); True when it was moved. Public holidays are not
    counted here."""
    end = shift_year(last_end)
    if end is None:
        return None, False
    day = date.fromisoformat(end[:10])
    if day.weekday() < 5:
        return end, False
    friday = day - timedelta(days=day.weekday() - 4)
    return friday.isoformat() + end[10:], True


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
        end, moved = estimated_end(w.end)
        how = f"据{year - 1}年度通知推算" + (f"（{WEEKEND_NOTE}）" if moved else "")
        session.add(
            Window(
                key=key,
                version=1,
                notice_id=None,
                committee=w.committee,
                review_year=year,
                kind=w.kind,
                start=shift_year(w.start),
                end=end,
                evidence=f"{how}：{w.evidence[:200]}",
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
