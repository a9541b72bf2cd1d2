"""Helpers shared by the digest renderers: date parsing and labels, text cleaning, URL checks.

Every renderer must agree on how a date looks, what "剩3天" means and which URLs are safe to
link, so those decisions live here once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

from .model import Digest, DigestEntry

# Asia/Shanghai has had no DST since 1991; a fixed offset avoids depending on tzdata being
# installed on the host (minimal containers often lack /usr/share/zoneinfo).
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
TZID = "Asia/Shanghai"

WEEKDAYS = "一二三四五六日"

_WHEN_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")
# Bidi overrides/isolates can make scraped text display differently from what it is.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
_SPACE_RUN = re.compile(r"\s+")


def parse_when(value: str | None) -> date | datetime | None:
    """``"YYYY-MM-DD"`` → date, ``"YYYY-MM-DDTHH:MM"`` → naive local datetime; else None."""
    if not value:
        return None
    m = _WHEN_RE.match(value.strip())
    if not m:
        return None
    y, mo, d, hh, mm, ss = m.groups()
    try:
        if hh is None:
            return date(int(y), int(mo), int(d))
        return datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss or 0))
    except ValueError:
        return None


def as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def today(digest: Digest) -> date:
    """The local (Asia/Shanghai) date the digest was generated on."""
    return digest.generated_at.astimezone(SHANGHAI).date()


def clean(text: str | None) -> str:
    """Scraped text as one safe line: control/bidi characters dropped, whitespace runs collapsed.

    Newlines would break table rows in every format and escape sequences could drive a terminal,
    so this runs before any format-specific escaping.
    """
    if not text:
        return ""
    kept = []
    for ch in text:
        if ch in _BIDI:
            continue
        if unicodedata.category(ch) == "Cc":
            # Whitespace controls (tab, newline) become spaces so words stay apart.
            kept.append(" " if ch.isspace() else "")
            continue
        kept.append(ch)
    return _SPACE_RUN.sub(" ", "".join(kept)).strip()


def fmt_when(value: str | None, empty: str = "-") -> str:
    """``2025-01-06(一)`` or ``2025-01-06(一) 17:00``; unreadable strings are shown as-is."""
    parsed = parse_when(value)
    if parsed is None:
        return clean(value) or empty
    day = as_date(parsed)
    text = f"{day.isoformat()}({WEEKDAYS[day.weekday()]})"
    if isinstance(parsed, datetime):
        text += f" {parsed:%H:%M}"
    return text


def fmt_generated(digest: Digest) -> str:
    """When the digest was generated, in Beijing time, e.g. ``2025-01-06(一) 09:30``."""
    return fmt_when(digest.generated_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"))


def fmt_range(start: str | None, end: str | None) -> str:
    """A window's dates on one line: ``A 至 B``, ``截止 B`` (bare deadline), ``A 起``."""
    if start and end:
        return f"{fmt_when(start)} 至 {fmt_when(end)}"
    if end:
        return f"截止 {fmt_when(end)}"
    if start:
        return f"{fmt_when(start)} 起"
    return "-"


def days_left_label(entry: DigestEntry) -> str:
    """``剩3天`` / ``今天截止`` / ``已截止2天``; ``-`` when the end is unknown."""
    d = entry.days_left
    if d is None:
        return "-"
    if entry.status == "closed":
        return f"已截止{-d}天" if d < 0 else "今天已截止"
    if d == 0:
        return "今天截止"
    if d > 0:
        return f"剩{d}天"
    return f"已过{-d}天"


def starts_in_label(entry: DigestEntry, digest: Digest) -> str:
    """``今天开始`` / ``3天后`` for an upcoming window; ``-`` when the start is unknown."""
    parsed = parse_when(entry.start)
    if parsed is None:
        return "-"
    n = (as_date(parsed) - today(digest)).days
    if n == 0:
        return "今天开始"
    if n > 0:
        return f"{n}天后"
    return f"已开始{-n}天"


def is_http_url(url: str | None) -> bool:
    """True only for absolute http(s) URLs with a host: the only ones any renderer will link.

    ``javascript:``, ``data:``, relative and scheme-relative URLs are shown as text. Embedded
    whitespace or controls are refused too, because browsers strip them before reading the
    scheme (``java\\tscript:``).
    """
    if not url:
        return False
    if any(ch.isspace() or unicodedata.category(ch) == "Cc" for ch in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


# RFC 3986 reserved and unreserved characters plus "%" (keep existing escapes); everything else,
# notably spaces, quotes, parentheses, angle brackets, "|" and non-ASCII, is percent-encoded.
_URL_SAFE = "-._~:/?#[]@!$&*+,;=%"


def safe_url(url: str) -> str:
    """A URL with characters that could break out of Markdown/ICS syntax percent-encoded."""
    return quote(url, safe=_URL_SAFE)


def unique_windows(*groups: Iterable[DigestEntry]) -> list[DigestEntry]:
    """Entries of ``groups`` in order, each ``window_key`` once (the first occurrence wins)."""
    seen: set[str] = set()
    out: list[DigestEntry] = []
    for group in groups:
        for entry in group:
            if entry.window_key in seen:
                continue
            seen.add(entry.window_key)
            out.append(entry)
    return out
