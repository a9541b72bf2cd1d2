"""The notifier killed with SIGKILL at random points: nothing is lost, and every duplicate is accounted for.

Subscribers each have their own channel on one local webhook sink whose handler sleeps a few ms after
recording a request (so kills land in the send->record gap as well as elsewhere), and a few windows
whose alerts are all due at the same ``--now``. `zcwatch notify --now T` runs in a subprocess and is
killed after a random delay, again and again with the same T, until a run finishes cleanly. If the
work runs out before enough kills have landed mid-run, another round of windows is added.

The bound is exact, not timed (issue 11, defect 12: the old bound "duplicates <= kills that looked like
they fell in the gap" failed on a loaded machine). After each kill the test reads the ledger: a message
that reached the sink in that run while the rows it stands for are still ``sending`` is one the kill caught
between send and record, so it will go out once more. At the end the duplicates that arrived equal the
sum of those, target by target; nothing planned is missing.

Variants: one json:// webhook per subscriber (one message per window), and WeCom group bots (a
rate-limited scheme: one batched message per subscriber and run).
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support.notify_fixtures import NotifyEnv, notify_env_fixture
from support.webhook import ReceivedRequest, WebhookSink

__all__ = ["notify_env_fixture"]

pytestmark = pytest.mark.slow

SEED = 20251201
NOW = "2025-12-01T10:00"
MAX_ATTEMPTS = 300

# (kind, start, end, seen) -> the alerts due at NOW for a subscriber of this window
WINDOWS: list[tuple[tuple[str, str, str, str], tuple[str, ...]]] = [
    (("apply", "2025-12-31T09:00", "2026-01-16T17:30", "2025-10-20T10:00"), ("month_ahead",)),
    (("accept", "2025-12-01T09:00", "2025-12-20T17:30", "2025-11-25T10:00"), ("announced", "opens")),
    (("apply", "2025-11-20", "2025-12-04", "2025-10-01T10:00"), ("opens", "closing_soon")),
]

Target = tuple[str, str]  # (subscriber, committee): one window's alerts for one subscriber go out together
Key = tuple[str, str, str]  # (subscriber, committee, alert kind): one ledger promise


@dataclass(frozen=True)
class Variant:
    name: str
    subscribers: int
    min_kills: int  # kills that must land mid-run

    def url(self, sink: WebhookSink, n: int) -> str:
        if self.name == "wecombot":
            return f"wecombot://crash-bot-key-{n:02d}"
        return sink.apprise_url(f"/s{n:02d}")

    def targets(self, r: ReceivedRequest) -> set[Target]:
        """The (subscriber, committee) pairs one complete request delivered; none for a cut-short body."""
        if not isinstance(r.json, dict):
            return set()
        if self.name == "wecombot":
            subscriber = "s" + r.query.rsplit("-", 1)[-1]
            text = r.json["text"]["content"]
        else:
            subscriber, text = r.path.strip("/"), r.json["message"]
        return {(subscriber, c.strip()) for c in re.findall(r"评委会：([^\n<]+)", text)}


VARIANTS = [Variant("json", 30, 30), Variant("wecombot", 30, 15)]


@dataclass
class Tally:
    attempts: int = 0
    kills: int = 0  # every SIGKILL sent
    kills_mid_run: int = 0  # kills after the run had started sending or writing the ledger
    caught_in_gap: Counter[Target] = field(default_factory=Counter)  # delivered, rows still `sending`
    clean_runs: int = 0
    rounds: int = 0
    expected: set[Key] = field(default_factory=set)


def add_round(env: NotifyEnv, tally: Tally, subscribers: int) -> None:
    for i, (window, kinds) in enumerate(WINDOWS):
        committee = f"广州市第{tally.rounds * len(WINDOWS) + i + 1}职称评审委员会"
        kind, start, end, seen = window
        env.add_notice(committee, [(kind, start, end)], seen=seen)
        tally.expected |= {(f"s{n:02d}", committee, k) for n in range(subscribers) for k in kinds}
    tally.rounds += 1


def delivered(variant: Variant, sink: WebhookSink, start: int = 0) -> list[Target]:
    return [t for r in sink.requests[start:] for t in sorted(variant.targets(r))]


def fingerprint(env: NotifyEnv) -> tuple[int, ...]:
    row = env.query(
        "SELECT count(*), coalesce(sum(attempts), 0), coalesce(sum(status = 'sent'), 0) FROM deliveries"
    )[0]
    return tuple(int(x) for x in row)


def sending_targets(env: NotifyEnv) -> set[Target]:
    rows = env.query(
        "SELECT d.subscriber, w.committee FROM deliveries d "
        "JOIN windows w ON w.id = d.window_id WHERE d.status = 'sending'"
    )
    return {(r[0], r[1]) for r in rows}


def attempt(
    env: NotifyEnv,
    sink: WebhookSink,
    variant: Variant,
    rng: random.Random,
    tally: Tally,
    extra: dict[str, str],
) -> bool:
    """One run, killed at a random point unless it finishes first; True when it finished cleanly."""
    kill = tally.kills_mid_run < variant.min_kills
    tally.attempts += 1
    before_requests = len(sink.requests)
    before_ledger = fingerprint(env)
    proc = env.popen("notify", "--now", NOW, extra_env=extra)
    started = time.monotonic()
    if not kill:
        deadline = started + 120
    elif rng.random() < 0.15:
        # anywhere: start-up, planning, claiming or sending
        deadline = started + rng.uniform(0.6, 1.4)
    else:
        # somewhere in the sending phase: soon after the first message of this run arrived
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
        new = delivered(variant, sink, before_requests)
        if new or fingerprint(env) != before_ledger:
            tally.kills_mid_run += 1
        # Exactly these will be sent once more: they arrived, and the ledger does not know it.
        tally.caught_in_gap.update(set(new) & sending_targets(env))
        return False
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.returncode == 0, f"seed {SEED}: notify exited {proc.returncode}: {err}"
    tally.clean_runs += 1
    return True


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: v.name)
def test_sigkill_at_random_points_loses_nothing(
    variant: Variant, notify_env: NotifyEnv, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    webhook_sink.delay(0.003)
    extra = webhook_sink.wecombot_loopback_env(tmp_path) if variant.name == "wecombot" else {}
    if variant.name == "wecombot":
        webhook_sink.respond_json({"errcode": 0, "errmsg": "ok"})
    for n in range(variant.subscribers):
        notify_env.subscribe(f"s{n:02d}", variant.url(webhook_sink, n))
    tally = Tally()
    add_round(notify_env, tally, variant.subscribers)
    started = time.monotonic()
    while True:
        assert tally.attempts < MAX_ATTEMPTS, f"seed {SEED}: no clean run after {tally.attempts} attempts"
        if attempt(notify_env, webhook_sink, variant, rng, tally, extra):
            if tally.kills_mid_run >= variant.min_kills:
                break
            add_round(notify_env, tally, variant.subscribers)  # more work, so that enough kills land mid-run
    seconds = time.monotonic() - started

    received = Counter(delivered(variant, webhook_sink))
    expected_targets = {(s, c) for s, c, _ in tally.expected}
    lost = expected_targets - set(received)
    unexpected = set(received) - expected_targets
    duplicates = Counter({t: n - 1 for t, n in received.items() if n > 1})
    counted = int(notify_env.scalar("SELECT coalesce(sum(duplicates), 0) FROM deliveries"))
    statuses = Counter(d["status"] for d in notify_env.deliveries())
    summary = (
        f"seed {SEED} {variant.name}: {tally.attempts} runs in {seconds:.1f}s, {tally.rounds} round(s), "
        f"{len(tally.expected)} alerts planned, {tally.kills} kills ({tally.kills_mid_run} mid-run), "
        f"{sum(tally.caught_in_gap.values())} deliveries caught in the send->record gap, {len(lost)} lost, "
        f"{sum(duplicates.values())} duplicates received, {counted} counted by the ledger, "
        f"ledger {dict(statuses)}"
    )
    print(summary)
    assert tally.kills_mid_run >= variant.min_kills, summary
    assert not lost, f"{summary}; lost e.g. {sorted(lost)[:3]}"
    assert not unexpected, f"{summary}; unexpected e.g. {sorted(unexpected)[:3]}"
    # exact: a target arrived twice exactly as often as a kill caught it between send and record
    assert duplicates == tally.caught_in_gap, summary
    assert sum(duplicates.values()) <= counted, summary
    assert statuses["sent"] == len(tally.expected), summary
    assert set(statuses) <= {"sent", "skipped"}, summary
    # and nothing more happens on the next run
    ran = notify_env.zcwatch("notify", "--now", NOW, extra_env=extra)
    assert (ran.returncode, ran.stdout.strip()) == (0, "notify: nothing due"), summary
