"""Normalise digits so the date grammar only ever sees ASCII numbers.

Notices mix full-width digits (２０２５年１月６日, ９：００) and Chinese numerals
(二〇二五年三月一日, 十二月三十一日). Converting them up front keeps the date regexes
simple and linear. Chinese numerals are only converted in front of a date or time unit
(年 月 日 号 时 点 分) so that 五个工作日 or 一年 stay as they are.
"""

from __future__ import annotations

import re

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９：．／－～（）　",
    "0123456789:./-~() ",
)
_FULLWIDTH_CHARS = frozenset(chr(c) for c in _FULLWIDTH)
_DIGIT = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
          "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN_NUM = re.compile(r"([〇零○Ｏ一二两三四五六七八九十]{1,4})(?=[年月日号时点分])")


def _cn_to_int(s: str) -> str | None:
    """二〇二五 -> 2025, 十二 -> 12, 三十一 -> 31; None for what is no number (十十, 二十十)."""
    if "十" not in s:
        # Years are spelled digit by digit: 二〇二五 -> 2025.
        return "".join(str(_DIGIT[c]) for c in s)
    tens, _, ones = s.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    value = (_DIGIT[tens] if tens else 1) * 10 + (_DIGIT[ones] if ones else 0)
    return str(value)


def _convert(m: re.Match[str]) -> str:
    number = _cn_to_int(m.group(1))
    return m.group(1) if number is None else number


def normalise(text: str) -> str:
    """Full-width to ASCII, Chinese numerals before date units to Arabic digits."""
    if not _FULLWIDTH_CHARS.isdisjoint(text):  # translate looks up every character: skip it when idle
        text = text.translate(_FULLWIDTH)
    return _CN_NUM.sub(_convert, text)
