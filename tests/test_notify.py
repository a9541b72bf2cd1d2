"""`zcwatch notify`, `subscribers` and `deliveries` end to end: real SQLite files, the real CLI in a
subprocess, real deliveries through Apprise to an aiosmtpd server and HTTP servers on 127.0.0.1.

The database is filled by direct inserts (``NotifyEnv.add_notice`` goes through
``store.windows.apply_windows``) so every date is exact. The season: the health committee's apply
window 2025-12-01 09:00 - 2025-12-20 17:30, known since 15 October; with lead 30 days the month-ahead
moment is 1 November 09:00, opens 1 December 09:00, closing-soon 17 December 09:00.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from support.cli import run_timed
from support.notify_fixtures import NotifyEnv, alert_kind_of, committee_of, local, notify_env_fixture
from support.smtp import SmtpSink, free_port
from support.webhook import WebhookSink

from core.timeutil import to_utc_naive

__all__ = ["notify_env_fixture"]

pytestmark = pytest.mark.slow

HEALTH = "广州市卫生专业技术人才高级职称评审委员会"
ENGINEERING = "广州市工程技术人才中级职称评审委员会"
ACCOUNTING = "广州市会计系列高级职称评审委员会"
EDUCATION = "广州市教育局中等职业学校教师职称评审委员会"
APPLY = ("apply", "2025-12-01T09:00", "2025-12-20T17:30")


def season(env: NotifyEnv, **kw: str) -> int:
    return env.add_notice(HEALTH, [APPLY], seen="2025-10-15T10:00", **kw)


def kinds(sink: WebhookSink, path: str | None = None) -> list[str]:
    return [alert_kind_of(b["title"]) for b in sink.bodies(path)]


def utc(text: str) -> datetime:
    return to_utc_naive(local(text))


# --- delivery and content ------------------------------------------------------------------------


def test_month_ahead_email_html_escaped_chinese_checklist(notify_env: NotifyEnv, smtp_sink: SmtpSink) -> None:
    notify_env.alerts = {"checklist": ["开通法人单位账户", "<b>继续教育</b>证书（90学时）"]}
    notify_env.subscribe("alice", smtp_sink.apprise_url(to="alice@example.com"))
    season(notify_env, title="关于<script>alert(1)</script>卫生高级职称评审的通知")

    ran = notify_env.notify("2025-11-01T09:05")
    assert ran.returncode == 0, ran.stderr
    assert (
        ran.stdout.strip()
        == "notify: 1 sent, 0 failed (will retry), 0 dead, 0 skipped (too late to be useful)"
    )

    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ("alice@example.com",)
    assert mail.message["Subject"] == f"【职称提醒】{HEALTH}约一个月后开始申报"
    body = mail.message.get_body(preferencelist=("html",))
    assert body is not None
    html = body.get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HEALTH in html
    assert "2025年12月1日（周一）9:00 至 2025年12月20日（周六）17:30" in html
    assert "距开始还有30天" in html
    assert "<li>开通法人单位账户</li>" in html
    assert "<li>&lt;b&gt;继续教育&lt;/b&gt;证书（90学时）</li>" in html
    assert notify_env.ledger() == [("alice", "month_ahead", "sent")]
    (row,) = notify_env.deliveries()
    assert "smtp-secret-code" not in json.dumps(row, default=str)
    assert datetime.fromisoformat(row["sent_at"]) == utc("2025-11-01T09:05")  # naive UTC of --now


def test_season_walk_sends_each_kind_exactly_once(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    season(notify_env)
    steps = [
        ("2025-10-20T09:00", []),
        ("2025-11-01T08:59", []),
        ("2025-11-01T09:00", ["month_ahead"]),
        ("2025-11-01T09:00", []),  # the same --now twice: nothing new
        ("2025-11-15T12:00", []),
        ("2025-12-01T09:00", ["opens"]),
        ("2025-12-01T09:00", []),
        ("2025-12-10T09:00", []),
        ("2025-12-17T09:30", ["closing_soon"]),
        ("2025-12-17T09:30", []),
        ("2025-12-21T09:00", []),
        ("2026-01-15T09:00", []),
    ]
    seen = 0
    for now, expected in steps:
        ran = notify_env.notify(now)
        assert ran.returncode == 0, (now, ran.stderr)
        got = kinds(webhook_sink)[seen:]
        assert got == expected, now
        seen += len(got)
        if not expected:
            assert ran.stdout.strip() == "notify: nothing due", now
    bodies = webhook_sink.bodies("/alice")
    assert [b["title"] for b in bodies] == [
        f"【职称提醒】{HEALTH}约一个月后开始申报",
        f"【今日开始】{HEALTH}网上申报今天开始",
        f"【即将截止】{HEALTH}网上申报还剩3天",
    ]
    assert all(committee_of(b["message"]) == HEALTH for b in bodies)
    assert notify_env.ledger() == [
        ("alice", "closing_soon", "sent"),
        ("alice", "month_ahead", "sent"),
        ("alice", "opens", "sent"),
    ]


def test_jump_across_moments_catches_up_once(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    season(notify_env)
    ran = notify_env.notify("2025-12-18T10:00")
    assert ran.returncode == 0, ran.stderr
    assert "2 sent" in ran.stdout and "1 skipped" in ran.stdout
    # Both alerts about the one window go out as one message (issue 11, defect 9), led by the urgent one.
    assert kinds(webhook_sink) == ["closing_soon"]
    assert notify_env.ledger() == [
        ("alice", "closing_soon", "sent"),
        ("alice", "month_ahead", "skipped"),
        ("alice", "opens", "sent"),
    ]
    for now in ("2025-12-18T10:00", "2025-12-19T10:00", "2026-01-10T10:00"):
        assert notify_env.notify(now).stdout.strip() == "notify: nothing due"
    assert len(webhook_sink.requests) == 1


def test_after_the_window_closed_everything_is_skipped(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    season(notify_env)
    ran = notify_env.notify("2026-01-05T10:00")
    assert ran.returncode == 0
    assert "3 skipped" in ran.stdout
    assert webhook_sink.requests == []
    assert {d["status"] for d in notify_env.deliveries()} == {"skipped"}


def test_filters_and_subscribers_sharing_one_url(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    shared = webhook_sink.apprise_url("/team")
    notify_env.subscribe("alice", shared)
    notify_env.subscribe("bob", shared, committees=["卫生"])
    notify_env.subscribe("carol", webhook_sink.apprise_url("/carol"), committees=["工程"])
    notify_env.subscribe("dave", webhook_sink.apprise_url("/dave"), kinds=["paper"])
    season(notify_env)
    ran = notify_env.notify("2025-11-01T09:00")
    assert ran.returncode == 0, ran.stderr
    # one message per subscriber even where two subscribers share a URL
    assert kinds(webhook_sink, "/team") == ["month_ahead", "month_ahead"]
    assert webhook_sink.received("/carol") == webhook_sink.received("/dave") == []
    assert notify_env.ledger() == [("alice", "month_ahead", "sent"), ("bob", "month_ahead", "sent")]


def test_alerts_read_a_page_at_a_time_reach_everyone_once(
    notify_env: NotifyEnv, webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run reads and sends its due alerts a page of subscribers at a time (``DUE_PAGE``): with pages of
    two, the five subscribers' eleven alerts each go out once, one message per window."""
    from core.config import load_config
    from notifier import deliver

    monkeypatch.setattr(deliver, "DUE_PAGE", 2)
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"), committees=["卫生", "工程"])
    notify_env.subscribe("bob", webhook_sink.apprise_url("/bob"))  # all four committees
    notify_env.subscribe("carol", webhook_sink.apprise_url("/carol"), committees=["会计", "教育"])
    notify_env.subscribe("dave", webhook_sink.apprise_url("/dave"), committees=["卫生"])
    notify_env.subscribe("erin", webhook_sink.apprise_url("/erin"), committees=["工程", "会计"])
    for committee in (HEALTH, ENGINEERING, ACCOUNTING, EDUCATION):
        notify_env.add_notice(committee, [APPLY], seen="2025-10-15T10:00")
    config = load_config(notify_env.write_config())

    report = deliver.notify_due(config, notify_env.engine, local("2025-11-01T09:00"))

    assert (report.sent, report.failed, report.problems) == (11, 0, [])
    got = {
        name: sorted(committee_of(b["message"]) for b in webhook_sink.bodies(f"/{name}"))
        for name in ("alice", "bob", "carol", "dave", "erin")
    }
    assert got == {
        "alice": sorted([HEALTH, ENGINEERING]),
        "bob": sorted([HEALTH, ENGINEERING, ACCOUNTING, EDUCATION]),
        "carol": sorted([ACCOUNTING, EDUCATION]),
        "dave": [HEALTH],
        "erin": sorted([ENGINEERING, ACCOUNTING]),
    }
    assert {(d["status"], d["attempts"]) for d in notify_env.deliveries()} == {("sent", 1)}
    assert deliver.notify_due(config, notify_env.engine, local("2025-11-01T10:00")).sent == 0


