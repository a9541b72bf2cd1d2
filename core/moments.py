"""Scheduled moments as plain functions, so cron runs and the daemon decide "is it due?" alike.

Level-triggered: something is due when its most recent scheduled moment is later than the last
time it was done. A run that was missed (sleep, downtime) is therefore caught up exactly once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def day_set(spec: str) -> set[int]:
    """Weekday numbers (Mon=0) from a cron day-of-week field: "mon-fri", "mon,wed,fri", "*"."""
    out: set[int] = set()
    for part in spec.lower().split(","):
        part = part.strip()
        if part in ("*", ""):
            return set(range(7))
        a, _, b = part.partition("-")
        if b:
            i, j = DAYS.index(a[:3]), DAYS.index(b[:3])
            out |= set(range(i, j + 1)) if i <= j else set(range(i, 7)) | set(range(0, j + 1))
        else:
            out.add(DAYS.index(a[:3]))
    return out


def previous_moment(now: datetime, times: tuple[str, ...], days: str) -> datetime | None:
    """The latest scheduled moment at or before ``now`` (within the last 8 days)."""
    allowed = day_set(days)
    best: datetime | None = None
    for back in range(8):
        day = (now - timedelta(days=back)).date()
        if day.weekday() not in allowed:
            continue
        for t in times:
            moment = datetime.combine(day, time.fromisoformat(t), tzinfo=now.tzinfo)
            if moment <= now and (best is None or moment > best):
                best = moment
        if best is not None:
            return best
    return best
