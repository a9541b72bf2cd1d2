"""The web board under load: requests/s of `zcwatch serve` and the 304s a polling calendar gets.

A season of 200 windows (40 committees x 5 steps, 40 notices) is written to a temporary SQLite file
through the store's models, then the real ``zcwatch --config CFG serve --now 2025-12-05T10:00`` is started
in its own process on a free port of 127.0.0.1 (what users run: uvicorn, one worker). From this process:

1. ``--clients`` threads, each on one keep-alive ``http.client`` connection, request a route as fast as it
   answers for ``--seconds``; the routes' rounds are interleaved (/, ics, api, /, ics, api, ...) so a
   neighbour's burst of CPU falls on every route alike, and the median of ``--rounds`` rounds is printed.
2. ``--calendars`` clients poll ``/calendar.ics`` ``--polls`` times each with ``If-None-Match`` of what they
   last got, while the data changes ``--changes`` times (one window's end moves a day, recorded through
   ``store.windows.apply_windows``, as the crawl records a re-read notice).

    .venv/bin/python bench/web.py [--seconds 5] [--clients 4] [--rounds 3] [--postgres URL]

On a small machine the load generator shares the cores with the server: the figures are a floor.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from _replica import clean_env, zcwatch_cmd  # noqa: E402
from sqlalchemy import Engine, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from store.db import open_engine, transaction  # noqa: E402
from store.models import CrawlRun, Notice, Source, Window  # noqa: E402
from store.windows import Extracted, apply_windows, window_key  # noqa: E402

NOW = "2025-12-05T10:00"
ROUTES = ("/", "/calendar.ics", "/api/windows")
FIELDS = (
    "卫生 工程 教育 经济 会计 农业 文化艺术 新闻出版 档案 图书资料 "
    "群众文化 律师 翻译 体育 统计 审计 公安 社会工作 工艺美术 实验技术"
)
LEVELS = ("高级", "中级")
# Five of WINDOW_KINDS, each (days after the committee's first day, days long); a timed end or a date only.
STEPS = (("apply", 0, 14), ("accept", 16, 9), ("unit_review", 27, 6), ("paper", 35, 5), ("review", 60, 2))
RECORDED = datetime(2025, 11, 20, 2, 0)  # naive UTC, before --now: the season was crawled last month


def committees() -> list[str]:
    return [f"广州市{f}专业技术人才{lv}职称评审委员会" for lv in LEVELS for f in FIELDS.split()]


def steps(i: int, shift: int = 0) -> list[tuple[str, str, str]]:
    """Committee i's (kind, start, end): first days spread over Dec 2025 - Feb 2026, all ending by April."""
    first = date(2025, 12, 1) + timedelta(days=2 * i)
    out = []
    for kind, after, length in STEPS:
        # ``shift``: a later notice moved the apply deadline by that many days.
        a, b = (
            first + timedelta(days=after),
            first + timedelta(days=after + length + (shift * (kind == "apply"))),
        )
        timed = kind in ("apply", "accept")  # the applicant's steps close at an hour, the others on a day
        out.append((kind, f"{a}T09:00" if timed else str(a), f"{b}T17:30" if timed else str(b)))
    return out


def evidence(name: str, kind: str, start: str, end: str) -> str:
    return f"{name}{kind}环节时间为{start.replace('T', ' ')}至{end.replace('T', ' ')}，逾期不予受理。"


