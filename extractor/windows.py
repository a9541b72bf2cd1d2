"""From a notice's text to its windows: sentence splitting, pairing points, filters.

Per sentence: points are found (dates.py), adjacent points joined by a connector become a
range, lone points become a deadline, a start or a one-day event depending on the words
around them, and points in a context that is not an application window (eligibility
cut-offs, exams, cited documents, superseded dates) are dropped. Missing years come from
the range's start, an explicit year earlier in the notice, or the publish date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .dates import Point, find_points, prepare, render
from .gate import required_chars
from .kinds import classify, is_results_notice, keywords
from .model import Window
from .numerals import normalise

_SPLIT = re.compile(r"[。；;\n]+")
# A short bracket without digits after a date qualifies it (（含）, （含当天）, （以邮戳为准）).
_QUALIFIER = r"(?:\([^()\d]{1,8}\)\s?)?"
_CONNECTOR = re.compile(
    r"\s?(?:\)\s?)?"
    + _QUALIFIER
    + r"(?:起|开始)?\s?[,，]?\s?(?:至|到|—{1,2}|-{1,2}|~|–|－|～)\s?(?:同年\s?)?"
)
_EXTEND = re.compile(r"[^,，。]{0,12}?(?:延长|延|延期|延后|推迟|顺延|调整)(?:至|到)\s?")
_REPLACE = re.compile(r"[^。]{0,6}?(?:调整为|变更为|更改为|改为|调整至|更正为)\s?")
_END_AFTER = re.compile(
    r"\s?(?:\)\s?)?"
    + _QUALIFIER
    + r"(?:前|之前|以前|止|为止|截止|结束|关闭|后[^，,。]{0,10}关闭|后不再|后停止|后系统)"
)
_END_BEFORE = re.compile(
    r"(?:截止|截至|截止到|截止至|截止于)(?:时间|日期)?\s?(?:为|是|到|至|于|在)?\s?:?\s?$"
    r"|(?:延长|延|延期|延后|推迟|顺延)(?:至|到)\s?$|(?:不迟于|最迟|最晚)(?:于|在|到)?\s?$"
    r"|(?:关闭|结束|截止|停止)(?:时间|日期)\s?(?:(?:更正|调整|变更|更改|改)?为|是)?\s?:?\s?$"
)
_START_BEFORE = re.compile(r"(?:开始|开放|启动)(?:时间|日期)\s?(?:为|是)?\s?:?\s?$")
_START_AFTER = re.compile(r"\s?(?:\)\s?)?" + _QUALIFIER + r"(?:起|开始|以后|开放|启动)")
# A lone date is a one-day (or, for a month, one-month) event when announced as one: 定于/预计于/
# 安排在 before it, a step label and a colon (评审：2026年5月), 经 (经4月11日…评审), or a verb of
# holding after it (5月8日组织专家评审).
_SINGLE_BEFORE = re.compile(
    r"(?:定于|拟于|将于|计划于|预计于|预计在|安排在|安排于|定在|时间为|时间是|:|(?:^|[^\u4e00-\u9fff])经)\s?$"
)
_SINGLE_AFTER = re.compile(r"\s?(?:\)\s?)?(?:组织|举行|召开|举办)")
_SUPERSEDED = re.compile(r"原(?:定|定于|定为|计划|为|来)?的?\s?$")
# Characters one of which every match of the "before the date" markers contains, derived from
# the regexes (gate.py) so that a new alternative can never be gated out by a stale list.
_BEFORE_MARKERS = (_SUPERSEDED, _END_BEFORE, _START_BEFORE, _SINGLE_BEFORE)
_BEFORE_CHARS = required_chars(*_BEFORE_MARKERS, common="年月日号时点分至到起止前后为是在于 ")
_NEGATIVE = re.compile(
    r"计算|年龄|资历|任职|任现职|业绩|成果|论文|发表|考试|笔试|面试|答辩|每年|通常|一般(?:在|为|于)|历年|往年|"
    r"近\d年|近[一二三四五六七八九十]年|以来|印发|下发|出台|发布的|发布(?:时间|日期)|成文日期|发文(?:时间|日期)|颁布|实施|"
    r"施行|学时|出生|毕业|取得|生效|测试|《"
)
# A defence or interview on its own is not a window (面试答辩时间定于…); held by the committee as
# part of the review (评审答辩, 评议及答辩, 组织答辩和评审) it is the review itself.
_INTERVIEW = frozenset(("答辩", "面试"))
_REVIEW_WORD = re.compile(r"评审|评议|评委")
# Brackets that quote the old window (原定为…) and document numbers (〔2024〕29号) are noise.
_NOISE = re.compile(
    r"\([^()]{0,60}原[^()]{0,60}\)|[〔\[【(]\s?\d{4}\s?[〕\]】)]\s?\d{1,4}\s?号|第\s?\d{1,4}\s?号"
)
_SEASON = re.compile(r"(20\d{2})\s?年度")
_CLAUSE_BREAK = re.compile(r"[，,。；;:：]")
_LEFT_BREAK = re.compile(r"[，,。；;]")  # a label before a colon (考试时间：…) belongs to the clause


@dataclass(slots=True)
class _Raw:
    span: tuple[int, int]
    start: Point | None
    end: Point | None


def _blank(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


_REACH = 40  # clause context is bounded so sentences with thousands of dates stay linear


def _clause(s: str, lo: int, hi: int) -> tuple[int, int]:
    start = max(0, lo - _REACH)
    a = max((m.end() for m in _LEFT_BREAK.finditer(s, start, lo)), default=start)
    b = next((m.start() for m in _CLAUSE_BREAK.finditer(s, hi, hi + _REACH)), min(len(s), hi + _REACH))
    return a, b


def _negative(blanked: str, span: tuple[int, int]) -> bool:
    """Whether the clause around ``span`` says this is not a window (exam, eligibility, …).

    ``blanked`` is the sentence with the points' own text blanked, so that 发布之日起 cannot
    trigger the filter.
    """
    a, b = _clause(blanked, *span)
    hits = {m.group() for m in _NEGATIVE.finditer(blanked, a, b)}
    if hits and hits <= _INTERVIEW and _REVIEW_WORD.search(blanked, a, b):
        return False
    return bool(hits)


def _pair(s: str, points: list[Point]) -> list[_Raw]:
    raws: list[_Raw] = []
    i = 0
    while i < len(points):
        p = points[i]
        nxt = points[i + 1] if i + 1 < len(points) else None
        gap_next = s[p.span[1] : nxt.span[0]] if nxt else ""
        before = s[max(0, p.span[0] - 12) : p.span[0]]
        # Cheap character test first: the marker regexes below are only worth running
        # when one of their characters is near (thousands of points in adversarial input).
        marked = not _BEFORE_CHARS.isdisjoint(before)
        if marked and _SUPERSEDED.search(before):
            # 原定于…的 window: skip it and, if it is a range, its end too.
            i += 2 if nxt and _CONNECTOR.fullmatch(gap_next) else 1
            continue
        if p.time_only:
            i += 1
            continue
        if nxt and _CONNECTOR.fullmatch(gap_next) and not (nxt.relative):
            raws.append(_Raw((p.span[0], nxt.span[1]), p, nxt))
            i += 2
            continue
        after = s[p.span[1] : p.span[1] + 14]
        if p.relative:
            raws.append(_Raw(p.span, p, None))
        elif (marked and _END_BEFORE.search(before)) or _END_AFTER.match(after):
            raws.append(_Raw(p.span, None, p))
        elif p.full and (_START_AFTER.match(after) or (marked and _START_BEFORE.search(before))):
            raws.append(_Raw(p.span, p, None))
        elif p.month is not None and (
            (marked and _SINGLE_BEFORE.search(before)) or _SINGLE_AFTER.match(after)
        ):
            raws.append(_Raw(p.span, p, p))
        i += 1
    return _rewrite(s, raws)


def _rewrite(s: str, raws: list[_Raw]) -> list[_Raw]:
    """Apply extensions (…延长至X: the new end wins) and replacements (A至B调整为C至D)."""
    out: list[_Raw] = []
    for r in raws:
        if out:
            prev = out[-1]
            gap = s[prev.span[1] : r.span[0]]
            if prev.start is not None and r.start is None and _EXTEND.fullmatch(gap):
                prev.end = r.end
                prev.span = (prev.span[0], r.span[1])
                continue
            if _REPLACE.fullmatch(gap):
                out[-1] = r
                continue
        out.append(r)
    return out


@dataclass(slots=True)
class _Context:
    published: date | None
    year: int | None = None  # last explicit year seen in the notice, with its month
    month: int = 1
    sentence_year: bool = False
    review_year: int | None = None  # the notice's 年度, last resort for undated years


def _year_for(p: Point, ctx: _Context) -> int | None:
    if p.year is not None:
        return p.year
    month = p.month or 1
    if ctx.year is not None and ctx.sentence_year:
        return ctx.year + 1 if month < ctx.month - 6 else ctx.year
    if ctx.published is not None:
        pub = ctx.published
        return pub.year + 1 if month < pub.month - 2 else pub.year
    if ctx.year is not None:
        return ctx.year + 1 if month < ctx.month - 6 else ctx.year
    if ctx.review_year is not None:
        # A 年度 season runs January–June of the next year; a few committees start in autumn.
        return ctx.review_year + 1 if month <= 6 else ctx.review_year
    return None


def _resolve(r: _Raw, ctx: _Context) -> tuple[str | None, str | None] | None:
    start_iso: str | None = None
    end_iso: str | None = None
    sy = sm = None
    if r.start is not None:
        if r.start.relative:
            if ctx.published is not None:
                sy, sm = ctx.published.year, ctx.published.month
                start_iso = ctx.published.isoformat()
        elif r.start.month is not None:
            sy, sm = _year_for(r.start, ctx), r.start.month
            if sy is None:
                return None
            start_iso = render(r.start, sy, sm, as_end=False)
        else:
            return None
    if r.end is not None:
        e = r.end
        if e.time_only:
            if start_iso is None or r.start is None:
                return None
            e = Point(e.span, r.start.year, r.start.month, r.start.day, None, e.hour, e.minute)
        if e.month is None and e.day is not None:
            if sy is None or sm is None or r.start is None:
                return None
            ey, em = sy, sm
            if r.start.day is not None and e.day < r.start.day:
                ey, em = (sy + 1, 1) if sm == 12 else (sy, sm + 1)
        elif e.month is not None:
            em = e.month
            if e.year is not None:
                ey = e.year
            elif sy is not None and sm is not None:
                ey = sy + 1 if em < sm else sy
            else:
                yy = _year_for(e, ctx)
                if yy is None:
                    return None
                ey = yy
        else:
            return None
        end_iso = render(e, ey, em, as_end=True)
        if end_iso is None:
            return None
    if start_iso is None and end_iso is None:
        return None
    if start_iso and end_iso and start_iso > end_iso:
        if r.start is not None and r.start.relative:
            # 即日起至X read after X: the deadline is still worth reporting.
            return None, end_iso
        return None
    return start_iso, end_iso


def _note_years(points: list[Point], ctx: _Context) -> None:
    for p in points:
        if p.year is not None and p.month is not None:
            ctx.year, ctx.month, ctx.sentence_year = p.year, p.month, True


def extract_windows(text: str, published: date | None = None) -> list[Window]:
    """Windows of a notice in the order they appear."""
    ctx = _Context(published)
    season = _SEASON.search(normalise(text[:3000]))
    ctx.review_year = int(season.group(1)) if season else None
    results = is_results_notice(normalise(text[:400]))
    windows: list[Window] = []
    prev_kind: str | None = None
    for raw_sentence in _SPLIT.split(text):
        evidence = raw_sentence.strip()
        if not evidence:
            continue
        s = prepare(_NOISE.sub(_blank, normalise(evidence)))
        points = find_points(s)
        found = keywords(s)
        ctx.sentence_year = False
        if not points:
            prev_kind = classify(s, (len(s), len(s)), [], found, results) or prev_kind
            continue
        chars = list(s)
        for p in points:
            chars[p.span[0] : p.span[1]] = " " * (p.span[1] - p.span[0])
        blanked = "".join(chars)
        raws = [r for r in _pair(s, points) if not _negative(blanked, r.span)]
        spans = [r.span for r in raws]
        seen = 0  # points before the current window feed the context year
        for r in raws:
            while seen < len(points) and points[seen].span[1] <= r.span[1]:
                _note_years(points[seen : seen + 1], ctx)
                seen += 1
            resolved = _resolve(r, ctx)
            if resolved is None:
                continue
            kind = classify(s, r.span, spans, found, results) or prev_kind or "other"
            last = windows[-1] if windows else None
            if (
                last is not None
                and last.evidence == evidence
                and last.end is None
                and resolved[0] is None
                and last.kind == kind
                and last.start is not None
                and resolved[1] is not None
                and last.start <= resolved[1]
            ):
                # 1月6日开始，1月20日结束 is one window written as a start and an end.
                windows[-1] = Window(kind, last.start, resolved[1], evidence)
                continue
            if (
                last is not None
                and last.evidence == evidence
                and last.kind == kind
                and resolved[0] is None
                and resolved[1] is not None
                and last.end is not None
                and len(last.end) == 10
                and resolved[1][:10] == last.end
            ):
                # 1月8日至2月2日，系统于2月2日18:00关闭: the deadline gives the range's end its time.
                windows[-1] = Window(kind, last.start, resolved[1], evidence)
                continue
            windows.append(Window(kind, resolved[0], resolved[1], evidence))
        _note_years(points, ctx)
        if not raws and found:
            prev_kind = classify(s, (len(s), len(s)), [], found, results) or prev_kind
    return windows
