"""The alert planner: which alerts are due at ``now``, as a plain function of the stored state.

Level-triggered: nothing remembers "the last run". Each run looks at every live window and at
the ledger and returns the alerts whose moment has come and that no ledger row covers yet, so
a missed run, a sleep or a week of downtime catches up exactly once. An alert whose moment has
passed *and* that is no longer useful (the window it announces has opened or closed) comes back
as ``skipped`` so the ledger records it instead of sending it.

Moments, for a window of a subscribed kind (default: apply, accept), at ``alerts.opens_at``
local time:
- ``month_ahead``: lead days before the start, if the window was known by then; else
- ``announced``: at once when a window is found after its month-ahead moment;
- ``opens``: on the start day; ``closing_soon``: N days before the end;
- ``changed``: when a later version of a window that was already alerted appears;
- ``estimate``: month-ahead on last season's dates moved a year on, until the real notice; still
  sent (worded as possibly open already) while the estimated window is open.

An alert sent after its day keeps its kind; notifier.messages words it from ``today`` (an ``opens``
alert days late says when the window opened, never "today").

Coverage (what "already sent" means) is per subscriber and channel: month_ahead/announced once
per window key; opens once per start date; closing_soon once per end date; changed once per
version; estimate once per key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.timeutil import SHANGHAI, window_point
from core.vocabulary import DEFAULT_SUBSCRIBED_KINDS, AlertKind, DeliveryStatus, WindowStatus
from extractor.traditional import to_simplified

DEFAULT_KINDS = DEFAULT_SUBSCRIBED_KINDS
RECENT_DAYS = 30  # windows that closed longer ago than this are not planned at all
_NO_ROWS: list[LedgerRow] = []


@dataclass(frozen=True)
class PlanWindow:
    id: int
    key: str
    version: int
    committee: str
    kind: str
    start: str | None
    end: str | None
    status: str  # current | estimate
    first_seen: datetime  # aware: when the key's first version was stored
    version_seen: datetime  # aware: when this version was stored


@dataclass(frozen=True)
class PlanChannel:
    subscriber: str
    channel: str
    lead_days: int
    kinds: tuple[str, ...]
    committees: tuple[str, ...]
    quiet_hours: str = ""

    def wants(self, w: PlanWindow) -> bool:
        return _wanted(self.kinds, self.committees, w.kind, to_simplified(w.committee))


def _wanted(kinds: tuple[str, ...], committees: tuple[str, ...], kind: str, committee: str) -> bool:
    """Whether a subscriber's filter takes a window of ``kind`` for ``committee`` (in simplified form:
    a traditional-character repost names its committee so, 廣州市衞生…, and keywords compare simplified)."""
    if kind not in (kinds or DEFAULT_KINDS):
        return False
    return not committees or any(to_simplified(k) in committee for k in committees)


@dataclass(frozen=True)
class LedgerRow:
    subscriber: str
    channel: str
    key: str
    version: int
    kind: str
    start: str | None
    end: str | None
    status: str


@dataclass(frozen=True)
class Planned:
    subscriber: str
    channel: str
    window_id: int
    key: str
    version: int
    kind: str
    due_at: datetime  # aware
    status: str  # pending | skipped


@dataclass(frozen=True)
class PlanSettings:
    closing_soon_days: int = 3
    opens_at: time = time(9, 0)
    tz: ZoneInfo = SHANGHAI


def _at(d: date, settings: PlanSettings) -> datetime:
    return datetime.combine(d, settings.opens_at, tzinfo=settings.tz)


def after_quiet_hours(moment: datetime, quiet: str) -> datetime:
    """Move a moment that falls in "HH:MM-HH:MM" (may wrap midnight) to the end of that period."""
    if not quiet:
        return moment
    a, _, b = quiet.partition("-")
    start, end = time.fromisoformat(a), time.fromisoformat(b)
    t = moment.timetz().replace(tzinfo=None)
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return moment
    day = moment.date() if (start < end or t < end) else moment.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=moment.tzinfo)


def _candidates(
    w: PlanWindow, lead_days: int, s: PlanSettings, now: datetime
) -> Iterable[tuple[str, datetime, datetime | None]]:
    """(alert kind, due moment, useful until) for one window and a channel with this lead time."""
    # A window is known no later than `now`: this keeps `--now` in the past meaningful.
    first_seen, version_seen = min(w.first_seen, now), min(w.version_seen, now)
    start_t = window_point(w.start, s.tz) if w.start else None
    end_t = window_point(w.end, s.tz, end=True) if w.end else None
    if w.status == WindowStatus.ESTIMATE:
        if w.start:
            ahead = _at(date.fromisoformat(w.start[:10]) - timedelta(days=lead_days), s)
            # Still worth sending while the estimated window is open (the message says it may have
            # started already); only an estimated window that has closed too is past helping.
            yield AlertKind.ESTIMATE, ahead, end_t or start_t
        return
    if w.start:
        ahead = _at(date.fromisoformat(w.start[:10]) - timedelta(days=lead_days), s)
        if first_seen <= ahead:
            yield AlertKind.MONTH_AHEAD, ahead, start_t
        else:
            yield AlertKind.ANNOUNCED, first_seen, end_t or start_t
        opens = _at(date.fromisoformat(w.start[:10]), s)
        yield AlertKind.OPENS, opens, end_t or (opens + timedelta(days=1))
    else:
        yield AlertKind.ANNOUNCED, first_seen, end_t
    if w.end and s.closing_soon_days > 0:
        closing = _at(date.fromisoformat(w.end[:10]) - timedelta(days=s.closing_soon_days), s)
        if start_t is None or closing > _at(start_t.date(), s):
            yield AlertKind.CLOSING_SOON, closing, end_t
    if w.version > 1:
        yield AlertKind.CHANGED, version_seen, end_t


def _covered(kind: str, w: PlanWindow, rows: list[LedgerRow]) -> bool:
    if kind in (AlertKind.MONTH_AHEAD, AlertKind.ANNOUNCED):
        return any(r.kind in (AlertKind.MONTH_AHEAD, AlertKind.ANNOUNCED) for r in rows)
    if kind == AlertKind.OPENS:
        return any(r.kind == AlertKind.OPENS and r.start == w.start for r in rows)
    if kind == AlertKind.CLOSING_SOON:
        return any(r.kind == AlertKind.CLOSING_SOON and r.end == w.end for r in rows)
    if kind == AlertKind.CHANGED:
        return any(r.kind == AlertKind.CHANGED and r.version == w.version for r in rows)
    return any(r.kind == kind for r in rows)


def plan(
    now: datetime,
    windows: Iterable[PlanWindow],
    channels: Iterable[PlanChannel],
    ledger: Iterable[LedgerRow],
    settings: PlanSettings,
) -> list[Planned]:
    by_target: dict[tuple[str, str, str], list[LedgerRow]] = {}
    for r in ledger:
        by_target.setdefault((r.subscriber, r.channel, r.key), []).append(r)
    horizon = now - timedelta(days=RECENT_DAYS)
    live = [w for w in windows if not w.end or window_point(w.end, settings.tz, end=True) >= horizon]
    out: list[Planned] = []
    channels = list(channels)
    # 100,000 subscribers share a few hundred filters and lead times at most: each window is matched
    # against each distinct filter once, and its alert moments worked out once per lead time. The
    # channels are still walked in their order, so the plan is the same as asking each one.
    filters: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    filter_of = [filters.setdefault((c.kinds, c.committees), len(filters)) for c in channels]
    for w in live:
        committee = to_simplified(w.committee)
        wanted = [_wanted(kinds, committees, w.kind, committee) for kinds, committees in filters]
        moments: dict[int, list[tuple[str, datetime, datetime | None]]] = {}
        for c, f in zip(channels, filter_of, strict=True):
            if not wanted[f]:
                continue
            candidates = moments.get(c.lead_days)
            if candidates is None:
                candidates = moments[c.lead_days] = list(_candidates(w, c.lead_days, settings, now))
            rows = by_target.get((c.subscriber, c.channel, w.key), _NO_ROWS)
            for kind, due, useful_until in candidates:
                if due > now or _covered(kind, w, rows):
                    continue
                if kind == AlertKind.CHANGED and not any(
                    r.version < w.version and r.status == DeliveryStatus.SENT and r.kind != AlertKind.ESTIMATE
                    for r in rows
                ):
                    continue  # nobody was told the old dates (an estimate is no date): nothing to correct
                stale = useful_until is not None and now > useful_until
                out.append(
                    Planned(
                        subscriber=c.subscriber,
                        channel=c.channel,
                        window_id=w.id,
                        key=w.key,
                        version=w.version,
                        kind=kind,
                        due_at=due if stale else after_quiet_hours(max(due, now), c.quiet_hours),
                        status=DeliveryStatus.SKIPPED if stale else DeliveryStatus.PENDING,
                    )
                )
    return out
