"""Decide which step a window belongs to from the keywords around it.

A sentence often carries several steps (申报人于A至B进行网上申报，用人单位于C至D完成审核推荐),
so each window takes the kind of the *nearest* keyword, with generic words (申报, 审核, 评审)
penalised so that a specific phrase a little further away wins. Compound phrases are listed
before their parts (评审费 before 评审) because the alternation matches leftmost-first.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from .gate import first_class

# (pattern, kind, penalty in characters)
_KEYWORDS: list[tuple[str, str, int]] = [
    # A list of names published (参加答辩人员名单于…公示, 拟通过人员名单): after the review's steps.
    (r"参加[^，,。:；;]{0,6}?(?:答辩|面试|评审)的?人员名单|拟?通过(?:评审)?(?:的)?人员名单", "other", 0),
    # Actors and objects name no step; matching them keeps their 申报 from counting as "apply".
    # So does a level applied for, as a qualifier: 申报高级的教师须于…前将材料交人事处.
    (r"申报人员?|申请人|申报单位|申报材料|申报信息|申报表|申报条件|申报对象|"
     r"申报(?:正高级|副高级|高级|中级|初级)(?:职称)?的|评审委员会|评委会|评委办|高评委", "", 0),
    # Closing formulas name no step either: 逾期不予受理 ends a paper or an application line.
    (r"逾期(?:不予|不再|不|将不|一律不予?)(?:受理|接收|办理|补报|处理)|不予受理|恕不受理|"
     r"不再(?:受理|接收|接受)", "", 0),
    # Qualifiers of an actor or object name a step that is already over: 通过(形式)审核的申报人 pay
    # fees, 各单位报送的材料 are what a committee accepts.
    # So are 受理通过的申报人 (they pay fees) and 评审通过人员 (they collect certificates).
    (r"(?:通过|经过?)[^，,。:；;的]{0,8}?(?:审核|审查|推荐)(?:推荐|通过)?的|审核通过的|"
     # …通过评委会形式审查后，须于…前完成评审费缴纳: the step is what follows, not the 审查 behind it.
     r"(?:通过|经过?)[^，,。:；;]{0,8}?(?:审核|审查|受理|推荐)(?:推荐|通过)?后|(?:审核|受理)通过后|"
     # Those taking part in a step already planned: 参加面试答辩的人员请于…前缴纳评审费.
     r"参加[^，,。:；;]{0,6}?(?:答辩|评审|面试)的?人员|"
     r"(?:已|已经)?通过[^，,。:]{0,12}?受理的|受理通过的|评审通过(?:的|人员)|"
     r"(?:报送|提交|上报|递交|寄送|邮寄)的(?:申报|纸质|评审|推荐)?材料", "", 0),
    (r"评审费|评审服务费|缴费|缴纳|交费|收费|付费|费用", "fee", 0),
    (r"评审结果公示|评后公示|结果公示|评审结果", "other", 0),
    # Collecting certificates and making good missing papers (补正) come after or beside the steps.
    (r"领取(?:职称)?证书|证书领取|领证|发证|补正|补交|补充材料", "other", 0),
    (r"评前公示", "unit_review", 0),
    # A bare 公示 is the pre-review publicity, except in a results notice (see ``classify``).
    (r"公示", "publicity", 0),
    (r"纸质|报送|邮寄|寄送|寄出|递交|送交|送达|提交(?:申报|评审)?材料|材料提交|"
     r"现场提交|呈报|报材料", "paper", 0),
    # The committee receiving (接收) materials is acceptance; 不接收现场报送 is a paper rule.
    (r"受理申报(?:材料)?|受理|(?<!不)接收|材料接收|收取材料|形式审查", "accept", 0),
    (r"单位审核推荐|单位审核|审核推荐|推荐上报|单位推荐|(?:科室|学校|学院|院系|部门|医院)推荐|(?:完成|组织|做好)推荐|主管部门|用人单位|所在单位|单位初审|"
     r"资格审查|审核|审查|初审|预审", "unit_review", 2),
    (r"网上申报|网上填报|在线申报|个人申报|网上申请|网上提交|个人提交|申报系统|系统中?提交|系统受理|系统(?:将|会)?(?:自动)?关闭|关闭系统|系统开放|开放系统|"
     r"信息系统|填报|注册|提交申请|申报时间|申报期|网上报名|报名", "apply", 0),
    (r"(?:完成|组织|开展)评审(?!费)|评审会|评审工作|召开|评议|评审(?:时间|阶段)|会议|"
     r"答辩|面试|试讲|说课", "review", 0),
    (r"复核", "unit_review", 6),  # a re-check by a higher office; 受理并复核 stays acceptance
    (r"登录|登陆", "apply", 4),  # units log in too, so logging in is weak evidence
    (r"申报|申请", "apply", 6),
    (r"评审", "review", 6),
]  # fmt: skip
_RE = re.compile("|".join(f"(?P<k{i}>{p})" for i, (p, _, _) in enumerate(_KEYWORDS)))
# Logging in to a system is the means, not the step (登录系统缴纳评审费, 登录系统补正材料): the
# phrase is weak evidence of applying and does not put the verb after it further away.
_MEANS = re.compile(r"(?:登录|登陆)[^，,。:；;]{0,24}?(?:系统|平台|网站)")
_BREAK = re.compile(r"[，,：:、]")
# Parenthetical asides (office hours, addresses, 以邮戳为准) between a date and its verb are skipped
# when measuring how far a keyword is.
_ASIDE = re.compile(r"\([^()]{0,60}\)")
# A notice announcing review results: its 公示 is the post-review publicity, kind "other".
_RESULTS = re.compile(r"(?:评审|评议|评定|评委会)结果|通过(?:评审|人员|名单)|拟(?:通过|认定|评定)|评审通过")


def is_results_notice(text: str) -> bool:
    """Whether the title or opening paragraph announces review results for publicity.

    Only a line that says both (…评审结果的公示, 通过评审…现予以公示) counts, so an ordinary
    notice that mentions results later keeps its 公示 as the pre-review publicity.
    """
    lines = [line for line in text[:400].splitlines() if line.strip()][:2]
    return any("公示" in line and _RESULTS.search(line) for line in lines)


# Keywords further than this from a window are ignored; bounding the search keeps long
# sentences with many dates linear.
REACH = 40


# Where a keyword can start. The regex engine tries every alternative at every position of a
# sentence; jumping between the few characters a keyword can start with is several times faster
# (and finds the same keywords: the scan resumes after each match, as finditer does).
_START = first_class(_RE)


def keywords(sentence: str) -> list[tuple[int, int, str, int]]:
    """(start, end, kind, penalty) of every keyword in the sentence."""
    found = []
    end = 0
    match = _RE.match
    for c in _START.finditer(sentence):
        pos = c.start()
        if pos < end:
            continue
        m = match(sentence, pos)
        if m is None:
            continue
        end = m.end()
        # Each alternative is one top-level group and none has a group inside: lastgroup names it.
        _, kind, penalty = _KEYWORDS[int(str(m.lastgroup)[1:])]
        found.append((pos, end, kind, penalty))
    if "登" in sentence:
        found.extend((m.start(), m.end(), "", 0) for m in _MEANS.finditer(sentence))
        found.sort()
    return found


@dataclass(frozen=True, slots=True)
class Pick:
    """The keyword a window's kind comes from.

    ``label`` is set when the keyword labels the dates directly (网上申报时间：…, 受理时间为…);
    ``dist`` is the distance in characters (with penalties) the choice was made on.
    """

    kind: str
    keyword: str
    start: int
    end: int
    dist: float
    label: bool
    penalty: int


# What may stand between a label and its dates: 时间/日期…, 为/是, a colon, 自/从/于.
_LABEL_GAP = re.compile(
    r"\s?(?:推荐|上报|工作|环节)?(?:的)?(?:截止|截至|开始|结束|开放|关闭|起止|集中)?"
    r"(?:时间|日期|期限|时限|期间|时段|安排|日|期)?\s?"
    r"(?:为|是|定为|安排为|如下)?\s?[:：]?\s?(?:自|从|于|由|在)?\s?"
)
_LABEL_GAP_MAX = 16  # the longest gap _LABEL_GAP can match, give or take
_COLON_OR_TIME = re.compile(r"时间|日期|期限|时限|时段|[:：为]")


# From a keyword to the next window: the rest of that window's label (材料报送时间：).
_NEXT_LABEL = re.compile(r"[^，,。；;:：\s\d]{0,12}?" + _LABEL_GAP.pattern)


def _labels_next(gap: str) -> bool:
    return bool(_NEXT_LABEL.fullmatch(gap)) and bool(_COLON_OR_TIME.search(gap))


def is_label_gap(gap: str) -> bool:
    """Whether ``gap`` between a keyword and the dates makes the keyword their label.

    A bare keyword glued to the dates (缴费2025年…) is a label only with a colon or a
    时间/日期 word in between; 于/在 alone (用人单位于…) make it the actor of the clause.
    """
    return bool(_LABEL_GAP.fullmatch(gap)) and (gap.strip() == "" or bool(_COLON_OR_TIME.search(gap)))


def classify(
    sentence: str,
    span: tuple[int, int],
    others: list[tuple[int, int]],
    found: list[tuple[int, int, str, int]],
    results: bool = False,
) -> str | None:
    """Kind of the keyword nearest to ``span`` (see ``pick``)."""
    got = pick(sentence, span, others, found, results)
    return got.kind if got else None


def label_kind(label: str, results: bool = False) -> str | None:
    """The step a label or heading names as a whole (校内审核, 网上申报时间), or None."""
    return classify(label, (len(label), len(label)), [], keywords(label), results)


def pick(
    sentence: str,
    span: tuple[int, int],
    others: list[tuple[int, int]],
    found: list[tuple[int, int, str, int]],
    results: bool = False,
    starts: list[int] | None = None,
) -> Pick | None:
    """The keyword that names the step of the window at ``span``.

    A label right before the dates (网上申报时间：…) wins outright. Otherwise the nearest
    keyword wins; keywords behind another window belong to that one, and a keyword that labels
    a later window (…至1月23日 纸质材料报送时间:2月16日…) is never this window's.

    ``others`` are all window spans of the sentence (``span`` itself may be among them), and
    ``starts`` their starts if the caller has them. ``found`` and ``others`` must be sorted.
    """
    s, e = span
    if starts is None:
        starts = [o[0] for o in others]
    lo = bisect_left(found, (s - REACH,))
    hi = bisect_right(found, (e + REACH,))
    # The label first: the last keyword before the dates, if only 时间：/为/… stands between.
    for ks, ke, kind, penalty in reversed(found[lo:hi]):
        if ke > s or not kind:
            continue
        if s - ke <= _LABEL_GAP_MAX and is_label_gap(sentence[ke:s]):
            return Pick(_publicity(kind, results), sentence[ks:ke], ks, ke, 0.0, True, penalty)
        break
    j = bisect_left(starts, e)
    next_start = others[j][0] if j < len(others) else -1
    neutral = [f for f in found[lo:hi] if not f[2]]
    best: tuple[float, int, int, str, int] | None = None
    for ks, ke, kind, penalty in found[lo:hi]:
        if not kind:
            continue
        if ke <= s:
            gap = (ke, s)
        elif ks >= e:
            gap = (e, ks)
            if ke <= next_start <= ke + _LABEL_GAP_MAX and _labels_next(sentence[ke:next_start]):
                continue  # part of the next window's label (…至1月23日 纸质材料报送时间:2月16日…)
        else:
            gap = (s, s)
        # Actors and objects on the way (将申报人的纸质材料…) do not put the verb further away.
        pieces, pos = [], gap[0]
        for na, nb, _kind, _pen in neutral:
            if gap[0] <= na and nb <= gap[1]:
                pieces.append(sentence[pos:na])
                pos = nb
        pieces.append(sentence[pos : gap[1]])
        between = "".join(pieces)
        if "(" in between:
            between = _ASIDE.sub("", between)
        dist: float = len(between) + penalty
        i = bisect_left(starts, gap[0])
        if i < len(others) and others[i][1] <= gap[1]:
            dist += 100
        # Labels usually sit before the date (网上申报时间：…), verbs after it; a clause break in
        # between is a weak sign the keyword belongs elsewhere.
        dist += 2 * len(_BREAK.findall(between))
        if best is None or dist < best[0]:
            best = (dist, ks, ke, kind, penalty)
    if best is None:
        return None
    dist, ks, ke, kind, penalty = best
    return Pick(_publicity(kind, results), sentence[ks:ke], ks, ke, dist, False, penalty)


def _publicity(kind: str, results: bool) -> str:
    if kind == "publicity":
        return "other" if results else "unit_review"
    return kind
