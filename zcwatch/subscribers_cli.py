"""`zcwatch subscribers list|add|remove|import|export|test`: the stored subscribers (issue 15).

Every action first syncs the config's ``[[subscribers]]`` in (``store.subscribers.sync_config``), so
what is listed is what ``notify`` plans for. URLs are printed masked; ``export --output FILE`` alone
writes them in full, to a file only its owner can read, so that ``import`` can restore them.

CSV (``import`` and ``export``): a header row, then one subscriber per row::

    name,urls,committees,kinds,lead_days,quiet_hours
    张三,mailto://…?to=zs@example.com,卫生;工程,apply;accept,30,22:00-07:30

``urls`` may hold several URLs separated by spaces; ``committees`` and ``kinds`` are ``;``-separated.
An import is all or nothing: any bad row is reported (file:line: problem) and nothing is stored.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.config import Config, Subscriber
from core.errors import EXIT_FAILED, EXIT_OK, UsageError, UserError
from core.vocabulary import DEFAULT_SUBSCRIBED_KINDS, WINDOW_KINDS, ChannelType, SubscriberOrigin
from store.db import reading, transaction

COLUMNS = ("name", "urls", "committees", "kinds", "lead_days", "quiet_hours")
EXPORT_COLUMNS = (*COLUMNS, "origin", "status", "channel")
MAX_PROBLEMS_SHOWN = 20


def run(args: argparse.Namespace, config: Config, engine: Engine) -> int:
    from store.subscribers import sync_config

    with transaction(engine) as s:
        for problem in sync_config(s, config.subscribers):
            print(f"zcwatch: warning: {problem}", file=sys.stderr)
    action = args.action
    if action == "list":
        return _list(config, engine)
    if action == "add":
        return _add(args, engine)
    if action == "remove":
        return _remove(args, engine)
    if action == "import":
        return _import(args.file, engine)
    if action == "export":
        return _export(args.output, engine)
    return _test(config, engine, args.name)


# --- one subscriber's checks, shared by `add` and `import` ----------------------------------------


def _problems(sub: Subscriber) -> Iterator[str]:
    from core.config import url_shape
    from notifier.channels import validate_url

    if not sub.name.strip():
        yield "name: required"
    elif len(sub.name) > 200:
        yield "name: at most 200 characters"
    if not sub.urls:
        yield "urls: give at least one Apprise URL"
    for i, url in enumerate(sub.urls):
        problem = url_shape(url) or validate_url(url)
        if problem:
            yield f"urls[{i}]: {problem}"
    for k in sub.kinds:
        if k not in WINDOW_KINDS:
            yield f"kinds: unknown kind {k!r} (one of {', '.join(WINDOW_KINDS)})"
    if sub.lead_days is not None and not 1 <= sub.lead_days <= 120:
        yield "lead_days: must be between 1 and 120"
    if sub.quiet_hours:
        from core.config import quiet_hours_problem

        problem = quiet_hours_problem(sub.quiet_hours)
        if problem:
            yield f"quiet_hours: {problem}"


def _split(value: str, sep: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(sep) if p.strip())


def _int_or_none(value: str, where: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise UserError(f"{where}: lead_days must be a whole number of days, not {value!r}") from None


def _add(args: argparse.Namespace, engine: Engine) -> int:
    from store.subscribers import add

    sub = Subscriber(
        name=args.name,
        urls=tuple(args.url),
        committees=tuple(args.committee or ()),
        kinds=tuple(args.kind or ()),
        lead_days=args.lead_days,
        quiet_hours=args.quiet_hours or "",
        origin=SubscriberOrigin.CLI.value,
    )
    problems = list(_problems(sub))
    if problems:
        raise UsageError(f"subscriber {args.name!r}: {problems[0]}")
    with transaction(engine) as s:
        add(s, [sub])
    print(f"added subscriber {args.name!r}")
    return EXIT_OK


def _remove(args: argparse.Namespace, engine: Engine) -> int:
    from store.subscribers import remove

    with transaction(engine) as s:
        remove(s, args.name)
    print(f"removed subscriber {args.name!r} (its deliveries stay in the ledger, so nothing is re-sent)")
    return EXIT_OK


def read_csv(path: Path) -> tuple[list[Subscriber], list[str]]:
    """The subscribers of a CSV file and its problems (``file:line: problem``), all rows read."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # Excel writes a BOM
    except OSError as e:
        raise UserError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path} is not UTF-8 text (save the CSV as UTF-8)") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("name", "urls") if c not in (reader.fieldnames or [])]
    if missing:
        raise UserError(
            f"{path}: the header row has no {' or '.join(missing)} column (columns: {', '.join(COLUMNS)})"
        )
    subs: list[Subscriber] = []
    problems: list[str] = []
    seen: set[str] = set()
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if (row.get("origin") or "cli") not in ("", SubscriberOrigin.CLI):
            continue  # an export's config and web rows: not the CLI's to restore
        try:
            sub = Subscriber(
                name=(row.get("name") or "").strip(),
                urls=_split(row.get("urls") or "", None),
                committees=_split(row.get("committees") or "", ";"),
                kinds=_split(row.get("kinds") or "", ";"),
                lead_days=_int_or_none(row.get("lead_days") or "", where),
                quiet_hours=(row.get("quiet_hours") or "").strip(),
                origin=SubscriberOrigin.CLI.value,
            )
        except UserError as e:
            problems.append(str(e))
            continue
        found = list(_problems(sub))
        if sub.name in seen:
            found.append(f"name: {sub.name!r} is on an earlier row too")
        seen.add(sub.name)
        problems += [f"{where}: {p}" for p in found]
        subs.append(sub)
    return subs, problems


