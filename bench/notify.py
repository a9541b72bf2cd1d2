"""Alert throughput: zcwatch's notify_due (plan, ledger, claim -> send -> record) vs bare Apprise.

1,000 subscribers, each on its own path of one local json:// webhook (tests/support/webhook.py), one
apply window whose month-ahead alert is due for all of them. zcwatch plans and sends through
``notifier.deliver.notify_due`` on a temporary SQLite file; bare Apprise sends the same 1,000 rendered
messages with ``apprise.Apprise().notify`` per URL. Prints alerts/second for both and the ratio.

The webhook runs in a process of its own (bench/_sink.py says why); ``--in-process-sink`` runs it as a
thread of this process instead, as before 2026-12-06, for comparison.

    .venv/bin/python bench/notify.py [--subscribers N] [--rounds R] [--in-process-sink]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import TypeAlias

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import apprise  # noqa: E402
from _sink import ProcessSink  # noqa: E402
from support.notify_fixtures import NotifyEnv, local  # noqa: E402
from support.webhook import WebhookSink  # noqa: E402

from core.config import load_config  # noqa: E402
from notifier.deliver import notify_due  # noqa: E402
from notifier.messages import Alert, render_alert  # noqa: E402

COMMITTEE = "广州市卫生专业技术人才高级职称评审委员会"
NOW = "2025-11-01T09:00"


Sink: TypeAlias = "WebhookSink | ProcessSink"


def bench_zcwatch(sink: Sink, n: int, workdir: Path, url: str = "", tag: str = "z") -> tuple[float, int]:
    """One notify run of ``n`` subscribers on ``url`` (a SQLite file by default): (seconds, sent)."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = NotifyEnv(workdir, url=url)
    for i in range(n):
        env.subscribe(f"s{i:04d}", sink.apprise_url(f"/{tag}{i:04d}"))
    env.add_notice(COMMITTEE, [("apply", "2025-12-01T09:00", "2025-12-20T17:30")], seen="2025-10-15T10:00")
    config = load_config(env.write_config())
    started = time.perf_counter()
    report = notify_due(config, env.engine, local(NOW))
    seconds = time.perf_counter() - started
    env.close()
    if report.sent != n or report.failed:
        raise SystemExit(f"{tag}: sent {report.sent} of {n}, {report.failed} failed: {report.problems[:1]}")
    return seconds, report.sent


def bench_apprise(sink: Sink, n: int) -> tuple[float, int]:
    message = render_alert(
        Alert(
            kind="month_ahead",
            committee=COMMITTEE,
            window_kind="apply",
            start="2025-12-01T09:00",
            end="2025-12-20T17:30",
            notice_url="https://rsj.gz.gov.cn/pstz/content/post_000001.html",
            notice_title=f"关于{COMMITTEE}2025年度职称评审工作的通知",
            today=date(2025, 11, 1),
        ),
        "text",
    )
    urls = [sink.apprise_url(f"/a{i:04d}") for i in range(n)]
    sent = 0
    started = time.perf_counter()
    for url in urls:
        ap = apprise.Apprise()
        ap.add(url)
        sent += bool(ap.notify(title=message.title, body=message.body, body_format=message.body_format))
    return time.perf_counter() - started, sent


def _spread(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.3f}s  min {min(xs):6.3f}s  max {max(xs):6.3f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per side, after one warm-up each")
    parser.add_argument(
        "--in-process-sink", action="store_true", help="the webhook as a thread of this process"
    )
    args = parser.parse_args()
    n = args.subscribers
    z_times: list[float] = []
    a_times: list[float] = []
    sink_cm: Sink = WebhookSink() if args.in_process_sink else ProcessSink()
    with sink_cm as sink, tempfile.TemporaryDirectory() as tmp:
        # Both sides warmed the same way: one untimed round each (plugins loaded, code paths hot), then the
        # timed rounds interleaved A B A B … so a drift of the machine touches both alike. Config loading
        # and the database's setup are outside zcwatch's timing; bare Apprise has neither.
        for r in range(args.rounds + 1):
            z_seconds, _ = bench_zcwatch(sink, n, Path(tmp) / f"r{r}", tag=f"z{r}-")
            a_seconds, a_sent = bench_apprise(sink, n)
            if a_sent != n:
                raise SystemExit(f"bare Apprise sent {a_sent} of {n}")
            if r:
                z_times.append(z_seconds)
                a_times.append(a_seconds)
        received = len(sink.requests) if isinstance(sink, WebhookSink) else sink.count()
    z_med, a_med = statistics.median(z_times), statistics.median(a_times)
    where = "a thread of this process" if args.in_process_sink else "a process of its own"
    print(
        f"webhook ({where}) received {received} requests "
        f"({n} subscribers, {args.rounds} rounds + 1 warm-up per side)"
    )
    print(f"zcwatch notify_due : {_spread(z_times)} = {n / z_med:7.1f} alerts/s")
    print(f"bare Apprise       : {_spread(a_times)} = {n / a_med:7.1f} alerts/s")
    print(f"ratio zcwatch/Apprise (medians): {a_med / z_med:.2f}")


if __name__ == "__main__":
    main()
