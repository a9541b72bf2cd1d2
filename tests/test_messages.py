"""Rendering of alerts: wording per kind, dates with weekdays, countdowns, escaping, batching."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from core.vocabulary import ALERT_KINDS
from notifier.messages import (
    DEFAULT_CHECKLIST,
    Alert,
    format_date,
    format_window,
    merge_window,
    render_alert,
    render_batch,
)

COMMITTEE = "广州市卫生专业技术人才高级职称评审委员会"
URL = "https://rsj.gz.gov.cn/zwgk/content/post_10999952.html"
TITLE = "关于做好2024年度广州市卫生高级职称评审工作的通知"


def alert(kind: str = "closing_soon", **changes: Any) -> Alert:
    base = Alert(
        kind=kind,
        committee=COMMITTEE,
        window_kind="apply",
        start="2025-01-06T09:00",
        end="2025-01-20T17:30",
        notice_url=URL,
        notice_title=TITLE,
        today=date(2025, 1, 17),
    )
    return replace(base, **changes)


# --- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-06T09:00", "2025年1月6日（周一）9:00"),
        ("2025-01-06", "2025年1月6日（周一）"),
        ("2025-03-30T17:30", "2025年3月30日（周日）17:30"),
        ("2024-12-31T24:00", "2024年12月31日（周二）24:00"),
        ("2025-02-01T08:05", "2025年2月1日（周六）8:05"),
    ],
)
def test_format_date_has_weekday_and_time(value: str, expected: str) -> None:
    assert format_date(value) == expected


def test_format_window_variants() -> None:
    assert format_window("2025-01-06", "2025-01-20") == "2025年1月6日（周一） 至 2025年1月20日（周一）"
    assert format_window(None, "2025-01-20T24:00") == "2025年1月20日（周一）24:00 截止"
    assert format_window("2025-01-06", None) == "2025年1月6日（周一） 起"


def test_bad_dates_fail_at_construction() -> None:
    with pytest.raises(ValueError, match="not a YYYY-MM-DD"):
        alert(start="2025/01/06")
    with pytest.raises(ValueError, match="not a YYYY-MM-DD"):
        alert(end="2025-01-20T5pm")


def test_unknown_kind_and_format_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown alert kind"):
        alert(kind="reminder")
    with pytest.raises(ValueError, match="unknown body format"):
        render_alert(alert(), "rtf")


# --- every kind ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALERT_KINDS)
@pytest.mark.parametrize("body_format", ["html", "text", "markdown"])
def test_every_kind_renders_committee_step_dates_and_link(kind: str, body_format: str) -> None:
    a = alert(kind, previous_start="2025-01-02T09:00", previous_end="2025-01-15T17:30")
    m = render_alert(a, body_format)
    assert m.body_format == body_format
    assert COMMITTEE in m.title
    assert COMMITTEE in m.body
    assert "网上申报" in m.body
    assert "2025年1月6日（周一）9:00" in m.body
    assert "2025年1月20日（周一）17:30" in m.body
    assert URL in m.body
    assert TITLE in m.body
    assert "\n" not in m.title


def test_month_ahead_wording_countdown_and_checklist() -> None:
    a = alert("month_ahead", today=date(2024, 12, 6))
    m = render_alert(a, "text")
    assert m.title == f"【职称提醒】{COMMITTEE}约一个月后开始申报"
    assert "距开始还有31天" in m.body
    for item in DEFAULT_CHECKLIST:
        assert item in m.body
    assert "1. 开通法人单位账户并与单位确认" in m.body


def test_month_ahead_for_another_step_names_it() -> None:
    m = render_alert(alert("month_ahead", window_kind="paper", today=date(2024, 12, 6)), "text")
    assert m.title.endswith("约一个月后开始纸质材料")
    assert "环节：纸质材料" in m.body


def test_custom_checklist_replaces_default() -> None:
    m = render_alert(alert("month_ahead", checklist=("准备论文原件",), today=date(2024, 12, 6)), "text")
    assert "准备论文原件" in m.body
    assert DEFAULT_CHECKLIST[0] not in m.body


def test_announced_wording() -> None:
    m = render_alert(alert("announced", today=date(2024, 12, 20)), "text")
    assert m.title == f"【新通知】{COMMITTEE}已发布申报通知"
    assert "距开始还有17天" in m.body
    assert DEFAULT_CHECKLIST[1] in m.body


def test_estimate_is_clearly_labelled() -> None:
    m = render_alert(alert("estimate", start="2026-01-05", end="2026-01-19", today=date(2025, 12, 1)), "text")
    assert m.title.startswith("【预估】")
    assert "据上年度时间推算，以正式通知为准" in m.title
    assert "据上年度时间推算，以正式通知为准" in m.body
    assert "预估时间：2026年1月5日（周一） 至 2026年1月19日（周一）" in m.body
    assert "上年度通知：" in m.body
    assert "距开始还有35天" in m.body


def test_opens_today() -> None:
    m = render_alert(alert("opens", today=date(2025, 1, 6)), "text")
    assert m.title == f"【今日开始】{COMMITTEE}网上申报今天开始"
    assert "今天开始，距截止还剩14天" in m.body
    assert DEFAULT_CHECKLIST[0] not in m.body  # too late for preparation lists


# Issue 11, defect 9: after a downtime `opens` went out days late saying 今天开始.
@pytest.mark.parametrize(
    ("today", "title"),
    [
        (date(2025, 1, 6), f"【今日开始】{COMMITTEE}网上申报今天开始"),
        (date(2025, 1, 7), f"【正在申报】{COMMITTEE}网上申报已于1月6日开始（1天前）"),
        (date(2025, 1, 11), f"【正在申报】{COMMITTEE}网上申报已于1月6日开始（5天前）"),
        (date(2025, 1, 18), f"【正在申报】{COMMITTEE}网上申报已于1月6日开始（12天前）"),
    ],
)
def test_opens_sent_late_says_when_it_opened_never_today(today: date, title: str) -> None:
    for body_format in ("html", "text", "markdown"):
        m = render_alert(alert("opens", today=today), body_format)
        assert m.title == title
        if today > date(2025, 1, 6):
            assert "今天" not in m.title + m.body
    left = (date(2025, 1, 20) - date(2025, 1, 11)).days
    assert f"倒计时：距截止还剩{left}天" in render_alert(alert("opens", today=date(2025, 1, 11)), "text").body


def test_estimate_already_open_says_it_may_have_started() -> None:
    a = alert("estimate", start="2026-01-05", end="2026-01-29", today=date(2026, 1, 5))
    assert render_alert(a, "text").title == (
        f"【预估】{COMMITTEE}预计1月5日前后开始申报（据上年度时间推算，以正式通知为准）"
    )
    m = render_alert(replace(a, today=date(2026, 1, 9)), "text")
    assert m.title == f"【预估】{COMMITTEE}预计已于1月5日前后开始申报（据上年度时间推算，以正式通知为准）"
    assert "倒计时：距截止还剩20天" in m.body


def test_merge_window_leads_with_the_most_urgent_and_keeps_old_dates_and_checklist() -> None:
    announced = alert("announced", today=date(2025, 1, 11))
    opens = alert("opens", today=date(2025, 1, 11))
    merged = merge_window([announced, opens])
    assert (merged.kind, merged.also) == ("opens", ("announced",))
    m = render_alert(merged, "text")
    assert m.title == f"【正在申报】{COMMITTEE}网上申报已于1月6日开始（5天前）"
    assert DEFAULT_CHECKLIST[0] in m.body  # the announcement's checklist is not lost
    changed = alert("changed", previous_start="2025-01-02T09:00", previous_end="2025-01-15T17:30")
    m = render_alert(merge_window([changed, alert("closing_soon")]), "text")
    assert m.title == f"【即将截止】{COMMITTEE}网上申报还剩3天"
    assert "原时间：2025年1月2日（周四）9:00 至 2025年1月15日（周三）17:30" in m.body
    assert "新时间：2025年1月6日（周一）9:00 至 2025年1月20日（周一）17:30" in m.body
    assert merge_window([opens]) == opens
    with pytest.raises(ValueError, match="needs at least one alert"):
        merge_window([])


@pytest.mark.parametrize(
    ("today", "title_tail", "countdown"),
    [
        (date(2025, 1, 17), "还剩3天", "距截止还剩3天"),
        (date(2025, 1, 19), "还剩1天", "距截止还剩1天"),
        (date(2025, 1, 20), "今天截止", "今天截止"),
    ],
)
def test_closing_soon_days_left(today: date, title_tail: str, countdown: str) -> None:
    m = render_alert(alert("closing_soon", today=today), "text")
    assert m.title == f"【即将截止】{COMMITTEE}网上申报{title_tail}"
    assert f"倒计时：{countdown}" in m.body


def test_closing_soon_bare_deadline() -> None:
    m = render_alert(alert("closing_soon", start=None, end="2025-01-20T24:00"), "text")
    assert "还剩3天" in m.title
    assert "时间：2025年1月20日（周一）24:00 截止" in m.body


def test_changed_shows_old_then_new() -> None:
    a = alert("changed", previous_start="2025-01-06T09:00", previous_end="2025-01-15T17:30")
    m = render_alert(a, "text")
    assert m.title.startswith("【时间变更】")
    old = m.body.index("原时间：2025年1月6日（周一）9:00 至 2025年1月15日（周三）17:30")
    new = m.body.index("新时间：2025年1月6日（周一）9:00 至 2025年1月20日（周一）17:30")
    assert old < new


# --- escaping and links ------------------------------------------------------------------------------


def test_html_escapes_every_scraped_string() -> None:
    a = alert(
        "announced",
        committee='评委会<img src=x onerror="alert(1)">',
        notice_title="<script>alert('x')</script>通知",
        notice_url='https://rsj.gz.gov.cn/a?b=1&c="2"',
        checklist=("<b>材料</b>",),
    )
    m = render_alert(a, "html")
    assert "<script>" not in m.body and "<img" not in m.body and "<b>材料</b>" not in m.body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;通知" in m.body
    assert 'href="https://rsj.gz.gov.cn/a?b=1&amp;c=&quot;2&quot;"' in m.body
    assert "&lt;b&gt;材料&lt;/b&gt;" in m.body


def test_html_links_only_http_urls() -> None:
    m = render_alert(alert(notice_url="javascript:alert(1)"), "html")
    assert "href" not in m.body
    assert "javascript:alert(1)" in m.body  # shown as text so the reader can see what was there


def test_text_and_markdown_write_links_out() -> None:
    for body_format in ("text", "markdown"):
        m = render_alert(alert(), body_format)
        assert f"链接：{URL}" in m.body
        assert "<" not in m.body
    assert render_alert(alert(), "markdown").body.startswith("- 评委会：")


def test_whitespace_in_scraped_strings_is_squeezed() -> None:
    m = render_alert(alert(committee="  广州市会计系列\t高级职称评审委员会\n"), "text")
    assert "评委会：广州市会计系列 高级职称评审委员会\n" in m.body


# --- batches -----------------------------------------------------------------------------------------


def test_batch_title_counts_and_checklist_given_once() -> None:
    alerts = [
        alert("month_ahead", today=date(2024, 12, 6)),
        alert("closing_soon", committee="广州市会计系列高级职称评审委员会"),
        alert("announced", committee="广州市卫生研究人才职称评审委员会", today=date(2024, 12, 20)),
    ]
    for body_format in ("html", "text", "markdown"):
        m = render_batch(alerts, body_format)
        assert "3条" in m.title and "3个评委会" in m.title
        assert m.body.count(DEFAULT_CHECKLIST[0]) == 1
        assert "【职称提醒】" in m.body and "【即将截止】" in m.body and "【新通知】" in m.body
    assert render_batch(alerts, "html").body.count("<h3>") == 3


def test_batch_of_one_is_the_single_message() -> None:
    a = alert()
    assert render_batch([a], "text") == render_alert(a, "text")


def test_empty_batch_is_an_error() -> None:
    with pytest.raises(ValueError, match="needs at least one alert"):
        render_batch([], "text")


# --- the applicant's timeline (issue 17) ---------------------------------------------------------------


def reminder(
    kind: str, note: str, headline: str = "请查看初审结果（提交后第1个工作日）", **changes: Any
) -> Alert:
    base = alert("opens", today=date(2024, 11, 25))
    return replace(base, kind=kind, note=note, headline=headline, **changes)


def test_a_reminder_says_what_to_do_with_the_window_and_escapes_what_was_scraped() -> None:
    r = reminder("check_result", "请登录系统查看审核结果。", committee="<b>卫生</b>委员会")
    text = render_alert(r, "text")
    assert text.title == "【申报进度】<b>卫生</b>委员会：请查看初审结果（提交后第1个工作日）"
    assert "提醒：请登录系统查看审核结果。" in text.body
    assert "网上申报时间：" in text.body and "准备事项" not in text.body
    html = render_alert(r, "html")
    assert "&lt;b&gt;卫生&lt;/b&gt;委员会" in html.body and "<b>卫生</b>" not in html.body


def test_reminders_of_one_application_merge_most_urgent_first_and_never_with_window_alerts() -> None:
    status = reminder(
        "check_status", "请每周至少登录一次系统查看审核流程。", headline="评审期间请每周查看审核流程"
    )
    chase = reminder("chase_sms", "请致电020-34626612确认。", headline="初审通过已8天未收到短信，请致电确认")
    merged = merge_window([status, chase])
    assert merged.kind == "chase_sms" and merged.also == ("check_status",)
    assert merged.note.split("\n") == ["请致电020-34626612确认。", "请每周至少登录一次系统查看审核流程。"]
    body = render_alert(merged, "text").body
    assert body.index("请致电") < body.index("每周至少")
    with pytest.raises(ValueError, match="separate messages"):
        merge_window([chase, alert("opens")])
