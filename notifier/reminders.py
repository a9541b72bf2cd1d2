"""The applicant's timeline in a notify run (issue 17): the guide's reminders, through the alert ledger.

Each run, in the planning transaction: every application of an active subscriber is planned afresh from
its recorded events (``notifier.timeline.plan_application``); a reminder whose moment has come and that no
ledger row holds becomes a ``Planned`` row like any window alert, keyed to the application's window, with
``window_version`` = the reminder's ``seq`` (its day and slot), so the ledger's UNIQUE constraint makes it
one promise, ever. The rest of the run (claim -> send -> record, retries, leases) is the window alerts'.

Reminders are worth sending for a short while only (today's look at the result, not yesterday's), and a
later event can end them (the approval ends the first review's). So each run also retires the ledger's
reminder rows that are waiting (pending or failed) but no longer wanted: ``skipped`` if never tried,
``dead`` if they kept failing. What a reminder says is worded when it goes out, from ``today``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import Config, OfficeSettings
from core.vocabulary import REMINDER_KINDS, REMINDER_LABELS, DeliveryStatus, WindowKind, WindowStatus
from core.vocabulary import ReminderKind as Rk
from notifier.messages import Alert, format_date
from notifier.planner import PlanChannel, Planned, after_quiet_hours
from notifier.timeline import Calendar, Event, OfficeRules, Reminder, china_working_days, plan_application
from store.models import Delivery, Notice, Window
from store.timeline import Application, applications

# (subscriber, window key, reminder kind, seq): one reminder of one application.
ReminderId = tuple[str, str, str, int]


def office_rules(office: OfficeSettings, tz: object) -> OfficeRules:
    from zoneinfo import ZoneInfo

    return OfficeRules(
        review_days=office.review_days,
        remind_at=tuple(time.fromisoformat(t) for t in office.remind_at),
        contact_after_days=office.contact_after_days,
        sms_after_days=office.sms_after_days,
        no_wait_days=office.no_wait_days,
        status_every_days=office.status_every_days,
        tz=tz if isinstance(tz, ZoneInfo) else ZoneInfo(str(tz)),
    )


@dataclass(frozen=True)
class Live:
    """A reminder due by now and still worth sending, with what its message needs."""

    reminder: Reminder
    window: Window


@dataclass
class ReminderPlan:
    planned: list[Planned]
    live: dict[ReminderId, Live]
    retired: int = 0


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _latest_windows(session: Session, keys: set[str]) -> dict[str, Window]:
    out: dict[str, Window] = {}
    if keys:
        for w in session.scalars(select(Window).where(Window.key.in_(keys)).order_by(Window.version)):
            out[w.key] = w
    return out


def review_end(session: Session, w: Window) -> date | None:
    """The last day of the committee's review in the season of ``w`` (a review window after it), if known."""
    after = (w.start or w.end or "")[:10]
    ends = [
        r.end
        for r in session.scalars(
            select(Window).where(
                Window.committee == w.committee,
                Window.kind == WindowKind.REVIEW,
                Window.status == WindowStatus.CURRENT,
            )
        )
        if r.end and r.end[:10] >= after
    ]
    return _day(min(ends)) if ends else None


def _events(app: Application) -> list[Event]:
    return [Event(e.event, date.fromisoformat(e.day), e.id) for e in app.events]


def plan_reminders(
    session: Session,
    now: datetime,
    rules: OfficeRules,
    channels: Iterable[PlanChannel],
    calendar: Calendar | None = None,
) -> ReminderPlan:
    """The reminders due now for every application of the subscribers of ``channels``, as ledger rows;
    and the ledger's waiting reminder rows that are no longer wanted, retired (see the module's doc)."""
    by_sub: dict[str, list[PlanChannel]] = {}
    for c in channels:
        by_sub.setdefault(c.subscriber, []).append(c)
    apps = applications(session, sorted(by_sub)) if by_sub else []
    windows = _latest_windows(session, {a.window_key for a in apps})
    cal = calendar or (china_working_days() if apps else None)
    live: dict[ReminderId, Live] = {}
    stale: list[tuple[Application, Reminder]] = []
    for app in apps:
        w = windows.get(app.window_key)
        if w is None or cal is None:
            continue
        reminders = plan_application(
            _events(app), rules, cal, deadline=_day(w.end), review_end=review_end(session, w)
        )
        for r in reminders:
            if r.due_at > now:
                continue
            if now < r.useful_until:
                live[(app.subscriber, app.window_key, r.kind, r.seq)] = Live(r, w)
            else:
                stale.append((app, r))
    columns = (Delivery.subscriber, Delivery.channel, Delivery.window_key, Delivery.alert_kind)
    held = {
        tuple(row)
        for row in session.execute(
            select(*columns, Delivery.window_version).where(Delivery.alert_kind.in_(REMINDER_KINDS))
        )
    }
    planned: list[Planned] = []
    for (sub, key, kind, seq), item in live.items():
        for c in by_sub[sub]:
            if (sub, c.channel, key, kind, seq) in held:
                continue
            due = after_quiet_hours(max(item.reminder.due_at, now), c.quiet_hours)
            planned.append(
                Planned(sub, c.channel, item.window.id, key, seq, kind, due, DeliveryStatus.PENDING.value)
            )
    for app, r in stale:  # past use and never planned (a late record, a downtime): recorded, not sent
        w = windows[app.window_key]
        for c in by_sub[app.subscriber]:
            if (app.subscriber, c.channel, app.window_key, r.kind, r.seq) not in held:
                planned.append(
                    Planned(
                        app.subscriber,
                        c.channel,
                        w.id,
                        app.window_key,
                        r.seq,
                        r.kind,
                        r.due_at,
                        DeliveryStatus.SKIPPED.value,
                    )
                )
    return ReminderPlan(planned, live, _retire(session, live))


