"""Traditional characters read like simplified ones.

Mirrors and Hong Kong/Macau-style reposts of notices come in traditional characters
(網上申報時間, 衞生系列); the keyword and negative lists are simplified, so each sentence is
converted with OpenCC's ``hk2s`` profile (standard traditional plus the Hong Kong variants such
as 衞) before matching. Evidence stays the original text: the extractor converts sentence by
sentence (``simplified_sentences``), so an OpenCC phrase rule that changed the length of a
passage can never shift one sentence's evidence onto another.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _converter() -> Any:
    import opencc  # loaded on first use: its dictionaries take a few milliseconds to load

    return opencc.OpenCC("hk2s")


@cache
def _traditional() -> frozenset[str]:
    """Every character OpenCC converts on its own (computed once: one call over the CJK blocks).

    A text none of whose characters is in here is simplified already and skips OpenCC, which
    is most of the notices and keeps the extractor's speed.
    """
    chars = [chr(c) for c in (*range(0x3400, 0xA000), *range(0xF900, 0xFB00))]
    converted = str(_converter().convert("\n".join(chars))).split("\n")
    if len(converted) != len(chars):  # pragma: no cover - OpenCC never joins lines
        return frozenset(chars)
    return frozenset(c for c, t in zip(chars, converted, strict=True) if c != t)


def to_simplified(text: str) -> str:
    """``text`` in simplified characters (simplified text comes back unchanged)."""
    if _traditional().isdisjoint(text):
        return text
    return str(_converter().convert(text))


def simplified_sentences(text: str, spans: list[tuple[int, int]]) -> list[str]:
    """The simplified form of each ``text[a:b]`` for ``(a, b)`` in ``spans``.

    One call for the whole text when the conversion keeps every length (the common case);
    otherwise one call per sentence, so every sentence still maps to its own original text.
    """
    if not spans:
        return []
    if _traditional().isdisjoint(text):
        return [text[a:b] for a, b in spans]
    whole = to_simplified(text)
    # Equal lengths and the sentence breaks in the same places: no phrase rule moved anything.
    if len(whole) == len(text) and all(b == len(text) or whole[b] == text[b] for _, b in spans):
        return [whole[a:b] for a, b in spans]
    return [to_simplified(text[a:b]) for a, b in spans]


def as_written(name: str | None, text: str) -> str | None:
    """``name``, read from the simplified form of ``text``, spelled as ``text`` writes it.

    A committee of a traditional-character repost is named in its own characters (廣州市建設工程…評審委員會),
    like its evidence; subscriber filters compare simplified forms (``to_simplified``). A name that is not
    in the text as one run (put together from the issuer and a title) stays simplified.
    Brackets are matched half-width (as the extractor reads them): 工程系列（建筑） keeps its full-width ones.
    """
    if not name:
        return name
    bracketed = "(" in name or ")" in name
    if not bracketed and _traditional().isdisjoint(text):
        return name
    simple = to_simplified(text)
    if len(simple) != len(text):
        return name
    if bracketed:
        simple = simple.translate(_BRACKETS)  # one character for one: offsets hold
    at = simple.find(name)
    return text[at : at + len(name)] if at >= 0 else name


_BRACKETS = str.maketrans("（）", "()")
