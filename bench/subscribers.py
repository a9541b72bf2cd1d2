"""Subscribers at scale (issue 15): import N from CSV, then list, export and a notify dry run, timed.

In a temporary directory, the real ``zcwatch demo --keep DIR/demo.sqlite3`` crawls the bundled replica
(a season of windows; the demo also stores its own config subscriber and its few deliveries). A config
``DIR/zcwatch.toml`` naming only that database is written: its lack of ``[[subscribers]]`` makes the
first command drop the demo's config subscriber (``store.subscribers.sync_config``), the ledger stays.
A CSV of N subscribers is generated (each a ``json://127.0.0.1:9/s/NNNNNN`` webhook, some with a second
URL; a third name committee keywords seen in the data, a third name kinds, the rest take the defaults;
some lead_days and quiet hours). Each step is the real CLI in a child process, timed from this one, with
its peak RSS from ``os.wait4``:

- ``subscribers list`` and ``notify --dry-run`` before the import (the fixed cost of a command),
- ``subscribers import FILE.csv``, ``subscribers list`` and ``subscribers export`` (stdout to /dev/null),
- ``notify --dry-run --now <the demo's moment>``, its output counted as it is read (never kept).

    .venv/bin/python bench/subscribers.py [--subscribers 100000] [--now ISO] [--keep DIR] [--timeout S]
    .venv/bin/python bench/subscribers.py --subscribers 2000     # quick smoke run
    .venv/bin/python bench/subscribers.py --send                 # and a real send (several minutes)

A step still running after ``--timeout`` seconds (default 900) is killed and reported as such.

``--send``: the subscribers' webhooks are paths of one local webhook in a process of its own
(bench/_sink.py), and after the dry run the real ``notify --now`` sends to all of them (one message per
subscriber, URL and window: a run's alerts about one window go out together). Its rate (messages the webhook
received over the command's wall time, config, planning and the ledger included) is set beside bare
Apprise's on the same webhook: a child process sends ``--apprise-sample`` (default 5,000) messages of the
same kind, one ``Apprise()`` per URL, after 100 untimed ones, once before the real send and once after;
the mean of the two rates.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from _replica import clean_env, zcwatch_cmd  # noqa: E402
from _sink import ProcessSink  # noqa: E402

from core.vocabulary import DEFAULT_SUBSCRIBED_KINDS, WINDOW_KINDS  # noqa: E402
from zcwatch.demo import DEMO_NOW  # noqa: E402

# Keywords a subscriber would type; only those found in the demo's committees are used.
KEYWORDS = ("卫生", "工程", "会计", "教师", "工匠", "党校", "教育", "经济", "农业", "审计")
KIND_SETS = (
    ("apply",),
    ("apply", "accept", "paper"),
    ("unit_review", "review"),
    ("apply", "fee"),
    tuple(WINDOW_KINDS),
)
LEAD_DAYS = (7, 14, 45, 60, 90)
CHUNK = 1 << 20


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float
    rc: int | None  # None: killed at the timeout
    lines: int | None = None
    tail: str = ""
    stderr_tail: str = ""


def run_step(
    name: str, args: list[str], workdir: Path, timeout: float, *, count: bool = False, env: dict[str, str]
) -> Step:
    """Run ``zcwatch ARGS``; its wall time and peak RSS (wait4), its output counted when ``count``."""
    err_path = workdir / f"stderr-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.txt"
    with err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*zcwatch_cmd(), *args],
            stdout=subprocess.PIPE if count else subprocess.DEVNULL,
            stderr=err,
            env=env,
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            os.kill(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        lines, tail = 0, b""
        if count:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(CHUNK):
                lines += chunk.count(b"\n")
                tail = (tail + chunk)[-4096:]
            proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    stderr_lines = err_path.read_text(encoding="utf-8", errors="replace").splitlines()
    last = tail.decode("utf-8", errors="replace").rstrip("\n").rsplit("\n", 1)[-1]
    return Step(
        name,
        seconds,
        usage.ru_maxrss / 1024,  # KiB on Linux
        None if killed.is_set() else proc.returncode,
        lines if count else None,
        last,
        f"{len(stderr_lines)} line(s), last: {stderr_lines[-1]}" if stderr_lines else "",
    )


def build_demo(workdir: Path, env: dict[str, str], timeout: float) -> tuple[Path, Step]:
    db = workdir / "demo.sqlite3"
    step = run_step("zcwatch demo --keep", ["demo", "--keep", str(db)], workdir, timeout, count=True, env=env)
    if step.rc != 0 or not db.exists():
        raise SystemExit(f"zcwatch demo failed (rc {step.rc}): {step.stderr_tail or step.tail}")
    # The demo writes its config into a directory of its own (zcwatch-demo-*) and leaves it behind; the
    # database is ours at ``db``. Its last lines name that config: remove the directory it made.
    found = re.search(r"--config (\S+/zcwatch-demo-[^/\s]+)/config\.toml", step.tail)
    if found and Path(found[1]).is_dir():
        shutil.rmtree(found[1])
    return db, step


def survey(db: Path) -> tuple[list[str], str]:
    """The demo's committees, and a line saying what else it stored."""
    with sqlite3.connect(db) as c:
        committees = [r[0] for r in c.execute("SELECT DISTINCT committee FROM windows ORDER BY committee")]
        count = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("windows", "notices")}
        ledger = c.execute("SELECT count(*) FROM deliveries").fetchone()[0]
        subs = c.execute("SELECT name, origin FROM subscribers").fetchall()
    return committees, (
        f"{count['windows']} windows, {count['notices']} notices, {len(committees)} committees, "
        f"{ledger} deliveries; {len(subs)} subscriber row(s) of its own: {subs}"
    )


