"""The digest as format-neutral tables: one section per list, with headings, columns and rows.

Text, Markdown and HTML show the same sections with the same columns; building them once here
keeps the three in step. Cell strings are cleaned (one line, no control characters) but NOT
escaped: escaping belongs to each output format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ._common import clean, days_left_label, fmt_range, fmt_when, starts_in_label
from .model import Digest, DigestEntry, kind_label

COMMITTEE = "委员会"
KIND = "环节"
NOTICE = "通知"


@dataclass(frozen=True)
class Link:
    """A notice reference: the title, and the raw URL (renderers decide whether to link it)."""

    text: str
    url: str


@dataclass(frozen=True)
class Row:
    cells: list[str]
    link: Link | None = None
    predicted: bool = False
    urgent: bool = False  # closes within `urgent_days` (3 in the digest): worth highlighting
    evidence: str = ""
    committee: str = ""  # the committee as stored, for the board's link to its page
    reviewed: bool = False  # confirmed or corrected by staff: marked 人工核对 next to the step


@dataclass(frozen=True)
class Section:
    key: str  # the Digest attribute it came from; also an HTML id
    title: str
    empty: str  # the one line shown when there are no rows
    headers: list[str]  # the data columns; the notice link column comes after them
    rows: list[Row] = field(default_factory=list)
    note: str = ""  # a caveat printed under the heading
    kind_col: int | None = 1  # where to mark predicted rows


URGENT_DAYS = 3

Cell = Callable[[DigestEntry, Digest], str]

# The columns a window section can show, by header.
_COLUMNS: dict[str, Cell] = {
    COMMITTEE: lambda e, d: clean(e.committee) or "-",
    KIND: lambda e, d: clean(kind_label(e.kind)) or "-",
    "开始": lambda e, d: fmt_when(e.start),
    "截止": lambda e, d: fmt_when(e.end),
    "距开始": starts_in_label,
    "剩余天数": lambda e, d: days_left_label(e),
    "状态": lambda e, d: days_left_label(e),
    "原日期": lambda e, d: fmt_range(e.previous_start, e.previous_end),
    "新日期": lambda e, d: fmt_range(e.start, e.end),
}


@dataclass(frozen=True)
class _Spec:
    key: str  # the Digest attribute holding the section's entries
    title: str  # may name {days}, the digest's horizon
    empty: str
    columns: tuple[str, ...]
    note: str = ""


# The window sections in display order; needs-review (notices, not windows) follows them.
_WINDOW_SECTIONS = (
    _Spec("open_now", "正在申报", "暂无正在申报的窗口", (COMMITTEE, KIND, "开始", "截止", "剩余天数")),
    _Spec(
        "opening_soon",
        "{days}天内开始",
        "{days}天内没有将要开始的窗口",
        (COMMITTEE, KIND, "开始", "截止", "距开始", "剩余天数"),
    ),
    _Spec("recently_closed", "最近截止", "最近7天没有截止的窗口", (COMMITTEE, KIND, "开始", "截止", "状态")),
    _Spec("recently_changed", "最近变更", "没有日期变更", (COMMITTEE, KIND, "原日期", "新日期", "剩余天数")),
    _Spec(
        "estimates",
        "预估（据上年度）",
        "没有预估的窗口",
        (COMMITTEE, KIND, "开始", "截止", "剩余天数"),
        note="按上年度日期推算，仅供参考，以正式通知为准。",
    ),
)


def _row(entry: DigestEntry, digest: Digest, columns: tuple[str, ...], urgent_days: int) -> Row:
    return Row(
        cells=[_COLUMNS[c](entry, digest) for c in columns],
        link=Link(clean(entry.notice_title) or clean(entry.notice_url) or "-", clean(entry.notice_url)),
        predicted=entry.predicted,
        reviewed=entry.reviewed,
        urgent=entry.status != "closed" and entry.days_left is not None and entry.days_left <= urgent_days,
        evidence=clean(entry.evidence),
        committee=entry.committee,
    )


def build_sections(digest: Digest, urgent_days: int = URGENT_DAYS) -> list[Section]:
    """The six digest sections in display order; rows closing within ``urgent_days`` are urgent."""
    sections = [
        Section(
            key=spec.key,
            title=spec.title.format(days=digest.days),
            empty=spec.empty.format(days=digest.days),
            headers=list(spec.columns),
            rows=[_row(e, digest, spec.columns, urgent_days) for e in getattr(digest, spec.key)],
            note=spec.note,
        )
        for spec in _WINDOW_SECTIONS
    ]
    sections.append(
        Section(
            key="needs_review",
            title="需人工核对",
            empty="没有需要人工核对的通知",
            headers=["发布日期"],
            rows=[
                Row(
                    cells=[fmt_when(n.published)],
                    link=Link(clean(n.title) or clean(n.url) or "-", clean(n.url)),
                )
                for n in digest.needs_review
            ],
            note="以下通知的日期未能自动识别，请打开原文核对。",
            kind_col=None,
        )
    )
    return sections
