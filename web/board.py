"""What the web pages show, read from the store: the board, one committee, the feeds' entries.

Pure reading: every function takes an open (read-only) session and returns plain data for the templates
and the JSON API. The board is the staff digest (``notifier.digest.build``) with the board's filters and
horizon, so the page, the e-mailed digest and ``zcwatch digest`` always agree on what is open.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import Config
from core.timeutil import from_utc_naive, season_year
from core.vocabulary import WINDOW_KINDS, CrawlOutcome, FetchStatus, WindowStatus, kind_label
from notifier.digest._common import fmt_range
from notifier.digest.build import build_digest
from notifier.digest.model import Digest
from store.models import CrawlRun, Notice, Window

MAX_KEYWORD = 50
CALENDAR_DAYS = 366  # the calendar and the API list every upcoming window, not only the digest's horizon
FEED_DAYS = 90  # how far back the Atom feed reaches
FEED_ENTRIES = 100


class BadQuery(ValueError):
    """A filter in the URL that cannot be honoured (unknown step, a keyword too long)."""


@dataclass(frozen=True)
class Filters:
    """The board's filters, as given in the URL (``?committee=卫生&kind=apply``) and kept in its links."""

    committee: str = ""
    kinds: tuple[str, ...] = ()

    @classmethod
    def parse(cls, committee: str | None, kinds: list[str]) -> Filters:
        keyword = " ".join((committee or "").split())
        if len(keyword) > MAX_KEYWORD:
            raise BadQuery(f"委员会关键词最多{MAX_KEYWORD}个字")
        unknown = [k for k in kinds if k and k not in WINDOW_KINDS]
        if unknown:
            raise BadQuery(f"未知的环节：{unknown[0][:20]}（可选：{'、'.join(WINDOW_KINDS)}）")
        return cls(keyword, tuple(dict.fromkeys(k for k in kinds if k)))

    @property
    def kind_set(self) -> frozenset[str] | None:
        return frozenset(self.kinds) if self.kinds else None

    def query(self) -> list[tuple[str, str]]:
        """The filters as query pairs, for links that keep them."""
        pairs = [("committee", self.committee)] if self.committee else []
        return pairs + [("kind", k) for k in self.kinds]

    @property
    def active(self) -> bool:
        return bool(self.committee or self.kinds)


def committee_id(name: str) -> str:
    """A committee's stable id in URLs: its stored name can hold anything a page held."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]


def board_digest(config: Config, session: Session, now: datetime, filters: Filters, *, days: int) -> Digest:
    return build_digest(
        config, session, now, days=days, committee=filters.committee or None, kinds=filters.kind_set
    )


# --- the season timeline's data ------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One bar of the timeline: a window's dates as days (either may be missing)."""

    kind: str
    start: date | None
    end: date | None
    predicted: bool
    label: str  # the tooltip: committee, step and dates


@dataclass(frozen=True)
class CommitteeRow:
    committee: str
    spans: list[Span] = field(default_factory=list)


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _season_of(w: Window) -> int | None:
    if w.review_year is not None:
        return w.review_year
    day = _day(w.start) or _day(w.end)
    return season_year(day) if day else None


def season_rows(session: Session, season: int, filters: Filters) -> list[CommitteeRow]:
    """This season's current and estimated windows, one row per committee (earliest first)."""
    rows: dict[str, list[Span]] = defaultdict(list)
    windows = session.scalars(
        select(Window).where(Window.status.in_((WindowStatus.CURRENT, WindowStatus.ESTIMATE)))
    ).all()
    for w in windows:
        if filters.committee and filters.committee not in w.committee:
            continue
        if filters.kinds and w.kind not in filters.kinds:
            continue
        if _season_of(w) != season:
            continue
        start, end = _day(w.start), _day(w.end)
        if start is None and end is None:
            continue
        dates = f"{w.start or '…'} 至 {w.end or '…'}"
        predicted = w.status == WindowStatus.ESTIMATE
        label = f"{w.committee} {kind_label(w.kind)}{'（预估）' if predicted else ''}：{dates}"
        rows[w.committee].append(Span(w.kind, start, end, predicted, label))
    out = [
        CommitteeRow(name, sorted(spans, key=lambda s: s.start or s.end or date.max))
        for name, spans in rows.items()
    ]
    return sorted(out, key=lambda r: (min((s.start or s.end or date.max) for s in r.spans), r.committee))


# --- freshness -------------------------------------------------------------------------------------


def last_ok_crawl(session: Session) -> datetime | None:
    """When a crawl last read the column (naive UTC), or None: ``ok``, or ``partial`` (the listing was
    read and stored; some notice pages failed and are retried), since both keep the board current."""
    return session.scalar(
        select(func.max(CrawlRun.finished_at)).where(
            CrawlRun.outcome.in_((CrawlOutcome.OK, CrawlOutcome.PARTIAL))
        )
    )


def data_changed_at(session: Session) -> datetime | None:
    """The last moment anything the pages show changed (naive UTC): a window recorded or replaced, a
    notice first seen or edited, a crawl finished."""
    moments = [
        session.scalar(select(func.max(Window.created_at))),
        session.scalar(select(func.max(Window.superseded_at))),
        session.scalar(select(func.max(Notice.first_seen))),
        session.scalar(select(func.max(Notice.changed_at))),
        session.scalar(select(func.max(CrawlRun.finished_at))),
    ]
    known = [m for m in moments if m is not None]
    return max(known) if known else None


# --- one committee ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str
    old: str
    new: str
    when: str  # local time the new dates were recorded
    notice_title: str
    notice_url: str


