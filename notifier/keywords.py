"""Subscriber committee keywords that match no committee zcwatch has seen (a typo: 卫士 for 卫生).

A subscriber's ``committees`` are substrings of a window's committee name (``planner``): a keyword that is
in none of the names stored so far will most likely never match, and the subscriber would hear nothing.
``zcwatch config`` and ``subscribers list`` warn about them; nothing is refused, because a committee may
simply not have announced yet.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from core.config import Subscriber
from store.db import reading
from store.models import Window


@dataclass(frozen=True)
class UnmatchedKeyword:
    subscriber: str
    keyword: str
    closest: str | None  # the seen committee name that looks most like it, if any does

    def warning(self) -> str:
        hint = f" (did you mean a part of {self.closest}?)" if self.closest else ""
        return (
            f"warning: subscriber {self.subscriber}: committee keyword {self.keyword!r} matches no committee "
            f"seen so far{hint}"
        )


def committees_seen(engine: Engine) -> set[str]:
    """Every committee name a stored window carries (read-only: no write lock)."""
    with Session(reading(engine)) as s:
        return set(s.scalars(select(Window.committee).distinct()))


def unmatched_keywords(subscribers: Iterable[Subscriber], seen: set[str]) -> list[UnmatchedKeyword]:
    """The keywords of ``subscribers`` found in none of ``seen``; nothing when nothing was seen yet."""
    if not seen:
        return []
    out = []
    for sub in subscribers:
        for keyword in sub.committees:
            if any(keyword in name for name in seen):
                continue
            out.append(UnmatchedKeyword(sub.name, keyword, _closest(keyword, seen)))
    return out


def _closest(keyword: str, seen: set[str]) -> str | None:
    # Compare with every same-length piece of every name: 卫士 is one character from 卫生 inside a name.
    best, best_ratio = None, 0.0
    for name in sorted(seen):
        for i in range(max(1, len(name) - len(keyword) + 1)):
            ratio = difflib.SequenceMatcher(None, keyword, name[i : i + len(keyword)]).ratio()
            if ratio > best_ratio:
                best, best_ratio = name, ratio
    return best if best_ratio >= 0.5 else None