def stored_subscribers(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT origin, count(*) FROM subscribers GROUP BY origin").fetchall()


def write_csv(
    path: Path, n: int, keywords: list[str], seed: int = 15, host: str = "127.0.0.1:9"
) -> dict[str, int]:
    """N subscribers as ``subscribers import`` reads them; how many of each sort were written."""
    rnd = random.Random(seed)
    sorts = {"committees": 0, "kinds": 0, "defaults": 0, "lead_days": 0, "two urls": 0, "quiet": 0}
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(("name", "urls", "committees", "kinds", "lead_days", "quiet_hours"))
        for i in range(n):
            urls = [f"json://{host}/s/{i:06d}"]
            if i % 20 == 7:  # a work phone and a personal one
                urls.append(f"json://{host}/s/{i:06d}-b")
                sorts["two urls"] += 1
            committees: list[str] = []
            kinds: tuple[str, ...] = ()
            if i % 3 == 0:
                committees = rnd.sample(keywords, k=1 if rnd.random() < 0.7 else min(2, len(keywords)))
                sorts["committees"] += 1
            elif i % 3 == 1:
                kinds = rnd.choice(KIND_SETS)
                sorts["kinds"] += 1
            else:
                sorts["defaults"] += 1
            lead = ""
            if rnd.random() < 0.2:
                lead = str(rnd.choice(LEAD_DAYS))
                sorts["lead_days"] += 1
            quiet = ""
            if rnd.random() < 0.1:
                quiet = "22:00-08:00"
                sorts["quiet"] += 1
            row = (" ".join(urls), ";".join(committees), ";".join(kinds), lead, quiet)
            w.writerow((f"申报人-{i:06d}", *row))
    return sorts


def dry_run_figures(step: Step) -> str:
    found = re.match(r"dry run: (\d+) would be sent, (\d+) skipped", step.tail)
    if not found:
        return f"? (last line: {step.tail[:80]!r})"
    planned, skipped = int(found[1]), int(found[2])
    check = "" if step.lines == planned + skipped + 1 else f" (but {step.lines} lines printed)"
    return f"{planned:,} planned, {skipped:,} skipped{check}"


def report(steps: list[Step], n: int) -> None:
    print(f"\n{'step':34} {'wall s':>8} {'peak MiB':>9} {'ms/1k subs':>11}  rc  result")
    for st in steps:
        per = f"{st.seconds / n * 1e6:11.1f}" if st.name.endswith("*") else f"{'':11}"
        rc = "killed" if st.rc is None else str(st.rc)
        result = dry_run_figures(st) if "dry-run" in st.name and st.rc == 0 else ""
        print(f"{st.name:34} {st.seconds:8.2f} {st.peak_mib:9.1f} {per}  {rc:>2}  {result}")
    print("* the steps over all N subscribers (ms/1k subs = wall time per 1,000 subscribers)")
    for st in steps:
        if st.stderr_tail:
            print(f"stderr of {st.name.rstrip(' *')}: {st.stderr_tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000, help="how many to import (quick: 2000)")
    parser.add_argument("--now", default=DEMO_NOW, help=f"the dry run's moment (default {DEMO_NOW})")
    parser.add_argument("--keep", type=Path, help="work in this (new or empty) directory and keep it")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a step is killed")
    parser.add_argument("--send", action="store_true", help="also a real notify to a local webhook")
    parser.add_argument("--apprise-sample", type=int, default=5000, help="bare Apprise's sends per run")
    args = parser.parse_args()
    n = args.subscribers
    if args.keep:
        if args.keep.exists() and any(args.keep.iterdir()):
            raise SystemExit(f"{args.keep} is not empty")
        args.keep.mkdir(parents=True, exist_ok=True)
        workdir = args.keep.resolve()
    else:
        workdir = Path(tempfile.mkdtemp(prefix="zcwatch-bench-subs-"))
    env = clean_env()
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"workdir: {workdir}{' (kept)' if args.keep else ''}")
    try:
        if args.send:
            with ProcessSink() as sink:
                steps = bench(workdir, n, args.now, args.timeout, env, sink, args.apprise_sample)
        else:
            steps = bench(workdir, n, args.now, args.timeout, env)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    report(steps, n)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


class _Webhook:
    def __init__(self, base: str) -> None:
        self.base = base

    def apprise_url(self, path: str) -> str:
        return self.base + path


def bare_apprise_main(base: str, n: int) -> None:
    """The child's side of ``bare_apprise_rate``: bench/notify.py's bare Apprise loop, warmed, timed."""
    from notify import bench_apprise

    bench_apprise(_Webhook(base), 100)  # imports, Apprise's plugins, the first connections
    seconds, sent = bench_apprise(_Webhook(base), n)
    print(sent / seconds)


def bare_apprise_rate(sink: ProcessSink, sample: int, env: dict[str, str]) -> float:
    """Messages per second bare Apprise sends to ``sink`` (the alert zcwatch sends, rendered once), in a
    child process as the CLI is."""
    base = f"json://{sink.host}:{sink.port}/bare"
    out = subprocess.run(
        [sys.executable, __file__, "--bare-apprise", base, str(sample)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=3600,
    )
    return float(out.stdout.strip().splitlines()[-1])


def bench(
    workdir: Path,
    n: int,
    now: str,
    timeout: float,
    env: dict[str, str],
    sink: ProcessSink | None = None,
    sample: int = 0,
) -> list[Step]:
    db, demo_step = build_demo(workdir, env, timeout)
    committees, stored = survey(db)
    keywords = [k for k in KEYWORDS if any(k in c for c in committees)]
    print(f"demo database: {stored}")
    print(f"committee keywords: {' '.join(keywords)}; default kinds: {', '.join(DEFAULT_SUBSCRIBED_KINDS)}")
    cfg = workdir / "zcwatch.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db.as_posix()}"\n', encoding="utf-8")
    csv_path = workdir / "subscribers.csv"
    sorts = write_csv(csv_path, n, keywords, host=f"{sink.host}:{sink.port}" if sink else "127.0.0.1:9")
    print(
        f"CSV: {n:,} subscribers, {csv_path.stat().st_size / 2**20:.1f} MiB; "
        + ", ".join(f"{k} {v:,}" for k, v in sorts.items())
    )
    base = ["--config", str(cfg)]
    steps = [demo_step]
    plan: list[tuple[str, list[str], bool]] = [
        ("list (0 subscribers)", ["subscribers", "list"], False),
        ("notify --dry-run (0 subscribers)", ["notify", "--dry-run", "--now", now], True),
        ("subscribers import *", ["subscribers", "import", str(csv_path)], True),
        ("subscribers list *", ["subscribers", "list"], False),
        ("subscribers export *", ["subscribers", "export"], False),
        ("notify --dry-run *", ["notify", "--dry-run", "--now", now], True),
    ]
    for name, cmd, count in plan:
        print(f"running {name.rstrip(' *')} ...", flush=True)
        st = run_step(name, [*base, *cmd], workdir, timeout, count=count, env=env)
        steps.append(st)
        if st.rc is None:
            print(f"{name.rstrip(' *')}: killed after {st.seconds:.0f}s (lines read: {st.lines})")
            break
        if "import" in name:
            print(f"  {st.tail or 'imported'}; stored subscribers by origin: {stored_subscribers(db)}")
            if st.rc != 0:
                break
    if sink is not None and all(st.rc == 0 for st in steps):
        print(f"bare Apprise, {sample:,} messages ...", flush=True)
        before = bare_apprise_rate(sink, sample, env)
        arrived = sink.count()
        print("running notify (a real send) ...", flush=True)
        st = run_step(
            "notify (real send) *", [*base, "notify", "--now", now], workdir, timeout, count=True, env=env
        )
        steps.append(st)
        received = sink.count() - arrived
        print(f"bare Apprise, {sample:,} messages ...", flush=True)
        after = bare_apprise_rate(sink, sample, env)
        bare = (before + after) / 2
        rate = received / st.seconds
        print(
            f"real send: {received:,} messages received in {st.seconds:.1f} s: {rate:.0f}/s; bare Apprise"
            f" on the same webhook {bare:.0f}/s ({before:.0f} before, {after:.0f} after):"
            f" ratio {rate / bare:.2f}"
            f" (last line: {st.tail[:100]!r})"
        )
    return steps


if __name__ == "__main__":
    if sys.argv[1:2] == ["--bare-apprise"]:
        bare_apprise_main(sys.argv[2], int(sys.argv[3]))
    else:
        main()
