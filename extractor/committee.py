"""The committee a notice is for, and the review year (年度) it belongs to.

Titles either name the committee (…评审委员会 / …评委会 / …评委办) or only the review
(关于做好2024年度广州市卫生专业技术人才高级职称评审工作的通知), in which case the committee is
that review's name plus 委员会. Bodies define abbreviations (以下简称“市卫生高评委”) which
we map back to the full name.
"""

from __future__ import annotations

import re
from datetime import date

from .numerals import normalise

_SUFFIX = r"(?:评审委员会|评委会|评委办|高评委|中评委|初评委)"
_NAME = re.compile(r"([\u4e00-\u9fff()（）]{2,40}?" + _SUFFIX + ")")
_REVIEW = re.compile(
    r"([\u4e00-\u9fff()（）]{2,40}?职称(?:自主)?评审)(?=工作|的|申报|有关|通知|事项|相关|安排|结果|通过|$)"
)
# Extension/adjustment notices name only the step: 关于延长…高级职称网上申报时间的通知.
_STEP = re.compile(
    r"([\u4e00-\u9fff()（）]{2,40}?职称)(?:评审)?(?=网上申报|网上填报|个人申报|申报|受理|纸质|材料|报送|缴费|评审时间|时间|证书)"
)
_ABBR = re.compile(
    r"([\u4e00-\u9fff()（）]{4,40}?(?:评审委员会|评委会|评委办))\s?[(（]\s?(?:以下)?简称\s?[“\"']([^”\"')）]{2,12})"
)
# Text before the name that is not part of it: keep what follows the last of these.
_PREFIX = re.compile(
    # 和/及/与 join two bodies only before a new place name: 计算机与信息技术 is one name.
    r".*(?:关于|做好|开展|组织|召开|举办|启动|印发|公布|年度|\d{4}年|[《“\"，,：:\s]|的|、"
    r"|(?:和|及|与)(?=广州|广东|[省市区县])"
    # Verbs and prepositions in front of a place name: 经广州市…评审, 邮寄至广州市…, 由市…受理.
    r"|(?:经|由|向|至|将|请|交|送|对|在|[)）])(?=广州|广东|[省市区县]))"
)
# Guangzhou's districts: a committee named after one is the district's (广州市增城区…).
_DISTRICT = r"(?:越秀|海珠|荔湾|天河|白云|黄埔|番禺|花都|南沙|从化|增城)区"
_PLACE = re.compile(r"(?:广州|广东|中共|[省市]|" + _DISTRICT + ")")
# The issuer in front of 关于 (增城区关于…, 广州医科大学关于…, 广州市教育局关于…).
_ISSUER = re.compile(r"([\u4e00-\u9fff]{2,24}?)关于")
_OFFICE_PLACE = re.compile("(?:广州市)?" + _DISTRICT + "|广州市")
_OFFICE = re.compile(r"(?:局|厅|委|办|办公室|委员会|政府)$")  # a hospital's 中心 is an institution
_YEAR = re.compile(r"(20\d{2})\s?年度")
_YEAR_LOOSE = re.compile(r"(20\d{2})\s?年(?![\d度])")


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
    """Full committee name from the title, else the body; abbreviations defined in the body are expanded."""
    title, body = normalise(title), normalise(body)
    return _placed(_committee(title, body), title, body)


def _committee(title: str, body: str) -> str | None:
    abbrs = {m.group(2).strip(): _trim(m.group(1)) for m in _ABBR.finditer(body)}
    name = _explicit(title)
    if name:
        return next((full for abbr, full in abbrs.items() if name.endswith(abbr)), name)
    for abbr, full in abbrs.items():
        if abbr in title:
            return full
    derived = _derived(title)
    in_body = [_trim(m.group(1)) for m in _NAME.finditer(body)]
    in_body = [abbrs.get(n, n) for n in in_body if len(n) >= 4]
    if derived:
        # The body usually spells out the name the title only implies
        # (基层卫生… -> 广州市基层卫生专业技术人才…).
        core = derived.removeprefix("广州市").removesuffix("委员会")
        return next((n for n in in_body if _subsequence(core, n)), derived)
    return in_body[0] if in_body else (_derived_from_step(title) or _derived(body))


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
