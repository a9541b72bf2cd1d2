"""The Scrapy spider for a committee-notice column: a thin adapter over ``crawler.pages``.

Politeness (settings in ``crawler.settings``): robots.txt obeyed, one request at a time, a
fixed delay, our User-Agent with a contact. Incremental polling: page 1 is requested with
If-None-Match / If-Modified-Since; a 304, or the same items as last time, ends the poll after
that one request. Otherwise only new notices, and failed ones on the pages read, are fetched,
and paging stops at the first page without a new item. Pinned old items sit on top of page 1,
so a whole page is judged, never the first old item. ``--full`` walks every page, retries every
failed notice and revalidates every known one with a conditional request (a 304 costs no body).
The weekly pass of `zcwatch run` is a full pass limited by ``since``: it revalidates notices
listed since that date and stops paging at the first page that has none of them.

Nothing is dropped without a word: a crawl reads at most ``crawl.max_pages`` listing pages (a
page trap that always links one more is reported ``layout_suspect``), an item whose URL Scrapy
would drop for its length is a failed item, and so is a notice page cut short. Each item becomes
a ``crawler.items`` dataclass for the pipeline. Redirects are followed within the site only
(``crawler.middleware.RedirectPolicy``); a permanent one of the column itself is recorded so the
admins hear that the config names an old URL.

Attachments: a notice's attachments named as its schedule (``attachments_to_fetch``) are asked for one
after another once its page is parsed, and the notice is yielded when the last has answered, with what each
said (``extractor.attachments``) or why it failed. Revalidating such a notice, a 304 for its page says
nothing of an edited file: each file read before is then asked for conditionally too (its hash and
validators are stored with the notice), and only a changed one sends the page to be read again in full.

Anti-bot challenges end the crawl at once (outcome blocked); we never try to pass one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import CloseSpider
from scrapy.http import Response

from core.config import Selectors
from core.errors import NoticeParseError
from core.vocabulary import CrawlOutcome, FetchStatus
from crawler.items import CrawlItem, ExternalItem, FailedItem, FetchedItem, host_of
from crawler.middleware import PERMANENT_REDIRECTS, RedirectRefused, registrable_domain, under
from crawler.outcome import CrawlTally, clip, describe, failure_outcome, status_outcome
from crawler.pages import (
    Attachment,
    ListingItem,
    decode_html,
    parse_listing,
    parse_notice,
    schedule_attachments,
)
from extractor.attachments import AttachmentReading, attachment_format, read_attachment
from store.notices import FetchedAttachment, KnownNotice


def listing_signature(items: list[ListingItem]) -> str:
    payload = json.dumps([[i.title, i.url, i.date] for i in items], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


class ColumnSpider(scrapy.Spider):
    name = "zcwatch-column"

    def __init__(
        self,
        *,
        column_url: str,
        full: bool,
        known: dict[str, KnownNotice],
        validators: tuple[str | None, str | None, str | None],
        follow_domains: tuple[str, ...],
        max_pages: int,
        selectors: Selectors | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.column_url = column_url
        # The column's own host, and the one it redirected to: notices there are always fetched.
        self.column_hosts = {host_of(column_url)}
        self.known = known
        self.etag, self.last_modified, self.listing_hash = validators
        self.follow_domains = follow_domains
        self.max_pages = max_pages
        # The source's own CSS selectors; empty ones keep the built-in template.
        self.selectors = selectors or Selectors()
        self.since = since
        self.tally = CrawlTally(full=full)
        self.new_validators: tuple[str | None, str | None, str | None] = (None, None, None)
        self._queued: set[str] = set()

    def _meta(self, **extra: Any) -> dict[str, Any]:
        return {"handle_httpstatus_all": True, **extra}

    async def start(self) -> AsyncIterator[Any]:
        headers = {} if self.tally.full else conditional_headers(self.etag, self.last_modified)
        yield scrapy.Request(
            self.column_url,
            headers=headers,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta=self._meta(page=1),
            dont_filter=True,
        )

    # --- listing ---------------------------------------------------------------------------------

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request | CrawlItem]:
        page_no = response.meta["page"]
        if page_no == 1:
            self._note_moved(response)  # a 304 or an error at the new place still says the column moved
        text = self._readable(response, listing=page_no == 1)
        if text is None:
            return
        page = parse_listing(text, response.url, self.selectors)
        if page_no == 1:
            self.tally.page1_items = len(page.items)
            signature = listing_signature(page.items)
            self.new_validators = (
                _header(response, "ETag"),
                _header(response, "Last-Modified"),
                signature,
            )
            if not self.tally.full and page.items and not page.fallback and signature == self.listing_hash:
                self.tally.not_modified = True
                return
        if not page.items:
            self.tally.layout_problem = f"listing page {page_no} ({response.url}) yields no items"
            return
        if page.fallback and not self.tally.layout_problem:
            # Carry on with what the generic link scan found, but never call this crawl ok.
            self.tally.layout_problem = (
                f"listing page {page_no} ({response.url}) no longer matches the known template; "
                f"{len(page.items)} items found by the generic link scan"
            )
        new_here = 0
        for item in page.items:
            self.tally.items_seen += 1
            if item.url in self._queued:
                continue
            self._queued.add(item.url)
            known = self.known.get(item.url)
            new_here += known is None
            if not self._fetches(item.url):
                if known is None:
                    yield ExternalItem(item)
                continue
            fetched = known is not None and known.fetch_status == FetchStatus.FETCHED
            if fetched and not self._revalidates(item):
                continue
            too_long = self._too_long(item.url)
            if too_long:
                yield FailedItem(item, too_long)
                continue
            # A 304 for the page says nothing of its attachments: a notice whose schedule is in a file is
            # asked for conditionally only when every such file was read before (its hash is stored), and
            # a 304 then leads to conditional requests for the files (see _recheck). Else it is asked in full.
            schedule = _stored_schedule(known, item.url) if known is not None and fetched else []
            # A notice stored before its reading material was kept (schema v9) is asked in full once, so
            # that the current extractor reads it again (store.notices.record_fetched: "reread").
            conditional = (
                known is not None
                and fetched
                and known.read_by is not None
                and all(a.get("sha256") for a in schedule)
            )
            yield scrapy.Request(
                item.url,
                headers=conditional_headers(known.etag, known.last_modified) if known and conditional else {},
                callback=self.parse_notice,
                errback=self.notice_failed,
                meta=self._meta(item=item, recheck=schedule if conditional else []),
            )
        if page.next_url and (new_here or any(self._revalidates(i) for i in page.items)):
            yield from self._next_page(page_no, page.next_url)

    def _next_page(self, page_no: int, url: str) -> Iterator[scrapy.Request]:
        problem, too_long = "", self._too_long(url)
        if page_no >= self.max_pages:
            problem = (
                f"listing page {page_no} still links a next page ({clip(url)}); stopped at "
                f"crawl.max_pages = {self.max_pages}: a page trap, or a column that outgrew the cap?"
            )
        elif not self._fetches(url):
            problem = f"listing page {page_no} links its next page on another site: {clip(url)}"
        elif too_long:
            problem = f"listing page {page_no} links its next page by a {too_long}"
        if problem:
            self.tally.layout_problem = self.tally.layout_problem or problem
            return
        yield scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta=self._meta(page=page_no + 1),
        )

    def _note_moved(self, response: Response) -> None:
        """Record where the column is now if it answered a redirect (permanent: the config is out of date)."""
        chain = [*response.meta.get("redirect_urls", []), response.url]
        if len(chain) == 1:
            return
        self.column_hosts.add(host_of(response.url))
        if response.meta["redirect_reasons"][0] in PERMANENT_REDIRECTS:
            self.tally.moved_to = chain[1]

    def _fetches(self, url: str) -> bool:
        """Whether a URL is on the column's site or under ``crawl.follow_domains`` (else: listed only)."""
        if urlsplit(url).scheme not in ("http", "https"):
            return False
        host = host_of(url)
        return host in self.column_hosts or under(host, self.follow_domains)

    def _too_long(self, url: str) -> str:
        """Why Scrapy's UrlLengthMiddleware would drop a request for ``url`` unseen; empty if it would not."""
        limit = self.settings.getint("URLLENGTH_LIMIT")
        if limit and len(url) > limit:
            return f"URL too long ({len(url):,} characters; the limit is {limit:,})"
        return ""

    def _revalidates(self, item: ListingItem) -> bool:
        """Whether a full pass asks for this known notice again (undated items are always asked)."""
        if not self.tally.full:
            return False
        return self.since is None or item.date is None or item.date >= self.since

    def listing_failed(self, failure: Any) -> None:
        if self.tally.blocked_reason:  # dropped by ChallengeGuard: the outcome is blocked already
            return
        outcome, reason = self._failure(failure.value, failure.request.url)
        if failure.request.meta.get("page", 1) == 1:
            self.tally.listing_failure = outcome
            self.tally.failure_reason = reason
        else:
            self.tally.notice_failures.append(reason)

    # --- notices ---------------------------------------------------------------------------------

    def parse_notice(self, response: Response) -> Iterator[scrapy.Request | CrawlItem]:
        item: ListingItem = response.meta["item"]
        if response.status == 304:
            if response.meta.get("recheck"):
                yield from self._recheck(FileCheck(item, list(response.meta["recheck"])))
            return
        text = self._readable(response, listing=False)
        if text is None:
            yield FailedItem(item, f"HTTP {response.status}")
            return
        try:
            page = parse_notice(text, response.url, self.selectors)
        except NoticeParseError as e:
            yield FailedItem(item, str(e))
            return
        fetched = FetchedItem(
            listing=item,
            page=page,
            encoding=response.meta.get("encoding"),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
        )
        # The notice is yielded once every schedule attachment has answered (see _next_attachment); a file
        # that a recheck has just fetched (``fresh``) is read from that answer, not asked for again.
        due = AttachmentsDue(
            fetched,
            attachments_to_fetch(page.attachments, response.url, page.body),
            fresh=response.meta.get("fresh", {}),
        )
        yield from self._next_attachment(due)

    # --- rechecking a notice's files after a 304 for its page ---------------------------------------

    def _recheck(self, check: FileCheck) -> Iterator[scrapy.Request]:
        """Ask for the next stored schedule file conditionally; then, if one changed, the page in full.

        The page is unchanged (304), so only an edited file makes a new version. Each file is asked with its
        stored validators, one after another like every request; a 304, or the same bytes, is no change. A
        changed or failed file sends the page to be asked in full: the notice is read again with the fresh
        file (kept from this answer, not fetched twice), and a failure is reported as on any fetch.
        """
        if self.tally.blocked_reason:
            return
        if check.pending:
            stored = check.pending[0]
            yield scrapy.Request(
                stored["url"],
                headers=conditional_headers(stored.get("etag"), stored.get("last_modified")),
                callback=self.recheck_attachment,
                errback=self.recheck_failed,
                meta=self._meta(check=check),
                dont_filter=True,
            )
        elif check.changed:
            yield scrapy.Request(
                check.item.url,
                callback=self.parse_notice,
                errback=self.notice_failed,
                meta=self._meta(item=check.item, fresh=check.fresh),
                dont_filter=True,
            )

    def recheck_attachment(self, response: Response) -> Iterator[scrapy.Request]:
        check: FileCheck = response.meta["check"]
        stored = check.pending[0]
        if response.status == 304:
            same = True
        elif status_outcome(response.status) is None:
            same = hashlib.sha256(response.body).hexdigest() == stored.get("sha256")
            if not same:
                check.fresh[stored["url"]] = (
                    response.body,
                    _header(response, "ETag"),
                    _header(response, "Last-Modified"),
                )
        else:
            same = False  # an error: the full fetch asks again and reports it
        yield from self._recheck(check.next(changed=not same))

    def recheck_failed(self, failure: Any) -> Iterator[scrapy.Request]:
        check: FileCheck = failure.request.meta["check"]
        yield from self._recheck(check.next(changed=True))

    # --- attachments -----------------------------------------------------------------------------

    def _next_attachment(self, due: AttachmentsDue) -> Iterator[scrapy.Request | CrawlItem]:
        """Ask for the notice's next attachment, or yield the notice when none is left.

        One after another, each from its own callback, so that the notice is yielded exactly once, after
        its last attachment, whatever each answered. They go through Scrapy like every request: robots.txt,
        the delay, DOWNLOAD_MAXSIZE and the challenge guard apply.
        """
        while due.pending:
            attachment = due.pending[0]
            if attachment.url in due.fresh:
                body, etag, last_modified = due.fresh[attachment.url]
                due = due.answered(body, self._read(attachment, body), etag, last_modified)
                continue
            too_long = self._too_long(attachment.url)
            if not too_long and not self.tally.blocked_reason:
                yield scrapy.Request(
                    attachment.url,
                    callback=self.parse_attachment,
                    errback=self.attachment_failed,
                    meta=self._meta(due=due),
                    # Two notices may link one file; each must get its answer (the dupefilter would drop it).
                    dont_filter=True,
                )
                return
            due = due.failed(too_long or "not requested: the site answered with an anti-bot challenge")
        yield replace(due.notice, attachments_read=due.read, attachment_failures=due.failures)

    def parse_attachment(self, response: Response) -> Iterator[scrapy.Request | CrawlItem]:
        due: AttachmentsDue = response.meta["due"]
        attachment = due.pending[0]
        if status_outcome(response.status) is not None or response.status == 304:
            due = due.failed(f"HTTP {response.status}")
        else:
            due = due.answered(
                response.body,
                self._read(attachment, response.body),
                _header(response, "ETag"),
                _header(response, "Last-Modified"),
            )
        yield from self._next_attachment(due)

    @staticmethod
    def _read(attachment: Attachment, body: bytes) -> AttachmentReading:
        return read_attachment(attachment.url if attachment_format(attachment.url) else attachment.name, body)

    def attachment_failed(self, failure: Any) -> Iterator[scrapy.Request | CrawlItem]:
        due: AttachmentsDue = failure.request.meta["due"]
        yield from self._next_attachment(due.failed(self._failure(failure.value, None)[1]))

    def notice_failed(self, failure: Any) -> Iterator[CrawlItem]:
        if self.tally.blocked_reason:  # dropped by ChallengeGuard, not a failure of this notice
            return
        # No URL in the text: the pipeline puts the notice's URL in front of it.
        yield FailedItem(failure.request.meta["item"], self._failure(failure.value, None)[1])

    # --- shared ----------------------------------------------------------------------------------

    def _failure(self, exc: BaseException, url: str | None) -> tuple[CrawlOutcome, str]:
        """A download failure's outcome and what to say about it, naming ``url`` if given."""
        outcome = failure_outcome(exc)
        if isinstance(exc, RedirectRefused):  # its message names both ends of the redirect
            return outcome, f"redirect refused: {exc}"
        if outcome == CrawlOutcome.TOO_LARGE:
            # Scrapy's message, when there is one, repeats the request; the limit is what matters.
            detail = f"over crawl.max_bytes = {self.settings.getint('DOWNLOAD_MAXSIZE'):,} bytes"
        else:
            detail = _exc_line(exc)
        return outcome, f"{describe(outcome)}: {url} ({detail})" if url else f"{describe(outcome)} ({detail})"

    def _readable(self, response: Response, *, listing: bool) -> str | None:
        """Decoded text of a usable response, or None after recording why it is not usable."""
        if response.status == 304:
            if listing:
                self.tally.not_modified = True
            return None
        if self.tally.blocked_reason:  # classified by crawler.middleware.ChallengeGuard on arrival
            raise CloseSpider("blocked")
        text, encoding = decode_html(response.body, _header(response, "Content-Type"))
        response.meta["encoding"] = encoding
        outcome = status_outcome(response.status)
        if outcome is None:
            return text
        if listing:
            self.tally.listing_failure = outcome
            self.tally.failure_reason = f"HTTP {response.status} from {response.url}"
        return None


