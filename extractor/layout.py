"""How a notice is laid out: segments, label lines, list numbers, committee rows and headings.

A *segment* is what the extractor reads at once: a sentence or line of the notice text, or a
table cell's line (tables.py). Layout decides what a segment inherits from around it:

- a label line (``材料报送时间：`` on its own, dates on the next line) gives its step to the
  lines that follow, until another label or heading;
- a committee named at the start of a row or list item (``一、卫生系列：…``, ``佛山 | 工程系列：…``)
  or by a heading line (``（二）广州市会计系列高级职称评审委员会``) is the committee of the windows
  in it, or under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .kinds import keywords
from .numerals import normalise

_SEGMENT = re.compile(r"[^。；;\n]+")


@dataclass(slots=True)
class Segment:
    """One piece of a notice. ``text`` is matched (simplified characters), ``evidence`` shown.

    ``span`` locates ``evidence`` in the notice text (None for table cells); ``label`` is a step
    given from outside the text (a table column header or step cell) as ``(kind, reason)``, and
    ``prefix`` the length of that label written in front of ``text`` (``受理时间：``);
    ``committee`` the committee a table row gives.
    """

    evidence: str
    text: str
    span: tuple[int, int] | None = None
    label: tuple[str, str] | None = None
    committee: str | None = None
    prefix: int = 0


def segment_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the notice's sentences and lines, stripped of surrounding blanks."""
    spans = []
    for m in _SEGMENT.finditer(text):
        a, b = m.span()
        piece = m.group()
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        if b - trail > a + lead:
            spans.append((a + lead, b - trail))
    return spans


# List numbers: 一、 （一） 1. 1、 （1） ①. Their level orders headings (一、 above （一） above 1.).
_ORDINAL = re.compile(
    r"\s?(?:(?P<l1>[一二三四五六七八九十]{1,3}\s?[、.])|(?P<l2>\(\s?[一二三四五六七八九十]{1,3}\s?\))"
    r"|(?P<l3>\d{1,2}\s?[、.](?!\d))|(?P<l4>\(\s?\d{1,2}\s?\))|(?P<l5>[①-⑳]))\s?"
)


def ordinal(s: str) -> tuple[int, int]:
    """(level, length) of the list number at the start of ``s``; level 0 if there is none."""
    m = _ORDINAL.match(s)
    if not m:
        return 0, 0
    level = next(i for i, name in enumerate(("l1", "l2", "l3", "l4", "l5"), 1) if m.group(name))
    return level, m.end()


# A list number glued to a year (3.2025年1月1日…, 2.2019年…) is not part of the year.
_LIST_NUMBER = re.compile(r"(?:^|(?<=[\s|:]))\d{1,2}\s?[.、](?=\s?(?:19|20)\d{2}\s?[年./-])")
# Link text in table rows and lists (查看通知>, 评审工作通知>>, 点击查看详情) is not a label.
_LINK = re.compile(
    r"(?:查看|点击查看|点击|详见|进入)?[\u4e00-\u9fff]{0,8}?(?:通知|公告|详情|全文|原文|链接|专题|附件)\s?[>＞»→]{1,3}"
    r"|(?:点击|查看)(?:详情|通知|全文|原文|链接)"
)


