"""Cost curves of alert planning (issue 18): subscribers 1k / 10k / 100k, windows 100 / 1,000 / 10,000.

``notifier.planner.plan`` is what every ``notify`` (and ``--dry-run``) runs over all subscribers and all
live windows; this measures it alone, on synthetic but realistic inputs, one child process per point (so
each point's peak memory is its own):

- windows: 30 committees (their real series names), the kinds of a season (apply, accept, paper,
  unit_review, fee, review), starts spread over the coming 120 days and the last 20, a few changed
  (version 2), a few estimates;
- subscribers: like ``bench/subscribers.py``'s: a third filter by committee keywords, a third by kinds,
  the rest take the defaults; lead days from (7, 14, 30, 45, 60, 90); some quiet hours;
- an empty ledger: the season's first run, when every due alert is planned.

Each point is planned once untimed in its process (imports and caches warm, as in a long ``zcwatch
daemon``), then timed at least three times and for at least a second; the median pass is reported.
The table gives µs per (subscriber × window) pair and per planned alert: linear cost means the cost
per planned alert stays flat along each axis (within 20 %, the goal; the planned alerts are the work,
and their share of the pairs grows with more windows).

    .venv/bin/python bench/scale.py                 # the two axes (about two minutes on 2 cores)
    .venv/bin/python bench/scale.py --point 1000 100   # one point, in this process
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.timeutil import SHANGHAI  # noqa: E402
from notifier.planner import PlanChannel, PlanSettings, PlanWindow, plan  # noqa: E402

NOW = datetime(2026, 1, 10, 10, 0, tzinfo=SHANGHAI)
SERIES = (
    "卫生", "基层卫生", "药学", "护理", "会计", "审计", "经济", "统计", "中小学教师", "中职教师", "高校教师",
    "工程技术", "建筑工程", "交通工程", "电子信息", "水利", "农业", "林业", "工艺美术", "新闻", "出版",
    "档案", "图书资料", "文物博物", "群众文化", "党校教师", "乡村工匠", "技工院校", "科学研究", "社会工作",
)  # fmt: skip
KINDS = ("apply", "accept", "paper", "unit_review", "fee", "review")
KIND_SETS = (("apply",), ("apply", "accept", "paper"), ("unit_review", "review"), ("apply", "fee"), KINDS)
LEAD_DAYS = (7, 14, 30, 45, 60, 90)
QUIET = ("", "", "", "22:00-08:00", "12:00-14:00")
SUBSCRIBER_AXIS = [(1_000, 100), (10_000, 100), (100_000, 100)]
WINDOW_AXIS = [(1_000, 100), (1_000, 1_000), (1_000, 10_000)]


def windows(n: int, rng: random.Random) -> list[PlanWindow]:
    out = []
    for i in range(n):
        committee = f"广州市{SERIES[i % len(SERIES)]}专业技术人才高级职称评审委员会"
        start = NOW.date() + timedelta(days=rng.randint(-20, 120))
        end = start + timedelta(days=rng.randint(5, 25))
        seen = NOW - timedelta(days=rng.randint(0, 60))
        version = 2 if rng.random() < 0.05 else 1
        out.append(
            PlanWindow(
                id=i + 1,
                key=f"k{i:06d}",
                version=version,
                committee=committee,
                kind=KINDS[i % len(KINDS)],
                start=start.isoformat(),
                end=end.isoformat(),
                status="estimate" if rng.random() < 0.03 else "current",
                first_seen=seen,
                version_seen=seen + timedelta(days=version - 1),
            )
        )
    return out


def channels(n: int, rng: random.Random) -> list[PlanChannel]:
    out = []
    for i in range(n):
        style = i % 3
        committees = tuple(rng.sample(SERIES, rng.randint(1, 2))) if style == 0 else ()
        kinds = rng.choice(KIND_SETS) if style == 1 else ()
        out.append(
            PlanChannel(
                subscriber=f"s{i:06d}",
                channel=f"{i:016x}",
                lead_days=rng.choice(LEAD_DAYS),
                kinds=kinds,
                committees=committees,
                quiet_hours=rng.choice(QUIET),
            )
        )
    return out


def point(subscribers: int, n_windows: int) -> dict[str, float]:
    rng = random.Random(18)
    ws, cs = windows(n_windows, rng), channels(subscribers, rng)
    plan(NOW, ws[:10], cs[:100], [], PlanSettings())  # warm: imports, caches
    # Timed passes until a second has gone by (at least 3): the median.
    times: list[float] = []
    planned: list[object] = []
    while len(times) < 3 or sum(times) < 1.0:
        planned = []  # the last pass's plan is freed before the next is made, as between two runs
        t0 = time.perf_counter()
        planned = list(plan(NOW, ws, cs, [], PlanSettings()))
        times.append(time.perf_counter() - t0)
    seconds = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "planned": len(planned), "peak_mib": rss}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--point"]:
        print(json.dumps(point(int(argv[1]), int(argv[2]))))
        return 0
    print("alert planning (notifier.planner.plan), one child process per point, empty ledger")
    print(f"{'subscribers':>11} {'windows':>8} {'pairs':>12} {'planned':>10} {'s':>7} {'µs/pair':>8} "
          f"{'µs/alert':>9} {'peak MiB':>9}")  # fmt: skip
    for title, axis in (("subscribers axis", SUBSCRIBER_AXIS), ("windows axis", WINDOW_AXIS)):
        per_pair, per_alert = [], []
        print(f"-- {title}")
        for subs, n in axis:
            done = subprocess.run(
                [sys.executable, __file__, "--point", str(subs), str(n)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(done.stdout)
            pairs = subs * n
            per_pair.append(r["seconds"] / pairs * 1e6)
            per_alert.append(r["seconds"] / r["planned"] * 1e6)
            print(
                f"{subs:>11,} {n:>8,} {pairs:>12,} {r['planned']:>10,} {r['seconds']:>7.2f} "
                f"{per_pair[-1]:>8.3f} {per_alert[-1]:>9.2f} {r['peak_mib']:>9.0f}"
            )
        # The work is the planned alerts (their share of the pairs grows with the windows' spread over
        # the season): linear means a flat cost per planned alert; per pair is shown too.
        spread = max(per_alert) / min(per_alert) - 1
        pair_spread = max(per_pair) / min(per_pair) - 1
        print(
            f"   cost per planned alert varies by {spread:.0%} along the axis (linear within 20 %: "
            f"{'yes' if spread <= 0.2 else 'no'}); per pair by {pair_spread:.0%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
