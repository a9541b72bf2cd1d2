"""Table tests of the applicant's reminder planner (notifier/timeline.py, issue 17).

Expected values are worked out by hand from the issue's rules and the State Council's 2026 calendar: the
Spring Festival holiday is Sun 02-15 … Mon 02-23, Saturdays 02-14 and 02-28 are make-up working days;
National Day is 10-01 … 10-07, Sun 09-20 and Sat 10-10 are make-up working days. ``Weekdays`` (Monday to
Friday) serves where holidays do not matter; 2026-03-02 is a Monday. Days are 2026's, written MM-DD.
"""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import pairwise

import pytest

from core.timeutil import SHANGHAI
from notifier.timeline import (
    STATUS_WEEKS_MAX,
    Calendar,
    Event,
    OfficeRules,
    Reminder,
    china_working_days,
    due_reminders,
    plan_application,
    working_days_after,
)

RULES = OfficeRules()


class Weekdays:
    """A calendar without holidays: Monday to Friday are working days."""

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5


WEEKDAYS = Weekdays()
CHINA = china_working_days()


def d(mmdd: str) -> date:
    return date.fromisoformat(f"2026-{mmdd}")


def at(mmdd_hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2026-{mmdd_hhmm}").replace(tzinfo=SHANGHAI)


def plan(history: str, calendar: Calendar = WEEKDAYS, rules: OfficeRules = RULES) -> list[Reminder]:
    """``history`` is "event MM-DD, event MM-DD, ..." in the order recorded (same-day events keep it);
    "deadline MM-DD" and "review_end MM-DD" in it give the committee's deadline and review end."""
    dates: dict[str, date | None] = {"deadline": None, "review_end": None}
    events = []
    for i, (kind, day) in enumerate(step.split() for step in history.split(",") if step.strip()):
        if kind in dates:
            dates[kind] = d(day)
        else:
            events.append(Event(kind, d(day), order=i))
    return plan_application(events, rules, calendar, **dates)


def days_of(reminders: list[Reminder], kind: str) -> list[str]:
    return list(dict.fromkeys(r.day.strftime("%m-%d") for r in reminders if r.kind == kind))


def summary(reminders: list[Reminder]) -> str:
    """The days of each kind ("kind MM-DD MM-DD; kind MM-DD"), kinds in order of their first reminder."""
    kinds = dict.fromkeys(r.kind for r in sorted(reminders, key=lambda r: r.due_at))
    return "; ".join(" ".join([kind, *days_of(reminders, kind)]) for kind in kinds)


def grid(days: str, times: str) -> list[str]:
    return [f"{day} {t}" for day in days.split() for t in times.split()]


def moments(reminders: list[Reminder], kind: str) -> list[str]:
    return [r.due_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M") for r in reminders if r.kind == kind]


# --- the calendar ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param("02-13", True, id="fri-before-spring-festival"),
        pytest.param("02-14", True, id="makeup-sat-02-14"),
        pytest.param("02-15", False, id="sun-02-15"),
        pytest.param("02-16", False, id="new-years-eve-mon"),
        pytest.param("02-17", False, id="spring-festival-tue"),
        pytest.param("02-20", False, id="substitute-fri-02-20"),
        pytest.param("02-23", False, id="substitute-mon-02-23"),
        pytest.param("02-24", True, id="back-to-work-tue"),
        pytest.param("02-28", True, id="makeup-sat-02-28"),
        pytest.param("03-01", False, id="sun-03-01"),
        pytest.param("03-07", False, id="plain-sat"),
        pytest.param("03-08", False, id="plain-sun"),
        pytest.param("03-09", True, id="plain-mon"),
        pytest.param("09-20", True, id="makeup-sun-09-20"),
        pytest.param("10-01", False, id="national-day"),
        pytest.param("10-07", False, id="national-day-last"),
        pytest.param("10-08", True, id="after-national-day"),
        pytest.param("10-10", True, id="makeup-sat-10-10"),
        pytest.param("10-11", False, id="sun-after-makeup"),
    ],
)
def test_china_working_day(day: str, working: bool) -> None:
    assert CHINA.is_working_day(d(day)) is working