def _blank(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def blank_layout_noise(s: str) -> str:
    """List numbers before years and link text, blanked (offsets are kept)."""
    if "." in s or "、" in s:
        s = _LIST_NUMBER.sub(_blank, s)
    if ">" in s or "＞" in s or "»" in s or "→" in s or "点击" in s or "查看" in s:
        s = _LINK.sub(_blank, s)
    return s


# A line that only labels what follows: 材料报送时间：, 三、缴费：, 各评委会受理时间如下：
_LABEL_LINE = re.compile(r"(?P<label>[^\d:]{2,24}?)\s?:\s?$")

_SUFFIX = r"(?:系列|评审委员会|评委会|评委办|高评委|中评委|初评委|学科组|评审组)"
# A name holds no verb or preposition: 请各单位将材料报送市卫生高评委 does not start with one. 经 and 交
# are verbs only before a place or as 提交/送交 (经广州市…, 提交至…): 经济系列 and 交通运输 are names.
_NAME_CHAR = (
    r"(?:(?!经(?:广州|广东|[省市区])|[提送递]交|交[至到给])[^\W\d_将把向至请到送由对从于在的是为和或])"
)
# The branch a full name ends with is part of it: …中级职称评审委员会（电子信息）; a short name, the office or
# who applies in the bracket is not (（以下简称…）, （市教育局评委办）, （实验技术人员）).
_BRANCH_AFTER = r"(?:\((?![^)]*(?:简称|统称|下称|以下|评委|办|人员\)))[\u4e00-\u9fff]{2,8}\))?"
_BRANCHED_SUFFIX = _SUFFIX.replace("评审委员会", "评审委员会" + _BRANCH_AFTER)
_NAME = (
    _NAME_CHAR
    + r"{1,30}?"
    + _BRANCHED_SUFFIX
    + r"(?:"
    + _NAME_CHAR
    + r"{0,12}?(?:评审委员会"
    + _BRANCH_AFTER
    + r"|评委会|评委办))?"
)
_ROW_NAME = re.compile(r"(?P<name>" + _NAME + r")")
# A heading that is only a committee's name (（二）会计系列, 卫生系列高级职称评审安排：), a note in brackets
# after it (一、学校评委会评审（教师系列）).
_HEADING_TAIL = re.compile(
    r"(?:(?:正高级|副高级|高级|中级|初级)?(?:职称)?(?:评审|申报)?(?:工作)?(?:时间)?(?:安排|如下)?)?"
    r"(?:\([^()]{2,12}\))?\s?:?\s?$"
)
# Not a committee's name: the committees at large (各评委会), a notice's own office (本评委会).
_NOT_A_NAME = (
    "各",
    "本",
    "我",
    "该",
    "其他",
    "相关",
    "有关",
    "上述",
    "以下",
    "全市",
    "所属",
    "市级",
    "省级",
    "区级",
)
# 市评委会 in a relay is the city's committees at large, not one of them.
_GENERIC_NAME = frozenset(
    ("评审委员会", "评委会", "评委办", "高评委", "中评委", "初评委", "系列", "市评委会", "区评委会")
)


def _clean_name(name: str) -> str | None:
    name = name.strip(" ()")
    if len(name) < 3 or name in _GENERIC_NAME or name.startswith(_NOT_A_NAME) or _COUNTED.fullmatch(name):
        return None
    return name


_BRACKET = re.compile(r"(?:" + _ORDINAL.pattern + r")?\s?[【\[](?P<name>[^】\]\d]{2,16})[】\]]")
_CELLS = re.compile(r"\s*\|\s*|\s+")
_ITEM_START = re.compile(r"[:，,；;]\s?")


def _names_something(cell: str) -> bool:
    """Whether a cell holds a step or an actor (网上申报, 申报人) rather than a name."""
    return bool(keywords(cell)) and not _ROW_NAME.fullmatch(cell)


def row_committee(s: str, first_point: int) -> str | None:
    """The committee a row or list item starts with, before its first date (or None).

    ``s`` is the normalised segment and ``first_point`` where its first date starts. In a row
    with cells (``佛山 | 工程系列：3月2日-3月20日``) the cells before the date's cell name it
    too; a cell that names a step (网上申报) does not.
    """
    head = s[:first_point].strip()
    bracket = _BRACKET.match(head)
    if bracket and not keywords(bracket.group("name")):  # 【广州】网上申报：… (not 【网上申报】)
        name = bracket.group("name").strip()
        return None if name in _GENERIC_NAME or name.startswith(_NOT_A_NAME) else name
    *before, own = _CELLS.split(head) if head else [""]
    if not before:
        # The item nearest the date names it: 各评委会受理时间如下：一、卫生系列：… is 卫生系列's.
        for pos in reversed([0, *(m.end() for m in _ITEM_START.finditer(own))]):
            m = _ROW_NAME.match(own, pos + ordinal(own[pos:])[1])
            name = _clean_name(m.group("name")) if m else None
            if name:
                return name
        return None
    m = _ROW_NAME.match(own, ordinal(own)[1])
    name = _clean_name(m.group("name")) if m else None
    # Cells before the date's cell that name no step and no actor (佛山, 广州市卫生高评委).
    cells = [c[ordinal(c)[1] :].strip() for c in before]
    cells = [c for c in cells if c and len(c) <= 24 and not re.search(r"\d", c) and not _names_something(c)]
    prefix = "".join(cells)
    if name:
        return name if not prefix or name.startswith(prefix) else prefix + name
    if "|" in head:  # a table row: its first cells are the row's name even without 系列/评委会
        return prefix or None
    named = [c for c in cells if _ROW_NAME.fullmatch(c) and _clean_name(c)]
    return named[-1] if named else None


# A committee named inside a sentence, before its dates (申报高级职称的，由广州市…评审委员会评审，
# 网上申报时间为…; 工程系列（建筑）3月2日至20日，工程系列（交通）3月23日至4月10日). A series may carry
# its branch in brackets.
_MENTION = re.compile(
    r"(?P<name>" + _NAME_CHAR + r"{1,30}?"
    r"(?:系列(?:\([\u4e00-\u9fff]{1,10}\))?|评审委员会"
    + _BRANCH_AFTER
    + r"|评委会|评委办|高评委|中评委|初评委)"
    r"(?:" + _NAME_CHAR + r"{0,12}?(?:评审委员会" + _BRANCH_AFTER + r"|评委会|评委办))?)"
)
# A document's title names a committee without being about its dates: 根据《广州市…评审委员会评审工作规程》.
_QUOTED = re.compile(r"《[^》]*》|“[^”]*”")
# What a sentence does before the name is not part of it: 申报卫生系列…, 参评…, 经…, 通过….
_MENTION_LEAD = re.compile(r"^(?:申报|参评|报评|参加|通过|根据|依据|按照|据|经(?=广州|广东|[省市区]))+")
# Names joined into one group (卫生系列、药学系列评委会; 会计系列和经济系列), and a stem sharing the
# group's series word (会计、审计系列评委会: 会计 is 会计系列评委会).
_JOIN = re.compile(r"\s?(?:、|和|及|与|以及)\s?")
_STEM = re.compile(r"([\u4e00-\u9fff]{2,6})\s?(?:、|和|及|与)\s?$")
# A committee proper, not a series.
_PROPER = re.compile(r"(?:评审委员会|评委会|评委办|高评委|中评委|初评委)$")
_PLACE_ONLY_NAME = re.compile(
    r"(?:广州市|广东省|[省市区])?(?:专业技术人才)?(?:职称)?(?:评审委员会|评委会|评委办|高评委|中评委|初评委)"
)

# The committees at large, not one of them: 2025年度我市部分职称评审委员会, 各评委会, 上述评审委员会.
_AT_LARGE = re.compile(
    r"(?:.*年度)?(?:我市|本市|全市|全省|各|部分|有关|相关|上述|以下|其他)+(?:职称)?(?:评审委员会|评委会)"
)


# A count of committees after a group of names or standing for the notice's (两个评委会均于6月评审).
# (a digit's count reaches the name without its digit: 3个评委会 -> 个评委会)
_COUNTED = re.compile(r"(?:(?:等|上述|以上)?(?:两|二|三|四|五|六|[2-6]))?个(?:评审委员会|评委会)$")
# A sentence about all of the notice's committees by their count: 两个评委会的纸质材料均须…, 上述三个评委会…;
# or about those of one organiser: 市卫生健康委组建的两个评委会….
_ALL_COUNTED = re.compile(
    r"(?:^|[^一-鿿]|上述|以上|组建的)(?P<n>两|二|三|四|五|六|[2-6])个(?:评审委员会|评委会)"
)
_COUNT = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}


