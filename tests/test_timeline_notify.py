"""The applicant's own timeline end to end (issue 17): the real `zcwatch timeline` and `notify` commands in
subprocesses, real Apprise deliveries to a webhook on 127.0.0.1, on SQLite and PostgreSQL.

The season: the health committee's apply window 2026-11-23 09:00 - 2026-12-31 17:30. The applicant submits
on Tuesday 24 November 2026; the office's first review is the next six working days (25, 26, 27, 30
November, 1 and 2 December), with a look at 09:00 and 18:00 each; a week on (1 December) no approval means
contacting the office.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from support.notify_fixtures import NotifyEnv, notify_env_fixture
from support.webhook import WebhookSink

__all__ = ["notify_env_fixture"]

pytestmark = pytest.mark.slow

HEALTH = "广州市卫生专业技术人才高级职称评审委员会"
ENGINEERING = "广州市工程技术人才中级职称评审委员会"
PHONE = "020-34626612"
REMINDER = "【申报进度】"


def _season(env: NotifyEnv) -> None:
    env.add_notice(
        HEALTH, [("apply", "2026-11-23T09:00", "2026-12-31T17:30")], seen="2026-11-01T10:00", review_year=2026
    )
    env.add_notice(
        ENGINEERING, [("apply", "2026-11-20", "2026-12-18")], seen="2026-11-01T10:00", review_year=2026
    )


def _reminders(sink: WebhookSink, seen: int) -> list[dict[str, Any]]:
    """The reminder messages among the webhook's requests after the first ``seen``."""
    return [b for b in sink.bodies()[seen:] if b["title"].startswith(REMINDER)]


def _notify(env: NotifyEnv, now: str) -> str:
    ran = env.notify(now)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.strip()


def _record(env: NotifyEnv, event: str, on: str, now: str, *extra: str) -> str:
    ran = env.zcwatch(
        "timeline", "zhang", "--committee", "卫生", "--event", event, "--on", on, "--now", now, *extra
    )
    assert ran.returncode == 0, ran.stderr
    return ran.stderr.strip()


