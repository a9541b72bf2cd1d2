"""Schedule tables in notice HTML: one window per row and date column.

The city's season notice and some committee offices list committees in a table
(``评委会名称 | 受理时间 | 评审时间 | 联系电话``, sometimes with merged cells and two header rows).
Flattened to text, a row loses which column a date sat in, so ``extract_notice_html`` reads
such tables from the HTML: merged cells (rowspan/colspan) are spread over the grid, header rows
give each column its label, and every date cell becomes a segment whose step comes from its
column header (or the row's step cell) and whose committee comes from the row. Everything else
on the page, and tables that are not schedules (label/value pairs), is read as text.
"""

from __future__ import annotations

import re
from datetime import date

from bs4 import BeautifulSoup, Tag

from .committee import is_full_name
from .html import parse_html, soup_to_text
from .kinds import label_kind
from .layout import (
    COMMITTEE_HEADER,
    DATE,
    HEADER_WORD,
    SKIP_HEADER,
    STEP_HEADER,
    TIME_HEADER,
    Segment,
    segment_spans,
)
from .model import Window
from .numerals import normalise
from .traditional import simplified_sentences, to_simplified
from .windows import extract_segments

_MAX_SPAN = 50  # rowspan/colspan beyond this is a broken page, not a layout
_MARK = "⟦表{}⟧"
_MARKED = re.compile(r"⟦表(\d+)⟧")
_BLOCK_IN_CELL = ["p", "div", "li"]
# A dash or blank (—, -, /, 无) in a name cell names nobody: 卫生系列 | — is 卫生系列's row.
# Nor does a row for all of them (共同环节 | 评审费缴纳：…).
_NO_NAME = re.compile(r"\s*(?:[—–\-－/／]+|无|暂无|共同环节|共同事项|通用环节|全部|所有评委会|各评委会)?\s*")


def _cell_text(cell: Tag) -> str:
    for block in cell.find_all(_BLOCK_IN_CELL):
        block.append("\n")
    lines = (" ".join(line.split()) for line in cell.get_text().splitlines())
    return "\n".join(line for line in lines if line)


def _span(cell: Tag, name: str) -> int:
    try:
        return max(1, min(_MAX_SPAN, int(str(cell.get(name) or 1))))
    except ValueError:
        return 1


def _grid(table: Tag) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """The table's cell texts with merged cells repeated in every row and column they cover, and the
    (row, column) places that a cell on their left covers by its colspan."""
    grid: list[list[str]] = []
    spread: set[tuple[int, int]] = set()
    carry: dict[int, tuple[str, int, bool]] = {}  # column -> (text, rows still covered, spread from the left)
    for tr in table.find_all("tr"):
        row: dict[int, str] = {}
        wide: set[int] = set()
        for col, (text, left, right_of) in list(carry.items()):
            row[col] = text
            if right_of:
                wide.add(col)
            if left <= 1:
                del carry[col]
            else:
                carry[col] = (text, left - 1, right_of)
        col = 0
        for cell in tr.find_all(["td", "th"]):
            while col in row:
                col += 1
            text = _cell_text(cell)
            rows, cols = _span(cell, "rowspan"), _span(cell, "colspan")
            for k in range(cols):
                row[col + k] = text
                if k:
                    wide.add(col + k)
                if rows > 1:
                    carry[col + k] = (text, rows - 1, k > 0)
            col += cols
        if row:
            spread.update((len(grid), c) for c in wide)
            grid.append([row.get(i, "") for i in range(max(row) + 1)])
    return grid, spread


# Who does a step or owns the committee, not whose committee it is: 责任部门 | 科研处、人事处, 组建单位.
_NOT_COMMITTEE_HEADER = re.compile(r"责任|负责|经办|承办|办理|组建|主管|牵头|实施")
_SERIES_FIRST = re.compile(r"\s?([\u4e00-\u9fff]{1,10}系列)\s?:")


# A time split into two columns under one header (时间 | 开始 | 截止): the row's one window, start to end.
_FROM_HEADER = re.compile(r"(?:开始|起始|起)(?:时间|日期)?\s*$")
_TO_HEADER = re.compile(r"(?:截止|截至|结束|止)(?:时间|日期)?\s*$")


_COLUMN_NAME = re.compile(r"(?:评审委员会|评委会|高评委|中评委|初评委|系列)(?:\([\u4e00-\u9fff]{2,8}\))?$")


# A table whose rows are steps and whose other columns are committees named by series or level only
# (工作环节 | 中小学教师高级 | 中职教师; 院内环节 | 申报高级（主任、副主任医师等） | 申报卫生研究系列): the
# header less its note in brackets and the verb before it is the column's committee.
_COLUMN_NOTE = re.compile(r"[(（][^)）]*[)）]")
_COLUMN_VERB = re.compile(r"^(?:申报|报考|参评)")