def counted_committees(s: str) -> int:
    """How many committees a sentence speaks of by their count alone (两个评委会均…: 2), or 0."""
    m = _ALL_COUNTED.search(s)
    if m is None or _mentions(s[: m.start("n")]):
        return 0  # A、B两个评委会: the names are in the sentence, read from them
    n = m.group("n")
    return _COUNT.get(n) or int(n)


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    names: tuple[str, ...]  # several for a group of joined names


_CLAUSE_OPENS = re.compile(r"(?:^|[,，。;；:\s])$")


def _fields_before(s: str, start: int) -> tuple[int, list[str]] | None:
    """The bare field words listed before a name at a clause's start (交通运输、水利评委会), or None."""
    fields: list[str] = []
    pos = start
    while (stem := _STEM.search(s, 0, pos)) and not keywords(stem.group(1)) and len(fields) < 4:
        fields.insert(0, stem.group(1))
        pos = stem.start(1)
    # At a clause's start, or right after the line's list number (一、交通运输、水利评委会…).
    if not fields or (pos != ordinal(s)[1] and not _CLAUSE_OPENS.search(s, 0, pos)):
        return None
    return pos, fields


def _mentions(s: str) -> list[_Mention]:
    """The committees a segment names, in order, joined names as one group."""
    if "《" in s or "“" in s:
        s = _QUOTED.sub(lambda m: " " * (m.end() - m.start()), s)
    out: list[_Mention] = []
    for m in _MENTION.finditer(s):
        lead = _MENTION_LEAD.match(m.group("name"))
        name = m.group("name")[lead.end() if lead else 0 :].lstrip(" (")
        start = m.end() - len(name)
        # A、B两个评委会…均为: the count names the group, it is not part of B's name (alone, it is no name).
        name = _COUNTED.sub("", name)
        end = start + len(name)
        if _clean_name(name) is None or _PLACE_ONLY_NAME.fullmatch(name) or _AT_LARGE.fullmatch(name):
            continue
        if out and re.fullmatch(r"\s?\(\s?", s[out[-1].end : start]):
            # 广州市…委员会（市教育局评委办）, 市教育局评委办（广州市…委员会办公室）: one committee,
            # by its fuller name.
            if len(name) > len(out[-1].names[-1]):
                out[-1] = _Mention(out[-1].start, end, (*out[-1].names[:-1], name))
            continue
        if out and _JOIN.fullmatch(s, out[-1].end, start):
            # 卫生系列、药学系列评委会: the last name's 评委会 is the earlier ones' too.
            tail = name[name.find("系列") + 2 :] if "系列" in name and not name.endswith(")") else ""
            earlier = tuple(n + tail if n.endswith("系列") else n for n in out[-1].names)
            out[-1] = _Mention(out[-1].start, end, (*earlier, name))
            continue
        stem = _STEM.search(s, 0, start)
        at = name.find("系列")
        if stem and at > 0 and not keywords(stem.group(1)):
            shared = _MENTION_LEAD.sub("", stem.group(1)) + name[at:]
            out.append(_Mention(stem.start(1), end, (shared, name)))
            continue
        if stem and (fields := _fields_before(s, start)) and (suffix := _PROPER.search(name)):
            # 测绘地理信息、城乡规划评委会网上申报均为…: each field word is a committee by the same suffix.
            out.append(_Mention(fields[0], end, (*(f + suffix.group() for f in fields[1]), name)))
            continue
        out.append(_Mention(start, end, (name,)))
    return out


