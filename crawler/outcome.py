"""How a crawl ended: plain functions and data (no Scrapy import), shared by the child and its parent.

Outcomes, worst first when several apply: blocked (an anti-bot challenge: never bypassed),
unreachable (DNS or connection refused), timeout, too_large, http_error, layout_suspect (the
listing yields no items, far fewer than last time, or pages beyond ``crawl.max_pages``), partial
(some notices failed), ok. Zero items is never ok.

``CrawlResult`` is the one result of one crawl: the child (``crawler.process``) writes it as its
one JSON line on stdout and the parent (``scheduler.crawljob``) reads it back with
``CrawlResult.from_json``, which refuses a line with an unknown, missing or mistyped field.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from core.errors import ZcwatchError
from core.vocabulary import CrawlOutcome

# By exception class name, so this module needs no Scrapy import. A failure is judged by the first
# name of its cause chain found here: HttpCompressionMiddleware raises a plain IgnoreRequest whose
# cause says the decompressed body passed DOWNLOAD_MAXSIZE.
_BY_EXCEPTION = {
    "CannotResolveHostError": CrawlOutcome.UNREACHABLE,
    "DNSLookupError": CrawlOutcome.UNREACHABLE,
    "DownloadConnectionRefusedError": CrawlOutcome.UNREACHABLE,
    "ConnectionRefusedError": CrawlOutcome.UNREACHABLE,
    "ConnectError": CrawlOutcome.UNREACHABLE,
    "NoRouteError": CrawlOutcome.UNREACHABLE,
    "TunnelError": CrawlOutcome.UNREACHABLE,
    "DownloadTimeoutError": CrawlOutcome.TIMEOUT,
    "TimeoutError": CrawlOutcome.TIMEOUT,
    "TCPTimedOutError": CrawlOutcome.TIMEOUT,
    "UserTimeoutError": CrawlOutcome.TIMEOUT,
    # Scrapy cancels a download only at DOWNLOAD_MAXSIZE (zcwatch stops none itself): up front when the
    # Content-Length is over it (with a message), or mid-stream when a body without one passes it (none).
    "DownloadCancelledError": CrawlOutcome.TOO_LARGE,
    "_DecompressionMaxSizeExceeded": CrawlOutcome.TOO_LARGE,
}
_DESCRIPTIONS = {
    CrawlOutcome.UNREACHABLE: "site could not be reached",
    CrawlOutcome.TIMEOUT: "timed out",
    CrawlOutcome.TOO_LARGE: "page too large",
}
# A reason goes into one CLI line and the crawl record: a 2,000-character URL must not fill either.
REASON_PART_CHARS = 300


def failure_outcome(exc: BaseException) -> CrawlOutcome:
    """The outcome a download failure stands for, from the class names of the exception and its causes."""
    seen: BaseException | None = exc
    for _ in range(10):  # a cause chain is short; never loop on a cyclic one
        if seen is None:
            break
        outcome = _BY_EXCEPTION.get(type(seen).__name__)
        if outcome is not None:
            return outcome
        seen = seen.__cause__
    return CrawlOutcome.HTTP_ERROR


def describe(outcome: CrawlOutcome) -> str:
    return _DESCRIPTIONS.get(outcome, "download failed")


def status_outcome(status: int) -> CrawlOutcome | None:
    """None for statuses we read (2xx, 304); a failure outcome otherwise."""
    if 200 <= status < 300 or status == 304:
        return None
    return CrawlOutcome.BLOCKED if status in (412, 521) else CrawlOutcome.HTTP_ERROR


def clip(text: str, limit: int = REASON_PART_CHARS) -> str:
    """``text`` cut in the middle to ``limit`` characters: a long URL keeps its start and what follows."""
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    return f"{text[:head]}…{text[-(limit - head - 1) :]}"


@dataclass
class CrawlTally:
    """What one crawl saw, filled in by the spider; ``outcome()`` decides how it went."""

    full: bool = False
    listing_failure: CrawlOutcome | None = None  # an outcome from the first listing page
    failure_reason: str = ""
    blocked_reason: str = ""
    not_modified: bool = False  # 304, or the same items as last time
    page1_items: int | None = None
    items_seen: int = 0
    layout_problem: str = ""
    notices_new: int = 0
    notices_changed: int = 0
    windows_stored: int = 0  # new window versions (added or changed) from the stored notices
    notice_failures: list[str] = field(default_factory=list)
    repeat_failures: int = 0  # notices that had failed before this crawl too (not reported again)
    moved_to: str | None = None  # the source URL answered a permanent redirect to this URL
    # Not crawled: another zcwatch process (PostgreSQL: on any host) was crawling this site at that moment.
    crawling_elsewhere: bool = False

    def outcome(self, last_item_count: int | None, drop_ratio: float) -> CrawlOutcome:
        if self.blocked_reason:
            return CrawlOutcome.BLOCKED
        if self.listing_failure:
            return self.listing_failure
        if self.not_modified:
            return CrawlOutcome.OK
        if self.layout_problem or not self.page1_items:
            return CrawlOutcome.LAYOUT_SUSPECT
        if last_item_count and self.page1_items < last_item_count * drop_ratio:
            self.layout_problem = f"listing page 1 has {self.page1_items} items, {last_item_count} last time"
            return CrawlOutcome.LAYOUT_SUSPECT
        return CrawlOutcome.PARTIAL if self.notice_failures else CrawlOutcome.OK

    def reason(self, outcome: CrawlOutcome) -> str:
        if outcome == CrawlOutcome.BLOCKED:
            return self.blocked_reason
        if outcome == CrawlOutcome.LAYOUT_SUSPECT:
            return self.layout_problem or "the listing yields no items: has the page layout changed?"
        if outcome == CrawlOutcome.PARTIAL:
            first = clip(self.notice_failures[0])
            more = len(self.notice_failures) - 1
            return f"{len(self.notice_failures)} notice(s) failed: {first}" + (
                f" (+{more} more)" if more else ""
            )
        return self.failure_reason


def moved_key(source_name: str) -> str:
    """The ``meta`` row where a crawl records the URL its source permanently redirects to (for the admins)."""
    return f"source.{source_name}.moved_to"


# The JSON types each CrawlResult field may carry on the pipe (bool is an int in Python: checked apart).
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "CrawlOutcome": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "int | None": (int, type(None)),
    "str | None": (str, type(None)),
}


@dataclass(frozen=True)
class CrawlResult:
    """How one crawl of one source went: the child's one JSON line, and what the parent reports."""

    source: str
    outcome: CrawlOutcome
    reason: str = ""
    requests: int = 0
    bytes: int = 0
    items_seen: int = 0
    new: int = 0
    changed: int = 0
    windows: int = 0  # window versions stored (added or changed)
    failed: int = 0
    still_failing: int = 0  # notices that failed in an earlier crawl too (reported then)
    not_modified: bool = False
    seconds: float = 0.0
    run_id: int | None = None
    moved_to: str | None = None  # the source URL answered a permanent redirect to this URL
    # Not crawled: another zcwatch process (PostgreSQL: on any host) was crawling this site at that moment.
    crawling_elsewhere: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome == CrawlOutcome.OK

    def summary(self) -> str:
        moved = f"; source moved to {self.moved_to}: update the config" if self.moved_to else ""
        windows = f" ({self.windows} window(s) stored)" if self.windows else ""
        if self.crawling_elsewhere:
            return f"{self.source}: skipped: {self.reason}"
        if self.ok:
            what = (
                "nothing changed"
                if self.not_modified
                else f"{self.items_seen} listed, {self.new} new, {self.changed} changed{windows}"
            )
            still = (
                f" ({self.still_failing} notice(s) still failing since an earlier crawl)"
                if self.still_failing
                else ""
            )
            return (
                f"{self.source}: ok, {what}{still}; {self.requests} requests, "
                f"{self.bytes / 1024:.0f} KiB in {self.seconds:.1f} s{moved}"
            )
        if self.outcome == CrawlOutcome.PARTIAL:
            # What was stored comes first: a first `crawl --full` that stored everything but one withdrawn
            # notice must not read as a failure.
            stored = f"stored {self.new + self.changed} notice(s), {self.windows} window(s)"
            return f"{self.source}: partial: {stored}; {self.reason or 'no details'}{moved}"
        return f"{self.source}: {self.outcome}: {self.reason or 'no details'}{moved}"

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> CrawlResult:
        """The result a child wrote; ZcwatchError naming the problem if the line is not exactly one."""
        try:
            data = json.loads(line)
        except ValueError as e:
            raise ZcwatchError(f"crawl result is not JSON: {e}") from None
        if not isinstance(data, dict):
            raise ZcwatchError(f"crawl result is not a JSON object: {clip(line, 80)}")
        types = {f.name: _JSON_TYPES[str(f.type)] for f in fields(cls)}
        unknown = sorted(set(data) - set(types))
        missing = sorted(set(types) - set(data))
        if unknown or missing:
            problems = [f"unknown field(s) {', '.join(unknown)}"] if unknown else []
            problems += [f"missing field(s) {', '.join(missing)}"] if missing else []
            raise ZcwatchError(f"crawl result has {' and '.join(problems)}")
        for name, value in data.items():
            allowed = types[name]
            if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
                raise ZcwatchError(f"crawl result field {name} has a wrong type: {clip(repr(value), 80)}")
        try:
            outcome = CrawlOutcome(data.pop("outcome"))
        except ValueError as e:
            raise ZcwatchError(f"crawl result has an unknown outcome: {e}") from None
        return cls(outcome=outcome, **data)
