"""`zcwatch timeline NAME [--committee KW --event EVENT [--on DATE]] [--remove ID]`: an applicant's own
timeline (issue 17).

With ``--event`` it records where the subscriber's application to the committee named by ``KW`` stands
(``store.timeline``); ``notify`` then plans the district office's guide as reminders from it. Without, it
lists each application's events and its next reminder. Recording the same event on the same day twice
records it once.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.config import Config
from core.errors import EXIT_OK, TimelineError
from store.db import reading, transaction


def run(args: argparse.Namespace, config: Config, engine: Engine, now: datetime) -> int:
    from store import timeline
    from store.subscribers import find, sync_config

    today = now.astimezone(config.tz).date()
    with transaction(engine) as s:
        sync_config(s, config.subscribers)
        if find(s, args.name) is None:
            raise TimelineError(f"no subscriber named {args.name!r} (see `zcwatch subscribers list`)")
        if args.remove is not None:
            row = timeline.remove_event(s, args.name, args.remove)
            print(f"removed: {row.day} {row.event} ({row.committee})", file=sys.stderr)
            return EXIT_OK
        if args.event:
            if not args.committee:
                raise TimelineError("--event needs --committee KW: which committee's application")
            window = timeline.find_application_window(s, args.committee)
            row, new = timeline.record(s, args.name, window, args.event, args.on or today, today, "cli")
            what = "recorded" if new else "already recorded"
            print(f"{what}: {args.name} {row.event} on {row.day} ({row.committee})", file=sys.stderr)
            return EXIT_OK
    return _list(config, engine, args.name, now, args.format)


def _list(config: Config, engine: Engine, name: str, now: datetime, fmt: str) -> int:
    from notifier.reminders import timeline_rows

    with Session(reading(engine)) as s:
        rows = timeline_rows(s, config, name, now)
    if fmt == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not rows:
        print(f"{name} has recorded no events (zcwatch timeline {name} --committee KW --event submitted)")
        return EXIT_OK
    for app in rows:
        print(app["committee"])
        for e in app["events"]:
            print(f"  {e['day']}  {e['event']:<16} {e['label']}  (#{e['id']}, {e['via']})")
        nxt = app["next_reminder"]
        print(
            f"  next: {nxt['at']}  {nxt['kind']} ({nxt['label']})" if nxt else "  next: no further reminder"
        )
    return EXIT_OK
