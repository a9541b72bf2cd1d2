"""The committee a notice is for, and the review year (年度) it belongs to.

Titles either name the committee (…评审委员会 / …评委会 / …评委办) or only the review
(关于做好2024年度广州市卫生专业技术人才高级职称评审工作的通知), in which case the committee is
that review's name plus 委员会. Bodies define abbreviations (以下简称“市卫生高评委”) which
we map back to the full name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from .layout import ordinal, same_committee
from .numerals import normalise
from .traditional import as_written, to_simplified

_SUFFIX = r"(?:评审委员会|评委会|评委办|高评委|中评委|初评委)"
# A branch written after the name is part of it: …中级职称评审委员会（舞台艺术）, （生物医药）.
# Not a branch: the notice's short name for it (（市卫生高评委）, （以下简称…）) or its office (（办公室）).
# Nor who applies to it (（实验技术人员）, （会计人员）).
_AFTER = r"(?:[(（](?![^)）]*(?:简称|统称|评委|办|人员[)）]))[\u4e00-\u9fff]{2,8}[)）])?"
_NAME = re.compile(r"([\u4e00-\u9fff()（）]{2,40}?" + _SUFFIX + _AFTER + ")")
_REVIEW = re.compile(
    r"([\u4e00-\u9fff()（）]{2,40}?职称(?:自主)?评审)(?=工作|的|申报|有关|通知|事项|相关|安排|结果|通过|$)"
)
# Extension/adjustment notices name only the step: 关于延长…高级职称网上申报时间的通知.
_STEP = re.compile(
    r"([\u4e00-\u9fff()（）]{2,40}?职称)(?:评审)?(?=网上申报|网上填报|个人申报|申报|受理|纸质|材料|报送|缴费|评审时间|时间|证书)"
)
_ABBR = re.compile(
    r"([\u4e00-\u9fff()（）]{4,40}?(?:评审委员会|评委会|评委办)(?:[(（][\u4e00-\u9fff]{2,8}[)）])?)"
    r"\s?[(（]\s?(?:(?:以下)?简称|以下称|下称)\s?[“\"']?"
    r"([^”\"')）,，]{2,12})"
)
# One short name for several committees: A和B（以下统称“水务中评委”）.
_COLLECTIVE = re.compile(r"[(（]\s?(?:以下)?(?:统称|合称)\s?[“\"']?([^”\"')）,，]{2,12})")
_SENTENCE_START = re.compile(r"[。；;\n]")
_RESPECTIVELY = re.compile(r"[(（]\s?(?:以下)?分别简称\s?([^)）]{4,80})[)）]")


def _sentence_before(text: str, end: int) -> str:
    """The text from the start of the sentence holding ``end`` up to it."""
    start = max((x.end() for x in _SENTENCE_START.finditer(text, 0, end)), default=0)
    return text[start:end]


# Guangzhou's districts: a committee named after one is the district's (广州市增城区…).
_DISTRICT = r"(?:越秀|海珠|荔湾|天河|白云|黄埔|番禺|花都|南沙|从化|增城)区"
# Text before the name that is not part of it: keep what follows the last of these (a relay's 天河区转发…
# is the district passing the committee's notice on, not a district committee).
_PREFIX = re.compile(
    # 和/及/与 join two bodies only before a new place name: 计算机与信息技术 is one name.
    r".*(?:关于|做好|开展|组织|召开|举办|启动|印发|转发|转载|下发|公布|年度|\d{4}年|[《“\"，,：:\s]|的|、"
    # What a notice does to a committee's dates: 关于调整/延长/更正…评审委员会…时间的通知.
    r"|调整|延长|更正|变更|推迟|暂停|恢复"
    r"|(?:和|及|与)(?=广州|广东|[省市区县])"
    # Verbs and prepositions in front of a place name: 经广州市…评审, 邮寄至广州市…, 由市…受理, 决定由增城区….
    r"|(?:经|由|向|至|将|请|交|送|对|在|就|根据|按照|依据|[)）])(?=广州|广东|[省市区县]|" + _DISTRICT + "))"
)
_PLACE = re.compile(r"(?:广州|广东|中共|[省市]|" + _DISTRICT + ")")
# The issuer in front of 关于 (增城区关于…, 广州医科大学关于…, 广州市教育局关于…).
_ISSUER = re.compile(r"([\u4e00-\u9fff]{2,24}?)关于")
_OFFICE_PLACE = re.compile("(?:广州市)?" + _DISTRICT + "|广州市")
_OFFICE = re.compile(r"(?:局|厅|委|办|办公室|委员会|政府)$")  # a hospital's 中心 is an institution
_YEAR = re.compile(r"(20\d{2})\s?年度")
# A title that lists series or steps of several committees: 卫生、教育系列, 会计、审计系列, 中级、初级.
_SEVERAL = re.compile(r"[\u4e00-\u9fff]、[\u4e00-\u9fff]")
_PLACE_ONLY = re.compile(r"(?:广州市|广东省|全省|全市|" + _DISTRICT + r")?(?:专业技术人才)?职称评审委员会")
_GENERIC_TITLE = re.compile(r"部分|组建|等系列|类职称")
_YEAR_LOOSE = re.compile(r"(20\d{2})\s?年(?![\d度])")
# Words a committee's name has besides its suffix: 根据评委会, 4月8日前统一送达评委会 are the committee the
# notice is about, referred to, not another one (they made a one-committee notice look like a season's).
_NAMEY = re.compile(
    r"职称|专业|系列|人才|人员|教师|工程|卫生|[高中初]级|学科|" + _DISTRICT + "|^(?:广州|广东|[省市])"
)


def _trim(name: str) -> str:
    m = _PREFIX.match(name)
    return name[m.end() :] if m and m.end() < len(name) - 3 else name


def _explicit(text: str) -> str | None:
    for m in _NAME.finditer(text):
        name = _trim(m.group(1))
        if len(name) >= 4:
            return name
    return None


def _derived(text: str) -> str | None:
    m = _REVIEW.search(text)
    if not m:
        return None
    name = _trim(m.group(1))
    return name + "委员会" if len(name) > 4 else None


def _derived_from_step(text: str) -> str | None:
    m = _STEP.search(text)
    if not m:
        return None
    name = _trim(m.group(1))
    return name + "评审委员会" if len(name) > 4 else None


def _placed(name: str | None, title: str, body: str) -> str | None:
    """The name with the place the notice gives for it.

    A name without a place takes the issuer's (增城区关于…乡村工匠…评审 -> 增城区乡村工匠…, an
    office's place: 广州市教育局关于… -> 广州市…, an institution itself: 广州医科大学关于…);
    a district name takes the city when the notice spells the district out (广州市增城区…局).
    """
    if not name:
        return name
    if not _PLACE.match(name):
        issuer = _ISSUER.match(title)
        if issuer:
            who = issuer.group(1)
            if _OFFICE.search(who):
                place = _OFFICE_PLACE.match(who)
                who = place.group() if place else ""
            name = who + name
    district = re.match(_DISTRICT, name)
    if district and "广州市" + district.group() in title + body:
        name = "广州市" + name
    return name


def extract_committee(title: str, body: str = "") -> str | None:
    """Full committee name from the title, else the body; abbreviations defined in the body are expanded.

    None for a notice of several committees that is none of theirs: a title naming several series
    (卫生、教育系列), committees at large (部分/各/有关/组建…评审委员会), or a body naming three or more
    committees when the title names none (the city's season notice). Its windows name their own.
    """
    # A traditional-character repost is read in simplified characters and named as it writes itself.
    written = title + "\n" + body
    title, body = normalise(to_simplified(title)), normalise(to_simplified(body))
    name = _placed(_committee(title, body), title, body)
    if name is None or _GENERIC.search(name) or _GENERIC_TITLE.search(name):
        return None
    return as_written(name, written)


def _committee(title: str, body: str) -> str | None:
    abbrs = {m.group(2).strip(): _trim(m.group(1)) for m in _ABBR.finditer(body)}
    name = _explicit(title)
    if name:
        return next((full for abbr, full in abbrs.items() if name.endswith(abbr)), name)
    for abbr, full in abbrs.items():
        if abbr in title:
            return full
    derived = _derived(title)
    if derived and _PLACE_ONLY.fullmatch(derived):
        derived = None  # 关于做好2026年度广州市职称评审工作的通知: the city's season, every committee's
    if derived and _SEVERAL.search(title):
        return None  # 关于做好…卫生、教育系列职称评审工作的通知: several committees, each named below
    in_body = [_trim(m.group(1)) for m in _NAME.finditer(body)]
    in_body = [abbrs.get(n, n) for n in in_body if len(n) >= 4 and (n in abbrs or _NAMEY.search(n))]
    if not derived and len(_distinct(in_body)) >= 3:
        return None
    if derived:
        # The body usually spells out the name the title only implies
        # (基层卫生… -> 广州市基层卫生专业技术人才…).
        core = derived.removeprefix("广州市").removesuffix("委员会")
        spelled = next((n for n in in_body if _subsequence(core, n)), None)
        if spelled is None and len(_distinct(in_body)) >= 3:
            # 关于做好…文化系列中级职称评审工作的通知 over three committees named in full, none of them the
            # title's: the review of a series, each committee's windows named below.
            return None
        return spelled or derived
    if in_body:
        return in_body[0]
    step = _derived_from_step(title)
    return None if step and _SEVERAL.search(title) else step or _derived(body)


def _distinct(names: list[str]) -> list[str]:
    """Names that are not one another written shorter (市卫生高评委, 卫生…委员会 / 广州市卫生…委员会)."""
    out: list[str] = []
    for n in sorted(set(names), key=len, reverse=True):
        core = n.removeprefix("广州市")
        if not any(_subsequence(core, o) for o in out):
            out.append(n)
    return out


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def extract_review_year(title: str, body: str = "", published: date | None = None) -> int | None:
    """The 年度 of the notice; otherwise the publish date (Jan–Jun notices serve the previous 年度)."""
    title, body = normalise(title), normalise(body)
    for text in (title, body[:2000]):
        m = _YEAR.search(text)
        if m:
            return int(m.group(1))
    m = _YEAR_LOOSE.search(title)
    if m:
        return int(m.group(1))
    if published is not None:
        return published.year - 1 if published.month <= 6 else published.year
    return None


# --- per-window committees: the fullest name the notice gives ----------------------------------------

# The committees at large or an office, not one committee: 各评委会, 省直有关职称评审委员会, 由各评委会,
# 广州市及各区组建职称评审委员会, 申报人通过评委会.
# …: 5个职称评审委员会 (我局组建的5个…) is a count of committees, not one.
# 评审费由申报人按市评委会, 每个评委会: a sentence around the word, not a name.
_GENERIC = re.compile(
    r"各|有关|相关|上述|以下|部分|通过|所属|由|按|每个|不等于|^本|^我|^该|^[\d两二三四五六七八九十]*个|^[省市区]级"
    # A sentence's end, not a name: 主管部门审核推荐后报送评委会 (no committee's name holds these verbs).
    r"|报送|推荐|提交"
)
# Where a full name starts inside a longer run of cells (卫生系列 | 广州市卫生…委员会, 市农业农村局 |
# 广州市农业…委员会, 番禺区(一)申报广州市工程…委员会): at a place name.
# 佛山 | 佛山市机械…委员会 (a digest's city cell run into the name): at the city's name too.
_NAME_START = re.compile(
    r"广州市|广东省|" + _DISTRICT + r"|(?:深圳|珠海|汕头|佛山|韶关|河源|梅州|惠州|汕尾|东莞|中山|江门|阳江"
    r"|湛江|茂名|肇庆|清远|潮州|揭阳|云浮)市"
)
_FULL_SUFFIX = ("评审委员会", "评委会")


# A bracket at the end of a name: its branch (（舞台艺术）), or in a heading the short name (（院中评委）).
_BRANCH = re.compile(r"[(（]([\u4e00-\u9fff]{2,8})[)）]$")


def is_full_name(name: str) -> bool:
    """Whether ``name`` is a committee written out in full (广州市卫生…评审委员会), not a short form."""
    branch = _BRANCH.search(name)  # …评审委员会（舞台艺术）: a branch of it, in full
    return (name[: branch.start()] if branch else name).endswith(_FULL_SUFFIX) and len(name) >= 8


# A committee by its place in the list of those the notice names: 上述第三项评委会, 以上第二个评委会.
NTH_COMMITTEE = re.compile(r"(?:上述|以上|前述)第([一二三四五六七八九]|[1-9])(?:项|个)?(?:评审委员会|评委会)")
_ORDINAL_NUMBER = {c: i for i, c in enumerate("一二三四五六七八九", 1)}
# Words before a name that are the sentence's: 根据会计高评委办公室通知, 及乡村工匠评委会.
_LEAD_WORD = re.compile(r"^(?:根据|依据|按照|据|及|和|与)")
_LEVELS = frozenset({"正高级", "副高级", "高级", "中级", "初级"})
_SHORT_SUFFIX = ("高评委", "中评委", "初评委", "评委会", "评委办")


# Guangdong's cities, as digests of several cities' windows name their rows.
_CITIES = frozenset(
    re.findall(r"..", "广州深圳珠海汕头佛山韶关河源梅州惠州汕尾东莞中山江门阳江湛江茂名肇庆清远潮州揭阳云浮")
)
_TITLE_SERIES = re.compile(r"(?<!、)(?<![\u4e00-\u9fff]、)([^\W\d_市省区各等、年度]{2,6}系列)(?!、)")


class CommitteeNames:
    """The committee names a notice spells out, to write each window's committee in full.

    Rows, list items and headings often name a committee by its series (卫生系列), an abbreviation the
    notice defined (以下简称“市工程高评委”) or run the 主管部门 cell into it; the window's committee is
    then the one full name in the notice that it stands for, if exactly one fits.
    """

    def __init__(self, text: str) -> None:
        self.abbrs = {m.group(2).strip(): self._cut(_trim(m.group(1))) for m in _ABBR.finditer(text)}
        full: list[str] = []
        for m in _NAME.finditer(text):
            # A list number is no part of a name: （三）研究人才评委会 is the short name 研究人才评委会.
            name = self._cut(_trim(m.group(1)))
            name = name[ordinal(name)[1] :]
            if name.count("(") > name.count(")"):
                name = name[name.rfind("(") + 1 :]  # 一、教师系列（学校评委会）: the bracket's short name
            if (
                is_full_name(name)
                and not _GENERIC.search(name)
                and "简称" not in name  # (以下简称林业评委会): the short name, not another committee
                and name not in full
            ):
                full.append(name)
        # 人力资源管理评委会办公室 in a contact line is the short name of a committee named in full, not
        # another one: what the notice's own reading of short names (``canonical``, on every name found)
        # expands to another full name is dropped.
        self.full = full
        self.full = [f for f in full if not self._abbreviates_another(f)]
        for m in _RESPECTIVELY.finditer(text):
            # A、B和C（以下分别简称甲、乙、丙）: the short names in the order of the names before them.
            before = _sentence_before(text, m.start())
            members = sorted((f for f in full if f in before), key=before.find)
            shorts = [x.strip(" “”\"'") for x in re.split(r"[、,，和及]", m.group(1)) if x.strip()]
            if len(shorts) == len(members) >= 2:
                self.abbrs.update(zip(shorts, members, strict=True))
        for m in _COLLECTIVE.finditer(text):
            # The names in the sentence before it, each in full: their group is the short name's.
            before = _sentence_before(text, m.start())
            members = [f for f in full if f in before]
            if len(members) >= 2:
                self.abbrs[m.group(1).strip()] = group_name(members)
        # A digest of one series across cities (…各市卫生系列职称评审申报时间汇总: 【广州】…, 【佛山】…).
        title = text.split("\n", 1)[0]
        series = set(_TITLE_SERIES.findall(title))
        self.series = series.pop() if len(series) == 1 else ""

    def nth(self, reference: str) -> str | None:
        """The committee a reference by place stands for (上述第三项评委会: the third the notice names in
        full), in a notice naming two or more; else None."""
        m = NTH_COMMITTEE.fullmatch(reference)
        if m is None or len(self.full) < 2:
            return None
        n = _ORDINAL_NUMBER.get(m.group(1)) or int(m.group(1))
        return self.full[n - 1] if n <= len(self.full) else None

    def _abbreviates_another(self, name: str) -> bool:
        """Whether ``name``, a short form (评委会, 高评委…), is what ``canonical`` reads as another of the
        full names (计算机与软件评委会 -> …评审委员会（计算机与软件）)."""
        if not name.endswith(_SHORT_SUFFIX):
            return False
        expanded = self.canonical(name)
        return expanded is not None and expanded != name and expanded in self.full

    @staticmethod
    def _cut(name: str) -> str:
        """A full name at the end of a run of words, from its place name on."""
        starts = [m.start() for m in _NAME_START.finditer(name)]
        for a in reversed(starts):
            rest = name[a:]
            if name[max(0, a - 3) : a] in ("广州市", "广东省"):
                continue  # 广州市海珠区…: the district is part of one place name
            if a and is_full_name(rest):
                return rest
        return name

    def canonical(self, name: str | None) -> str | None:
        if not name:
            return None
        name = _LEAD_WORD.sub("", name.strip())
        if _GENERIC.search(name):
            return None
        name = self._cut(name)
        if name in _CITIES:
            return name + self.series  # a city's row in a digest: 佛山工程系列 (or the city alone)
        if name in self.abbrs:
            return self.abbrs[name]
        if name in _LEVELS:  # a column or cell giving only the level (高级 | 中级), in a notice of several
            return self.of_level(name) or name
        if name.endswith(_SHORT_SUFFIX) and (short := self._short(name)):
            return short
        if name.endswith("系列") and len(name) > 2:
            core = name[:-2]
            # 卫生研究系列 -> …卫生研究人才…; else in order, as tables shorten it (高校教师 -> 高等学校教师)
            fits = [f for f in self.full if core in f] or [f for f in self.full if _subsequence(core, f)]
            if len(fits) == 1:
                return fits[0]
        branch = _BRANCH.search(name)
        if branch and branch.group(1) in _LEVELS:
            # 会计系列（高级）: the series at that level, not a branch of it.
            base = name[: branch.start()].removesuffix("系列").removeprefix("市")
            fits = [f for f in self.full if branch.group(1) in f and _subsequence(base, f)]
            if len(fits) == 1:
                return fits[0]
        if branch and branch.start() >= 4:
            # 艺术高评委（舞台艺术）: the committee in full, its branch kept; the notice may spell that
            # branch out in full itself.
            base, tail = name[: branch.start()].removeprefix("市"), f"({branch.group(1)})"
            fits = [f for f in self.full if f.endswith(tail) and _subsequence(base, f)]
            if len(fits) == 1:
                return fits[0]
            whole = self.canonical(name[: branch.start()])
            return name if whole is None or whole == name[: branch.start()] else whole + branch.group()
        if not is_full_name(name) and len(name) >= 4 and not name.endswith(_SHORT_SUFFIX):
            # A table's short cell (机械工程中级, 中职教师中级): the one full name that keeps its characters
            # in order.
            fits = [f for f in self.full if _subsequence(name.removeprefix("市"), f)]
            if len(fits) == 1:
                return fits[0]
            if not fits and (branched := self._branch_in(name)):
                return branched
        return name

    def _branch_in(self, name: str) -> str | None:
        """The one full name whose branch a short cell holds, the rest of the cell keeping to the name's
        characters in order (交通运输工程中级 -> 广州市工程技术人才中级职称评审委员会（交通运输）)."""
        fits = []
        for f in self.full:
            branch = _BRANCH.search(f)
            if branch and branch.group(1) in name:
                rest = name.replace(branch.group(1), "", 1).removeprefix("市")
                if _subsequence(rest, f[: branch.start()]):
                    fits.append(f)
        return fits[0] if len(fits) == 1 else None

    def _short(self, name: str) -> str | None:
        """The full name a short form (市卫生高评委, 电子信息中评委, 实习指导评委会) stands for, or None."""
        fits = [f for f in self.full if f != name and _subsequence(name.removeprefix("市"), f)]
        if len(fits) == 1:
            return fits[0]
        branched = self._by_branch(name)
        if len(fits) > 1 and not branched:
            # 市卫生高评委 fits 广州市卫生…高级… and 广州市基层卫生…高级…: the one it adds least to, when
            # that one is unique (the other has its own short name, 基层卫生高评委).
            shortest = min(len(f) for f in fits)
            plain = [f for f in fits if len(f) == shortest and not _BRANCH.search(f)]
            if len(plain) == 1:
                return plain[0]
        return branched

    def _by_branch(self, name: str) -> str | None:
        """The one full name whose branch a short name leads with (电子信息中评委 -> …中级职称评审委员会
        （电子信息）, 水利评委会 -> …（水利）), its level (高/中/初) agreeing; else None."""
        level = name[-3] + "级" if name.endswith(("高评委", "中评委", "初评委")) else ""
        # 市水务中评委 is the city's; 市政中评委 (市政工程) keeps its 市.
        for core in dict.fromkeys((name.removeprefix("市")[:-3], name[:-3])):
            if len(core) >= 2 and (found := self._branch_fit(core, level)):
                return found
        return None

    def _branch_fit(self, core: str, level: str) -> str | None:
        fits = [
            f
            for f in self.full
            if (branch := _BRANCH.search(f)) and _subsequence(core, branch.group(1)) and level in f
        ]
        return fits[0] if len(fits) == 1 else None

    def of_level(self, level: str) -> str | None:
        """The one committee named in full of a level (高级, 中级, 初级), in a notice naming several."""
        fits = [f for f in self.full if level in f]
        return fits[0] if len(self.full) >= 2 and len(fits) == 1 else None

    def stands_for(self, heading: str) -> str | None:
        """The one committee a short section heading stands for (一、工艺美术中级, 二、给排水工程专业,
        二、高级职称（市卫生高评委）), in a notice that names two or more in full; else None.

        The heading's words, less those every name has (职称, 专业, 评审), keep their order in exactly one
        full name; a bracketed short name is resolved first (院中评委 -> the name it was defined for).
        """
        if len(self.full) < 2:
            return None
        h = heading.strip(" :.")
        if not 2 <= len(h) <= 24 or _HEADING_STOP.search(h):
            return None
        bracket = _BRANCH.search(h)
        branch = ""
        if bracket:
            inner = self.canonical(bracket.group(1))
            if inner in self.full:
                return inner
            h, branch = h[: bracket.start()], f"({bracket.group(1)})"  # 工程技术人才中级（生物医药）
        core = _HEADING_WORDS.sub("", h)
        if len(core) < 2:
            return None
        if branch and not any(f.endswith(branch) for f in self.full):
            # 经济师（知识产权）: the bracket names the committee's field;
            # 中级会计师（评审）: a note on the route, no branch.
            fields = [f for f in self.full if _subsequence(branch[1:-1], f)]
            if len(fields) == 1 and not _HEADING_WORDS.fullmatch(branch[1:-1]):
                return fields[0]
            branch = ""
        fits = [f for f in self.full if _subsequence(core, f) and f.endswith(branch)]
        title = _TITLE_WORD.fullmatch(core)
        if not fits and title:
            # A title for the heading (高级会计师, 中级经济师): its series and its level, in either order
            # in the committee's name (广州市会计系列高级…).
            level, series = title.group("level"), title.group("series")
            fits = [f for f in self.full if level in f and _subsequence(series, f) and f.endswith(branch)]
        return fits[0] if len(fits) == 1 else None


# A section heading that is a sentence, not a name: punctuation, or a step's or notice's words.
_HEADING_STOP = re.compile(r"[,，;；。、]|\d")
_HEADING_WORDS = re.compile(r"职称|专业|系列|评审|工作|安排|的")
# A professional title: 高级会计师, 中级经济师, 高级工程师 (the level, then the series and 师).
_TITLE_WORD = re.compile(r"(?P<level>正高级|副高级|高级|中级|初级)(?P<series>[\u4e00-\u9fff]{2,6}?)[师员]")


# A committee of one level (高级/中级…评审委员会, 高评委): a notice whose title names one is its own.
_ONE_LEVEL = re.compile(r"正高级|副高级|高级|中级|初级|高评委|中评委|初评委")


# Several committees' one window is named for all of them, "A、B" (a step given once for both, a step
# none of them owns in a notice of several). A name may hold 、 itself (机械、电子…评审委员会): the group
# splits only where each part is a committee's name.
GROUP_JOINER = "、"


def group_name(names: list[str]) -> str:
    """One window's committees as one name, "A、B" (each once, in order)."""
    return GROUP_JOINER.join(dict.fromkeys(names))


def group_members(name: str) -> list[str]:
    """The committees a group name ("A、B") joins; ``[name]`` for one committee."""
    if GROUP_JOINER not in name:
        return [name]
    parts: list[str] = []
    current = ""
    for piece in name.split(GROUP_JOINER):
        current = f"{current}{GROUP_JOINER}{piece}" if current else piece
        if is_full_name(current) or current.endswith(_SHORT_SUFFIX):
            parts.append(current)
            current = ""
    return parts if len(parts) > 1 and not current else [name]


def distinct_committees(named: Iterable[str | None]) -> list[str]:
    """The committees ``named`` (windows' committees, None for none) speak of, each once, in order: a group
    ("A、B") by its members, an abbreviation and its full name as one."""
    names: list[str] = []
    for name in (member for group in named if group for member in group_members(group)):
        if not any(same_committee(name, n) for n in names):
            names.append(name)
    return names


def shared_committee(title: str, named: list[str | None]) -> str | None:
    """The committees a window without one of its own belongs to, "A、B", given those its notice's windows
    name; None when it is simply the notice's (``extract_committee``).

    Shared: in a notice whose windows name two or more committees and whose title names none of them, nor
    one committee of one level (the city's season notice, a district bureau's or a committee office's
    notice for several committees). There a step given once (三、缴费：申报人须于…前缴纳评审费) is each of
    theirs, so it is named for all of them: every one's subscribers hear of it, and it is still one window
    (one alert, not one per committee).
    """
    names = distinct_committees(named)
    if len(names) < 2:
        return None
    own = extract_committee(title)
    if own and (_ONE_LEVEL.search(own) or any(same_committee(own, n) for n in names)):
        return None
    return group_name(names)
