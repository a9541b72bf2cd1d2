"""Find date points in one normalised sentence and resolve them to ISO strings.

A *point* is anything a notice uses as one end of a window: a full or partial date
(2025年1月6日, 1月6日, 20日, 3月, 6月底, 2025-01-06) with an optional weekday bracket and
time, a bare time (17:30, only valid as the end of a range that started on a date), or a
relative start (即日起, 自本通知发布之日起) that stands for the publish date.

One alternation scanned left to right keeps this linear: every quantifier is bounded
and there is no nested repetition, so adversarial input cannot backtrack badly.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

_WEEKDAY = r"(?:\s?\((?:星期|周|礼拜)[一二三四五六日天]\)|\s?(?:星期|周)[一二三四五六日天])?"
_TIME = (
    r"(?:\s?(?P<ap>上午|下午|晚上|中午|早上|凌晨)?\s?(?P<h>[01]?\d|2[0-4])\s?"
    r"(?::\s?(?P<mi>[0-5]\d)(?:\s?[时分])?|[时点](?:\s?(?P<mi2>[0-5]?\d)\s?分|(?P<half>半))?))?"
)
_POINT = re.compile(
    r"(?P<rel>(?:自|从)?(?:即日|本(?:通知|公告|文件|文)(?:信息)?(?:正式)?(?:印发|下发|发布|公布|发出|公开|挂网)?之日|"
    r"(?:通知|公告)(?:信息)?(?:正式)?(?:印发|下发|发布|公布|公开|挂网)之日|发文之日|"
    # 自发布通知之日起 / 从印发本通知之日起: the verb before the notice.
    r"(?<=[自从])(?:信息)?(?:发布|公布|印发|下发)(?:本)?(?:通知|公告)?之日)\s?(?:起|开始))"
    r"|(?<![\d.])(?:"
    r"(?P<iy>20\d{2})[-./](?P<im>1[0-2]|0?[1-9])[-./](?P<id>3[01]|[12]\d|0?[1-9])(?![\d.])"
    r"|(?:(?P<y>(?:19|20)\d{2})\s?年\s?)?(?P<m>1[0-2]|0?[1-9])\s?月\s?"
    r"(?:(?P<d>3[01]|[12]\d|0?[1-9])\s?[日号]|(?P<part>底|末|初|上旬|中旬|下旬|份)?)"
    r"|(?P<od>3[01]|[12]\d|0?[1-9])\s?[日号]"
    r")" + _WEEKDAY + _TIME + r"|(?<![\d:])(?P<tap>上午|下午|晚上|中午)?(?P<th>[01]?\d|2[0-4])\s?"
    r"(?::\s?(?P<tmi>[0-5]\d)(?:\s?时)?|[时点](?:\s?(?P<tmi2>[0-5]?\d)\s?分)?)(?![\d月日号])"
)
# 1月6-20日 / 1月6日-20日 are the same range; spell both out so the grammar needs one form.
_DAY_RANGE = re.compile(r"(?<=月)(\d{1,2})\s?[-~—至到]\s?(\d{1,2})(?=\s?[日号])")


@dataclass(slots=True)
class Point:
    """A parsed point; absent parts are ``None``. ``span`` indexes the normalised sentence."""

    span: tuple[int, int]
    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None  # 底 / 初 / 上旬 ... for month-precision points
    hour: int | None = None
    minute: int = 0
    relative: bool = False
    time_only: bool = False

    @property
    def full(self) -> bool:
        return self.relative or (self.month is not None and self.day is not None)


# 3月27日、28日两天 / 27日、28日、29日三天: consecutive days listed one by one and counted are one range,
# as a person reads them. Days that are not consecutive (5月6日、13日两天), or a count that does not match
# the list, stay separate days.
_LISTED_DAYS = re.compile(
    r"(?P<first>(?<!\d)\d{1,2})\s?[日号](?P<rest>(?:\s?[、，,和及与]\s?\d{1,2}\s?[日号]){1,6})"
    r"\s?(?:共|连续)?\s?(?P<n>[两二三四五六七2-7])\s?(?:个?天|日)"
)
_LISTED_DAY = re.compile(r"(\d{1,2})\s?[日号]")
_COUNTS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}


def _listed_days(m: re.Match[str]) -> str:
    days = [int(m.group("first")), *(int(d) for d in _LISTED_DAY.findall(m.group("rest")))]
    n = _COUNTS.get(m.group("n")) or int(m.group("n"))
    if len(days) != n or any(b != a + 1 for a, b in pairwise(days)):
        return m.group(0)
    return f"{days[0]}日至{days[-1]}日" + m.group(0)[m.end("rest") - m.start() :]


def prepare(sentence: str) -> str:
    if "天" in sentence or "日" in sentence:
        sentence = _LISTED_DAYS.sub(_listed_days, sentence)
    return _DAY_RANGE.sub(r"\1日至\2", sentence)


def _hour(ap: str | None, h: int) -> int:
    if ap in ("下午", "晚上") and h < 12:
        return h + 12
    return h


_G = {name: i - 1 for name, i in _POINT.groupindex.items()}  # positions in m.groups()
_REL, _TH, _TAP, _TMI, _TMI2 = _G["rel"], _G["th"], _G["tap"], _G["tmi"], _G["tmi2"]
_IY, _IM, _ID, _Y, _M, _D, _PART, _OD = (_G[k] for k in ("iy", "im", "id", "y", "m", "d", "part", "od"))
_AP, _H, _MI, _MI2, _HALF = _G["ap"], _G["h"], _G["mi"], _G["mi2"], _G["half"]


def find_points(sentence: str) -> list[Point]:
    points: list[Point] = []
    append = points.append
    # Group positions as locals: this loop runs once per date, thousands of times on adversarial input.
    rel, th, tap, tmi, tmi2 = _REL, _TH, _TAP, _TMI, _TMI2
    iy, im, id_, y, mo, d, part, od = _IY, _IM, _ID, _Y, _M, _D, _PART, _OD
    ap, h, mi, mi2, half = _AP, _H, _MI, _MI2, _HALF
    glued = -1  # where the last point ended, if it was a bare month
    for m in _POINT.finditer(sentence):
        g = m.groups()  # a tuple is much cheaper than groupdict() on long adversarial input
        if g[rel]:
            append(Point(m.span(), relative=True))
            glued = -1
            continue
        if g[th] is not None:
            hour, minute = _hour(g[tap], int(g[th])), int(g[tmi] or g[tmi2] or 0)
            append(Point(m.span(), None, None, None, None, hour, minute, False, True))
            glued = -1
            continue
        year: int | None
        month: int | None
        day: int | None
        p_part: str | None
        if g[iy]:
            year, month, day, p_part = int(g[iy]), int(g[im]), int(g[id_]), None
        elif g[mo]:
            year = int(g[y]) if g[y] else None
            month = int(g[mo])
            day = int(g[d]) if g[d] else None
            p_part = g[part] if day is None else None
        else:
            year = month = p_part = None
            day = int(g[od])
        a = m.start()
        if a == glued:
            # A month glued to the next date with nothing between (1月1月, 3月2026年) is no date:
            # notices always separate their dates. Dropping it keeps runs of them cheap.
            points.pop()
        if g[h] is None:
            append(Point(m.span(), year, month, day, p_part))
            glued = m.end() if day is None and p_part is None else -1
        else:
            minute = 30 if g[half] else int(g[mi] or g[mi2] or 0)
            append(Point(m.span(), year, month, day, p_part, _hour(g[ap], int(g[h])), minute))
            glued = -1
    return points


_PART_DAYS = {
    "初": (1, 10),
    "上旬": (1, 10),
    "中旬": (11, 20),
    "下旬": (21, 31),
    "底": (31, 31),
    "末": (31, 31),
}


def render(p: Point, year: int, month: int, as_end: bool) -> str | None:
    """ISO text for a point whose year and month are known; ``None`` if the date is impossible."""
    last = calendar.monthrange(year, month)[1]
    if p.day is not None:
        day = p.day
    else:
        lo, hi = _PART_DAYS.get(p.part or "", (1, 31))
        day = min(hi if as_end else lo, last)
    try:
        d = date(year, month, day)
    except ValueError:
        return None
    if p.hour is None:
        return d.isoformat()
    if p.hour >= 24:  # 24时 / 24:00 is the end of that day
        return f"{d.isoformat()}T23:59"
    return f"{d.isoformat()}T{p.hour:02d}:{p.minute:02d}"
