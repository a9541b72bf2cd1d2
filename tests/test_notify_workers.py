"""Several notify workers on one PostgreSQL database: every alert delivered exactly once (issue 13).

Three `zcwatch notify` processes run at once against one PostgreSQL database that the tests start, with
1,000 subscribers, each with a json:// webhook of its own on one local sink that fails 20 % of the sends
(503). The workers plan one at a time and claim disjoint rows with leases (``notifier.ledger``); failed
sends are retried on later runs (``--now`` one hour on each round, past the backoff). Rounds of three
workers run until the ledger is done.

- Without kills: every subscriber's alert arrives exactly once, no row is ever claimed twice (the sink's
  request count equals the ledger's attempts), and the work was shared by the workers.
- With ``kill -9`` of random workers mid-round (restarted at once): nothing is lost, and the duplicates
  that arrive are no more than the kills (a kill can catch at most one message between its send and its
  record) and no more than the ledger counted as possible duplicates.
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from support.notify_fixtures import NotifyEnv
from support.postgres import PostgresServer
from support.webhook import WebhookSink

pytestmark = pytest.mark.slow

SEED = 20261203
SUBSCRIBERS = 1000
WORKERS = 3
NOW = datetime.fromisoformat("2025-12-01T10:00")
# Found an hour before NOW, opening in 5 days: one 新通知 (announced) alert per subscriber.
WINDOW = ("apply", "2025-12-06T09:00", "2025-12-26T17:30")
SEEN = "2025-12-01T09:00"

Target = tuple[str, str]  # (subscriber, committee)


@dataclass
class Round:
    """What the workers of the test did, round after round."""

    number: int = 0
    kills: int = 0
    outputs: list[str] = field(default_factory=list)


def _env(tmp_path: Path, postgres_server: PostgresServer, sink: WebhookSink) -> NotifyEnv:
    env = NotifyEnv(tmp_path, url=postgres_server.url(postgres_server.create_database()))
    for n in range(SUBSCRIBERS):
        env.subscribe(f"s{n:04d}", sink.apprise_url(f"/s{n:04d}"))
    env.write_config()
    return env


def _start(env: NotifyEnv, now: datetime) -> subprocess.Popen[str]:
    return subprocess.Popen(
        env.command("notify", "--now", now.isoformat(timespec="minutes")),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # one line per failed send: 20 % of them, not needed here
        cwd=env.dir,
        env=env.env(),
        text=True,
    )


def _ledger_done(env: NotifyEnv) -> bool:
    return not env.scalar("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending', 'failed')")


def _run_rounds(
    env: NotifyEnv, progress: Round, rng: random.Random | None, kills: int, sink: WebhookSink
) -> None:
    """Rounds of WORKERS concurrent workers until the ledger is done; with ``rng``, up to ``kills`` of
    them killed with SIGKILL at random moments while they send (each restarted at once)."""
    while True:
        assert progress.number < 40, f"the ledger is not done after {progress.number} rounds"
        now = NOW + timedelta(hours=progress.number)
        progress.number += 1
        procs = [_start(env, now) for _ in range(WORKERS)]
        while rng is not None and progress.kills < kills and any(p.poll() is None for p in procs):
            before = len(sink.requests)
            deadline = time.monotonic() + 30
            while len(sink.requests) == before and time.monotonic() < deadline:
                if all(p.poll() is not None for p in procs):
                    break
                time.sleep(0.002)  # until the workers are sending
            time.sleep(rng.uniform(0.0, 0.4))
            running = [i for i, p in enumerate(procs) if p.poll() is None]
            if not running:
                break
            victim = rng.choice(running)
            procs[victim].send_signal(signal.SIGKILL)
            procs[victim].communicate()  # reaps it and closes its pipe
            progress.kills += 1
            procs[victim] = _start(env, now)
        for p in procs:
            out, _ = p.communicate(timeout=300)
            assert p.returncode in (0, 1), f"a notify worker exited {p.returncode}: {out}"
            progress.outputs.append(out.strip())
        if _ledger_done(env):
            return


def _delivered(sink: WebhookSink) -> Counter[Target]:
    out: Counter[Target] = Counter()
    for r in sink.requests:
        if r.status < 300 and isinstance(r.json, dict):
            for committee in re.findall(r"评委会：([^\n<]+)", r.json["message"]):
                out[r.path.strip("/"), committee.strip()] += 1
    return out


def _sent_by(outputs: list[str]) -> list[int]:
    return [int(m.group(1)) for o in outputs if (m := re.search(r"notify: (\d+) sent", o))]


def test_three_workers_deliver_each_alert_once(
    tmp_path: Path, postgres_server: PostgresServer, webhook_sink: WebhookSink
) -> None:
    webhook_sink.fail_randomly(0.2, SEED)
    env = _env(tmp_path, postgres_server, webhook_sink)
    committee = "广州市第1职称评审委员会"
    env.add_notice(committee, [WINDOW], seen=SEEN)
    progress = Round()
    started = time.monotonic()
    _run_rounds(env, progress, None, 0, webhook_sink)
    seconds = time.monotonic() - started

    received = _delivered(webhook_sink)
    expected = {(f"s{n:04d}", committee) for n in range(SUBSCRIBERS)}
    attempts = int(env.scalar("SELECT sum(attempts) FROM deliveries"))
    statuses = Counter(d["status"] for d in env.deliveries())
    failed_answers = sum(r.status >= 300 for r in webhook_sink.requests)
    summary = (
        f"seed {SEED}: {progress.number} rounds of {WORKERS} workers in {seconds:.1f}s, "
        f"{len(webhook_sink.requests)} requests ({failed_answers} answered 503), {attempts} attempts "
        f"in the ledger, sent per worker {_sent_by(progress.outputs)}, ledger {dict(statuses)}"
    )
    print(summary)
    assert set(received) == expected, summary
    assert set(received.values()) == {1}, summary  # exactly once
    assert len(webhook_sink.requests) == attempts, summary  # no row was ever sent by two workers
    assert statuses == Counter({"sent": SUBSCRIBERS}), summary
    assert int(env.scalar("SELECT sum(duplicates) FROM deliveries")) == 0, summary
    first_round = _sent_by(progress.outputs[:WORKERS])
    assert sum(n > 0 for n in first_round) >= 2, f"the work was not shared: {summary}"
    env.close()


def test_workers_killed_at_random_lose_nothing(
    tmp_path: Path, postgres_server: PostgresServer, webhook_sink: WebhookSink
) -> None:
    rng = random.Random(SEED)
    webhook_sink.fail_randomly(0.2, SEED)
    webhook_sink.delay(0.002)  # so that kills land between send and record too
    env = _env(tmp_path, postgres_server, webhook_sink)
    committee = "广州市第2职称评审委员会"
    env.add_notice(committee, [WINDOW], seen=SEEN)
    progress = Round()
    _run_rounds(env, progress, rng, 8, webhook_sink)

    received = _delivered(webhook_sink)
    expected = {(f"s{n:04d}", committee) for n in range(SUBSCRIBERS)}
    duplicates = sum(n - 1 for n in received.values())
    counted = int(env.scalar("SELECT sum(duplicates) FROM deliveries"))
    statuses = Counter(d["status"] for d in env.deliveries())
    summary = (
        f"seed {SEED}: {progress.number} rounds, {progress.kills} kills, {len(expected - set(received))} "
        f"lost, {duplicates} duplicates received, {counted} counted by the ledger, ledger {dict(statuses)}"
    )
    print(summary)
    assert progress.kills == 8, summary
    assert set(received) == expected, summary  # nothing lost
    assert duplicates <= progress.kills, summary
    assert duplicates <= counted, summary
    assert statuses == Counter({"sent": SUBSCRIBERS}), summary
    env.close()
