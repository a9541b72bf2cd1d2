"""The deadline digest as plain data: what is open, what closes soonest, what opens next.

The database query that fills a :class:`Digest` lives elsewhere; the renderers in
``notifier.digest.render`` only read it. Keeping the model free of storage, network and
formatting concerns lets every output format be tested from hand-built objects.

Conventions the producer must follow (the renderers rely on them and do not re-sort):

* dates are strings, ``"YYYY-MM-DD"`` or ``"YYYY-MM-DDTHH:MM"``, in Asia/Shanghai local time;
  ``start`` is ``None`` for a bare deadline, ``end`` is ``None`` when unknown;
* ``open_now`` is ordered soonest end first, ``opening_soon`` soonest start first;
* every string that came from a scraped page (committee, titles, evidence, URLs) is untrusted:
  each renderer escapes it for its own format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.vocabulary import KIND_LABELS, kind_label

__all__ = ["KIND_LABELS", "Digest", "DigestEntry", "NeedsReview", "kind_label"]


@dataclass(frozen=True)
class DigestEntry:
    """One window of one committee, as staff should see it today."""

    committee: str
    kind: str  # apply | accept | unit_review | paper | fee | review | other
    start: str | None  # "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (Asia/Shanghai), None for a bare deadline
    end: str | None  # same; None if unknown
    status: str  # upcoming | open | closed
    days_left: int | None  # whole days from today to the end date (negative when closed); None: no end
    notice_url: str
    notice_title: str
    predicted: bool  # an estimate from last season's dates, not a published window
    window_key: str  # stable identity of the window across re-extraction (the ICS UID is built on it)
    evidence: str = ""
    previous_start: str | None = None  # for "recently changed": the old dates
    previous_end: str | None = None
    # Identity and history, for the web board's links and the calendar: the stored rows' ids (None for a
    # hand-built entry), how many times the window's dates changed (the ICS SEQUENCE) and when this
    # version was recorded (aware, UTC: the ICS DTSTAMP, so an unchanged window reads the same each poll).
    window_id: int | None = None
    notice_id: int | None = None
    sequence: int = 0
    recorded_at: datetime | None = None
    reviewed: bool = False  # a member of staff confirmed, corrected or added it (人工核对)


@dataclass(frozen=True)
class NeedsReview:
    """A notice whose dates could not be read; a person has to look at it."""

    title: str
    url: str
    published: str | None
    notice_id: int | None = None  # the stored notice (the staff review queue links it)
    reason: str = ""  # why, when the crawl said (a cap was hit, an edit was held, dates changed after review)


@dataclass(frozen=True)
class Digest:
    """Everything one digest shows, already grouped and ordered."""

    generated_at: datetime  # aware, Asia/Shanghai
    days: int  # the "opening within N days" horizon
    open_now: list[DigestEntry] = field(default_factory=list)  # soonest end first
    opening_soon: list[DigestEntry] = field(default_factory=list)  # soonest start first
    recently_closed: list[DigestEntry] = field(default_factory=list)  # closed within 7 days
    recently_changed: list[DigestEntry] = field(default_factory=list)  # with previous_start/previous_end
    estimates: list[DigestEntry] = field(default_factory=list)  # predicted=True
    needs_review: list[NeedsReview] = field(default_factory=list)  # notices whose dates could not be read

    def __post_init__(self) -> None:
        # "Today" and the ICS DTSTAMP both come from generated_at; a naive value would silently
        # take the server's zone, which is exactly the off-by-one-day bug this guards against.
        if self.generated_at.tzinfo is None or self.generated_at.utcoffset() is None:
            raise ValueError("Digest.generated_at must be timezone-aware")

    def is_empty(self) -> bool:
        """True when there is nothing at all to tell staff (callers may then skip sending)."""
        return not (
            self.open_now
            or self.opening_soon
            or self.recently_closed
            or self.recently_changed
            or self.estimates
            or self.needs_review
        )
