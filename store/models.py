"""SQLAlchemy 2.x typed models: what zcwatch knows, in one SQLite file.

Timestamps (``*_at``) are naive UTC. Window ``start``/``end`` are the notice's own local
(Asia/Shanghai) ISO strings, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, kept as text so a
date-only window is never turned into a fake midnight.

A window has a stable ``key`` (committee + review year + kind + ordinal) and a ``version``:
re-extraction that changes its dates adds a new version and marks the old one superseded,
never deleting it, so the alert ledger can tell subscribers "old -> new".
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.vocabulary import (
    ALERT_KINDS,
    APPLICATION_EVENTS,
    AUDIT_ACTIONS,
    CHANNEL_TYPES,
    CRAWL_OUTCOMES,
    DELIVERY_STATUSES,
    FETCH_STATUSES,
    REVIEW_ACTIONS,
    SUBSCRIBER_ORIGINS,
    SUBSCRIBER_STATUSES,
    WINDOW_KINDS,
    WINDOW_STATUSES,
    DeliveryStatus,
    FetchStatus,
    SubscriberStatus,
    WindowStatus,
)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Source(Base):
    """A watched column; also holds the listing's HTTP validators for conditional requests."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    listing_hash: Mapped[str | None] = mapped_column(String(64))
    last_item_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (CheckConstraint(_in("fetch_status", FETCH_STATUSES), name="ck_notice_fetch_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    title: Mapped[str] = mapped_column(Text)
    listing_date: Mapped[str | None] = mapped_column(String(10))
    published: Mapped[str | None] = mapped_column(String(16))
    site: Mapped[str | None] = mapped_column(Text)  # the page's 来源 (issuing office)
    host: Mapped[str] = mapped_column(Text)
    committee: Mapped[str | None] = mapped_column(Text)
    review_year: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    template: Mapped[str | None] = mapped_column(String(20))
    encoding: Mapped[str | None] = mapped_column(String(20))
    fetch_status: Mapped[str] = mapped_column(String(10), default=FetchStatus.PENDING.value)
    fetch_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime | None]
    # Why a person should look at it (a cap was hit, an edit removed every date); None when nothing.
    # Last, as schema v3's ALTER TABLE added it, so a migrated file and a new one are the same.
    review_reason: Mapped[str | None] = mapped_column(Text)
    # The text (content_hash) a member of staff marked as looked at (schema v7): off the review queue
    # until the page changes again.
    reviewed_hash: Mapped[str | None] = mapped_column(String(64))
    # Which extractor (``extractor.READER_VERSION``) read its current windows, and what it read beyond the
    # body (schema v9): the schedule tables' HTML and the attachments' text, so that a newer extractor
    # re-reads the notice from the database (``crawler.reread``) without asking the site again. NULL for
    # notices stored before v9: the next full pass fetches them in full once to re-read them.
    read_by: Mapped[int | None]
    read_from: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    versions: Mapped[list[NoticeVersion]] = relationship(back_populates="notice", order_by="NoticeVersion.id")
    windows: Mapped[list[Window]] = relationship(back_populates="notice", order_by="Window.id")


class NoticeVersion(Base):
    """A notice's earlier text, kept when the page is edited in place."""

    __tablename__ = "notice_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
    notice: Mapped[Notice] = relationship(back_populates="versions")


class Window(Base):
    __tablename__ = "windows"
    __table_args__ = (
        UniqueConstraint("key", "version", name="uq_window_key_version"),
        CheckConstraint(_in("kind", WINDOW_KINDS), name="ck_window_kind"),
        CheckConstraint(_in("status", WINDOW_STATUSES), name="ck_window_status"),
        CheckConstraint('start IS NULL OR "end" IS NULL OR start <= "end"', name="ck_window_order"),
        CheckConstraint('start IS NOT NULL OR "end" IS NOT NULL', name="ck_window_has_date"),
        Index("ix_windows_status_kind", "status", "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), index=True)
    committee: Mapped[str] = mapped_column(Text)
    review_year: Mapped[int | None]
    kind: Mapped[str] = mapped_column(String(12))
    start: Mapped[str | None] = mapped_column(String(16))
    end: Mapped[str | None] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=WindowStatus.CURRENT.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    superseded_at: Mapped[datetime | None]
    # The extractor's confidence (0-1); None for windows read before it was kept, estimates and hand-made
    # ones. Below `[extract] review_below` the notice is listed for a person's look. Last: a migrated
    # database adds it at the end of the row, and a fresh one must have the same column order.
    confidence: Mapped[float | None]
    # Who of the staff confirmed, corrected or added it (schema v7, issue 16): shown as 人工核对. The
    # correction itself is kept apart, in ``window_reviews``, so a re-crawl never undoes it.
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    notice: Mapped[Notice | None] = relationship(back_populates="windows")


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    __table_args__ = (CheckConstraint(_in("outcome", CRAWL_OUTCOMES), name="ck_crawl_outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    full: Mapped[bool] = mapped_column(default=False)
    requests: Mapped[int] = mapped_column(default=0)
    bytes: Mapped[int] = mapped_column(default=0)
    items_seen: Mapped[int] = mapped_column(default=0)
    notices_new: Mapped[int] = mapped_column(default=0)
    notices_changed: Mapped[int] = mapped_column(default=0)
    notices_failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """The alert ledger: one row per (subscriber, channel, window version, alert kind), ever."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint(
            "subscriber", "channel", "window_key", "window_version", "alert_kind", name="uq_delivery"
        ),
        CheckConstraint(_in("alert_kind", ALERT_KINDS), name="ck_delivery_kind"),
        CheckConstraint(_in("status", DELIVERY_STATUSES), name="ck_delivery_status"),
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(32))  # channel_id(url): a hash, never the secret
    channel_label: Mapped[str] = mapped_column(Text)  # the masked URL, for people
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"), index=True)
    window_key: Mapped[str] = mapped_column(String(64))
    window_version: Mapped[int]
    alert_kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    duplicates: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The claim's lease (schema v5; last, where the migration adds them): which notify worker holds the row
    # in `sending`, and until when (UTC, real time). Only a claim whose lease has ended is taken over.
    lease_owner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None]
    window: Mapped[Window] = relationship()


class Meta(Base):
    """Small key/value state: when the digest was last sent, health incident bookkeeping, ..."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Incident(Base):
    """A health problem (source down, blocked, layout suspect, deliveries dead), edge-triggered.

    Added in schema version 2. One open row per (scope, problem) at a time; ``resolved_at``
    closes it and ``recovery_sent`` records that the "recovered" alert went out.
    """

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(Text)  # "source:NAME" or "deliveries"
    problem: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_alert_at: Mapped[datetime | None]
    alerts_sent: Mapped[int] = mapped_column(default=0)
    resolved_at: Mapped[datetime | None]
    recovery_sent: Mapped[bool] = mapped_column(default=False)


class SubscriberRow(Base):
    """A subscriber (schema v6, issue 15): from the config, the CLI or the /subscribe page.

    ``urls`` hold full Apprise URLs only for subscribers an operator wrote (config, CLI). The web's
    channels keep the bare ``address`` (an e-mail address, a WxPusher UID, a WeCom bot key) and are combined
    with the operator's sender when a message goes out (``notifier.deliver``), so the operator's SMTP
    password or app token is never copied into rows. ``nonce`` is mixed into the signature of the
    subscriber's manage and confirmation links (``core.signing``): changing it voids every link.
    Deleting a subscriber deletes its row; the ledger keeps its (anonymous) deliveries, so nothing is re-sent.
    """

    __tablename__ = "subscribers"
    __table_args__ = (
        CheckConstraint(_in("origin", SUBSCRIBER_ORIGINS), name="ck_subscriber_origin"),
        CheckConstraint(_in("status", SUBSCRIBER_STATUSES), name="ck_subscriber_status"),
        CheckConstraint(_in("channel_type", CHANNEL_TYPES), name="ck_subscriber_channel_type"),
        Index("ix_subscribers_address", "address"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    origin: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(14), default=SubscriberStatus.ACTIVE.value)
    channel_type: Mapped[str] = mapped_column(String(10))
    urls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    address: Mapped[str | None] = mapped_column(Text)
    apprise_config: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    committees: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kinds: Mapped[list[Any]] = mapped_column(JSON, default=list)
    lead_days: Mapped[int | None]
    quiet_hours: Mapped[str] = mapped_column(Text, default="")
    paused_until: Mapped[str | None] = mapped_column(String(10))  # YYYY-MM-DD: told nothing before it
    nonce: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
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

    __tablename__ = "window_reviews"
    __table_args__ = (CheckConstraint(_in("action", REVIEW_ACTIONS), name="ck_review_action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    window_key: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12))
    committee: Mapped[str] = mapped_column(Text)
    start: Mapped[str | None] = mapped_column(String(16))
    end: Mapped[str | None] = mapped_column(String(16))
    read_start: Mapped[str | None] = mapped_column(String(16))
    read_end: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    staff: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class StaffMember(Base):
    """A staff account (schema v7): an argon2 password hash and the hash of its API token, never either."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the bearer token's secret
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in browser (schema v7). ``id`` is the sha256 of the cookie's secret; the cookie is signed
    for the host it was issued on. Logging out ends the row, so the cookie is worthless afterwards."""

    __tablename__ = "staff_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Every staff action (schema v7): who, what, on what, before -> after. Rows are only ever added."""

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint(_in("action", AUDIT_ACTIONS), name="ck_audit_action"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff: Mapped[str] = mapped_column(String(100))
    via: Mapped[str] = mapped_column(String(10))  # web | api | cli
    action: Mapped[str] = mapped_column(String(20))
    target: Mapped[str] = mapped_column(Text, default="")  # "window 12", "subscriber 3", ...
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TimelineEvent(Base):
    """One step of one applicant's own application, as they recorded it (schema v8, issue 17).

    An application is a subscriber's (by name, as the ledger knows them) for one committee's window: the
    window's ``key``, so it holds across the window's versions. ``day`` is when it happened (YYYY-MM-DD,
    local), which may be before the row was written. notifier.timeline plans the guide's reminders from
    these rows; deleting the subscriber deletes them (``store.timeline.forget``).
    """

    __tablename__ = "timeline_events"
    __table_args__ = (
        CheckConstraint(_in("event", APPLICATION_EVENTS), name="ck_timeline_event"),
        Index("ix_timeline_subscriber", "subscriber", "window_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber: Mapped[str] = mapped_column(String(200))
    window_key: Mapped[str] = mapped_column(String(64))
    committee: Mapped[str] = mapped_column(Text)  # the window's committee when recorded, for listings
    event: Mapped[str] = mapped_column(String(20))
    day: Mapped[str] = mapped_column(String(10))
    via: Mapped[str] = mapped_column(String(8))  # cli | web
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
