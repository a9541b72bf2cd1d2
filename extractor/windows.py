"""From a notice's text to its windows: segments, pairing points, filters, layout.

Per segment (a sentence or line, see layout.py): points are found (dates.py), adjacent points
joined by a connector become a range, lone points become a deadline, a start or a one-day event
depending on the words around them, and points in a context that is not an application window
(eligibility and evidence cut-offs, exams, cited documents, superseded dates, generic seasons,
placeholders) are dropped. Missing years come from the range's other end, an explicit year
earlier in the notice, or the publish date.

Across segments: a label line gives its step to the lines under it; a start line and the
deadline line after it are one window; a deadline that repeats a range's end refines that
range instead of being a second window; a committee named by a row, list item or heading is
the committee of the windows under it when the notice names several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .committee import NTH_COMMITTEE, CommitteeNames, distinct_committees, group_members, group_name
from .dates import Point, find_points, prepare, render
from .gate import required_chars
from .kinds import Pick, classify, is_results_notice, keywords, label_kind, pick
from .layout import (
    Segment,
    blank_layout_noise,
    clause_committees,
    counted_committees,
    expand_text_tables,
    heading_committees,
    inline_label,
    label_line,
    ordinal,
    own_label,
    row_committee,
    same_committee,
    segment_spans,
    starts_with_date,
)
from .model import Window
from .numerals import normalise
from .traditional import as_written, simplified_sentences, to_simplified

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
    r"(?:截止|截至|截止到|截止至|截止于)(?:时间|日期|日|期限)?\s?(?:为|是|到|至|于|在)?\s?:?\s?$"
    r"|(?:延长|延|延期|延后|推迟|顺延)(?:至|到)\s?$|(?:不迟于|最迟|最晚)(?:于|在|到)?\s?$"
    r"|(?:关闭|结束|截止|停止)(?:时间|日期|日|期限)\s?(?:统一|均|一律|相应)?\s?(?:(?:更正|调整|变更|更改|改)?为|是)?\s?:?\s?$"
    r"|最后期限\s?(?:为|是)?\s?:?\s?$"
)
# 开始时间：…, and a label ending in the word alone (网上申报开始：2026年2月24日8:30).
_START_BEFORE = re.compile(r"(?:开始|开放|启动|开通)(?:(?:时间|日期)\s?(?:为|是)?\s?:?|\s?:)\s?$")
_START_AFTER = re.compile(r"\s?(?:\)\s?)?" + _QUALIFIER + r"(?:起|开始|以后|开放|启动|开通|启用)")
# A lone date is a one-day (or, for a month, one-month) event when announced as one: 定于/预计于/
# 安排在 before it, a step label and a colon (评审：2026年5月), 经 (经4月11日…评审), or a verb of
# holding after it (5月8日组织专家评审).
_SINGLE_BEFORE = re.compile(
    r"(?:定于|拟于|将于|计划于|预计于|预计在|安排在|安排于|定在|时间为|时间是|:|(?:^|[^\u4e00-\u9fff])经)\s?$"
)
# …于6月组织评审, 均于6月进行评审: the date of the review itself.
_SINGLE_AFTER = re.compile(r"\s?(?:\)\s?)?(?:组织|举行|召开|举办|(?:进行|开展)评审)")
_SUPERSEDED = re.compile(r"原(?:定|定于|定为|计划|为|来)?的?\s?$")
# Characters one of which every match of the "before the date" markers contains, derived from
# the regexes (gate.py) so that a new alternative can never be gated out by a stale list.
_BEFORE_MARKERS = (_SUPERSEDED, _END_BEFORE, _START_BEFORE, _SINGLE_BEFORE)
_BEFORE_CHARS = required_chars(*_BEFORE_MARKERS, common="年月日号时点分至到起止前后为是在于 ")
# The same for the markers after a date (…前, …起, …组织评审): most points in a long run of dates
# have none of these characters in the 14 that follow them.
_AFTER_MARKERS = (_END_AFTER, _START_AFTER, _SINGLE_AFTER)
_AFTER_CHARS = required_chars(*_AFTER_MARKERS, common="年月日号时点分至到为是在于 ")
_NEGATIVE = re.compile(
    r"计算|年龄|资历|任职|任现职|业绩|成果|论文|发表|考试|笔试|面试|答辩|每年|通常|一般(?:在|为|于)|历年|往年|"
    r"近\d年|近[一二三四五六七八九十]年|以来|印发|下发|出台|发布的|发布(?:时间|日期)|成文日期|发文(?:时间|日期)|颁布|实施|"
    r"施行|执行|学时|出生|毕业|取得|生效|测试|《|"
    # Evidence and document cut-offs: 社保缴费记录截至…, 工作年限统计截止到…, 著作须在…前正式出版
    # (not the 出版 series: 出版专业人员…评审委员会的受理时间为…).
    r"社保|社会保险|参保|缴费记录|年限|统计(?:截止|截至|时间|到)|出版(?!专业|系列|评|高评|中评|初评)|出刊|见刊|刊发|刊出|退休|"
    # Generic seasons (一般集中在8月至9月) and plans for the notice itself (发布通知：3月).
    r"一般(?:集中|安排|会|是|都)|大多|多集中|往往|(?:发布|印发|下发)通知(?!之日)|"
    # Print-outs cut off (继续教育证书打印时间截至…), maintenance and holidays (系统维护期间暂停申报).
    r"打印时间|打印截[止至]|维护|暂停|假期|放假|恢复|搬迁|"
    # Policies taking effect (自2026年1月1日起实行…), exam candidates and recruitment.
    r"实行|考生|招聘|"
    # What a candidate's work must have reached by a date (科研项目须在…前结题, 代表作品须在…前完成);
    # works sent in by a date (代表作须于…前报送) are the paper step, and stay a window.
    r"结题|中期检查|(?:代表作|作品)[^，,。；;]{0,24}?前(?:完成|创作|展出|获奖)|"
    # The previous season quoted (参照2025年度安排（…）), the city bureaus' own deadline to the province
    # (各地级以上市人力资源社会保障局须于…前…报送我厅: applicants who send papers to 我厅 have a window),
    # a notice about a notice (发布评审通知：…).
    r"参照[^，,。；;()]{0,12}安排\s?\(|地级以上市人力资源|发布[^，,。:：]{1,4}通知(?!之日)"
)
# A defence or interview on its own is not a window (面试答辩时间定于…); held by the committee as
# part of the review (评审答辩, 评议及答辩, 组织答辩和评审) it is the review itself.
_INTERVIEW = frozenset(("答辩", "面试"))
_TAKING_PART = re.compile(r"参加[^，,。:；;]{0,6}?(?:答辩|面试|评审)的?人员")
_REVIEW_WORD = re.compile(r"评审|评议|评委")
# Brackets that quote the old window (原定为…) and document numbers (〔2024〕29号) are noise.
_NOISE = re.compile(
    # A correction's quote of the wrong text: “评审费缴纳时间：3月2日至3月6日”有误.
    r"“[^“”]{0,80}”\s?(?:有误|错误|存在错误)|"
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
    how: str  # why the dates were read so: range, pattern: 前, single: 定于, …


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
    clause = blanked[a:b]
    if "参加" in clause:  # 参加答辩人员须于…前缴费: the people, not an interview date
        clause = _TAKING_PART.sub(_blank, clause)
    hits = {m.group() for m in _NEGATIVE.finditer(clause)}
    if hits and hits <= _INTERVIEW and _REVIEW_WORD.search(clause):
        return False
    return bool(hits)


# A plan, not a date: 拟于4月下旬组织评审, 预计5月至6月, 原则上于6月底前完成. A tentative word with only a
# month (or a part of one) is the committee's intention, to be fixed by a later notice ("具体时间另行通知");
# with a day (拟于5月20日召开评审会议) it is announced, and stays a window.
_TENTATIVE = re.compile(r"拟(?:于|在|定|安排)|预计|计划(?:于|在)|原则上|初定|暂定|待定")


def _tentative(blanked: str, raw: _Raw) -> bool:
    """Whether ``raw`` is a tentative plan of month precision (see ``_TENTATIVE``)."""
    if any(p is not None and p.full for p in (raw.start, raw.end)):
        return False
    a, b = _clause(blanked, *raw.span)
    return _TENTATIVE.search(blanked, a, b) is not None


# A date with a placeholder in it (X月X日, 3月XX日, 2026年X月) is no date.
_PLACEHOLDER = frozenset("XxＸｘ×*＊某□")


def _placeholder(s: str, p: Point) -> bool:
    a, b = p.span
    if b < len(s) and s[b] in _PLACEHOLDER:
        return True
    # X月3日: the day's month is a placeholder.
    return p.month is None and a > 1 and s[a - 1] == "月" and s[a - 2] in _PLACEHOLDER


def _pair(s: str, points: list[Point], column: int = 0) -> list[_Raw]:
    """Windows of one segment from its points. ``column``: where a table column's label ends."""
    raws: list[_Raw] = []
    # Bound methods held locally and cheap character gates before every regex: this loop runs
    # once per point, thousands of times on adversarial input.
    connector, n, count = _CONNECTOR.fullmatch, len(s), len(points)
    gate, after_gate = _BEFORE_CHARS.isdisjoint, _AFTER_CHARS.isdisjoint
    end_after, start_after, single_after = _END_AFTER.match, _START_AFTER.match, _SINGLE_AFTER.match
    i = 0
    while i < count:
        p = points[i]
        nxt = points[i + 1] if i + 1 < count else None
        a, b = p.span
        # A connector is at least one character: dates glued together (1月1月) are no range.
        joined = nxt is not None and nxt.span[0] > b and connector(s[b : nxt.span[0]]) is not None
        before = s[a - 12 if a > 12 else 0 : a]
        # Only run the marker regexes when one of their characters is near.
        marked = not gate(before)
        if marked and _SUPERSEDED.search(before):
            # 原定于…的 window: skip it and, if it is a range, its end too.
            i += 2 if joined else 1
            continue
        if p.time_only or (b < n and s[b] in _PLACEHOLDER) or (p.month is None and _placeholder(s, p)):
            i += 1
            continue
        if joined and nxt is not None and not nxt.relative:
            if not _placeholder(s, nxt):
                raws.append(_Raw((a, nxt.span[1]), p, nxt, "range"))
            i += 2
            continue
        after = s[b : b + 14]
        follows = not after_gate(after)
        i += 1
        if not (marked or follows or p.relative):
            continue
        m: re.Match[str] | None = None
        if p.relative:
            raws.append(_Raw(p.span, p, None, "relative start: " + s[a:b].strip()))
        elif (marked and (m := _END_BEFORE.search(before))) or (follows and (m := end_after(after))):
            raws.append(_Raw(p.span, None, p, "pattern: " + m.group().strip(" ()")))
        elif p.full and (
            (follows and (m := start_after(after))) or (marked and (m := _START_BEFORE.search(before)))
        ):
            raws.append(_Raw(p.span, p, None, "pattern: " + m.group().strip(" ()")))
        elif p.month is not None and (
            (marked and (m := _SINGLE_BEFORE.search(before))) or (follows and (m := single_after(after)))
        ):
            marker = m.group().strip(" ()")
            # 发布通知：3月 / 评审：6月 in a plan of months, without a year or a day, is tentative;
            # a table's 评审时间 column saying 5月 is the schedule.
            if not (marker == ":" and p.day is None and p.year is None and a != column):
                raws.append(_Raw(p.span, p, p, "single: " + (marker if marker != ":" else "label")))
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
                prev.how = "extended: " + gap.strip()[-3:]
                continue
            if _REPLACE.fullmatch(gap):
                r.how += "; replaced: " + gap.strip()[-3:]
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
            e = r.end
            if r.start.year is None and e is not None and e.year is not None and e.month is not None:
                # An explicit year at the end beats inference (5月6日至2026年5月20日).
                sy = e.year - 1 if r.start.month > e.month else e.year
            else:
                sy = _year_for(r.start, ctx)
            sm = r.start.month
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
    """The last explicit year among ``points`` becomes the context year."""
    for p in reversed(points):
        if p.year is not None and p.month is not None:
            ctx.year, ctx.month, ctx.sentence_year = p.year, p.month, True
            return


