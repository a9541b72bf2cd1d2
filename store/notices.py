"""Recording what a crawl saw: notices (new, edited in place, failed, external) and crawl runs.

Nothing stored is silently rewritten: when a notice's content hash changes, its previous
title and body go to ``notice_versions`` first and ``changed_at`` is set, then its windows are
re-extracted (old ones superseded, see ``store.windows``). A failed fetch never clears text
that an earlier fetch stored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.vocabulary import FetchStatus, WindowStatus
from store.models import CrawlRun, Notice, NoticeVersion, Source, Window, utcnow
from store.windows import NoticeReading, WindowChanges, apply_windows


@dataclass(frozen=True)
class KnownNotice:
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    fetch_status: str
    published: str | None
    # As stored: [{"name", "url"}] of the page's attachments (a full pass re-reads those with a schedule);
    # a read one also has "sha256" and its validators ("etag", "last_modified") when the site gave them.
    attachments: list[dict[str, str]] = field(default_factory=list)
    # The extractor that read it; None: stored before schema v9, without what it read beyond the body.
    read_by: int | None = None


@dataclass(frozen=True)
class FetchedAttachment:
    """An attachment of a notice that was fetched and read (``extractor.attachments``): what it said."""

    name: str
    url: str
    # sha256 of the file's bytes: an edited attachment makes its notice a new version.
    content_hash: str
    # An HTML fragment (spreadsheets, Word files) or plain text (PDF), for the extractor; not stored.
    html: str = ""
    text: str = ""
    # Which cap cut the reading short, if one did.
    capped: str | None = None
    # The file's validators, stored with the notice so that the weekly pass can ask for it conditionally.
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchedNotice:
    """What the spider read from one notice page (plain data: the store never sees Scrapy)."""

    url: str
    title: str
    listing_date: str | None
    host: str
    published: str | None = None
    site: str | None = None
    body: str = ""
    attachments: list[dict[str, str]] = field(default_factory=list)
    template: str | None = None
    encoding: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # Read by the extractor (schedule tables), not stored: the body is the stored text.
    tables_html: str = ""
    # The attachments that were fetched and read (schedules published as a file), in the page's order.
    attachments_read: list[FetchedAttachment] = field(default_factory=list)

    def content_hash(self) -> str:
        """The notice's identity as text: a new hash is a new version (and a re-read of its windows).

        Read attachments count by their files' hashes, so an edited schedule file is a new version. A
        notice without any keeps the payload it always had, so databases stored before attachments were
        read do not see every notice as changed.
        """
        parts: list[Any] = [self.title, self.body, self.attachments]
        if self.attachments_read:
            parts.append([[a.url, a.content_hash] for a in self.attachments_read])
        payload = json.dumps(parts, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def ensure_source(session: Session, name: str, url: str) -> Source:
    src = session.scalars(select(Source).where(Source.name == name)).first()
    if src is None:
        src = Source(name=name, url=url)
        session.add(src)
        session.flush()
    elif src.url != url:
        # The column moved: its old validators mean nothing for the new URL.
        src.url, src.etag, src.last_modified, src.listing_hash = url, None, None, None
    return src


def known_notices(session: Session) -> dict[str, KnownNotice]:
    rows = session.execute(
        select(
            Notice.url,
            Notice.etag,
            Notice.last_modified,
            Notice.content_hash,
            Notice.fetch_status,
            Notice.published,
            Notice.attachments,
            Notice.read_by,
        )
    )
    return {r[0]: KnownNotice(r[1], r[2], r[3], r[4], r[5], list(r[6] or []), r[7]) for r in rows}


def _get(session: Session, url: str) -> Notice | None:
    return session.scalars(select(Notice).where(Notice.url == url)).first()


def record_listed(
    session: Session, source_id: int, url: str, title: str, listing_date: str | None, host: str, status: str
) -> Notice:
    """A listing item we do not fetch (external) or have not fetched yet; touch last_seen if known."""
    notice = _get(session, url)
    now = utcnow()
    if notice is None:
        notice = Notice(
            url=url,
            source_id=source_id,
            title=title,
            listing_date=listing_date,
            host=host,
            fetch_status=status,
            first_seen=now,
            last_seen=now,
            attachments=[],
        )
        session.add(notice)
        session.flush()
    else:
        notice.last_seen = now
    return notice


def stored_attachments(page: FetchedNotice) -> list[dict[str, str]]:
    """The page's attachments as stored: a read one with its file's hash and validators.

    Not part of the notice's content hash (``FetchedNotice.content_hash`` hashes the page's list and the
    files' hashes): a new ETag for the same bytes is not a new version.
    """
    read = {a.url: a for a in page.attachments_read}
    out = []
    for entry in page.attachments:
        a = read.get(entry.get("url", ""))
        extra = {"sha256": a.content_hash, "etag": a.etag, "last_modified": a.last_modified} if a else {}
        out.append({**entry, **{k: v for k, v in extra.items() if v}})
    return out


def read_material(page: FetchedNotice) -> dict[str, Any] | None:
    """What the extractor read beyond the title and body, kept so that a newer one can read it again.

    None when there is nothing beyond them (most notices): the stored body is then all it read.
    """
    if not page.tables_html and not page.attachments_read:
        return None
    return {
        "tables_html": page.tables_html,
        "attachments": [
            {
                "name": a.name,
                "url": a.url,
                "content_hash": a.content_hash,
                "html": a.html,
                "text": a.text,
                "capped": a.capped,
            }
            for a in page.attachments_read
        ],
    }


def stored_page(notice: Notice) -> FetchedNotice:
    """A stored notice as the crawl fetched it (title, body, tables, attachments): to be read again."""
    material = notice.read_from or {}
    return FetchedNotice(
        url=notice.url,
        title=notice.title,
        listing_date=notice.listing_date,
        host=notice.host,
        published=notice.published,
        site=notice.site,
        body=notice.body or "",
        attachments=list(notice.attachments or []),
        template=notice.template,
        encoding=notice.encoding,
        etag=notice.etag,
        last_modified=notice.last_modified,
        tables_html=str(material.get("tables_html") or ""),
        attachments_read=[
            FetchedAttachment(
                name=str(a.get("name", "")),
                url=str(a.get("url", "")),
                content_hash=str(a.get("content_hash", "")),
                html=str(a.get("html") or ""),
                text=str(a.get("text") or ""),
                capped=a.get("capped"),
            )
            for a in material.get("attachments", [])
        ],
    )


def stale_readings(session: Session, reader: int) -> list[int]:
    """Ids of the stored notices an older extractor read, that can be read again from the database.

    Notices stored before schema v9 (``read_by`` NULL) are not among them: what they were read from beyond
    the body was not kept. The next full pass fetches them in full (``crawler.spider``) instead.
    """
    return list(
        session.scalars(
            select(Notice.id)
            .where(
                Notice.read_by < reader,
                Notice.content_hash.is_not(None),
                Notice.fetch_status == FetchStatus.FETCHED,
            )
            .order_by(Notice.id)
        )
    )


def unread_legacy(session: Session) -> int:
    """How many fetched notices were stored before schema v9 and wait for a full fetch to be re-read."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notice)
            .where(
                Notice.read_by.is_(None),
                Notice.content_hash.is_not(None),
                Notice.fetch_status == FetchStatus.FETCHED,
            )
        )
        or 0
    )


