"""Time helpers: everything user-facing is Asia/Shanghai; the database stores naive UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def season_year(today: date) -> int:
    """The review year (年度) whose windows come next: 2025年度 opens Dec 2025 - Apr 2026."""
    return today.year if today.month >= 7 else today.year - 1


def parse_now(value: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """ISO 8601 date or time; without an offset it means local (Asia/Shanghai) time."""
    text = value.strip().replace("Z", "+00:00")
    dt = (
        datetime.fromisoformat(text)
        if "T" in text or " " in text
        else datetime.combine(date.fromisoformat(text), time())
    )
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def now_local(tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.now(tz)


def to_utc_naive(dt: datetime) -> datetime:
    return dt.astimezone(UTC).replace(tzinfo=None)


def from_utc_naive(dt: datetime, tz: ZoneInfo = SHANGHAI) -> datetime:
    return dt.replace(tzinfo=UTC).astimezone(tz)


def window_point(value: str, tz: ZoneInfo = SHANGHAI, *, end: bool = False) -> datetime:
    """A window bound as an aware time: a date-only start is 00:00, a date-only end 23:59:59."""
    if "T" in value:
        return datetime.fromisoformat(value).replace(tzinfo=tz)
    d = date.fromisoformat(value)
    return datetime.combine(d, time(23, 59, 59) if end else time(), tzinfo=tz)
