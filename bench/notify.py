"""Alert throughput: zcwatch's notify_due (plan, ledger, claim -> send -> record) vs bare Apprise.

1,000 subscribers, each on its own path of one local json:// webhook (tests/support/webhook.py), one
apply window whose month-ahead alert is due for all of them. zcwatch plans and sends through
``notifier.deliver.notify_due`` on a temporary SQLite file; bare Apprise sends the same 1,000 rendered
messages with ``apprise.Apprise().notify`` per URL. Prints alerts/second for both and the ratio.

    .venv/bin/python bench/notify.py [--subscribers N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import apprise  # noqa: E402
from support.notify_fixtures import NotifyEnv, local  # noqa: E402
from support.webhook import WebhookSink  # noqa: E402

from core.config import load_config  # noqa: E402
from notifier.deliver import notify_due  # noqa: E402
from notifier.messages import Alert, render_alert  # noqa: E402

COMMITTEE = "广州市卫生专业技术人才高级职称评审委员会"
NOW = "2025-11-01T09:00"


def bench_zcwatch(
    sink: WebhookSink, n: int, workdir: Path, url: str = "", tag: str = "z"
) -> tuple[float, int]:
    """One notify run of ``n`` subscribers on ``url`` (a SQLite file by default): (seconds, sent)."""
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


def bench_apprise(sink: WebhookSink, n: int) -> tuple[float, int]:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    n = parser.parse_args().subscribers
    with WebhookSink() as sink, tempfile.TemporaryDirectory() as tmp:
        apprise.Apprise.instantiate(sink.apprise_url())  # load Apprise's plugins outside both timings
        z_seconds, z_sent = bench_zcwatch(sink, n, Path(tmp))
        a_seconds, a_sent = bench_apprise(sink, n)
        if a_sent != n:
            raise SystemExit(f"bare Apprise sent {a_sent} of {n}")
        received = len(sink.requests)
    z_rate, a_rate = z_sent / z_seconds, a_sent / a_seconds
    print(f"webhook received {received} requests ({n} subscribers)")
    print(f"zcwatch notify_due : {z_sent:5d} alerts in {z_seconds:6.2f}s = {z_rate:7.1f} alerts/s")
    print(f"bare Apprise       : {a_sent:5d} alerts in {a_seconds:6.2f}s = {a_rate:7.1f} alerts/s")
    print(f"ratio zcwatch/Apprise: {z_rate / a_rate:.2f}")


if __name__ == "__main__":
    main()
