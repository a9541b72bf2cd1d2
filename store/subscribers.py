"""Subscribers in the database (issue 15): the config's, the CLI's and the /subscribe page's.

One table, ``subscribers`` (``store.models.SubscriberRow``); each row has an ``origin``:

- ``config``: the ``[[subscribers]]`` tables, synced in by every command that plans or lists alerts
  (``sync_config``). Their settings are the config's; removing a table removes the row. Their status is the
  database's: a subscriber who unsubscribed through a link stays unsubscribed though the table remains.
- ``cli``: ``zcwatch subscribers add`` and ``import``.
- ``web``: the /subscribe page, ``pending`` until the address is confirmed.

Functions here take a Session and leave committing to the caller, so a command's whole change is one
transaction. ``Subscriber`` (``core.config``) is the plain value the rest of zcwatch reads.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.config import Subscriber
from core.errors import UsageError
from core.vocabulary import ChannelType, SubscriberOrigin, SubscriberStatus
from store.models import Delivery, Meta, SubscriberRow, utcnow
from store.timeline import forget

SECRET_KEY = "web.secret"  # the site's signing secret, made on first use
DELETED_LABEL = "（已删除）"  # what the ledger shows for a deleted subscriber's channel

_SETTINGS = ("urls", "apprise_config", "tags", "committees", "kinds", "lead_days", "quiet_hours")


def new_nonce() -> str:
    return secrets.token_hex(16)


def site_secret(session: Session) -> bytes:
    """The secret that signs manage and confirmation links and CSRF tokens; made once, kept in ``meta``.

    Kept in the database, not the config, so ``notify`` (which writes the links) and ``serve`` (which
    checks them) share it wherever they run, with nothing for the operator to set.
    """
    row = session.get(Meta, SECRET_KEY)
    if row is None:
        try:
            with session.begin_nested():
                session.add(Meta(key=SECRET_KEY, value=secrets.token_hex(32)))
        except IntegrityError:  # another process made it first: use theirs
            pass
        row = session.get(Meta, SECRET_KEY)
        assert row is not None
    return bytes.fromhex(row.value)


def to_subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        name=row.name,
        urls=tuple(row.urls or ()),
        apprise_config=row.apprise_config or "",
        tags=tuple(row.tags or ()),
        committees=tuple(row.committees or ()),
        kinds=tuple(row.kinds or ()),
        lead_days=row.lead_days,
        quiet_hours=row.quiet_hours or "",
        origin=row.origin,
        channel_type=row.channel_type,
        address=row.address or "",
        status=row.status,
        paused_until=row.paused_until,
        id=row.id,
        nonce=row.nonce,
    )


def _settings_of(sub: Subscriber) -> dict[str, object]:
    return {
        "urls": list(sub.urls),
        "apprise_config": sub.apprise_config,
        "tags": list(sub.tags),
        "committees": list(sub.committees),
        "kinds": list(sub.kinds),
        "lead_days": sub.lead_days,
        "quiet_hours": sub.quiet_hours,
    }


def sync_config(session: Session, configured: Iterable[Subscriber]) -> list[str]:
    """Make the ``config`` rows what ``[[subscribers]]`` says; the problems, one line each.

    A table named like a subscriber added by the CLI or the web is skipped (and said), never merged into it.
    Unchanged rows are not written, so a command that changes nothing writes nothing.
    """
    problems: list[str] = []
    stored = {
        r.name: r
        for r in session.scalars(select(SubscriberRow).where(SubscriberRow.origin == SubscriberOrigin.CONFIG))
    }
    wanted = {s.name: s for s in configured}
    clash = set(
        session.scalars(
            select(SubscriberRow.name).where(
                SubscriberRow.origin != SubscriberOrigin.CONFIG, SubscriberRow.name.in_(list(wanted))
            )
        )
    )
    added: list[dict[str, object]] = []
    for name, sub in wanted.items():
        if name in clash:
            problems.append(
                f"config subscriber {name!r} skipped: a subscriber of that name was added with "
                "`zcwatch subscribers add` or on the web (rename one of them)"
            )
            continue
        row = stored.get(name)
        settings = _settings_of(sub)
        if row is None:
            added.append(
                {
                    "name": name,
                    "origin": SubscriberOrigin.CONFIG.value,
                    "status": SubscriberStatus.ACTIVE.value,
                    "channel_type": ChannelType.APPRISE.value,
                    "nonce": new_nonce(),
                    **settings,
                }
            )
        elif any(getattr(row, k) != v for k, v in settings.items()):
            for k, v in settings.items():
                setattr(row, k, v)
            row.changed_at = utcnow()
    if added:  # one executemany (a config of thousands added at once), not an object per row
        session.execute(insert(SubscriberRow), added)
    for name, row in stored.items():
        if name not in wanted:
            delete_row(session, row)
    session.flush()
    return problems


def active(session: Session, today: date) -> list[Subscriber]:
    """Everyone who is told something today: active and not paused past ``today``."""
    q = (
        select(SubscriberRow)
        .where(SubscriberRow.status == SubscriberStatus.ACTIVE)
        .where((SubscriberRow.paused_until.is_(None)) | (SubscriberRow.paused_until <= today.isoformat()))
        .order_by(SubscriberRow.name)
        .execution_options(yield_per=2000)
    )
    return [to_subscriber(r) for r in session.scalars(q)]


def listing(session: Session) -> Iterator[Subscriber]:
    """Every stored subscriber, by name, read in batches (100,000 rows never sit in memory as objects)."""
    q = select(SubscriberRow).order_by(SubscriberRow.name).execution_options(yield_per=2000)
    for row in session.scalars(q):
        yield to_subscriber(row)
        session.expunge(row)


def counts(session: Session) -> dict[str, int]:
    """How many subscribers have each status."""
    q = select(SubscriberRow.status, func.count()).group_by(SubscriberRow.status)
    return {status: n for status, n in session.execute(q)}


def find(session: Session, name: str) -> SubscriberRow | None:
    return session.scalars(select(SubscriberRow).where(SubscriberRow.name == name)).one_or_none()


@dataclass(frozen=True)
class Added:
    created: int = 0
    updated: int = 0


def add(session: Session, subs: Iterable[Subscriber], *, update_existing: bool = False) -> Added:
    """Store CLI subscribers. An existing name is an error, unless ``update_existing`` (``import``)
    and it is a CLI subscriber too; a config or web subscriber is never overwritten from here."""
    subs = list(subs)
    names = [s.name for s in subs]
    existing: dict[str, SubscriberRow] = {}
    for chunk in range(0, len(names), 500):
        part = names[chunk : chunk + 500]
        existing.update(
            {r.name: r for r in session.scalars(select(SubscriberRow).where(SubscriberRow.name.in_(part)))}
        )
    created = updated = 0
    fresh: list[dict[str, object]] = []
    for sub in subs:
        row = existing.get(sub.name)
        if row is not None:
            if not update_existing:
                raise UsageError(
                    f"a subscriber named {sub.name!r} exists already (see `zcwatch subscribers list`)"
                )
            if row.origin != SubscriberOrigin.CLI:
                where = "in the config" if row.origin == SubscriberOrigin.CONFIG else "on the web"
                raise UsageError(f"subscriber {sub.name!r} was added {where}; it is not changed by an import")
            for k, v in _settings_of(sub).items():
                setattr(row, k, v)
            row.changed_at = utcnow()
            updated += 1
            continue
        fresh.append(
            {
                "name": sub.name,
                "origin": SubscriberOrigin.CLI.value,
                "status": SubscriberStatus.ACTIVE.value,
                "channel_type": ChannelType.APPRISE.value,
                "nonce": new_nonce(),
                "created_at": utcnow(),
                **_settings_of(sub),
            }
        )
        created += 1
    if fresh:
        # One executemany for the lot: importing 100,000 rows is one statement per batch, not per row.
        session.execute(insert(SubscriberRow), fresh)
    session.flush()
    return Added(created, updated)


def remove(session: Session, name: str) -> None:
    row = find(session, name)
    if row is None:
        raise UsageError(f"no subscriber named {name!r} (see `zcwatch subscribers list`)")
    if row.origin == SubscriberOrigin.CONFIG:
        raise UsageError(f"subscriber {name!r} is in the config file: remove its [[subscribers]] table there")
    delete_row(session, row)


def delete_row(session: Session, row: SubscriberRow) -> None:
    """Delete a subscriber and its personal data (its timeline too); its deliveries stay in the ledger,
    unlabelled.

    The ledger rows keep the (anonymous) subscriber name and channel hash, so should the same subscriber
    come back under that name, nothing already sent goes out again.
    """
    session.execute(
        update(Delivery).where(Delivery.subscriber == row.name).values(channel_label=DELETED_LABEL)
    )
    forget(session, row.name)  # the applicant's own timeline is theirs: it goes with them
    session.delete(row)
    session.flush()


# --- the web's subscribers ---------------------------------------------------------------------------


def new_web_name() -> str:
    return "web-" + secrets.token_hex(5)


def create_pending(
    session: Session,
    channel_type: str,
    address: str,
    committees: Iterable[str],
    kinds: Iterable[str],
    lead_days: int | None,
    *,
    status: str = SubscriberStatus.PENDING.value,
) -> SubscriberRow:
    row = SubscriberRow(
        name=new_web_name(),
        origin=SubscriberOrigin.WEB.value,
        status=status,
        channel_type=channel_type,
        address=address,
        committees=list(committees),
        kinds=list(kinds),
        lead_days=lead_days,
        nonce=new_nonce(),
        confirmed_at=utcnow() if status == SubscriberStatus.ACTIVE else None,
    )
    session.add(row)
    session.flush()
    return row


def recent_for_address(session: Session, address: str, since: datetime) -> int:
    """How many web sign-ups named this address since ``since`` (the per-address rate limit)."""
    q = select(func.count()).where(
        SubscriberRow.address == address,
        SubscriberRow.origin == SubscriberOrigin.WEB,
        SubscriberRow.created_at >= since,
    )
    return int(session.scalar(q) or 0)


def purge_pending(session: Session, before: datetime) -> int:
    """Forget sign-ups never confirmed since ``before``: an unconfirmed address is not kept."""
    result = session.execute(
        delete(SubscriberRow).where(
            SubscriberRow.status == SubscriberStatus.PENDING, SubscriberRow.created_at < before
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
