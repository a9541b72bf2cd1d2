"""Recording a notice's extracted windows, without ever deleting what was there.

A window's ``key`` is its logical identity: committee + review year + kind + ordinal among the
notice's windows of that kind. A correction or extension published as a *new* notice yields
the same key, so it becomes a new version of the same window (the alert planner then tells
subscribers "old -> new"). A newer version supersedes the older one; an older notice being
re-read never overrides a newer notice's dates. Windows a notice no longer yields are marked
superseded, not deleted. A key staff have reviewed is left as they set it (``store.review``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.vocabulary import WindowStatus
from store.models import Notice, Window, utcnow
from store.review import EDITED_REASON, keep_reviewed


@dataclass(frozen=True)
class Extracted:
    kind: str
    start: str | None
    end: str | None
    evidence: str
    # The committee a row, list item or heading of a multi-committee notice gives this window; None: the
    # notice's own committee.
    committee: str | None = None
    confidence: float | None = None  # how sure the extractor was (0-1)


@dataclass(frozen=True)
class NoticeReading:
    """What the extractor read from a notice, handed to the store by the crawl pipeline."""

    committee: str | None
    review_year: int | None
    windows: list[Extracted]
    # Set when the reading was bounded (a text or window cap was hit): the notice needs a person's look.
    capped: str | None = None
    # The extractor's READER_VERSION that read it (stored with the notice: a newer one reads it again).
    reader: int | None = None
    # Whose a window is that names no committee of its own when that is not the notice's: in a notice of
    # several committees that is none of theirs, all of them ("A、B"; extractor.shared_committee).
    shared: str | None = None


@dataclass
class WindowChanges:
    added: int = 0
    changed: int = 0
    superseded: int = 0


# A notice naming a dozen committees for a shared step would name a window for a paragraph; listings and
# alerts show the first ones (the text and evidence are kept in full).
_COMMITTEE_CHARS = 200


def window_key(committee: str | None, review_year: int | None, kind: str, ordinal: int, url: str) -> str:
    who = committee or f"notice:{url}"
    raw = f"{who}|{review_year or ''}|{kind}|{ordinal}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _published(notice: Notice | None) -> str:
    if notice is None:
        return ""
    return notice.published or notice.listing_date or ""


def apply_windows(
    session: Session, notice: Notice, extracted: list[Extracted], shared: str | None = None
) -> WindowChanges:
    """Store a notice's freshly extracted windows as new versions where their dates differ.

    ``shared`` names a window without a committee of its own (``NoticeReading.shared``); its key stays
    the notice's, so naming it so later (a newer extractor) renames the stored window instead of
    replacing it with a new one that subscribers would be told about again.
    """
    now = utcnow()
    changes = WindowChanges()
    # Ordinals count per committee and kind: in a notice that lists several committees, each committee's
    # windows are keyed as if it had its own notice (so its own later notice versions them).
    ordinals: Counter[tuple[str | None, str]] = Counter()
    keyed: list[tuple[str, str | None, Extracted]] = []  # (key, the window's committee, window)
    for w in extracted:
        if w.start is None and w.end is None:
            continue
        who = w.committee or notice.committee
        key = window_key(who, notice.review_year, w.kind, ordinals[(who, w.kind)], notice.url)
        keyed.append((key, who, w))
        ordinals[(who, w.kind)] += 1
    seen_keys = {key for key, _, _ in keyed}
    # Staff have the last word (store.review): a key they confirmed, corrected, dismissed or added is
    # never written by extraction; a text that now reads other dates than they looked at is queued again.
    kept = keep_reviewed(session, notice, {key: (w.start, w.end) for key, _, w in keyed})
    if kept.edited:
        notice.review_reason = EDITED_REASON
    keyed = [k for k in keyed if k[0] not in kept.keys]
    # Two queries for the whole notice, not two per window: the write transaction stays short.
    currents = {
        c.key: c
        for c in session.scalars(
            select(Window).where(Window.key.in_(seen_keys), Window.status == WindowStatus.CURRENT)
        )
    }
    versions: dict[str, int] = {
        k: v
        for k, v in session.execute(
            select(Window.key, func.max(Window.version)).where(Window.key.in_(seen_keys)).group_by(Window.key)
        )
    }
    replaced: set[tuple[str | None, str]] = set()  # (committee, kind) pairs that now have a real window
    for key, who, w in keyed:
        current = currents.get(key)
        # An extension notice gives only the new deadline ("延长至…"): the window still opened
        # when the earlier notice said it would.
        if (
            current is not None
            and current.notice_id != notice.id
            and w.start is None
            and current.start
            and current.start <= (w.end or current.start)
        ):
            w = replace(w, start=current.start)
        named = (w.committee or shared or who or notice.title)[:_COMMITTEE_CHARS]
        if current is not None and (current.start, current.end) == (w.start, w.end):
            if current.notice_id == notice.id:
                current.evidence = w.evidence
                current.committee = named
            continue
        if current is not None and _published(current.notice) > _published(notice):
            continue  # a newer notice already set this window; an older text does not win
        version = (versions.get(key) or 0) + 1
        versions[key] = version
        if current is not None:
            _supersede(current, now)
            changes.changed += 1
        else:
            changes.added += 1
        replaced.add((who, w.kind))
        session.add(
            Window(
                key=key,
                version=version,
                notice_id=notice.id,
                committee=named,
                review_year=notice.review_year,
                kind=w.kind,
                start=w.start,
                end=w.end,
                evidence=w.evidence[:2000],
                confidence=w.confidence,
                status=WindowStatus.CURRENT,
                created_at=now,
            )
        )
    # One query for the notice's estimates, not one per window.
    _supersede_estimates(session, notice, replaced, now)
    for old in session.scalars(
        select(Window).where(Window.notice_id == notice.id, Window.status == WindowStatus.CURRENT)
    ).all():
        if old.key not in seen_keys and old.key not in kept.keys:
            _supersede(old, now)
            changes.superseded += 1
    session.flush()
    return changes


def _supersede(window: Window, now: datetime) -> None:
    window.status = WindowStatus.SUPERSEDED
    window.superseded_at = now


def _supersede_estimates(
    session: Session, notice: Notice, replaced: set[tuple[str | None, str]], now: datetime
) -> None:
    """The real notice replaces the estimates made from last season for these (committee, kind) pairs."""
    pairs = {(c, k) for c, k in replaced if c}
    if not pairs:
        return
    for est in session.scalars(
        select(Window).where(
            Window.status == WindowStatus.ESTIMATE,
            Window.committee.in_({c for c, _ in pairs}),
            Window.kind.in_({k for _, k in pairs}),
            Window.review_year == notice.review_year,
        )
    ):
        if (est.committee, est.kind) in pairs:
            _supersede(est, now)
