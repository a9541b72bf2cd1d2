"""The CLI's commands: each loads the config, opens the store, calls library code, prints.

Heavy modules are imported inside the command that needs them so `zcwatch config` stays fast
and nothing here imports Scrapy (crawls run in a child process).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core.config import Config, default_config_path, load_config, template_text
from core.errors import EXIT_FAILED, EXIT_OK, UserError


def load_checked(path: Path) -> Config:
    """The config with every Apprise URL checked by Apprise itself (the ground package checks shapes)."""
    from notifier.channels import validate_url

    return load_config(path, check_url=validate_url)


def _config(args: argparse.Namespace) -> Config:
    return load_checked(args.config or default_config_path())


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
    _say(args, f"database ready: {config.database_path or config.database_url}")
    return EXIT_OK


def show_config(args: argparse.Namespace) -> int:
    from zcwatch.config_dump import dump

    sys.stdout.write(dump(_config(args)))
    return EXIT_OK


def crawl(args: argparse.Namespace) -> int:
    from scheduler.crawljob import crawl_sources
    from store.lock import FileLock, lock_path

    config = _config(args)
    sources = [config.source(args.source)] if args.source else list(config.sources)
    lock = FileLock(lock_path(config, "run"))
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

    config = _config(args)
    engine = _engine(config)
    rows = notices_as_json(engine, since=args.since)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for r in rows:
            windows = "; ".join(f"{w['kind']} {w['start'] or '…'}~{w['end'] or '…'}" for w in r["windows"])
            print(f"{r['published'] or '':16}  {r['title']}")
            print(f"{'':16}  {r['url']}" + (f"\n{'':16}  {windows}" if windows else ""))
        if not rows:
            _say(args, "no notices stored yet (run `zcwatch crawl`)")
    return EXIT_OK


def extract(args: argparse.Namespace) -> int:
    from extractor.cli import extract_batch, extract_one

    if args.batch:
        return extract_batch(sys.stdin, sys.stdout)
    if args.file == "-":
        return extract_one(sys.stdin, args.published, sys.stdout)
    try:
        with open(args.file, encoding="utf-8", errors="replace") as fh:
            return extract_one(fh, args.published, sys.stdout)
    except OSError as e:
        raise UserError(f"cannot read {args.file}: {e.strerror}") from None


def notify(args: argparse.Namespace) -> int:
    from notifier.service import notify_command

    config = _config(args)
    return notify_command(config, _engine(config), now=args.now, dry_run=args.dry_run, quiet=args.quiet)


def run(args: argparse.Namespace) -> int:
    from scheduler.cycle import run_cycle

    return run_cycle(_config(args), now=args.now, quiet=args.quiet)


def daemon(args: argparse.Namespace) -> int:
    from scheduler.daemon import run_daemon

    return run_daemon(_config(args))


def status(args: argparse.Namespace) -> int:
    from scheduler.status import print_status

    config = _config(args)
    return print_status(config, _engine(config), fmt=args.format)


def digest(args: argparse.Namespace) -> int:
    from notifier.digest.service import digest_command

    config = _config(args)
    return digest_command(
        config,
        _engine(config),
        fmt=args.format,
        now=args.now,
        out=args.out,
        committee=args.committee,
        days=args.days,
    )


def deliveries(args: argparse.Namespace) -> int:
    from notifier.service import deliveries_command

    config = _config(args)
    return deliveries_command(_engine(config), failed=args.failed, fmt=args.format)


def subscribers(args: argparse.Namespace) -> int:
    from notifier.service import subscribers_list, subscribers_test

    config = _config(args)
    if args.action == "list":
        return subscribers_list(config)
    return subscribers_test(config, args.name)


def demo(args: argparse.Namespace) -> int:
    from zcwatch.demo import run_demo

    return run_demo(keep=args.keep, quiet=args.quiet)
