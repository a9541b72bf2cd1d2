"""Render zcwatch alerts as Chinese messages, one at a time or batched.

Pure functions only: nothing here sends, logs or imports Apprise, so the wording can be tested without a
network and reused by every channel. An alert says which committee's window is about to open, has opened, is
closing or has moved; the message carries the step, dates with weekdays, a countdown and the notice link.

Every string that came from the bureau's site (committee, notice title, URL, checklist items) is untrusted:
HTML bodies escape it with ``html.escape`` and only link ``http(s)`` URLs; text and markdown bodies write
links out in full so they survive channels that strip markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from core.vocabulary import ALERT_KINDS, KIND_LABELS, REMINDER_KINDS, AlertKind, ReminderKind, WindowKind

BODY_FORMATS = ("html", "text", "markdown")

# What each extracted window kind means to an applicant.

DEFAULT_CHECKLIST = (
    "开通法人单位账户并与单位确认",
    "取得本年度继续教育证书（满90学时）",
    "核对取得现职称后的年限是否满足申报条件",
    "提前准备申报材料并登录广州职称申报与管理系统填写基础信息",
)

# Kinds where the applicant still has time to prepare, so the checklist is worth repeating.
_CHECKLIST_KINDS = frozenset({AlertKind.MONTH_AHEAD, AlertKind.ANNOUNCED, AlertKind.ESTIMATE})

_WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class Alert:
    """One reason to tell a subscriber about one committee window."""

    kind: str  # one of ALERT_KINDS
    committee: str
    window_kind: str  # apply | accept | unit_review | paper | fee | review | other
    start: str | None  # "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (Asia/Shanghai); None = bare deadline
    end: str | None
    notice_url: str
    notice_title: str
    today: date  # for days-left arithmetic (Asia/Shanghai)
    previous_start: str | None = None  # for "changed"
    previous_end: str | None = None
    checklist: tuple[str, ...] = ()  # preparation items for month_ahead/estimate/announced
    # Further alert kinds about the same window that this one message also stands for (see merge_window).
    also: tuple[str, ...] = ()
    note: str = ""  # a caveat said with the dates (an estimate's deadline moved off a weekend)
    # A reminder of the applicant's timeline (REMINDER_KINDS, notifier.reminders): what to do, in the title;
    # ``note`` then holds the reminder's text (several lines when one message stands for several).
    headline: str = ""

    @property
    def is_reminder(self) -> bool:
        return self.kind in REMINDER_KINDS

    def __post_init__(self) -> None:
        for kind in (self.kind, *self.also):
            if kind not in ALERT_KINDS:
                raise ValueError(f"unknown alert kind {kind!r}; expected one of {', '.join(ALERT_KINDS)}")
        # Fail at construction rather than when a message is already half-sent.
        for value in (self.start, self.end, self.previous_start, self.previous_end):
            if value is not None:
                _split(value)


@dataclass(frozen=True)
class Message:
    """A rendered notification: Apprise takes title and body as they are, in body_format."""

    title: str
    body: str
    body_format: str  # "html" | "text" | "markdown"
    # For an HTML body: the same message as plain text, the text part of an e-mail (notifier.mailtext).
    text: str | None = None
    # Extra e-mail headers (List-Unsubscribe, …); other channels have no headers and ignore them.
    headers: tuple[tuple[str, str], ...] = ()


# --- dates -----------------------------------------------------------------------------------------------


def _split(value: str) -> tuple[date, str | None]:
    """Split "YYYY-MM-DD[THH:MM]" into a date and the clock time as written.

    The time is kept as text, not parsed into a datetime, because the extractor may legitimately say
    "24:00" (the end of that day), which datetime refuses.
    """
    day_part, sep, time_part = value.partition("T")
    try:
        day = date.fromisoformat(day_part)
    except ValueError:
        raise ValueError(f"not a YYYY-MM-DD[THH:MM] date: {value!r}") from None
    if not sep:
        return day, None
    hours, colon, minutes = time_part.partition(":")
    if not (colon and hours.isdigit() and minutes[:2].isdigit() and 0 <= int(hours) <= 24):
        raise ValueError(f"not a YYYY-MM-DD[THH:MM] date: {value!r}")
    return day, f"{int(hours)}:{minutes[:2]}"


def format_date(value: str) -> str:
    """Format "2025-01-06T09:00" as "2025年1月6日（周一）9:00"; date-only values get no time."""
    day, clock = _split(value)
    text = f"{day.year}年{day.month}月{day.day}日（{_WEEKDAYS[day.weekday()]}）"
    return text + clock if clock else text


def _short_date(value: str) -> str:
    """Month and day only, for titles where the full date would be too long."""
    day, _ = _split(value)
    return f"{day.month}月{day.day}日"


def format_window(start: str | None, end: str | None) -> str:
    """The window as one phrase: a range, a bare deadline, or an open-ended start."""
    if start and end:
        return f"{format_date(start)} 至 {format_date(end)}"
    if end:
        return f"{format_date(end)} 截止"
    if start:
        return f"{format_date(start)} 起"
    return "未公布"


def _days_until(value: str | None, today: date) -> int | None:
    if value is None:
        return None
    return (_split(value)[0] - today).days


def _started_ago(alert: Alert) -> str | None:
    """ "已于1月6日开始（3天前）" for a window that opened before today; None otherwise.

    A run that catches up after a downtime sends an `opens` alert days late: it must not say "today".
    """
    ago = -(_days_until(alert.start, alert.today) or 0)
    if alert.start is None or ago <= 0:
        return None
    return f"已于{_short_date(alert.start)}开始（{ago}天前）"


def _countdown(alert: Alert) -> str | None:
    """How far away the window is, from the applicant's point of view today."""
    to_start = _days_until(alert.start, alert.today)
    to_end = _days_until(alert.end, alert.today)
    if to_start is not None and to_start > 0:
        return f"距开始还有{to_start}天"
    if to_end is None:
        return "今天开始" if to_start == 0 else None
    if to_end > 0:
        return (
            f"距截止还剩{to_end}天" if to_start is None or to_start < 0 else f"今天开始，距截止还剩{to_end}天"
        )
    if to_end == 0:
        return "今天截止"
    return "已截止"


