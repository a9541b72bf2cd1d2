"""Scrapy settings built from the validated config: this is where politeness is decided.

Reads ``[crawl]``: ``delay`` -> DOWNLOAD_DELAY (fixed, not randomised, so it is never shorter
than configured), ``timeout`` -> DOWNLOAD_TIMEOUT, ``max_bytes`` -> DOWNLOAD_MAXSIZE,
``user_agent``/``contact`` -> USER_AGENT, ``follow_domains`` -> ZCWATCH_FOLLOW_DOMAINS (read by
``crawler.middleware.RedirectPolicy``). Always: ROBOTSTXT_OBEY, one request at a time
(CONCURRENT_REQUESTS=1), no cookies (a challenge cookie is never replayed), one retry for
transient errors, no telnet console, ``crawler.middleware.ChallengeGuard`` so nothing is
requested after an anti-bot challenge, and ``RedirectPolicy`` in place of Scrapy's redirect
middleware. No meta-refresh redirects: Scrapy's MetaRefreshMiddleware would follow one to any
host, and a page naming a URL must not make us ask for it.
"""

from __future__ import annotations

from typing import Any

from core.config import CrawlSettings

URL_LENGTH_LIMIT = 2083  # Scrapy's default, the longest URL old browsers (and some servers) take


def scrapy_settings(crawl: CrawlSettings) -> dict[str, Any]:
    return {
        "BOT_NAME": "zcwatch",
        "USER_AGENT": crawl.effective_user_agent,
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": crawl.delay,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "CONCURRENT_REQUESTS": 1,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 1,
        "RETRY_HTTP_CODES": [500, 502, 503, 504, 408],
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_ENABLED": False,
        # The child's stderr is the user's terminal with --progress: no Scrapy root log handler there.
        "LOG_INSTALL_ROOT_HANDLER": False,
        "HTTPERROR_ALLOW_ALL": True,
        "ITEM_PIPELINES": {"crawler.pipeline.StorePipeline": 100},
        # After RobotsTxtMiddleware (100), so a challenged robots.txt also stops the listing request.
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.middleware.ChallengeGuard": 120,
            "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
            "crawler.middleware.RedirectPolicy": 600,
        },
        "METAREFRESH_ENABLED": False,
        "ZCWATCH_FOLLOW_DOMAINS": list(crawl.follow_domains),
        # Scrapy's UrlLengthMiddleware drops a longer request without a word; the spider checks first
        # and records the item as failed.
        "URLLENGTH_LIMIT": URL_LENGTH_LIMIT,
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9",
        },
    }
