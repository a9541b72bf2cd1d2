"""The notifier killed with SIGKILL at random points: nothing is lost, duplicates stay within the kills.

40 subscribers, each on its own path of one local json:// webhook whose handler sleeps a few ms after
recording a request (so kills land in the send->record gap as well as elsewhere), and a few windows
whose alerts are all due at the same ``--now``. `zcwatch notify --now T` runs in a subprocess and is
killed after a random delay, again and again with the same T, until a run finishes cleanly. If the
work runs out before 50 kills have landed mid-run, another round of windows is added.

Then: every planned (subscriber, window, kind) arrived at least once, and the duplicates that arrived
are no more than the kills, and no more than the ledger's count of possible duplicates.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from support.notify_fixtures import NotifyEnv, alert_kind_of, committee_of, notify_env_fixture
from support.webhook import WebhookSink

__all__ = ["notify_env_fixture"]

pytestmark = pytest.mark.slow

SEED = 20251201
NOW = "2025-12-01T10:00"
SUBSCRIBERS = 40
MIN_KILLS = 50
MAX_ATTEMPTS = 400

# (kind, start, end, seen) -> the alerts due at NOW for a subscriber of this window
WINDOWS: list[tuple[tuple[str, str, str, str], tuple[str, ...]]] = [
    (("apply", "2025-12-31T09:00", "2026-01-16T17:30", "2025-10-20T10:00"), ("month_ahead",)),
    (("accept", "2025-12-01T09:00", "2025-12-20T17:30", "2025-11-25T10:00"), ("announced", "opens")),
    (("apply", "2025-11-20", "2025-12-04", "2025-10-01T10:00"), ("opens", "closing_soon")),
]

Key = tuple[str, str, str]  # (subscriber, committee, alert kind)


@dataclass
class Tally:
    attempts: int = 0
    kills: int = 0  # every SIGKILL sent
    kills_mid_run: int = 0  # kills after the run had started sending or writing the ledger
    kills_in_gap: int = 0  # kills with a message received but its row not yet recorded
    clean_runs: int = 0
    rounds: int = 0
    expected: set[Key] = field(default_factory=set)


def add_round(env: NotifyEnv, tally: Tally) -> None:
    for i, (window, kinds) in enumerate(WINDOWS):
        committee = f"广州市第{tally.rounds * len(WINDOWS) + i + 1}职称评审委员会"
        kind, start, end, seen = window
        env.add_notice(committee, [(kind, start, end)], seen=seen)
        tally.expected |= {(f"s{n:02d}", committee, k) for n in range(SUBSCRIBERS) for k in kinds}
    tally.rounds += 1


def received_keys(sink: WebhookSink, start: int = 0) -> list[Key]:
    """What arrived from request ``start`` on (a body cut short by a kill is not a delivery)."""
    return [
        (r.path.strip("/"), committee_of(r.json["message"]), alert_kind_of(r.json["title"]))
        for r in sink.requests[start:]
        if isinstance(r.json, dict)
    ]


def fingerprint(env: NotifyEnv) -> tuple[int, ...]:
    row = env.query(
        "SELECT count(*), coalesce(sum(attempts), 0), coalesce(sum(status = 'sent'), 0) FROM deliveries"
    )[0]
    return tuple(int(x) for x in row)


def sending_keys(env: NotifyEnv) -> set[Key]:
    rows = env.query(
        "SELECT d.subscriber, w.committee, d.alert_kind FROM deliveries d "
        "JOIN windows w ON w.id = d.window_id WHERE d.status = 'sending'"
    )
    return {(r[0], r[1], r[2]) for r in rows}


def attempt(env: NotifyEnv, sink: WebhookSink, rng: random.Random, tally: Tally, kill: bool = True) -> bool:
    """One run, killed at a random point unless it finishes first; True when it finished cleanly."""
    tally.attempts += 1
    before_requests = len(sink.requests)
    before_ledger = fingerprint(env)
    proc = env.popen("notify", "--now", NOW)
    started = time.monotonic()
    if not kill:
        deadline = started + 120
    elif rng.random() < 0.15:
        # anywhere: start-up, planning, claiming or sending
        deadline = started + rng.uniform(0.6, 1.4)
    else:
        # somewhere in the sending phase: soon after the first message of this run arrived
        deadline = None
        while proc.poll() is None and len(sink.requests) == before_requests:
            if time.monotonic() - started > 30:
                break
            time.sleep(0.004)
        deadline = time.monotonic() + rng.uniform(0.0, 0.03)
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.stderr is not None
        proc.stderr.close()
        tally.kills += 1
        new = received_keys(sink, before_requests)
        if new or fingerprint(env) != before_ledger:
            tally.kills_mid_run += 1
        if set(new) & sending_keys(env):
            tally.kills_in_gap += 1
        return False
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == 0, f"seed {SEED}: notify exited {proc.returncode}: {err}"
    tally.clean_runs += 1
    return True


def test_sigkill_at_random_points_loses_nothing(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    rng = random.Random(SEED)
    webhook_sink.delay(0.003)
    for n in range(SUBSCRIBERS):
        notify_env.subscribe(f"s{n:02d}", webhook_sink.apprise_url(f"/s{n:02d}"))
    tally = Tally()
    add_round(notify_env, tally)
    started = time.monotonic()
    while True:
        assert tally.attempts < MAX_ATTEMPTS, f"seed {SEED}: no clean run after {tally.attempts} attempts"
        if attempt(notify_env, webhook_sink, rng, tally, kill=tally.kills_mid_run < MIN_KILLS):
            if tally.kills_mid_run >= MIN_KILLS:
                break
            add_round(notify_env, tally)  # more work, so that enough kills land mid-run
    seconds = time.monotonic() - started

    received = Counter(received_keys(webhook_sink))
    lost = tally.expected - set(received)
    unexpected = set(received) - tally.expected
    duplicates = sum(n - 1 for n in received.values())
    counted = int(notify_env.scalar("SELECT coalesce(sum(duplicates), 0) FROM deliveries"))
    statuses = Counter(d["status"] for d in notify_env.deliveries())
    summary = (
        f"seed {SEED}: {tally.attempts} runs in {seconds:.1f}s, {tally.rounds} round(s), "
        f"{len(tally.expected)} alerts planned, {tally.kills} kills ({tally.kills_mid_run} mid-run, "
        f"{tally.kills_in_gap} in the send->record gap), {len(lost)} lost, {duplicates} duplicates received, "
        f"{counted} possible duplicates counted by the ledger, ledger {dict(statuses)}"
    )
    print(summary)
    assert tally.kills_mid_run >= MIN_KILLS, summary
    assert not lost, f"{summary}; lost e.g. {sorted(lost)[:3]}"
    assert not unexpected, f"{summary}; unexpected e.g. {sorted(unexpected)[:3]}"
    assert duplicates <= tally.kills, summary
    assert duplicates <= counted, summary
    assert duplicates <= tally.kills_in_gap, summary
    assert statuses["sent"] == len(tally.expected), summary
    assert set(statuses) <= {"sent", "skipped"}, summary
    # and nothing more happens on the next run
    ran = notify_env.notify(NOW)
    assert (ran.returncode, ran.stdout.strip()) == (0, "notify: nothing due"), summary
