"""SQLAlchemy 2.x typed ORM classes, mapped onto the Core tables of ``store.tables``.

The tables (columns, types, defaults, constraints) are defined once, in ``store.tables``; here each class
says which table it maps (``__table__``), its attributes' Python types for the type checker, and the
relationships. Commands that only read use the tables and never import this module (issue 18).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import DeclarativeBase, Mapped, relationship

from store import tables
from store.tables import _in, utcnow

__all__ = [
    "AuditEntry",
    "Base",
    "CrawlRun",
    "Delivery",
    "Incident",
    "Meta",
    "Notice",
    "NoticeVersion",
    "Source",
    "StaffMember",
    "StaffSession",
    "SubscriberRow",
    "TimelineEvent",
    "Window",
    "WindowReview",
    "_in",
    "utcnow",
]


class Base(DeclarativeBase):
    metadata = tables.metadata


class Source(Base):
    """A watched column; also holds the listing's HTTP validators for conditional requests."""

    __table__ = tables.sources
    id: Mapped[int]
    name: Mapped[str]
    url: Mapped[str]
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    listing_hash: Mapped[str | None]
    last_item_count: Mapped[int | None]
    created_at: Mapped[datetime]


class Notice(Base):
    __table__ = tables.notices
    id: Mapped[int]
    url: Mapped[str]
    source_id: Mapped[int]
    title: Mapped[str]
    listing_date: Mapped[str | None]
    published: Mapped[str | None]
    site: Mapped[str | None]
    host: Mapped[str]
    committee: Mapped[str | None]
    review_year: Mapped[int | None]
    body: Mapped[str | None]
    content_hash: Mapped[str | None]
    attachments: Mapped[list[Any]]
    template: Mapped[str | None]
    encoding: Mapped[str | None]
    fetch_status: Mapped[str]
    fetch_error: Mapped[str | None]
    etag: Mapped[str | None]
    last_modified: Mapped[str | None]
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    changed_at: Mapped[datetime | None]
    review_reason: Mapped[str | None]
    reviewed_hash: Mapped[str | None]
    read_by: Mapped[int | None]
    read_from: Mapped[dict[str, Any] | None]
    versions: Mapped[list[NoticeVersion]] = relationship(back_populates="notice", order_by="NoticeVersion.id")
    windows: Mapped[list[Window]] = relationship(back_populates="notice", order_by="Window.id")


class NoticeVersion(Base):
    """A notice's earlier text, kept when the page is edited in place."""

    __table__ = tables.notice_versions
    id: Mapped[int]
    notice_id: Mapped[int]
    title: Mapped[str]
    body: Mapped[str | None]
    content_hash: Mapped[str | None]
    replaced_at: Mapped[datetime]
    notice: Mapped[Notice] = relationship(back_populates="versions")


class Window(Base):
    __table__ = tables.windows
    id: Mapped[int]
    key: Mapped[str]
    version: Mapped[int]
    notice_id: Mapped[int | None]
    committee: Mapped[str]
    review_year: Mapped[int | None]
    kind: Mapped[str]
    start: Mapped[str | None]
    end: Mapped[str | None]
    evidence: Mapped[str]
    status: Mapped[str]
    created_at: Mapped[datetime]
    superseded_at: Mapped[datetime | None]
    confidence: Mapped[float | None]
    reviewed_by: Mapped[str | None]
    notice: Mapped[Notice | None] = relationship(back_populates="windows")


class CrawlRun(Base):
    __table__ = tables.crawl_runs
    id: Mapped[int]
    source_id: Mapped[int]
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str]
    full: Mapped[bool]
    requests: Mapped[int]
    bytes: Mapped[int]
    items_seen: Mapped[int]
    notices_new: Mapped[int]
    notices_changed: Mapped[int]
    notices_failed: Mapped[int]
    error: Mapped[str | None]


class Delivery(Base):
    """The alert ledger: one row per (subscriber, channel, window version, alert kind), ever."""

    __table__ = tables.deliveries
    id: Mapped[int]
    subscriber: Mapped[str]
    channel: Mapped[str]
    channel_label: Mapped[str]
    window_id: Mapped[int]
    window_key: Mapped[str]
    window_version: Mapped[int]
    alert_kind: Mapped[str]
    status: Mapped[str]
    attempts: Mapped[int]
    due_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    duplicates: Mapped[int]
    created_at: Mapped[datetime]
    lease_owner: Mapped[str | None]
    lease_until: Mapped[datetime | None]
    window: Mapped[Window] = relationship()


class Meta(Base):
    """Small key/value state: when the digest was last sent, health incident bookkeeping, ..."""

    __table__ = tables.meta
    key: Mapped[str]
    value: Mapped[str]


