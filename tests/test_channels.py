"""Real deliveries through Apprise to local servers, and the secret-safe helpers around them.

Everything runs on 127.0.0.1: an aiosmtpd server for email, a ThreadingHTTPServer for json:// webhooks
(and, with the plugin's endpoint pointed at it, for WeCom and DingTalk responses).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import pytest
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.serverchan import NotifyServerChan
from apprise.plugins.wechat import NotifyWeChat
from apprise.plugins.wecombot import NotifyWeComBot
from support.smtp import SmtpSink, free_port
from support.webhook import WebhookSink

from notifier.channels import (
    SendResult,
    channel_id,
    masked,
    masked_by_shape,
    rate_limited,
    send,
    takes_attachments,
    takes_html,
    validate_url,
)
from notifier.messages import Alert, Message, render_alert

COMMITTEE = "广州市卫生专业技术人才高级职称评审委员会"


def _alert(**changes: str) -> Alert:
    return Alert(
        kind="closing_soon",
        committee=changes.get("committee", COMMITTEE),
        window_kind="apply",
        start="2025-01-06T09:00",
        end="2025-01-20T17:30",
        notice_url="https://rsj.gz.gov.cn/zwgk/content/post_10999952.html",
        notice_title=changes.get("notice_title", "关于2024年度卫生高级职称评审的通知"),
        today=date(2025, 1, 17),
    )


def _one_line_without(result: SendResult, *secrets: str) -> str:
    assert not result.ok
    assert result.error
    assert "\n" not in result.error
    for secret in secrets:
        assert secret not in result.error
    return result.error


# --- email -------------------------------------------------------------------------------------------


def test_html_email_arrives_decoded_and_escaped(smtp_sink: SmtpSink) -> None:
    message = render_alert(_alert(notice_title="<script>alert(1)</script>卫生高评委通知"), "html")
    url = smtp_sink.apprise_url(to="applicant@example.com")
    assert takes_html(url)

    result = send(url, message)

    assert result == SendResult(ok=True, error=None)
    (mail,) = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == ("applicant@example.com",)
    assert mail.mail_from == "zcwatch@example.com"
    assert mail.login == "zcwatch"
    assert smtp_sink.logins == [("zcwatch", "smtp-secret-code")]
    assert mail.message["Subject"] == f"【即将截止】{COMMITTEE}网上申报还剩3天"
    html_part = mail.message.get_body(("html",))
    assert html_part is not None
    content = html_part.get_content()
    assert COMMITTEE in content
    assert "2025年1月20日（周一）17:30" in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;卫生高评委通知" in content
    assert "<script>" not in content
    assert '<a href="https://rsj.gz.gov.cn/zwgk/content/post_10999952.html">' in content
    # The text part is the alert's own text rendering (with the link), not the tag-stripped HTML.
    plain = mail.message.get_body(("plain",))
    assert plain is not None
    expected = render_alert(_alert(notice_title="<script>alert(1)</script>卫生高评委通知"), "text").body
    assert plain.get_content().split() == expected.split()
    assert "https://rsj.gz.gov.cn/zwgk/content/post_10999952.html" in plain.get_content()


def test_text_email_without_login(smtp_sink: SmtpSink) -> None:
    url = smtp_sink.apprise_url(user=None, password=None)
    assert send(url, render_alert(_alert(), "text")).ok
    (mail,) = smtp_sink.wait_for(1)
    assert mail.login is None
    body = mail.message.get_body(("plain",))
    assert body is not None
    assert "评委会：广州市卫生专业技术人才高级职称评审委员会" in body.get_content()


def test_email_carries_attachments(smtp_sink: SmtpSink, tmp_path: Path) -> None:
    ics = tmp_path / "zcwatch.ics"
    ics.write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    url = smtp_sink.apprise_url()
    assert takes_attachments(url)
    assert send(url, render_alert(_alert(), "html"), attachments=[ics]).ok
    (mail,) = smtp_sink.wait_for(1)
    names = [part.get_filename() for part in mail.message.iter_attachments()]
    assert names == ["zcwatch.ics"]


def test_missing_attachment_is_reported_not_raised(smtp_sink: SmtpSink, tmp_path: Path) -> None:
    result = send(smtp_sink.apprise_url(), render_alert(_alert(), "html"), attachments=[tmp_path / "no.ics"])
    assert result == SendResult(ok=False, error="attachment not found: no.ics")


def test_email_to_a_closed_port_fails_with_a_masked_reason() -> None:
    url = f"mailto://zcwatch:smtp-secret-code@127.0.0.1:{free_port()}?from=zcwatch@example.com"
    error = _one_line_without(send(url, render_alert(_alert(), "text"), timeout=10), "smtp-secret-code")
    assert "127.0.0.1" in error


# --- json webhooks -----------------------------------------------------------------------------------


def test_json_webhook_gets_title_and_body(webhook_sink: WebhookSink) -> None:
    message = render_alert(_alert(), "text")
    assert send(webhook_sink.apprise_url("/hook"), message).ok
    (request,) = webhook_sink.wait_for(1)
    assert request.path == "/hook"
    assert request.json["title"] == message.title
    assert request.json["message"] == message.body
    assert request.headers["User-Agent"] == "zcwatch"


def test_json_500_is_a_failure_with_the_password_masked(webhook_sink: WebhookSink) -> None:
    webhook_sink.fail_always(500)
    url = webhook_sink.apprise_url("/hook", user="bob", password="hunter2-very-secret")
    error = _one_line_without(send(url, render_alert(_alert(), "text")), "hunter2-very-secret")
    assert "500" in error
    assert len(webhook_sink.received("/hook")) == 1  # no silent retries


def test_json_fail_next_then_recovers(webhook_sink: WebhookSink) -> None:
    webhook_sink.fail_next(1, status=503)
    message = render_alert(_alert(), "text")
    assert not send(webhook_sink.apprise_url(), message).ok
    assert send(webhook_sink.apprise_url(), message).ok
    assert len(webhook_sink.wait_for(2)) == 2


def test_json_2xx_with_error_body_counts_as_delivered(webhook_sink: WebhookSink) -> None:
    # For json:// the HTTP status is the only failure signal; the body is the receiver's business.
    webhook_sink.respond_json({"errcode": 1, "errmsg": "nope"})
    assert send(webhook_sink.apprise_url(), render_alert(_alert(), "text")).ok


def test_unreachable_port_is_a_failure() -> None:
    url = f"json://user:pw-secret-123@127.0.0.1:{free_port()}/hook"
    error = _one_line_without(send(url, render_alert(_alert(), "text")), "pw-secret-123")
    assert "Connection error" in error


def test_slow_webhook_times_out(webhook_sink: WebhookSink) -> None:
    webhook_sink.delay(3)
    error = _one_line_without(send(webhook_sink.apprise_url(), render_alert(_alert(), "text"), timeout=1))
    assert "timed out" in error


def test_invalid_url_is_a_failure_not_an_exception() -> None:
    result = send("pushplus://short-secret-tok", Message("t", "b", "text"))
    _one_line_without(result, "short-secret-tok")


# --- services that answer HTTP 200 with an error code ------------------------------------------------
# The plugin code runs unchanged; only its endpoint constant is pointed at the local server.


def test_wecom_app_200_with_errcode_is_a_failure(
    webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotifyWeChat, "token_url", webhook_sink.url("/cgi-bin/gettoken"))
    monkeypatch.setattr(NotifyWeChat, "notify_url", webhook_sink.url("/cgi-bin/message/send"))
    webhook_sink.respond_json({"errcode": 40001, "errmsg": "invalid credential"})
    url = "wechat://ww0123456789abcdef:CorpSecretValue1234@1000002/@all"
    error = _one_line_without(send(url, render_alert(_alert(), "text")), "CorpSecretValue1234")
    assert "40001" in error


def test_wecom_bot_200_with_errcode_is_a_failure(
    webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotifyWeComBot, "notify_url", webhook_sink.url("/cgi-bin/webhook/send?key={key}"))
    webhook_sink.respond_json({"errcode": 93000, "errmsg": "invalid webhook url"})
    result = send("wecombot://BotKey-0123456789", render_alert(_alert(), "text"))
    assert not result.ok
    assert result.error is not None and "93000" in result.error and "BotKey-0123456789" not in result.error


def test_wecom_bot_errcode_zero_is_sent(webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NotifyWeComBot, "notify_url", webhook_sink.url("/cgi-bin/webhook/send?key={key}"))
    webhook_sink.respond_json({"errcode": 0, "errmsg": "ok"})
    assert send("wecombot://BotKey-0123456789", render_alert(_alert(), "text")).ok
    (body,) = webhook_sink.bodies()
    assert body["msgtype"] == "text" and "评委会" in body["text"]["content"]


def test_dingtalk_200_with_errcode_is_a_failure(
    webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotifyDingTalk, "notify_url", webhook_sink.url("/robot/send?access_token={token}"))
    webhook_sink.respond_json({"errcode": 310000, "errmsg": "keywords not in content"})
    result = send("dingtalk://DingTokenValue0123456789/", render_alert(_alert(), "text"))
    assert not result.ok
    assert result.error is not None and "310000" in result.error
    assert "DingTokenValue0123456789" not in result.error


def test_dingtalk_errcode_zero_is_sent(webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(NotifyDingTalk, "notify_url", webhook_sink.url("/robot/send?access_token={token}"))
    webhook_sink.respond_json({"errcode": 0, "errmsg": "ok"})
    assert send("dingtalk://DingTokenValue0123456789/", render_alert(_alert(), "text")).ok
    (body,) = webhook_sink.bodies()
    assert body["msgtype"] == "text" and "评委会" in body["text"]["content"]


def test_serverchan_200_with_code_is_a_failure(
    webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotifyServerChan, "notify_url", webhook_sink.url("/{token}.send"))
    webhook_sink.respond_json({"code": 40001, "message": "bad pushkey"})
    result = send("schan://SCT0123456789abcdefABCDEF/", render_alert(_alert(), "text"))
    assert not result.ok
    assert result.error is not None and "40001" in result.error
    assert "SCT0123456789abcdefABCDEF" not in result.error


def test_wecom_bot_http_error_hides_the_key(
    webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotifyWeComBot, "notify_url", webhook_sink.url("/cgi-bin/webhook/send?key={key}"))
    webhook_sink.fail_always(502)
    error = _one_line_without(send("wecombot://BotKey-0123456789", render_alert(_alert(), "text")))
    assert "BotKey-0123456789" not in error
    assert "502" in error
    (request,) = webhook_sink.wait_for(1)
    assert request.query == "key=BotKey-0123456789"  # the plugin really did talk to the sink


# --- masking, ids, validation, capabilities -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("mailto://zcwatch:AuthCode123456@163.com", "AuthCode123456"),
        ("mailtos://user:p%40ss-word-99@smtp.example.com?to=a@example.com", "ss-word-99"),
        ("wecombot://abcdef0123456789-key", "abcdef0123456789-key"),
        ("json://bob:hunter2-very-secret@127.0.0.1:8080/hook", "hunter2-very-secret"),
        ("wechat://ww0123456789abcdef:CorpSecretValue1234@1000002/@all", "CorpSecretValue1234"),
        ("dingtalk://DingSecretValue9876@DingTokenValue0123/", "DingTokenValue0123"),
        ("schan://SCT12345abcdefXYZ", "SCT12345abcdefXYZ"),
    ],
)
def test_masked_hides_secrets(url: str, secret: str) -> None:
    shown = masked(url)
    assert secret not in shown
    assert shown.split("://", 1)[0] in {
        "mailto",
        "mailtos",
        "wecombot",
        "json",
        "wechat",
        "dingtalk",
        "schan",
    }


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("mailto://zcwatch:AuthCode123456@163.com", "AuthCode123456"),
        ("mailtos://user:p%40ss-word-99@smtp.example.com?to=a@example.com", "ss-word-99"),
        ("wecombot://abcdef0123456789-key", "abcdef0123456789-key"),
        ("json://bob:hunter2-very-secret@127.0.0.1:8080/hook", "hunter2-very-secret"),
        ("wechat://ww0123456789abcdef:CorpSecretValue1234@1000002/@all", "CorpSecretValue1234"),
        ("dingtalk://DingSecretValue9876@DingTokenValue0123/", "DingTokenValue0123"),
        ("dingtalk://DingSecretValue9876@DingTokenValue0123/", "DingSecretValue9876"),
        ("schan://SCT12345abcdefXYZ", "SCT12345abcdefXYZ"),
        ("wxpusher://AT_abcdefghijklmnop/UID_xyz0123", "AT_abcdefghijklmnop"),
        ("wxpusher://AT_abcdefghijklmnop/UID_xyz0123", "UID_xyz0123"),
        ("tgram://123456789:AAHdefSecretBotToken/-1001234567", "AAHdefSecretBotToken"),
        ("pover://UserKeySecret0123@AppTokenSecret0123", "UserKeySecret0123"),
        ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef0123456789", "abcdef0123456789"),
        ("json://127.0.0.1:8080/hook?token=abc123secret&method=POST", "abc123secret"),
        ("json://127.0.0.1:8080/hook#frag-secret-99", "frag-secret-99"),
    ],
)
def test_masked_by_shape_hides_what_the_log_scrubber_hides(url: str, secret: str) -> None:
    """The dry run's cheap masking (no Apprise parse) never shows a part the scrubber treats as secret."""
    shown = masked_by_shape(url)
    assert secret not in shown and unquote(secret) not in shown
    assert shown.startswith(url.split("://", 1)[0] + "://")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("json://bob:hunter2@127.0.0.1:8080/hook", "json://bob:****@127.0.0.1:8080/****"),
        (
            "mailto://zc:smtp-code@smtp.qq.com?to=alice@example.com&from=zc@qq.com",
            "mailto://zc:****@smtp.qq.com?to=a***@example.com&from=z***@qq.com",
        ),
        ("wecombot://0123456789abcdef0123456789abcdef", "wecombot://****"),
        ("json://localhost:8080/hook?format=text", "json://localhost:8080/****?format=text"),
        ("no scheme at all secret", "<invalid apprise url>"),
    ],
)
def test_masked_by_shape_shows_host_port_and_flags(url: str, shown: str) -> None:
    assert masked_by_shape(url) == shown


