"""The applicant's own timeline in the database (issue 17): the events they record, by application.

An application is one subscriber's for one committee's window: the apply (else accept) window of the
committee named, identified by its ``key`` so that it holds across the window's versions. Recording an
event that is already recorded (same application, event and day) changes nothing, so a link clicked twice
or a command run again records it once. notifier.timeline plans the reminders from these rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.errors import TimelineError
from core.vocabulary import APPLICATION_EVENTS, EVENT_LABELS, WindowKind, WindowStatus
from extractor.traditional import to_simplified
from store.models import SubscriberRow, TimelineEvent, Window

# The steps an application is made in: the applicant's own (apply) first, else the committee's acceptance.
APPLICATION_KINDS = (WindowKind.APPLY.value, WindowKind.ACCEPT.value)
# An event further back than this is a typo, not an application still under way.
OLDEST_DAYS = 366


@dataclass(frozen=True)
class Application:
    subscriber: str
    window_key: str
    committee: str
    events: tuple[TimelineEvent, ...]


def _window_choices(session: Session, keyword: str) -> list[Window]:
    want = to_simplified(keyword.strip())
    rows = session.scalars(
        select(Window)
        .where(Window.status == WindowStatus.CURRENT, Window.kind.in_(APPLICATION_KINDS))
        .order_by(Window.id)
    )
    return [w for w in rows if want and want in to_simplified(w.committee)]


def _season_point(w: Window) -> str:
    return (w.end or w.start or "")[:10]


def find_application_window(session: Session, keyword: str) -> Window:
    """The window an application to the committee named by ``keyword`` is for.

    The committee must be one (a keyword matching several committees is refused, naming them); of its
    windows, the apply step if it has one, else the acceptance, of the latest season.
    """
    matches = _window_choices(session, keyword)
    if not matches:
        raise TimelineError(
            f"no application window of a committee matching {keyword!r} is stored "
            "(see `zcwatch digest` for the committees and their windows)"
        )
    committees = sorted({w.committee for w in matches})
    if len(committees) > 1:
        shown = "、".join(committees[:6]) + ("…" if len(committees) > 6 else "")
        raise TimelineError(
            f"{keyword!r} matches {len(committees)} committees ({shown}): name one more fully"
        )
    return _best(matches)


def _best(windows: list[Window]) -> Window:
    return max(windows, key=lambda w: (w.kind == WindowKind.APPLY, _season_point(w), w.id))


def application_windows(session: Session) -> list[Window]:
    """One window per committee that an application can be recorded for (the manage page's choice), by
    committee name."""
    by_committee: dict[str, list[Window]] = {}
    for w in session.scalars(
        select(Window).where(Window.status == WindowStatus.CURRENT, Window.kind.in_(APPLICATION_KINDS))
    ):
        by_committee.setdefault(w.committee, []).append(w)
    return [_best(ws) for _, ws in sorted(by_committee.items())]


def check_event(event: str, day: date, today: date) -> None:
    if event not in APPLICATION_EVENTS:
        raise TimelineError(f"unknown event {event!r}; expected one of {', '.join(APPLICATION_EVENTS)}")
    if day > today:
        raise TimelineError(f"{day.isoformat()} is in the future: record what has happened, on its day")
    if day < today - timedelta(days=OLDEST_DAYS):
        raise TimelineError(f"{day.isoformat()} is more than a year ago")


def record(
    session: Session, subscriber: str, window: Window, event: str, day: date, today: date, via: str
) -> tuple[TimelineEvent, bool]:
    """Record one event of ``subscriber``'s application for ``window``; (the row, whether it is new)."""
    check_event(event, day, today)
    if session.scalar(select(SubscriberRow.id).where(SubscriberRow.name == subscriber)) is None:
        raise TimelineError(f"no subscriber named {subscriber!r} (see `zcwatch subscribers list`)")
    same = session.scalars(
        select(TimelineEvent).where(
            TimelineEvent.subscriber == subscriber,
            TimelineEvent.window_key == window.key,
            TimelineEvent.event == event,
            TimelineEvent.day == day.isoformat(),
        )
    ).first()
    if same is not None:
        return same, False
    row = TimelineEvent(
        subscriber=subscriber,
        window_key=window.key,
        committee=window.committee,
        event=event,
        day=day.isoformat(),
        via=via,
    )
    session.add(row)
    session.flush()
    return row, True


def remove_event(session: Session, subscriber: str, event_id: int) -> TimelineEvent:
    """Delete one of ``subscriber``'s events (recorded by mistake); another's is "no such event"."""
    row = session.get(TimelineEvent, event_id)
    if row is None or row.subscriber != subscriber:
        raise TimelineError(f"no event {event_id} of {subscriber!r}")
    session.delete(row)
    session.flush()
    return row


def applications(session: Session, subscribers: Sequence[str] | None = None) -> list[Application]:
    """Applications with their events in the order they happened (day, then as recorded)."""
    q = select(TimelineEvent).order_by(
        TimelineEvent.subscriber, TimelineEvent.window_key, TimelineEvent.day, TimelineEvent.id
    )
    if subscribers is not None:
        q = q.where(TimelineEvent.subscriber.in_(subscribers))
    by_app: dict[tuple[str, str], list[TimelineEvent]] = {}
    for row in session.scalars(q):
        by_app.setdefault((row.subscriber, row.window_key), []).append(row)
    return [Application(sub, key, rows[-1].committee, tuple(rows)) for (sub, key), rows in by_app.items()]


def has_events(session: Session) -> bool:
    return bool(session.scalar(select(func.count(TimelineEvent.id))))


def forget(session: Session, subscriber: str) -> int:
    """Delete a subscriber's events (with the subscriber: they are personal data). Returns how many."""
    result = session.execute(delete(TimelineEvent).where(TimelineEvent.subscriber == subscriber))
    return int(getattr(result, "rowcount", 0) or 0)


def label(event: str) -> str:
    return EVENT_LABELS.get(event, event)
