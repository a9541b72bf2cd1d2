"""What a `zcwatch run` costs when nothing changed, and how much memory the idle daemon holds.

Run: ``.venv/bin/python bench/cycle.py``. Starts the test replica (``tests/support/replica.py``) on 127.0.0.1,
writes a config with
``delay = 0`` into a temporary directory, runs the real ``zcwatch run`` once to backfill (a full pass:
none ran yet), then twice more with nothing changed on the site, and reports wall time (CLI start-up and
the crawl child included) and the requests the site saw. Then it starts ``zcwatch daemon`` on the same
database, waits until its start-up job is done and the process is idle, and reports its resident memory
(VmRSS from /proc) after 10 s of idling; SIGTERM stops it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from _replica import clean_env, write_config, zcwatch_cmd
from support.replica import LoggedRequest, ReplicaServer

IDLE_SECONDS = 10.0
DAEMON = (
    "[daemon]\n"
    'crawl_times = ["08:40", "12:10", "16:40"]\n'
    'crawl_days = "mon-fri"\n'
    "jitter_seconds = 0\n"
    "notify_minutes = 5\n\n"
)
COLUMN_PATH = urlsplit(ReplicaServer.column_url).path


def _run(config: Path, replica: ReplicaServer) -> tuple[list[LoggedRequest], float, int, str]:
    replica.clear_log()
    started = time.monotonic()
    proc = subprocess.run(
        [*zcwatch_cmd(), "--config", str(config), "run"],
        capture_output=True,
        text=True,
        env=clean_env(),
        check=False,
    )
    seconds = time.monotonic() - started
    output = (proc.stdout + proc.stderr).strip()
    return replica.requests, seconds, proc.returncode, output.splitlines()[-1] if output else "(quiet)"


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])  # "VmRSS:    61234 kB"
    raise KeyError(key)


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of proc(5))


def _children(pid: int) -> list[str]:
    out: list[str] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += (task / "children").read_text().split()
    return out


def _wait_idle(proc: subprocess.Popen[str], quiet_for: float = 2.0, limit: float = 120.0) -> float:
    """Wait until the daemon has no child process and spends no CPU for ``quiet_for`` seconds."""
    started = time.monotonic()
    last, since = -1, time.monotonic()
    while time.monotonic() - started < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"the daemon exited with {proc.returncode}")
        ticks = _cpu_ticks(proc.pid)
        if ticks != last or _children(proc.pid):
            last, since = ticks, time.monotonic()
        elif time.monotonic() - since >= quiet_for:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"the daemon did not become idle within {limit:.0f} s")


def main() -> int:
    rows: list[tuple[str, int, int, str, float, int, str]] = []
    with tempfile.TemporaryDirectory(prefix="zcwatch-bench-") as tmp, ReplicaServer() as replica:
        config = Path(tmp) / "zcwatch.toml"
        write_config(config, Path(tmp) / "bench.sqlite3", replica, DAEMON)
        for label in ("backfill (first run)", "nothing changed (1st)", "nothing changed (2nd)"):
            log, seconds, code, line = _run(config, replica)
            robots = sum(1 for r in log if r.path.split("?", 1)[0] == "/robots.txt")
            page1 = next((str(r.status) for r in log if r.path == COLUMN_PATH), "-")
            rows.append((label, len(log), len(log) - robots, page1, seconds, code, line))

        replica.clear_log()
        daemon = subprocess.Popen(
            [*zcwatch_cmd(), "--config", str(config), "daemon"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=clean_env(),
        )
        try:
            assert daemon.stdout is not None
            daemon.stdout.readline()  # the start-up line: the scheduler is about to start
            settled = _wait_idle(daemon)
            startup_requests = len(replica.requests)
            rss_start = _status_kib(daemon.pid, "VmRSS")
            time.sleep(IDLE_SECONDS)
            rss = _status_kib(daemon.pid, "VmRSS")
            peak = _status_kib(daemon.pid, "VmHWM")
            idle_requests = len(replica.requests) - startup_requests
            stopping = time.monotonic()
            daemon.send_signal(signal.SIGTERM)
            out, _ = daemon.communicate(timeout=60)
            stop_seconds = time.monotonic() - stopping
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.communicate()

    print("zcwatch run benchmark: local replica on 127.0.0.1, delay = 0 (production default is 2 s/request)")
    print()
    header = (
        f"{'zcwatch run':<24} {'requests':>8} {'w/o robots':>10} {'page 1':>6} {'seconds':>8} {'exit':>4}"
    )
    print(header)
    print("-" * len(header))
    for label, total, site, page1, seconds, code, _ in rows:
        print(f"{label:<24} {total:>8} {site:>10} {page1:>6} {seconds:>8.2f} {code:>4}")
    print()
    for label, *_, line in rows:
        print(f"{label}: {line}")
    print()
    print(
        "The replica lists a withdrawn notice (404), so the backfill is partial (exit 1, one line) and\n"
        "stores no listing validators: the first no-change run reads page 1 (200), the next gets a 304.\n"
        "Both are quiet. Most of a run's wall time is Python start-up: the CLI, then the Scrapy child."
    )
    print()
    print("zcwatch daemon (same database: a crawl ran moments ago, so its start-up job only plans alerts)")
    print(f"  idle after start-up job:  {settled:.1f} s ({startup_requests} requests to the site)")
    print(f"  VmRSS when idle:          {rss_start / 1024:.1f} MiB")
    print(f"  VmRSS after {IDLE_SECONDS:.0f} s idle:    {rss / 1024:.1f} MiB (peak {peak / 1024:.1f} MiB)")
    print(f"  requests while idle:      {idle_requests}")
    last = out.strip().splitlines()[-1] if out.strip() else "(no output)"
    print(f"  SIGTERM -> exit {daemon.returncode} in {stop_seconds:.2f} s: {last}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