@pytest.mark.parametrize(
    ("day", "count", "calendar", "expected"),
    [
        pytest.param("02-12", 3, CHINA, "02-13 02-14 02-24", id="into-spring-festival"),
        pytest.param("02-14", 1, CHINA, "02-24", id="not-the-day-itself"),
        pytest.param("02-23", 5, CHINA, "02-24 02-25 02-26 02-27 02-28", id="makeup-sat-02-28"),
        pytest.param("02-27", 2, CHINA, "02-28 03-02", id="sat-then-mon"),
        pytest.param("03-06", 2, CHINA, "03-09 03-10", id="plain-weekend"),
        pytest.param("09-18", 1, CHINA, "09-20", id="makeup-sun-09-20"),
        pytest.param("09-30", 3, CHINA, "10-08 10-09 10-10", id="national-day"),
        pytest.param("02-12", 3, WEEKDAYS, "02-13 02-16 02-17", id="weekdays-only"),
        pytest.param("03-02", 0, CHINA, "", id="none"),
    ],
)
def test_working_days_after(day: str, count: int, calendar: Calendar, expected: str) -> None:
    assert working_days_after(d(day), count, calendar) == [d(x) for x in expected.split()]


# --- the office's first review: check_result ------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "calendar", "days"),
    [
        pytest.param("submitted 02-10", CHINA, "02-11 02-12 02-13 02-14 02-24 02-25", id="spring-festival"),
        pytest.param("submitted 02-24", CHINA, "02-25 02-26 02-27 02-28 03-02 03-03", id="makeup-sat-02-28"),
        pytest.param("submitted 02-18", CHINA, "02-24 02-25 02-26 02-27 02-28 03-02", id="on-a-holiday"),
        pytest.param("submitted 09-29", CHINA, "09-30 10-08 10-09 10-10 10-12 10-13", id="national-day"),
        pytest.param("submitted 03-05", WEEKDAYS, "03-06 03-09 03-10 03-11 03-12 03-13", id="plain-weekend"),
    ],
)
def test_check_result(history: str, calendar: Calendar, days: str) -> None:
    reminders = plan(history, calendar)
    assert moments(reminders, "check_result") == grid(days, "09:00 18:00")
    assert [r.nth for r in reminders if r.kind == "check_result" and r.slot == 0] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("review_days", "remind_at", "history", "days"),
    [
        pytest.param(3, "08:30", "submitted 02-12", "02-13 02-14 02-24", id="3-days-once-a-day"),
        pytest.param(2, "08:00 12:00 20:00", "submitted 03-06", "03-09 03-10", id="2-days-three-times"),
    ],
)
def test_check_result_custom_rules(review_days: int, remind_at: str, history: str, days: str) -> None:
    rules = OfficeRules(review_days=review_days, remind_at=tuple(map(time.fromisoformat, remind_at.split())))
    assert moments(plan(history, CHINA, rules), "check_result") == grid(days, remind_at)


# --- contact_office a week after submitting ---------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "calendar", "expected"),
    [
        pytest.param("submitted 03-02", WEEKDAYS, ["03-09 09:00"], id="plain-week"),
        pytest.param("submitted 02-09", CHINA, ["02-24 09:00"], id="lands-in-spring-festival"),
        pytest.param("submitted 02-07", CHINA, ["02-14 09:00"], id="lands-on-makeup-sat"),
        pytest.param("submitted 09-24", CHINA, ["10-08 09:00"], id="lands-on-national-day"),
        pytest.param("submitted 03-02, office_passed 03-06", WEEKDAYS, [], id="passed-before"),
        pytest.param("submitted 03-02, office_passed 03-09", WEEKDAYS, [], id="passed-that-day"),
        pytest.param("submitted 03-02, returned 03-05", WEEKDAYS, [], id="returned-before"),
        pytest.param("submitted 03-02, office_passed 03-10", WEEKDAYS, ["03-09 09:00"], id="passed-after"),
        pytest.param("submitted 02-09, office_passed 02-24", CHINA, [], id="passed-on-the-moved-day"),
    ],
)
def test_contact_office(history: str, calendar: Calendar, expected: list[str]) -> None:
    assert moments(plan(history, calendar), "contact_office") == expected


