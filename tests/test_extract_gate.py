"""The character gate in front of the "before the date" markers (issue 10).

``extractor.windows`` only runs its marker regexes when a character the markers need is near a
date point. The gate is derived from the regexes; these tests check the derivation on every
marker with generated matches, so a marker can never be gated out.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor import windows
from extractor.gate import required_chars

MARKERS = windows._BEFORE_MARKERS


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
     "定于", "预计在", "安排在", "时间为", ":", "经"],
)  # fmt: skip
def test_known_markers_pass_the_gate(marker: str) -> None:
    assert any(m.search(marker) for m in MARKERS), marker
    assert not windows._BEFORE_CHARS.isdisjoint(marker), marker


def test_gate_is_derived_not_hand_kept() -> None:
    probe = re.compile(r"(?:甲乙|丙)丁?$")
    assert required_chars(probe) in ({"甲", "丙"}, {"乙", "丙"})
    with pytest.raises(ValueError, match="no character is certain"):
        required_chars(re.compile(r"\d*$"))