# --- wording ---------------------------------------------------------------------------------------------


def _step(alert: Alert) -> str:
    return KIND_LABELS.get(alert.window_kind, KIND_LABELS["other"])


def _title(alert: Alert) -> str:
    committee = " ".join(alert.committee.split())
    if alert.is_reminder:
        return f"【申报进度】{committee}：{alert.headline}"
    step = _step(alert)
    # The apply step is what people mean by 申报; other steps are named as they are.
    action = "申报" if alert.window_kind == WindowKind.APPLY else step
    if alert.kind == AlertKind.MONTH_AHEAD:
        return f"【职称提醒】{committee}约一个月后开始{action}"
    if alert.kind == AlertKind.ANNOUNCED:
        return f"【新通知】{committee}已发布申报通知"
    started = _started_ago(alert)
    if alert.kind == AlertKind.ESTIMATE:
        if not alert.start:
            when = f"预计将开始{action}"
        elif started:
            when = f"预计已于{_short_date(alert.start)}前后开始{action}"
        else:
            when = f"预计{_short_date(alert.start)}前后开始{action}"
        return f"【预估】{committee}{when}（据上年度时间推算，以正式通知为准）"
    if alert.kind == AlertKind.OPENS:
        if started:
            return f"【正在申报】{committee}{step}{started}"
        return f"【今日开始】{committee}{step}今天开始"
    if alert.kind == AlertKind.CLOSING_SOON:
        left = _days_until(alert.end, alert.today)
        if left is None:
            return f"【即将截止】{committee}{step}即将截止"
        if left <= 0:
            return f"【即将截止】{committee}{step}今天截止"
        return f"【即将截止】{committee}{step}还剩{left}天"
    # changed
    return f"【时间变更】{committee}{step}时间有变化"


@dataclass(frozen=True)
class _Line:
    """A labelled line; ``link`` marks a URL that HTML may turn into an anchor."""

    label: str
    value: str
    link: bool = False