def _committee_columns(headers: list[str], dated: set[int], steps: list[str]) -> dict[int, str]:
    """Each dated column's committee in a table whose columns are the committees, else {}.

    Named ones (卫生高评委, 会计系列) always; otherwise only where the step column's cells are steps (most
    have a step's kind) and no dated column is headed by a time, so the columns can only be whose.
    """
    named = {c: normalise(headers[c]) for c in dated if _COLUMN_NAME.search(normalise(headers[c]))}
    whose = (
        len(dated) >= 2
        and steps
        and not any(TIME_HEADER.search(headers[c]) or SKIP_HEADER.search(headers[c]) for c in dated)
        and 2 * sum(1 for s in steps if _kind(s)) >= len(steps)
    )
    if not whose:
        return named
    return {c: _COLUMN_VERB.sub("", _COLUMN_NOTE.sub("", normalise(headers[c]))).strip() for c in dated}


def _from_to_columns(headers: list[str], dated: set[int]) -> dict[int, int]:
    """Start column -> its end column, for neighbouring dated columns headed 开始 and 截止."""
    return {
        c: c + 1
        for c in dated
        if c + 1 in dated and _FROM_HEADER.search(headers[c]) and _TO_HEADER.search(headers[c + 1])
    }


def _joined(start: str, end: str) -> str:
    """Two cells of one window as the range a notice would write (3月2日至3月27日).

    Cells of as many dated lines (one per committee of the row, 经济<br/>统计) pair up line by line; any other
    cell is one line (3月20日<br/>17:30 is the date and its time), so no end is lost.
    """
    starts, ends = start.splitlines(), end.splitlines()
    dated = all(DATE.search(normalise(x)) for x in starts + ends)
    if not (len(starts) == len(ends) > 1 and dated):
        starts, ends = [" ".join(x.strip() for x in starts)], [" ".join(x.strip() for x in ends)]
    return "\n".join(
        f"{a}至{b}" if a and b else f"{a}起" if a else f"截止{b}" if b else ""
        for a, b in zip(starts, ends, strict=True)
    )


def _cell_names(cell: str) -> list[str | None]:
    """The committee names of a row's name cells: one per line when every line is a full name."""
    lines = [normalise(x) for x in cell.splitlines() if x.strip()]
    if len(lines) > 1 and all(is_full_name(x) for x in lines):
        return list(lines)
    return [normalise(cell)]


def _full_width(row: list[str]) -> bool:
    """One cell over the whole row (colspan): a title, a section or a note row."""
    return len(row) > 1 and len(set(row)) == 1


def _is_header(row: list[str]) -> bool:
    return not any(DATE.search(normalise(c)) for c in row) and any(HEADER_WORD.search(c) for c in row)


def _kind(text: str) -> str | None:
    s = normalise(to_simplified(text))
    return label_kind(s)


