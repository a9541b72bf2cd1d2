"""`zcwatch test-source URL|NAME|FILE`: what zcwatch reads in a column, before anyone is alerted from it.

For the operator adding a source (a district's or the province's column). A URL or a configured source's
name is crawled for real (the Scrapy child, robots.txt, the configured delay and size caps, one request at
a time, the source's own selectors), but into a temporary database that is thrown away, so the real one
and its subscribers never hear of it; the result is the crawl's outcome and every notice read, with its
committee and windows. A saved page (FILE) is read without any request: its encoding, the anti-bot
check, which template matched, and then its listing items or its notice's attachments and windows.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from core.config import SELECTOR_KEYS, Config, CrawlSettings, Selectors
from crawler.outcome import CrawlResult
from crawler.pages import ListingPage, NoticePage, decode_html, detect_challenge, parse_listing, parse_notice
from crawler.reading import read_notice
from scheduler.crawljob import crawl_source
from store.notices import FetchedNotice
from store.windows import NoticeReading

TRIAL_SOURCE = "trial"


@dataclass(frozen=True)
class SourceTrial:
    result: CrawlResult
    notices: list[dict[str, Any]]  # `zcwatch notices --format json` records of the scratch database


def _crawl_table(crawl: CrawlSettings, max_pages: int | None) -> list[str]:
    lines = ["[crawl]"]
    for f in fields(crawl):
        value = getattr(crawl, f.name)
        if f.name == "max_pages" and max_pages is not None:
            value = max_pages
        if isinstance(value, tuple):
            value = list(value)
        lines.append(f"{f.name} = {json.dumps(value, ensure_ascii=False)}")
    return lines


def _selectors_table(selectors: Selectors) -> list[str]:
    given = [(k, getattr(selectors, k)) for k in SELECTOR_KEYS if getattr(selectors, k)]
    if not given:
        return []
    return ["[sources.selectors]", *(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in given)]


def trial_config_text(
    config: Config, url: str, db: Path, max_pages: int | None = None, selectors: Selectors | None = None
) -> str:
    """A config with the user's [crawl] settings, one source (``url``) and a scratch database."""
    return "\n".join(
        [
            f"timezone = {json.dumps(config.timezone)}",
            "[database]",
            f"url = {json.dumps('sqlite:///' + db.as_posix())}",
            *_crawl_table(config.crawl, max_pages),
            "[[sources]]",
            f'name = "{TRIAL_SOURCE}"',
            f"url = {json.dumps(url)}",
            *_selectors_table(selectors or Selectors()),
            "",
        ]
    )


def try_source(
    config: Config, url: str, *, max_pages: int | None = None, selectors: Selectors | None = None
) -> SourceTrial:
    """Crawl ``url`` as a source would be crawled (with its selectors), into a scratch database."""
    from core.config import load_config
    from store.db import open_engine
    from store.queries import notices_as_json

    with tempfile.TemporaryDirectory(prefix="zcwatch-test-source-") as tmp:
        path = Path(tmp) / "trial.toml"
        # The [crawl] table may carry a proxy password: the scratch config is readable by its owner only.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(trial_config_text(config, url, Path(tmp) / "trial.sqlite3", max_pages, selectors))
        trial = load_config(path)
        result = crawl_source(trial, trial.source(TRIAL_SOURCE), full=True)
        engine = open_engine(trial.resolved_database_url)
        try:
            notices = notices_as_json(engine)
        finally:
            engine.dispose()
    return SourceTrial(result, notices)


@dataclass(frozen=True)
class PageReading:
    """What zcwatch reads in one saved page (``test-source FILE``); nothing was fetched or stored."""

    encoding: str
    challenge: str | None  # why the page is an anti-bot challenge, else None
    listing: ListingPage | None  # set when the page is a column's listing
    notice: NoticePage | None  # set when it is a notice page
    reading: NoticeReading | None  # the notice's committee and windows
    problem: str | None = None  # why the page could not be read as either

    @property
    def usable(self) -> bool:
        return self.challenge is None and bool(
            (self.listing and self.listing.items) or (self.reading and self.reading.windows)
        )


def read_page_file(raw: bytes, url: str, selectors: Selectors | None = None) -> PageReading:
    """Read a saved listing or notice page as the crawler would read it at ``url``.

    A page is a listing when the listing template (the source's selectors, else the built-in one) finds
    items on it; anything else is read as a notice. Attachments are listed, not fetched.
    """
    from core.errors import NoticeParseError

    sel = selectors or Selectors()
    text, encoding = decode_html(raw, None)
    challenge = detect_challenge(200, text)
    if challenge:
        return PageReading(encoding, challenge, None, None, None)
    listing = parse_listing(text, url, sel)
    if listing.items and not listing.fallback:
        return PageReading(encoding, None, listing, None, None)
    try:
        page = parse_notice(text, url, sel)
    except NoticeParseError as e:
        # Neither a listing the template knows nor a notice: the generic link scan is all there is.
        return PageReading(encoding, None, listing if listing.items else None, None, None, str(e))
    fetched = FetchedNotice(
        url=url,
        title=page.title or "",
        listing_date=None,
        host="",
        published=page.published,
        body=page.body,
        template=page.template,
        tables_html=page.tables_html,
    )
    return PageReading(encoding, None, None, page, read_notice(fetched))
