"""The applicant's own timeline (issue 17): the district office's guide as reminders, as a plain function.

``plan_application`` takes one application's recorded events (submitted on 12-07, the office passed it on
12-14, ...), its committee's deadline and review end, the office's rules and a working-day calendar, and
returns every reminder the guide gives for that history, each with its moment and how long it stays worth
sending. Like notifier.planner it is level-triggered: nothing remembers the last run; the caller sends those
whose moment has come and that the ledger does not hold yet, and records the ones past use as skipped.

The guide (../shared/seed, the district office's own words):

- the office's first review takes 5-6 working days: look at the result morning and evening
  (``check_result``, each working day after the submission, at each of ``remind_at``);
- a week with no review: contact the office (``contact_office``, with its name and phone; on the office's
  next working day when the week ends on a holiday);
- after the office's approval an SMS asks for the paper materials (``expect_sms``); a week with none: call
  (``chase_sms``); with the committee's deadline near, do not wait for it (``no_wait_sms``);
- during the committee's review look at least weekly (``check_status``, until ``committee_passed`` or the
  review's end);
- after a return (退案) fix and resubmit quickly (``resubmit``, with the deadline and the days left).

A later event ends what an earlier one started: an approval ends the first review's reminders, a return
ends everything until the resubmission, which starts the office's review again. An event ends the
reminders of its own day and after; those before it were true when they were due.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from core.timeutil import SHANGHAI
from core.vocabulary import ApplicationEvent as Ev
from core.vocabulary import ReminderKind as Rk

# Once-only reminders stay worth sending this long after their moment (a run that was down a day or two
# still tells; a week later the next step's reminder says what matters then).
LATE_DAYS = 3
# Without a known end of the committee's review, the weekly reminder stops after this many weeks.
STATUS_WEEKS_MAX = 26


@dataclass(frozen=True)
class Event:
    """One recorded step: what happened and on which (local) day; ``order`` breaks ties within a day."""

    event: str  # one of APPLICATION_EVENTS
    day: date
    order: int = 0


@dataclass(frozen=True)
class OfficeRules:
    """The office's timings ([office] in the config); the defaults are the guide's."""

    review_days: int = 6  # 我办完成首次审核一般需要5到6个工作日
    remind_at: tuple[time, ...] = (time(9, 0), time(18, 0))  # 每天早晚各登一次系统查看审核结果
    contact_after_days: int = 7  # 申报后一周甚至更长时间都未进行审核，请尽快联系我办
    sms_after_days: int = 7  # 若已通过一周仍未收到短信通知可致电我办
    no_wait_days: int = 3  # 评委即将截止 … 可不用等待我办短信通知
    status_every_days: int = 7  # 每周至少登录一次系统查看审核流程
    tz: ZoneInfo = field(default=SHANGHAI)


@dataclass(frozen=True)
class Reminder:
    """One reminder of the guide for one application.

    ``seq`` tells it apart from the same kind's other reminders of the application (the ledger's
    ``window_version`` for reminder rows): its day and slot, ``YYYYMMDD`` * 10 + slot.
    """

    kind: str  # one of REMINDER_KINDS
    day: date
    slot: int  # which of remind_at (0 for once-only reminders)
    due_at: datetime  # aware
    # Aware, exclusive: from this moment on it is recorded as skipped, never sent late and wrong (the
    # morning's look at the result ends when the evening's is due).
    useful_until: datetime
    since: date  # the day of the event it follows (for "已提交N天")
    nth: int = 0  # check_result: the first review's Nth working day; check_status: the Nth week

    @property
    def seq(self) -> int:
        return int(self.day.strftime("%Y%m%d")) * 10 + self.slot


class Calendar(Protocol):
    def is_working_day(self, day: date) -> bool: ...


class ChinaWorkingDays:
    """Working days in mainland China: weekdays, less public holidays, plus the make-up working days (调休).

    From the ``holidays`` package's China calendar (maintained as the State Council publishes each year's
    arrangement), loaded a year at a time. A year the package does not know yet counts weekdays only.
    """

    def __init__(self) -> None:
        import holidays

        self._calendar = holidays.country_holidays("CN")

    @functools.lru_cache(maxsize=1024)  # noqa: B019 - one calendar per process, a bounded cache
    def is_working_day(self, day: date) -> bool:
        return bool(self._calendar.is_working_day(day))


@functools.cache
def china_working_days() -> ChinaWorkingDays:
    return ChinaWorkingDays()


def working_days_after(day: date, count: int, calendar: Calendar) -> list[date]:
    """The first ``count`` working days after ``day`` (not ``day`` itself)."""
    out: list[date] = []
    d = day
    while len(out) < count:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            out.append(d)
    return out


def working_day_from(day: date, calendar: Calendar) -> date:
    """``day`` if the office works then, else the next day it does: a call on a holiday reaches nobody."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def _at(day: date, t: time, rules: OfficeRules) -> datetime:
    return datetime.combine(day, t, tzinfo=rules.tz)


def _end_of(day: date, rules: OfficeRules) -> datetime:
    """The first moment after ``day`` (an exclusive end)."""
    return _at(day + timedelta(days=1), time(0, 0), rules)


def _first_after(events: Sequence[Event], i: int, kinds: Iterable[str]) -> date | None:
    wanted = set(kinds)
    return next((e.day for e in events[i + 1 :] if e.event in wanted), None)