def schedule_segments(table: Tag) -> list[Segment] | None:
    """Segments of a schedule table, or None when the table is not one (no header row, no dates).

    Headers and cells are matched in simplified characters; evidence keeps the page's own text.
    """
    shown, spread = _grid(table)
    grid = [[to_simplified(text) for text in row] for row in shown]
    n_head = 0
    while n_head < min(3, len(grid)) and _is_header(grid[n_head]):
        if n_head and _full_width(grid[n_head]):
            break  # a section row under the header (一、市级评委会), not a second header row
        row = grid[n_head]
        if (
            n_head
            and len(row) > 2
            and row[0] != grid[0][0]
            and all((n_head, c) in spread for c in range(2, len(row)))
        ):
            break  # a step whose one cell spans the rest (学校评前公示 | 各学校自行安排…): the first body row
        n_head += 1
    if not n_head or n_head == len(grid):
        return None
    width = max(len(r) for r in grid)
    shown = [r + [""] * (width - len(r)) for r in shown]
    grid = [r + [""] * (width - len(r)) for r in grid]
    headers = [" ".join(dict.fromkeys(r[c] for r in grid[:n_head] if r[c])) for c in range(width)]
    body = range(n_head, len(grid))
    # A section row's note (注：资历计算截止时间为…) spreads over every column: it dates none of them.
    rows = [i for i in body if not _full_width(grid[i])]
    dated = {c for i in rows for c in range(width) if grid[i][c] and DATE.search(normalise(grid[i][c]))}
    if not dated:
        return None
    plain = [c for c in range(width) if c not in dated]
    step_col = next((c for c in plain if STEP_HEADER.search(headers[c])), None)
    # Every column that names the row (地市, 系列, 评委会名称) makes up its committee: 佛山 + 工程系列.
    committee_cols = [
        c
        for c in plain
        if c != step_col
        and COMMITTEE_HEADER.search(headers[c])
        and not TIME_HEADER.search(headers[c])
        and not _NOT_COMMITTEE_HEADER.search(headers[c])
    ]
    # A table whose columns are the committees (环节 | 卫生高评委 | 卫生中评委): each column's dates are
    # its committee's.
    steps = [grid[i][step_col] for i in rows if grid[i][step_col]] if step_col is not None else []
    column_committee = _committee_columns(headers, dated, steps)
    starts = _from_to_columns(headers, dated)
    segments: list[Segment] = []
    section: str | None = None
    for i in body:
        cells, originals = grid[i], shown[i]
        if _full_width(cells):
            if not DATE.search(normalise(cells[0])):
                section = cells[0] or section  # a full-width row: the section's committee
            else:  # a note row (注：…截止时间为…): read once, as text, not as every column's cell
                segments.append(Segment(originals[0], cells[0]))
            continue
        name_cells = [cells[c] for c in committee_cols if not _NO_NAME.fullmatch(cells[c])]
        # A cell with the name in full is the committee; the others describe it (组建单位 省卫生健康委).
        full = [x for x in name_cells if is_full_name(normalise(x))]
        committee = "".join(full[:1] or name_cells) or section
        step = cells[step_col] if step_col is not None else ""
        label_text = step if step and _kind(step) else ""
        read_with_start: set[int] = set()  # this row's 截止 cells, read with their 开始 cell
        # One cell over every committee's column (评审费缴纳 | 各评委会统一于…前缴纳): a step of them all.
        everyone = len(column_committee) > 1 and all(
            (i, c) in spread for c in column_committee if c != min(column_committee)
        )
        for c in sorted(dated):
            if (i, c) in spread and c - 1 in dated:
                continue  # a cell over several dated columns (colspan) is read once, at its first
            # …and under no one column's step: 共同环节 | 评审费缴纳：…前缴纳 (over 网上申报 … 结果公示).
            wide = (i, c + 1) in spread and c + 1 in dated
            if c in read_with_start or c == step_col or c in committee_cols or SKIP_HEADER.search(headers[c]):
                continue
            cell, original, header = cells[c], originals[c], shown[n_head - 1][c]
            if c in starts:
                cell, original = _joined(cell, cells[c + 1]), _joined(original, originals[c + 1])
                header = shown[0][c]  # the time both columns are parts of (时间), not 开始
                read_with_start.add(c + 1)
            if not cell.strip():
                continue
            label = label_text or ("" if c in column_committee or wide else headers[c])
            kind = _kind(label) if label else None
            hint = (kind, ("row: " if label == step else "column: ") + label) if kind else None
            prefix = f"{label}：" if label else ""
            row_name = " | ".join(originals[c] for c in committee_cols if originals[c])
            step_shown = originals[step_col] if step_col is not None else ""
            # One cell may name two committees (经济<br/>统计 评委会, 合署办公): the dates are each one's.
            names = (
                [None]
                if everyone and c in column_committee
                else [column_committee[c]]
                if c in column_committee
                else _cell_names(committee)
                if committee
                else [None]
            )
            for line, shown_line in zip(cell.splitlines(), original.splitlines(), strict=False):
                cell_shown = shown_line if wide else f"{header}：{shown_line}"
                evidence = " | ".join(x for x in (row_name, step_shown, cell_shown) if x)
                # A digest row's cell names its series before the dates (广州 | 工程系列：1月19日…).
                series = _SERIES_FIRST.match(normalise(line))
                for name in names:
                    named = name + series.group(1) if name and series and len(name) <= 8 else name
                    segments.append(Segment(evidence, prefix + line, None, hint, named, len(prefix)))
    return segments or None


def notice_segments(soup: BeautifulSoup) -> tuple[list[Segment], str]:
    """The page's segments in document order (schedule tables read as tables) and its text."""
    tables: list[list[Segment]] = []
    for table in soup.find_all("table"):
        if table.find("table") is not None:
            continue  # only the innermost tables carry cells
        segs = schedule_segments(table)
        if segs is None:
            continue
        mark = soup.new_tag("p")
        mark.string = _MARK.format(len(tables))
        table.replace_with(mark)
        tables.append(segs)
    text = soup_to_text(soup)
    spans = segment_spans(text)
    simple = simplified_sentences(text, spans)
    out: list[Segment] = []
    for (a, b), t in zip(spans, simple, strict=True):
        m = _MARKED.fullmatch(text[a:b])
        if m:
            out.extend(tables[int(m.group(1))])
        else:
            out.append(Segment(text[a:b], t, (a, b)))
    return out, text


def extract_notice_html(html: str, published: date | None = None) -> list[Window]:
    """Windows of a notice page given as HTML: its text, and its schedule tables row by row."""
    segments, text = notice_segments(parse_html(html))
    return extract_segments(segments, published, text)
