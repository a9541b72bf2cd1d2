"""Item pipeline: reads each fetched notice with the extractor, then hands it to ``store.notices``.

One short transaction per item, opened after the extraction. A notice whose attachment could not be
fetched or read is stored all the same (a new one with what its page says; a known one stays as stored),
and the failure is reported, naming the attachment, so the crawl is ``partial``.

One broken notice never aborts the crawl: a failure to store it is counted as a failed notice
and the crawl goes on. A notice that had already failed before this crawl is recorded again but
does not make the crawl ``partial`` a second time (like urlwatch, a lasting error is reported
once, not on every run).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.items import CrawlItem, FailedItem, FetchedItem, host_of
from crawler.reading import read_notice
from store.db import transaction
from store.notices import HELD_REASON, REREAD_HELD_REASON, record_failed, record_fetched, record_listed

log = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    def process_item(self, item: CrawlItem) -> CrawlItem:
        spider: Any = self.crawler.spider
        tally = spider.tally
        try:
            fetched = reading = None
            if isinstance(item, FetchedItem):
                fetched = item.to_store()
                known = spider.known.get(fetched.url)
                # A failed attachment makes the crawl partial, and says which file and why.
                tally.notice_failures += [f"{fetched.url}: {why}" for why in item.attachment_failures]
                if item.attachment_failures and known is not None and known.content_hash is not None:
                    # Stored before from a complete read: storing this incomplete one would make it a new
                    # version and supersede the windows the missing file gave. Keep it as it was.
                    return item
                # Read before the transaction opens, so the write lock is held only for writing.
                reading = read_notice(fetched, known.published if known else None)
            with transaction(spider.engine) as s:
                if fetched is not None and reading is not None:
                    outcome, changes = record_fetched(s, spider.source_id, fetched, reading)
                    if outcome == "held":  # said once: the next poll finds the same text
                        tally.notice_failures.append(f"{fetched.url}: {HELD_REASON}; please check the notice")
                    elif outcome == "reread-held":
                        tally.notice_failures.append(
                            f"{fetched.url}: {REREAD_HELD_REASON}; please check the notice"
                        )
                    elif reading.capped:
                        tally.notice_failures.append(f"{fetched.url}: reading capped ({reading.capped})")
                    tally.notices_new += outcome == "new"
                    tally.notices_changed += outcome == "changed"
                    tally.windows_stored += changes.added + changes.changed
                    return item
                listing = item.listing
                host = host_of(listing.url)
                if isinstance(item, FailedItem):
                    record_failed(
                        s, spider.source_id, listing.url, listing.title, listing.date, host, item.error
                    )
                    known = spider.known.get(listing.url)
                    if known is not None and known.fetch_status == "failed":
                        # Reported when it first failed (a withdrawn notice stays 404): a weekly full
                        # pass must not turn every crawl "partial" for it again.
                        tally.repeat_failures += 1
                    else:
                        tally.notice_failures.append(f"{listing.url}: {item.error}")
                else:
                    record_listed(
                        s, spider.source_id, listing.url, listing.title, listing.date, host, "external"
                    )
                    tally.notices_new += 1
        except Exception as e:  # one bad notice must not end the crawl
            log.exception("could not store %r", item.listing.url)
            tally.notice_failures.append(f"could not store a notice: {type(e).__name__}: {e}")
        return item
