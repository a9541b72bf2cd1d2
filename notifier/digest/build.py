"""Filling the digest from the database, and sending the scheduled digest.

Sections (``notifier.digest.model.Digest``): open now (soonest end first), opening within N
days (soonest start first), recently closed (7 days), recently changed (14 days,
this season only, old -> new),
estimates from last season, and notices whose dates could not be read (fetched with no window,
or on a site we do not fetch), so staff can check them by hand.

The scheduled digest goes to ``[digest] recipients``: HTML e-mail with the .ics attached where
the channel takes attachments, text elsewhere. It is level-triggered like everything else: due
when the last scheduled moment (weekday + time) is later than the last digest sent.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Row, select

from core.config import Config
from core.timeutil import from_utc_naive, season_year, to_utc_naive, window_point
from core.vocabulary import FetchStatus, WindowStatus
from notifier.digest.model import Digest, DigestEntry, NeedsReview
from notifier.digest.render import render
from store.engine import reading
from store.tables import meta, notices, windows

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

CLOSED_DAYS = 7
CHANGED_DAYS = 14
DEADLINE_DAYS = 60  # a bare deadline is listed under "open now" from this many days before it
LAST_SENT_KEY = "digest.last_sent"
MANUAL_TITLE = "工作人员录入"  # a window staff added by hand, with no notice behind it
REVIEW_WORDS = ("申报", "评审", "受理", "材料", "延长", "延期", "调整", "更正")


def _status(w: Row[Any], now: datetime, config: Config) -> str:
    if w.start and now < window_point(w.start, config.tz):
        return "upcoming"
    if w.end and now > window_point(w.end, config.tz, end=True):
        return "closed"
    return "open"


def _this_season(w: Row[Any], season: int, end_day: date | None, today: date) -> bool:
    """Whether a change to ``w`` belongs to the season the digest is about: its review year (年度) when the
    notice named one, else a window not long closed. Last season's extensions are not news."""
    if w.review_year is not None:
        return bool(w.review_year >= season)
    return end_day is None or end_day >= today - timedelta(CHANGED_DAYS)


def build_digest(
    config: Config,
    session: Connection | Session,
    now: datetime,
    *,
    days: int | None = None,
    committee: str | None = None,
    kinds: frozenset[str] | None = None,
) -> Digest:
    """The digest at ``now``; ``committee`` keeps committees whose name contains it, ``kinds`` those steps.

    Read with Core statements on a connection (or a session), so that `zcwatch digest` and the board never
    import the ORM (issue 18).
    """
    horizon = days or config.digest.days
    today = now.astimezone(config.tz).date()
    season = season_year(today)
    rows = session.execute(
        select(
            windows,
            notices.c.id.label("notice_ref"),
            notices.c.url.label("notice_url"),
            notices.c.title.label("notice_title"),
        )
        .outerjoin(notices, notices.c.id == windows.c.notice_id)
        .where(windows.c.status.in_((WindowStatus.CURRENT, WindowStatus.ESTIMATE)))
    ).all()
    open_now, soon, closed, changed, estimates = [], [], [], [], []
    for w in rows:
        noticed = w.notice_ref is not None
        if committee and committee not in w.committee:
            continue
        if kinds is not None and w.kind not in kinds:
            continue
        status = _status(w, now, config)
        end_day = date.fromisoformat(w.end[:10]) if w.end else None
        prev = None
        if (
            w.version > 1
            and from_utc_naive(w.created_at, config.tz) >= now - timedelta(days=CHANGED_DAYS)
            and _this_season(w, season, end_day, today)
        ):
            prev = session.execute(
                select(windows.c.start, windows.c.end)
                .where(windows.c.key == w.key, windows.c.version < w.version)
                .order_by(windows.c.version.desc())
                .limit(1)
            ).first()
        entry = DigestEntry(
            committee=w.committee,
            kind=w.kind,
            start=w.start,
            end=w.end,
            status=status,
            days_left=(end_day - today).days if end_day else None,
            notice_url=w.notice_url if noticed else "",
            notice_title=w.notice_title if noticed else MANUAL_TITLE if w.reviewed_by else "据上年度通知推算",
            predicted=w.status == WindowStatus.ESTIMATE,
            window_key=w.key,
            evidence=w.evidence,
            previous_start=prev.start if prev else None,
            previous_end=prev.end if prev else None,
            window_id=w.id,
            notice_id=w.notice_ref,
            sequence=max(w.version - 1, 0),
            recorded_at=w.created_at.replace(tzinfo=UTC),
            reviewed=w.reviewed_by is not None,
        )
        if w.status == WindowStatus.ESTIMATE:
            if status != "closed":
                estimates.append(entry)
            continue
        if prev is not None:
            changed.append(entry)
        if status == "open":
            # A bare deadline ("6月底前完成评审") has no known opening: it is worth a line only once
            # the deadline is near, not as "open" for half a year.
            if w.start or (end_day is not None and end_day <= today + timedelta(DEADLINE_DAYS)):
                open_now.append(entry)
        elif (
            status == "upcoming"
            and w.start
            and date.fromisoformat(w.start[:10]) <= today + timedelta(horizon)
        ):
            soon.append(entry)
        elif status == "closed" and end_day and end_day >= today - timedelta(CLOSED_DAYS):
            closed.append(entry)
    far = "9999-12-31"
    return Digest(
        generated_at=now.astimezone(config.tz),
        days=horizon,
        open_now=sorted(open_now, key=lambda e: (e.end or far, e.committee)),
        opening_soon=sorted(soon, key=lambda e: (e.start or far, e.committee)),
        recently_closed=sorted(closed, key=lambda e: e.end or far, reverse=True),
        recently_changed=sorted(changed, key=lambda e: e.end or far),
        estimates=sorted(estimates, key=lambda e: e.start or far),
        needs_review=needs_review(session, today, committee, config.extract.review_below),
    )


