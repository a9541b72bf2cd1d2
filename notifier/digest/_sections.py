"""The digest as format-neutral tables: one section per list, with headings, columns and rows.

Text, Markdown and HTML show the same sections with the same columns; building them once here
keeps the three in step. Cell strings are cleaned (one line, no control characters) but NOT
escaped: escaping belongs to each output format.
"""

from __future__ import annotations

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
    urgent: bool = False  # closes within 3 days: worth highlighting
    evidence: str = ""


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


def _row(entry: DigestEntry, cells: list[str]) -> Row:
    return Row(
        cells=cells,
        link=Link(clean(entry.notice_title) or clean(entry.notice_url) or "-", clean(entry.notice_url)),
        predicted=entry.predicted,
        urgent=entry.status != "closed" and entry.days_left is not None and entry.days_left <= URGENT_DAYS,
        evidence=clean(entry.evidence),
    )


def _head(entry: DigestEntry) -> list[str]:
    return [clean(entry.committee) or "-", clean(kind_label(entry.kind)) or "-"]


def build_sections(digest: Digest) -> list[Section]:
    """The six digest sections in display order."""
    sections: list[Section] = []

    sections.append(
        Section(
            key="open_now",
            title="正在申报",
            empty="暂无正在申报的窗口",
            headers=[COMMITTEE, KIND, "开始", "截止", "剩余天数"],
            rows=[
                _row(e, [*_head(e), fmt_when(e.start), fmt_when(e.end), days_left_label(e)])
                for e in digest.open_now
            ],
        )
    )
    sections.append(
        Section(
            key="opening_soon",
            title=f"{digest.days}天内开始",
            empty=f"{digest.days}天内没有将要开始的窗口",
            headers=[COMMITTEE, KIND, "开始", "截止", "距开始", "剩余天数"],
            rows=[
                _row(
                    e,
                    [
                        *_head(e),
                        fmt_when(e.start),
                        fmt_when(e.end),
                        starts_in_label(e, digest),
                        days_left_label(e),
                    ],
                )
                for e in digest.opening_soon
            ],
        )
    )
    sections.append(
        Section(
            key="recently_closed",
            title="最近截止",
            empty="最近7天没有截止的窗口",
            headers=[COMMITTEE, KIND, "开始", "截止", "状态"],
            rows=[
                _row(e, [*_head(e), fmt_when(e.start), fmt_when(e.end), days_left_label(e)])
                for e in digest.recently_closed
            ],
        )
    )
    sections.append(
        Section(
            key="recently_changed",
            title="最近变更",
            empty="没有日期变更",
            headers=[COMMITTEE, KIND, "原日期", "新日期", "剩余天数"],
            rows=[
                _row(
                    e,
                    [
                        *_head(e),
                        fmt_range(e.previous_start, e.previous_end),
                        fmt_range(e.start, e.end),
                        days_left_label(e),
                    ],
                )
                for e in digest.recently_changed
            ],
        )
    )
    sections.append(
        Section(
            key="estimates",
            title="预估（据上年度）",
            empty="没有预估的窗口",
            headers=[COMMITTEE, KIND, "开始", "截止", "剩余天数"],
            rows=[
                _row(e, [*_head(e), fmt_when(e.start), fmt_when(e.end), days_left_label(e)])
                for e in digest.estimates
            ],
            note="按上年度日期推算，仅供参考，以正式通知为准。",
        )
    )
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