# How sure a step is, by where it came from; how sure the dates are, by their shape.
_KIND_CONFIDENCE = {
    "label": 0.95,
    "column": 0.9,
    "line": 0.9,
    "keyword": 0.8,
    "weak keyword": 0.6,
    "heading": 0.6,
    "guess": 0.45,
    "none": 0.3,
}
_WEAK_SOURCES = frozenset(("heading", "guess", "none"))


def _shape_confidence(how: str) -> float:
    if how.startswith(("range", "extended", "relative")):
        return 1.0
    if how.startswith("pattern"):
        return 0.95
    return 0.85  # a one-day or one-month event


@dataclass(slots=True)
class _Found:
    kind: str
    start: str | None
    end: str | None
    seg: int
    evidence: str
    span: tuple[int, int] | None  # of the evidence in the notice text
    source: str  # where the kind came from: a key of _KIND_CONFIDENCE
    reason: str
    confidence: float
    committee: str | None = None
    committee_guessed: bool = False


@dataclass(slots=True)
class _Kind:
    kind: str
    source: str
    reason: str
    label: str = ""  # a label line's text, written in front of date-first lines under it


def _label_text(s: str, p: Pick, span: tuple[int, int]) -> str:
    return s[p.start : span[0]].strip(" :为是自从于由在").strip() or p.keyword


