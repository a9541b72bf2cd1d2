"""Reading a fetched notice with the extractor: the step between fetch and store.

Pure and Scrapy-free, so the crawl pipeline, tests and benchmarks read notices alike. It runs
before the store's transaction opens: extraction is the slow part of storing a notice.
"""

from __future__ import annotations

import html as htmllib
from dataclasses import replace
from datetime import date

from extractor import (
    READER_VERSION,
    Window,
    extract_committee,
    extract_review_year,
    extract_windows,
    shared_committee,
)
from extractor.tables import extract_notice_html
from store.notices import FetchedAttachment, FetchedNotice
from store.windows import Extracted, NoticeReading

# A real notice is a few thousand characters with a handful of windows; a page far beyond these is
# junk or hostile (a 4.8 MB page of dates once gave 88,000 "windows" and held the write lock for minutes).
# Reading stops at the caps, and the notice is marked for a person's look, saying which cap was hit.
MAX_TEXT_CHARS = 200_000
MAX_WINDOWS = 200


def read_notice(page: FetchedNotice, known_published: str | None = None) -> NoticeReading:
    """Committee, review year and windows of a notice; dates without a year take the publish date's.

    The publish date is the page's own, else the one stored for it before, else the listing's.
    """
    pub_text = (page.published or known_published or page.listing_date or "")[:10]
    published = date.fromisoformat(pub_text) if pub_text else None
    body = page.body or ""
    text = f"{page.title}\n\n{body}"
    capped = []
    if len(text) > MAX_TEXT_CHARS:
        capped.append(f"text of {len(text):,} characters: only the first {MAX_TEXT_CHARS:,} were read")
        text = text[:MAX_TEXT_CHARS]
    if page.tables_html and len(page.tables_html) <= 4 * MAX_TEXT_CHARS:
        # A schedule table (one row per committee, one column per step): read it as a table, with the
        # title first so that the notice's own committee and year are in view as in the text.
        windows = extract_notice_html(f"<h1>{htmllib.escape(page.title)}</h1>{page.tables_html}", published)
    else:
        windows = extract_windows(text, published)
    for attachment in page.attachments_read:
        windows += attachment_windows(page.title, attachment, published, seen=windows)
        if attachment.capped:
            capped.append(f"attachment {attachment.name}: {attachment.capped}")
    if len(windows) > MAX_WINDOWS:
        capped.append(f"{len(windows):,} windows found: only the first {MAX_WINDOWS} were kept")
        windows = windows[:MAX_WINDOWS]
    return NoticeReading(
        committee=extract_committee(page.title, body[:MAX_TEXT_CHARS]),
        review_year=extract_review_year(page.title, body[:MAX_TEXT_CHARS], published),
        windows=[Extracted(w.kind, w.start, w.end, w.evidence, w.committee, w.confidence) for w in windows],
        capped="; ".join(capped) or None,
        reader=READER_VERSION,
        shared=shared_committee(page.title, [w.committee for w in windows]),
    )


def attachment_windows(
    title: str, attachment: FetchedAttachment, published: date | None, seen: list[Window]
) -> list[Window]:
    """Windows an attachment adds to its notice's, their evidence naming the file.

    Read with the notice's title in front, as the page is, so that its committee and year are in view;
    windows read from the title alone, or that the page (or an earlier attachment) already gave, are
    left out: the same dates in the page and in its attachment are one window, not two.
    """
    head = htmllib.escape(title)
    if attachment.html:
        found = extract_notice_html(f"<h1>{head}</h1>{attachment.html[: 4 * MAX_TEXT_CHARS]}", published)
    else:
        found = extract_windows(f"{title}\n\n{attachment.text[:MAX_TEXT_CHARS]}", published)
    known = {(w.kind, w.start, w.end, w.committee) for w in seen}
    out = []
    for w in found:
        if w.evidence in title or (w.kind, w.start, w.end, w.committee) in known:
            continue
        known.add((w.kind, w.start, w.end, w.committee))
        out.append(replace(w, evidence=f"{attachment.name}: {w.evidence}"))
    return out