class Incident(Base):
    """A health problem (source down, blocked, layout suspect, deliveries dead), edge-triggered.

    Added in schema version 2. One open row per (scope, problem) at a time; ``resolved_at``
    closes it and ``recovery_sent`` records that the "recovered" alert went out.
    """

    __table__ = tables.incidents
    id: Mapped[int]
    scope: Mapped[str]
    problem: Mapped[str]
    detail: Mapped[str]
    started_at: Mapped[datetime]
    last_alert_at: Mapped[datetime | None]
    alerts_sent: Mapped[int]
    resolved_at: Mapped[datetime | None]
    recovery_sent: Mapped[bool]


class SubscriberRow(Base):
    """A subscriber (schema v6, issue 15): from the config, the CLI or the /subscribe page.

    ``urls`` hold full Apprise URLs only for subscribers an operator wrote (config, CLI). The web's
    channels keep the bare ``address`` (an e-mail address, a WxPusher UID, a WeCom bot key) and are combined
    with the operator's sender when a message goes out (``notifier.deliver``), so the operator's SMTP
    password or app token is never copied into rows. ``nonce`` is mixed into the signature of the
    subscriber's manage and confirmation links (``core.signing``): changing it voids every link.
    Deleting a subscriber deletes its row; the ledger keeps its (anonymous) deliveries, so nothing is re-sent.
    """

    __table__ = tables.subscribers
    id: Mapped[int]
    name: Mapped[str]
    origin: Mapped[str]
    status: Mapped[str]
    channel_type: Mapped[str]
    urls: Mapped[list[Any]]
    address: Mapped[str | None]
    apprise_config: Mapped[str]
    tags: Mapped[list[Any]]
    committees: Mapped[list[Any]]
    kinds: Mapped[list[Any]]
    lead_days: Mapped[int | None]
    quiet_hours: Mapped[str]
    paused_until: Mapped[str | None]
    nonce: Mapped[str]
    created_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    changed_at: Mapped[datetime | None]


class WindowReview(Base):
    """A member of staff's word on a window (schema v7, issue 16), kept apart from what was extracted.

    Keyed by the window's ``key``, so it holds across versions: a re-crawl or re-extraction that reads the
    same notice again finds the review and leaves the window as staff set it (``store.review``). One review
    per key is in force (``revoked_at`` is NULL); a later one revokes it. ``start``/``end``/``kind``/
    ``committee`` are the window as staff left it; ``read_start``/``read_end`` what the extractor had read
    then, so a notice edited afterwards (new dates in the text) is put back in the review queue.
    """

    __table__ = tables.window_reviews
    id: Mapped[int]
    window_key: Mapped[str]
    action: Mapped[str]
    kind: Mapped[str]
    committee: Mapped[str]
    start: Mapped[str | None]
    end: Mapped[str | None]
    read_start: Mapped[str | None]
    read_end: Mapped[str | None]
    note: Mapped[str]
    staff: Mapped[str]
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class StaffMember(Base):
    """A staff account (schema v7): an argon2 password hash and the hash of its API token, never either."""

    __table__ = tables.staff
    id: Mapped[int]
    name: Mapped[str]
    password_hash: Mapped[str]
    token_hash: Mapped[str | None]
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in browser (schema v7). ``id`` is the sha256 of the cookie's secret; the cookie is signed
    for the host it was issued on. Logging out ends the row, so the cookie is worthless afterwards."""

    __table__ = tables.staff_sessions
    id: Mapped[str]
    staff_id: Mapped[int]
    host: Mapped[str]
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Every staff action (schema v7): who, what, on what, before -> after. Rows are only ever added."""

    __table__ = tables.audit_log
    id: Mapped[int]
    at: Mapped[datetime]
    staff: Mapped[str]
    via: Mapped[str]
    action: Mapped[str]
    target: Mapped[str]
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]


class TimelineEvent(Base):
    """One step of one applicant's own application, as they recorded it (schema v8, issue 17).

    An application is a subscriber's (by name, as the ledger knows them) for one committee's window: the
    window's ``key``, so it holds across the window's versions. ``day`` is when it happened (YYYY-MM-DD,
    local), which may be before the row was written. notifier.timeline plans the guide's reminders from
    these rows; deleting the subscriber deletes them (``store.timeline.forget``).
    """

    __table__ = tables.timeline_events
    id: Mapped[int]
    subscriber: Mapped[str]
    window_key: Mapped[str]
    committee: Mapped[str]
    event: Mapped[str]
    day: Mapped[str]
    via: Mapped[str]
    created_at: Mapped[datetime]
