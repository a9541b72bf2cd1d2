"""Cheap character gates for regular expressions, derived from the expressions themselves.

``_pair`` runs several "before the date" regexes around every date point; on adversarial input
(thousands of points) that is most of the work, so it first asks whether the text near the point
holds any character the regexes *need*. A hand-kept set of such characters goes stale the day
someone adds an alternative, and the regex then silently stops matching. ``required_chars``
computes the set from the parsed pattern instead: a set of characters such that every match of
the pattern contains at least one of them.
"""

from __future__ import annotations

import re
from re import _parser as _sre  # type: ignore[attr-defined]  # sre_parse since Python 3.11
from typing import Any

_C = _sre  # opcodes are re-exported by the parser module
_REPEATS = {_C.MAX_REPEAT, _C.MIN_REPEAT}
if hasattr(_C, "POSSESSIVE_REPEAT"):
    _REPEATS.add(_C.POSSESSIVE_REPEAT)
_SMALL_CLASS = 64  # a class larger than this (CJK ranges, \d, negations) gives no usable gate


def _class_chars(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            chars.add(chr(av))
        elif op is _C.RANGE and av[1] - av[0] < _SMALL_CLASS:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY (\d, \s), large ranges
            return None
    return frozenset(chars) if chars else None


def _cost(chars: frozenset[str], common: frozenset[str]) -> int:
    return sum(10 if c in common else 1 for c in chars)


def _required(items: Any, common: frozenset[str]) -> frozenset[str] | None:
    """Characters one of which every match of the sequence ``items`` contains, or None.

    Of the elements of a sequence, the one whose characters are fewest and least ``common``
    gates it: a gate made of characters that are everywhere anyway saves nothing.
    """
    best: frozenset[str] | None = None
    for op, av in items:
        got: frozenset[str] | None = None
        if op is _C.LITERAL:
            got = frozenset(chr(av))
        elif op is _C.IN:
            got = _class_chars(av)
        elif op is _C.BRANCH:
            parts = [_required(branch, common) for branch in av[1]]
            if all(p is not None for p in parts):
                got = frozenset().union(*(p for p in parts if p is not None))
        elif op is _C.SUBPATTERN:
            got = _required(av[-1], common)
        elif op in _REPEATS:
            low, _high, inner = av
            got = _required(inner, common) if low >= 1 else None
        elif getattr(_C, "ATOMIC_GROUP", None) is op:
            got = _required(av, common)
        # AT, ANY, ASSERT, ASSERT_NOT, GROUPREF, NOT_LITERAL: no character is certain.
        if got is not None and (best is None or _cost(got, common) < _cost(best, common)):
            best = got
    return best


def required_chars(*patterns: re.Pattern[str], common: str = "") -> frozenset[str]:
    """A set of characters such that any match of any of ``patterns`` contains one of them.

    ``common`` lists characters to avoid in the gate where the pattern allows (date and
    connector characters, which sit next to every date point).

    Raises ``ValueError`` for a pattern that can match without any certain character (an
    empty match, ``.`` or a large class only): such a pattern cannot be gated this way.
    """
    out: set[str] = set()
    for pattern in patterns:
        got = _required(_sre.parse(pattern.pattern, pattern.flags), frozenset(common))
        if got is None:
            raise ValueError(f"no character is certain in every match of {pattern.pattern!r}")
        out |= got
    return frozenset(out)


_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_SPACE": r"\s", "CATEGORY_WORD": r"\w"}


def _first_class(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """A class's members as regex class pieces: escaped characters and \\d-style categories."""
    out: set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            out.add(re.escape(chr(av)))
        elif op is _C.RANGE and av[1] - av[0] < _SMALL_CLASS:
            out.update(re.escape(chr(c)) for c in range(av[0], av[1] + 1))
        elif op is _C.CATEGORY and str(av) in _CATEGORIES:
            out.add(_CATEGORIES[str(av)])
        else:
            return None
    return frozenset(out)


def _first(items: Any) -> tuple[frozenset[str], bool] | None:
    """(class pieces a match of the sequence can start with, whether it can match empty), or None."""
    chars: set[str] = set()
    for op, av in items:
        if op is _C.LITERAL:
            return frozenset(chars | {re.escape(chr(av))}), False
        if op is _C.IN:
            got = _first_class(av)
            return (frozenset(chars | got), False) if got is not None else None
        if op in (_C.ASSERT, _C.ASSERT_NOT, _C.AT):
            continue  # zero-width: the match starts at what follows
        if op is _C.BRANCH:
            parts = [_first(branch) for branch in av[1]]
            if any(p is None for p in parts):
                return None
            chars.update(*(p[0] for p in parts if p is not None))
            if not any(p[1] for p in parts if p is not None):
                return frozenset(chars), False
            continue
        if op is _C.SUBPATTERN:
            inner = _first(av[-1])
        elif op in _REPEATS:
            low, _high, sub = av
            inner = _first(sub)
            if inner is not None and low == 0:
                inner = (inner[0], True)
        else:  # ANY, GROUPREF, NOT_LITERAL, ...: any character may start it
            return None
        if inner is None:
            return None
        chars |= inner[0]
        if not inner[1]:
            return frozenset(chars), False
    return frozenset(chars), True


def first_class(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A character class matching every character a match of ``pattern`` can start with.

    Searching for it and trying ``pattern.match`` only there finds what ``pattern.finditer``
    finds (for a pattern that never matches empty), without trying every alternative at every
    position. Raises ``ValueError`` when a match may start with any character or be empty.
    """
    got = _first(_sre.parse(pattern.pattern, pattern.flags))
    if got is None or got[1]:
        raise ValueError(f"a match of {pattern.pattern!r} can start with any character")
    return re.compile("[" + "".join(sorted(got[0])) + "]")
