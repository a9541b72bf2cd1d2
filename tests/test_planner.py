"""The pure alert planner: which alerts are due at ``now`` given windows, channels and the ledger.

Every case builds PlanWindow / PlanChannel / LedgerRow by hand; nothing here touches a database.
The season used throughout: an apply window 2025-12-01 09:00 - 2025-12-20 17:30 (Asia/Shanghai), lead
30 days, so month-ahead is 2025-11-01 09:00, opens 2025-12-01 09:00 and closing-soon 2025-12-17 09:00.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time

import pytest

from core.timeutil import SHANGHAI
from notifier.estimates import estimated_end
from notifier.planner import (
    LedgerRow,
    PlanChannel,
    Planned,
    PlanSettings,
    PlanWindow,
    after_quiet_hours,
    plan,
)

SETTINGS = PlanSettings()
HEALTH = "广州市卫生专业技术人才高级职称评审委员会"
ENGINEERING = "广州市工程技术人才中级职称评审委员会"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def window(**changes: object) -> PlanWindow:
    base = PlanWindow(
        id=1,
        key="k1",
        version=1,
        committee=HEALTH,
        kind="apply",
        start="2025-12-01T09:00",
        end="2025-12-20T17:30",
        status="current",
        first_seen=at("2025-10-15T10:00"),
        version_seen=at("2025-10-15T10:00"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def channel(**changes: object) -> PlanChannel:
    base = PlanChannel(subscriber="alice", channel="c1", lead_days=30, kinds=(), committees=())
    return replace(base, **changes)  # type: ignore[arg-type]


def sent(kind: str, w: PlanWindow | None = None, status: str = "sent", **changes: str | None) -> LedgerRow:
    w = w or window()
    row = LedgerRow("alice", "c1", w.key, w.version, kind, w.start, w.end, status)
    return replace(row, **changes)  # type: ignore[arg-type]


def kinds(planned: list[Planned]) -> list[tuple[str, str]]:
    return sorted((p.kind, p.status) for p in planned)


def run(
    now: str,
    windows: list[PlanWindow] | None = None,
    channels: list[PlanChannel] | None = None,
    ledger: list[LedgerRow] | None = None,
    settings: PlanSettings = SETTINGS,
) -> list[Planned]:
    return plan(
        at(now),
        windows if windows is not None else [window()],
        channels if channels is not None else [channel()],
        ledger or [],
        settings,
    )


# --- which kind, when ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "ledger", "expected"),
    [
        # before the month-ahead moment: nothing
        ("2025-10-31T23:00", [], []),
        ("2025-11-01T08:59", [], []),
        # the moment itself and after it (window known since 15 Oct): month_ahead
        ("2025-11-01T09:00", [], [("month_ahead", "pending")]),
        ("2025-11-20T12:00", [], [("month_ahead", "pending")]),
        # once sent, nothing until the window opens
        ("2025-11-20T12:00", [("month_ahead", "sent")], []),
        ("2025-12-01T08:59", [("month_ahead", "sent")], []),
        ("2025-12-01T09:00", [("month_ahead", "sent")], [("opens", "pending")]),
        ("2025-12-17T09:00", [("month_ahead", "sent"), ("opens", "sent")], [("closing_soon", "pending")]),
        (
            "2025-12-18T12:00",
            [("month_ahead", "sent"), ("opens", "sent"), ("closing_soon", "sent")],
            [],
        ),
        # a failed or skipped ledger row covers too: the ledger retries it, the planner does not re-plan it
        ("2025-11-20T12:00", [("month_ahead", "failed")], []),
        ("2025-11-20T12:00", [("announced", "skipped")], []),
    ],
)
def test_season_moments(now: str, ledger: list[tuple[str, str]], expected: list[tuple[str, str]]) -> None:
    assert kinds(run(now, ledger=[sent(k, status=s) for k, s in ledger])) == expected


def test_month_ahead_due_at_opens_at_local_time_lead_days_before_start() -> None:
    (p,) = run("2025-11-01T09:00")
    assert (p.kind, p.due_at, p.status) == ("month_ahead", at("2025-11-01T09:00"), "pending")
    assert (p.subscriber, p.channel, p.window_id, p.key, p.version) == ("alice", "c1", 1, "k1", 1)


def test_subscriber_lead_days_and_opens_at_setting() -> None:
    early = PlanSettings(opens_at=time(8, 0))
    assert run("2025-11-21T07:59", channels=[channel(lead_days=10)], settings=early) == []
    (p,) = run("2025-11-21T08:00", channels=[channel(lead_days=10)], settings=early)
    assert (p.kind, p.due_at) == ("month_ahead", at("2025-11-21T08:00"))


@pytest.mark.parametrize(
    ("first_seen", "now", "kind", "due"),
    [
        # known before the month-ahead moment: month_ahead at that moment
        ("2025-11-01T09:00", "2025-11-01T09:00", "month_ahead", "2025-11-01T09:00"),
        # found after it: announced, due at once (at the moment it was found)
        ("2025-11-01T09:01", "2025-11-01T09:01", "announced", "2025-11-01T09:01"),
        ("2025-11-20T16:00", "2025-11-20T16:00", "announced", "2025-11-20T16:00"),
        # found after the window opened: still announced (useful until the window closes)
        ("2025-12-05T10:00", "2025-12-05T10:00", "announced", "2025-12-05T10:00"),
        # first_seen later than --now (a replayed past run): the window counts as known at now
        ("2026-03-01T00:00", "2025-11-20T16:05", "announced", "2025-11-20T16:05"),
        # late but still useful: due now (pending alerts are stamped with when they will go out)
        ("2025-11-01T09:00", "2025-11-05T10:00", "month_ahead", "2025-11-05T10:00"),
        ("2025-11-20T16:00", "2025-11-21T16:05", "announced", "2025-11-21T16:05"),
    ],
)
def test_month_ahead_or_announced_by_first_seen(first_seen: str, now: str, kind: str, due: str) -> None:
    w = window(first_seen=at(first_seen), version_seen=at(first_seen))
    planned = [p for p in run(now, [w]) if p.kind in ("month_ahead", "announced")]
    assert [(p.kind, p.status, p.due_at) for p in planned] == [(kind, "pending", at(due))]


def test_announced_for_a_bare_deadline() -> None:
    w = window(start=None, end="2025-12-20", first_seen=at("2025-12-10T10:00"))
    assert kinds(run("2025-12-10T11:00", [w])) == [("announced", "pending")]
    assert kinds(run("2025-12-17T11:00", [w], ledger=[sent("announced", w)])) == [("closing_soon", "pending")]


def test_opens_for_a_window_without_end_is_useful_for_one_day() -> None:
    w = window(end=None)
    ledger = [sent("month_ahead", w)]
    assert kinds(run("2025-12-02T08:59", [w], ledger=ledger)) == [("opens", "pending")]
    assert kinds(run("2025-12-02T09:01", [w], ledger=ledger)) == [("opens", "skipped")]


# --- closing_soon --------------------------------------------------------------------------------


def test_closing_soon_n_days_before_end() -> None:
    ledger = [sent("month_ahead"), sent("opens")]
    assert run("2025-12-17T08:59", ledger=ledger) == []
    (p,) = run("2025-12-17T09:00", ledger=ledger)
    assert (p.kind, p.due_at) == ("closing_soon", at("2025-12-17T09:00"))
    five = PlanSettings(closing_soon_days=5)
    assert run("2025-12-15T08:59", ledger=ledger, settings=five) == []
    assert [p.kind for p in run("2025-12-15T09:00", ledger=ledger, settings=five)] == ["closing_soon"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2025-12-01", "2025-12-03"),  # closing moment (28 Nov) before the opening day
        ("2025-12-01", "2025-12-04"),  # closing moment on the opening day: opens says it all
        ("2025-12-01T09:00", "2025-12-02T17:00"),
    ],
)
def test_no_closing_soon_when_it_would_precede_opening(start: str, end: str) -> None:
    w = window(start=start, end=end, first_seen=at("2025-10-01T00:00"))
    ledger = [sent("month_ahead", w), sent("opens", w)]
    assert run("2025-12-03T00:00", [w], ledger=ledger) == []


def test_closing_soon_zero_days_disables_it() -> None:
    ledger = [sent("month_ahead"), sent("opens")]
    assert run("2025-12-19T10:00", ledger=ledger, settings=PlanSettings(closing_soon_days=0)) == []


# --- changed -------------------------------------------------------------------------------------


def v2(**changes: object) -> PlanWindow:
    base = window(
        id=2,
        version=2,
        end="2025-12-27T17:30",
        first_seen=at("2025-10-15T10:00"),
        version_seen=at("2025-11-10T15:00"),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_changed_only_when_an_earlier_version_was_sent() -> None:
    told = [sent("month_ahead")]  # the version-1 row: the subscriber heard the old dates
    (p,) = run("2025-11-10T15:30", [v2()], ledger=told)
    assert (p.kind, p.version, p.window_id, p.due_at) == ("changed", 2, 2, at("2025-11-10T15:30"))
    # once per version
    assert run("2025-11-10T15:30", [v2()], ledger=[*told, sent("changed", v2())]) == []
    # nobody was told the old dates (skipped, or failed and never delivered): nothing to correct
    assert run("2025-11-10T15:30", [v2()], ledger=[sent("month_ahead", status="skipped")]) == []
    assert run("2025-11-10T15:30", [v2()], ledger=[sent("month_ahead", status="failed")]) == []


def test_changed_not_for_another_subscriber() -> None:
    told = [sent("month_ahead")]
    planned = run("2025-11-10T15:30", [v2()], [channel(), channel(subscriber="bob")], ledger=told)
    # bob never heard version 1: he gets month_ahead with the new dates, not "changed"
    assert sorted((p.subscriber, p.kind) for p in planned) == [("alice", "changed"), ("bob", "month_ahead")]


def test_new_version_with_new_start_gets_its_own_opens_but_not_a_second_month_ahead() -> None:
    moved = v2(start="2025-12-08T09:00", end="2025-12-27T17:30")
    ledger = [sent("month_ahead"), sent("changed", moved)]
    assert run("2025-12-01T10:00", [moved], ledger=ledger) == []
    assert kinds(run("2025-12-08T09:00", [moved], ledger=ledger)) == [("opens", "pending")]
    # same start, new end: the opens already sent for version 1 covers it
    ledger = [sent("month_ahead"), sent("opens"), sent("changed", v2())]
    assert run("2025-12-03T10:00", [v2()], ledger=ledger) == []
    # the new end gets its own closing_soon even though version 1's was sent
    ledger.append(sent("closing_soon"))
    assert kinds(run("2025-12-24T10:00", [v2()], ledger=ledger)) == [("closing_soon", "pending")]


# --- estimates -----------------------------------------------------------------------------------


def test_estimate_month_ahead_of_estimated_start_once() -> None:
    est = window(status="estimate", end="2025-12-20", start="2025-12-01")
    assert run("2025-11-01T08:59", [est]) == []
    (p,) = run("2025-11-01T09:00", [est])
    assert (p.kind, p.status) == ("estimate", "pending")
    assert run("2025-11-05T09:00", [est], ledger=[sent("estimate", est)]) == []
    # an estimate never yields opens/closing_soon/changed
    assert run("2025-12-17T10:00", [est], ledger=[sent("estimate", est)]) == []
    # Past the estimated start but inside the estimated window: still sent (issue 11, defect 9: it
    # used to be recorded skipped while the digest showed the window open with weeks left).
    assert kinds(run("2025-12-02T09:00", [est])) == [("estimate", "pending")]
    # only once the estimated window has closed too is it too late to be useful
    assert kinds(run("2025-12-21T09:00", [est])) == [("estimate", "skipped")]


def test_real_notice_after_an_estimate_is_announced_not_changed() -> None:
    # The real notice becomes version 2 of the estimate's key (same committee, year, kind, ordinal).
    est = window(status="estimate", start="2025-12-01", end="2025-12-19")
    real = v2(start="2025-12-08T09:00", end="2025-12-26T17:30", version_seen=at("2025-11-10T10:00"))
    real = replace(real, first_seen=at("2025-11-10T10:00"))
    planned = run("2025-11-10T10:30", [real], ledger=[sent("estimate", est)])
    assert kinds(planned) == [("announced", "pending")]


def test_estimate_without_start_is_not_alerted() -> None:
    assert run("2025-12-10T09:00", [window(status="estimate", start=None, end="2025-12-20")]) == []


# --- catching up, staleness, horizon -------------------------------------------------------------


def test_catch_up_after_downtime_plans_each_missed_alert_once() -> None:
    planned = run("2025-12-18T10:00")
    assert kinds(planned) == [("closing_soon", "pending"), ("month_ahead", "skipped"), ("opens", "pending")]
    skipped = next(p for p in planned if p.status == "skipped")
    assert skipped.due_at == at("2025-11-01T09:00")  # recorded at its own moment, not now
    # the next run, with those recorded, plans nothing
    ledger = [sent(p.kind, status="sent" if p.status == "pending" else "skipped") for p in planned]
    assert run("2025-12-18T10:05", ledger=ledger) == []


def test_stale_after_the_window_closed_within_30_days() -> None:
    planned = run("2026-01-05T10:00")
    assert kinds(planned) == [("closing_soon", "skipped"), ("month_ahead", "skipped"), ("opens", "skipped")]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-01-19T17:30", 3),  # closed 29 days 24 min ago: still considered (and skipped)
        ("2026-01-19T17:31", 0),  # closed more than 30 days ago: ignored entirely
        ("2026-06-01T00:00", 0),
    ],
)
def test_windows_closed_over_30_days_ago_are_ignored(now: str, expected: int) -> None:
    planned = run(now)
    assert len(planned) == expected
    assert all(p.status == "skipped" for p in planned)


def test_pending_due_at_is_now_when_late_but_useful() -> None:
    (p,) = run("2025-11-20T12:00")
    assert p.due_at == at("2025-11-20T12:00")  # a late pending alert is due now
    (p,) = run("2025-11-20T12:00", channels=[channel(quiet_hours="11:00-13:00")])
    assert p.due_at == at("2025-11-20T13:00")


# --- quiet hours ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "quiet", "expected"),
    [
        ("2025-11-01T09:00", "", "2025-11-01T09:00"),
        ("2025-11-01T09:00", "12:00-14:00", "2025-11-01T09:00"),
        ("2025-11-01T12:00", "12:00-14:00", "2025-11-01T14:00"),
        ("2025-11-01T13:59", "12:00-14:00", "2025-11-01T14:00"),
        ("2025-11-01T14:00", "12:00-14:00", "2025-11-01T14:00"),  # the end is not quiet
        # wrapping past midnight
        ("2025-11-01T21:59", "22:00-08:00", "2025-11-01T21:59"),
        ("2025-11-01T22:00", "22:00-08:00", "2025-11-02T08:00"),
        ("2025-11-01T23:30", "22:00-08:00", "2025-11-02T08:00"),
        ("2025-11-02T00:00", "22:00-08:00", "2025-11-02T08:00"),
        ("2025-11-02T07:59", "22:00-08:00", "2025-11-02T08:00"),
        ("2025-11-02T08:00", "22:00-08:00", "2025-11-02T08:00"),
        ("2025-12-31T23:00", "22:00-08:00", "2026-01-01T08:00"),
    ],
)
def test_after_quiet_hours(moment: str, quiet: str, expected: str) -> None:
    result = after_quiet_hours(at(moment), quiet)
    assert result == at(expected)
    assert result.tzinfo == SHANGHAI


def test_plan_defers_pending_alerts_out_of_quiet_hours() -> None:
    quiet = [channel(quiet_hours="08:00-10:00")]
    (p,) = run("2025-11-01T09:00", channels=quiet)
    assert (p.kind, p.status, p.due_at) == ("month_ahead", "pending", at("2025-11-01T10:00"))
    night = [channel(quiet_hours="21:00-09:30")]
    (p,) = run("2025-11-01T23:00", channels=night)
    assert p.due_at == at("2025-11-02T09:30")
    # a skipped alert keeps its own moment: it will never be sent anyway
    planned = run("2026-01-05T22:00", channels=night)
    assert {p.status for p in planned} == {"skipped"}
    assert max(p.due_at for p in planned) <= at("2026-01-05T22:00")


# --- filters -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted_kinds", "committees", "window_kind", "committee", "planned"),
    [
        ((), (), "apply", HEALTH, True),
        ((), (), "accept", HEALTH, True),
        ((), (), "paper", HEALTH, False),  # default kinds: apply + accept
        ((), (), "fee", HEALTH, False),
        (("paper",), (), "paper", HEALTH, True),
        (("paper",), (), "apply", HEALTH, False),
        (("apply", "fee"), (), "fee", HEALTH, True),
        ((), ("卫生",), "apply", HEALTH, True),  # keyword: substring of the committee name
        ((), ("卫生",), "apply", ENGINEERING, False),
        ((), ("卫生", "工程"), "apply", ENGINEERING, True),
        (("accept",), ("工程",), "apply", ENGINEERING, False),
        # A traditional-character repost's committee matches a simplified keyword, and the reverse.
        ((), ("卫生",), "apply", "廣州市衞生專業技術人才高級職稱評審委員會", True),
        ((), ("衞生",), "apply", HEALTH, True),
        ((), ("會計",), "apply", HEALTH, False),
    ],
)
def test_committee_and_kind_filters(
    wanted_kinds: tuple[str, ...],
    committees: tuple[str, ...],
    window_kind: str,
    committee: str,
    planned: bool,
) -> None:
    w = window(kind=window_kind, committee=committee)
    result = run("2025-11-02T10:00", [w], [channel(kinds=wanted_kinds, committees=committees)])
    assert bool(result) is planned


def test_coverage_is_per_subscriber_and_channel() -> None:
    chans = [channel(), channel(channel="c2"), channel(subscriber="bob")]
    planned = run("2025-11-02T10:00", channels=chans, ledger=[sent("month_ahead")])
    assert sorted((p.subscriber, p.channel) for p in planned) == [("alice", "c2"), ("bob", "c1")]


def test_several_windows_are_planned_independently() -> None:
    accept = window(id=3, key="k3", kind="accept", start="2025-12-22", end="2025-12-31")
    planned = run("2025-12-01T09:30", [window(), accept], ledger=[sent("month_ahead")])
    assert sorted((p.key, p.kind) for p in planned) == [("k1", "opens"), ("k3", "month_ahead")]


@pytest.mark.parametrize(
    ("last_end", "expected", "moved"),
    [
        ("2024-12-27", "2025-12-26", True),  # Friday a year on is a Saturday -> Friday
        ("2024-12-28T17:30", "2025-12-26T17:30", True),  # Sunday -> Friday, time kept
        ("2025-01-05T17:30", "2026-01-05T17:30", False),  # Sunday a year on is a Monday: stays
        ("2024-02-29", "2025-02-28", False),  # 29 Feb -> 28 Feb, a Friday
        (None, None, False),
    ],
)
def test_estimated_deadline_moves_off_the_weekend(
    last_end: str | None, expected: str | None, moved: bool
) -> None:
    assert estimated_end(last_end) == (expected, moved)


def test_the_plan_is_what_asking_each_channel_about_each_window_gives() -> None:
    """Issue 18: plan() matches each distinct filter once per window and works out the alert moments once
    per lead time; the plan must be exactly the one of asking every channel about every window."""
    import random

    from notifier.planner import _candidates

    rng = random.Random(18)
    now = at("2026-01-10T10:00")
    committees = [
        "广州市卫生高评委",
        "廣州市衞生專業技術人才高級職稱評審委員會",
        "广州市会计系列高级职称评审委员会",
        "工程系列(建筑)",
    ]
    kinds = ("apply", "accept", "paper", "review", "fee")
    windows = [
        window(
            id=i,
            key=f"k{i}",
            committee=rng.choice(committees),
            kind=rng.choice(kinds),
            start=f"2026-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}",
            end=f"2026-05-{rng.randint(1, 28):02d}",
            version=rng.choice((1, 1, 2)),
            first_seen=at(f"2025-12-{rng.randint(1, 28):02d}T10:00"),
            version_seen=at("2026-01-05T10:00"),
        )
        for i in range(40)
    ]
    channels = [
        PlanChannel(
            subscriber=f"s{i}",
            channel=f"c{i}",
            lead_days=rng.choice((7, 30, 45)),
            kinds=rng.choice(((), ("apply",), ("review", "fee"))),
            committees=rng.choice(((), ("卫生",), ("衞生", "会计"), ("建筑",))),
            quiet_hours=rng.choice(("", "08:00-12:00")),
        )
        for i in range(60)
    ]
    settings = PlanSettings()
    expected = []
    for w in windows:
        for c in channels:
            if not c.wants(w):
                continue
            for kind, due, useful_until in _candidates(w, c.lead_days, settings, now):
                if due > now or (kind == "changed"):  # an empty ledger: nobody was told old dates
                    continue
                stale = useful_until is not None and now > useful_until
                due_at = due if stale else after_quiet_hours(max(due, now), c.quiet_hours)
                expected.append((c.subscriber, w.id, kind, due_at, "skipped" if stale else "pending"))
    got = [
        (p.subscriber, p.window_id, p.kind, p.due_at, p.status)
        for p in plan(now, windows, channels, [], settings)
    ]
    assert got == expected
    assert len(got) > 100  # the random inputs do plan alerts
