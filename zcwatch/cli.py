"""The `zcwatch` command: a thin layer that parses arguments and turns domain errors into one line.

Each command imports what it needs when it runs: only `crawl`, `run`, `daemon`, `test-source` and `demo` start
a crawl, and even they run Scrapy in a child process (``crawler.process``), so no command
imports Scrapy in this process. Exit codes: 0 success (also "nothing new"), 1 a run or a
delivery failed, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

from core.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UserError
from core.vocabulary import APPLICATION_EVENTS

Handler = Callable[[argparse.Namespace], int]


def _iso_now(value: str) -> datetime:
    from core.timeutil import parse_now

    try:
        return parse_now(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (1-65535): {value!r}")
    return int(value)


class _Parser(argparse.ArgumentParser):
    # argparse exits 2 on usage errors already; keep its one-line message but add the prog.
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zcwatch")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class _VersionAction(argparse.Action):
    # Not argparse's "version" action: that wants the text when the parser is built, and reading it
    # (importlib.metadata, email) costs every command 20 ms that only --version needs.
    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        sys.stdout.write(f"zcwatch {_version()}\n")  # stdout, as argparse's own version action
        parser.exit(EXIT_OK)


def _global_options(parser: argparse.ArgumentParser, default: str | None) -> None:
    """--config, -v and -q, before the command (``zcwatch -v run``) or after it (``zcwatch run -v``).

    After the command their default is SUPPRESS, so a subcommand that is not given them leaves what was
    given before it alone.
    """
    parser.add_argument(
        "--config",
        type=Path,
        default=default,
        help="config file (env ZCWATCH_CONFIG, default ./config.toml)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default if default is not None else 0,
        help="more output: a line per step, tracebacks; -vv debug",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default if default is not None else False,
        help="only errors",
    )


def build_parser() -> argparse.ArgumentParser:
    from zcwatch import commands as c

    p = _Parser(
        prog="zcwatch",
        description="Watch Guangzhou title-review committee notices and send alerts.",
        epilog="Exit codes: 0 success (also when nothing is new), 1 a crawl, run or delivery failed, "
        "2 usage or configuration error. `zcwatch COMMAND --help` for each command.",
    )
    _global_options(p, None)
    p.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def cmd(name: str, handler: Handler, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        _global_options(sp, argparse.SUPPRESS)
        sp.set_defaults(handler=handler)
        return sp

    sp = cmd("init", c.init, "write a starter config.toml (if none exists) and create the database")
    sp = cmd("config", c.show_config, "validate the configuration and print it with secrets masked")

    sp = cmd("crawl", c.crawl, "crawl the committee-notice column(s) once")
    sp.add_argument("--source", help="only this source (by name)")
    sp.add_argument("--full", action="store_true", help="backfill every listing page")

    sp = cmd("notices", c.notices, "list stored notices")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.add_argument("--since", type=_iso_date, help="only notices published on or after this date")

    sp = cmd("extract", c.extract, "print the windows found in one notice (HTML or text) as JSON")
    sp.add_argument("file", nargs="?", default="-", help="a notice file, or - for stdin")
    sp.add_argument("--published", type=_iso_date, help="the notice's publish date (YYYY-MM-DD)")
    sp.add_argument("--batch", action="store_true", help='read JSON lines {"id","text","published"} on stdin')

    sp = cmd(
        "test-source",
        c.test_source,
        "show what zcwatch reads in a column (crawled into a scratch database) or a saved page; "
        "stores nothing",
    )
    sp.add_argument(
        "target", help="the column's first listing page (URL), a [[sources]] name, or a saved page (FILE)"
    )
    sp.add_argument("--pages", type=int, help="listing pages to read at most (default: crawl.max_pages)")
    sp.add_argument("--source", help="read with this [[sources]] entry's selectors (with a URL or FILE)")
    sp.add_argument("--url", dest="page_url", help="with FILE: the address the page was saved from")

    cmd(
        "reread",
        c.reread,
        "read the stored notices an older extractor read again, from the database (no request to the site)",
    )

    sp = cmd("notify", c.notify, "plan and send the alerts due now")
    sp.add_argument(
        "--now", type=_iso_now, help="pretend it is this time (ISO 8601; no offset = Asia/Shanghai)"
    )
    sp.add_argument("--dry-run", action="store_true", help="show what would be sent; send and record nothing")

    sp = cmd("run", c.run, "one cycle: crawl every source, send due alerts and the digest if due")
    sp.add_argument("--now", type=_iso_now, help="pretend it is this time (ISO 8601)")

    cmd("daemon", c.daemon, "run forever on a schedule (APScheduler)")

    sp = cmd("status", c.status, "last crawls, next jobs, pending and failed deliveries")
    sp.add_argument("--format", choices=["text", "json"], default="text")

    sp = cmd("digest", c.digest, "the staff deadline digest")
    sp.add_argument("--format", choices=["text", "md", "html", "json", "ics"], default="text")
    sp.add_argument("--now", type=_iso_now)
    sp.add_argument("--out", type=Path, help="write to this file instead of stdout")
    sp.add_argument("--committee", help="only committees whose name contains this keyword")
    sp.add_argument("--days", type=int, help="'opening within N days' horizon (default from config)")
    sp.add_argument(
        "--width",
        type=int,
        help="fit the text digest to this many columns (default: the terminal's, when writing to one)",
    )

    sp = cmd("serve", c.serve, "serve the deadline board, calendar (.ics), Atom feed and JSON API over HTTP")
    sp.add_argument("--host", help="address to listen on (default: [web] host, 127.0.0.1)")
    sp.add_argument("--port", type=_port, help="port to listen on (default: [web] port, 8080)")
    sp.add_argument("--now", type=_iso_now, help="show the board as at this time (ISO 8601), e.g. for a demo")

    sp = cmd("deliveries", c.deliveries, "the alert ledger")
    sp.add_argument("--failed", action="store_true", help="only failed and dead deliveries")
    sp.add_argument("--format", choices=["text", "json"], default="text")

    sp = cmd("subscribers", c.subscribers, "list, add, remove, import, export or test subscribers")
    subs = sp.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    subs.required = True
    _global_options(subs.add_parser("list", help="list subscribers with masked URLs"), argparse.SUPPRESS)
    t = subs.add_parser("test", help="send a test message to one subscriber")
    _global_options(t, argparse.SUPPRESS)
    t.add_argument("name")
    a = subs.add_parser("add", help="add a subscriber (stored in the database)")
    _global_options(a, argparse.SUPPRESS)
    a.add_argument("name")
    a.add_argument("--url", action="append", required=True, help="an Apprise URL (repeat for several)")
    a.add_argument("--committee", action="append", help="a committee keyword (repeat; default: all)")
    a.add_argument("--kind", action="append", help="a window kind (repeat; default: apply, accept)")
    a.add_argument("--lead-days", type=int, help="days ahead for the month-ahead alert (default: [alerts])")
    a.add_argument("--quiet-hours", help="HH:MM-HH:MM: alerts due then wait until it ends")
    r = subs.add_parser("remove", help="remove a subscriber added with add or import")
    _global_options(r, argparse.SUPPRESS)
    r.add_argument("name")
    i = subs.add_parser("import", help="add or update subscribers from a CSV file (all or nothing)")
    _global_options(i, argparse.SUPPRESS)
    i.add_argument("file", type=Path)
    e = subs.add_parser("export", help="subscribers as CSV: masked on stdout, in full with --output")
    _global_options(e, argparse.SUPPRESS)
    e.add_argument("--output", type=Path, help="write a new file (mode 600) with the URLs in full")

    sp = cmd(
        "timeline",
        c.timeline,
        "record where a subscriber's own application stands (the office's guide is then sent as reminders), "
        "or list it",
    )
    sp.add_argument("name", help="the subscriber (see `zcwatch subscribers list`)")
    sp.add_argument("--committee", metavar="KW", help="the committee applied to: a keyword of its name")
    sp.add_argument("--event", choices=APPLICATION_EVENTS, help="what happened")
    sp.add_argument("--on", type=_iso_date, metavar="YYYY-MM-DD", help="the day it happened (default: today)")
    sp.add_argument("--remove", type=int, metavar="ID", help="remove an event recorded by mistake (its #id)")
    sp.add_argument("--format", choices=["text", "json"], default="text")
    sp.add_argument("--now", type=_iso_now, help="pretend it is this time (ISO 8601)")

    sp = cmd("staff", c.staff, "staff accounts of the review area /staff: add, passwd, token, list, remove")
    acts = sp.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    acts.required = True
    _global_options(acts.add_parser("list", help="list staff accounts"), argparse.SUPPRESS)
    for action, what in (
        ("add", "add an account; the password is read from the terminal, or stdin when it is not one"),
        ("passwd", "set a new password (ends the account's sessions)"),
        ("token", "print a new API bearer token for the account (the old one stops working)"),
        ("remove", "remove an account and end its sessions"),
    ):
        a = acts.add_parser(action, help=what, description=what)
        _global_options(a, argparse.SUPPRESS)
        a.add_argument("name")

    sp = cmd("demo", c.demo, "serve the bundled replica site on loopback and run the whole pipeline on it")
    sp.add_argument("--keep", type=Path, help="keep the demo database at this path")
    sp.add_argument("--serve", action="store_true", help="then serve the demo's board on 127.0.0.1")
    sp.add_argument("--port", type=_port, default=8080, help="with --serve: the port (default 8080)")
    return p


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else logging.WARNING if verbose == 0 else logging.INFO
    if verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if verbose >= 2:
        # Apprise's own lines can quote keys; notifier.channels keeps them local unless asked like this,
        # and then masks the secrets in them and in urllib3's request lines.
        from notifier.channels import guard_log_handlers

        logging.getLogger("apprise").setLevel(logging.DEBUG)
        guard_log_handlers(logging.getLogger().handlers)


def run_cli(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose, args.quiet)
    try:
        return int(args.handler(args))
    except UserError as e:
        if args.verbose:
            traceback.print_exc()
        print(f"zcwatch: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("zcwatch: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # a bug: still one line, and the trace on -v
        if args.verbose:
            traceback.print_exc()
        print(f"zcwatch: internal error: {type(e).__name__}: {e} (run with -v for details)", file=sys.stderr)
        return EXIT_FAILED


def main() -> None:
    sys.exit(run_cli())