# --- failures, retries, dead ---------------------------------------------------------------------


def test_failing_webhook_retried_after_backoff(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    url = webhook_sink.apprise_url("/alice", user="hookuser", password="s3cr3t-hook-pass")
    notify_env.subscribe("alice", url)
    season(notify_env)
    webhook_sink.fail_always(500)

    ran = notify_env.notify("2025-11-01T09:00")
    assert ran.returncode == 1
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    assert lines[0].startswith("zcwatch: delivery failed: alice via json://")
    assert "s3cr3t-hook-pass" not in ran.stderr + ran.stdout
    assert "0 sent, 1 failed" in ran.stdout
    (row,) = notify_env.deliveries()
    assert (row["status"], row["attempts"]) == ("failed", 1)
    next_at = datetime.fromisoformat(row["next_attempt_at"])
    assert next_at == utc("2025-11-01T09:05")  # first backoff: 5 minutes

    # before the backoff has passed nothing is tried
    ran = notify_env.notify("2025-11-01T09:04")
    assert (ran.returncode, ran.stdout.strip()) == (0, "notify: nothing due")
    assert len(webhook_sink.requests) == 1

    # still failing: the wait doubles
    ran = notify_env.notify("2025-11-01T09:05")
    assert ran.returncode == 1
    (row,) = notify_env.deliveries()
    assert (row["status"], row["attempts"]) == ("failed", 2)
    assert datetime.fromisoformat(row["next_attempt_at"]) == utc("2025-11-01T09:15")

    webhook_sink.ok()
    ran = notify_env.notify("2025-11-01T09:15")
    assert ran.returncode == 0, ran.stderr
    assert kinds(webhook_sink) == ["month_ahead"] * 3
    assert webhook_sink.requests[-1].headers.get("Authorization", "").startswith("Basic ")
    (row,) = notify_env.deliveries()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, None)
    assert notify_env.notify("2025-11-02T09:00").stdout.strip() == "notify: nothing due"
    assert len(webhook_sink.requests) == 3