_CLAUSE_BREAK = re.compile(r"[,，;；。]")


def _owner(s: str, a: int, mentions: list[_Mention], breaks: list[int]) -> _Mention | None:
    """The mention a range starting at ``a`` belongs to: the nearest before it, or the one after it in
    its own clause when the clause names nobody before it (3月2日至3月20日受理广州市…委员会的申报).
    ``breaks`` are where the segment's clauses end."""
    before = next((m for m in reversed(mentions) if m.end <= a), None)
    opens = max((b for b in breaks if b < a), default=-1)
    if before is not None and before.end > opens:
        return before
    closes = min((b for b in breaks if b > a), default=len(s))
    after = next((m for m in mentions if a < m.start < closes), None)
    # Only a name in full (送达评委会 is no committee of its own).
    return (
        after if after is not None and len(after.names[0]) >= 8 and _PROPER.search(after.names[0]) else before
    )


def clause_committees(
    s: str, starts: list[int], segment_committee: str | None
) -> list[tuple[str, ...] | None]:
    """For each range starting at ``starts`` in segment ``s``: the committees the sentence names for it.

    A range belongs to the nearest committee named before it in the sentence. A group of names
    (卫生系列、药学系列评委会…均为…) gives the range to each of them; with 分别 the group's names
    take the ranges after it in order. None where the sentence names nobody new: the segment's
    committee (row, list item, heading) stands. A series named alone (卫生系列) only overrides when the
    sentence names two, so that a sentence mentioning its own series keeps its row's committee.
    """
    mentions = _mentions(s)
    if not mentions:
        return [None] * len(starts)
    breaks = [b.start() for b in _CLAUSE_BREAK.finditer(s)]
    nearest = [_owner(s, a, mentions, breaks) for a in starts]
    groups = [m for m in mentions if any(n is m for n in nearest)]
    several = len(groups) >= 2 or any(len(m.names) >= 2 for m in groups)
    out: list[tuple[str, ...] | None] = []
    for i, m in enumerate(nearest):
        if m is None or (not several and not _PROPER.search(m.names[0])):
            out.append(None)
            continue
        if segment_committee is not None and not several and len(m.names[0]) < 6:
            out.append(None)  # 省评委会, 市高评委: a short name next to the row's own stands for it
            continue
        if len(m.names) >= 2 and "分别" in s[m.end : starts[i]]:
            mine = [j for j, n in enumerate(nearest) if n is m]
            if len(mine) == len(m.names):
                out.append((m.names[mine.index(i)],))
                continue
        out.append(m.names)
    return out


