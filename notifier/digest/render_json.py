"""Machine-readable digest: a JSON array of windows. OTHER TOOLS READ THIS; KEEP IT STABLE.

Format (UTF-8, ``ensure_ascii=False``, two-space indent)::

    [
      {
        "committee":    str,          // as scraped
        "kind":         str,          // apply | accept | unit_review | paper | fee | review | other
        "start":        str | null,   // "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (Shanghai); null: bare deadline
        "end":          str | null,   // same; null: unknown
        "status":       str,          // upcoming | open | closed
        "days_left":    int | null,   // whole days from the digest date to the end; negative when closed
        "notice_url":   str,          // as scraped: NOT validated, check the scheme before following it
        "notice_title": str,
        "predicted":    bool          // true: estimated from last season's dates, not published
      },
      ...
    ]

Exactly these keys, in this order. The array holds ``open_now``, then ``opening_soon``, then
``recently_closed``, then ``estimates``, each in the digest's order; a window appearing in more
than one list is emitted once, at its first position (deduplicated by ``window_key``).
``recently_changed`` and ``needs_review`` are not included. Values are passed through as the
model holds them (no cleaning), so consumers see exactly what the database has.
"""

from __future__ import annotations

import json
from typing import Any

from ._common import unique_windows
from .model import Digest, DigestEntry

JSON_KEYS = (
    "committee",
    "kind",
    "start",
    "end",
    "status",
    "days_left",
    "notice_url",
    "notice_title",
    "predicted",
)


def entry_to_json(entry: DigestEntry) -> dict[str, Any]:
    """One window as a JSON object (keys in ``JSON_KEYS`` order)."""
    return {key: getattr(entry, key) for key in JSON_KEYS}


def render_json(digest: Digest) -> str:
    windows = unique_windows(digest.open_now, digest.opening_soon, digest.recently_closed, digest.estimates)
    return json.dumps([entry_to_json(e) for e in windows], ensure_ascii=False, indent=2) + "\n"
