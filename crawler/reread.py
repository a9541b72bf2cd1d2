"""Reading stored notices again with a newer extractor, from the database: no request to the site.

Each notice keeps which extractor read it (``notices.read_by``, ``extractor.READER_VERSION``) and what it
read beyond the body (the schedule tables' HTML and the attachments' text, ``notices.read_from``). After
an upgrade that reads text differently, every notice an older extractor read is read again here, and its
windows are updated exactly as for an edit of the notice: new versions for changed dates (subscribers
told the old ones get one ``changed`` alert through the ledger), windows it no longer yields withdrawn,
staff's reviews kept (``store.windows.apply_windows``). A reading that would wipe a notice's windows
keeps them and queues the notice for a person's look instead.

Notices stored before schema v9 have no such material: the next full pass asks the site for them in
full, once, and the crawl re-reads them (``crawler.spider``). Like the crawl pipeline, each notice is
read outside the write transaction and stored in a short one of its own; one notice that fails to read
is counted and reported, and the others go on. Scrapy-free: ``zcwatch reread`` imports no Scrapy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from crawler.outcome import clip
from crawler.reading import read_notice
from extractor import READER_VERSION
from store.db import reading, transaction
from store.models import Notice
from store.notices import record_reread, stale_readings, stored_page, unread_legacy
from store.windows import WindowChanges

log = logging.getLogger(__name__)


@dataclass
class RereadReport:
    """What one pass did: notices read again, their window changes, and what could not be done."""

    reader: int = READER_VERSION
    reread: int = 0
    unchanged: int = 0  # read again, and the same windows came out
    held: list[str] = field(default_factory=list)  # URLs whose new reading would have wiped their windows
    failed: list[str] = field(default_factory=list)  # one line per notice that could not be read or stored
    changes: WindowChanges = field(default_factory=WindowChanges)
    legacy: int = 0  # stored before schema v9: re-read when the next full pass fetches them

    def summary(self) -> str:
        if not (self.reread or self.held or self.failed):
            head = f"reread: every notice is read by extractor v{self.reader}"
        else:
            c = self.changes
            head = (
                f"reread: {self.reread + len(self.held)} notice(s) read again by extractor v{self.reader}: "
                f"{c.added} window(s) added, {c.changed} changed, {c.superseded} withdrawn or replaced"
                f"{f', {self.unchanged} unchanged' if self.unchanged else ''}"
            )
            if self.held:
                head += f"; {len(self.held)} kept as they were for a person's look"
            if self.failed:
                head += f"; {len(self.failed)} failed"
        if self.legacy:
            head += f"; {self.legacy} stored before v9 wait for the next full pass"
        return head

    @property
    def problems(self) -> list[str]:
        held = [f"{u}: read again, it found no dates: kept for a person's look" for u in self.held]
        return [*held, *self.failed]


def reread_stale(engine: Engine, *, reader: int = READER_VERSION) -> RereadReport:
    """Read every notice an older extractor read again, and store what changed (see the module)."""
    report = RereadReport(reader=reader)
    with Session(reading(engine)) as s:
        ids = stale_readings(s, reader)
        report.legacy = unread_legacy(s)
    for notice_id in ids:
        url = f"notice {notice_id}"
        try:
            with Session(reading(engine)) as s:
                notice = s.get(Notice, notice_id)
                if notice is None or notice.content_hash is None:
                    continue
                url, digest, page = notice.url, notice.content_hash, stored_page(notice)
            read = replace(read_notice(page), reader=reader)
            with transaction(engine) as s:
                outcome, changes = record_reread(s, notice_id, digest, read)
        except Exception as exc:  # one notice must not stop the others
            log.exception("could not read %s again", url)
            report.failed.append(f"{clip(url)}: could not read it again: {type(exc).__name__}: {exc}")
            continue
        if outcome == "held":
            report.held.append(url)
        elif outcome == "reread":
            report.reread += 1
            if not (changes.added or changes.changed or changes.superseded):
                report.unchanged += 1
            report.changes.added += changes.added
            report.changes.changed += changes.changed
            report.changes.superseded += changes.superseded
    return report
