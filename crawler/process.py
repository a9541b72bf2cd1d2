"""One crawl of one source, run as a child process: ``python -m crawler.process --config F --source N``.

Twisted's reactor cannot be restarted inside a process, so the CLI, cron runs and the daemon all
start this module as a child (``scheduler.crawljob``) and read the one JSON line it writes on
stdout: a ``crawler.outcome.CrawlResult``. The crawl-run record is opened before the crawl and
closed after it with the outcome and counts; the listing's validators (ETag, Last-Modified, item
signature) are only advanced when the crawl was ok, so a failed or partial poll is repeated in full
next time.

On PostgreSQL the child holds the site's crawl lock (``store.lock.site_lock``) while it crawls and for one
politeness delay after: a site another process is crawling is skipped (``crawling_elsewhere``), not crawled
twice. The child never crawls on without its parent, which holds the run lock: SIGTERM, SIGINT and SIGHUP
end it at once (their default action; Scrapy's graceful shutdown would let queued work go on), and
with ``--parent PID`` it is sent SIGTERM when that process dies (Linux: prctl PR_SET_PDEATHSIG;
elsewhere a thread watches ``os.getppid()``). A record left ``running`` by a crawl that was killed
is closed as ``error`` ("interrupted") by the next crawl of the database, or by the parent.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from core.config import Config, load_config
from core.config import Source as ConfigSource
from core.errors import UserError
from core.vocabulary import CrawlOutcome
from crawler.outcome import CrawlResult, CrawlTally, moved_key
from store.db import open_engine, transaction
from store.lock import site_lock
from store.models import CrawlRun, Meta, Source
from store.notices import ensure_source, finish_run, known_notices, start_run

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_PARENT_POLL_SECONDS = 0.2


def close_interrupted_runs(engine: Engine, reason: str, source_id: int | None = None) -> int:
    """Close every crawl record still ``running`` as ``error`` (of ``source_id`` only, when given);
    returns how many there were.

    Called with the run lock held (one crawl per database at a time), or on PostgreSQL with the source's
    crawl lock held (one crawl per source, on any host: then only that source's records), so such a
    record belongs to a crawl that is gone: killed, or crashed before it could close it.
    """
    with transaction(engine) as s:
        q = select(CrawlRun.id).where(CrawlRun.outcome == CrawlOutcome.RUNNING)
        if source_id is not None:
            q = q.where(CrawlRun.source_id == source_id)
        ids = list(s.scalars(q))
        for run_id in ids:
            finish_run(s, run_id, CrawlOutcome.ERROR, error=reason[:500])
    return len(ids)


def _die_with(parent: int) -> None:
    """Be sent SIGTERM when ``parent`` exits; exit now if it already has."""
    libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
    if libc is None or libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(_PARENT_POLL_SECONDS)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    if os.getppid() != parent:  # died before the request above was in place
        os.kill(os.getpid(), signal.SIGTERM)


def _set_proxy(proxy: str) -> None:
    # Scrapy's HttpProxyMiddleware reads these, for robots.txt requests too.
    if proxy:
        os.environ["http_proxy"] = os.environ["https_proxy"] = proxy
        os.environ.pop("no_proxy", None)


class Progress:
    """A one-line progress indicator on stderr, rewritten in place with ``\\r`` (stdout carries the JSON).

    Written by the child itself: the one place outside the CLI that writes to the terminal.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.pages = 0
        self.notices = 0

    def response_received(self, response: Any, request: Any) -> None:
        if "page" in request.meta:
            self.pages += 1
        elif "item" in request.meta:
            self.notices += 1
        else:
            return
        self.show()

    def show(self, end: str = "") -> None:
        sys.stderr.write(
            f"\r{self.source}: {self.pages} listing page(s), {self.notices} notice(s) fetched{end}"
        )
        sys.stderr.flush()


def crawl(
    config: Config, source_name: str, full: bool, progress: bool = False, since: str | None = None
) -> CrawlResult:
    source = config.source(source_name)
    lock = site_lock(config, source.url)
    if lock is not None and not lock.acquire():
        # Not a failure: the site is being read right now, by a run on another host (or another command).
        return CrawlResult(
            source=source.name,
            outcome=CrawlOutcome.OK,
            reason=f"another zcwatch process is crawling this site now ({lock.where}); not crawled twice",
            crawling_elsewhere=True,
        )
    try:
        return _crawl_locked(config, source, full, progress, since, per_source=lock is not None)
    finally:
        if lock is not None:
            # The politeness delay holds across hosts too: the next crawl of this site, wherever it
            # runs, starts no sooner than one delay after this one's last request.
            time.sleep(config.crawl.delay)
            lock.release()


def _crawl_locked(
    config: Config, source: ConfigSource, full: bool, progress: bool, since: str | None, *, per_source: bool
) -> CrawlResult:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from crawler.settings import scrapy_settings
    from crawler.spider import ColumnSpider

    engine = open_engine(config.resolved_database_url)
    with transaction(engine) as s:
        src = ensure_source(s, source.name, source.url)
    close_interrupted_runs(
        engine,
        "interrupted: the crawl process was killed before it finished",
        source_id=src.id if per_source else None,
    )
    with transaction(engine) as s:
        src = ensure_source(s, source.name, source.url)
        known = known_notices(s)
        validators = (src.etag, src.last_modified, src.listing_hash)
        last_count, source_id = src.last_item_count, src.id
        run_id = start_run(s, src.id, full).id

    _set_proxy(config.crawl.proxy)
    started = time.monotonic()
    process = CrawlerProcess(scrapy_settings(config.crawl))
    crawler = process.create_crawler(ColumnSpider)
    meter = Progress(source.name) if progress else None
    if meter is not None:
        crawler.signals.connect(meter.response_received, signal=signals.response_received)
    process.crawl(
        crawler,
        column_url=source.url,
        full=full,
        known=known,
        validators=validators,
        follow_domains=config.crawl.follow_domains,
        max_pages=config.crawl.max_pages,
        selectors=source.selectors,
        since=since,
        engine=engine,
        source_id=source_id,
    )
    process.start(install_signal_handlers=False)  # a signal ends this process at once: see above
    if meter is not None:
        meter.show(end="\n")
    spider: Any = crawler.spider
    tally: CrawlTally = spider.tally
    stats = crawler.stats.get_stats() if crawler.stats else {}
    outcome = tally.outcome(last_count, config.crawl.layout_drop_ratio)
    result = CrawlResult(
        run_id=run_id,
        source=source.name,
        outcome=outcome,
        reason=tally.reason(outcome),
        requests=int(stats.get("downloader/request_count", 0)),
        bytes=int(stats.get("downloader/response_bytes", 0)),
        items_seen=tally.items_seen,
        new=tally.notices_new,
        changed=tally.notices_changed,
        windows=tally.windows_stored,
        failed=len(tally.notice_failures),
        still_failing=tally.repeat_failures,
        not_modified=tally.not_modified,
        seconds=round(time.monotonic() - started, 2),
        moved_to=tally.moved_to,
    )
    with transaction(engine) as s:
        finish_run(
            s,
            run_id,
            outcome,
            requests=result.requests,
            bytes=result.bytes,
            items_seen=result.items_seen,
            notices_new=result.new,
            notices_changed=result.changed,
            notices_failed=result.failed,
            error=result.reason or None,
        )
        if tally.moved_to:
            s.merge(Meta(key=moved_key(source.name), value=tally.moved_to))
        elif tally.page1_items is not None or tally.not_modified:  # the source URL answered in place
            moved = s.get(Meta, moved_key(source.name))
            if moved is not None:
                s.delete(moved)
        if outcome == CrawlOutcome.OK:
            src2 = s.get(Source, source_id)
            etag, last_modified, signature = spider.new_validators
            if src2 is not None and signature:
                src2.etag, src2.last_modified, src2.listing_hash = etag, last_modified, signature
                src2.last_item_count = tally.page1_items
    engine.dispose()
    return result


def main(argv: list[str] | None = None) -> int:
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)  # an ignored SIGHUP (nohup) or Python's SIGINT must not stay
    p = argparse.ArgumentParser(prog="python -m crawler.process")
    p.add_argument("--config", type=Path, required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--full", action="store_true")
    p.add_argument("--since", help="with --full: revalidate only notices listed on or after YYYY-MM-DD")
    p.add_argument("--progress", action="store_true", help="a one-line progress indicator on stderr")
    p.add_argument("--parent", type=int, help="stop when the process with this pid exits")
    args = p.parse_args(argv)
    if args.parent:
        _die_with(args.parent)
    try:
        result = crawl(
            load_config(args.config), args.source, args.full, progress=args.progress, since=args.since
        )
        code = 0
    except UserError as e:
        result, code = CrawlResult(source=args.source, outcome=CrawlOutcome.ERROR, reason=str(e)), e.exit_code
    # The pipe protocol to scheduler.crawljob, not terminal output: the result as one JSON line.
    sys.stdout.write(result.to_json() + "\n")
    sys.stdout.flush()
    return code


if __name__ == "__main__":
    sys.exit(main())