def _reminder_lines(alert: Alert) -> list[_Line]:
    lines = [_Line("评委会", " ".join(alert.committee.split()))]
    lines += [_Line("提醒", text) for text in alert.note.split("\n") if text]
    lines.append(_Line(_step(alert) + "时间", format_window(alert.start, alert.end)))
    countdown = _countdown(alert)
    if countdown:
        lines.append(_Line("倒计时", countdown))
    if alert.notice_title:
        lines.append(_Line("通知", " ".join(alert.notice_title.split())))
    if alert.notice_url:
        lines.append(_Line("链接", alert.notice_url.strip(), link=True))
    return lines


def _lines(alert: Alert) -> list[_Line]:
    if alert.is_reminder:
        return _reminder_lines(alert)
    lines = [_Line("评委会", " ".join(alert.committee.split())), _Line("环节", _step(alert))]
    if alert.kind == AlertKind.CHANGED or (
        AlertKind.CHANGED in alert.also and (alert.previous_start or alert.previous_end)
    ):
        lines.append(_Line("原时间", format_window(alert.previous_start, alert.previous_end)))
        lines.append(_Line("新时间", format_window(alert.start, alert.end)))
    elif alert.kind == AlertKind.ESTIMATE:
        lines.append(_Line("预估时间", format_window(alert.start, alert.end)))
        caveat = "据上年度时间推算，以正式通知为准" + (f"；{alert.note}" if alert.note else "")
        lines.append(_Line("说明", caveat))
    else:
        lines.append(_Line("时间", format_window(alert.start, alert.end)))
    if alert.note and alert.kind != AlertKind.ESTIMATE:  # an estimate says its caveat above
        lines.append(_Line("说明", alert.note))
    countdown = _countdown(alert)
    if countdown:
        lines.append(_Line("倒计时", countdown))
    title_label = "上年度通知" if alert.kind == AlertKind.ESTIMATE else "通知"
    if alert.notice_title:
        lines.append(_Line(title_label, " ".join(alert.notice_title.split())))
    if alert.notice_url:
        lines.append(_Line("链接", alert.notice_url.strip(), link=True))
    return lines


def _checklist(alert: Alert) -> tuple[str, ...]:
    if _CHECKLIST_KINDS.isdisjoint((alert.kind, *alert.also)):
        return ()
    return alert.checklist or DEFAULT_CHECKLIST


