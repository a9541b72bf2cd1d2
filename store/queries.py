"""Read-side queries shared by the CLI commands (notices listing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from core.vocabulary import WindowStatus
from store.db import reading
from store.models import Notice, Source, Window


def notices_as_json(
    engine: Engine, since: date | None = None, *, with_ids: bool = False
) -> list[dict[str, Any]]:
    """The stable `zcwatch notices --format json` shape, newest first.

    ``[{"url","title","published","committee","source","changed_at","windows":[{"committee","kind","start",
    "end","evidence","confidence"}]}]``: ``source`` is the configured source name; ``windows`` are the
    current ones, each with its own committee (a notice may announce several committees' windows) and the
    extractor's confidence (null when unknown). ``with_ids`` (the web API) puts the notice's ``id`` first.
    """
    with Session(reading(engine)) as s:
        q = (
            select(Notice, Source.name)
            .join(Source, Notice.source_id == Source.id)
            .options(selectinload(Notice.windows))
            .order_by(Notice.published.desc().nulls_last(), Notice.listing_date.desc(), Notice.id.desc())
        )
        if since is not None:
            q = q.where(
                (Notice.published >= since.isoformat())
                | (Notice.published.is_(None) & (Notice.listing_date >= since.isoformat()))
            )
        out = []
        for notice, source_name in s.execute(q):
            out.append(
                {
                    **({"id": notice.id} if with_ids else {}),
                    "url": notice.url,
                    "title": notice.title,
                    "published": notice.published or notice.listing_date,
                    "committee": notice.committee,
                    "source": source_name,
                    "changed_at": notice.changed_at.isoformat() + "Z" if notice.changed_at else None,
                    "windows": [_window(w) for w in notice.windows if w.status == WindowStatus.CURRENT],
                }
            )
        return out


def _window(w: Window) -> dict[str, Any]:
    return {
        "committee": w.committee,
        "kind": w.kind,
        "start": w.start,
        "end": w.end,
        "evidence": w.evidence,
        "confidence": w.confidence,
    }
