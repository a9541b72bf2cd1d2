"""Render a :class:`~notifier.digest.model.Digest` in one of the supported formats.

``render(digest, fmt)`` is the single entry point callers use; the per-format modules
(``render_text``, ``render_md``, ``render_html``, ``render_json``, ``render_ics``) are pure
functions of the digest, with no I/O, so they can be tested and reused independently.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import Digest
from .render_html import render_html
from .render_ics import render_ics
from .render_json import render_json
from .render_md import render_md
from .render_text import render_text

RENDERERS: dict[str, Callable[[Digest], str]] = {
    "text": render_text,
    "md": render_md,
    "html": render_html,
    "json": render_json,
    "ics": render_ics,
}
FORMATS = tuple(RENDERERS)

# Suggested file extensions and MIME types, for callers that write files or attach them.


def render(digest: Digest, fmt: str, width: int | None = None) -> str:
    """The digest as ``fmt`` (one of ``FORMATS``); ValueError for an unknown format.

    ``width``: the terminal's columns, for the text format (see ``render_text``); the others ignore it.
    """
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown digest format {fmt!r}; expected one of: {', '.join(FORMATS)}") from None
    if fmt == "text" and width is not None:
        return render_text(digest, width)
    return renderer(digest)
