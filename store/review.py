"""Staff's word on windows (issue 16): confirm, correct, dismiss, add; kept apart from extraction.

A review is a ``WindowReview`` row keyed by the window's ``key``; the window itself changes the way an
edited notice changes it, so everything downstream (the board, the digest, the calendar, alerts) needs
nothing new:

- **confirm**: the window stays as it is and is marked ``reviewed_by`` (shown as 人工核对).
- **correct**: new dates, step or committee become a new *version* of the same key (the old one
  superseded, never deleted), so the planner sends ``changed`` alerts to whoever was told the old dates,
  exactly as for an extension. Nothing changed is a confirmation.
- **dismiss**: the window is superseded and no version is current: it is shown and told to nobody, and
  its failed alerts are not retried (``notifier.ledger.expire_late``).
- **add**: a window no notice gave, with a key of its own (``manual:``), optionally tied to a notice.

``store.windows.apply_windows`` consults ``in_force`` before it writes: a reviewed key is left as staff set
it, whatever the next crawl or re-extraction reads. When the notice's text later gives *other* dates than
the extractor read when staff reviewed it, the notice goes back to the review queue (``review_reason``).

Each action is one call inside the caller's transaction and adds its audit row (``store.staff.audit``).
The window is addressed by its stored id, which names one version: acting on a version that is no longer
current is refused (409), so two people, or a person and a crawl, never overwrite each other unseen.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ReviewError
from core.timeutil import season_year
from core.vocabulary import WINDOW_KINDS, ReviewAction, WindowStatus
from store.models import Notice, Window, WindowReview, utcnow
from store.staff import audit

EDITABLE = ("start", "end", "kind", "committee")
_WHEN_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?$")
NOTE_MAX = 500
COMMITTEE_MAX = 200
# Why a reviewed notice is back in the queue: the page now gives other dates than staff looked at.
EDITED_REASON = "人工核对后原文日期有变，请重新核对"


def in_force(session: Session, keys: Iterable[str]) -> dict[str, WindowReview]:
    """The review in force for each of ``keys`` that has one."""
    wanted = set(keys)
    if not wanted:
        return {}
    rows = session.scalars(
        select(WindowReview).where(WindowReview.window_key.in_(wanted), WindowReview.revoked_at.is_(None))
    )
    return {r.window_key: r for r in rows}


def check_when(value: Any, field: str) -> str | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (a space for the T is accepted), or None/"" for none."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ReviewError(f"{field}: a date YYYY-MM-DD or YYYY-MM-DDTHH:MM, or null")
    m = _WHEN_RE.match(value.strip())
    if not m:
        raise ReviewError(f"{field}: {value[:40]!r} is not a date YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    day, hm = m.groups()
    try:
        datetime.fromisoformat(f"{day}T{hm or '00:00'}")
    except ValueError:
        raise ReviewError(f"{field}: {value[:40]!r} is not a real date or time") from None
    return f"{day}T{hm}" if hm else day


def _checked(state: dict[str, Any]) -> dict[str, Any]:
    start, end = check_when(state["start"], "start"), check_when(state["end"], "end")
    if start is None and end is None:
        raise ReviewError("a window needs a start or an end")
    if start and end:
        # A date alone starts at the day's beginning and ends at its end.
        if (start if len(start) > 10 else start + "T00:00") > (end if len(end) > 10 else end + "T23:59"):
            raise ReviewError(f"the start {start} is after the end {end}")
        if start > end:  # stored dates compare as text: 2026-03-02T09:00 > 2026-03-02, so say the end's time
            end += "T23:59"
    if state["kind"] not in WINDOW_KINDS:
        raise ReviewError(f"kind: one of {', '.join(WINDOW_KINDS)}")
    committee = str(state["committee"] or "").strip()
    if not committee or len(committee) > COMMITTEE_MAX:
        raise ReviewError(f"committee: 1-{COMMITTEE_MAX} characters")
    return {"start": start, "end": end, "kind": state["kind"], "committee": committee}


def _note(note: Any) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ReviewError("note: text")
    return note.strip()[:NOTE_MAX]


def state_of(w: Window) -> dict[str, Any]:
    return {"start": w.start, "end": w.end, "kind": w.kind, "committee": w.committee}


def current_window(session: Session, window_id: int) -> Window:
    """The window version ``window_id``, which must be current; a ReviewError (404/409) otherwise."""
    w = session.get(Window, window_id)
    if w is None or w.status == WindowStatus.ESTIMATE:
        raise ReviewError(f"no window {window_id}", status=404)
    if w.status != WindowStatus.CURRENT:
        newer = session.scalar(
            select(Window.id).where(Window.key == w.key, Window.status == WindowStatus.CURRENT)
        )
        raise ReviewError(
            f"window {window_id} has been replaced"
            + (f" by window {newer}: reload and check it again" if newer else " (dismissed)"),
            status=409,
        )
    return w


def _record(
    session: Session, w: Window, action: str, state: dict[str, Any], staff: str, note: str
) -> WindowReview:
    now = utcnow()
    before = in_force(session, [w.key]).get(w.key)
    if before is not None:
        before.revoked_at = now
    # What the extractor read for this key, so a later edit of the notice is noticed (``keep_reviewed``):
    # the review in force knows it (extraction never writes a reviewed key again); with none, the window
    # is the extractor's own (only a review sets ``reviewed_by``, and a review is only ever replaced).
    read_dates = (before.read_start, before.read_end) if before else (w.start, w.end)
    row = WindowReview(
        window_key=w.key,
        action=action,
        note=note,
        staff=staff,
        created_at=now,
        read_start=read_dates[0],
        read_end=read_dates[1],
        **state,
    )
    session.add(row)
    return row


def _new_version(session: Session, w: Window, state: dict[str, Any], staff: str) -> Window:
    now = utcnow()
    w.status, w.superseded_at = WindowStatus.SUPERSEDED, now
    latest = session.scalar(select(Window.version).where(Window.key == w.key).order_by(Window.version.desc()))
    new = Window(
        key=w.key,
        version=(latest or w.version) + 1,
        notice_id=w.notice_id,
        review_year=w.review_year,
        evidence=w.evidence,
        confidence=w.confidence,
        status=WindowStatus.CURRENT,
        created_at=now,
        reviewed_by=staff,
        **state,
    )
    session.add(new)
    session.flush()
    return new


def confirm(session: Session, window_id: int, staff: str, via: str, note: Any = None) -> Window:
    w = current_window(session, window_id)
    before = {**state_of(w), "reviewed_by": w.reviewed_by}
    _record(session, w, ReviewAction.CONFIRM, state_of(w), staff, _note(note))
    w.reviewed_by = staff
    audit(
        session,
        staff,
        via,
        ReviewAction.CONFIRM,
        f"window {w.id}",
        before,
        {**state_of(w), "note": _note(note)},
    )
    session.flush()
    return w


def correct(
    session: Session, window_id: int, staff: str, via: str, changes: dict[str, Any], note: Any = None
) -> Window:
    """Set any of start, end, kind, committee; returns the window as it now is (a new version if changed)."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ReviewError(f"cannot change {', '.join(sorted(unknown))}: only {', '.join(EDITABLE)}")
    w = current_window(session, window_id)
    before = state_of(w)
    after = _checked({**before, **changes})
    if after == before:
        return confirm(session, window_id, staff, via, note)
    _record(session, w, ReviewAction.CORRECT, after, staff, _note(note))
    new = _new_version(session, w, after, staff)
    audit(
        session,
        staff,
        via,
        ReviewAction.CORRECT,
        f"window {w.id} -> {new.id}",
        before,
        {**after, "note": _note(note)},
    )
    return new


