"""Markdown digest for pasting into chats (WeCom) and wikis: headings and GFM tables.

Scraped text is backslash-escaped so that a ``|`` in a committee name cannot split a table cell
and ``*``, ``[``, ``<`` and friends cannot turn into emphasis, links or raw HTML. Only http(s)
notice URLs become ``[title](url)`` links, with characters that would end the link or the cell
(spaces, parentheses, ``|``, angle brackets) percent-encoded; any other URL is not shown.
"""

from __future__ import annotations

import re

from core.vocabulary import REVIEWED_LABEL

from ._common import fmt_generated, is_http_url, safe_url
from ._sections import NOTICE, Row, Section, build_sections
from .model import Digest

# The ASCII punctuation that can start inline markup, raw HTML, an entity or a table cell.
# CommonMark allows a backslash before any ASCII punctuation, so over-escaping is harmless, but
# "(", ")", "-", ".", ":" are left alone: with "[" and "]" escaped they cannot form a link, they
# only matter at the start of a line (never the case inside a table cell), and escaping them
# would clutter every date and URL in the source that people paste around.
_MD_SPECIALS = re.compile(r"([\\`*_{}\[\]<>#+!|~&$])")


def md_escape(text: str) -> str:
    """Escape Markdown specials in already-cleaned (single-line) text."""
    return _MD_SPECIALS.sub(r"\\\1", text)


def _link_cell(row: Row) -> str:
    if row.link is None:
        return "-"
    title = md_escape(row.link.text)
    if is_http_url(row.link.url):
        return f"[{title}]({safe_url(row.link.url)})"
    return title


def _section_md(section: Section) -> list[str]:
    count = f"（{len(section.rows)}）" if section.rows else ""
    lines = [f"## {section.title}{count}", ""]
    if not section.rows:
        return [*lines, f"_{section.empty}_", ""]
    if section.note:
        lines += [f"> {section.note}", ""]
    headers = [*section.headers, NOTICE]
    lines.append("| " + " | ".join(headers) + " |")
    lines.append("|" + "|".join(" --- " for _ in headers) + "|")
    for row in section.rows:
        cells = [md_escape(c) for c in row.cells]
        if row.predicted and section.kind_col is not None:
            cells[section.kind_col] += " **预估**"
        if row.reviewed and section.kind_col is not None:
            cells[section.kind_col] += f" **{REVIEWED_LABEL}**"
        if row.urgent:
            cells[0] = f"**{cells[0]}**"
        cells.append(_link_cell(row))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def render_md(digest: Digest) -> str:
    out = ["# 职称评审申报提醒", "", f"生成于 {fmt_generated(digest)}（北京时间）", ""]
    for section in build_sections(digest):
        out.extend(_section_md(section))
    return "\n".join(out).rstrip("\n") + "\n"
