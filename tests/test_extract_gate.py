"""Character gates derived from regexes (issue 10), and the keyword scan that jumps between starts.

``extractor.windows`` only runs its marker regexes when a character the markers need is near a
date point. The gate is derived from the regexes; these tests check the derivation on every
marker with generated matches, so a marker can never be gated out. ``extractor.kinds`` tries
its keyword regex only where a keyword can start (``gate.first_class``); it must find exactly
what a plain ``finditer`` finds.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import kinds, windows
from extractor.gate import first_class, required_chars

MARKERS = windows._BEFORE_MARKERS
AFTER = windows._AFTER_MARKERS


@pytest.mark.parametrize("pattern", MARKERS, ids=[m.pattern[:24] for m in MARKERS])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_marker_match_passes_the_gate(pattern: re.Pattern[str], data: st.DataObject) -> None:
    text = data.draw(st.from_regex(pattern))
    m = pattern.search(text)
    assert m is not None
    assert not windows._BEFORE_CHARS.isdisjoint(m.group()), (pattern.pattern, m.group())


@pytest.mark.parametrize(
    "marker",
    ["原定于", "截止时间为", "延长至", "顺延至", "推迟至", "不迟于", "最晚于", "关闭时间:", "开放时间为",
     "定于", "预计在", "安排在", "时间为", ":", "经", "截止日:", "截止期限为", "最后期限:"],
)  # fmt: skip
def test_known_markers_pass_the_gate(marker: str) -> None:
    assert any(m.search(marker) for m in MARKERS), marker
    assert not windows._BEFORE_CHARS.isdisjoint(marker), marker


def test_gate_is_derived_not_hand_kept() -> None:
    probe = re.compile(r"(?:甲乙|丙)丁?$")
    assert required_chars(probe) in ({"甲", "丙"}, {"乙", "丙"})
    with pytest.raises(ValueError, match="no character is certain"):
        required_chars(re.compile(r"\d*$"))


@pytest.mark.parametrize("pattern", AFTER, ids=[m.pattern[:24] for m in AFTER])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_every_after_marker_match_passes_the_gate(pattern: re.Pattern[str], data: st.DataObject) -> None:
    # _pair matches these at the start of the 14 characters after a date, and gates those 14.
    after = data.draw(st.from_regex(pattern, fullmatch=True))[:14]
    if pattern.match(after):
        assert not windows._AFTER_CHARS.isdisjoint(after), (pattern.pattern, after)


KEYWORD_PIECES = [
    *"申报受理审核评审缴费纸质材料报送接收不逾期予公示结果单位人员网上系统关闭开放登录平台，。：",
    *("评审费", "不接收", "逾期不予受理", "受理申报", "审核推荐", "登录系统", "评委会", "1月", " "),
]
KEYWORD_TEXT = st.lists(st.sampled_from(KEYWORD_PIECES), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(KEYWORD_TEXT)
def test_keyword_scan_finds_what_finditer_finds(text: str) -> None:
    plain = [
        (m.start(), m.end(), kinds._KEYWORDS[int(str(m.lastgroup)[1:])][1]) for m in kinds._RE.finditer(text)
    ]
    means = {m.span() for m in kinds._MEANS.finditer(text)}  # 登录…系统, added by keywords()
    scanned = [(a, b, kind) for a, b, kind, _ in kinds.keywords(text) if kind or (a, b) not in means]
    assert scanned == plain


def test_first_class() -> None:
    starts = first_class(re.compile(r"(?<!不)(?:甲|乙?丁)丙|\d{2}"))
    assert [c for c in "甲乙丁丙不5x" if starts.fullmatch(c)] == ["甲", "乙", "丁", "5"]
    with pytest.raises(ValueError, match="can start with any character"):
        first_class(re.compile(r".?x"))
    with pytest.raises(ValueError, match="can start with any character"):
        first_class(re.compile(r"x?"))