# Words around a committee in a heading: （一）申报广州市…评审委员会的, …评审委员会（以下简称“…”）.
_HEADING_LEAD = re.compile(r"(?:申报|参评|报评|报送)?")
# A note after a heading's name: its short name, or who applies to it (（实验技术人员）).
_HEADING_NOTE = re.compile(r"\s?(?:\((?:以下)?简称[^)]{0,16}\)|\([^()]{2,12}人员\)|的(?:人员|申报人)?)")


# A heading whose note names the committee that reviews it: 一、教师系列（由广州…评审委员会评审，以下简称…）,
# 二、高级职称（报送广州市…评审委员会评审）.
_HEADING_BY = re.compile(
    r"[^()]{1,24}?\((?:由|报送|报|送)(?P<name>[^,，;；()]{4,40}?(?:评审委员会|评委会))(?:评审|组织评审)?"
    r"(?:[,，;；][^()]*)?\)\s?:?\s?$"
)


def heading_committees(s: str) -> tuple[tuple[str, ...], int] | None:
    """The committees a heading line names, with its level: one, or a group (（二）A委员会、B委员会)."""
    one = heading_committee(s)
    if one is not None:
        return (one[0],), one[1]
    level, n = ordinal(s)
    rest = s[n:]
    by = _HEADING_BY.match(rest)
    if by is not None:
        name = _clean_name(by.group("name"))
        return ((name,), level) if name else None
    found = _mentions(rest)
    if (
        len(found) == 1
        and found[0].start == 0
        and len(found[0].names) >= 2
        and all(_PROPER.search(x) for x in found[0].names)
        and _HEADING_TAIL.fullmatch(rest, found[0].end)
    ):
        return found[0].names, level
    return None