def dismiss(session: Session, window_id: int, staff: str, via: str, note: Any = None) -> Window:
    w = current_window(session, window_id)
    _record(session, w, ReviewAction.DISMISS, state_of(w), staff, _note(note))
    w.status, w.superseded_at = WindowStatus.SUPERSEDED, utcnow()
    audit(session, staff, via, ReviewAction.DISMISS, f"window {w.id}", state_of(w), {"note": _note(note)})
    session.flush()
    return w


def add(
    session: Session,
    staff: str,
    via: str,
    fields: dict[str, Any],
    note: Any = None,
    notice_id: int | None = None,
) -> Window:
    """A window by hand (``fields``: start, end, kind, committee); ``notice_id`` ties it to a notice."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ReviewError(f"unknown field(s) {', '.join(sorted(unknown))}: only {', '.join(EDITABLE)}")
    state = _checked({"start": None, "end": None, "kind": None, "committee": None, **fields})
    notice = session.get(Notice, notice_id) if notice_id is not None else None
    if notice_id is not None and notice is None:
        raise ReviewError(f"no notice {notice_id}", status=404)
    first = date.fromisoformat((state["start"] or state["end"])[:10])
    year = notice.review_year if notice and notice.review_year else season_year(first)
    w = Window(
        key="manual:" + secrets.token_hex(8),
        version=1,
        notice_id=notice.id if notice else None,
        review_year=year,
        evidence=_note(note) or "人工录入",
        status=WindowStatus.CURRENT,
        reviewed_by=staff,
        **state,
    )
    session.add(w)
    session.flush()
    _record(session, w, ReviewAction.ADD, state, staff, _note(note))
    audit(session, staff, via, ReviewAction.ADD, f"window {w.id}", {}, {**state, "note": _note(note)})
    session.flush()
    return w


def notice_reviewed(session: Session, notice_id: int, staff: str, via: str) -> None:
    """A needs-review notice a person has looked at: off the queue until its text changes again."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise ReviewError(f"no notice {notice_id}", status=404)
    before = {"review_reason": notice.review_reason}
    notice.reviewed_hash = notice.content_hash or ""
    notice.review_reason = None
    audit(session, staff, via, ReviewAction.CONFIRM, f"notice {notice.id}", before, {"review_reason": None})


@dataclass(frozen=True)
class Kept:
    """What ``apply_windows`` learns from the reviews of a notice's keys."""

    keys: frozenset[str]  # reviewed: never written by extraction
    edited: bool  # the text now gives other dates than staff reviewed


def keep_reviewed(session: Session, notice: Notice, read: dict[str, tuple[str | None, str | None]]) -> Kept:
    """The reviewed keys among a notice's (``read``: key -> the dates just extracted; and the keys of its
    current windows), and whether the text now gives other dates than staff looked at. The reviews
    remember the new reading (``read_start``/``read_end``), so the next review compares with it."""
    current = set(
        session.scalars(
            select(Window.key).where(Window.notice_id == notice.id, Window.status == WindowStatus.CURRENT)
        )
    )
    reviews = in_force(session, set(read) | current)
    edited = False
    for key, dates in read.items():
        r = reviews.get(key)
        if r is not None and r.action != ReviewAction.ADD and (r.read_start, r.read_end) != dates:
            r.read_start, r.read_end = dates
            edited = True
    return Kept(frozenset(reviews), edited)
