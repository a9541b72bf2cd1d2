"""Glue for ``zcwatch extract``: one notice to a JSON array, or JSON lines in and out.

Kept here rather than in zcwatch/cli.py so the extractor can be exercised (and
benchmarked) without the rest of the application.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any, TextIO

from .model import Window
from .tables import extract_notice_html
from .windows import extract_windows

_LOOKS_HTML = re.compile(r"<\s*(?:html|body|div|p|br|span|table|!doctype)\b", re.IGNORECASE)


def _windows_of(raw: str, published: date | None) -> list[Window]:
    """HTML is read with its tables (one window per schedule row and column); text as text."""
    if _LOOKS_HTML.search(raw[:4096]):
        return extract_notice_html(raw, published)
    return extract_windows(raw, published)


def extract_one(source: TextIO, published: date | None, out: TextIO) -> int:
    """Print the windows of one notice (HTML or plain text) as a JSON array."""
    windows = _windows_of(source.read(), published)
    json.dump([w.to_dict() for w in windows], out, ensure_ascii=False, indent=2)
    out.write("\n")
    return 0


def _one_line(line: str) -> tuple[Any, dict[str, Any]]:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("line is not a JSON object")
    ident = record.get("id")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    pub = record.get("published")
    if pub is not None and not isinstance(pub, str):
        raise ValueError('"published" must be a YYYY-MM-DD string or null')
    published = date.fromisoformat(pub[:10]) if pub else None
    windows = _windows_of(text, published)
    return ident, {"id": ident, "windows": [w.to_dict() for w in windows]}


def extract_batch(source: TextIO, out: TextIO) -> int:
    """JSON lines ``{"id","text","published"}`` in, ``{"id","windows"}`` out, in order.

    A bad line is reported in place as ``{"id", "error"}`` so one broken record does not
    stop a batch; the exit status says whether any line failed.
    """
    status = 0
    for line in source:
        if not line.strip():
            continue
        try:
            _, result = _one_line(line)
        except Exception as exc:  # any failure is reported for that line only
            status = 1
            result = {"id": _id_of(line), "error": " ".join(f"{type(exc).__name__}: {exc}".split())}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return status


def _id_of(line: str) -> Any:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record.get("id") if isinstance(record, dict) else None
