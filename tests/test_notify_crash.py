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

Variants: one json:// webhook per subscriber (one message per window); WeCom group bots (a rate-limited
scheme: one batched message per subscriber and run); a webhook that fails half the requests at random
(failed sends are retried with backoff, so each run is a little later: ``--now`` moves one hour a run);
e-mail through a real aiosmtpd server; and ``zcwatch run`` (crawl of the replica, then notify) killed
the same way. ``zcwatch daemon`` has its own test below: it works in real time, so its windows are
placed around today and a run ends when the ledger is done, with SIGTERM.
"""

from __future__ import annotations

import random
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.notify_fixtures import NotifyEnv, notify_env_fixture
from support.replica import ReplicaServer
from support.replica_fixtures import replica_server_fixture
from support.smtp import SmtpSink
from support.webhook import ReceivedRequest, WebhookSink

from core.timeutil import SHANGHAI

__all__ = ["notify_env_fixture", "replica_server_fixture"]

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
    channel: str = "json"  # json | wecombot | email
    command: str = "notify"  # notify | run
    flaky: bool = False  # the webhook fails about half the requests

    def url(self, sink: WebhookSink, smtp: SmtpSink, n: int) -> str:
        if self.channel == "wecombot":
            return f"wecombot://crash-bot-key-{n:02d}"
        if self.channel == "email":
            return smtp.apprise_url(f"s{n:02d}@example.com")
        return sink.apprise_url(f"/s{n:02d}")

    def now(self, attempt: int) -> str:
        """The run's --now: fixed, or an hour later each run when failed sends must come due again."""
        if not self.flaky:
            return NOW
        return (datetime.fromisoformat(NOW) + timedelta(hours=attempt)).isoformat(timespec="minutes")


VARIANTS = [
    Variant("json", 30, 30),
    Variant("wecombot", 30, 15, channel="wecombot"),
    Variant("flaky", 30, 15, flaky=True),
    Variant("email", 20, 15, channel="email"),
    Variant("run", 20, 10, command="run"),
]


@dataclass
class Sinks:
    """Where a variant's messages arrive, read back as the targets each complete delivery reached."""

    variant: Variant
    webhook: WebhookSink
    smtp: SmtpSink

    def count(self) -> int:
        return len(self.smtp.messages) if self.variant.channel == "email" else len(self.webhook.requests)

    def settle(self) -> None:
        """Wait until nothing more arrives: a message the killed process had already written may still be
        in the socket, read by the sink's thread a few milliseconds after the process is gone. Counted
        before it lands, its resend would look like a duplicate outside the send->record gap."""
        seen, quiet, deadline = self.count(), 0, time.monotonic() + 2.0
        while quiet < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
            now = self.count()
            seen, quiet = now, (quiet + 1 if now == seen else 0)

    def delivered(self, start: int = 0) -> list[Target]:
        """Targets of the messages that arrived whole and were accepted (a 5xx answer delivered nothing)."""
        if self.variant.channel == "email":
            out = []
            for mail in self.smtp.messages[start:]:
                body = mail.message.get_body(("plain", "html"))
                text = body.get_content() if body is not None else ""
                for rcpt in mail.rcpt_tos:
                    out += [(rcpt.split("@")[0], c.strip()) for c in re.findall(r"评委会：([^\n<]+)", text)]
            return sorted(out)
        return [t for r in self.webhook.requests[start:] if r.status < 300 for t in sorted(self._targets(r))]

    def _targets(self, r: ReceivedRequest) -> set[Target]:
        if not isinstance(r.json, dict):
            return set()
        if self.variant.channel == "wecombot":
            subscriber = "s" + r.query.rsplit("-", 1)[-1]
            text = r.json["text"]["content"]
        else:
            subscriber, text = r.path.strip("/"), r.json["message"]
        return {(subscriber, c.strip()) for c in re.findall(r"评委会：([^\n<]+)", text)}


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