def _kind_of(
    s: str,
    span: tuple[int, int],
    spans: list[tuple[int, int]],
    found: list[tuple[int, int, str, int]],
    results: bool,
    seg: Segment,
    line: _Kind | None,
    heading: _Kind | None,
    committee_row: bool,
    line_prefix: int = 0,
    starts: list[int] | None = None,
) -> _Kind:
    """The step of a window and where it came from, strongest source first.

    A label right before the dates; a table column or step cell; a verb glued to the dates
    (…至3月6日缴费); the label line above; the nearest keyword; the heading above; a row that
    names only a committee is read as its application window; else "other".
    """
    got = pick(s, span, spans, found, results, starts)
    if got is not None and got.label:
        if seg.label is not None and got.start < seg.prefix:
            return _Kind(got.kind, "column", seg.label[1])  # the header written in front of the cell
        if line is not None and got.start < line_prefix:
            return line  # the label line written in front of this line
        return _Kind(got.kind, "label", "label: " + _label_text(s, got, span))
    if seg.label is not None:
        return _Kind(seg.label[0], "column", seg.label[1])
    if got is not None and got.start >= span[1] and got.dist <= 2 and got.penalty == 0:
        return _Kind(got.kind, "keyword", "keyword: " + got.keyword)
    if line is not None:
        return line
    if got is not None:
        source = "keyword" if got.penalty == 0 and got.dist <= 12 else "weak keyword"
        return _Kind(got.kind, source, "keyword: " + got.keyword)
    if heading is not None:
        return heading
    if committee_row:
        return _Kind("apply", "guess", "guess: a committee's row names no step")
    return _Kind("other", "none", "no step named")


