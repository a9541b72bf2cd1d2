"""Reading a fetched notice with the extractor: the step between fetch and store.

Pure and Scrapy-free, so the crawl pipeline, tests and benchmarks read notices alike. It runs
before the store's transaction opens: extraction is the slow part of storing a notice.
"""

from __future__ import annotations

from datetime import date

from extractor import extract_committee, extract_review_year, extract_windows
from store.notices import FetchedNotice
from store.windows import Extracted, NoticeReading


def read_notice(page: FetchedNotice, known_published: str | None = None) -> NoticeReading:
    """Committee, review year and windows of a notice; dates without a year take the publish date's.

    The publish date is the page's own, else the one stored for it before, else the listing's.
    """
    pub_text = (page.published or known_published or page.listing_date or "")[:10]
    published = date.fromisoformat(pub_text) if pub_text else None
    body = page.body or ""
    return NoticeReading(
        committee=extract_committee(page.title, body),
        review_year=extract_review_year(page.title, body, published),
        windows=[
            Extracted(w.kind, w.start, w.end, w.evidence)
            for w in extract_windows(f"{page.title}\n\n{body}", published)
        ],
    )