def _earliest(*days: date | None) -> date | None:
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _once(
    kind: str, day: date, since: date, rules: OfficeRules, ended: date | None, until: date | None = None
) -> Iterator[Reminder]:
    """A once-only reminder on ``day`` at the first reminder hour, unless ``ended`` came on or before it."""
    if ended is not None and ended <= day:
        return
    due = _at(day, rules.remind_at[0], rules)
    last = due + timedelta(days=LATE_DAYS)
    if until is not None:
        last = max(due, min(last, _end_of(until, rules)))
    if ended is not None:
        last = min(last, _at(ended, time(0, 0), rules))
    yield Reminder(kind, day, 0, due, last, since)


def _first_review(e: Event, ended: date | None, rules: OfficeRules, calendar: Calendar) -> Iterator[Reminder]:
    """After a submission: look at the result on each working day of the review; a week on, contact."""
    for n, day in enumerate(working_days_after(e.day, rules.review_days, calendar), start=1):
        if ended is not None and ended <= day:
            break
        for slot, t in enumerate(rules.remind_at):
            due = _at(day, t, rules)
            # Worth sending until the next look is due (the evening one replaces the morning's).
            later = (
                _at(day, rules.remind_at[slot + 1], rules)
                if slot + 1 < len(rules.remind_at)
                else _end_of(day, rules)
            )
            yield Reminder(Rk.CHECK_RESULT, day, slot, due, later, e.day, nth=n)
    contact = working_day_from(e.day + timedelta(days=rules.contact_after_days), calendar)
    yield from _once(Rk.CONTACT_OFFICE, contact, e.day, rules, ended)


def _after_approval(
    e: Event,
    ended: date | None,
    sms: date | None,
    deadline: date | None,
    review_end: date | None,
    rules: OfficeRules,
    calendar: Calendar,
) -> Iterator[Reminder]:
    """After the office's approval: the SMS, chasing it, not waiting for it; then weekly status checks."""
    no_sms = _earliest(sms, ended)
    near = deadline - timedelta(days=rules.no_wait_days) if deadline else None
    if near is not None and deadline is not None and deadline >= e.day:
        # Passed with the deadline already near: no point expecting the SMS, go ahead.
        if near > e.day:
            yield from _once(Rk.EXPECT_SMS, e.day, e.day, rules, no_sms, until=near)
        yield from _once(Rk.NO_WAIT_SMS, max(near, e.day), e.day, rules, no_sms, until=deadline)
    else:
        yield from _once(Rk.EXPECT_SMS, e.day, e.day, rules, no_sms)
    chase = working_day_from(e.day + timedelta(days=rules.sms_after_days), calendar)
    if deadline is None or chase <= deadline:
        yield from _once(Rk.CHASE_SMS, chase, e.day, rules, no_sms)
    last = review_end or e.day + timedelta(weeks=STATUS_WEEKS_MAX)
    week = 1
    while (day := e.day + timedelta(days=rules.status_every_days * week)) <= last:
        if ended is not None and ended <= day:
            break
        due = _at(day, rules.remind_at[0], rules)
        until = min(due + timedelta(days=rules.status_every_days), _end_of(last, rules))
        yield Reminder(Rk.CHECK_STATUS, day, 0, due, max(due, until), e.day, nth=week)
        week += 1


def plan_application(
    events: Iterable[Event],
    rules: OfficeRules,
    calendar: Calendar,
    *,
    deadline: date | None = None,
    review_end: date | None = None,
) -> list[Reminder]:
    """Every reminder the guide gives for this history of one application, in order of their moments.

    ``deadline`` is the last day of the committee's window the application is for, ``review_end`` the last
    day of the committee's review (when known). The caller keeps those whose ``due_at`` has come.
    """
    evs = sorted(events, key=lambda e: (e.day, e.order))
    out: list[Reminder] = []
    for i, e in enumerate(evs):
        if e.event in (Ev.SUBMITTED, Ev.RESUBMITTED):
            ended = _first_after(
                evs, i, (Ev.OFFICE_PASSED, Ev.RETURNED, Ev.SUBMITTED, Ev.RESUBMITTED, Ev.COMMITTEE_PASSED)
            )
            out += _first_review(e, ended, rules, calendar)
        elif e.event == Ev.OFFICE_PASSED:
            ended = _first_after(evs, i, (Ev.RETURNED, Ev.SUBMITTED, Ev.RESUBMITTED, Ev.COMMITTEE_PASSED))
            sms = _first_after(evs, i, (Ev.SMS,))
            out += _after_approval(e, ended, sms, deadline, review_end, rules, calendar)
        elif e.event == Ev.RETURNED:
            ended = _first_after(evs, i, (Ev.SUBMITTED, Ev.RESUBMITTED, Ev.COMMITTEE_PASSED, Ev.RETURNED))
            out += _once(Rk.RESUBMIT, e.day, e.day, rules, ended, until=deadline)
    return sorted(out, key=lambda r: (r.due_at, r.kind))


def due_reminders(reminders: Iterable[Reminder], now: datetime) -> list[tuple[Reminder, bool]]:
    """Those whose moment has come by ``now``, each with whether it is still worth sending."""
    return [(r, now < r.useful_until) for r in reminders if r.due_at <= now]