def _compatible(a: _Found, b: _Found) -> bool:
    return a.committee == b.committee and (
        a.kind == b.kind or a.source in _WEAK_SOURCES or b.source in _WEAK_SOURCES
    )


def _joined(a: _Found, b: _Found, text: str) -> tuple[str, tuple[int, int] | None]:
    if a.seg == b.seg:
        return a.evidence, a.span
    if a.span is not None and b.span is not None:
        return text[a.span[0] : b.span[1]], (a.span[0], b.span[1])
    return f"{a.evidence}\n{b.evidence}", None


def _add(out: list[_Found], f: _Found, text: str) -> None:
    """Append ``f``, or fold it into the window it completes (start + deadline, refined end)."""
    last = out[-1] if out else None
    if (
        last is not None
        and last.end is None
        and last.start is not None
        and f.start is None
        and f.end is not None
        and last.start <= f.end
        and f.seg - last.seg <= 2
        and _compatible(last, f)
    ):
        # 1月6日开始，1月20日结束 / 系统开放时间：…⏎个人提交截止时间：… is one window.
        strong = f if last.source in _WEAK_SOURCES and f.source not in _WEAK_SOURCES else last
        last.kind, last.source = strong.kind, strong.source
        last.end = f.end
        last.evidence, last.span = _joined(last, f, text)
        kind_reason, _, how = f.reason.partition("; ")
        last.reason = f"{last.reason}; end: {how if last.reason.startswith(kind_reason) else f.reason}"
        last.confidence = min(last.confidence, f.confidence)
        last.seg = f.seg
        return
    if f.start is None and f.end is not None:
        for prev in reversed(out[-6:]):
            if prev.start is None or prev.end is None or prev.end[:10] != f.end[:10]:
                continue
            if not _compatible(prev, f):
                continue
            # A deadline that repeats a range's end (…至3月27日 ⏎ 须于3月27日17:30前完成) gives that
            # end its time; it is not a second window.
            if len(prev.end) == 10 and len(f.end) > 10:
                prev.end = f.end
                prev.reason += "; end time from a later deadline"
                if prev.seg != f.seg:
                    prev.evidence, prev.span = _joined(prev, f, text)
            return
    out.append(f)


