"""The Window record: one application step of a notice with its dates.

Kept separate from the parsing code so the store and notifier can import the type
without pulling in the regular expressions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Window:
    """A step's window. ``start``/``end`` are ISO dates, or ``YYYY-MM-DDTHH:MM`` when a time was given."""

    kind: str
    start: str | None
    end: str | None
    evidence: str

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "start": self.start, "end": self.end, "evidence": self.evidence}
