"""Table-driven tests of the extractor against hand-written notice sentences and passages.

Cases live in tests/data/window_cases.jsonl (sentences) and tests/data/passage_cases.jsonl
(layouts, several committees, traditional characters, HTML tables: see tests/data/CASES.md)
so the benchmark scores exactly the same set.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from extractor import (
    Window,
    extract_committee,
    extract_notice_html,
    extract_review_year,
    extract_windows,
    html_to_text,
)

CASES_FILE = Path(__file__).parent / "data" / "window_cases.jsonl"
PASSAGES_FILE = Path(__file__).parent / "data" / "passage_cases.jsonl"


def _load(path: Path = CASES_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


CASES = _load()
PASSAGES = _load(PASSAGES_FILE)


def test_case_file_shape() -> None:
    assert len(CASES) >= 160
    assert sum(1 for c in CASES if not c["windows"]) >= 25
    assert len({c["id"] for c in CASES}) == len(CASES)


def test_passage_file_shape() -> None:
    assert len(PASSAGES) >= 80
    assert sum(1 for c in PASSAGES if not c["windows"]) >= 25
    assert len({c["id"] for c in CASES + PASSAGES}) == len(CASES) + len(PASSAGES)


def _windows_of(case: dict[str, Any]) -> list[Window]:
    published = date.fromisoformat(case["published"]) if case["published"] else None
    if case.get("html"):
        return extract_notice_html(case["text"], published)
    return extract_windows(case["text"], published)


@pytest.mark.parametrize("case", CASES + PASSAGES, ids=[c["id"] for c in CASES + PASSAGES])
def test_window_case(case: dict[str, Any]) -> None:
    windows = _windows_of(case)
    got = [{"kind": w.kind, "start": w.start, "end": w.end} for w in windows]
    expected = [{k: w[k] for k in ("kind", "start", "end")} for w in case["windows"]]
    assert got == expected, case["note"]
    # A case that names committees states every window's: the row's or item's, None for the notice's.
    if any("committee" in w for w in case["windows"]):
        assert [w.committee for w in windows] == [w.get("committee") for w in case["windows"]], case["note"]
    for w in windows:
        assert w.reason and 0.0 <= w.confidence <= 1.0, w


def test_evidence_is_the_sentence() -> None:
    text = "一、申报时间\n网上申报：2025年1月6日至1月24日；纸质材料请于2月28日前报送。"
    windows = extract_windows(text, date(2024, 12, 20))
    assert [w.evidence for w in windows] == ["网上申报：2025年1月6日至1月24日", "纸质材料请于2月28日前报送"]
    assert windows[0].to_dict() == {
        "kind": "apply",
        "start": "2025-01-06",
        "end": "2025-01-24",
        "evidence": "网上申报：2025年1月6日至1月24日",
        # Added by issue 12: per-window committee (None: the notice's), why, and how sure.
        "committee": None,
        "reason": "label: 网上申报; range",
        "confidence": 0.95,
    }


COMMITTEES = [
    # Notices of several committees are none of theirs (issue 12): each window names its own.
    (
        "关于做好2026年度广州市职称评审工作的通知",
        "广州市卫生专业技术人才高级职称评审委员会受理…"
        "广州市会计系列高级职称评审委员会受理…广州市工程技术人才高级职称评审委员会受理…",
        None,
    ),
    # A series' review over three committees named in full, none of them the title's (中级 is the three's
    # level, not one committee's).
    (
        "关于做好2025年度广州市交通系列中级职称评审工作的通知",
        "广州市公路工程技术人才中级职称评审委员会、广州市港航工程技术人才中级职称评审委员会和"
        "广州市城市轨道交通工程技术人才中级职称评审委员会本年度评审安排如下：",
        None,
    ),
    ("2025年度广州市卫生、教育系列职称评审时间安排表", "", None),
    ("关于延长2025年度广州市部分职称评审委员会受理时间的通知", "", None),
    ("广东省人力资源和社会保障厅关于2025年度省直有关职称评审委员会受理申报时间的公告", "", None),
    (
        "关于做好2024年度广州市卫生专业技术人才高级职称评审工作的通知",
        "",
        "广州市卫生专业技术人才高级职称评审委员会",
    ),
    ("关于广州市会计系列高级职称评审委员会2024年度评审工作的通知", "", "广州市会计系列高级职称评审委员会"),
    (
        "市卫生高评委关于2024年度评审申报受理的通知",
        "广州市卫生专业技术人才高级职称评审委员会（以下简称“市卫生高评委”）定于……",
        "广州市卫生专业技术人才高级职称评审委员会",
    ),
    (
        "关于开展2024年度基层卫生高级职称评审工作的通知",
        "广州市基层卫生专业技术人才高级职称评审委员会现开展评审工作。",
        "广州市基层卫生专业技术人才高级职称评审委员会",
    ),
    ("关于开展2024年度广州市党校教师中级职称评审工作的通知", "", "广州市党校教师中级职称评审委员会"),
    (
        "关于做好2024年度南沙区建设交通工程职称评审委员会评审工作的通知",
        "",
        "南沙区建设交通工程职称评审委员会",
    ),
    ("关于中职学校教师职称申报受理的通知", "市教育局评委办受理中职学校教师申报。", "市教育局评委办"),
    (
        "关于开展增城区乡村工匠生产应用专业人才中级职称评审工作的通知",
        "",
        "增城区乡村工匠生产应用专业人才中级职称评审委员会",
    ),
    ("关于广州市卫生研究人才职称评审委员会2024年度评审的通知", "", "广州市卫生研究人才职称评审委员会"),
    ("关于公布2024年度职称评审结果的通知", "", None),
    # A results notice names the review only; the body's "经…委员会评审" must lose its 经.
    (
        "关于2025年度广州市会计系列高级职称评审通过人员的公示",
        "经广州市会计系列高级职称评审委员会评审，现将通过人员予以公示。",
        "广州市会计系列高级职称评审委员会",
    ),
    # A name after a mailing instruction with a bracketed aside: 寄至… is not part of the name.
    (
        "关于做好2025年度广州市党校教师中级职称评审工作的通知",
        "材料请于2月6日前（以邮戳为准）寄至广州市党校教师中级职称评审委员会办公室。",
        "广州市党校教师中级职称评审委员会",
    ),
    # 经 inside a name (经济系列) is kept: only 经 in front of a place name is a verb.
    ("关于广州市经济系列中级职称评审委员会2025年度评审的通知", "", "广州市经济系列中级职称评审委员会"),
    # 与/和 inside a name (计算机与信息技术) are part of it.
    (
        "关于做好2025年度广州市电子与通信技术专业中级职称评审工作的通知",
        "",
        "广州市电子与通信技术专业中级职称评审委员会",
    ),
    # The issuer before 关于 gives the place a name lacks: a district (spelled out as 广州市…区 at the
    # foot of the notice), an institution itself, or an office's city.
    (
        "从化区关于开展2025年度中小学教师中级职称评审工作的通知",
        "各学校：……\n广州市从化区教育局\n2026年2月1日",
        "广州市从化区中小学教师中级职称评审委员会",
    ),
    ("从化区关于开展2025年度中小学教师中级职称评审工作的通知", "", "从化区中小学教师中级职称评审委员会"),
    (
        "华南理工大学关于开展2025年度高等学校教师职称评审工作的通知",
        "",
        "华南理工大学高等学校教师职称评审委员会",
    ),
    (
        "广州市妇女儿童医疗中心关于开展2025年度卫生系列高级职称自主评审工作的通知",
        "",
        "广州市妇女儿童医疗中心卫生系列高级职称自主评审委员会",
    ),
    ("广州市民政局关于做好2025年度社会工作者职称评审工作的通知", "", "广州市社会工作者职称评审委员会"),
    # A name that starts with a district takes the city when the notice spells the district out.
    (
        "关于黄埔区建设工程专业技术人才中级职称评审委员会开展2025年度评审的通知",
        "联系电话：……\n广州市黄埔区住房和城乡建设局",
        "广州市黄埔区建设工程专业技术人才中级职称评审委员会",
    ),
    # What the notice does to the committee's dates is no part of its name (dev5).
    (
        "关于调整广州市卫生专业技术人才高级职称评审委员会2025年度受理时间的通知",
        "",
        "广州市卫生专业技术人才高级职称评审委员会",
    ),
    (
        "关于延长广州市建设工程中级职称评审委员会2025年度网上申报时间的通知",
        "",
        "广州市建设工程中级职称评审委员会",
    ),
    ("关于更正广州市会计系列高级职称评审委员会评审费缴纳时间的通知", "", "广州市会计系列高级职称评审委员会"),
    (
        "关于开展2025年度乡村工匠专业人才职称评审工作的通知",
        "经研究，决定由南沙区乡村工匠专业人才中级职称评审委员会开展评审。",
        "南沙区乡村工匠专业人才中级职称评审委员会",
    ),
    # A unit's notice relaying one committee: 根据评委会通知 and 送达评委会办公室 refer to it, they are no
    # committees of their own (three names made it look like the city's season notice).
    (
        "广州南山学院关于做好2025年度图书资料专业人员中级职称申报工作的通知",
        "广州市图书资料专业人员中级职称评审委员会2025年度评审工作已启动。根据评委会通知，现将安排通知如下：\n"
        "学校于4月8日前统一送达评委会办公室。",
        "广州市图书资料专业人员中级职称评审委员会",
    ),
    # 根据 in front of the name is the sentence's, not the committee's (no issuer put in front of it).
    (
        "从化区教育局关于做好2025年度中小学教师高级职称申报工作的通知",
        "根据广州市中小学教师高级职称评审委员会2025年度评审工作安排，现将我区申报事项通知如下：",
        "广州市中小学教师高级职称评审委员会",
    ),
    # A branch written after the name is part of it.
    (
        "广州市工程技术人才中级职称评审委员会（建筑）2025年度评审工作通知",
        "",
        "广州市工程技术人才中级职称评审委员会（建筑）",
    ),
    # A traditional-character repost is named as it writes itself.
    (
        "廣州市會計系列高級職稱評審委員會關於2025年度評審工作的通知（轉載）",
        "",
        "廣州市會計系列高級職稱評審委員會",
    ),
]


@pytest.mark.parametrize(
    ("title", "body", "expected"), COMMITTEES, ids=[f"committee-{i}" for i in range(len(COMMITTEES))]
)
def test_committee(title: str, body: str, expected: str | None) -> None:
    assert extract_committee(title, body) == expected


YEARS = [
    ("关于做好2024年度广州市卫生专业技术人才高级职称评审工作的通知", "", None, 2024),
    ("关于做好二〇二四年度会计系列职称评审工作的通知", "", None, 2024),
    ("关于职称评审的通知", "现开展2023年度评审工作", None, 2023),
    ("关于职称评审申报受理的通知", "", date(2025, 3, 1), 2024),
    ("关于职称评审申报受理的通知", "", date(2024, 11, 20), 2024),
    ("关于职称评审申报受理的通知", "", None, None),
]


@pytest.mark.parametrize(
    ("title", "body", "published", "expected"), YEARS, ids=[f"year-{i}" for i in range(len(YEARS))]
)
def test_review_year(title: str, body: str, published: date | None, expected: int | None) -> None:
    assert extract_review_year(title, body, published) == expected


def test_html_to_text() -> None:
    html = (
        "<html><body><div class='content'><p>一、申报时间</p><p>网上申报：2025年1月6日至<br>1月24日</p>"
        "<script>var x = '2025年1月1日至1月2日';</script><ul><li>缴费</li></ul></div></body></html>"
    )
    assert html_to_text(html) == "一、申报时间\n\n网上申报：2025年1月6日至\n1月24日\n\n缴费"


# Extension and adjustment notices name only the step; they must map to the committee of the
# notice they change, or the change would not reach subscribers as a new window version.
STEP_TITLES = [
    (
        "关于延长2025年度广州市卫生专业技术人才高级职称网上申报时间的通知",
        "广州市卫生专业技术人才高级职称评审委员会",
    ),
    (
        "关于调整2025年度广州市基层卫生专业技术人才高级职称纸质材料报送时间的通知",
        "广州市基层卫生专业技术人才高级职称评审委员会",
    ),
    ("关于延长2025年度广州市中等职业学校教师职称评审受理时间的通知", "广州市中等职业学校教师职称评审委员会"),
    ("关于延长2025年度广州市园林专业中级职称网上填报时间的通知", "广州市园林专业中级职称评审委员会"),
    ("关于领取2025年度广州市技工院校教师中级职称证书的通知", "广州市技工院校教师中级职称评审委员会"),
]


@pytest.mark.parametrize(("title", "expected"), STEP_TITLES)
def test_committee_from_step_title(title: str, expected: str) -> None:
    assert extract_committee(title, "") == expected