def test_failed_delivery_is_dead_after_the_window_closes(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    season(notify_env)
    webhook_sink.fail_always(503)
    assert notify_env.notify("2025-12-18T10:00").returncode == 1  # opens + closing_soon fail
    assert notify_env.ledger() == [
        ("alice", "closing_soon", "failed"),
        ("alice", "month_ahead", "skipped"),
        ("alice", "opens", "failed"),
    ]
    ran = notify_env.notify("2025-12-20T17:31")
    assert ran.returncode == 1
    assert "2 dead" in ran.stdout
    assert notify_env.ledger() == [
        ("alice", "closing_soon", "dead"),
        ("alice", "month_ahead", "skipped"),
        ("alice", "opens", "dead"),
    ]
    tried = len(webhook_sink.requests)
    webhook_sink.ok()
    ran = notify_env.notify("2025-12-22T10:00")
    assert (ran.returncode, ran.stdout.strip()) == (0, "notify: nothing due")
    assert len(webhook_sink.requests) == tried
    failed = json.loads(notify_env.zcwatch("deliveries", "--failed", "--format", "json").stdout)
    assert sorted((r["alert_kind"], r["status"], r["next_attempt_at"]) for r in failed) == [
        ("closing_soon", "dead", None),
        ("opens", "dead", None),
    ]


def test_failed_delivery_is_not_sent_late_once_the_window_closed(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    season(notify_env)
    webhook_sink.fail_always(503)
    assert notify_env.notify("2025-12-18T10:00").returncode == 1
    webhook_sink.ok()  # the channel is back, but only after the window has closed
    ran = notify_env.notify("2025-12-21T10:00")
    assert ran.returncode == 1
    assert "0 sent" in ran.stdout and "2 dead" in ran.stdout
    assert (
        len(webhook_sink.requests) == 1
    )  # the one failed attempt (opens + closing_soon merged), nothing more
    assert {d["status"] for d in notify_env.deliveries() if d["alert_kind"] != "month_ahead"} == {"dead"}


def test_one_failing_channel_does_not_block_or_resend_the_other(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    with WebhookSink() as down:
        down.fail_always(500)
        notify_env.subscribe("alice", down.apprise_url("/alice"), webhook_sink.apprise_url("/alice"))
        season(notify_env)
        assert notify_env.notify("2025-11-01T09:00").returncode == 1
        assert notify_env.notify("2025-11-01T09:05").returncode == 1
        assert len(down.requests) == 2
        assert kinds(webhook_sink) == ["month_ahead"]
        down.ok()
        assert notify_env.notify("2025-11-01T09:15").returncode == 0
        assert notify_env.notify("2025-11-02T09:15").returncode == 0
        assert len(down.requests) == 3
        assert kinds(webhook_sink) == ["month_ahead"]
    by_label = {
        d["channel_label"].split(":")[2]: (d["status"], d["attempts"]) for d in notify_env.deliveries()
    }
    assert sorted(by_label.values()) == [("sent", 1), ("sent", 3)]


# --- changes and estimates -----------------------------------------------------------------------


def test_new_version_after_an_alert_sends_one_changed(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    notify_env.subscribe("bob", webhook_sink.apprise_url("/bob"), lead_days=10)
    season(notify_env, published="2025-10-15")
    assert notify_env.notify("2025-11-01T09:00").returncode == 0
    assert kinds(webhook_sink) == ["month_ahead"]  # bob's month-ahead moment is 21 November

    notify_env.add_notice(
        HEALTH,
        [("apply", "2025-12-01T09:00", "2025-12-27T17:30")],
        seen="2025-11-10T15:00",
        title="关于延长卫生高级职称网上申报时间的通知",
    )
    assert notify_env.scalar("SELECT count(*) FROM windows WHERE status = 'superseded'") == 1
    ran = notify_env.notify("2025-11-10T15:30")
    assert ran.returncode == 0, ran.stderr
    (changed,) = webhook_sink.bodies("/alice")[1:]
    assert changed["title"] == f"【时间变更】{HEALTH}网上申报时间有变化"
    assert "原时间：2025年12月1日（周一）9:00 至 2025年12月20日（周六）17:30" in changed["message"]
    assert "新时间：2025年12月1日（周一）9:00 至 2025年12月27日（周六）17:30" in changed["message"]
    assert notify_env.notify("2025-11-11T15:30").stdout.strip() == "notify: nothing due"
    # bob never heard the old dates: a plain month-ahead with the new ones
    assert notify_env.notify("2025-11-21T09:00").returncode == 0
    assert kinds(webhook_sink, "/bob") == ["month_ahead"]
    assert "2025年12月27日" in webhook_sink.bodies("/bob")[0]["message"]
    # closing-soon follows the new end, once
    for now in ("2025-12-17T09:30", "2025-12-24T09:30", "2025-12-25T09:30"):
        notify_env.notify(now)
    assert kinds(webhook_sink, "/alice") == ["month_ahead", "changed", "opens", "closing_soon"]
    assert "2025年12月27日" in webhook_sink.bodies("/alice")[-1]["message"]


def test_changed_compares_with_the_dates_the_subscriber_was_told(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    season(notify_env)
    notify_env.notify("2025-11-01T09:00")
    for i, end in enumerate(("2025-12-24T17:30", "2025-12-27T17:30"), start=1):
        notify_env.add_notice(HEALTH, [("apply", "2025-12-01T09:00", end)], seen=f"2025-11-1{i}T10:00")
    assert notify_env.notify("2025-11-13T10:00").returncode == 0
    (changed,) = webhook_sink.bodies()[1:]
    assert "原时间：2025年12月1日（周一）9:00 至 2025年12月20日（周六）17:30" in changed["message"]
    assert "新时间：2025年12月1日（周一）9:00 至 2025年12月27日（周六）17:30" in changed["message"]


def test_estimate_once_then_superseded_by_the_real_notice(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    notify_env.add_notice(
        ENGINEERING, [("apply", "2024-12-09", "2024-12-27")], seen="2024-11-20T10:00", review_year=2024
    )
    assert notify_env.notify("2025-11-09T08:59").stdout.strip() == "notify: nothing due"
    ran = notify_env.notify("2025-11-09T10:00")  # month-ahead of 9 December
    assert ran.returncode == 0, ran.stderr
    (est,) = webhook_sink.bodies()
    assert est["title"] == f"【预估】{ENGINEERING}预计12月9日前后开始申报（据上年度时间推算，以正式通知为准）"
    # Last season's deadline, Friday 27 Dec 2024, a year on is a Saturday: it moves back to the Friday,
    # and the message says so (issue 11, item 11).
    assert "预估时间：2025年12月9日（周二） 至 2025年12月26日（周五）" in est["message"]
    assert (
        "说明：据上年度时间推算，以正式通知为准；推算的截止日逢周末，已提前到前一个工作日" in (est["message"])
    )
    assert "上年度通知" in est["message"]
    (w,) = notify_env.query("SELECT * FROM windows WHERE status = 'estimate'")
    assert (w["review_year"], w["start"], w["end"]) == (2025, "2025-12-09", "2025-12-26")
    # as if the estimate had been made by a run on that day (the CLI stamps it with the wall clock)
    with notify_env.db() as conn:
        conn.execute(
            "UPDATE windows SET created_at = ? WHERE id = ?", (str(utc("2025-11-09T10:00")), w["id"])
        )

    for now in ("2025-11-09T10:00", "2025-11-09T11:00"):
        assert notify_env.notify(now).stdout.strip() == "notify: nothing due"

    # the real notice, found after the month-ahead moment (10 Nov 09:00) of its own dates
    notify_env.add_notice(ENGINEERING, [("apply", "2025-12-10", "2025-12-26")], seen="2025-11-10T10:00")
    assert notify_env.query("SELECT status FROM windows WHERE id = ?", w["id"])[0][0] == "superseded"
    ran = notify_env.notify("2025-11-10T10:30")
    assert ran.returncode == 0, ran.stderr
    assert kinds(webhook_sink) == ["estimate", "announced"]
    assert "2025年12月10日" in webhook_sink.bodies()[-1]["message"]
    for now in ("2025-11-11T10:00", "2025-11-20T10:00"):
        assert notify_env.notify(now).stdout.strip() == "notify: nothing due"
    assert notify_env.scalar("SELECT count(*) FROM windows WHERE status = 'estimate'") == 0
    assert [(k, s) for _, k, s in notify_env.ledger()] == [("announced", "sent"), ("estimate", "sent")]


# --- dry run, subscribers, deliveries ------------------------------------------------------------


def test_dry_run_writes_nothing(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice", user="u", password="dry-run-secret"))
    season(notify_env)
    notify_env.add_notice(
        ENGINEERING, [("apply", "2024-12-09", "2024-12-27")], seen="2024-11-20T10:00", review_year=2024
    )
    before = notify_env.counts()
    ran = notify_env.notify("2025-11-09T10:00", "--dry-run")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.strip().splitlines()
    assert lines[-1] == "dry run: 2 would be sent, 0 skipped; nothing sent or recorded"
    assert sorted(line.split()[1] for line in lines[:-1]) == ["estimate", "month_ahead"]
    assert "dry-run-secret" not in ran.stdout
    assert notify_env.counts() == before
    assert webhook_sink.requests == []
    # and a real run afterwards sends exactly what the dry run showed
    assert "2 sent" in notify_env.notify("2025-11-09T10:00").stdout


def test_subscribers_list_masks_secrets(
    notify_env: NotifyEnv, smtp_sink: SmtpSink, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe(
        "alice",
        smtp_sink.apprise_url(password="mail-auth-code-9X"),
        committees=["卫生"],
        quiet_hours="22:00-08:00",
    )
    notify_env.subscribe("bob", webhook_sink.apprise_url("/bob", user="hook", password="hook-pass-7Y"))
    ran = notify_env.zcwatch("subscribers", "list")
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout + ran.stderr
    assert "mail-auth-code-9X" not in out and "hook-pass-7Y" not in out
    assert "alice" in out and "bob" in out and "卫生" in out and "22:00-08:00" in out
    assert out.count("-> mailto://") == 1 and out.count("-> json://") == 1


def test_a_keyword_matching_no_committee_seen_is_warned_about(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    """Issue 11, item 11: `卫士` for `卫生` silently matched nothing, so the subscriber heard nothing."""
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"), committees=["卫士"])
    notify_env.subscribe("bob", webhook_sink.apprise_url("/bob"), committees=["卫生"])
    # No database yet: nothing to compare with, and checking the config must not create one.
    ran = notify_env.zcwatch("config")
    assert ran.returncode == 0 and ran.stderr == "", ran
    assert not notify_env.database_exists()
    notify_env.add_notice(HEALTH, [("apply", "2025-12-01", "2025-12-26")], seen="2025-11-20T10:00")
    warning = (
        "warning: subscriber alice: committee keyword '卫士' matches no committee seen so far "
        f"(did you mean a part of {HEALTH}?)"
    )
    for args in (["config"], ["subscribers", "list"]):
        ran = notify_env.zcwatch(*args)
        assert ran.returncode == 0, ran
        assert ran.stderr.splitlines() == [warning], ran.stderr  # bob's 卫生 matches: no warning


def test_subscribers_test(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    notify_env.subscribe("bob", f"json://127.0.0.1:{free_port()}/down")
    ran = notify_env.zcwatch("subscribers", "test", "alice")
    assert ran.returncode == 0, ran.stderr
    (body,) = webhook_sink.bodies("/alice")
    assert body["title"] == "【zcwatch】测试消息"
    ran = notify_env.zcwatch("subscribers", "test", "bob")
    assert ran.returncode == 1
    assert "FAILED" in ran.stdout
    ran = notify_env.zcwatch("subscribers", "test", "nobody")
    assert ran.returncode != 0
    assert "no subscriber named 'nobody'" in ran.stderr


def test_deliveries_json_shape(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    with WebhookSink() as down:
        down.fail_always(500)
        notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"), down.apprise_url("/alice"))
        season(notify_env)
        notify_env.notify("2025-11-01T09:00")
    ran = notify_env.zcwatch("deliveries", "--format", "json")
    assert ran.returncode == 0, ran.stderr
    rows = json.loads(ran.stdout)
    assert len(rows) == 2
    keys = {
        "id",
        "status",
        "alert_kind",
        "subscriber",
        "channel",
        "committee",
        "window_kind",
        "start",
        "end",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "last_error",
        "possible_duplicates",
    }
    assert all(set(r) == keys for r in rows)
    sent, failed = sorted(rows, key=lambda r: r["status"], reverse=True)
    assert sent["status"] == "sent" and sent["sent_at"] == "2025-11-01T01:00:00Z"
    assert sent["next_attempt_at"] is None and sent["last_error"] is None
    assert failed["status"] == "failed" and failed["sent_at"] is None
    assert failed["next_attempt_at"] == "2025-11-01T01:05:00Z"
    assert isinstance(failed["last_error"], str) and failed["last_error"]
    for r in rows:
        assert (r["alert_kind"], r["subscriber"], r["committee"], r["window_kind"]) == (
            "month_ahead",
            "alice",
            HEALTH,
            "apply",
        )
        assert (r["start"], r["end"], r["attempts"], r["possible_duplicates"]) == (*APPLY[1:], 1, 0)
        assert r["channel"].startswith("json://")
    only_failed = json.loads(notify_env.zcwatch("deliveries", "--failed", "--format", "json").stdout)
    assert [r["id"] for r in only_failed] == [failed["id"]]
    text = notify_env.zcwatch("deliveries").stdout
    assert "month_ahead" in text and "failed" in text


def test_quiet_hours_defer_the_alert(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"), quiet_hours="08:00-10:00")
    season(notify_env)
    assert notify_env.notify("2025-11-01T09:00").stdout.strip() != "notify: nothing due"
    assert webhook_sink.requests == []
    (row,) = notify_env.deliveries()
    assert (row["status"], datetime.fromisoformat(row["next_attempt_at"])) == (
        "pending",
        utc("2025-11-01T10:00"),
    )
    assert notify_env.notify("2025-11-01T09:59").returncode == 0
    assert webhook_sink.requests == []
    assert notify_env.notify("2025-11-01T10:00").returncode == 0
    assert kinds(webhook_sink) == ["month_ahead"]


def test_apprise_config_file_with_tags(notify_env: NotifyEnv, webhook_sink: WebhookSink) -> None:
    # A team keeps its channels in an Apprise config file; the subscriber takes the entries tagged "staff".
    apprise_yml = notify_env.dir / "apprise.yml"
    apprise_yml.write_text(
        "urls:\n"
        f"  - {webhook_sink.apprise_url('/staff')}:\n"
        "      tag: staff\n"
        f"  - {webhook_sink.apprise_url('/family')}:\n"
        "      tag: family\n",
        encoding="utf-8",
    )
    notify_env.subscribe("team", config=str(apprise_yml), tags=["staff"])
    season(notify_env)

    ran = notify_env.notify("2025-11-01T09:30")  # the month-ahead moment of a 1 December window

    assert ran.returncode == 0, ran.stderr
    assert kinds(webhook_sink, "/staff") == ["month_ahead"]
    assert webhook_sink.bodies("/family") == []
    listed = notify_env.zcwatch("subscribers", "list")
    assert "apprise.yml" in listed.stdout and "staff" in listed.stdout
    # Running again sends nothing new: the config file's entries are ledger channels like any URL.
    assert notify_env.notify("2025-11-01T09:30").returncode == 0
    assert len(webhook_sink.bodies("/staff")) == 1


def test_alert_held_by_quiet_hours_is_skipped_once_its_window_closed(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"), quiet_hours="08:00-10:00")
    season(notify_env)  # apply 2025-12-01 09:00 .. 2025-12-20 17:30
    assert notify_env.notify("2025-11-01T09:00").returncode == 0  # month_ahead planned, held until 10:00
    assert [r["status"] for r in notify_env.deliveries()] == ["pending"]

    # The machine was off until after the window closed: the held alert is not sent late.
    ran = notify_env.notify("2025-12-22T10:30")

    assert ran.returncode == 0, ran.stderr
    assert webhook_sink.requests == []
    statuses = {r["alert_kind"]: r["status"] for r in notify_env.deliveries()}
    assert statuses["month_ahead"] == "skipped"
    assert set(statuses.values()) == {"skipped"}


def test_after_a_downtime_late_alerts_tell_the_truth(
    notify_env: NotifyEnv, webhook_sink: WebhookSink
) -> None:
    """Issue 11, defect 9: after a downtime notify said 今日开始…今天开始 for windows that had opened
    5, 12 and 19 days earlier, skipped an estimate whose window was open, and sent 新通知 and 今日开始
    side by side."""
    notify_env.subscribe("alice", webhook_sink.apprise_url("/alice"))
    notify_env.add_notice(
        HEALTH, [("apply", "2025-12-15T09:00", "2026-01-15T17:30")], seen="2025-10-01T10:00"
    )
    notify_env.add_notice(
        ENGINEERING, [("apply", "2025-12-08T09:00", "2026-01-20T17:30")], seen="2025-10-01T10:00"
    )
    # found while the machine was down, after its window had opened: announced + opens, one message
    notify_env.add_notice(
        ACCOUNTING, [("apply", "2025-12-01T09:00", "2026-01-25T17:30")], seen="2025-12-10T10:00"
    )
    # last season's window only: estimated at 2025-12-10 - 2026-01-05, open at --now
    notify_env.add_notice(
        EDUCATION,
        [("apply", "2024-12-10T09:00", "2025-01-05T17:30")],
        seen="2024-11-20T10:00",
        review_year=2024,
    )

    ran = notify_env.notify("2025-12-20T10:00")
    assert ran.returncode == 0, ran.stderr
    assert (
        ran.stdout.strip()
        == "notify: 5 sent, 0 failed (will retry), 0 dead, 2 skipped (too late to be useful)"
    )
    bodies = webhook_sink.bodies("/alice")
    assert sorted(b["title"] for b in bodies) == sorted(
        [
            f"【正在申报】{HEALTH}网上申报已于12月15日开始（5天前）",
            f"【正在申报】{ENGINEERING}网上申报已于12月8日开始（12天前）",
            f"【正在申报】{ACCOUNTING}网上申报已于12月1日开始（19天前）",
            f"【预估】{EDUCATION}预计已于12月10日前后开始申报（据上年度时间推算，以正式通知为准）",
        ]
    )
    assert not any("今天" in b["title"] + b["message"] for b in bodies)
    by_committee = {committee_of(b["message"]): b["message"] for b in bodies}
    assert "倒计时：距截止还剩26天" in by_committee[HEALTH]
    assert "倒计时：距截止还剩16天" in by_committee[EDUCATION]
    assert "准备事项" in by_committee[ACCOUNTING]  # the merged announcement keeps its checklist
    assert notify_env.ledger() == [
        ("alice", "announced", "sent"),
        ("alice", "estimate", "sent"),
        ("alice", "month_ahead", "skipped"),
        ("alice", "month_ahead", "skipped"),
        ("alice", "opens", "sent"),
        ("alice", "opens", "sent"),
        ("alice", "opens", "sent"),
    ]
    assert notify_env.notify("2025-12-21T10:00").stdout.strip() == "notify: nothing due"
    assert len(webhook_sink.requests) == 4


def test_wecom_bot_key_never_printed_at_any_verbosity(
    notify_env: NotifyEnv, webhook_sink: WebhookSink, tmp_path: Path
) -> None:
    """Issue 11, defect 6: at -vv Apprise's debug line `…/send?key=<KEY>` printed the WeCom bot key."""
    key = "BotKey-SecretValue-0123456789"
    notify_env.subscribe("alice", f"wecombot://{key}")
    season(notify_env)
    webhook_sink.respond_json({"errcode": 0, "errmsg": "ok"})
    notify_env.write_config()
    env = {**notify_env.env(), **webhook_sink.wecombot_loopback_env(tmp_path)}
    runs = [(verbosity, ["subscribers", "test", "alice"]) for verbosity in ([], ["-v"], ["-vv"])]
    runs += [(["-vv"], ["subscribers", "list"]), (["-vv"], ["config"])]
    runs.append((["-vv"], ["notify", "--now", "2025-11-01T09:05"]))
    for verbosity, args in runs:
        ran = run_timed(notify_env.command(*verbosity, *args), cwd=notify_env.dir, env=env, timeout=60)
        assert ran.returncode == 0, (args, ran.stderr)
        assert key not in ran.stdout + ran.stderr, (verbosity, args)
        assert key[7:] not in ran.stdout + ran.stderr, (verbosity, args)
        if verbosity == ["-vv"] and args[0] != "config" and args[1:] != ["list"]:
            # the debug line that used to carry the key is there, masked
            assert "/cgi-bin/webhook/send?key=**** " in ran.stderr, ran.stderr
    # the sends really went to the loopback bot endpoint, key and all
    assert [r.query for r in webhook_sink.received("/cgi-bin/webhook/send")] == [f"key={key}"] * 4
