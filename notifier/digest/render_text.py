"""Plain-text digest for terminals and e-mail bodies, with tables that line up.

Columns are padded by display width (``textwidth``), not by ``len()``, so Chinese committee
names and ASCII dates stay aligned. Cells never contain two spaces in a row (``clean``
collapses whitespace) and columns are separated by exactly two or more spaces, so the layout is
also easy to parse back. Notice titles and URLs are long, so rows carry a ``[n]`` reference and
the notices are listed under each table instead of widening it.

Given a terminal ``width`` (the CLI passes the terminal's when it writes to one), a section whose
table would be wider turns into one block per window instead: the committee on its own line, then
the other columns as ``header：value`` fields under it, broken into lines at the same places in
every block and padded alike, so the blocks line up and nothing wraps mid-date in an 80-column
terminal. Without a width (files, pipes, e-mail) the tables are always tables.
"""

from __future__ import annotations

from core.vocabulary import REVIEWED_LABEL

from ._common import fmt_generated
from ._sections import COMMITTEE, NOTICE, Link, Section, build_sections
from .model import Digest
from .textwidth import display_width, pad, truncate, wrap

COLUMN_GAP = "  "
# Longest committee name shown in a table; the full name is rarely needed to recognise it.
# A changed window's old and new ranges are never cut: with times they are 44 columns wide
# ("2025-12-01(一) 09:00 至 2025-12-26(五) 17:30") and the new deadline is the point of the row.
MAX_WIDTH = {COMMITTEE: 36, "原日期": 44, "新日期": 44}
DEFAULT_MAX_WIDTH = 40
PREDICTED_MARK = "（预估）"
REVIEWED_MARK = f"（{REVIEWED_LABEL}）"
# Narrower than this, a block's fields would wrap one per line anyway: treat the terminal as this wide.
MIN_WIDTH = 40
BLOCK_INDENT = "  "


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


def _group_fields(widths: list[int], width: int) -> list[list[int]]:
    """Field indices grouped into lines of at most ``width`` columns (indent and gaps included)."""
    groups: list[list[int]] = []
    used = 0
    for i, w in enumerate(widths):
        extra = w if not groups or not groups[-1] else len(COLUMN_GAP) + w
        if groups and groups[-1] and used + extra <= width:
            groups[-1].append(i)
            used += extra
        else:
            groups.append([i])
            used = len(BLOCK_INDENT) + w
    return groups


def format_blocks(headers: list[str], rows: list[list[str]], width: int) -> list[str]:
    """One block per row: the first column (the committee) on its own line, the other columns as
    ``header：value`` fields under it. The fields break into lines at the same places in every block
    and are padded to the widest of their column, so the blocks line up like a table's rows."""
    fields = [[f"{h}：{cell}" for h, cell in zip(headers[1:], row[1:], strict=True)] for row in rows]
    widths = [max(display_width(f[i]) for f in fields) for i in range(len(headers) - 1)]
    groups = _group_fields(widths, width)
    lines: list[str] = []
    for row, row_fields in zip(rows, fields, strict=True):
        lines.append(truncate(row[0], width))
        for group in groups:
            cells = [pad(row_fields[i], widths[i]) for i in group]
            lines.append((BLOCK_INDENT + COLUMN_GAP.join(cells)).rstrip())
    return lines


def _section_lines(section: Section, width: int | None = None) -> list[str]:
    lines = [f"【{section.title}】{len(section.rows)}项" if section.rows else f"【{section.title}】"]
    if not section.rows:
        lines.append(f"（{section.empty}）")
        return lines
    if section.note:
        lines.extend(wrap(section.note, width) if width else [section.note])

    # Number each distinct notice once per section, in order of first appearance.
    refs: dict[Link, int] = {}
    table_rows: list[list[str]] = []
    for row in section.rows:
        cells = list(row.cells)
        if row.predicted and section.kind_col is not None:
            cells[section.kind_col] += PREDICTED_MARK
        if row.reviewed and section.kind_col is not None:
            cells[section.kind_col] += REVIEWED_MARK
        if row.link is not None:
            n = refs.setdefault(row.link, len(refs) + 1)
            cells.append(f"[{n}]")
        else:
            cells.append("-")
        table_rows.append(cells)
    headers = [*section.headers, NOTICE]
    table = format_table(headers, table_rows, MAX_WIDTH)
    if width is not None and display_width(table[0]) > width:
        lines.extend(format_blocks(headers, table_rows, width))
    else:
        lines.extend(table)
    for link, n in refs.items():
        ref = f"[{n}] {link.text}"
        lines.extend(wrap(ref, width, indent="    ") if width else [ref])
        if link.url:  # never cut: a terminal wraps a long URL and keeps it clickable
            lines.append(f"    {link.url}")
    return lines


def render_text(digest: Digest, width: int | None = None) -> str:
    """The digest as aligned text; with ``width``, sections too wide for it become blocks (see above)."""
    fit = max(width, MIN_WIDTH) if width is not None else None
    generated = fmt_generated(digest)
    out = [f"职称评审申报提醒  生成于 {generated}（北京时间）", ""]
    for section in build_sections(digest):
        out.extend(_section_lines(section, fit))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
