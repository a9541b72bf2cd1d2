"""Downloader middleware that stops the crawl's traffic at the first anti-bot challenge.

The spider also detects challenges, but only in its callbacks, which run after the downloader
has already moved on: with a short delay the next queued request (or, when robots.txt itself is
challenged, the listing) would still go out. Here the response is checked as soon as it is
downloaded, before the engine schedules another request, and every later request is dropped
with IgnoreRequest. The spider's tally records why, so the outcome is ``blocked``.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.outcome import CrawlTally, status_outcome
from crawler.pages import decode_html, detect_challenge


class ChallengeGuard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChallengeGuard:
        return cls(crawler)

    def _tally(self) -> CrawlTally | None:
        spider: Any = self.crawler.spider
        return getattr(spider, "tally", None)

    def process_request(self, request: Request) -> None:
        tally = self._tally()
        if tally is not None and tally.blocked_reason:
            raise IgnoreRequest("not requested: the site answered with an anti-bot challenge")

    def process_response(self, request: Request, response: Response) -> Response:
        tally = self._tally()
        if tally is None or tally.blocked_reason:
            return response
        content_type = response.headers.get("Content-Type")
        text, _ = decode_html(response.body, content_type.decode("latin-1") if content_type else None)
        challenge = detect_challenge(response.status, text)
        if challenge:
            tally.blocked_reason = f"{challenge} at {response.url}; not retried, never bypassed"
        elif status_outcome(response.status) == "blocked":
            tally.blocked_reason = f"HTTP {response.status} (anti-bot) at {response.url}"
        return response
