"""The season timeline's geometry: one row per committee, one bar per window, today as a line.

Pure arithmetic on days; ``templates/timeline.svg`` draws it. The drawing is wider than a phone
(``WIDTH`` user units at 1 px each) and sits in a box that scrolls on its own, so bars stay readable at
390 px instead of shrinking to slivers; printed, it scales to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .board import CommitteeRow

WIDTH = 960
LABEL_WIDTH = 230  # the committee names' column
ROW_HEIGHT = 26
BAR_HEIGHT = 14
TOP = 34  # room for the month labels
MARKER = 6  # a window with one known date is a short mark at that date
PAD_DAYS = 7
MAX_LABEL = 16  # characters of a committee name; the full name is in the bar's tooltip and the tables


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    kind: str
    predicted: bool
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Row:
    y: float
    label: str
    full: str
    bars: list[Bar]


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    label_width: int
    rows: list[Row]
    ticks: list[Tick]
    today_x: float | None
    today_label: str
    first: date
    last: date
    kinds: list[str]  # the steps drawn, for the legend

    @property
    def empty(self) -> bool:
        return not self.rows


def _short(name: str) -> str:
    return name if len(name) <= MAX_LABEL else name[: MAX_LABEL - 1] + "…"


def layout(rows: list[CommitteeRow], today: date) -> Timeline:
    days = [d for r in rows for s in r.spans for d in (s.start, s.end) if d is not None]
    first = min([*days, today]) - timedelta(PAD_DAYS)
    last = max([*days, today]) + timedelta(PAD_DAYS)
    span = max((last - first).days, 1)
    plot = WIDTH - LABEL_WIDTH - 10

    def x(d: date) -> float:
        return round(LABEL_WIDTH + plot * (d - first).days / span, 1)

    out_rows = []
    kinds: list[str] = []
    for i, r in enumerate(rows):
        y = TOP + i * ROW_HEIGHT
        bars = []
        for s in r.spans:
            if s.kind not in kinds:
                kinds.append(s.kind)
            if s.start is not None and s.end is not None and s.end >= s.start:
                left, width = x(s.start), max(x(s.end + timedelta(1)) - x(s.start), 2.0)
            else:
                at = s.end if s.end is not None else s.start
                assert at is not None
                left, width = x(at) - MARKER / 2, float(MARKER)
            bars.append(
                Bar(left, y + (ROW_HEIGHT - BAR_HEIGHT) / 2, round(width, 1), s.kind, s.predicted, s.label)
            )
        out_rows.append(Row(y, _short(r.committee), r.committee, bars))
    ticks = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            ticks.append(Tick(x(month), f"{month.month}月" if month.month != 1 else f"{month.year}年1月"))
        month = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return Timeline(
        width=WIDTH,
        height=TOP + max(len(rows), 1) * ROW_HEIGHT + 8,
        label_width=LABEL_WIDTH,
        rows=out_rows,
        ticks=ticks,
        today_x=x(today) if first <= today <= last else None,
        today_label=f"今天 {today.month}月{today.day}日",
        first=first,
        last=last,
        kinds=kinds,
    )