def fingerprint(env: NotifyEnv) -> tuple[int, ...]:
    row = env.query(
        # CASE, not sum(status = 'sent'): PostgreSQL does not add booleans up.
        "SELECT count(*), coalesce(sum(attempts), 0),"
        " coalesce(sum(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0) FROM deliveries"
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
    sinks: Sinks,
    variant: Variant,
    rng: random.Random,
    tally: Tally,
    extra: dict[str, str],
) -> bool:
    """One run, killed at a random point unless it finishes first; True when it finished cleanly."""
    kill = tally.kills_mid_run < variant.min_kills
    now = variant.now(tally.attempts)
    tally.attempts += 1
    before_requests = sinks.count()
    before_ledger = fingerprint(env)
    proc = env.popen(variant.command, "--now", now, extra_env=extra)
    started = time.monotonic()
    if not kill:
        deadline = started + 120
    elif rng.random() < 0.15:
        # anywhere: start-up, planning, claiming or sending
        deadline = started + rng.uniform(0.6, 1.4)
    else:
        # somewhere in the sending phase: soon after the first message of this run arrived
        while proc.poll() is None and sinks.count() == before_requests:
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
        sinks.settle()
        new = sinks.delivered(before_requests)
        if new or fingerprint(env) != before_ledger:
            tally.kills_mid_run += 1
        # Exactly these will be sent once more: they arrived, and the ledger does not know it.
        tally.caught_in_gap.update(set(new) & sending_targets(env))
        return False
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    proc.stderr.close()
    # 1 is honest for a run with failed sends (the flaky channel) or the replica's withdrawn notice (a partial
    # crawl in `run`); the ledger and the sinks are what is checked here.
    assert proc.returncode in ((0, 1) if variant.flaky or variant.command == "run" else (0,)), (
        f"seed {SEED}: {variant.command} exited {proc.returncode}: {err}"
    )
    tally.clean_runs += 1
    return True


def ledger_done(env: NotifyEnv) -> bool:
    """No delivery waits for a send or a retry."""
    return not env.scalar("SELECT count(*) FROM deliveries WHERE status IN ('pending', 'sending', 'failed')")


def replica_source(replica: ReplicaServer) -> str:
    """Config tables for `zcwatch run`: the replica's column as the one source, crawled with no delay."""
    return (
        f'[crawl]\ndelay = 0\nproxy = "{replica.proxy_url}"\ntimeout = 5\ncontact = "crash@example.org"\n\n'
        f'[[sources]]\nname = "replica"\nurl = "{replica.column_url}"\n'
    )


# On PostgreSQL too: the plain webhook and the flaky one (the ledger's claim, retry and record). The
# channel variants and `zcwatch run` exercise the same ledger code through other senders: SQLite only,
# to keep the suite's time (each variant is a minute of kills).
_ON_BOTH = {"json", "flaky"}