def heading_committee(s: str) -> tuple[str, int] | None:
    """The committee a heading line names, with the heading's list level (0 without a number)."""
    level, n = ordinal(s)
    n = _HEADING_LEAD.match(s, n).end()  # type: ignore[union-attr]  # matches the empty string too
    m = _ROW_NAME.match(s, n)
    if not m:
        return None
    note = _HEADING_NOTE.match(s, m.end())
    if not _HEADING_TAIL.fullmatch(s, note.end() if note else m.end()):
        return None
    name = _clean_name(m.group("name"))
    return (name, level) if name else None


# A label that a list follows in the same sentence: 各评委会受理时间如下：一、卫生系列：…
_INLINE_LABEL = re.compile(r"(?P<label>[^\d:]{2,24}?)\s?:\s?(?=" + _ORDINAL.pattern + ")")
# A segment that starts with its dates (after a list number): the label line above is its label.
_DATE_FIRST = re.compile(r"(?:" + _ORDINAL.pattern + r")?\s?(?:自|从|于)?\s?[\d即本]")
# A segment whose dates follow a label of its own (（三）单位审核推荐：1月26日…).
_OWN_LABEL = re.compile(r"[^\d:]{1,24}?:\s?$")


def inline_label(s: str) -> str | None:
    """The label in front of a list in the same segment, or None."""
    m = _INLINE_LABEL.match(s)
    return m.group("label").strip() if m else None


def starts_with_date(s: str) -> bool:
    return bool(_DATE_FIRST.match(s))


def own_label(head: str) -> bool:
    """Whether the text before a segment's first date ends in a label and colon."""
    return bool(_OWN_LABEL.fullmatch(head, ordinal(head)[1]))


_INTRODUCTION = re.compile(r"[，,]|如下$")


def label_line(s: str) -> str | None:
    """The label of a line that only labels the lines after it (``材料报送时间：``), or None."""
    if not s.endswith(":") and not s.rstrip().endswith(":"):
        return None
    _, n = ordinal(s)
    m = _LABEL_LINE.fullmatch(s, n)
    if not m:
        return None
    label = m.group("label").strip()
    # An introduction (根据市卫生高评委通知，我院申报工作安排如下：) labels no step of its own.
    return None if _INTRODUCTION.search(label) else label


def same_committee(a: str, b: str) -> bool:
    """Whether two names are one committee written twice (市卫生高评委 / 广州市卫生…评审委员会).

    Only an abbreviation (…高评委, …评委会) stands for a longer name whose characters it keeps in
    order; two full names (卫生系列 / 基层卫生系列, …卫生…委员会 / …基层卫生…委员会) are two committees.
    """
    short, long = sorted((a.removeprefix("广州市"), b.removeprefix("广州市")), key=len)
    if short == long:
        return True
    if not short.endswith(_ABBREVIATED) or len(short) >= len(long):
        return False
    it = iter(long)
    return all(c in it for c in short)


_ABBREVIATED = ("高评委", "中评委", "初评委", "评委会", "评委办")


# Tables: header words, and which columns name the row, the step, the time, or nothing of ours.
DATE = re.compile(r"\d{1,2}\s?月|\d{4}\s?[-./]\s?\d{1,2}|即日|发布之日")
HEADER_WORD = re.compile(
    r"名称|评委会|评审委员会|系列|专业|时间|日期|期限|电话|地址|备注|序号|环节|事项|安排|受理|评审|申报|"
    r"单位|地市|地区|城市|联系|内容|项目|阶段|步骤|程序|流程|截止|级别|层级|类别"
)
COMMITTEE_HEADER = re.compile(
    r"评委会|评审委员会|名称|系列|专业|评委|学科|地市|城市|地区|单位|部门|机构|类别"
)
STEP_HEADER = re.compile(r"环节|事项|步骤|工作内容|项目|阶段|内容|程序|流程")
TIME_HEADER = re.compile(r"时间|日期|期限|截止|安排")
# Not a window's column: contacts, and the superseded times of a correction (原网上申报时间).
SKIP_HEADER = re.compile(r"电话|地址|邮编|网址|联系人|邮箱|咨询|^原|原定|原计划")
_CONNECTOR_END = re.compile(r"(?:至|到|—|-|~|－|～)$")
_CONTINUES = re.compile(r"^(?:至|到|—|-|~|－|～|[年月日号]|\()")