def test_masked_invalid_url_keeps_only_the_scheme() -> None:
    assert masked("pushplus://bad-secret-token") == "<invalid apprise url> pushplus://"
    assert masked("no scheme at all secret") == "<invalid apprise url>"


def test_channel_id_is_short_stable_and_secret_free() -> None:
    url = "wecombot://abcdef0123456789-key"
    assert channel_id(url) == channel_id(url)
    assert re.fullmatch(r"[0-9a-f]{16}", channel_id(url))
    assert channel_id(url) != channel_id("wecombot://abcdef0123456789-kez")
    assert channel_id(url) == channel_id(f"  {url}\n")  # pasted with whitespace: same channel


def test_validate_url_explains_a_missing_sender() -> None:
    assert validate_url("mailto://127.0.0.1:2525") == (
        "mailto:// URL rejected: no valid sender address; add from=you@example.com to the URL"
    )


@pytest.mark.parametrize(
    "url",
    [
        "mailto://zcwatch:AuthCode123456@163.com",
        "mailto://zcwatch:AuthCode123456@qq.com",
        "wecombot://abcdef0123456789-key",
        "wechat://ww0123456789abcdef:CorpSecretValue1234@1000002/@all",
        "wxpusher://AT_abcdefghijklmnop/UID_xyz",
        "schan://SCT12345abcdefXYZ",
        "dingtalk://DingTokenValue0123/",
        "feishu://FeishuTokenValue0123",
        "json://127.0.0.1:8080/hook",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef0123456789",
    ],
)
def test_validate_url_accepts_real_channel_urls(url: str) -> None:
    assert validate_url(url) is None


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("not a url SecretToken999", "SecretToken999"),
        ("foo://SecretToken999", "SecretToken999"),
        ("pushplus://SecretToken999", "SecretToken999"),
        ("wecombot://bad!Secret%20Key999", "Secret"),
        ("wechat://corp:CorpSecret999@notanumber/@all", "CorpSecret999"),
        ("mailto://127.0.0.1:2525", "2525"),
    ],
)
def test_validate_url_rejects_junk_without_echoing_secrets(url: str, secret: str) -> None:
    reason = validate_url(url)
    assert reason is not None
    assert "\n" not in reason
    assert secret not in reason


