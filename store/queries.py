"""Read-side queries shared by the CLI commands (notices listing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, Row, select

from core.vocabulary import WindowStatus
from store.engine import reading
from store.tables import notices, sources, windows


def notices_as_json(
    engine: Engine, since: date | None = None, *, with_ids: bool = False
) -> list[dict[str, Any]]:
    """The stable `zcwatch notices --format json` shape, newest first.

    ``[{"url","title","published","committee","source","changed_at","windows":[{"committee","kind","start",
    "end","evidence","confidence"}]}]``: ``source`` is the configured source name; ``windows`` are the
    current ones, each with its own committee (a notice may announce several committees' windows) and the
    extractor's confidence (null when unknown). ``with_ids`` (the web API) puts the notice's ``id`` first.

    Two Core queries (the notices, then all their current windows), not the ORM: a read-only command
    need not import it (issue 18).
    """
    picked = []
    if since is not None:
        picked.append(
            (notices.c.published >= since.isoformat())
            | (notices.c.published.is_(None) & (notices.c.listing_date >= since.isoformat()))
        )
    with reading(engine).connect() as conn:
        rows = conn.execute(
            select(notices, sources.c.name.label("source_name"))
            .join(sources, notices.c.source_id == sources.c.id)
            .where(*picked)
            .order_by(
                notices.c.published.desc().nulls_last(), notices.c.listing_date.desc(), notices.c.id.desc()
            )
        ).all()
        by_notice: dict[int, list[dict[str, Any]]] = {}
        for w in conn.execute(
            select(windows)
            .join(notices, windows.c.notice_id == notices.c.id)
            .where(windows.c.status == WindowStatus.CURRENT, *picked)
            .order_by(windows.c.id)
        ):
            by_notice.setdefault(w.notice_id, []).append(_window(w))
    return [
        {
            **({"id": n.id} if with_ids else {}),
            "url": n.url,
            "title": n.title,
            "published": n.published or n.listing_date,
            "committee": n.committee,
            "source": n.source_name,
            "changed_at": n.changed_at.isoformat() + "Z" if n.changed_at else None,
            "windows": by_notice.get(n.id, []),
        }
        for n in rows
    ]


def _window(w: Row[Any]) -> dict[str, Any]:
    return {
        "committee": w.committee,
        "kind": w.kind,
        "start": w.start,
        "end": w.end,
        "evidence": w.evidence,
        "confidence": w.confidence,
    }