_BRACKETED = re.compile(r"[(（][^)）]*[)）]")


# A field at the start of the range's clause: 生物医药专业申报人须于…, 、轻工纺织专业的申报人…
_CLAUSE_FIELD = re.compile(
    r"(?:^|[,，;；。、:])\s?([\u4e00-\u9fff]{2,8}?)专业(?:的)?(?:申报人员?|人员)[^,，;；。、\d]*$"
)
# A label at the start of a line: 校内审核：…
_LINE_LABEL = re.compile(r"\s?([^:,，。;；\d]{2,12}):")
# A level named in the range's own clause, before it (申报高级的人员须于…, 中级申报人员于…), or in the
# clause 的 ends just before it (申报高级的，学校推荐截止时间为…).
_CLAUSE_LEVEL = re.compile(
    r"(?:^|[,，;；。])[^,，;；。]*?(正高级|副高级|高级|中级|初级)(?:[^,，;；。\d]*|的\s?[,，][^,，;；。\d]*)$"
)


def _noted_kind(title: str, results: bool) -> bool:
    """Whether a heading's step word is only in its brackets (中级会计师（评审）), not in its words."""
    bare = _BRACKETED.sub("", title).strip(" :")
    if bare == title.strip(" :"):
        return False
    return not label_kind(bare, results)


# Committees named by who set them up: 市卫生健康委组建的两个评委会.
_ORGANISER = re.compile(r"(?:^|[,，。;；:、\s])([\u4e00-\u9fff]{2,12}?)组建的(?:两|二|三|四|五|六|[2-6])个")


class _LazyNames:
    """The notice's committee names (``CommitteeNames``), read only once a window names a committee."""

    def __init__(self, text: str, segments: list[Segment]) -> None:
        self._text, self._segments = text, segments
        self._names: CommitteeNames | None = None

    def _read(self) -> CommitteeNames:
        if self._names is None:
            cells = "\n".join(g.committee for g in self._segments if g.committee)
            self._names = CommitteeNames(normalise(to_simplified(self._text)) + "\n" + cells)
        return self._names

    def canonical(self, name: str) -> str | None:
        return self._read().canonical(name)

    def stands_for(self, heading: str) -> str | None:
        return self._read().stands_for(heading)

    def of_level(self, level: str) -> str | None:
        return self._read().of_level(level)

    def nth(self, reference: str) -> str | None:
        return self._read().nth(reference)

    def is_full(self, name: str) -> bool:
        """Whether ``name`` resolves to one of the committees the notice names in full."""
        names = self._read()
        return names.canonical(name) in names.full

    def all_of(self, owners: list[str]) -> bool:
        """Whether ``owners`` are every committee the notice names in full (two or more)."""
        full = self._read().full
        return len(full) >= 2 and all(any(same_committee(o, f) for o in owners) for f in full)

    def counted(self, n: int, sentence: str = "") -> tuple[str, ...] | None:
        """The ``n`` committees a sentence counts (两个评委会均…): the notice's, when it names exactly ``n``
        in full, or those of the organiser the sentence names (市卫生健康委组建的两个评委会: the ones the
        notice lists as 市卫生健康委组建的…); else None."""
        full = self._read().full
        if (by := _ORGANISER.search(sentence)) is not None:
            text = normalise(to_simplified(self._text))
            theirs = tuple(f for f in full if by.group(1) + "组建的" + f in text)
            return theirs if len(theirs) == n else None
        return tuple(full) if len(full) == n else None


