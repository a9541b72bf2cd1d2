"""Alert throughput with 1, 2 and 4 notify workers on PostgreSQL, next to SQLite's one worker.

The same work as bench/notify.py (N subscribers, each on its own path of one local json:// webhook, one
window whose month-ahead alert is due for all of them), on a temporary SQLite file and on a throw-away
PostgreSQL server started like the tests' (tests/support/postgres.py: initdb + pg_ctl, as the postgres
user when run as root; durability off, as in the tests).

Each worker is a process of its own running ``notify_due`` (plan, ledger, claim -> send -> record), as
`zcwatch notify` on several hosts would. Every worker is warmed before the clock starts (imports, config,
Apprise's plugins, a first database connection) and waits at a barrier; the figure is the wall time from
the barrier to the last worker's end, over the alerts sent by all. The sides are interleaved (SQLite 1,
PostgreSQL 1, 2, 4, then again), each run on a fresh database, and the median of the rounds is printed.
SQLite has one worker only: its writers are serialised and notify holds the run lock there.

Two tables. With a webhook that answers at once, every worker is busy on the CPU (rendering, Apprise, the
ledger's statements), so on a 2-core machine 4 workers cannot beat 2 cores' worth. A real channel answers
after a round trip (an SMTP relay, WeCom's API: tens of milliseconds), and a worker waiting for it leaves
the CPU to the others: the second table has the webhook wait ``--latency-ms`` (default 50) before each
answer, with ``--latency-subscribers`` (default 200) subscribers, so that one worker's run stays short.

    .venv/bin/python bench/notify_pg.py [--subscribers N] [--rounds R]
                                        [--latency-ms MS] [--latency-subscribers N]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support.notify_fixtures import NotifyEnv, local  # noqa: E402
from support.postgres import PostgresServer  # noqa: E402
from support.webhook import WebhookSink  # noqa: E402

COMMITTEE = "广州市卫生专业技术人才高级职称评审委员会"
NOW = "2025-11-01T09:00"


def _worker(config_path: str, barrier: Any, results: Any) -> None:
    """One notify worker: warm, wait for the others, run, report (start, end, sent, failed)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import apprise

    from core.config import load_config
    from notifier.deliver import notify_due
    from store.db import open_engine

    config = load_config(Path(config_path))
    engine = open_engine(config.resolved_database_url)
    with engine.connect():
        pass  # the first connection (and the schema check) outside the timing
    apprise.Apprise.instantiate(config.subscribers[0].urls[0])  # Apprise's plugins, likewise
    barrier.wait()
    started = time.perf_counter()
    report = notify_due(config, engine, local(NOW))
    results.put((started, time.perf_counter(), report.sent, report.failed))
    engine.dispose()


def run(sink: WebhookSink, n: int, workdir: Path, url: str, workers: int, tag: str) -> tuple[float, int]:
    """``workers`` processes on one fresh database: (wall seconds, alerts sent)."""
    workdir.mkdir(parents=True)
    env = NotifyEnv(workdir, url=url)
    for i in range(n):
        env.subscribe(f"s{i:04d}", sink.apprise_url(f"/{tag}{i:04d}"))
    env.add_notice(COMMITTEE, [("apply", "2025-12-01T09:00", "2025-12-20T17:30")], seen="2025-10-15T10:00")
    config_path = env.write_config()
    env.close()
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(config_path), barrier, results)) for _ in range(workers)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=600) for _ in procs]
    for p in procs:
        p.join()
    sent, failed = sum(o[2] for o in outcomes), sum(o[3] for o in outcomes)
    if sent != n or failed:
        raise SystemExit(f"{tag}: {workers} worker(s) sent {sent} of {n}, {failed} failed")
    return max(o[1] for o in outcomes) - min(o[0] for o in outcomes), sent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--latency-ms", type=float, default=50.0, help="the second table's answer delay (0: none)"
    )
    parser.add_argument("--latency-subscribers", type=int, default=200)
    args = parser.parse_args()
    series = [(0.0, args.subscribers)]
    if args.latency_ms > 0:
        series.append((args.latency_ms, args.latency_subscribers))
    sides = [("SQLite", 1), ("PostgreSQL", 1), ("PostgreSQL", 2), ("PostgreSQL", 4)]
    rates: dict[tuple[float, str, int], list[float]] = {(ms, *s): [] for ms, _ in series for s in sides}
    with WebhookSink() as sink, tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg:
        for r in range(args.rounds):
            for ms, n in series:
                sink.delay(ms / 1000)
                for engine, workers in sides:
                    tag = f"r{r}l{ms:g}{engine[0]}{workers}-"
                    url = "" if engine == "SQLite" else pg.url(pg.create_database())
                    seconds, sent = run(sink, n, Path(tmp) / tag, url, workers, tag)
                    rates[ms, engine, workers].append(sent / seconds)
    for ms, n in series:
        answer = f"answering after {ms:g} ms" if ms else "answering at once"
        print(
            f"\n{n} subscribers, one month-ahead alert each, local json:// webhook {answer};"
            f" {args.rounds} round(s)"
        )
        print(f"{'':24}median alerts/s   (each round)   vs SQLite 1 worker   vs PostgreSQL 1 worker")
        base, pg_one = (
            statistics.median(rates[ms, "SQLite", 1]),
            statistics.median(rates[ms, "PostgreSQL", 1]),
        )
        for engine, workers in sides:
            runs = rates[ms, engine, workers]
            each = ", ".join(f"{x:.1f}" for x in runs)
            med = statistics.median(runs)
            label = f"{engine}, {workers} worker{'s' if workers > 1 else ''}"
            print(f"{label:24}{med:7.1f}          ({each})   {med / base:.2f}x   {med / pg_one:.2f}x")
    print(f"\n(this machine has {mp.cpu_count()} CPU(s); the webhook sink runs in this process)")


if __name__ == "__main__":
    main()
