"""Planning and delivering alerts: the glue between config, ledger, planner, messages and channels.

One run: (1) in one transaction, make estimates, plan what is due and insert it into the ledger;
(2) retire alerts whose window closed before they could go out; then for each message (one per
window, or one batch per rate-limited channel): (3) claim its rows and commit, (4) send with no
transaction open, (5) record the outcome in its own short transaction. One failing channel never
blocks the others, and a channel that succeeded is never re-sent because another failed.

A run is one *notify worker* (``notify_worker``): on PostgreSQL any number of them may run at once, on
any hosts. They plan one at a time (``store.engine.lock_for_planning``) and claim disjoint rows with
leases (``notifier.ledger``); each holds an advisory lock named after itself while it runs, so the
others know when it has died. On SQLite one run at a time holds the run lock, as before.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from itertools import groupby
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.config import Config, Subscriber
from core.errors import UsageError, UserError
from core.vocabulary import REMINDER_KINDS, AlertKind, ChannelType, DeliveryStatus, WindowKind
from notifier import channels as ch
from notifier.estimates import materialize_estimates
from notifier.inputs import alert_for, ledger_rows, plan_windows
from notifier.ledger import (
    Claimant,
    SendLedger,
    claimable,
    expire_late,
    record_failed,
    record_planned,
)
from notifier.links import Links, links_for, with_links
from notifier.messages import DEFAULT_CHECKLIST, Alert, Message, merge_window, render_alert, render_batch
from notifier.planner import PlanChannel, Planned, PlanSettings, after_quiet_hours, plan
from notifier.reminders import ReminderPlan, office_rules, plan_reminders, reminder_alert
from store.db import reading, transaction
from store.engine import is_postgres, lock_for_planning
from store.models import Delivery, Window

Sender = Callable[[str, Message], ch.SendResult]

# The steps an applicant submits in, and the alerts about them that come when one may just have submitted:
# those carry a link to record it ("我已提交") on the manage page, which starts the timeline's reminders.
APPLICATION_KINDS = (WindowKind.APPLY.value, WindowKind.ACCEPT.value)
RECORD_LINK_KINDS = frozenset(
    {AlertKind.ANNOUNCED, AlertKind.OPENS, AlertKind.CLOSING_SOON, AlertKind.CHANGED}
)


@dataclass(frozen=True)
class Channel:
    """One way to reach one subscriber: the URL a message is sent to, and what the ledger knows it by.

    ``ident`` is what the ledger's channel hash is made of: the URL for an Apprise URL the operator wrote,
    ``mailto:<address>`` / ``wxpusher:<uid>`` for the web's channels, whose URL also carries the operator's
    sender (changing the SMTP password must not make every alert look unsent).
    """

    subscriber: Subscriber
    url: str
    ident: str = ""
    label_text: str = ""

    @functools.cached_property
    def id(self) -> str:
        return ch.channel_id(self.ident or self.url)

    @functools.cached_property
    def label(self) -> str:
        # Masking parses the URL with Apprise (about a millisecond): once per channel and run, and only for
        # the channels something is said about, never for all 100,000 subscribers of a run.
        return self.label_text or ch.masked(self.url)


def apprise_config_urls(path: str, tags: tuple[str, ...]) -> list[str]:
    """The URLs of an Apprise config file (YAML or TEXT), filtered by tags when given."""
    import apprise

    ch.guard_apprise_logs()
    ac = apprise.AppriseConfig()
    if not ac.add(path):
        raise UserError(f"cannot read the Apprise config file {path}")
    servers = ac.services()
    wanted = set(tags)
    urls = [s.url() for s in servers if not wanted or wanted & set(s.tags)]
    ch.guard_apprise_logs(*urls)
    return urls


def channels_of(config: Config, sub: Subscriber) -> list[Channel]:
    """The channels of one subscriber; a web channel whose sender is not configured (yet) has none."""
    web = config.web
    if sub.channel_type == ChannelType.EMAIL:
        if not web.mail_url:
            return []
        return [
            Channel(
                sub,
                ch.with_recipient(web.mail_url, sub.address),
                ident=f"mailto:{sub.address}",
                label_text=f"mailto:{ch.masked_address(sub.address)}",
            )
        ]
    if sub.channel_type == ChannelType.WXPUSHER:
        if not web.wxpusher_app_token:
            return []
        return [
            Channel(
                sub,
                f"wxpusher://{web.wxpusher_app_token}/{sub.address}/",
                ident=f"wxpusher:{sub.address}",
                label_text=f"wxpusher:{ch.masked_address(sub.address)}",
            )
        ]
    if sub.channel_type == ChannelType.WECOMBOT:
        return [
            Channel(
                sub, f"wecombot://{sub.address}", label_text=f"wecombot://{ch.masked_address(sub.address)}"
            )
        ]
    urls = list(sub.urls)
    if sub.apprise_config:
        urls += apprise_config_urls(sub.apprise_config, sub.tags)
    return [Channel(sub, u) for u in dict.fromkeys(urls)]


def subscriber_channels(config: Config, subs: list[Subscriber]) -> list[Channel]:
    return [c for sub in subs for c in channels_of(config, sub)]


def load_subscribers(config: Config, session: Session, today: date) -> tuple[list[Subscriber], list[str]]:
    """The config's subscribers synced in, then everyone active today; and the sync's problems."""
    from store.subscribers import active, sync_config

    problems = sync_config(session, config.subscribers)
    return active(session, today), problems


def _plan_settings(config: Config) -> PlanSettings:
    return PlanSettings(
        closing_soon_days=config.alerts.closing_soon_days,
        opens_at=time.fromisoformat(config.alerts.opens_at),
        tz=config.tz,
    )


def _plan_channels(config: Config, chans: list[Channel]) -> list[PlanChannel]:
    return [
        PlanChannel(
            subscriber=c.subscriber.name,
            channel=c.id,
            lead_days=c.subscriber.lead_days or config.alerts.lead_days,
            kinds=c.subscriber.kinds,
            committees=c.subscriber.committees,
            quiet_hours=c.subscriber.quiet_hours,
        )
        for c in chans
    ]


def _dry_run_lines(s: Session, planned: list[Planned], by_id: dict[tuple[str, str], Channel]) -> list[str]:
    """One line per planned alert; each channel masked once, from the URL's shape (Apprise's own masking
    costs a millisecond a channel: 100 s for 100,000 subscribers), each window read once."""
    whom: dict[tuple[str, str], str] = {}
    what: dict[int, str] = {}
    lines = []
    for p in planned:
        target = (p.subscriber, p.channel)
        who = whom.get(target)
        if who is None:
            chan = by_id[target]
            who = whom[target] = f"{p.subscriber} via {chan.label_text or ch.masked_by_shape(chan.url)}"
        window = what.get(p.window_id)
        if window is None:
            w = s.get(Window, p.window_id)
            window = f"{w.committee} {w.kind} {w.start or '…'}~{w.end or '…'}" if w else "?"
            what[p.window_id] = window
        lines.append(f"{p.status:8} {p.kind:12} {who}: {window}")
    return lines


@dataclass
class NotifyReport:
    planned: int = 0
    skipped: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    possible_duplicates: int = 0
    subscribers: int = 0  # active subscribers this run planned for
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # not delivery failures (a config subscriber skipped)
    would_send: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.dead == 0

    def summary(self) -> str:
        if not (self.planned or self.sent or self.failed or self.dead or self.skipped):
            return "notify: nothing due"
        again = (
            f"; {self.possible_duplicates} re-sent after an interrupted run (may arrive twice)"
            if self.possible_duplicates
            else ""
        )
        return (
            f"notify: {self.sent} sent, {self.failed} failed (will retry), {self.dead} dead, "
            f"{self.skipped} skipped (too late to be useful){again}"
        )


def _messages(
    url: str,
    alerts: list[tuple[int, str, Alert]],
    links: Links | None = None,
    rendered: dict[tuple[Alert, str], Message] | None = None,
) -> list[tuple[list[int], Message]]:
    """One channel's due (delivery id, window key, alert) as messages, each with the rows it stands for.

    Alerts about one window become one message (merge_window): a subscriber is told once per run per
    window, and every row that message stands for is claimed and recorded with it. ``rendered`` keeps
    the run's renderings: an alert says the same to everyone in a format (the links are added after).
    """
    fmt = "html" if ch.takes_html(url) else "text"
    # An application's reminders are one message of their own, apart from its window's alerts.
    per_window: dict[tuple[str, bool], list[tuple[int, Alert]]] = {}
    for delivery_id, key, alert in alerts:
        per_window.setdefault((key, alert.is_reminder), []).append((delivery_id, alert))
    merged = [
        ([i for i, _ in group], key, merge_window([a for _, a in group]))
        for (key, _), group in per_window.items()
    ]
    if ch.rate_limited(url) and len(merged) > 1:
        batch = render_batch([a for _, _, a in merged], fmt)
        return [([i for ids, _, _ in merged for i in ids], with_links(batch, links))]
    memo = {} if rendered is None else rendered
    out = []
    for ids, key, a in merged:
        message = memo.get((a, fmt))
        if message is None:
            message = memo[a, fmt] = render_alert(a, fmt)
        out.append((ids, with_links(message, links, record_window=key if _offers_record(a) else None)))
    return out


def _offers_record(alert: Alert) -> bool:
    """Whether an alert offers the "I submitted" link: one about an open application step."""
    if alert.is_reminder or alert.window_kind not in APPLICATION_KINDS:
        return False
    return not {alert.kind, *alert.also}.isdisjoint(RECORD_LINK_KINDS)


@contextmanager
def notify_worker(engine: Engine) -> Iterator[Claimant]:
    """This process as a notify worker, for as long as the block runs.

    PostgreSQL: the worker holds the advisory lock ``worker:<name>`` on a connection of its own, and asks
    the server which other workers' locks are still held (``store.lock.live_advisory_locks``). SQLite:
    notify runs only under the run lock, so no other sender can be alive.
    """
    from store.lock import AdvisoryLock, live_advisory_locks, new_worker_name, worker_lock_name

    owner = new_worker_name()
    if not is_postgres(engine):
        yield Claimant(owner, alive=lambda _session, _owners: set())
        return

    def alive(session: Session, owners: set[str]) -> set[str]:
        by_lock = {worker_lock_name(o): o for o in owners}
        return {by_lock[n] for n in live_advisory_locks(session.connection(), set(by_lock))}

    lock = AdvisoryLock(engine.url.render_as_string(hide_password=False), worker_lock_name(owner))
    if not lock.acquire():  # a random name: only a collision of names could get here
        raise UserError(f"cannot take this notify worker's {lock.where}; try again")
    try:
        yield Claimant(owner, alive=alive)
    finally:
        lock.release()


def notify_due(
    config: Config, engine: Engine, now: datetime, *, dry_run: bool = False, sender: Sender | None = None
) -> NotifyReport:
    """Plan what is due and deliver it, as one notify worker (see the module's doc)."""
    with _heap_frozen():
        if dry_run:
            return _notify(config, engine, now, dry_run=True, sender=sender, claimant=None)
        with notify_worker(engine) as claimant:
            return _notify(config, engine, now, dry_run=False, sender=sender, claimant=claimant)


def _notify(
    config: Config,
    engine: Engine,
    now: datetime,
    *,
    dry_run: bool,
    sender: Sender | None,
    claimant: Claimant | None,
) -> NotifyReport:
    send = sender or (lambda url, msg: ch.send(url, msg))
    report = NotifyReport()
    planned = _plan_and_record(config, engine, now, report, dry_run=dry_run)
    if planned is None:
        return report
    by_id, timeline, secret = planned
    assert claimant is not None  # only a dry run has none

    with transaction(engine) as s:
        # A failed alert is retried until its window closes; after that it is dead, not sent late.
        expired, late = expire_late(s, now)
    report.skipped += late
    if expired:
        report.dead += expired
        report.problems.append(f"{expired} failed alert(s) given up: their windows have closed")
    reader = _AlertReader(config, timeline, now.astimezone(config.tz).date())
    rendered: dict[tuple[Alert, str], Message] = {}
    names = sorted({name for name, _ in by_id})
    for first in range(0, len(names), DUE_PAGE):
        # A page of subscribers at a time, read, then sent: a season's alerts to 100,000 subscribers never
        # sit in memory at once, and no transaction is open while anything is sent.
        with transaction(engine) as s:
            work = [
                ((d.subscriber, d.channel), d.id, d.window_key, alert)
                for d in claimable(s, now, claimant, names[first : first + DUE_PAGE])
                if (d.subscriber, d.channel) in by_id
                and after_quiet_hours(now, by_id[d.subscriber, d.channel].subscriber.quiet_hours) <= now
                and (alert := reader.alert(s, d)) is not None
            ]
        _send_work(config, engine, now, work, by_id, secret, send, claimant, report, rendered)
    return report


# Subscribers whose due alerts are read, made into messages and sent at a time (``claimable``): a few
# thousand alerts, a few megabytes of objects; and a few hundred names in one statement's IN list.
DUE_PAGE = 500


def _plan_and_record(
    config: Config, engine: Engine, now: datetime, report: NotifyReport, *, dry_run: bool
) -> tuple[dict[tuple[str, str], Channel], ReminderPlan, bytes] | None:
    """Plan what is due and record it in the ledger (a dry run lists it in ``report`` and records nothing);
    what sending needs next: the channels by (subscriber, channel id), the applicants' reminders, the site's
    link secret. None for a dry run. The plan itself is dropped here, before anything is sent."""
    today = now.astimezone(config.tz).date()
    with Session(engine, expire_on_commit=False) as s, s.begin():
        lock_for_planning(s.connection())
        subs, problems = load_subscribers(config, s, today)
        report.warnings += problems
        report.subscribers = len(subs)
        secret = _site_secret(s) if config.web.base_url else b""
        chans = subscriber_channels(config, subs)
        # Keyed by subscriber too: two subscribers may share one URL (a team's group bot).
        by_id = {(c.subscriber.name, c.id): c for c in chans}
        if config.alerts.estimate:
            materialize_estimates(s, today)
        plan_chans = _plan_channels(config, chans)
        planned: list[Planned] = plan(
            now,
            plan_windows(s, config.extract.review_below if config.extract.hold_unsure else None),
            plan_chans,
            ledger_rows(s),
            _plan_settings(config),
        )
        # The applicants' own timelines (issue 17): their reminders join the same ledger.
        timeline = plan_reminders(s, now, office_rules(config.office, config.tz), plan_chans)
        planned += timeline.planned
        report.skipped = sum(p.status == DeliveryStatus.SKIPPED for p in planned) + timeline.retired
        report.planned = len(planned) - report.skipped
        if dry_run:
            report.would_send = _dry_run_lines(s, planned, by_id)
            s.rollback()
            return None
        wanted = {p.channel for p in planned}
        record_planned(s, planned, {c.id: c.label for c in chans if c.id in wanted})
    return by_id, timeline, secret


class _AlertReader:
    """What a due delivery says (its ``Alert``), read from the database once per window where it can be.

    One window's alert of one kind says the same to everyone (a `changed` alert does not: its old dates are
    what each subscriber was last told), so it is read once per run, not once per subscriber.
    """

    def __init__(self, config: Config, timeline: ReminderPlan, today: date) -> None:
        self._config = config
        self._timeline = timeline
        self._today = today
        self._checklist = config.alerts.checklist or DEFAULT_CHECKLIST
        self._told: dict[tuple[int, str], Alert] = {}

    def alert(self, s: Session, d: Delivery) -> Alert | None:
        """``d``'s alert; None for a reminder no longer wanted since this run planned (the next run
        retires it)."""
        if d.alert_kind in REMINDER_KINDS:
            item = self._timeline.live.get((d.subscriber, d.window_key, d.alert_kind, d.window_version))
            if item is None:
                return None
            return reminder_alert(s, d, item, self._today, self._config.office)
        review_below = self._config.extract.review_below
        if d.alert_kind == AlertKind.CHANGED:
            return alert_for(s, d, self._today, self._checklist, review_below)
        key = (d.window_id, d.alert_kind)
        if key not in self._told:
            self._told[key] = alert_for(s, d, self._today, self._checklist, review_below)
        return self._told[key]


def _send_work(
    config: Config,
    engine: Engine,
    now: datetime,
    work: list[tuple[tuple[str, str], int, str, Alert]],
    by_id: dict[tuple[str, str], Channel],
    secret: bytes,
    send: Sender,
    claimant: Claimant,
    report: NotifyReport,
    rendered: dict[tuple[Alert, str], Message],
) -> None:
    """Claim, send and record each channel's messages in turn (claim before send, record after).
    ``rendered`` keeps the run's renderings across pages (see ``_messages``)."""
    # The rows of the message sent last, recorded `sent` in the transaction that claims the next one (one
    # transaction per message, not two); the last ones, or on any error, at the end (``finally``).
    sent: list[int] = []
    # One connection for the loop, a short transaction per message on it: checking a connection out of
    # the pool and back (a reset each time) cost as much as the two statements.
    with engine.connect() as conn:
        ledger = SendLedger(conn)
        try:
            for target, group in groupby(work, key=lambda x: x[0]):
                chan = by_id[target]
                items = [(i, w, a) for _, i, w, a in group]
                links = links_for(config.web.base_url, secret, chan.subscriber)
                for ids, message in _messages(chan.url, items, links, rendered):
                    # Claimed just before its own send, so a crash leaves only this message's rows in
                    # `sending`: those, and only those, may go out twice (and are counted).
                    got, taken_over = ledger.step(sent, ids, now, claimant)  # one short transaction
                    sent = []
                    report.possible_duplicates += taken_over
                    if not got:
                        continue  # another worker has claimed (or sent) them since the ledger was read
                    # Part of the message is another worker's now: what goes out says only what it holds.
                    parts = [(ids, message)]
                    if len(got) < len(ids):
                        parts = _messages(chan.url, _only(items, got), links, rendered)
                    for part_ids, part in parts:
                        sent += _deliver(engine, chan, part_ids, part, now, send, claimant, report)
        finally:
            ledger.finish(sent, now)


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """Keep what is alive when the send loop starts out of the collector's full passes until it ends.

    The loop allocates on every send (Apprise's request, the ledger's statements), and every so often the
    cyclic collector walks the whole heap: every module imported, the run's plan, its ledger rows and
    parsed channels, none of which the loop frees. That walk cost 60-150 ms per 1,000 alerts
    (bench/notify.py), the time of some 40 sends. Frozen, those objects are skipped; what the loop itself
    makes is collected as before, and thawed at the end they are collected as usual. A heap frozen
    already (a server that forks workers) is its owner's to manage and left as it is.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _site_secret(session: Session) -> bytes:
    from store.subscribers import site_secret

    return site_secret(session)


def _only(items: list[tuple[int, str, Alert]], ids: list[int]) -> list[tuple[int, str, Alert]]:
    keep = set(ids)
    return [item for item in items if item[0] in keep]


def _deliver(
    engine: Engine,
    chan: Channel,
    ids: list[int],
    message: Message,
    now: datetime,
    send: Sender,
    claimant: Claimant,
    report: NotifyReport,
) -> list[int]:
    """Send one claimed message; the ids to record as sent (the caller records them with its next claim),
    or a failure recorded at once (backoff per row, or dead)."""
    result = send(chan.url, message)
    if result.ok:
        report.sent += len(ids)
        return ids
    with transaction(engine) as s:  # the rare path
        dead = record_failed(s, ids, result.error or "send failed", now, claimant)
    report.dead += dead
    report.failed += len(ids) - dead
    report.problems.append(f"{chan.subscriber.name} via {chan.label}: {result.error}")
    return []


# --- the subscribers and deliveries commands' data ---------------------------------------------------

TEST_MESSAGE = Message(
    title="【zcwatch】测试消息",
    body="这是一条测试消息：zcwatch 能够向此渠道发送职称评审提醒。",
    body_format="text",
)


def test_subscriber(config: Config, engine: Engine, name: str) -> list[tuple[Channel, ch.SendResult]]:
    """Send the test message on each of one subscriber's channels; the result of each send."""
    from store.subscribers import find, sync_config, to_subscriber

    with transaction(engine) as s:
        sync_config(s, config.subscribers)
        row = find(s, name)
        if row is None:
            raise UsageError(f"no subscriber named {name!r} (see `zcwatch subscribers list`)")
        sub = to_subscriber(row)
    out = []
    for c in channels_of(config, sub):
        fmt = "html" if ch.takes_html(c.url) else "text"
        out.append((c, ch.send(c.url, replace(TEST_MESSAGE, body_format=fmt))))
    return out


def delivery_rows(engine: Engine, *, failed: bool) -> list[dict[str, Any]]:
    """The ledger as the stable rows of `zcwatch deliveries --format json` (README)."""
    with Session(reading(engine)) as s:
        q = select(Delivery, Window).join(Window, Window.id == Delivery.window_id).order_by(Delivery.id)
        if failed:
            q = q.where(Delivery.status.in_((DeliveryStatus.FAILED, DeliveryStatus.DEAD)))
        return [delivery_row(d, w) for d, w in s.execute(q)]


def delivery_row(d: Delivery, w: Window) -> dict[str, Any]:
    """One ledger row as `zcwatch deliveries --format json` prints it (and the staff page shows it)."""
    return {
        "id": d.id,
        "status": d.status,
        "alert_kind": d.alert_kind,
        "subscriber": d.subscriber,
        "channel": d.channel_label,
        "committee": w.committee,
        "window_kind": w.kind,
        "start": w.start,
        "end": w.end,
        "attempts": d.attempts,
        "sent_at": d.sent_at.isoformat() + "Z" if d.sent_at else None,
        "next_attempt_at": (
            d.next_attempt_at.isoformat() + "Z" if d.status == DeliveryStatus.FAILED else None
        ),
        "last_error": d.last_error,
        "possible_duplicates": d.duplicates,
    }
