"""What the spider yields for each listing item, one frozen dataclass per case; the pipeline stores them.

- ``FetchedItem``: the notice page was read and parsed, and its schedule attachments asked for (each read,
  or failed: a failed attachment never loses its notice);
- ``ExternalItem``: listed on a site we do not fetch (not the column's, not ``crawl.follow_domains``),
  stored with its title and date only;
- ``FailedItem``: the notice could not be read (HTTP error, a page cut short, a URL too long to ask
  for, ...); the store keeps any text an earlier fetch stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.pages import ListingItem, NoticePage
from store.notices import FetchedAttachment, FetchedNotice


@dataclass(frozen=True)
class FetchedItem:
    listing: ListingItem
    page: NoticePage
    encoding: str | None
    etag: str | None
    last_modified: str | None
    # The schedule attachments fetched and read, and one "attachment NAME: why" per one that was not.
    attachments_read: tuple[FetchedAttachment, ...] = field(default=())
    attachment_failures: tuple[str, ...] = field(default=())

    def to_store(self) -> FetchedNotice:
        """The plain record ``store.notices.record_fetched`` takes (the store never sees crawler types)."""
        return FetchedNotice(
            url=self.listing.url,
            title=self.page.title or self.listing.title,
            listing_date=self.listing.date,
            host=host_of(self.listing.url),
            published=self.page.published,
            site=self.page.source,
            body=self.page.body,
            attachments=[{"name": a.name, "url": a.url} for a in self.page.attachments],
            template=self.page.template,
            tables_html=self.page.tables_html,
            attachments_read=list(self.attachments_read),
            encoding=self.encoding,
            etag=self.etag,
            last_modified=self.last_modified,
        )


@dataclass(frozen=True)
class ExternalItem:
    listing: ListingItem


@dataclass(frozen=True)
class FailedItem:
    listing: ListingItem
    error: str


CrawlItem = FetchedItem | ExternalItem | FailedItem


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""