def build(engine: Engine) -> None:
    """Source, 40 notices, 200 windows and one good crawl, written through the models."""
    with transaction(engine) as s:
        src = Source(name="gz-pstz", url="http://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/")
        s.add(src)
        s.flush()
        for i, name in enumerate(committees()):
            notice = Notice(
                url=f"http://rsj.gz.gov.cn/pstz/content/post_{100000 + i}.html",
                source_id=src.id,
                title=f"关于{name}2025年度职称评审工作的通知",
                listing_date=f"2025-11-{1 + i % 20:02d}",
                published=f"2025-11-{1 + i % 20:02d}",
                host="rsj.gz.gov.cn",
                committee=name,
                review_year=2025,
                fetch_status="fetched",
                first_seen=RECORDED,
                last_seen=RECORDED,
            )
            s.add(notice)
            s.flush()
            for kind, start, end in steps(i):
                s.add(
                    Window(
                        # The key the store itself gives (ordinal 0: one window per kind), so the
                        # changes made later by apply_windows version these rows instead of adding.
                        key=window_key(name, 2025, kind, 0, notice.url),
                        notice_id=notice.id,
                        committee=name,
                        review_year=2025,
                        kind=kind,
                        start=start,
                        end=end,
                        evidence=evidence(name, kind, start, end),
                        status="current",
                        created_at=RECORDED,
                    )
                )
        s.add(CrawlRun(source_id=src.id, started_at=RECORDED, finished_at=RECORDED, outcome="ok"))


def change(engine: Engine, i: int, shift: int) -> None:
    """Committee i's notice re-read with its apply window ending ``shift`` days later."""
    name = committees()[i]
    with transaction(engine) as s:
        notice = s.scalars(select(Notice).where(Notice.committee == name)).one()
        got = [Extracted(k, a, b, evidence(name, k, a, b)) for k, a, b in steps(i, shift)]
        if apply_windows(s, notice, got).changed != 1:
            raise SystemExit(f"change {i}: apply_windows did not version exactly one window")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Got = tuple[int, bytes, str | None]  # status, body, ETag


def get(conn: http.client.HTTPConnection, path: str, headers: dict[str, str] | None = None) -> Got:
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, resp.read(), resp.getheader("etag")


def wait_up(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"zcwatch serve exited {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if get(http.client.HTTPConnection("127.0.0.1", port, timeout=2), "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"zcwatch serve did not answer in 30 s:\n{log.read_text()[-2000:]}")


def load(port: int, path: str, clients: int, seconds: float) -> tuple[float, list[float]]:
    """``clients`` threads hammering ``path`` for ``seconds``: (requests/s, latencies in ms)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []
    gate = threading.Barrier(clients + 1)
    ends = [0.0] * clients
    started = [0.0]  # set by the main thread before it reaches the gate, read by the clients after it

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        get(conn, path)  # connect before the gate: the round measures requests, not TCP handshakes
        gate.wait()
        stop = started[0] + seconds
        while (t0 := time.perf_counter()) < stop:
            status, body, _ = get(conn, path)
            latencies[n].append((time.perf_counter() - t0) * 1000)
            if status != 200 or not body:
                errors.append(f"{path}: {status}")
                break
        ends[n] = time.perf_counter()
        conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    started[0] = time.perf_counter()
    gate.wait()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(errors[0])
    flat = [ms for per in latencies for ms in per]
    return len(flat) / (max(ends) - started[0]), flat


def poll(port: int, engine: Engine, calendars: int, polls: int, changes: int) -> dict[str, float]:
    """Calendar clients polling with If-None-Match; the data changes between polls."""
    held: list[tuple[str, int]] = [("", 0)] * calendars  # (etag, body size) each client last got
    total = calendars * polls
    # Changes fall between polls, spread over the run and off the rounds' edges (in mid-round).
    when = {round(total * (k + 1) / (changes + 1)) + calendars // 2: k for k in range(changes)}
    out = dict.fromkeys(("polls", "changes", "200", "304", "sent", "unvalidated", "ms200", "ms304"), 0.0)
    for n in range(total):
        if n in when:
            # Committees 3, 10, 17, ...: their apply windows are still ahead, so in the calendar.
            change(engine, (3 + 7 * when[n]) % 40, when[n] + 1)
            out["changes"] += 1
        c = n % calendars
        etag, size = held[c]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # polls minutes apart: new socket
        t0 = time.perf_counter()
        status, body, new_etag = get(conn, "/calendar.ics", {"If-None-Match": etag} if etag else None)
        ms = (time.perf_counter() - t0) * 1000
        conn.close()
        out["polls"] += 1
        out[str(status)] += 1
        out[f"ms{status}"] += ms
        out["sent"] += len(body)
        if status == 200:
            held[c] = (new_etag or "", len(body))
        out["unvalidated"] += len(body) if status == 200 else size  # a 304 stands for the body it held
    return out


def sizes(port: int) -> list[tuple[str, int, int, int]]:
    """Each route's body: identity bytes, gzip bytes, and the status of a repeat with its ETag."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    out = []
    for path in ROUTES:
        _, plain, etag = get(conn, path)
        _, gz, _ = get(conn, path, {"Accept-Encoding": "gzip"})
        status, _, _ = get(conn, path, {"If-None-Match": etag or ""})
        out.append((path, len(plain), len(gz), status))
    conn.close()
    return out


