"""Plain-text digest for terminals and e-mail bodies, with tables that line up.

Columns are padded by display width (``textwidth``), not by ``len()``, so Chinese committee
names and ASCII dates stay aligned. Cells never contain two spaces in a row (``clean``
collapses whitespace) and columns are separated by exactly two or more spaces, so the layout is
also easy to parse back. Notice titles and URLs are long, so rows carry a ``[n]`` reference and
the notices are listed under each table instead of widening it.
"""

from __future__ import annotations

from ._common import fmt_generated
from ._sections import COMMITTEE, NOTICE, Link, Section, build_sections
from .model import Digest
from .textwidth import display_width, pad, truncate

COLUMN_GAP = "  "
# Longest committee name shown in a table; the full name is rarely needed to recognise it.
# A changed window's old and new ranges are never cut: with times they are 44 columns wide
# ("2025-12-01(一) 09:00 至 2025-12-26(五) 17:30") and the new deadline is the point of the row.
MAX_WIDTH = {COMMITTEE: 36, "原日期": 44, "新日期": 44}
DEFAULT_MAX_WIDTH = 40
PREDICTED_MARK = "（预估）"


def format_table(
    headers: list[str], rows: list[list[str]], max_width: dict[str, int] | None = None
) -> list[str]:
    """Lines of an aligned table: header, dashes, rows; every line has the same display width."""
    limits = max_width or {}
    cut_rows = [
        [truncate(cell, limits.get(headers[i], DEFAULT_MAX_WIDTH)) for i, cell in enumerate(row)]
        for row in rows
    ]
    widths = [display_width(h) for h in headers]
    for row in cut_rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], display_width(cell))
    lines = [COLUMN_GAP.join(pad(h, widths[i]) for i, h in enumerate(headers))]
    lines.append(COLUMN_GAP.join("-" * w for w in widths))
    lines.extend(COLUMN_GAP.join(pad(cell, widths[i]) for i, cell in enumerate(row)) for row in cut_rows)
    return lines


def _section_lines(section: Section) -> list[str]:
    lines = [f"【{section.title}】{len(section.rows)}项" if section.rows else f"【{section.title}】"]
    if not section.rows:
        lines.append(f"（{section.empty}）")
        return lines
    if section.note:
        lines.append(section.note)

    # Number each distinct notice once per section, in order of first appearance.
    refs: dict[Link, int] = {}
    table_rows: list[list[str]] = []
    for row in section.rows:
        cells = list(row.cells)
        if row.predicted and section.kind_col is not None:
            cells[section.kind_col] += PREDICTED_MARK
        if row.link is not None:
            n = refs.setdefault(row.link, len(refs) + 1)
            cells.append(f"[{n}]")
        else:
            cells.append("-")
        table_rows.append(cells)
    lines.extend(format_table([*section.headers, NOTICE], table_rows, MAX_WIDTH))
    for link, n in refs.items():
        lines.append(f"[{n}] {link.text}")
        if link.url:
            lines.append(f"    {link.url}")
    return lines


def render_text(digest: Digest) -> str:
    generated = fmt_generated(digest)
    out = [f"职称评审申报提醒  生成于 {generated}（北京时间）", ""]
    for section in build_sections(digest):
        out.extend(_section_lines(section))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
