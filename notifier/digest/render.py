"""Render a :class:`~notifier.digest.model.Digest` in one of the supported formats.

``render(digest, fmt)`` is the single entry point callers use; the per-format modules
(``render_text``, ``render_md``, ``render_html``, ``render_json``, ``render_ics``) are pure
functions of the digest, with no I/O, so they can be tested and reused independently.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .model import Digest

# Format ``f`` is rendered by ``render_f`` in module ``render_f``, imported when that format is asked for:
# `zcwatch digest --format text` need not load Jinja2 for the HTML one (issue 18: read commands at once).
FORMATS = ("text", "md", "html", "json", "ics")

# Suggested file extensions and MIME types, for callers that write files or attach them.


def render(digest: Digest, fmt: str, width: int | None = None) -> str:
    """The digest as ``fmt`` (one of ``FORMATS``); ValueError for an unknown format.

    ``width``: the terminal's columns, for the text format (see ``render_text``); the others ignore it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown digest format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    name = f"render_{fmt}"
    renderer: Any = getattr(import_module(f".{name}", __package__), name)
    if fmt == "text" and width is not None:
        return str(renderer(digest, width))
    return str(renderer(digest))