# --- after the office's approval (Mon 03-02): the SMS -----------------------------------------------


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        pytest.param("", "expect_sms 03-02; chase_sms 03-09", id="no-deadline"),
        pytest.param("sms 03-05", "expect_sms 03-02", id="sms-before-chase"),
        pytest.param("sms 03-09", "expect_sms 03-02", id="sms-on-chase-day"),
        pytest.param("sms 03-10", "expect_sms 03-02; chase_sms 03-09", id="sms-after-chase"),
        pytest.param("deadline 03-31", "expect_sms 03-02; chase_sms 03-09; no_wait_sms 03-28", id="distant"),
        pytest.param("sms 03-20, deadline 03-31", "expect_sms 03-02; chase_sms 03-09", id="sms-before-near"),
        pytest.param(
            "deadline 03-09",
            "expect_sms 03-02; no_wait_sms 03-06; chase_sms 03-09",
            id="chase-on-deadline-day",
        ),
        pytest.param("deadline 03-06", "expect_sms 03-02; no_wait_sms 03-03", id="deadline-in-4-days"),
        pytest.param("deadline 03-05", "no_wait_sms 03-02", id="passed-deadline-in-3-days"),
        pytest.param("deadline 03-02", "no_wait_sms 03-02", id="passed-on-deadline"),
        pytest.param("deadline 03-01", "expect_sms 03-02", id="deadline-already-past"),
    ],
)
def test_sms(later: str, expected: str) -> None:
    reminders = plan(f"office_passed 03-02, {later}")
    sms = [r for r in reminders if r.kind in ("expect_sms", "no_wait_sms", "chase_sms")]
    assert summary(sms) == expected


# --- the committee's review: weekly check_status ----------------------------------------------------


@pytest.mark.parametrize(
    ("later", "expected"),
    [
        pytest.param(", review_end 03-23", "03-09 03-16 03-23", id="until-review-end"),
        pytest.param(", review_end 03-22", "03-09 03-16", id="review-end-before-week-3"),
        pytest.param(", committee_passed 03-20, review_end 04-30", "03-09 03-16", id="committee-passed"),
        pytest.param(", committee_passed 03-16, review_end 04-30", "03-09", id="on-a-reminder-day"),
        pytest.param(", returned 03-12, review_end 04-30", "03-09", id="returned"),
    ],
)
def test_check_status(later: str, expected: str) -> None:
    reminders = plan("office_passed 03-02" + later)
    assert days_of(reminders, "check_status") == expected.split()
    assert moments(reminders, "check_status")[0] == "03-09 09:00"
    assert [r.nth for r in reminders if r.kind == "check_status"] == list(range(1, len(expected.split()) + 1))


def test_check_status_without_review_end_is_weekly_and_bounded() -> None:
    days = [d(x) for x in days_of(plan("office_passed 03-02"), "check_status")]
    assert days[0] == d("03-09")
    assert all((b - a).days == 7 for a, b in pairwise(days))
    assert len(days) == STATUS_WEEKS_MAX


# --- whole histories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(
            "submitted 03-02, returned 03-05, deadline 03-20",
            "check_result 03-03 03-04; resubmit 03-05",
            id="returned",
        ),
        pytest.param(
            "submitted 03-02, returned 03-05, resubmitted 03-06, deadline 03-20",
            "check_result 03-03 03-04 03-09 03-10 03-11 03-12 03-13 03-16; resubmit 03-05;"
            " contact_office 03-13",
            id="returned-then-resubmitted",
        ),
        pytest.param(
            "submitted 03-02, returned 03-05, resubmitted 03-05",
            "check_result 03-03 03-04 03-06 03-09 03-10 03-11 03-12 03-13; contact_office 03-12",
            id="resubmitted-the-same-day",
        ),
        pytest.param(
            "submitted 03-02, office_passed 03-06, sms 03-10, committee_passed 03-25, review_end 04-30",
            "check_result 03-03 03-04 03-05; expect_sms 03-06; check_status 03-13 03-20",
            id="the-happy-path",
        ),
        pytest.param(
            "submitted 03-02, office_passed 03-04, returned 03-18, deadline 03-31, review_end 04-30",
            "check_result 03-03; expect_sms 03-04; chase_sms 03-11; check_status 03-11; resubmit 03-18",
            id="returned-by-the-committee",
        ),
        pytest.param(
            "submitted 03-02, office_passed 03-03, committee_passed 03-04, deadline 03-31, review_end 04-30",
            "expect_sms 03-03",
            id="committee-passed-stops-everything",
        ),
        pytest.param(
            "submitted 03-02, returned 03-05, committee_passed 03-06, deadline 03-31",
            "check_result 03-03 03-04; resubmit 03-05",
            id="committee-passed-after-a-return",
        ),
    ],
)
def test_history(history: str, expected: str) -> None:
    assert summary(plan(history)) == expected


def test_history_across_the_spring_festival() -> None:
    assert summary(plan("submitted 02-12, office_passed 02-26, review_end 03-12", CHINA)) == (
        "check_result 02-13 02-14 02-24 02-25; contact_office 02-24; expect_sms 02-26;"
        " chase_sms 03-05; check_status 03-05 03-12"
    )