@pytest.mark.parametrize(
    "variant",
    [pytest.param(v, marks=() if v.name in _ON_BOTH else pytest.mark.sqlite_only) for v in VARIANTS],
    ids=lambda v: v.name,
)
def test_sigkill_at_random_points_loses_nothing(
    variant: Variant,
    notify_env: NotifyEnv,
    webhook_sink: WebhookSink,
    replica_server: ReplicaServer,
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    webhook_sink.delay(0.003)
    extra = webhook_sink.wecombot_loopback_env(tmp_path) if variant.channel == "wecombot" else {}
    if variant.channel == "wecombot":
        webhook_sink.respond_json({"errcode": 0, "errmsg": "ok"})
    if variant.flaky:
        webhook_sink.fail_randomly(0.5, SEED)
    options: dict[str, Any] = {}
    if variant.command == "run":
        replica_server.reset()
        notify_env.extra_toml = replica_source(replica_server)
        # The replica's own committees have alerts of their own: the subscribers follow ours only.
        options["committees"] = ["广州市第"]
    with SmtpSink() as smtp:
        sinks = Sinks(variant, webhook_sink, smtp)
        for n in range(variant.subscribers):
            notify_env.subscribe(f"s{n:02d}", variant.url(webhook_sink, smtp, n), **options)
        tally = Tally()
        add_round(notify_env, tally, variant.subscribers)
        started = time.monotonic()
        while True:
            assert tally.attempts < MAX_ATTEMPTS, f"seed {SEED}: no clean run after {tally.attempts} attempts"
            if attempt(notify_env, sinks, variant, rng, tally, extra) and ledger_done(notify_env):
                if tally.kills_mid_run >= variant.min_kills:
                    break
                add_round(
                    notify_env, tally, variant.subscribers
                )  # more work, so that enough kills land mid-run
        seconds = time.monotonic() - started

        received = Counter(sinks.delivered())
        expected_targets = {(s, c) for s, c, _ in tally.expected}
        lost = expected_targets - set(received)
        unexpected = set(received) - expected_targets
        duplicates = Counter({t: n - 1 for t, n in received.items() if n > 1})
        counted = int(notify_env.scalar("SELECT coalesce(sum(duplicates), 0) FROM deliveries"))
        statuses = Counter(d["status"] for d in notify_env.deliveries())
        summary = (
            f"seed {SEED} {variant.name}: {tally.attempts} runs in {seconds:.1f}s, {tally.rounds} round(s), "
            f"{len(tally.expected)} alerts planned, {tally.kills} kills ({tally.kills_mid_run} mid-run), "
            f"{sum(tally.caught_in_gap.values())} deliveries caught in the send->record gap, "
            f"{len(lost)} lost, "
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
        ran = notify_env.zcwatch("notify", "--now", variant.now(tally.attempts), extra_env=extra)
        assert (ran.returncode, ran.stdout.strip()) == (0, "notify: nothing due"), summary


# ---------------------------------------------------------------------------------------------- daemon

DAEMON_KILLS = 8


def add_today_round(env: NotifyEnv, tally: Tally, subscribers: int) -> None:
    """Two windows found an hour ago, opening in 5 and 25 days: due at once (real time) as 新通知."""
    now = datetime.now(SHANGHAI)
    seen = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    for i, (kind, opens, closes) in enumerate((("apply", 5, 20), ("accept", 25, 30))):
        committee = f"广州市第{tally.rounds * 2 + i + 1}职称评审委员会"
        start = (now + timedelta(days=opens)).strftime("%Y-%m-%dT09:00")
        end = (now + timedelta(days=closes)).strftime("%Y-%m-%dT17:30")
        env.add_notice(committee, [(kind, start, end)], seen=seen, review_year=now.year)
        tally.expected |= {(f"s{n:02d}", committee, "announced") for n in range(subscribers)}
    tally.rounds += 1


def test_the_daemon_killed_with_sigkill_loses_nothing(
    notify_env: NotifyEnv, webhook_sink: WebhookSink, replica_server: ReplicaServer
) -> None:
    """`zcwatch daemon` (its start-up job crawls the replica once, then notifies) killed mid-delivery and
    started again until its ledger is done; then SIGTERM ends it cleanly. Same exact bound as above."""
    rng = random.Random(SEED)
    variant = Variant("daemon", 20, DAEMON_KILLS)
    webhook_sink.delay(0.003)
    replica_server.reset()
    far = (datetime.now(SHANGHAI) + timedelta(hours=12)).strftime("%H:%M")
    notify_env.extra_toml = replica_source(replica_server) + (
        f'\n[daemon]\ncrawl_times = ["{far}"]\ncrawl_days = "*"\njitter_seconds = 0\nnotify_minutes = 1\n'
    )
    with SmtpSink() as smtp:
        sinks = Sinks(variant, webhook_sink, smtp)
        for n in range(variant.subscribers):
            notify_env.subscribe(f"s{n:02d}", variant.url(webhook_sink, smtp, n), committees=["广州市第"])
        tally = Tally()
        add_today_round(notify_env, tally, variant.subscribers)
        while tally.kills_mid_run < DAEMON_KILLS:
            assert tally.attempts < 60, f"seed {SEED}: {tally}"
            tally.attempts += 1
            before_requests, before_ledger = sinks.count(), fingerprint(notify_env)
            proc = notify_env.popen("daemon")
            deadline = time.monotonic() + 60
            while proc.poll() is None and sinks.count() == before_requests and time.monotonic() < deadline:
                if ledger_done(notify_env) and notify_env.scalar("SELECT count(*) FROM deliveries"):
                    break  # this start had nothing left to send
                time.sleep(0.004)
            time.sleep(rng.uniform(0.0, 0.03))
            assert proc.poll() is None, f"the daemon exited {proc.returncode}"
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert proc.stderr is not None
            proc.stderr.close()
            tally.kills += 1
            sinks.settle()
            new = sinks.delivered(before_requests)
            if new or fingerprint(notify_env) != before_ledger:
                tally.kills_mid_run += 1
            tally.caught_in_gap.update(set(new) & sending_targets(notify_env))
            if ledger_done(notify_env) and tally.kills_mid_run < DAEMON_KILLS:
                add_today_round(notify_env, tally, variant.subscribers)

        # The last start finishes the work; SIGTERM then stops it after its job, exit 0.
        proc = notify_env.popen("daemon")
        deadline = time.monotonic() + 90
        while not ledger_done(notify_env) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert proc.stderr is not None
        proc.stderr.close()

        received = Counter(sinks.delivered())
        expected_targets = {(s, c) for s, c, _ in tally.expected}
        duplicates = Counter({t: n - 1 for t, n in received.items() if n > 1})
        statuses = Counter(d["status"] for d in notify_env.deliveries())
        summary = (
            f"seed {SEED} daemon: {tally.attempts + 1} starts, {tally.rounds} round(s), "
            f"{len(tally.expected)} "
            f"alerts planned, {tally.kills} kills ({tally.kills_mid_run} mid-run), "
            f"{sum(tally.caught_in_gap.values())} caught in the send->record gap, "
            f"{len(expected_targets - set(received))} lost, {sum(duplicates.values())} duplicates, "
            f"ledger {dict(statuses)}"
        )
        print(summary)
        assert set(received) == expected_targets, summary
        assert duplicates == tally.caught_in_gap, summary
        assert set(statuses) == {"sent"}, summary