def _clause_owner(s: str, at: int, names: _LazyNames) -> str | None:
    """The one committee the clause of a range starting at ``at`` names by its level or field, else None.

    申报高级的人员须于3月16日前…；申报中级的…: the level's one committee; 生物医药专业申报人须于3月13日前、
    轻工纺织专业…: the field's (its branch). Only in a notice naming several committees in full.
    """
    if (levelled := _CLAUSE_LEVEL.search(s, 0, at)) and (owner := names.of_level(levelled.group(1))):
        return owner
    if field := _CLAUSE_FIELD.search(s, 0, at):
        return names.stands_for(field.group(1) + "专业")
    return None


def _label_committee(head: str, names: _LazyNames, results: bool) -> str | None:
    """The committee a line's leading label stands for (建设交通工程专业：受理申报时间为…), else None.

    Only a label with no step of its own, before the line's first colon, that fits exactly one of
    the committees the notice names in full (``CommitteeNames.stands_for``).
    """
    colon = head.find(":")
    if colon < 0:
        return None
    label = head[ordinal(head)[1] : colon].strip()
    if not 2 <= len(label) <= 16 or label_kind(label, results):
        return None
    return names.stands_for(label)


def _committees(out: list[_Found]) -> None:
    """Keep per-window committees only in a notice that names several; else the notice's (None).

    A notice counts as naming several when its sentences name one committee in full for some windows
    and leave others to the notice itself (本评委会…；广州市…中级职称评审委员会受理时间为…): the named
    one may be another committee than the notice's own.
    """
    names = distinct_committees(f.committee for f in out)
    # Stricter than a full name in CommitteeNames (…评委会, 8 characters): a window's name has not been
    # trimmed of the words before it, and 申报材料经评委会 is no committee of its own.
    named_apart = (
        len(names) == 1
        and names[0].endswith("评审委员会")
        and len(names[0]) >= 10
        and any(f.committee is None for f in out)
        and all(not f.committee_guessed for f in out if f.committee)
    )
    if len(names) >= 2 or named_apart:
        for f in out:
            if f.committee and f.committee_guessed:
                f.confidence = round(f.confidence * 0.9, 2)
        return
    for f in out:
        f.committee = None


def text_segments(text: str) -> list[Segment]:
    """The sentences and lines of a notice's text, simplified for matching."""
    spans = segment_spans(text)
    simple = simplified_sentences(text, spans)
    return [Segment(text[a:b], t, (a, b)) for (a, b), t in zip(spans, simple, strict=True)]


def extract_windows(text: str, published: date | None = None) -> list[Window]:
    """Windows of a notice in the order they appear."""
    return extract_segments(text_segments(text), published, text)


