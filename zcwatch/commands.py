"""The CLI's commands: each loads the config, opens the store, calls library code, prints.

Heavy modules are imported inside the command that needs them so `zcwatch config` stays fast
and nothing here imports Scrapy (crawls run in a child process).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from core.config import Config, Selectors, default_config_path, load_config, template_text
from core.errors import EXIT_FAILED, EXIT_OK, UsageError, UserError
from core.timeutil import now_local


def load_checked(path: Path) -> Config:
    """The config with every Apprise URL checked by Apprise itself (the ground package checks shapes)."""
    from notifier.channels import validate_url

    return load_config(path, check_url=validate_url)


def _config(args: argparse.Namespace) -> Config:
    return load_checked(args.config or default_config_path())


def _config_to_read(args: argparse.Namespace) -> Config:
    """The config for a command that sends nothing: every Apprise URL checked for its shape only.

    Apprise's own parse loads all its plugins (about 180 ms and 29 MiB) for URLs such a command never
    uses; every command that sends (notify, run, daemon, serve, subscribers test) and `zcwatch config`
    still check them fully, so a broken URL is reported before anything would go out on it.
    """
    return load_config(args.config or default_config_path())


def _engine(config: Config) -> Any:
    from store.db import open_engine

    return open_engine(config.resolved_database_url)


def _say(args: argparse.Namespace, line: str) -> None:
    if not args.quiet:
        print(line)


def init(args: argparse.Namespace) -> int:
    path: Path = args.config or default_config_path()
    if path.exists():
        _say(args, f"{path} exists; left as it is")
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as fh:  # "x": never overwrite a config written meanwhile
                fh.write(template_text())
        except OSError as e:
            raise UserError(f"cannot write {path}: {e.strerror}") from None
        _say(args, f"wrote {path}")
    config = load_checked(path)
    _engine(config).dispose()
    _say(args, f"database ready: {config.database_path or config.masked_database_url}")
    return EXIT_OK


def _warn_unmatched_keywords(config: Config) -> None:
    """Warn (stderr) about subscriber keywords that match no committee in the database, if it exists."""
    from notifier.keywords import committees_seen, unmatched_keywords
    from store.db import open_existing

    if not any(s.committees for s in config.subscribers):
        return
    engine = open_existing(config.resolved_database_url)
    if engine is None:
        return  # no database yet: nothing to compare with, and a config check must not create one
    try:
        for problem in unmatched_keywords(config.subscribers, committees_seen(engine)):
            print(problem.warning(), file=sys.stderr)
    finally:
        engine.dispose()


def show_config(args: argparse.Namespace) -> int:
    from zcwatch.config_dump import dump

    config = _config(args)
    sys.stdout.write(dump(config))
    _warn_unmatched_keywords(config)
    return EXIT_OK


def crawl(args: argparse.Namespace) -> int:
    from scheduler.crawljob import crawl_sources
    from store.lock import run_lock

    config = _config(args)
    sources = list(config.sources_to_crawl(args.source))
    lock = run_lock(config)
    if not lock.acquire():  # a run or the daemon is crawling: one crawl at a time per database
        _say(args, "zcwatch: another run is in progress; nothing to do")
        return EXIT_OK
    try:
        results = crawl_sources(
            config, sources, full=args.full, progress=sys.stderr.isatty() and not args.quiet
        )
    finally:
        lock.release()
    for r in results:
        line = r.summary()
        print(line, file=sys.stdout if r.ok else sys.stderr)
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED


def notices(args: argparse.Namespace) -> int:
    from store.queries import notices_as_json

    config = _config_to_read(args)
    engine = _engine(config)
    rows = notices_as_json(engine, since=args.since)
    if args.format == "json":
        _json(rows)
    else:
        for r in rows:
            windows = "; ".join(f"{w['kind']} {w['start'] or '…'}~{w['end'] or '…'}" for w in r["windows"])
            print(f"{r['published'] or '':16}  {r['title']}")
            print(f"{'':16}  {r['url']}" + (f"\n{'':16}  {windows}" if windows else ""))
        if not rows:
            _say(args, "no notices stored yet (run `zcwatch crawl`)")
    return EXIT_OK


def extract(args: argparse.Namespace) -> int:
    import io

    from crawler.pages import decode_html
    from extractor.cli import extract_batch, extract_one

    if args.batch:
        return extract_batch(sys.stdin, sys.stdout)
    try:
        # Bytes, decoded exactly as the crawler decodes a page (meta charset, BOM, UTF-8, then GB18030):
        # a saved GBK notice reads the same from a file or stdin as it did from the site.
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as e:
        raise UserError(f"cannot read {args.file}: {e.strerror}") from None
    text, _encoding = decode_html(raw, None)
    return extract_one(io.StringIO(text), args.published, sys.stdout)


def test_source(args: argparse.Namespace) -> int:
    from scheduler.trial import try_source
    from store.lock import run_lock, site_lock

    if args.pages is not None and not 1 <= args.pages <= 500:
        raise UsageError("--pages must be between 1 and 500")
    config = _config(args)
    target: str = args.target
    named = next((s for s in config.sources if s.name == target), None)
    source = config.source(args.source) if args.source else named
    selectors = source.selectors if source is not None else None
    if named is not None:
        url = named.url
    elif target.startswith(("http://", "https://")):
        url = target
    elif Path(target).is_file():
        return _test_page_file(Path(target), args.page_url or "https://example.invalid/page.html", selectors)
    else:
        raise UsageError(
            f"not a web address, a [[sources]] name or a file: {target!r} "
            "(expected http://…, https://…, a source's name or a saved page)"
        )
    # The trial crawls with its own scratch config, but the site is the same: while a run or the daemon
    # of this config is crawling, a second crawler must not ask the site at once (PostgreSQL: the site's
    # crawl lock, on any host; SQLite: the run lock).
    lock = site_lock(config, url) or run_lock(config)
    if not lock.acquire():
        print("zcwatch: another run is in progress; try test-source again when it ends", file=sys.stderr)
        return EXIT_FAILED
    try:
        trial = try_source(config, url, max_pages=args.pages, selectors=selectors)
    finally:
        lock.release()
    print(trial.result.summary())
    for n in trial.notices:
        print(f"\n{n['published'] or '':16}  {n['title']}")
        print(f"{'':16}  {n['url']}")
        print(f"{'':16}  committee: {n['committee'] or '(not found)'}")
        for w in n["windows"]:
            who = "" if w["committee"] == n["committee"] else f"  [{w['committee']}]"
            sure = f"  (confidence {w['confidence']:.2f})" if w["confidence"] is not None else ""
            print(f"{'':16}  {w['kind']:12} {w['start'] or '…'} ~ {w['end'] or '…'}{who}{sure}")
    if not trial.notices:
        print("no notices read: check the URL is the column's first listing page")
    print("\n(a scratch database, now deleted: nothing was stored and nobody was alerted)")
    return EXIT_OK if trial.result.ok else EXIT_FAILED


def _test_page_file(path: Path, url: str, selectors: Selectors | None) -> int:
    from scheduler.trial import read_page_file

    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror}") from None
    page = read_page_file(raw, url, selectors)
    print(f"file: {path} ({len(raw):,} bytes, read as {page.encoding}; nothing was fetched or stored)")
    if page.challenge:
        print(f"anti-bot challenge: {page.challenge}: save the page from a browser once it shows the notices")
        return EXIT_FAILED
    print("anti-bot challenge: none")
    if page.listing is not None:
        how = "the template"
        if page.listing.fallback:
            how = "the generic link scan (no listing template matched)"
        print(f"listing: {len(page.listing.items)} item(s), read by {how}")
        for item in page.listing.items:
            print(f"  {item.date or '(no date)':10}  {item.title}")
            print(f"  {'':10}  {item.url}")
        print(f"next page: {page.listing.next_url or '(none found)'}")
    if page.problem:
        print(f"not a notice either: {page.problem}")
    if page.notice is not None and page.reading is not None:
        n, r = page.notice, page.reading
        template = f"template {n.template}"
        if n.template == "fallback":
            template = "the fallback (largest text block: no known container matched)"
        print(f"notice: {n.title or '(no title)'}")
        print(f"  published: {n.published or '(not found)'}; body read by {template}")
        print(f"  {len(n.body):,} characters of text")
        print(f"  committee: {r.committee or '(not found)'}; review year: {r.review_year or '(not found)'}")
        for a in n.attachments:
            print(f"  attachment: {a.name} ({a.format or 'unknown type'}) {a.url}")
        for w in r.windows:
            who = "" if not w.committee or w.committee == r.committee else f"  [{w.committee}]"
            sure = f"  (confidence {w.confidence:.2f})" if w.confidence is not None else ""
            print(f"  {w.kind:12} {w.start or '…'} ~ {w.end or '…'}{who}{sure}")
            print(f"  {'':12} {w.evidence}")
        if not r.windows:
            print("  no windows found")
    return EXIT_OK if page.usable else EXIT_FAILED


def notify(args: argparse.Namespace) -> int:
    from notifier.deliver import notify_due
    from store.lock import run_lock

    config = _config(args)
    engine = _engine(config)
    # SQLite: the same lock as `zcwatch run` and the daemon's jobs, one sender at a time. PostgreSQL: none;
    # any number of notify workers share the ledger through their leases (notifier.ledger).
    lock = run_lock(config)
    if not args.dry_run and not lock.acquire():
        _say(args, "zcwatch: another run is in progress; nothing to do")
        return EXIT_OK
    try:
        report = notify_due(config, engine, args.now or now_local(config.tz), dry_run=args.dry_run)
    finally:
        lock.release()
    if args.dry_run:
        for line in report.would_send:
            print(line)
        print(f"dry run: {report.planned} would be sent, {report.skipped} skipped; nothing sent or recorded")
        return EXIT_OK
    for p in report.warnings:
        print(f"zcwatch: warning: {p}", file=sys.stderr)
    for p in report.problems:
        print(f"zcwatch: delivery failed: {p}", file=sys.stderr)
    # "Nothing matched" is its own answer: nobody is subscribed, so nothing could be due.
    _say(args, report.summary() if report.subscribers else "notify: no active subscribers; nothing to send")
    return EXIT_OK if report.ok else EXIT_FAILED


def reread(args: argparse.Namespace) -> int:
    """Read again what an older extractor read; `run` does it too, before it crawls."""
    from crawler.reread import reread_stale
    from store.lock import run_lock, step_lock

    config = _config_to_read(args)
    # The lock `run` re-reads under: the run lock on SQLite, the step's own on PostgreSQL.
    lock = step_lock(config, "reread") or run_lock(config)
    if not lock.acquire():  # a run is storing notices: it re-reads them itself, before crawling
        _say(args, "zcwatch: another run is in progress; nothing to do")
        return EXIT_OK
    try:
        engine = _engine(config)
        report = reread_stale(engine)
        engine.dispose()
    finally:
        lock.release()
    _say(args, report.summary())
    for p in report.problems:
        print(f"zcwatch: {p}", file=sys.stderr)
    return EXIT_FAILED if report.problems else EXIT_OK


def run(args: argparse.Namespace) -> int:
    from scheduler.cycle import run_cycle

    report = run_cycle(_config(args), now=args.now)
    if report is None:
        _say(args, "zcwatch: another run is in progress; nothing to do")
        return EXIT_OK
    if args.verbose and not args.quiet:  # quiet on success for cron; -v says what each step did
        for line in report.steps:
            print(line)
    for p in report.problems:
        print(f"zcwatch: {p}", file=sys.stderr)
    return EXIT_FAILED if report.problems else EXIT_OK


def daemon(args: argparse.Namespace) -> int:
    from scheduler.daemon import run_daemon

    def say(line: str, problem: bool) -> None:
        print(line, file=sys.stderr if problem else sys.stdout, flush=True)

    run_daemon(_config(args), say)
    return EXIT_OK


def status(args: argparse.Namespace) -> int:
    from scheduler.status import collect, render_text

    config = _config_to_read(args)
    data = collect(config, _engine(config))
    if args.format == "json":
        _json(data)
    else:
        sys.stdout.write(render_text(data, config))
    return EXIT_OK


def digest(args: argparse.Namespace) -> int:
    from notifier.digest.build import build_digest
    from notifier.digest.render import render
    from store.engine import reading

    if args.days is not None and not 1 <= args.days <= 366:
        raise UsageError("--days must be between 1 and 366")
    config = _config_to_read(args)
    with reading(_engine(config)).connect() as conn:
        digest = build_digest(
            config, conn, args.now or now_local(config.tz), days=args.days, committee=args.committee
        )
    width = args.width
    if width is None and args.out is None and sys.stdout.isatty():
        width = shutil.get_terminal_size().columns  # fit the terminal it is read in
    text = render(digest, args.format, width)
    if args.out is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return EXIT_OK
    try:
        args.out.write_text(text, encoding="utf-8", newline="")
    except OSError as e:
        raise UserError(f"cannot write {args.out}: {e.strerror}") from None
    return EXIT_OK


def deliveries(args: argparse.Namespace) -> int:
    from notifier.deliver import delivery_rows

    rows = delivery_rows(_engine(_config_to_read(args)), failed=args.failed)
    if args.format == "json":
        _json(rows)
        return EXIT_OK
    for r in rows:
        print(
            f"#{r['id']:<5} {r['status']:8} {r['alert_kind']:12} {r['subscriber']} -> {r['channel']}  "
            f"{r['committee']} {r['window_kind']} {r['start'] or '…'}~{r['end'] or '…'}"
            f"  tries {r['attempts']}" + (f"  error: {r['last_error']}" if r["last_error"] else "")
        )
    if not rows:
        print("no deliveries" + (" failed" if args.failed else " yet"))
    return EXIT_OK


def subscribers(args: argparse.Namespace) -> int:
    from zcwatch import subscribers_cli

    config = _config(args)
    code = subscribers_cli.run(args, config, _engine(config))
    if args.action == "list":
        _warn_unmatched_keywords(config)
    return code


def timeline(args: argparse.Namespace) -> int:
    from zcwatch import timeline_cli

    config = _config_to_read(args)
    return timeline_cli.run(args, config, _engine(config), args.now or now_local(config.tz))


def staff(args: argparse.Namespace) -> int:
    from zcwatch import staff_cli

    return staff_cli.run(args, _engine(_config(args)))


def _json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _serve(config: Config, host: str, port: int, now: Any, say: Any) -> None:
    """Serve the board until interrupted; a port that cannot be bound is one line, not a traceback."""
    import socket

    import uvicorn

    from web.app import create_app

    engine = _engine(config)
    clock = (lambda: now) if now is not None else None
    app = create_app(config, engine, clock)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)  # from now on connections queue, so the "serving" line below is already true
    except OSError as e:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    shown = f"[{host}]" if ":" in host else host
    where = config.database_path or config.masked_database_url
    say(f"serving the board on http://{shown}:{port}/ (database {where}); Ctrl-C stops")
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            server_header=False,
            # Behind nginx (deploy/nginx/): trust its X-Forwarded-* from loopback only.
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
        )
    )
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # Ctrl-C is how a person stops it; uvicorn has shut down gracefully (SIGTERM returns normally)
    finally:
        engine.dispose()


def serve(args: argparse.Namespace) -> int:
    config = _config(args)
    host = args.host or config.web.host
    port = args.port or config.web.port
    _serve(config, host, port, args.now, lambda line: _say(args, line))
    return EXIT_OK


def demo(args: argparse.Namespace) -> int:
    from core.timeutil import parse_now
    from zcwatch.demo import run_demo

    ran = run_demo(keep=args.keep, emit=print)
    if args.serve:
        print("\n4. The board, as at the demo's moment (the replica's 2025年度 season):")
        _serve(load_checked(ran.config_path), "127.0.0.1", args.port, parse_now(ran.now), print)
        return EXIT_OK
    print(
        f"\nDone. Try: zcwatch --config {ran.config_path} notices | head\n"
        f"           zcwatch --config {ran.config_path} digest --format html --now {ran.now}"
        " --out digest.html"
    )
    return EXIT_OK