REREAD_HELD_REASON = (
    "read again by a newer extractor, it found no dates where the older one had: "
    "the earlier windows were kept"
)


def record_reread(
    session: Session, notice_id: int, content_hash: str, reading: NoticeReading
) -> tuple[str, WindowChanges]:
    """Apply a newer extractor's reading of a stored notice; ("reread" | "held" | "moved on", changes).

    "moved on": the notice changed (or was re-read) since it was loaded, by a crawl or another worker:
    nothing is written. "held": the new reading finds no dates where the notice has current windows; the
    windows are kept and the notice is queued for a person's look, as for an edit that wipes them.
    The notice's row is locked (FOR UPDATE on PostgreSQL) so that two workers never apply it twice.
    """
    notice = session.get(Notice, notice_id, with_for_update=True)
    if (
        notice is None
        or notice.content_hash != content_hash
        or (notice.read_by is not None and reading.reader is not None and notice.read_by >= reading.reader)
    ):
        return "moved on", WindowChanges()
    notice.read_by = reading.reader
    if _wipes_windows(session, notice, reading, notice.body or ""):
        notice.review_reason = REREAD_HELD_REASON
        return "held", WindowChanges()
    if reading.capped:
        notice.review_reason = reading.capped
    notice.committee, notice.review_year = reading.committee, reading.review_year
    return "reread", apply_windows(session, notice, reading.windows, reading.shared)