def _step_kind(text: str) -> str | None:
    hits = [kind for _, _, kind, _ in keywords(normalise(text)) if kind and kind != "publicity"]
    return hits[-1] if hits else None


def text_cells(line: str) -> list[str]:
    """A text table row's cells: split on | or blanks, a date range split by blanks made whole again."""
    if "|" in line:
        return [c.strip() for c in line.split("|") if c.strip()]
    cells: list[str] = []
    for token in line.split():
        if cells and (_CONNECTOR_END.search(cells[-1]) or _CONTINUES.match(token)):
            cells[-1] += token
        else:
            cells.append(token)
    return cells


def _header_cells(cells: list[str]) -> bool:
    named = sum(1 for c in cells if len(c) <= 12 and HEADER_WORD.search(c))
    return len(cells) >= 2 and named >= 2 and any(TIME_HEADER.search(c) or _step_kind(c) for c in cells)


def expand_text_tables(segments: list[Segment]) -> list[Segment]:
    """Rows under a text table header (序号 评委会名称 受理时间 评审时间) become one segment per date cell.

    Page text flattens a table into lines of cells; the header line gives each date cell its
    column (受理时间 → acceptance, 评审时间 → review) and the row's name cells its committee,
    exactly as an HTML table would (tables.py). Each cell's segment keeps the row as evidence.
    """
    out: list[Segment] = []
    header: list[str] | None = None
    pending: Segment | None = None  # the header line, kept only if no row follows it
    for seg in segments:
        cells = text_cells(seg.text) if seg.span is not None else []
        if header is None and pending is None and len(cells) < 2:
            out.append(seg)  # one cell and no table open: plain text (most lines)
            continue
        dated = [bool(DATE.search(normalise(c))) for c in cells]
        row = header is not None and len(cells) >= 2 and any(dated)
        if pending is not None and not row:
            out.append(pending)  # not a table after all: the line reads as text
        pending = None
        if seg.span is None:  # a cell of an HTML table, already read as one
            header = None
            out.append(seg)
            continue
        if not any(dated):
            if _header_cells(cells):
                header, pending = cells, seg
                continue
            if header is None or len(cells) != len(header):
                header = None
            out.append(seg)
            continue
        if header is None or len(cells) < 2:
            header = None
            out.append(seg)
            continue
        if len(cells) == len(header):
            columns = list(zip(header, cells, strict=True))
        else:  # merged or missing cells: the dated cells take the time columns in order
            times = [h for h in header if TIME_HEADER.search(h) and not SKIP_HEADER.search(h)]
            if sum(dated) > len(times):
                header = None
                out.append(seg)
                continue
            dated_cells = iter(c for c, d in zip(cells, dated, strict=True) if d)
            names = [c for c, d in zip(cells, dated, strict=True) if not d]
            columns = [(h, next(dated_cells, "")) for h in times]
            columns += [("名称", c) for c in names]
        name = "".join(
            c
            for h, c in columns
            if c
            and COMMITTEE_HEADER.search(h)
            and not TIME_HEADER.search(h)
            and not DATE.search(normalise(c))
        )
        step = next((c for h, c in columns if STEP_HEADER.search(h) and _step_kind(c)), "")
        committee = normalise(name) if name else None
        for h, c in columns:
            if (
                not c
                or not DATE.search(normalise(c))
                or SKIP_HEADER.search(h)
                or (COMMITTEE_HEADER.search(h) and not TIME_HEADER.search(h))
            ):
                continue
            label = step or h
            kind = _step_kind(label)
            hint = (kind, ("row: " if step else "column: ") + label) if kind else None
            prefix = f"{label}:"
            out.append(Segment(seg.evidence, prefix + c, seg.span, hint, committee, len(prefix)))
    if pending is not None:
        out.append(pending)
    return out