def test_capabilities() -> None:
    email = "mailto://zcwatch:AuthCode123456@163.com"
    bot = "wecombot://abcdef0123456789-key"
    hook = "json://127.0.0.1:8080/hook"
    assert takes_html(email) and not takes_html(bot) and not takes_html(hook)
    assert takes_attachments(email) and takes_attachments(hook) and not takes_attachments(bot)
    assert not rate_limited(email) and not rate_limited(hook)
    for url in (
        bot,
        "wechat://ww0123456789abcdef:CorpSecretValue1234@1000002/@all",
        "wxpusher://AT_abcdefghijklmnop/UID_xyz",
        "schan://SCT12345abcdefXYZ",
        "pushplus://0123456789abcdef0123456789abcdef",
        "dingtalk://DingTokenValue0123/",
        "feishu://FeishuTokenValue0123",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdef0123456789",
    ):
        assert rate_limited(url), url
    assert not takes_html("junk") and not takes_attachments("junk") and not rate_limited("junk")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("json://bob:hunter2@127.0.0.1:8080/hook", "json://bob:****@127.0.0.1:8080/hook"),
        (
            "mailto://zc:smtp-code@smtp.qq.com?to=alice@example.com&from=zc@qq.com",
            "mailto://zc:****@smtp.qq.com?to=a***@example.com&from=z***@qq.com",
        ),
        ("wecombot://0123456789abcdef0123456789abcdef", "wecombot://****"),
        (
            "json://127.0.0.1:8080/hook?token=abc123secret&method=POST",
            "json://127.0.0.1:8080/hook?token=****&method=POST",
        ),
    ],
)
def test_masked_shows_the_url_as_the_user_wrote_it(url: str, shown: str) -> None:
    """Issue 11, item 11: listings showed Apprise's internal parameters (?method=POST&overflow=upstream…)."""
    assert masked(url) == shown
