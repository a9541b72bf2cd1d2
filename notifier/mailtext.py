"""A real plain-text part for HTML e-mail, instead of Apprise's tag-stripped copy of the HTML.

Apprise's e-mail plugin builds ``multipart/alternative`` with a text part it makes by converting the HTML
(``apprise.conversion.convert_between(HTML, TEXT, body)``): for the digest's tables that is one cell per
line, no labels and no links. We render the text ourselves (``Message.text``), and ``alternative`` makes
that conversion return it for exactly this HTML body while the send runs.

How: one wrapper around Apprise's HTML→text converter, installed once in its table of converters. It looks
the body up in a table of registered alternatives (keyed by the HTML's hash, guarded by a lock: Apprise
may run the send in a worker thread, where a context variable would not follow) and falls back to
Apprise's own conversion for every other body. Reaching into ``apprise.conversion.format.CONVERTERS`` is
internal API; pyproject.toml bounds Apprise to the minor series tests/test_digest.py's real-SMTP test
has checked it against.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_texts: dict[str, tuple[str, int]] = {}  # sha256(html) -> (text, how many sends use it now)
_installed = False


def _key(html: str) -> str:
    # Apprise trims the body before the plugin sees it: compare what is left.
    return hashlib.sha256(html.strip().encode("utf-8")).hexdigest()


def _install() -> None:
    global _installed
    from apprise import NotifyFormat
    from apprise.conversion import format as conversion

    with _lock:
        if _installed:
            return
        pair = (NotifyFormat.HTML, NotifyFormat.TEXT)
        apprises: Callable[[str], str] = conversion.CONVERTERS[pair]

        def html_to_text(content: str) -> str:
            with _lock:
                found = _texts.get(_key(content)) if isinstance(content, str) else None
            return found[0] if found is not None else apprises(content)

        conversion.CONVERTERS[pair] = html_to_text
        _installed = True


@contextmanager
def alternative(html: str, text: str) -> Iterator[None]:
    """While inside, an HTML e-mail whose body is ``html`` gets ``text`` as its plain-text part."""
    _install()
    key = _key(html)
    with _lock:
        _, users = _texts.get(key, ("", 0))
        _texts[key] = (text, users + 1)
    try:
        yield
    finally:
        with _lock:
            kept, users = _texts[key]
            if users <= 1:
                del _texts[key]
            else:
                _texts[key] = (kept, users - 1)