def _import(path: Path, engine: Engine) -> int:
    from store.subscribers import add

    subs, problems = read_csv(path)
    if problems:
        for line in problems[:MAX_PROBLEMS_SHOWN]:
            print(f"zcwatch: {line}", file=sys.stderr)
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f" ({more} more not shown)" if more > 0 else ""
        raise UserError(f"{path}: {len(problems)} problem(s){tail}; nothing imported")
    with transaction(engine) as s:
        added = add(s, subs, update_existing=True)
    print(f"imported {path}: {added.created} added, {added.updated} updated")
    return EXIT_OK


def _channel_text(sub: Subscriber, *, reveal: bool) -> str:
    from notifier.channels import masked, masked_address

    if sub.channel_type == ChannelType.APPRISE:
        return " ".join(u if reveal else masked(u) for u in sub.urls)
    return f"{sub.channel_type}:{masked_address(sub.address)}"


def _rows(subs: Iterable[Subscriber], *, reveal: bool) -> Iterator[list[str]]:
    for sub in subs:
        urls = _channel_text(sub, reveal=reveal) if sub.channel_type == ChannelType.APPRISE else ""
        yield [
            sub.name,
            urls,
            ";".join(sub.committees),
            ";".join(sub.kinds),
            "" if sub.lead_days is None else str(sub.lead_days),
            sub.quiet_hours,
            sub.origin,
            sub.status,
            sub.channel_type if sub.channel_type == ChannelType.APPRISE else _channel_text(sub, reveal=False),
        ]


def _write_csv(out: TextIO, subs: Iterable[Subscriber], *, reveal: bool) -> int:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(EXPORT_COLUMNS)
    n = 0
    for row in _rows(subs, reveal=reveal):
        w.writerow(row)
        n += 1
    return n


def _export(output: Path | None, engine: Engine) -> int:
    from store.subscribers import listing

    with Session(reading(engine)) as s:
        if output is None:
            _write_csv(sys.stdout, listing(s), reveal=False)
            return EXIT_OK
        try:
            # The file holds the URLs in full (passwords, keys): created for its owner alone, never replaced.
            fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise UserError(f"{output} exists; export writes a new file only") from None
        except OSError as e:
            raise UserError(f"cannot write {output}: {e.strerror}") from None
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            n = _write_csv(fh, listing(s), reveal=True)
    print(f"exported {n} subscriber(s) to {output} (URLs in full: keep the file private)")
    return EXIT_OK


def _list(config: Config, engine: Engine) -> int:
    from store.subscribers import counts, listing

    out = sys.stdout
    with Session(reading(engine)) as s:
        total = counts(s)
        if not total:
            print(
                "no subscribers (add [[subscribers]] to the config, `zcwatch subscribers add`, or /subscribe)"
            )
            return EXIT_OK
        for sub in listing(s):
            status = sub.status + (f" (paused until {sub.paused_until})" if sub.paused_until else "")
            kinds = ", ".join(sub.kinds) or ", ".join(DEFAULT_SUBSCRIBED_KINDS)
            lead = sub.lead_days or config.alerts.lead_days
            out.write(
                f"{sub.name}  [{sub.origin}, {status}]\n"
                f"  committees: {', '.join(sub.committees) or '(all)'}; kinds: {kinds}\n"
                f"  lead days: {lead}; quiet hours: {sub.quiet_hours or '-'}\n"
            )
            for part in _channel_text(sub, reveal=False).split(" "):
                if part:
                    out.write(f"  -> {part}\n")
            if sub.apprise_config:
                out.write(
                    f"  -> Apprise config {sub.apprise_config} (tags: {', '.join(sub.tags) or 'all'})\n"
                )
    print(", ".join(f"{n} {status}" for status, n in sorted(total.items())))
    return EXIT_OK


def _test(config: Config, engine: Engine, name: str) -> int:
    from notifier.deliver import test_subscriber

    failed = 0
    for chan, result in test_subscriber(config, engine, name):
        print(f"{chan.label}: {'sent' if result.ok else 'FAILED: ' + (result.error or '')}")
        failed += not result.ok
    return EXIT_OK if failed == 0 else EXIT_FAILED
