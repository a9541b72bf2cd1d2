"""Alert throughput on PostgreSQL next to SQLite: ``notify_due`` (plan, ledger, claim -> send -> record).

The same work as bench/notify.py (N subscribers, each on its own path of one local json:// webhook, one
window whose month-ahead alert is due for all of them), once on a temporary SQLite file and once on a
throw-away PostgreSQL server started like the tests' (tests/support/postgres.py: initdb + pg_ctl, as the
postgres user when run as root; durability off, as in the tests). One worker on each: until deliveries
are claimed with leases (issue 13, step 5), notify runs are serialised by the run lock, so 2 and 4
workers would only take turns; the script says so rather than print a figure that means nothing.

    .venv/bin/python bench/notify_pg.py [--subscribers N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from notify import bench_zcwatch as bench  # noqa: E402  # the same work as bench/notify.py
from support.postgres import PostgresServer  # noqa: E402
from support.webhook import WebhookSink  # noqa: E402

COMMITTEE = "广州市卫生专业技术人才高级职称评审委员会"
NOW = "2025-11-01T09:00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    n = parser.parse_args().subscribers
    with WebhookSink() as sink, tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg:
        import apprise

        apprise.Apprise.instantiate(sink.apprise_url())  # load Apprise's plugins outside the timings
        (Path(tmp) / "sqlite").mkdir()
        (Path(tmp) / "pg").mkdir()
        s_seconds, s_sent = bench(sink, n, Path(tmp) / "sqlite", "", "s")
        p_seconds, p_sent = bench(sink, n, Path(tmp) / "pg", pg.url(pg.create_database()), "p")
    print(f"{n} subscribers, one month-ahead alert each, local json:// webhook")
    print(
        f"SQLite,     1 worker : {s_sent:5d} alerts in {s_seconds:6.2f}s = {s_sent / s_seconds:7.1f} alerts/s"
    )
    print(
        f"PostgreSQL, 1 worker : {p_sent:5d} alerts in {p_seconds:6.2f}s = {p_sent / p_seconds:7.1f} alerts/s"
    )
    print("PostgreSQL, 2 and 4 workers: not measured; notify runs take turns until leases (issue 13, step 5)")


if __name__ == "__main__":
    main()
