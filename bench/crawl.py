"""What a crawl costs the site: a full backfill, then no-change polls, against the local replica.

Run: ``.venv/bin/python bench/crawl.py``. Starts the test replica (``tests/support/replica.py``) on 127.0.0.1,
writes a config with
``delay = 0`` into a temporary directory, and runs the real ``zcwatch crawl --full`` and ``zcwatch crawl``
(Scrapy in a child process, as in production). Requests and bytes are counted by the replica, i.e. what
the site would see; seconds are wall time of the CLI, child start-up included. With the default
``delay = 2`` each request after the first would add 2 s.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _replica import write_config, zcwatch_cmd
from support.replica import LoggedRequest, ReplicaServer


def _run(config: Path, replica: ReplicaServer, *args: str) -> tuple[list[LoggedRequest], float, str]:
    replica.clear_log()
    started = time.monotonic()
    proc = subprocess.run(
        [*zcwatch_cmd(), "--config", str(config), "crawl", *args], capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    line = (proc.stdout + proc.stderr).strip().splitlines()
    return replica.requests, seconds, line[-1] if line else f"exit {proc.returncode}"


def main() -> int:
    rows: list[tuple[str, int, int, int, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="zcwatch-bench-") as tmp, ReplicaServer() as replica:
        config = Path(tmp) / "zcwatch.toml"
        write_config(config, Path(tmp) / "bench.sqlite3", replica)
        runs = (
            ("backfill (crawl --full)", ("--full",)),
            ("no-change poll (crawl)", ()),
            ("next no-change poll", ()),
        )
        for label, args in runs:
            log, seconds, summary = _run(config, replica, *args)
            robots = sum(1 for r in log if r.path.split("?", 1)[0] == "/robots.txt")
            rows.append(
                (label, len(log), len(log) - robots, sum(r.bytes_sent for r in log), seconds, summary)
            )

    print(
        "zcwatch crawl benchmark: local replica on 127.0.0.1, delay = 0 (production default is 2 s/request)"
    )
    print()
    header = f"{'run':<24} {'requests':>8} {'w/o robots':>10} {'bytes':>9} {'seconds':>8}"
    print(header)
    print("-" * len(header))
    for label, total, site, nbytes, seconds, _ in rows:
        print(f"{label:<24} {total:>8} {site:>10} {nbytes:>9,} {seconds:>8.2f}")
    print()
    for label, *_, summary in rows:
        print(f"{label}: {summary}")
    print()
    print(
        "The replica lists a withdrawn notice (404), so the backfill is partial and does not store the\n"
        "listing's validators: the first poll reads page 1 in full (200), the next one gets a 304."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