def header(engine: Engine) -> None:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "diff-index", "--quiet", "HEAD", "--"], check=False)
    with Session(engine) as s:
        windows, notices = len(s.scalars(select(Window.id)).all()), len(s.scalars(select(Notice.id)).all())
    print(f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"commit {commit}{' + uncommitted changes' if dirty.returncode else ''}")
    print(f"data: {windows} windows, {notices} notices, {engine.dialect.name}; board as at {NOW}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per route and round")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calendars", type=int, default=20)
    parser.add_argument("--polls", type=int, default=10, help="per calendar")
    parser.add_argument("--changes", type=int, default=3)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL instead of a SQLite file")
    args = parser.parse_args()
    # `kill PID` must also reach the finally below, or the server outlives the benchmark.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="zcwatch-bench-web-") as tmp:
        url = args.postgres or f"sqlite:///{(Path(tmp) / 'board.sqlite3').as_posix()}"
        engine = open_engine(url)  # creates the schema
        build(engine)
        config = Path(tmp) / "zcwatch.toml"
        config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
        port, log = free_port(), Path(tmp) / "serve.log"
        cmd = [*zcwatch_cmd(), "--config", str(config), "serve", "--port", str(port), "--now", NOW]
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=clean_env())
        try:
            wait_up(port, proc, log)
            header(engine)
            print(f"server: {' '.join(['zcwatch', *cmd[1:]])}\n")
            run(port, engine, args)
        finally:
            engine.dispose()
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def run(port: int, engine: Engine, args: argparse.Namespace) -> None:
    print("route          identity B    gzip B  repeat with ETag")
    for path, plain, gz, status in sizes(port):
        print(f"{path:14} {plain:10,} {gz:9,}  {status}")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in ROUTES:
        for _ in range(5):  # warm: templates compiled, SQLite pages cached, thread pool started
            get(conn, path)
    conn.close()
    results: dict[str, list[tuple[float, list[float]]]] = {p: [] for p in ROUTES}
    for _ in range(args.rounds):
        for path in ROUTES:
            results[path].append(load(port, path, args.clients, args.seconds))
    print(
        f"\n{args.clients} keep-alive clients, {args.seconds:g} s per route, median of {args.rounds} rounds"
    )
    print("route             req/s   p50 ms   p95 ms   rounds' req/s")
    for path, rounds in results.items():
        rps, ms = sorted(rounds, key=lambda r: r[0])[len(rounds) // 2]
        q = statistics.quantiles(ms, n=20)
        spread = " ".join(f"{r:.0f}" for r, _ in rounds)
        print(f"{path:14} {rps:8.1f} {statistics.median(ms):8.1f} {q[18]:8.1f}   {spread}")
    p = poll(port, engine, args.calendars, args.polls, args.changes)
    print(
        f"\n{args.calendars} calendars x {args.polls} polls of /calendar.ics with If-None-Match, "
        f"{p['changes']:.0f} window changes between polls (store.windows.apply_windows)"
    )
    print(
        f"polls {p['polls']:.0f}: 200s {p['200']:.0f}, 304s {p['304']:.0f}, "
        f"304 share {p['304'] / p['polls']:.0%}"
    )
    print(
        f"body bytes sent {p['sent']:,.0f} vs {p['unvalidated']:,.0f} without validators "
        f"({p['sent'] / p['unvalidated']:.0%}); mean latency 200 {p['ms200'] / max(p['200'], 1):.1f} ms, "
        f"304 {p['ms304'] / max(p['304'], 1):.1f} ms"
    )


if __name__ == "__main__":
    main()