def test_the_guide_as_reminders_from_submission_to_the_paper_materials(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("zhang", webhook_sink.apprise_url(), committees=["卫生"])
    _season(notify_env)
    _notify(notify_env, "2026-11-24T14:00")  # the window's own alerts (announced, opens), out of the way
    seen = len(webhook_sink.bodies())
    assert seen and not _reminders(webhook_sink, 0)

    said = _record(notify_env, "submitted", "2026-11-24", "2026-11-24T15:00")
    assert said == f"recorded: zhang submitted on 2026-11-24 ({HEALTH})"
    # Recording it again (a link clicked twice) records it once.
    assert _record(notify_env, "submitted", "2026-11-24", "2026-11-24T15:01").startswith("already recorded")

    # The submission day itself has no look at the result: the review starts the next working day.
    assert _notify(notify_env, "2026-11-24T19:00") == "notify: nothing due"

    # The next working day, 09:30: look at the result, the first of six working days.
    _notify(notify_env, "2026-11-25T09:30")
    (first,) = _reminders(webhook_sink, seen)
    assert first["title"] == f"{REMINDER}{HEALTH}：请查看初审结果（提交后第1个工作日）"
    assert "番禺区人才交流管理办公室完成首次审核一般需要5到6个工作日" in first["message"]
    assert "2026年12月31日（周四）17:30" in first["message"]  # the window's deadline, with its weekday
    seen = len(webhook_sink.bodies())

    # Eight days after the submission, no approval: contact the office, with its phone. (The looks at the
    # result that came and went while notify did not run are recorded as skipped, never sent late.)
    _notify(notify_env, "2026-12-02T09:30")
    (contact,) = _reminders(webhook_sink, seen)
    assert contact["title"] == f"{REMINDER}{HEALTH}：提交已8天，请联系番禺区人才交流管理办公室确认初审"
    assert PHONE in contact["message"]
    assert "提交后第6个工作日" in contact["message"]  # today's look, in the same message
    seen = len(webhook_sink.bodies())
    statuses = {
        (d["alert_kind"], d["window_version"]): d["status"]
        for d in notify_env.deliveries()
        if d["alert_kind"] == "check_result"
    }
    assert statuses[("check_result", 202611250)] == "sent"
    assert statuses[("check_result", 202611251)] == "skipped"  # the evening look of the 25th
    assert statuses[("check_result", 202612020)] == "sent"

    # The office passes it that morning: the first review's reminders stop; expect the SMS instead.
    _record(notify_env, "office_passed", "2026-12-02", "2026-12-02T11:00")
    _notify(notify_env, "2026-12-02T18:30")
    (expect,) = _reminders(webhook_sink, seen)
    assert expect["title"] == f"{REMINDER}{HEALTH}：已通过初审，请留意递交纸质材料的短信"
    assert "查看初审结果" not in expect["title"] + expect["message"]
    assert PHONE not in expect["message"]
    seen = len(webhook_sink.bodies())

    # Eight days after the approval, no SMS: call about the paper materials (and the weekly look at the
    # committee's review, begun the day before, in the same message).
    _notify(notify_env, "2026-12-10T09:30")
    (chase,) = _reminders(webhook_sink, seen)
    assert chase["title"] == f"{REMINDER}{HEALTH}：初审通过已8天未收到短信，请致电确认"
    assert PHONE in chase["message"]
    assert "每周至少登录一次系统查看审核流程" in chase["message"]
    seen = len(webhook_sink.bodies())

    # The same moment again: nothing new.
    assert _notify(notify_env, "2026-12-10T09:30") == "notify: nothing due"
    assert len(webhook_sink.bodies()) == seen
    kinds = [d["alert_kind"] for d in notify_env.deliveries() if d["status"] == "sent"]
    assert kinds.count("contact_office") == kinds.count("chase_sms") == kinds.count("expect_sms") == 1

    listed = notify_env.zcwatch("timeline", "zhang", "--format", "json", "--now", "2026-12-10T09:31")
    assert listed.returncode == 0, listed.stderr
    (app,) = json.loads(listed.stdout)
    assert app["committee"] == HEALTH
    assert [(e["event"], e["day"]) for e in app["events"]] == [
        ("submitted", "2026-11-24"),
        ("office_passed", "2026-12-02"),
    ]
    assert app["next_reminder"] == {"kind": "check_status", "label": "查看评审进度", "at": "2026-12-16 09:00"}


def test_recording_refuses_what_cannot_be_right_in_one_line(notify_env: NotifyEnv) -> None:
    notify_env.subscribe("zhang", "json://127.0.0.1:9/hook")
    _season(notify_env)
    cases = {
        (
            "--committee",
            "会计",
            "--event",
            "submitted",
        ): "no application window of a committee matching '会计'",
        ("--committee", "广州市", "--event", "submitted"): "'广州市' matches 2 committees",
        ("--committee", "卫生", "--event", "submitted", "--on", "2026-12-05"): "2026-12-05 is in the future",
        ("--event", "submitted"): "--event needs --committee KW",
    }
    for args, problem in cases.items():
        ran = notify_env.zcwatch("timeline", "zhang", *args, "--now", "2026-12-04T10:00")
        assert ran.returncode == 2, args
        assert ran.stderr.count("\n") == 1 and problem in ran.stderr, ran.stderr
    ran = notify_env.zcwatch("timeline", "nobody", "--committee", "卫生", "--event", "sms")
    assert ran.returncode == 2 and "no subscriber named 'nobody'" in ran.stderr
    ran = notify_env.zcwatch("timeline", "zhang", "--committee", "卫生", "--event", "approved")
    assert ran.returncode == 2 and "invalid choice: 'approved'" in ran.stderr
    assert notify_env.scalar("SELECT count(*) FROM timeline_events") == 0


def test_an_event_recorded_by_mistake_is_removed_and_a_removed_subscriber_takes_theirs_along(
    notify_env: NotifyEnv,
) -> None:
    _season(notify_env)
    ran = notify_env.zcwatch("subscribers", "add", "li", "--url", "json://127.0.0.1:9/hook")
    assert ran.returncode == 0, ran.stderr
    for event in ("submitted", "returned"):
        ran = notify_env.zcwatch(
            "timeline",
            "li",
            "--committee",
            "工程",
            "--event",
            event,
            "--on",
            "2026-11-30",
            "--now",
            "2026-12-01",
        )
        assert ran.returncode == 0, ran.stderr
    listed = notify_env.zcwatch("timeline", "li", "--now", "2026-12-01T08:00")
    assert ENGINEERING in listed.stdout and "returned" in listed.stdout and "被退案" in listed.stdout
    wrong = notify_env.scalar("SELECT id FROM timeline_events WHERE event = 'returned'")
    ran = notify_env.zcwatch("timeline", "li", "--remove", str(wrong))
    assert ran.returncode == 0 and "removed: 2026-11-30 returned" in ran.stderr
    assert notify_env.scalar("SELECT count(*) FROM timeline_events") == 1

    assert notify_env.zcwatch("subscribers", "remove", "li").returncode == 0
    assert notify_env.scalar("SELECT count(*) FROM timeline_events") == 0


def test_a_return_says_fix_and_resubmit_with_the_deadline_and_the_offices_own_words(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    # Another district's office, with its own wording ([office.texts] replaces a default text).
    notify_env.extra_toml = (
        '[office]\nname = "天河区职称办"\nphone = "020-38000000"\nremind_at = ["08:30"]\n'
        "[office.texts]\n"
        'resubmit = "申报被退案，请按退案理由修改后重新提交。截止：{deadline}。疑问请致电{office} {phone}"\n'
    )
    notify_env.subscribe("zhang", webhook_sink.apprise_url(), committees=["卫生"])
    _season(notify_env)
    _notify(notify_env, "2026-12-07T14:00")  # the window's own alerts, out of the way
    seen = len(webhook_sink.bodies())

    # Submitted and returned the same Tuesday: the first review's looks never start.
    _record(notify_env, "submitted", "2026-12-08", "2026-12-08T08:00")
    _record(notify_env, "returned", "2026-12-08", "2026-12-08T08:10")
    _notify(notify_env, "2026-12-08T09:00")
    (back,) = _reminders(webhook_sink, seen)
    assert back["title"] == f"{REMINDER}{HEALTH}：被退案，请尽快修改后重新申报"
    assert (
        "申报被退案，请按退案理由修改后重新提交。截止：2026年12月31日（周四）17:30，还剩23天。"
        "疑问请致电天河区职称办 020-38000000"
    ) in back["message"]
    assert not [d for d in notify_env.deliveries() if d["alert_kind"] == "check_result"]

    # Resubmitted the next day: the office's first review begins again, the next working day at 08:30.
    seen = len(webhook_sink.bodies())
    _record(notify_env, "resubmitted", "2026-12-09", "2026-12-09T10:00")
    _notify(notify_env, "2026-12-10T08:40")
    (look,) = _reminders(webhook_sink, seen)
    assert look["title"] == f"{REMINDER}{HEALTH}：请查看初审结果（提交后第1个工作日）"
    assert "天河区职称办" in look["message"]