@dataclass
class CommitteePage:
    name: str
    seasons: list[tuple[int, list[dict[str, Any]]]]  # (review year, windows), this season first
    notices: list[dict[str, Any]]
    changes: list[Change]


def committees(session: Session) -> dict[str, str]:
    """Every committee with a stored window: id -> name."""
    names = session.scalars(select(Window.committee).distinct()).all()
    return {committee_id(n): n for n in names if n}


def _dates(start: str | None, end: str | None) -> str:
    """``2025-12-01(一) 09:00 至 2025-12-26(五) 17:30``, as the board's tables write dates."""
    return fmt_range(start, end)


def committee_page(config: Config, session: Session, name: str, today: date) -> CommitteePage:
    season = season_year(today)
    windows = session.scalars(select(Window).where(Window.committee == name).order_by(Window.id)).all()
    by_season: dict[int, list[dict[str, Any]]] = defaultdict(list)
    notice_ids: set[int] = set()
    for w in windows:
        if w.notice_id is not None:
            notice_ids.add(w.notice_id)
        if w.status not in (WindowStatus.CURRENT, WindowStatus.ESTIMATE):
            continue
        year = _season_of(w)
        if year is None or year < season - 1:
            continue
        by_season[year].append(
            {
                "kind": w.kind,
                "start": w.start,
                "end": w.end,
                "predicted": w.status == WindowStatus.ESTIMATE,
                "evidence": w.evidence,
                "notice_id": w.notice_id,
            }
        )
    for items in by_season.values():
        items.sort(key=lambda i: i["start"] or i["end"] or "")
    seasons = sorted(by_season.items(), key=lambda kv: -kv[0])
    notices = session.scalars(
        select(Notice)
        .where(Notice.id.in_(notice_ids) | (Notice.committee == name))
        .order_by(Notice.published.desc().nulls_last(), Notice.id.desc())
    ).all()
    titles = {n.id: (n.title, n.url) for n in notices}
    changes: list[Change] = []
    by_key: dict[str, list[Window]] = defaultdict(list)
    for w in windows:
        by_key[w.key].append(w)
    for versions in by_key.values():
        versions.sort(key=lambda v: v.version)
        for old, new in pairwise(versions):
            title, url = titles.get(new.notice_id or -1, ("", ""))
            changes.append(
                Change(
                    kind=new.kind,
                    old=_dates(old.start, old.end),
                    new=_dates(new.start, new.end),
                    when=from_utc_naive(new.created_at, config.tz).strftime("%Y-%m-%d %H:%M"),
                    notice_title=title,
                    notice_url=url,
                )
            )
    changes.sort(key=lambda c: c.when, reverse=True)
    return CommitteePage(
        name=name,
        seasons=seasons,
        notices=[
            {"id": n.id, "title": n.title, "url": n.url, "published": n.published or n.listing_date}
            for n in notices
        ],
        changes=changes,
    )


# --- the Atom feed's entries -----------------------------------------------------------------------


@dataclass(frozen=True)
class FeedEntry:
    id: str  # stable: the same notice or change is the same entry on every poll
    title: str
    updated: datetime  # aware UTC
    summary: str
    link: str  # the notice's address (untrusted: the feed links it only when http(s))
    committee: str


def feed_entries(config: Config, session: Session, now: datetime, filters: Filters) -> list[FeedEntry]:
    """New notices and window changes of the last FEED_DAYS days, newest first."""
    since = (now.astimezone(UTC) - timedelta(days=FEED_DAYS)).replace(tzinfo=None)
    out: list[FeedEntry] = []
    if not filters.kinds:
        notices = session.scalars(
            select(Notice).where(
                Notice.first_seen >= since,
                Notice.fetch_status.in_((FetchStatus.FETCHED, FetchStatus.EXTERNAL, FetchStatus.FAILED)),
            )
        ).all()
        for n in notices:
            if filters.committee and filters.committee not in (n.committee or n.title):
                continue
            out.append(
                FeedEntry(
                    id=f"urn:zcwatch:notice:{n.id}",
                    title=f"新通知：{n.title}",
                    updated=n.first_seen.replace(tzinfo=UTC),
                    summary=f"发布日期：{n.published or n.listing_date or '-'}",
                    link=n.url,
                    committee=n.committee or "",
                )
            )
    changed = session.execute(
        select(Window, Notice)
        .outerjoin(Notice, Notice.id == Window.notice_id)
        .where(Window.version > 1, Window.created_at >= since)
    ).all()
    wanted = [
        (w, notice)
        for w, notice in changed
        if not (filters.committee and filters.committee not in w.committee)
        and not (filters.kinds and w.kind not in filters.kinds)
    ]
    # Every version of the changed windows in one query, not one query per change.
    versions: dict[str, dict[int, Window]] = defaultdict(dict)
    keys = {w.key for w, _ in wanted}
    if keys:
        for v in session.scalars(select(Window).where(Window.key.in_(keys))):
            versions[v.key][v.version] = v
    for w, notice in wanted:
        earlier = [n for n in versions[w.key] if n < w.version]
        old = versions[w.key][max(earlier)] if earlier else None
        before = _dates(old.start, old.end) if old else "-"
        out.append(
            FeedEntry(
                id=f"urn:zcwatch:window:{w.key}:{w.version}",
                title=f"日期变更：{w.committee} {kind_label(w.kind)}",
                updated=w.created_at.replace(tzinfo=UTC),
                summary=f"原日期 {before} → 新日期 {_dates(w.start, w.end)}",
                link=notice.url if notice else "",
                committee=w.committee,
            )
        )
    out.sort(key=lambda e: (e.updated, e.id), reverse=True)
    return out[:FEED_ENTRIES]