def test_resubmission_starts_a_new_first_review() -> None:
    reminders = plan("submitted 03-02, returned 03-05, resubmitted 03-06")
    second = [r for r in reminders if r.kind == "check_result" and r.since == d("03-06") and r.slot == 0]
    assert [(r.day, r.nth) for r in second[:2]] == [(d("03-09"), 1), (d("03-10"), 2)]


# --- what is still worth sending at a moment ----------------------------------------------------------

SUBMITTED = "submitted 03-02"
PASSED_WED = "submitted 03-02, office_passed 03-11"
RETURNED = "submitted 03-02, returned 03-05"


@pytest.mark.parametrize(
    ("history", "kind", "now", "expected"),
    [
        # check_result on Tue 03-03: the morning look is replaced by the evening one once that is due.
        pytest.param(SUBMITTED, "check_result", "03-03 08:59", [], id="before-morning"),
        pytest.param(SUBMITTED, "check_result", "03-03 09:00", [True], id="morning-due"),
        pytest.param(SUBMITTED, "check_result", "03-03 17:59", [True], id="before-evening"),
        pytest.param(SUBMITTED, "check_result", "03-03 18:00", [False, True], id="evening-due"),
        pytest.param(SUBMITTED, "check_result", "03-03 18:01", [False, True], id="after-evening"),
        pytest.param(SUBMITTED, "check_result", "03-04 08:00", [False, False], id="next-morning"),
        # contact_office, due Mon 03-09 09:00, stays worth sending three days ...
        pytest.param(SUBMITTED, "contact_office", "03-09 08:59", [], id="once-not-yet"),
        pytest.param(SUBMITTED, "contact_office", "03-09 09:00", [True], id="once-due"),
        pytest.param(SUBMITTED, "contact_office", "03-12 08:59", [True], id="once-late"),
        pytest.param(SUBMITTED, "contact_office", "03-12 09:01", [False], id="once-too-late"),
        # ... but not past the approval that ends it (Wed 03-11).
        pytest.param(PASSED_WED, "contact_office", "03-10 12:00", [True], id="before-the-ending-event"),
        pytest.param(PASSED_WED, "contact_office", "03-11 09:00", [False], id="on-the-ending-event"),
        # resubmit, due Thu 03-05 09:00: three days, or until the end of the deadline's day when sooner.
        pytest.param(RETURNED, "resubmit", "03-05 08:59", [], id="resubmit-not-yet"),
        pytest.param(RETURNED, "resubmit", "03-08 08:59", [True], id="resubmit-late"),
        pytest.param(RETURNED, "resubmit", "03-08 09:01", [False], id="resubmit-too-late"),
        pytest.param(RETURNED + ", deadline 03-06", "resubmit", "03-06 20:00", [True], id="on-deadline-day"),
        pytest.param(RETURNED + ", deadline 03-06", "resubmit", "03-07 09:00", [False], id="past-deadline"),
    ],
)
def test_due_reminders(history: str, kind: str, now: str, expected: list[bool]) -> None:
    assert [useful for r, useful in due_reminders(plan(history), at(now)) if r.kind == kind] == expected


# --- seq tells the reminders of one kind apart ------------------------------------------------------

TWO_RETURNS = (
    "submitted 03-02, office_passed 03-04, returned 03-18, resubmitted 03-19,"
    " office_passed 03-24, returned 04-08, resubmitted 04-09"
)
FOUR_A_DAY = OfficeRules(review_days=20, remind_at=(time(8), time(12), time(16), time(20)))


@pytest.mark.parametrize(
    ("history", "calendar", "rules"),
    [
        pytest.param("submitted 02-10", CHINA, RULES, id="spring-festival"),
        pytest.param("submitted 03-02", WEEKDAYS, FOUR_A_DAY, id="four-a-day-for-20-days"),
        pytest.param(TWO_RETURNS, WEEKDAYS, RULES, id="two-returns"),
        pytest.param("office_passed 03-02", WEEKDAYS, RULES, id="half-a-year-of-status"),
    ],
)
def test_seq_distinct_per_kind(history: str, calendar: Calendar, rules: OfficeRules) -> None:
    reminders = plan(history, calendar, rules)
    for kind in {r.kind for r in reminders}:
        seqs = [r.seq for r in reminders if r.kind == kind]
        assert len(seqs) == len(set(seqs)), kind


def test_seq_is_day_and_slot() -> None:
    evening = [r for r in plan("submitted 03-02") if r.kind == "check_result"][1]
    assert (evening.day, evening.slot, evening.seq) == (d("03-03"), 1, 202603031)
