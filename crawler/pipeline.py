"""Item pipeline: hands what the spider read to ``store.notices``, one short transaction per item.

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
from store.db import transaction
from store.notices import record_failed, record_fetched, record_listed

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
            with transaction(spider.engine) as s:
                if isinstance(item, FetchedItem):
                    outcome, _ = record_fetched(s, spider.source_id, item.to_store())
                    tally.notices_new += outcome == "new"
                    tally.notices_changed += outcome == "changed"
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