def _retire(session: Session, live: dict[ReminderId, Live]) -> int:
    """Waiting reminder rows that are no longer wanted: skipped if never tried, dead if they kept failing."""
    waiting = select(Delivery).where(
        Delivery.alert_kind.in_(REMINDER_KINDS),
        Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)),
    )
    retired = 0
    for d in session.scalars(waiting.with_for_update(skip_locked=True)):
        if (d.subscriber, d.window_key, d.alert_kind, d.window_version) in live:
            continue
        d.status = DeliveryStatus.DEAD if d.status == DeliveryStatus.FAILED else DeliveryStatus.SKIPPED
        retired += 1
    return retired


# --- what a reminder says ------------------------------------------------------------------------------


def _deadline_text(w: Window, today: date) -> str:
    end = _day(w.end)
    if end is None:
        return "请以评委会通知为准"
    left = (end - today).days
    when = format_date(w.end or "")
    if left > 0:
        return f"{when}，还剩{left}天"
    return f"{when}，今天截止" if left == 0 else f"{when}，已截止"


def _headline(kind: str, r: Reminder, days: int, office: OfficeSettings) -> str:
    return {
        Rk.CHECK_RESULT: f"请查看初审结果（提交后第{r.nth}个工作日）",
        Rk.CONTACT_OFFICE: f"提交已{days}天，请联系{office.name}确认初审",
        Rk.EXPECT_SMS: "已通过初审，请留意递交纸质材料的短信",
        Rk.CHASE_SMS: f"初审通过已{days}天未收到短信，请致电确认",
        Rk.NO_WAIT_SMS: "评委会即将截止，不必等待短信，请准备纸质材料",
        Rk.RESUBMIT: "被退案，请尽快修改后重新申报",
        Rk.CHECK_STATUS: "评审期间请每周查看审核流程",
    }.get(Rk(kind), kind)


def reminder_alert(session: Session, d: Delivery, item: Live, today: date, office: OfficeSettings) -> Alert:
    """The message content of one reminder row, worded from ``today``."""
    r, w = item.reminder, item.window
    days = (today - r.since).days
    fields = {
        "office": office.name,
        "phone": office.phone,
        "days": str(days),
        "workday": str(r.nth),
        "deadline": _deadline_text(w, today),
    }
    notice = session.get(Notice, w.notice_id) if w.notice_id else None
    return Alert(
        kind=d.alert_kind,
        committee=w.committee,
        window_kind=w.kind,
        start=w.start,
        end=w.end,
        notice_url=notice.url if notice else "",
        notice_title=notice.title if notice else "",
        today=today,
        note=office.texts[d.alert_kind].format_map(fields),
        headline=_headline(d.alert_kind, r, days, office),
    )


# --- an applicant's timeline, for `zcwatch timeline NAME` and the manage page ---------------------------


def timeline_rows(session: Session, config: Config, name: str, now: datetime) -> list[dict[str, Any]]:
    """Each application of ``name`` with its events and next reminder: the stable rows of
    `zcwatch timeline NAME --format json` (README), also shown on the manage page."""
    from store.timeline import label

    rules = office_rules(config.office, config.tz)
    apps = applications(session, [name])
    windows = _latest_windows(session, {a.window_key for a in apps})
    out = []
    for app in apps:
        w = windows.get(app.window_key)
        upcoming = []
        if w is not None:
            plan = plan_application(
                _events(app),
                rules,
                china_working_days(),
                deadline=_day(w.end),
                review_end=review_end(session, w),
            )
            upcoming = [r for r in plan if r.due_at > now]
        nxt = upcoming[0] if upcoming else None
        out.append(
            {
                "committee": app.committee,
                "window_key": app.window_key,
                "events": [
                    {"id": e.id, "event": e.event, "label": label(e.event), "day": e.day, "via": e.via}
                    for e in app.events
                ],
                "next_reminder": (
                    {
                        "kind": nxt.kind,
                        "label": REMINDER_LABELS[nxt.kind],
                        "at": nxt.due_at.astimezone(rules.tz).strftime("%Y-%m-%d %H:%M"),
                    }
                    if nxt
                    else None
                ),
            }
        )
    return out
