"""The Window record: one application step of a notice with its dates.

Kept separate from the parsing code so the store and notifier can import the type
without pulling in the regular expressions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Window:
    """A step's window. ``start``/``end`` are ISO dates, or ``YYYY-MM-DDTHH:MM`` when a time was given.

    ``evidence`` is the notice's own text the window was read from (as written, traditional
    characters included). ``committee`` is the committee a row, list item or heading of the
    notice gives this window when the notice announces several committees' windows; ``None``
    means the notice's committee. ``reason`` says why the window was read so (which label or
    keyword gave the kind, which pattern the dates), ``confidence`` how sure the reading is
    (0–1: a step named by a label is surer than one guessed from a keyword, a heading or
    nothing; a row's committee is surer than one carried over from a heading).
    """

    kind: str
    start: str | None
    end: str | None
    evidence: str
    committee: str | None = None
    reason: str = ""
    confidence: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "evidence": self.evidence,
            "committee": self.committee,
            "reason": self.reason,
            "confidence": self.confidence,
        }