def extract_segments(segments: list[Segment], published: date | None, text: str = "") -> list[Window]:
    """Windows of a notice given as segments (text lines and table cells) in document order.

    ``text`` is the notice text the segments' spans point into (for evidence that spans lines).
    """
    segments = expand_text_tables(segments)
    ctx = _Context(published)
    head = normalise(to_simplified(text[:3000]) if text else "\n".join(g.text for g in segments[:40]))
    season = _SEASON.search(head)
    ctx.review_year = int(season.group(1)) if season else None
    results = is_results_notice(head[:400])
    names = _LazyNames(text, segments)
    out: list[_Found] = []
    heading: _Kind | None = None
    line: _Kind | None = None
    committee_ctx: tuple[tuple[str, ...], int] | None = None  # a committee heading's names and list level
    item: tuple[str, int] | None = None  # a list item's committee and where its line ends
    titled: tuple[int, _Kind] | None = None  # the last short heading and where it was
    same_line: tuple[_Kind, int] | None = None  # a labelled line's step and where the line ends
    for index, seg in enumerate(segments):
        s = prepare(blank_layout_noise(_NOISE.sub(_blank, normalise(seg.text))))
        if "第" in s and (nth := NTH_COMMITTEE.search(s)) and (named_nth := names.nth(nth.group())):
            s = s[: nth.start()] + named_nth + s[nth.end() :]  # 上述第三项评委会: read as the one it means
        inline = inline_label(s) if ":" in s else None
        if inline is not None and (kind := label_kind(inline)):
            line = _Kind(kind, "line", "label line: " + inline, inline)
        # Under a label line (个人网上申报截止时间：⏎2026年1月23日17:30) a line that starts with its
        # dates is read with the label in front: 截止 makes its date a deadline, as on one line.
        # A short heading right above (四、评审 ⏎ 2026年5月…) labels a date-first line the same way.
        above = line
        if above is None and titled is not None and titled[0] == index - 1:
            above = titled[1]
        prefix = 0
        if above is not None and above.label and not seg.prefix and inline is None and starts_with_date(s):
            s = f"{above.label}:{s}"
            prefix = len(above.label) + 1
        points = find_points(s)
        found = keywords(s)
        ctx.sentence_year = False
        if not points:
            kind = classify(s, (len(s), len(s)), [], found, results)
            named = heading_committees(s)
            level = ordinal(s)[0]
            title = s[ordinal(s)[1] :]
            if (
                named is not None
                and len(named[0]) == 1
                and not names.is_full(named[0][0])
                and (stood := names.stands_for(title))
            ):
                named = ((stood,), named[1])  # 一、会计系列高级: the series at that level is one committee
            if (
                named is None
                and level
                and (not kind or _noted_kind(title, results))
                and (stood := names.stands_for(title))
            ):
                # 一、工艺美术中级: the section of the one committee it stands for; a step word only
                # in its brackets (二、中级会计师（评审）) is the route's note, not the section's step.
                named, kind = ((stood,), level), None
            if named is not None:
                committee_ctx = named
            elif committee_ctx is not None and level and level <= committee_ctx[1]:
                committee_ctx = None  # a new section at the committee heading's level or above
            if not kind and level:
                line = heading = None  # a new numbered section (四、其他) ends the label's reach
            if kind:
                label = label_line(s)
                heading = _Kind(kind, "heading", "heading: " + s.strip(" :")[:20])
                line = _Kind(kind, "line", "label line: " + label, label) if label else None
                title = s[ordinal(s)[1] :].strip(" :.")
                if label is None and 2 <= len(title) <= 16:
                    titled = (index, _Kind(kind, "line", "heading above: " + title, title))
            continue
        level = ordinal(s)[0]
        if committee_ctx and level and level <= committee_ctx[1] and heading_committees(s) is None:
            # A numbered item at the committee heading's level or above is out of its section, dates and
            # all (五、各校须于3月6日前将纸质材料报送…): a step for the whole notice, not the last section's.
            committee_ctx = None
        pieces, pos = [], 0
        for p in points:
            pieces.append(s[pos : p.span[0]])
            pieces.append(" " * (p.span[1] - p.span[0]))
            pos = p.span[1]
        pieces.append(s[pos:])
        blanked = "".join(pieces)
        if prefix and above is not line:
            # A heading lends its step, not its words: 二、答辩时间 ⏎ 5月16日至17日 is the review,
            # while a label line's words count (年龄计算截止时间：⏎ … is a cut-off).
            blanked = " " * prefix + blanked[prefix:]
        raws = [
            r
            for r in _pair(s, points, seg.prefix)
            if not _negative(blanked, r.span) and not _tentative(blanked, r)
        ]
        spans = [r.span for r in raws]
        starts = [a for a, _ in spans]
        committee = seg.committee
        guessed = False
        if committee is None and raws:
            committee = row_committee(s[prefix:], raws[0].span[0] - prefix)
            if committee is None and committee_ctx is None:
                committee = _label_committee(s[: raws[0].span[0]], names, results)
            if committee is not None and seg.span is not None and text:
                # A list item goes on after its first sentence: （二）市工美高评委：网上申报…；纸质材料报送…
                end = text.find("\n", seg.span[1])
                item = (committee, end if end >= 0 else len(text))
            elif committee is None and item is not None and seg.span is not None and seg.span[0] < item[1]:
                committee = item[0]
        # A line with a label of its own (（三）单位审核推荐：…) is out of the label line's reach.
        own_kind = (
            classify(s, (raws[0].span[0], raws[0].span[0]), [], found, results)
            if raws and prefix == 0 and own_label(s[: raws[0].span[0]])
            else None
        )
        if own_kind:
            line = None
        # The rest of a labelled line (校内审核：申报高级的…3月13日前；申报中级的…截止时间为3月20日) keeps
        # its label's step where a sentence names none of its own.
        in_line = same_line[0] if same_line and seg.span is not None and seg.span[0] < same_line[1] else None
        if raws and seg.span is not None and text and (lead := _LINE_LABEL.match(s, ordinal(s)[1])):
            label = lead.group(1)
            if lead_kind := label_kind(label, results):
                end = text.find("\n", seg.span[1])
                same_line = (
                    _Kind(lead_kind, "heading", "label of the line: " + label),
                    end if end >= 0 else len(text),
                )
        # Committees the sentence itself names before its ranges (由…评审委员会评审，…; A、B系列…均为…).
        in_sentence = clause_committees(s, starts, committee) if seg.committee is None else [None] * len(raws)
        counted = counted_committees(s) if seg.committee is None and raws else 0
        # The heading's committees (several when it names a group: each window is each one's).
        carried: tuple[str, ...] = ()
        if committee is None and committee_ctx is not None:
            carried = committee_ctx[0]
            committee, guessed = carried[0], True
        if committee is not None:
            committee = names.canonical(committee)
        seen = 0  # points before the current window feed the context year
        labelled = False
        for r, named_here in zip(raws, in_sentence, strict=True):
            while seen < len(points) and points[seen].span[1] <= r.span[1]:
                q = points[seen]
                if q.year is not None and q.month is not None:
                    ctx.year, ctx.month, ctx.sentence_year = q.year, q.month, True
                seen += 1
            resolved = _resolve(r, ctx)
            if resolved is None:
                continue
            k = _kind_of(
                s,
                r.span,
                spans,
                found,
                results,
                seg,
                above if prefix else line,
                in_line or heading,
                committee is not None,
                prefix,
                starts,
            )
            labelled = labelled or k.source == "label"
            confidence = _KIND_CONFIDENCE[k.source] * _shape_confidence(r.how)
            if (r.start is None or r.start.year is None) and (r.end is None or r.end.year is None):
                confidence *= 0.95  # the year was inferred
            owners = [(committee, guessed)]
            if named_here:
                owners = [(names.canonical(n), False) for n in named_here]
            elif len(carried) > 1:
                owners = [(names.canonical(n), True) for n in carried]
            elif counted and (every := names.counted(counted, s)):
                owners = [(n, False) for n in every]
            elif committee is None and (clause_owner := _clause_owner(s, r.span[0], names)):
                owners = [(clause_owner, True)]
            if len(owners) > 1 and names.all_of(group := [n for n, _ in owners if n]):
                # A step for all of the notice's committees (两个评委会均于…) is one window of them all,
                # "A、B": one alert for a subscriber of both; each one's filters and board rows include it.
                # A step for some of them (A、B均…, a third apart) stays each one's, as such notices are read.
                owners = [(group_name(group), all(g for _, g in owners))]
            for owner, owner_guessed in owners:
                f = _Found(
                    k.kind,
                    resolved[0],
                    resolved[1],
                    index,
                    seg.evidence,
                    seg.span,
                    k.source,
                    f"{k.reason}; {r.how}",
                    round(confidence, 2),
                    owner,
                    owner_guessed,
                )
                _add(out, f, text)
        _note_years(points[seen:], ctx)
        if labelled:
            line = None  # rows that label themselves end the label line's reach
        if not raws and found:
            kind = classify(s, (len(s), len(s)), [], found, results)
            if kind:
                heading = _Kind(kind, "heading", "heading: " + s.strip(" :")[:20])
    _committees(out)
    # Names are spelled as the text writes them (its characters, its brackets); a table row's keep their
    # brackets from the cells, in simplified characters (the cells are not in the text).
    cells = ""
    if any(f.committee and "(" in f.committee for f in out):
        cells = to_simplified("\n".join(g.evidence for g in segments if g.committee))
    return [
        Window(f.kind, f.start, f.end, f.evidence, _spelled(f.committee, text, cells), f.reason, f.confidence)
        for f in out
    ]


def _spelled(name: str | None, text: str, cells: str) -> str | None:
    if name and len(members := group_members(name)) > 1:
        return group_name([_spelled(m, text, cells) or m for m in members])
    written = as_written(name, text)
    written = as_written(name, cells) if written == name and cells else written
    if written and "(" in written and written == name and "（" in text + cells:
        # A name put together (艺术高评委（美术） -> the full name and its branch) is written nowhere as
        # a whole: its brackets are the notice's.
        written = written.replace("(", "（").replace(")", "）")
    return written
