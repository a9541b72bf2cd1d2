"""Downloader middlewares: stop at the first anti-bot challenge, and follow only the redirects we may.

``ChallengeGuard``: the spider also detects challenges, but only in its callbacks, which run after
the downloader has already moved on: with a short delay the next queued request (or, when
robots.txt itself is challenged, the listing) would still go out. Here the response is checked as
soon as it is downloaded, before the engine schedules another request, and every later request is
dropped with IgnoreRequest. The spider's tally records why, so the outcome is ``blocked``.

``RedirectPolicy`` replaces Scrapy's RedirectMiddleware (which the spider's
``handle_httpstatus_all`` turned off, so a moved column failed every poll). It follows up to
``MAX_REDIRECTS`` redirects to http(s) URLs on the same registrable domain as the URL first asked
for (``rsj.gz.gov.cn`` -> ``www.gz.gov.cn``) or under ``crawl.follow_domains``, and refuses any
other with ``RedirectRefused``. The redirected request goes back through every downloader
middleware, so RobotsTxtMiddleware reads the new host's robots.txt and DOWNLOAD_MAXSIZE applies
to the new page as to any other.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from w3lib.url import safe_url_string

from core.vocabulary import CrawlOutcome
from crawler.outcome import CrawlTally, clip, status_outcome
from crawler.pages import decode_html, detect_challenge

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
# Second-level labels under which a name is registered one level deeper: gz.gov.cn, pku.edu.cn, x.com.cn.
_SECOND_LEVEL = frozenset({"gov", "edu", "com", "net", "org", "ac", "mil", "co"})


class RedirectRefused(IgnoreRequest):
    """A redirect the crawl does not follow; the message says from where, to where and why."""


def registrable_domain(host: str) -> str:
    """The name a host is registered under: its last two labels, three under gov.cn-style suffixes."""
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    deeper = len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL
    return ".".join(labels[-3:] if deeper else labels[-2:])


def under(host: str, domains: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def redirect_refusal(origin: str, target: str, follow_domains: tuple[str, ...]) -> str | None:
    """Why a redirect from a request first made to ``origin`` must not go to ``target``; None to follow it."""
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https"):
        return f"not http(s) but {parts.scheme or 'no scheme'}"
    host = (parts.hostname or "").lower()
    if not host:
        return "no host"
    home = registrable_domain(urlsplit(origin).hostname or "")
    if registrable_domain(host) == home or under(host, follow_domains):
        return None
    return f"another site (follows only {', '.join((home, *follow_domains))}; see crawl.follow_domains)"


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
        elif status_outcome(response.status) == CrawlOutcome.BLOCKED:
            tally.blocked_reason = f"HTTP {response.status} (anti-bot) at {response.url}"
        return response


class RedirectPolicy:
    def __init__(self, follow_domains: tuple[str, ...]) -> None:
        self.follow_domains = follow_domains

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectPolicy:
        return cls(tuple(crawler.settings.getlist("ZCWATCH_FOLLOW_DOMAINS")))

    def process_response(self, request: Request, response: Response) -> Request | Response:
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response  # a 3xx without a Location is an HTTP error like any other
        target = urljoin(request.url, safe_url_string(location))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        refusal = redirect_refusal(chain[0], target, self.follow_domains)
        if refusal is None and len(chain) > MAX_REDIRECTS:
            refusal = f"more than {MAX_REDIRECTS} redirects"
        if refusal is not None:
            raise RedirectRefused(f"{clip(request.url)} -> {clip(target)}: {refusal}")
        # dont_filter: two notices moved to one page must both get it (the hop limit ends any loop).
        redirected = request.replace(url=target, dont_filter=True)
        redirected.meta["redirect_urls"] = chain
        redirected.meta["redirect_reasons"] = [*request.meta.get("redirect_reasons", []), response.status]
        return redirected
