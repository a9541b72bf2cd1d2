"""Reading the terminal digest's tables back, column by display column (CJK characters are two wide)."""

from __future__ import annotations

import re

from notifier.digest.textwidth import display_width


def cells_by_column(line: str) -> list[str]:
    """The line as one entry per terminal column; a wide character's second column is ""."""
    cols: list[str] = []
    for ch in line:
        w = display_width(ch)
        if w == 0 and cols:
            cols[-1] += ch
        else:
            cols.append(ch)
            cols.extend([""] * (w - 1))
    return cols


def text_tables(text: str) -> list[list[str]]:
    """Each table as [header, dashes, *rows], found by its dashed rule line."""
    lines = text.split("\n")
    tables = []
    for i, line in enumerate(lines):
        if re.fullmatch(r"-+(  -+)*", line):
            rows = [lines[i - 1], line]
            for nxt in lines[i + 1 :]:
                if not nxt or re.match(r"\[\d+\] ", nxt):
                    break
                rows.append(nxt)
            tables.append(rows)
    return tables
