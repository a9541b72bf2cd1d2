r"""The alert ledger in the database: claim -> send -> record, one row per promise.

The promise: each (subscriber, channel, window version, alert kind) is one row, ever (a UNIQUE
constraint, inserted with ON CONFLICT DO NOTHING on either engine: ``store.engine``). Sending happens
with no transaction open: rows are *claimed* (status ``sending``, attempts + 1, a lease) and committed
first, then sent, then recorded ``sent`` or ``failed``. So nothing is ever lost, and a duplicate can
only come from the send->record gap.

**Leases.** A claim says who holds it (``lease_owner``, one notify worker) and until when
(``lease_until``, real time, longer than any send may take). Several workers may deliver from one
PostgreSQL database at once: each claims a message's rows with ``FOR UPDATE SKIP LOCKED`` and takes only
rows that are due and free, so two workers never claim the same row. A row in ``sending`` is taken over
only once its lease has ended: its time ran out, or its holder is gone (``Claimant.alive``: on PostgreSQL
every worker holds an advisory lock for as long as it runs, which the server drops when the process
dies; on SQLite senders are serialised by the run lock, so any other holder is a crashed run). A row
taken over is counted as a possible duplicate: its last attempt may have gone out before the crash.

::

    pending --claim--> sending --sent--> sent
    failed  --claim-->    |  \--failed--> failed (backoff) ... --window closed--> dead
                          \--lease ended (crash, hang)--> taken over by the next claim (+1 possible duplicate)

A failed send is retried with exponential backoff until the window closes, then marked
``dead`` (the health module raises one admin alert for dead deliveries). What to plan is read
by ``notifier.inputs``; estimates are made by ``notifier.estimates``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.timeutil import SHANGHAI, from_utc_naive, to_utc_naive, window_point
from core.vocabulary import REMINDER_KINDS, DeliveryStatus, ReviewAction
from notifier.planner import Planned
from store.engine import insert_ignoring_duplicates
from store.models import Delivery, WindowReview, utcnow
from store.tables import deliveries, windows

BACKOFF_FIRST = timedelta(minutes=5)
BACKOFF_MAX = timedelta(hours=6)
DEAD_WITHOUT_END = timedelta(days=7)


T = TypeVar("T")

# Planned alerts inserted per statement run. The rows' parameter dicts exist one batch at a time: a season's
# 174,317 alerts at once held about 240 MiB of them (30k subscribers), more than the plan itself.
RECORD_BATCH = 5000


def record_planned(session: Session, planned: list[Planned], labels: dict[str, str]) -> int:
    """Insert planned alerts; a row that exists already is left alone. Returns rows inserted."""
    now = utcnow()
    # One prepared statement run for every row (the driver's executemany), not a multi-row VALUES built
    # per chunk: compiling a 500-row statement cost more than running it. Both drivers sum the rowcount
    # over the rows, so the skipped conflicts (every notify worker plans the same alerts again, under the
    # planning lock) are not counted as added.
    insert = insert_ignoring_duplicates(session.connection(), Delivery)
    added = 0
    for batch in _chunks(planned, RECORD_BATCH):
        added += session.connection().execute(insert, _rows(batch, labels, now)).rowcount or 0
    return added


def _rows(planned: list[Planned], labels: dict[str, str], now: datetime) -> list[dict[str, object]]:
    return [
        {
            "subscriber": p.subscriber,
            "channel": p.channel,
            "channel_label": labels.get(p.channel, p.channel),
            "window_id": p.window_id,
            "window_key": p.key,
            "window_version": p.version,
            "alert_kind": p.kind,
            "status": p.status,
            "due_at": to_utc_naive(p.due_at),
            "next_attempt_at": to_utc_naive(p.due_at),
            "created_at": now,
            "attempts": 0,
            "duplicates": 0,
        }
        for p in planned
    ]


# Longer than any one send may take (notifier.channels.send gives up after 20 s), with room to spare: a
# worker that is alive but has not recorded its send within this is presumed hung, and its rows are free.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimant:
    """One notify worker as the ledger sees it: its name on the rows it claims, and how it learns which
    other workers are still alive (``alive(session, owners)`` returns those of ``owners`` that are)."""

    owner: str
    alive: Callable[[Session, set[str]], set[str]]
    lease: timedelta = LEASE


def _ended_leases(session: Session, rows: list[Delivery], claimant: Claimant) -> set[int]:
    """The ids of the rows in ``sending`` whose lease has ended: timed out, or its holder is gone."""
    sending = [d for d in rows if d.status == DeliveryStatus.SENDING]
    if not sending:
        return set()
    clock = utcnow()  # real time, not the run's `now` (which `--now` may set): leases time processes
    others = {d.lease_owner for d in sending if d.lease_owner and d.lease_owner != claimant.owner}
    living = claimant.alive(session, others) if others else set()
    return {
        d.id
        for d in sending
        if d.lease_owner is None  # claimed before leases (schema v5) or by a run that could not say
        or d.lease_until is None
        or d.lease_until <= clock
        or (d.lease_owner != claimant.owner and d.lease_owner not in living)
    }


def claimable(
    session: Session, now: datetime, claimant: Claimant, subscribers: Sequence[str] | None = None
) -> list[Delivery]:
    """Deliveries to send now: due pending/failed ones, and those in `sending` whose lease has ended;
    by subscriber, channel and id. Only those of ``subscribers`` when given: a run reads its alerts a few
    hundred subscribers at a time (``notifier.deliver``), so 600,000 of them never sit in memory as objects.
    """
    q = select(Delivery).where(
        (
            (Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)))
            & (Delivery.next_attempt_at <= to_utc_naive(now))
        )
        | (Delivery.status == DeliveryStatus.SENDING)
    )
    if subscribers is not None:
        # By name, the unique index's first column: a page is read from that index, not sorted out of every
        # due row (which a range of names or a LIMIT would be, once per page).
        q = q.where(Delivery.subscriber.in_(subscribers))
    rows = list(session.scalars(q.order_by(Delivery.subscriber, Delivery.channel, Delivery.id)))
    ended = _ended_leases(session, rows, claimant)
    return [d for d in rows if d.status != DeliveryStatus.SENDING or d.id in ended]


# The hot path's statements, built once (building one costs more than running it), on the table itself:
# an ORM-enabled UPDATE would match its rows against the session's objects, which these never load.


def _claim_statement(rows: Any) -> Any:
    return (
        update(deliveries)
        .where(
            deliveries.c.id.in_(
                select(deliveries.c.id)
                .where(
                    rows,
                    # Two equalities, not IN (…): a literal IN list is an expanding parameter, re-rendered
                    # on every execution like an IN of ids.
                    or_(
                        deliveries.c.status == DeliveryStatus.PENDING.value,
                        deliveries.c.status == DeliveryStatus.FAILED.value,
                    ),
                    deliveries.c.next_attempt_at <= bindparam("now"),
                )
                .with_for_update(skip_locked=True)
                .scalar_subquery()
            )
        )
        .values(
            status=DeliveryStatus.SENDING.value,
            attempts=deliveries.c.attempts + 1,
            claimed_at=bindparam("now"),
            lease_owner=bindparam("owner"),
            lease_until=bindparam("until"),
        )
        .returning(deliveries.c.id)
    )


def _sent_statement(rows: Any) -> Any:
    return (
        update(deliveries)
        .where(rows)
        .values(status=DeliveryStatus.SENT.value, sent_at=bindparam("at"), last_error=None, lease_until=None)
    )


# Each in two forms: most messages carry one alert, and `id = :id` runs from the compiled cache as it is,
# where an expanding `IN` list is rewritten on every execution (a fifth of the statement's cost).
_CLAIM_ONE = _claim_statement(deliveries.c.id == bindparam("one"))
_CLAIM = _claim_statement(deliveries.c.id.in_(bindparam("ids", expanding=True)))
_SENT_ONE = _sent_statement(deliveries.c.id == bindparam("one"))
_SENT = _sent_statement(deliveries.c.id.in_(bindparam("ids", expanding=True)))


def _claim_params(now: datetime, claimant: Claimant) -> dict[str, Any]:
    """The claim statement's parameters but the rows: the run's time, and who holds the rows until when."""
    return {"now": to_utc_naive(now), "owner": claimant.owner, "until": utcnow() + claimant.lease}


def claim(
    db: Session | Connection, ids: list[int], now: datetime, claimant: Claimant
) -> tuple[list[int], int]:
    """Claim those of the rows ``ids`` (one message's) that are still free; returns (claimed ids, taken over).

    Rows another worker is claiming right now are skipped, not waited for (``FOR UPDATE SKIP LOCKED``;
    SQLite's write transaction is exclusive anyway), and so is a row another worker claimed or recorded
    since this one read the ledger: the statement checks each row's status again under its row lock.

    One UPDATE … RETURNING claims the rows that are due (the common case: a round trip, no ORM objects,
    about a tenth of the cost of loading and flushing them). Only rows left in ``sending`` by a crashed or
    hung worker need the ORM path, which asks who is still alive.
    """
    conn = db.connection() if isinstance(db, Session) else db
    params = _claim_params(now, claimant)
    now_utc = params["now"]
    if len(ids) == 1:
        got = list(conn.execute(_CLAIM_ONE, {"one": ids[0], **params}).scalars())
    else:
        got = sorted(conn.execute(_CLAIM, {"ids": ids, **params}).scalars())
    if len(got) == len(ids):
        return got, 0
    rest = [i for i in ids if i not in set(got)]
    session = db if isinstance(db, Session) else Session(bind=conn)
    taken, taken_over = _take_over(session, rest, now_utc, claimant)
    return sorted(got + taken), taken_over


class _OnDriver:
    """A statement SQLAlchemy built, compiled once for a dialect, to run on the driver's own cursor: its SQL
    and its parameters as the dialect binds them (datetimes as SQLite's text, literals bound at build)."""

    def __init__(self, statement: Any, dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        self._order = compiled.positiontup  # qmark (SQLite): names in order; None for named (psycopg)
        self._procs = {
            name: proc
            for name, bind in compiled.binds.items()
            if (proc := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        # Values bound when the statement was built (status = 'sent', last_error = NULL), not at each run.
        given = compiled.construct_params(_check=False)
        self._fixed = self._processed({k: v for k, v in given.items() if not compiled.binds[k].required})

    def _processed(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: (p(v) if (p := self._procs.get(k)) else v) for k, v in values.items()}

    def params(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        bound = {**self._fixed, **self._processed(values)}
        return tuple(bound[k] for k in self._order) if self._order is not None else bound


class SendLedger:
    """The send loop's bookkeeping on one connection: the last message's rows recorded ``sent`` and the next
    message's claimed, in one short transaction per message (claim before send, record after).

    The common step (one alert recorded, one claimed, its row free) runs ``_SENT_ONE`` and ``_CLAIM_ONE``,
    the same Core statements, on the driver's cursor, with the transaction's BEGIN and COMMIT on the driver
    too: SQLAlchemy's per-statement and per-transaction work cost about 0.25 ms a message, more than the
    statements themselves (bench/notify.py). Every other step (a message of several alerts, a row another
    worker holds or left in ``sending``) goes through ``claim`` and ``record_sent`` in a SQLAlchemy
    transaction. A driver error is raised as SQLAlchemy's (``DBAPIError.instance``), as through SQLAlchemy.
    """

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._sqlite = conn.dialect.name == "sqlite"
        self._errors: type[Exception] = conn.dialect.loaded_dbapi.Error
        self._claim = _OnDriver(_CLAIM_ONE, conn.dialect)
        self._sent = _OnDriver(_SENT_ONE, conn.dialect)

    def step(
        self, sent: list[int], ids: list[int], now: datetime, claimant: Claimant
    ) -> tuple[list[int], int]:
        """Record ``sent``, then claim ``ids``: ``claim``'s answer (claimed ids, taken over)."""
        if len(ids) == 1 and len(sent) <= 1:
            got = self._driver_step(sent, ids[0], now, claimant)
            if got:
                return got, 0
            sent = []  # recorded; the row is taken, or left in `sending` by a crash: the general way
        with self.conn.begin():
            if sent:
                record_sent(self.conn, sent, now)
            return claim(self.conn, ids, now, claimant)

    def finish(self, sent: list[int], now: datetime) -> None:
        """Record the last message's rows."""
        if sent:
            with self.conn.begin():
                record_sent(self.conn, sent, now)

    def _driver_step(self, sent: list[int], one: int, now: datetime, claimant: Claimant) -> list[int]:
        driver = self.conn.connection.driver_connection
        assert driver is not None
        sql = "BEGIN IMMEDIATE"  # the statement a driver error is reported with
        try:
            cur = driver.cursor()
            try:
                if self._sqlite:  # psycopg begins a transaction with the first statement itself
                    cur.execute(sql)
                if sent:
                    sql = self._sent.sql
                    cur.execute(sql, self._sent.params({"one": sent[0], "at": to_utc_naive(now)}))
                sql = self._claim.sql
                cur.execute(sql, self._claim.params({"one": one, **_claim_params(now, claimant)}))
                got = [row[0] for row in cur.fetchall()]
            finally:
                cur.close()
            sql = "COMMIT"
            driver.commit()
            return got
        except BaseException as e:  # no transaction left open, whatever went wrong
            with contextlib.suppress(self._errors):  # a broken connection: the pool discards it
                driver.rollback()
            if isinstance(e, self._errors):
                raise DBAPIError.instance(sql, None, e, self._errors) from e
            raise


def _take_over(
    session: Session, ids: list[int], now_utc: datetime, claimant: Claimant
) -> tuple[list[int], int]:
    """Claim those of ``ids`` in ``sending`` whose lease has ended (each counted as a possible duplicate)."""
    q = (
        select(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.SENDING)
        .order_by(Delivery.id)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(q))
    ended = _ended_leases(session, rows, claimant)
    until = utcnow() + claimant.lease
    got: list[int] = []
    for d in rows:
        if d.id not in ended:
            continue
        d.duplicates += 1  # the last attempt may have gone out before its holder died
        d.status = DeliveryStatus.SENDING
        d.attempts += 1
        d.claimed_at = now_utc
        d.lease_owner, d.lease_until = claimant.owner, until
        got.append(d.id)
    session.flush()
    return got, len(got)


def expire_late(session: Session, now: datetime) -> tuple[int, int]:
    """Alerts whose window has closed are not sent late: failed ones become ``dead`` (an admin alert
    follows), never-tried ones (held by quiet hours through a downtime) ``skipped``; so does any alert of
    a window staff dismissed. Returns both counts."""
    # Plain rows and two UPDATEs, not ORM objects: every waiting alert is read on every run, and loading
    # 1,000 of them as objects cost more than the rest of this step.
    waiting = deliveries.c.status.in_((DeliveryStatus.FAILED.value, DeliveryStatus.PENDING.value))
    rows = session.execute(
        select(
            deliveries.c.id,
            deliveries.c.status,
            deliveries.c.alert_kind,
            deliveries.c.due_at,
            deliveries.c.window_key,
            windows.c.end,
        )
        .join(windows, windows.c.id == deliveries.c.window_id)
        .where(waiting)
        # Row locks, skipping rows another worker is claiming: a row claimed meanwhile is no longer waiting.
        .with_for_update(skip_locked=True, of=deliveries)
    ).all()
    # A window staff dismissed (not a window at all, store.review) is told to nobody, not even late.
    dismissed = (
        set(
            session.scalars(
                select(WindowReview.window_key).where(
                    WindowReview.window_key.in_({r.window_key for r in rows}),
                    WindowReview.revoked_at.is_(None),
                    WindowReview.action == ReviewAction.DISMISS,
                )
            )
        )
        if rows
        else set()
    )
    to_dead: list[int] = []
    to_skipped: list[int] = []
    for r in rows:
        if r.window_key in dismissed and r.alert_kind not in REMINDER_KINDS:
            to_skipped.append(r.id)
        elif _too_late(r.alert_kind, r.due_at, r.end, now):
            (to_dead if r.status == DeliveryStatus.FAILED else to_skipped).append(r.id)
    for status, ids in ((DeliveryStatus.DEAD, to_dead), (DeliveryStatus.SKIPPED, to_skipped)):
        for chunk in _chunks(ids):
            session.execute(
                update(deliveries).where(deliveries.c.id.in_(chunk), waiting).values(status=status.value)
            )
    return len(to_dead), len(to_skipped)


def _chunks(items: list[T], size: int = 900) -> Iterator[list[T]]:
    """``items`` in lists of at most ``size``: by default short enough for one statement's parameters
    (SQLite allows 999 in old builds)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def record_sent(db: Session | Connection, ids: list[int], now: datetime) -> None:
    """The send went out: ``sent``, whoever holds the row now (it is true; a worker that took the row
    over meanwhile may send it again, and counted that as a possible duplicate when it did).
    One UPDATE statement; ``lease_owner`` stays: which worker sent it."""
    conn = db.connection() if isinstance(db, Session) else db
    if len(ids) == 1:
        conn.execute(_SENT_ONE, {"one": ids[0], "at": to_utc_naive(now)})
    else:
        conn.execute(_SENT, {"ids": ids, "at": to_utc_naive(now)})


def record_failed(session: Session, ids: list[int], error: str, now: datetime, claimant: Claimant) -> int:
    """Schedule a retry with backoff, or mark dead once the window has closed. Returns dead count.

    Only rows this worker still holds: a row another worker took over (this one outlived its lease) is
    that worker's to record, and may have been sent by it already."""
    dead = 0
    q = select(Delivery).where(
        Delivery.id.in_(ids),
        Delivery.status == DeliveryStatus.SENDING,
        Delivery.lease_owner == claimant.owner,
    )
    for d in session.scalars(q.with_for_update()):
        d.last_error = error[:500]
        d.lease_until = None
        if _too_late(d.alert_kind, d.due_at, d.window.end, now):
            d.status = DeliveryStatus.DEAD
            dead += 1
            continue
        d.status = DeliveryStatus.FAILED
        wait = min(BACKOFF_FIRST * (2 ** max(d.attempts - 1, 0)), BACKOFF_MAX)
        d.next_attempt_at = to_utc_naive(now + wait)
    return dead


def _too_late(alert_kind: str, due_at: datetime, window_end: str | None, now: datetime) -> bool:
    if alert_kind in REMINDER_KINDS:
        # A reminder is about the applicant's application, not the window's dates: each notify run retires
        # the ones no longer worth sending (notifier.reminders); this is the backstop.
        return now - from_utc_naive(due_at) > DEAD_WITHOUT_END
    if window_end:
        return now > window_point(window_end, SHANGHAI, end=True)
    return now - from_utc_naive(due_at) > DEAD_WITHOUT_END
