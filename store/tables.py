"""The tables, in SQLAlchemy Core: what zcwatch knows, in one SQLite file (or a PostgreSQL database).

Timestamps (``*_at``) are naive UTC. Window ``start``/``end`` are the notice's own local
(Asia/Shanghai) ISO strings, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM``, kept as text so a
date-only window is never turned into a fake midnight.

A window has a stable ``key`` (committee + review year + kind + ordinal) and a ``version``:
re-extraction that changes its dates adds a new version and marks the old one superseded,
never deleting it, so the alert ledger can tell subscribers "old -> new".

The ORM classes in ``store.models`` are mapped onto these very tables. Commands that only read
(``status``, ``digest``, ``notices``, the board) query the tables and never import the ORM, which
with the declarative classes costs about 85 ms a run (issue 18). Column order is the order of the
migrations: a migrated database and a new one must be the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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


metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("url", Text, nullable=False),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("listing_hash", String(64), nullable=True),
    Column("last_item_count", Integer, nullable=True),
    Column("created_at", DateTime, default=utcnow, nullable=False),
)


notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("url", Text, unique=True, nullable=False),
    Column("source_id", ForeignKey("sources.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("listing_date", String(10), nullable=True),
    Column("published", String(16), nullable=True),
    Column("site", Text, nullable=True),  # the page's 来源 (issuing office)
    Column("host", Text, nullable=False),
    Column("committee", Text, nullable=True),
    Column("review_year", Integer, nullable=True),
    Column("body", Text, nullable=True),
    Column("content_hash", String(64), nullable=True),
    Column("attachments", JSON, default=list, nullable=False),
    Column("template", String(20), nullable=True),
    Column("encoding", String(20), nullable=True),
    Column("fetch_status", String(10), default=FetchStatus.PENDING.value, nullable=False),
    Column("fetch_error", Text, nullable=True),
    Column("etag", Text, nullable=True),
    Column("last_modified", Text, nullable=True),
    Column("first_seen", DateTime, default=utcnow, nullable=False),
    Column("last_seen", DateTime, default=utcnow, nullable=False),
    Column("changed_at", DateTime, nullable=True),
    # Why a person should look at it (a cap was hit, an edit removed every date); None when nothing.
    # Last, as schema v3's ALTER TABLE added it, so a migrated file and a new one are the same.
    Column("review_reason", Text, nullable=True),
    # The text (content_hash) a member of staff marked as looked at (schema v7): off the review queue
    # until the page changes again.
    Column("reviewed_hash", String(64), nullable=True),
    # Which extractor (``extractor.READER_VERSION``) read its current windows, and what it read beyond the
    # body (schema v9): the schedule tables' HTML and the attachments' text, so that a newer extractor
    # re-reads the notice from the database (``crawler.reread``) without asking the site again. NULL for
    # notices stored before v9: the next full pass fetches them in full once to re-read them.
    Column("read_by", Integer, nullable=True),
    Column("read_from", JSON, nullable=True),
    CheckConstraint(_in("fetch_status", FETCH_STATUSES), name="ck_notice_fetch_status"),
)


notice_versions = Table(
    "notice_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("notice_id", ForeignKey("notices.id"), index=True, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=True),
    Column("content_hash", String(64), nullable=True),
    Column("replaced_at", DateTime, default=utcnow, nullable=False),
)


windows = Table(
    "windows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(64), index=True, nullable=False),
    Column("version", Integer, default=1, nullable=False),
    Column("notice_id", ForeignKey("notices.id"), index=True, nullable=True),
    Column("committee", Text, nullable=False),
    Column("review_year", Integer, nullable=True),
    Column("kind", String(12), nullable=False),
    Column("start", String(16), nullable=True),
    Column("end", String(16), nullable=True),
    Column("evidence", Text, default="", nullable=False),
    Column("status", String(10), default=WindowStatus.CURRENT.value, nullable=False),
    Column("created_at", DateTime, default=utcnow, nullable=False),
    Column("superseded_at", DateTime, nullable=True),
    # The extractor's confidence (0-1); None for windows read before it was kept, estimates and hand-made
    # ones. Below `[extract] review_below` the notice is listed for a person's look. Last: a migrated
    # database adds it at the end of the row, and a fresh one must have the same column order.
    Column("confidence", Double, nullable=True),
    # Who of the staff confirmed, corrected or added it (schema v7, issue 16): shown as 人工核对. The
    # correction itself is kept apart, in ``window_reviews``, so a re-crawl never undoes it.
    Column("reviewed_by", String(100), nullable=True),
    UniqueConstraint("key", "version", name="uq_window_key_version"),
    CheckConstraint(_in("kind", WINDOW_KINDS), name="ck_window_kind"),
    CheckConstraint(_in("status", WINDOW_STATUSES), name="ck_window_status"),
    CheckConstraint('start IS NULL OR "end" IS NULL OR start <= "end"', name="ck_window_order"),
    CheckConstraint('start IS NOT NULL OR "end" IS NOT NULL', name="ck_window_has_date"),
    Index("ix_windows_status_kind", "status", "kind"),
)


crawl_runs = Table(
    "crawl_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", ForeignKey("sources.id"), index=True, nullable=False),
    Column("started_at", DateTime, default=utcnow, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("outcome", String(16), default="running", nullable=False),
    Column("full", Boolean, default=False, nullable=False),
    Column("requests", Integer, default=0, nullable=False),
    Column("bytes", Integer, default=0, nullable=False),
    Column("items_seen", Integer, default=0, nullable=False),
    Column("notices_new", Integer, default=0, nullable=False),
    Column("notices_changed", Integer, default=0, nullable=False),
    Column("notices_failed", Integer, default=0, nullable=False),
    Column("error", Text, nullable=True),
    CheckConstraint(_in("outcome", CRAWL_OUTCOMES), name="ck_crawl_outcome"),
)


deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber", Text, nullable=False),
    Column("channel", String(32), nullable=False),  # channel_id(url): a hash, never the secret
    Column("channel_label", Text, nullable=False),  # the masked URL, for people
    Column("window_id", ForeignKey("windows.id"), index=True, nullable=False),
    Column("window_key", String(64), nullable=False),
    Column("window_version", Integer, nullable=False),
    Column("alert_kind", String(16), nullable=False),
    Column("status", String(10), default=DeliveryStatus.PENDING.value, nullable=False),
    Column("attempts", Integer, default=0, nullable=False),
    Column("due_at", DateTime, default=utcnow, nullable=False),
    Column("next_attempt_at", DateTime, default=utcnow, nullable=False),
    Column("claimed_at", DateTime, nullable=True),
    Column("sent_at", DateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("duplicates", Integer, default=0, nullable=False),
    Column("created_at", DateTime, default=utcnow, nullable=False),
    # The claim's lease (schema v5; last, where the migration adds them): which notify worker holds the row
    # in `sending`, and until when (UTC, real time). Only a claim whose lease has ended is taken over.
    Column("lease_owner", String(120), nullable=True),
    Column("lease_until", DateTime, nullable=True),
    UniqueConstraint(
        "subscriber", "channel", "window_key", "window_version", "alert_kind", name="uq_delivery"
    ),
    CheckConstraint(_in("alert_kind", ALERT_KINDS), name="ck_delivery_kind"),
    CheckConstraint(_in("status", DELIVERY_STATUSES), name="ck_delivery_status"),
    Index("ix_deliveries_status_next", "status", "next_attempt_at"),
)


meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)


incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scope", Text, nullable=False),  # "source:NAME" or "deliveries"
    Column("problem", String(20), nullable=False),
    Column("detail", Text, default="", nullable=False),
    Column("started_at", DateTime, default=utcnow, nullable=False),
    Column("last_alert_at", DateTime, nullable=True),
    Column("alerts_sent", Integer, default=0, nullable=False),
    Column("resolved_at", DateTime, nullable=True),
    Column("recovery_sent", Boolean, default=False, nullable=False),
)


subscribers = Table(
    "subscribers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), unique=True, nullable=False),
    Column("origin", String(8), nullable=False),
    Column("status", String(14), default=SubscriberStatus.ACTIVE.value, nullable=False),
    Column("channel_type", String(10), nullable=False),
    Column("urls", JSON, default=list, nullable=False),
    Column("address", Text, nullable=True),
    Column("apprise_config", Text, default="", nullable=False),
    Column("tags", JSON, default=list, nullable=False),
    Column("committees", JSON, default=list, nullable=False),
    Column("kinds", JSON, default=list, nullable=False),
    Column("lead_days", Integer, nullable=True),
    Column("quiet_hours", Text, default="", nullable=False),
    Column("paused_until", String(10), nullable=True),  # YYYY-MM-DD: told nothing before it
    Column("nonce", String(32), nullable=False),
    Column("created_at", DateTime, default=utcnow, nullable=False),
    Column("confirmed_at", DateTime, nullable=True),
    Column("changed_at", DateTime, nullable=True),
    CheckConstraint(_in("origin", SUBSCRIBER_ORIGINS), name="ck_subscriber_origin"),
    CheckConstraint(_in("status", SUBSCRIBER_STATUSES), name="ck_subscriber_status"),
    CheckConstraint(_in("channel_type", CHANNEL_TYPES), name="ck_subscriber_channel_type"),
    Index("ix_subscribers_address", "address"),
)


window_reviews = Table(
    "window_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("window_key", String(64), index=True, nullable=False),
    Column("action", String(10), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("committee", Text, nullable=False),
    Column("start", String(16), nullable=True),
    Column("end", String(16), nullable=True),
    Column("read_start", String(16), nullable=True),
    Column("read_end", String(16), nullable=True),
    Column("note", Text, default="", nullable=False),
    Column("staff", String(100), nullable=False),
    Column("created_at", DateTime, default=utcnow, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    CheckConstraint(_in("action", REVIEW_ACTIONS), name="ck_review_action"),
)


staff = Table(
    "staff",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("token_hash", String(64), nullable=True),  # sha256 of the bearer token's secret
    Column("created_at", DateTime, default=utcnow, nullable=False),
    Column("password_changed_at", DateTime, nullable=True),
)


staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("staff_id", ForeignKey("staff.id", ondelete="CASCADE"), index=True, nullable=False),
    Column("host", Text, nullable=False),
    Column("created_at", DateTime, default=utcnow, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
)


audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, default=utcnow, index=True, nullable=False),
    Column("staff", String(100), nullable=False),
    Column("via", String(10), nullable=False),  # web | api | cli
    Column("action", String(20), nullable=False),
    Column("target", Text, default="", nullable=False),  # "window 12", "subscriber 3", ...
    Column("before", JSON, default=dict, nullable=False),
    Column("after", JSON, default=dict, nullable=False),
    CheckConstraint(_in("action", AUDIT_ACTIONS), name="ck_audit_action"),
)


timeline_events = Table(
    "timeline_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber", String(200), nullable=False),
    Column("window_key", String(64), nullable=False),
    Column("committee", Text, nullable=False),  # the window's committee when recorded, for listings
    Column("event", String(20), nullable=False),
    Column("day", String(10), nullable=False),
    Column("via", String(8), nullable=False),  # cli | web
    Column("created_at", DateTime, default=utcnow, nullable=False),
    CheckConstraint(_in("event", APPLICATION_EVENTS), name="ck_timeline_event"),
    Index("ix_timeline_subscriber", "subscriber", "window_key"),
)