def needs_review(
    session: Connection | Session, today: date, committee: str | None, review_below: float
) -> list[NeedsReview]:
    since = (today - timedelta(days=120)).isoformat()
    recent = (
        notices.c.fetch_status.in_((FetchStatus.FETCHED, FetchStatus.EXTERNAL, FetchStatus.FAILED)),
        ((notices.c.published >= since) | (notices.c.listing_date >= since)),
    )
    read = session.execute(select(notices).where(*recent)).all()
    # One query for all their windows, not one per notice.
    by_notice: dict[int, list[Row[Any]]] = {}
    for w in session.execute(
        select(windows)
        .join(notices, notices.c.id == windows.c.notice_id)
        .where(*recent)
        .order_by(windows.c.id)
    ):
        by_notice.setdefault(w.notice_id, []).append(w)
    out = []
    for n in read:
        n_windows = by_notice.get(n.id, [])
        if committee and committee not in (n.committee or n.title):
            continue
        if n.reviewed_hash is not None and n.reviewed_hash == (n.content_hash or ""):
            continue  # a person has looked at this very text (store.review.notice_reviewed)
        current = [w for w in n_windows if w.status == WindowStatus.CURRENT]
        # The crawl said why (a cap was hit, an edit that removed every date was held), or the extractor
        # guessed a step (no label, keyword or heading said it) and nobody has confirmed it yet.
        guessed = any(
            w.confidence is not None and w.confidence < review_below and w.reviewed_by is None
            for w in current
        )
        if n.review_reason or guessed:
            out.append(_review_item(n))
            continue
        if current:
            continue
        # Dates that were read and later corrected by another notice (an extension moves the
        # window's current version to that notice) were read all the same: nothing to check.
        keys = {w.key for w in n_windows}
        if keys and session.scalar(
            select(windows.c.id)
            .where(windows.c.key.in_(keys), windows.c.status == WindowStatus.CURRENT)
            .limit(1)
        ):
            continue
        if not any(word in n.title for word in REVIEW_WORDS) or "结果" in n.title:
            continue
        out.append(_review_item(n))
    return sorted(out, key=lambda r: r.published or "", reverse=True)


def _review_item(n: Row[Any]) -> NeedsReview:
    return NeedsReview(
        title=n.title,
        url=n.url,
        published=n.published or n.listing_date,
        notice_id=n.id,
        reason=n.review_reason or "",
    )


def digest_due(config: Config, engine: Engine, now: datetime) -> bool:
    from core.moments import previous_moment

    if not config.digest.recipients:
        return False
    moment = previous_moment(now.astimezone(config.tz), (config.digest.at,), config.digest.weekday)
    if moment is None:
        return False
    with reading(engine).connect() as conn:
        last = conn.scalar(select(meta.c.value).where(meta.c.key == LAST_SENT_KEY))
    return last is None or datetime.fromisoformat(last) < to_utc_naive(moment)


def send_digest(config: Config, engine: Engine, now: datetime) -> list[str]:
    """Send the digest to every recipient; returns one line per failed channel."""
    from notifier.channels import send, takes_attachments, takes_html
    from notifier.messages import Message

    with reading(engine).connect() as conn:
        digest = build_digest(config, conn, now)
    title = f"【职称申报截止提醒】{now.astimezone(config.tz):%Y-%m-%d} 周报"
    problems = []
    delivered = False
    with tempfile.TemporaryDirectory() as tmp:
        ics = Path(tmp) / "zcwatch-deadlines.ics"
        ics.write_text(render(digest, "ics"), encoding="utf-8", newline="")
        for url in config.digest.recipients:
            html = takes_html(url)
            text = render(digest, "text")
            # An HTML e-mail carries the text rendering as its plain-text part (notifier.mailtext).
            message = Message(
                title=title,
                body=render(digest, "html") if html else text,
                body_format="html" if html else "text",
                text=text if html else None,
            )
            result = send(url, message, attachments=[ics] if takes_attachments(url) else [])
            delivered = delivered or result.ok
            if not result.ok:
                problems.append(f"digest not delivered: {result.error}")
    if delivered:
        from store.db import transaction
        from store.models import Meta

        with transaction(engine) as s:
            s.merge(Meta(key=LAST_SENT_KEY, value=to_utc_naive(now).isoformat()))
    return problems