def record_fetched(
    session: Session, source_id: int, page: FetchedNotice, reading: NoticeReading
) -> tuple[str, WindowChanges]:
    """Store a fetched notice and what was read; returns ("new" | "changed" | "same" | "reread" | "held",
    changes).

    "held": the edit would have wiped the notice's windows (a maintenance page, a broken edit); the new
    text is recorded, the windows are kept, and the notice is marked for review (``review_reason``).
    "reread": the same text as stored, which an older extractor had read (or which was stored before
    schema v9, without its tables and attachments): read again, its windows are updated as for an edit;
    "reread-held" when that reading would wipe them (``record_reread``).

    The reading is made by the caller, before the transaction (extraction is the slow part), so the
    write lock is held only for the writing.
    """
    now = utcnow()
    digest = page.content_hash()
    notice = _get(session, page.url)
    outcome = "new"
    previous_body = ""
    if notice is None:
        notice = Notice(url=page.url, source_id=source_id, host=page.host, first_seen=now, title=page.title)
        session.add(notice)
    elif notice.content_hash == digest:
        notice.attachments = stored_attachments(page)  # the files' validators may be new
        notice.last_seen = now
        notice.fetch_status, notice.fetch_error = "fetched", None
        notice.etag, notice.last_modified = page.etag, page.last_modified
        if reading.reader is None or (notice.read_by is not None and notice.read_by >= reading.reader):
            return "same", WindowChanges()
        notice.read_from = read_material(page)
        session.flush()
        outcome, changes = record_reread(session, notice.id, digest, reading)
        return ("reread-held" if outcome == "held" else outcome), changes
    elif notice.content_hash is not None:
        outcome = "changed"
        previous_body = notice.body or ""
        session.add(
            NoticeVersion(
                notice_id=notice.id,
                title=notice.title,
                body=notice.body,
                content_hash=notice.content_hash,
                replaced_at=now,
            )
        )
        notice.changed_at = now
    notice.title = page.title
    notice.listing_date = page.listing_date or notice.listing_date
    notice.published = page.published or notice.published
    notice.site = page.site
    notice.body = page.body
    notice.attachments = stored_attachments(page)
    notice.template = page.template
    notice.encoding = page.encoding
    notice.content_hash = digest
    notice.read_from = read_material(page)
    if reading.reader is not None:
        notice.read_by = reading.reader
    notice.etag, notice.last_modified = page.etag, page.last_modified
    notice.fetch_status, notice.fetch_error = "fetched", None
    notice.last_seen = now
    session.flush()
    if outcome == "changed" and _wipes_windows(session, notice, reading, previous_body):
        # A maintenance page or a broken edit re-served at the notice's address: keep what it said before
        # (its windows stay current, its alerts go on), keep the new text as the newest version, and ask
        # a person to look. The crawl reports it once: the next poll finds the same text again.
        notice.review_reason = HELD_REASON
        return "held", WindowChanges()
    notice.review_reason = reading.capped
    notice.committee, notice.review_year = reading.committee, reading.review_year
    return outcome, apply_windows(session, notice, reading.windows, reading.shared)


HELD_REASON = "an edit removed every date (or most of the text): the earlier windows were kept"
# An edit that keeps less than this share of the text is not an edit of the same notice.
KEPT_SHARE = 0.3


def _wipes_windows(session: Session, notice: Notice, reading: NoticeReading, previous_body: str) -> bool:
    """True when a changed notice would lose all its current windows, or most of its text, to the edit."""
    had = session.scalar(
        select(func.count())
        .select_from(Window)
        .where(Window.notice_id == notice.id, Window.status == WindowStatus.CURRENT)
    )
    if not had:
        return False
    dated = [w for w in reading.windows if w.start or w.end]
    return not dated or len(notice.body or "") < KEPT_SHARE * len(previous_body)


def record_failed(
    session: Session, source_id: int, url: str, title: str, listing_date: str | None, host: str, error: str
) -> None:
    notice = record_listed(session, source_id, url, title, listing_date, host, FetchStatus.FAILED)
    # Keep the text of an earlier good fetch: only the status says this attempt failed.
    if notice.content_hash is None:
        notice.fetch_status = FetchStatus.FAILED
    notice.fetch_error = error[:500]


def start_run(session: Session, source_id: int, full: bool) -> CrawlRun:
    run = CrawlRun(source_id=source_id, full=full, outcome="running")
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, outcome: str, **counts: Any) -> None:
    run = session.get(CrawlRun, run_id)
    if run is None:
        return
    run.outcome = outcome
    run.finished_at = utcnow()
    for k, v in counts.items():
        setattr(run, k, v)
