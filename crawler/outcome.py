"""How a crawl ended, decided by plain functions (no Scrapy import; tested from tables).

Outcomes, worst first when several apply: blocked (an anti-bot challenge: never bypassed),
unreachable (DNS or connection refused), timeout, too_large, http_error, layout_suspect (the
listing yields no items, or far fewer than last time), partial (some notices failed), ok.
Zero items is never ok.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_BY_EXCEPTION = {
    "CannotResolveHostError": "unreachable",
    "DNSLookupError": "unreachable",
    "DownloadConnectionRefusedError": "unreachable",
    "ConnectionRefusedError": "unreachable",
    "ConnectError": "unreachable",
    "NoRouteError": "unreachable",
    "TunnelError": "unreachable",
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "UserTimeoutError": "timeout",
    "DownloadCancelledError": "too_large",
}


def failure_outcome(exception_name: str, message: str = "") -> str:
    """Map a download failure (by exception class name) to an outcome."""
    outcome = _BY_EXCEPTION.get(exception_name)
    if outcome == "too_large" and "size" not in message.lower():
        return "http_error"
    return outcome or "http_error"


def status_outcome(status: int) -> str | None:
    """None for statuses we read (2xx, 304); a failure outcome otherwise."""
    if 200 <= status < 300 or status == 304:
        return None
    return "blocked" if status in (412, 521) else "http_error"


@dataclass
class CrawlTally:
    """What one crawl saw, filled in by the spider; ``outcome()`` decides how it went."""

    full: bool = False
    listing_failure: str | None = None  # an outcome from the first listing page
    failure_reason: str = ""
    blocked_reason: str = ""
    not_modified: bool = False  # 304, or the same items as last time
    page1_items: int | None = None
    items_seen: int = 0
    layout_problem: str = ""
    notices_new: int = 0
    notices_changed: int = 0
    notices_same: int = 0
    notice_failures: list[str] = field(default_factory=list)
    repeat_failures: int = 0  # notices that had failed before this crawl too (not reported again)

    def outcome(self, last_item_count: int | None, drop_ratio: float) -> str:
        if self.blocked_reason:
            return "blocked"
        if self.listing_failure:
            return self.listing_failure
        if self.not_modified:
            return "ok"
        if self.layout_problem or not self.page1_items:
            return "layout_suspect"
        if last_item_count and self.page1_items < last_item_count * drop_ratio:
            self.layout_problem = f"listing page 1 has {self.page1_items} items, {last_item_count} last time"
            return "layout_suspect"
        return "partial" if self.notice_failures else "ok"

    def reason(self, outcome: str) -> str:
        if outcome == "blocked":
            return self.blocked_reason
        if outcome == "layout_suspect":
            return self.layout_problem or "the listing yields no items: has the page layout changed?"
        if outcome == "partial":
            first = self.notice_failures[0]
            more = len(self.notice_failures) - 1
            return f"{len(self.notice_failures)} notice(s) failed: {first}" + (
                f" (+{more} more)" if more else ""
            )
        return self.failure_reason
