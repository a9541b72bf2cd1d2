"""Terminal display width for mixed Chinese/ASCII text: measure, pad, truncate.

``len()`` counts code points, but a terminal gives East Asian Wide and Fullwidth characters two
columns and combining marks none, so tables padded with ``str.ljust`` drift apart as soon as a
committee name is in Chinese. These helpers count columns instead.

Ambiguous-width characters (``unicodedata.east_asian_width == "A"``, e.g. ``…``) count as one
column, which is what terminals do outside CJK legacy locales; the renderers avoid emitting
such characters themselves apart from the truncation ellipsis.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"


def char_width(ch: str) -> int:
    """Columns one code point occupies: 0 for combining/format characters, 2 for W/F, else 1."""
    if unicodedata.combining(ch):
        return 0
    category = unicodedata.category(ch)
    # Enclosing marks, non-spacing marks without a combining class (e.g. variation selectors)
    # and format characters (ZWJ, ZWSP, soft hyphen) take no cell of their own.
    if category in ("Mn", "Me", "Cf"):
        return 0
    # Hangul medial vowels and final consonants join the preceding syllable.
    if "\u1160" <= ch <= "\u11ff":
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 2
    return 1


def display_width(text: str) -> int:
    """Columns ``text`` occupies in a terminal (assumes no control characters)."""
    return sum(char_width(ch) for ch in text)


def pad(text: str, width: int, align: str = "left") -> str:
    """Pad ``text`` with spaces to ``width`` columns; text already wider is returned unchanged."""
    gap = width - display_width(text)
    if gap <= 0:
        return text
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


def truncate(text: str, max_width: int, ellipsis: str = ELLIPSIS) -> str:
    """Cut ``text`` to at most ``max_width`` columns, ending in ``ellipsis`` when anything was cut.

    Never splits a wide character: if only one column is left for it, it goes entirely.
    """
    if display_width(text) <= max_width:
        return text  # also a zero-width text at width 0: nothing to cut
    if max_width <= 0:
        return ""
    budget = max_width - display_width(ellipsis)
    if budget < 0:
        return truncate(ellipsis, max_width, ellipsis="")
    out: list[str] = []
    used = 0
    for ch in text:
        w = char_width(ch)
        if used + w > budget:
            break
        out.append(ch)
        used += w
    return "".join(out) + ellipsis


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """``text`` cut into lines of at most ``width`` columns, later lines starting with ``indent``.

    Chinese has no spaces to break at, so this breaks between any two characters (a wide one is never
    split); a run of ASCII letters or digits (a date, a number, a word) is kept whole when it fits a line.
    """
    lines: list[str] = []
    line, used = "", 0
    for token in _tokens(text):
        w = display_width(token)
        room = width - used
        if w > room and line.strip() and w <= width - display_width(indent):
            lines.append(line.rstrip())
            line, used = indent, display_width(indent)
            token = token.lstrip()
            w = display_width(token)
        for ch in token if w > width - used else [token]:
            cw = display_width(ch)
            if used + cw > width and line.strip():
                lines.append(line.rstrip())
                line, used = indent, display_width(indent)
            line += ch
            used += cw
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Runs of ASCII letters/digits (with their punctuation) as one token, every other character alone."""
    out: list[str] = []
    for ch in text:
        if (
            out
            and ch.isascii()
            and not ch.isspace()
            and out[-1][-1:].isascii()
            and not out[-1][-1:].isspace()
        ):
            out[-1] += ch
        else:
            out.append(ch)
    return out