def _is_web_link(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


# Which alert's wording leads when one message stands for several alerts about one window: the most
# urgent thing the applicant must act on first.
_URGENCY = (
    AlertKind.CLOSING_SOON,
    AlertKind.OPENS,
    AlertKind.CHANGED,
    AlertKind.ANNOUNCED,
    AlertKind.MONTH_AHEAD,
    AlertKind.ESTIMATE,
)


# The same for the reminders of one application: what cannot wait first.
_REMINDER_URGENCY = (
    ReminderKind.RESUBMIT,
    ReminderKind.NO_WAIT_SMS,
    ReminderKind.CONTACT_OFFICE,
    ReminderKind.CHASE_SMS,
    ReminderKind.CHECK_RESULT,
    ReminderKind.EXPECT_SMS,
    ReminderKind.CHECK_STATUS,
)


def _merge_reminders(alerts: Sequence[Alert]) -> Alert:
    ordered = sorted(alerts, key=lambda a: _REMINDER_URGENCY.index(ReminderKind(a.kind)))
    lead = ordered[0]
    notes = dict.fromkeys(line for a in ordered for line in a.note.split("\n") if line)
    return replace(
        lead,
        note="\n".join(notes),
        also=tuple(dict.fromkeys(a.kind for a in ordered[1:] if a.kind != lead.kind)),
    )


def merge_window(alerts: Sequence[Alert]) -> Alert:
    """Several alerts about one window due in one run, as one alert: the most urgent one's wording,
    the old dates of a `changed` among them, and the checklist if any of them carries it.

    A late run would otherwise send "new notice" and "opens" for the same window side by side.
    """
    if not alerts:
        raise ValueError("merge_window needs at least one alert")
    if alerts[0].is_reminder:
        if not all(a.is_reminder for a in alerts):
            raise ValueError("a window's alerts and an application's reminders are separate messages")
        return _merge_reminders(alerts)
    ordered = sorted(alerts, key=lambda a: _URGENCY.index(AlertKind(a.kind)))
    lead, rest = ordered[0], ordered[1:]
    if not rest:
        return lead
    changed = next((a for a in rest if a.kind == AlertKind.CHANGED), None)
    return replace(
        lead,
        also=tuple(dict.fromkeys(a.kind for a in rest if a.kind != lead.kind)),
        previous_start=changed.previous_start if changed else lead.previous_start,
        previous_end=changed.previous_end if changed else lead.previous_end,
    )


# --- formats ---------------------------------------------------------------------------------------------


def _html_line(line: _Line) -> str:
    label = html.escape(line.label)
    value = html.escape(line.value, quote=True)
    if line.link and _is_web_link(line.value):
        value = f'<a href="{value}">{value}</a>'
    return f"<b>{label}：</b>{value}"


def _html_section(lines: Sequence[_Line], checklist: Sequence[str]) -> str:
    parts = ["<p>" + "<br>\n".join(_html_line(line) for line in lines) + "</p>"] if lines else []
    if checklist:
        items = "".join(f"<li>{html.escape(item)}</li>" for item in checklist)
        parts.append(f"<p><b>准备事项：</b></p>\n<ol>{items}</ol>")
    return "\n".join(parts)


def _text_section(lines: Sequence[_Line], checklist: Sequence[str]) -> str:
    out = [f"{line.label}：{line.value}" for line in lines]
    if checklist:
        out.append("准备事项：")
        out.extend(f"{n}. {item}" for n, item in enumerate(checklist, start=1))
    return "\n".join(out)


def _markdown_section(lines: Sequence[_Line], checklist: Sequence[str]) -> str:
    # A list keeps one field per line: markdown renderers (DingTalk, WeCom) join bare newlines.
    out = [f"- {line.label}：{line.value}" for line in lines]
    if checklist:
        out.append("")
        out.append("准备事项：")
        out.append("")
        out.extend(f"{n}. {item}" for n, item in enumerate(checklist, start=1))
    return "\n".join(out)


def _section(body_format: str, lines: Sequence[_Line], checklist: Sequence[str]) -> str:
    if body_format == "html":
        return _html_section(lines, checklist)
    if body_format == "markdown":
        return _markdown_section(lines, checklist)
    return _text_section(lines, checklist)


def _heading(body_format: str, text: str) -> str:
    if body_format == "html":
        return f"<h3>{html.escape(text)}</h3>"
    if body_format == "markdown":
        return f"### {text}"
    return f"■ {text}"


def _check_format(body_format: str) -> None:
    if body_format not in BODY_FORMATS:
        raise ValueError(f"unknown body format {body_format!r}; expected one of {', '.join(BODY_FORMATS)}")


def render_alert(alert: Alert, body_format: str) -> Message:
    """One alert as one message; the title alone should tell the applicant what happened."""
    _check_format(body_format)
    body = _section(body_format, _lines(alert), _checklist(alert))
    text = render_alert(alert, "text").body if body_format == "html" else None
    return Message(title=_title(alert), body=body, body_format=body_format, text=text)


def render_batch(alerts: Sequence[Alert], body_format: str) -> Message:
    """Several alerts for one subscriber as one message, for channels where one message beats many.

    Each alert keeps its own heading (its single-message title); the checklist, identical for most alerts,
    is given once at the end instead of after every alert.
    """
    _check_format(body_format)
    if not alerts:
        raise ValueError("render_batch needs at least one alert")
    if len(alerts) == 1:
        return render_alert(alerts[0], body_format)

    checklist: list[str] = []
    sections = []
    for alert in alerts:
        sections.append(
            _heading(body_format, _title(alert)) + "\n" + _section(body_format, _lines(alert), ())
        )
        checklist.extend(item for item in _checklist(alert) if item not in checklist)
    if checklist:
        sections.append(_section(body_format, (), checklist))

    committees = {" ".join(a.committee.split()) for a in alerts}
    title = f"【职称提醒】{len(alerts)}条提醒（{len(committees)}个评委会）"
    separator = "\n<hr>\n" if body_format == "html" else "\n\n"
    text = render_batch(alerts, "text").body if body_format == "html" else None
    return Message(title=title, body=separator.join(sections), body_format=body_format, text=text)