def attachments_to_fetch(attachments: list[Attachment], notice_url: str, body: str = "") -> list[Attachment]:
    """The notice's schedule attachments (``crawler.pages.schedule_attachments``) on the notice's own site.

    Only on its registrable domain (rsj.gz.gov.cn's files may sit on www.gz.gov.cn): a link elsewhere is
    the page naming a URL, which must not make us ask a third party for it.
    """
    home = registrable_domain(host_of(notice_url))
    return [
        a
        for a in schedule_attachments(attachments, body)
        if urlsplit(a.url).scheme in ("http", "https") and registrable_domain(host_of(a.url)) == home
    ]


@dataclass(frozen=True)
class AttachmentsDue:
    """A parsed notice waiting for its attachments: those still to ask for (the first is in flight),
    what the answered ones said, and why the others failed."""

    notice: FetchedItem
    pending: list[Attachment]
    read: tuple[FetchedAttachment, ...] = ()
    failures: tuple[str, ...] = ()
    # Files a recheck has just fetched, by URL: (body, ETag, Last-Modified).
    fresh: dict[str, tuple[bytes, str | None, str | None]] = field(default_factory=dict)

    def answered(
        self,
        body: bytes,
        reading: AttachmentReading,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> AttachmentsDue:
        """The first pending attachment answered with ``body``, read as ``reading``."""
        if reading.failure:
            return self.failed(reading.failure)
        attachment = self.pending[0]
        read = FetchedAttachment(
            name=attachment.name,
            url=attachment.url,
            content_hash=hashlib.sha256(body).hexdigest(),
            html=reading.html,
            text=reading.text,
            capped=reading.capped,
            etag=etag,
            last_modified=last_modified,
        )
        return replace(self, pending=self.pending[1:], read=(*self.read, read))

    def failed(self, why: str) -> AttachmentsDue:
        """The first pending attachment could not be read, for ``why``."""
        note = f"attachment {self.pending[0].name}: {why}"
        return replace(self, pending=self.pending[1:], failures=(*self.failures, note))


@dataclass(frozen=True)
class FileCheck:
    """A notice whose page answered 304, its stored schedule files being asked for again (first in flight)."""

    item: ListingItem
    pending: list[dict[str, str]]  # stored attachment entries: name, url, sha256, etag, last_modified
    changed: bool = False
    fresh: dict[str, tuple[bytes, str | None, str | None]] = field(default_factory=dict)

    def next(self, *, changed: bool) -> FileCheck:
        return replace(self, pending=self.pending[1:], changed=self.changed or changed)


def _stored_schedule(known: KnownNotice, url: str) -> list[dict[str, str]]:
    """The stored attachment entries a fetch of the notice would read (see ``attachments_to_fetch``):
    those named as schedules, and those read before (a bare 附件1 the page pointed at has a hash)."""
    stored = [Attachment(a.get("name", ""), a.get("url", "")) for a in known.attachments]
    wanted = {a.url for a in attachments_to_fetch(stored, url)}
    return [a for a in known.attachments if a.get("url", "") in wanted or a.get("sha256")]


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _exc_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
