"""Self-service subscriptions (issue 15): the pages through the ASGI test client, alerts through the real CLI.

The database is filled by crawling the replica (with planted script payloads) with the real `zcwatch crawl`,
on SQLite and on PostgreSQL. E-mail goes to a real SMTP server (aiosmtpd), WxPusher's API and WeCom's bot
webhook are local HTTP stand-ins (WebhookSink); `zcwatch notify` runs as a subprocess whose Apprise plugins
post to those stand-ins. The browser walk-through is tests/test_subscribe_browser.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from support.crawl_fixtures import CrawlEnv, new_env
from support.replica import ReplicaServer
from support.smtp import SmtpSink
from support.web_fixtures import BOARD_NOW, SCRIPT, plant_payloads
from support.webhook import WebhookSink

from core.signing import make_token

BASE = "http://testserver"
HEALTH_KW = "卫生"
APP_TOKEN = "AT_zcwatchTestAppToken000"
UID = "UID_abcdefghijklmnop1234"


# Per engine (hence db_engine): each engine's run reads only its own mail and requests.
@pytest.fixture(scope="module")
def smtp(db_engine: str) -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def wxpusher(db_engine: str) -> Iterator[WebhookSink]:
    """WxPusher's API: one answer for both calls zcwatch makes (create a QR code, send a message)."""
    with WebhookSink() as sink:
        sink.respond_json(
            {"code": 1000, "msg": "处理成功", "data": {"url": sink.url("/qr/abc.jpg"), "code": "x"}}
        )
        yield sink


@pytest.fixture(scope="module")
def env(
    replica_server: ReplicaServer,
    tmp_path_factory: pytest.TempPathFactory,
    db_engine: str,
    request: pytest.FixtureRequest,
    smtp: SmtpSink,
    wxpusher: WebhookSink,
) -> CrawlEnv:
    replica_server.reset()
    plant_payloads(replica_server)
    folder = tmp_path_factory.mktemp("subscribe")
    try:
        e = new_env(folder, replica_server, db_engine, request, timeout=3)
        e.extra_toml = (
            "[web]\n"
            f'base_url = "{BASE}"\n'
            f'mail_url = "{smtp.sender_url()}"\n'
            f'wxpusher_app_token = "{APP_TOKEN}"\n'
            f'wxpusher_api = "{wxpusher.url("")}"\n'
        )
        ran = e.crawl()
        assert ran.returncode in (0, 1), ran
    finally:
        replica_server.reset()
        replica_server.clear_log()
    # notify's WxPusher plugin posts to the stand-in (its endpoint is a class attribute).
    (folder / "site").mkdir()
    (folder / "site" / "sitecustomize.py").write_text(
        "from apprise.plugins.wxpusher import NotifyWxPusher\n"
        f"NotifyWxPusher.notify_url = {wxpusher.url('/api/send/message')!r}\n",
        encoding="utf-8",
    )
    e.extra_env = {"PYTHONPATH": str(folder / "site")}
    return e


def _app(env: CrawlEnv) -> Any:
    from core.config import load_config
    from core.timeutil import parse_now
    from notifier.channels import validate_url
    from store.db import open_engine
    from web.app import create_app

    config = load_config(env.write_config(), check_url=validate_url)
    engine = open_engine(config.resolved_database_url)
    moment = parse_now(BOARD_NOW)
    return create_app(config, engine, clock=lambda: moment), engine


@pytest.fixture(scope="module")
def client(env: CrawlEnv) -> Iterator[TestClient]:
    app, engine = _app(env)
    with TestClient(app) as c:
        yield c
    engine.dispose()


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{32})"', page)
    assert m, "the form carries a CSRF token"
    return m.group(1)


def _health(client: TestClient) -> str:
    page = client.get("/subscribe", params={"q": HEALTH_KW}).text
    names = [str(i["value"]) for i in BeautifulSoup(page, "lxml").select("input[name=committee]")]
    clean = [n for n in names if "<" not in n]  # not the planted payload's
    assert clean, "the crawled replica has a 卫生 committee"
    return min(clean, key=len)


def _subscribe_email(client: TestClient, address: str, **extra: Any) -> Any:
    token = _csrf(client.get("/subscribe").text)
    form = {
        "csrf": token,
        "channel": "email",
        "email": address,
        "kind": ["apply", "accept"],
        "lead_days": "30",
    }
    form.update(extra)
    return client.post("/subscribe", data=form)


def _confirm_link(smtp: SmtpSink, address: str, before: int) -> str:
    for mail in smtp.wait_for(before + 1)[before:]:
        if address in mail.rcpt_tos:
            body = mail.message.get_body(("plain",))
            assert body is not None
            m = re.search(re.escape(BASE) + r"(/confirm/\S+)", body.get_content())
            assert m, body.get_content()
            return m.group(1)
    raise AssertionError(f"no confirmation mail to {address}")


def _query(env: CrawlEnv, sql: str) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    from store.db import open_engine

    engine = open_engine(env.url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def _rows(env: CrawlEnv) -> list[tuple[Any, ...]]:
    """(name, status, channel_type, address, committees, paused_until) of every subscriber."""
    return _query(
        env,
        "SELECT name, status, channel_type, address, committees, paused_until FROM subscribers ORDER BY id",
    )


def _mails_to(smtp: SmtpSink, address: str) -> list[Any]:
    return [m for m in smtp.messages if address in m.rcpt_tos]


# --- the form -------------------------------------------------------------------------------------


def test_the_form_offers_the_committees_seen_with_a_search_and_a_csrf_token(client: TestClient) -> None:
    r = client.get("/subscribe")
    assert r.status_code == 200 and "zc_csrf" in r.cookies
    soup = BeautifulSoup(r.text, "lxml")
    every = [i["value"] for i in soup.select("input[name=committee]")]
    assert len(every) >= 3
    assert {i["value"] for i in soup.select("input[name=channel]")} == {"email", "wxpusher", "wecombot"}
    found = [
        i["value"]
        for i in BeautifulSoup(client.get("/subscribe?q=卫生").text, "lxml").select("input[name=committee]")
    ]
    assert found and all(HEALTH_KW in str(n) for n in found) and len(found) < len(every)


def test_a_form_without_its_csrf_token_is_refused_and_stores_nothing(
    client: TestClient, env: CrawlEnv
) -> None:
    before = _rows(env)
    r = client.post("/subscribe", data={"channel": "email", "email": "x@example.org", "kind": "apply"})
    assert r.status_code == 403 and "表单已失效" in r.text
    other = TestClient(client.app)  # another browser: its own cookie, so the first one's token is no good
    r = other.post(
        "/subscribe",
        data={"csrf": _csrf(client.get("/subscribe").text), "channel": "email", "email": "x@example.org"},
    )
    assert r.status_code == 403
    assert _rows(env) == before


def test_the_21st_sign_up_from_one_address_in_a_minute_is_429(env: CrawlEnv) -> None:
    app, engine = _app(env)  # its own limiter
    try:
        with TestClient(app) as c:
            codes = [c.post("/subscribe", data={"channel": "email"}).status_code for _ in range(21)]
        assert codes[:20] == [403] * 20 and codes[20] == 429
    finally:
        engine.dispose()


def test_a_planted_script_in_a_committee_name_is_only_text(client: TestClient) -> None:
    page = client.get("/subscribe").text
    assert SCRIPT not in page and "<script" not in page.lower()
    assert client.get("/subscribe").headers["content-security-policy"].startswith("default-src 'none'")


def test_a_bad_form_says_what_is_wrong_and_keeps_the_choices(client: TestClient) -> None:
    committee = _health(client)
    token = _csrf(client.get("/subscribe").text)
    r = client.post(
        "/subscribe",
        data={"csrf": token, "channel": "email", "email": "not-an-address", "committee": committee},
    )
    assert r.status_code == 400
    soup = BeautifulSoup(r.text, "lxml")
    assert "请至少选择一个环节" in soup.select_one(".problem").get_text()
    r = client.post(
        "/subscribe",
        data={"csrf": token, "channel": "email", "email": "no", "committee": committee, "kind": "apply"},
    )
    soup = BeautifulSoup(r.text, "lxml")
    assert "有效的电子邮箱" in soup.select_one(".problem").get_text()
    kept = [i for i in soup.select("input[name=committee]") if i["value"] == committee]
    assert kept and kept[0].has_attr("checked")


# --- e-mail: double opt-in, the alert's links, one-click unsubscribe ------------------------------------


def test_email_double_opt_in_then_alerts_with_links_then_one_click_unsubscribe(
    client: TestClient, env: CrawlEnv, smtp: SmtpSink
) -> None:
    committee = _health(client)
    stay, leave = "stay@example.org", "leave@example.org"
    links = {}
    for address in (stay, leave):
        before = len(smtp.messages)
        r = _subscribe_email(client, address, committee=committee)
        assert r.status_code == 200 and "请查收确认邮件" in r.text
        links[address] = _confirm_link(smtp, address, before)
    # A GET (what a mail scanner does) confirms nothing: the page asks for the click.
    page = client.get(links[leave])
    assert page.status_code == 200 and "确认订阅" in page.text
    assert {r[3]: r[1] for r in _rows(env)}[leave] == "pending"
    for address in (stay, leave):
        token = _csrf(client.get(links[address]).text)
        done = client.post(links[address], data={"csrf": token})
        assert done.status_code == 200 and "订阅已确认" in done.text
    assert {r[3]: r[1] for r in _rows(env)}[leave] == "active"
    # The link is single-use: a second click says so and changes nothing.
    again = client.post(links[leave], data={"csrf": _csrf(client.get("/subscribe").text)})
    assert again.status_code == 200 and "订阅已确认" in again.text

    ran = env.zcwatch("notify", "--now", BOARD_NOW)
    assert ran.returncode == 0, ran
    alerts = [m for m in _mails_to(smtp, leave) if "确认" not in str(m.message["Subject"])]
    assert alerts, ran
    mail = alerts[0].message
    unsubscribe = str(mail["List-Unsubscribe"])
    assert re.fullmatch(r"<http://testserver/unsubscribe/\d+\.0\.[\w-]{22}>", unsubscribe), unsubscribe
    assert str(mail["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",))
    assert text is not None and committee in text.get_content()
    manage = re.search(r"管理订阅：" + re.escape(BASE) + r"(/manage/\S+)", text.get_content())
    assert manage, text.get_content()
    page = client.get(manage.group(1))
    assert page.status_code == 200 and "已生效" in page.text and "l***@example.org" in page.text
    assert leave not in page.text  # the manage page never shows the whole address

    # RFC 8058: the mail client POSTs the body below, without cookies; twice is as good as once.
    fresh = TestClient(client.app)
    for _ in range(2):
        r = fresh.post(
            unsubscribe.strip("<>").removeprefix(BASE),
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200
    assert {r[3]: r[1] for r in _rows(env)}[leave] == "unsubscribed"

    # Later, something new is due (closing soon) for the one who stayed, and nothing for the one who left.
    left_before, stay_before = len(_mails_to(smtp, leave)), len(_mails_to(smtp, stay))
    ran = env.zcwatch("notify", "--now", "2025-12-24T10:00:00+08:00")
    assert ran.returncode == 0, ran
    assert len(_mails_to(smtp, stay)) > stay_before, ran
    assert len(_mails_to(smtp, leave)) == left_before


def test_the_answer_is_the_same_whether_the_address_is_known_or_not(
    client: TestClient, smtp: SmtpSink
) -> None:
    known = _subscribe_email(client, "k1@example.net")
    assert known.status_code == 200
    answers = [_subscribe_email(client, a).text for a in ("k1@example.net", "k2@example.net")]
    assert answers[0] == answers[1]
    # The fourth sign-up of one address in an hour sends no mail, and answers the same.
    assert _subscribe_email(client, "k1@example.net").text == answers[0]  # the third: sent
    # (Sent before the answer: the SMTP server stores a mail before it acknowledges it.)
    sent = len(_mails_to(smtp, "k1@example.net"))
    assert _subscribe_email(client, "k1@example.net").text == answers[0]
    assert len(_mails_to(smtp, "k1@example.net")) == sent == 3


def test_a_tampered_or_expired_link_gives_a_clear_page_and_changes_nothing(
    client: TestClient, env: CrawlEnv, smtp: SmtpSink
) -> None:
    before = len(smtp.messages)
    _subscribe_email(client, "tamper@example.org")
    link = _confirm_link(smtp, "tamper@example.org", before)
    sub_id, expires, sig = link.removeprefix("/confirm/").split(".")
    forged = f"/confirm/{sub_id}.{int(expires) + 3600}.{sig}"  # a longer life: the signature no longer fits
    token = _csrf(client.get("/subscribe").text)
    for bad in (forged, link[:-2] + "AA", "/confirm/nonsense", f"/manage/{sub_id}.0.{sig}"):
        r = (
            client.post(bad, data={"csrf": token, "action": "unsubscribe"})
            if "manage" in bad
            else client.post(bad, data={"csrf": token})
        )
        assert r.status_code == 400 and "链接无效" in r.text, bad
    assert {r[3]: r[1] for r in _rows(env)}["tamper@example.org"] == "pending"
    # A genuine link whose time is up: signed with the site's secret and the row's nonce, an hour ago.
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from store.db import open_engine
    from store.models import SubscriberRow
    from store.subscribers import site_secret

    engine = open_engine(env.url)
    try:
        with Session(engine) as s:
            row = s.scalars(select(SubscriberRow).where(SubscriberRow.id == int(sub_id))).one()
            expired = make_token(site_secret(s), "confirm", row.id, row.nonce, int(time.time()) - 3600)
    finally:
        engine.dispose()
    r = client.get(f"/confirm/{expired}")
    assert r.status_code == 410 and "已过期" in r.text
    assert {r[3]: r[1] for r in _rows(env)}["tamper@example.org"] == "pending"


def test_the_manage_page_changes_pauses_and_deletes(
    client: TestClient, env: CrawlEnv, smtp: SmtpSink
) -> None:
    before = len(smtp.messages)
    _subscribe_email(client, "manage@example.org")
    link = _confirm_link(smtp, "manage@example.org", before)
    done = client.post(link, data={"csrf": _csrf(client.get(link).text)})
    manage = re.search(r'href="' + re.escape(BASE) + r'(/manage/[^"]+)"', done.text)
    assert manage
    url = manage.group(1)
    token = _csrf(client.get(url).text)
    committee = _health(client)
    r = client.post(
        url,
        data={"csrf": token, "action": "save", "committee": committee, "kind": "paper", "lead_days": "14"},
    )
    assert r.status_code == 200 and "设置已保存" in r.text
    r = client.post(url, data={"csrf": token, "action": "pause", "until": "2026-01-05"})
    assert r.status_code == 200 and "已暂停" in r.text
    row = {r[3]: r for r in _rows(env)}["manage@example.org"]
    committees = json.loads(row[4]) if isinstance(row[4], str) else row[4]
    assert committees == [committee] and row[5] == "2026-01-05"
    listed = env.zcwatch("subscribers", "list")
    assert listed.returncode == 0 and "paused until 2026-01-05" in listed.stdout
    assert "manage@example.org" not in listed.stdout and "m***@example.org" in listed.stdout
    r = client.post(url, data={"csrf": token, "action": "pause", "until": "2020-01-01"})
    assert r.status_code == 400 and "明天到一年之内" in r.text
    r = client.post(url, data={"csrf": token, "action": "delete"})
    assert r.status_code == 200 and "已删除" in r.text
    assert "manage@example.org" not in {r[3] for r in _rows(env)}
    assert client.get(url).status_code == 404


# --- WeChat through WxPusher, and a WeCom group bot ----------------------------------------------------


def test_wxpusher_qr_code_then_the_follow_callback_binds_the_uid_and_alerts_go_there(
    client: TestClient, env: CrawlEnv, wxpusher: WebhookSink
) -> None:
    committee = _health(client)
    token = _csrf(client.get("/subscribe").text)
    seen = len(wxpusher.requests)
    r = client.post(
        "/subscribe", data={"csrf": token, "channel": "wxpusher", "kind": "apply", "committee": committee}
    )
    assert r.status_code == 200
    img = BeautifulSoup(r.text, "lxml").select_one("img.qr")
    assert img is not None and img["src"] == wxpusher.url("/qr/abc.jpg")
    assert wxpusher.url("").rstrip("/") in r.headers["content-security-policy"]
    created = wxpusher.requests[seen]
    assert created.path == "/api/fun/create/qrcode" and created.json["appToken"] == APP_TOKEN
    extra = created.json["extra"]

    # A forged callback binds nothing.
    bad = client.post(
        "/hooks/wxpusher", json={"action": "app_subscribe", "data": {"uid": UID, "extra": "1.0.x"}}
    )
    assert bad.status_code == 403
    # WxPusher's documented follow callback.
    callback = {
        "action": "app_subscribe",
        "data": {
            "appKey": "AK_x",
            "appName": "职称提醒",
            "source": "scan",
            "userName": "张三",
            "userHeadImg": "http://thirdwx.qlogo.cn/x.jpg",
            "time": 1733200000000,
            "uid": UID,
            "extra": extra,
        },
    }
    ok = client.post("/hooks/wxpusher", json=callback)
    assert ok.status_code == 200 and ok.json()["code"] == 1000
    assert client.post("/hooks/wxpusher", json=callback).json()["msg"] == "already bound"
    assert any(r[3] == UID and r[1] == "active" for r in _rows(env))

    sent_before = len(wxpusher.received("/api/send/message"))
    ran = env.zcwatch("notify", "--now", BOARD_NOW)
    assert ran.returncode == 0, ran
    sends = wxpusher.received("/api/send/message")[sent_before:]
    assert sends and any(UID in (s.json.get("uids") or []) for s in sends), ran
    assert APP_TOKEN not in ran.stdout + ran.stderr
    listed = env.zcwatch("subscribers", "list")
    assert UID not in listed.stdout and APP_TOKEN not in listed.stdout


def test_a_wecom_bot_key_is_confirmed_by_a_test_message_and_only_wecoms_host_is_accepted(
    client: TestClient, env: CrawlEnv, webhook_sink: WebhookSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    from apprise.plugins.wecombot import NotifyWeComBot

    monkeypatch.setattr(
        NotifyWeComBot, "notify_url", webhook_sink.url("/cgi-bin/webhook/send") + "?key={key}"
    )
    webhook_sink.respond_json({"errcode": 0, "errmsg": "ok"})
    token = _csrf(client.get("/subscribe").text)
    form = {"csrf": token, "channel": "wecombot", "kind": "apply"}
    r = client.post(
        "/subscribe", data={**form, "bot": "https://evil.example/cgi-bin/webhook/send?key=0123456789abcdef"}
    )
    assert r.status_code == 400 and "只接受企业微信群机器人" in r.text
    assert webhook_sink.requests == []  # nothing was called
    key = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"
    r = client.post(
        "/subscribe", data={**form, "bot": f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={key}"}
    )
    assert r.status_code == 200 and "订阅成功" in r.text
    got = webhook_sink.wait_for(1)[0]
    assert key in got.query and "测试消息" in got.json["text"]["content"]
    assert any(r[3] == key and r[1] == "active" for r in _rows(env))
    # A bot that refuses the test message subscribes nothing.
    webhook_sink.respond_json({"errcode": 93000, "errmsg": "invalid webhook url"})
    r = client.post("/subscribe", data={**form, "bot": "0123456789abcdef0123"})
    assert r.status_code == 400 and "测试消息没有发出" in r.text
    assert not any(r[3] == "0123456789abcdef0123" for r in _rows(env))


# --- the CLI ------------------------------------------------------------------------------------------


def test_cli_add_import_export_remove_and_the_config_sync(
    env: CrawlEnv, tmp_path: Path, smtp: SmtpSink
) -> None:
    url = smtp.apprise_url(to="cli@example.org")
    ran = env.zcwatch(
        "subscribers", "add", "cli-one", "--url", url, "--committee", HEALTH_KW, "--kind", "apply"
    )
    assert ran.returncode == 0, ran
    again = env.zcwatch("subscribers", "add", "cli-one", "--url", url)
    assert again.returncode == 2 and again.stderr.strip() == (
        "zcwatch: a subscriber named 'cli-one' exists already (see `zcwatch subscribers list`)"
    )
    csv_file = tmp_path / "subs.csv"
    csv_file.write_text(
        "name,urls,committees,kinds,lead_days\n"
        f"cli-two,{smtp.apprise_url(to='two@example.org')},{HEALTH_KW};工程,apply;accept,20\n"
        "cli-bad,nope,,apply,500\n",
        encoding="utf-8",
    )
    bad = env.zcwatch("subscribers", "import", str(csv_file))
    assert bad.returncode == 1 and "nothing imported" in bad.stderr and "Traceback" not in bad.stderr
    assert f"{csv_file}:3: lead_days: must be between 1 and 120" in bad.stderr
    csv_file.write_text(
        csv_file.read_text(encoding="utf-8").splitlines(keepends=True)[0]
        + f"cli-two,{smtp.apprise_url(to='two@example.org')},{HEALTH_KW};工程,apply;accept,20\n",
        encoding="utf-8",
    )
    ok = env.zcwatch("subscribers", "import", str(csv_file))
    assert ok.returncode == 0 and "1 added" in ok.stdout, ok
    exported = env.zcwatch("subscribers", "export")
    assert "cli-two" in exported.stdout and "smtp-secret-code" not in exported.stdout
    assert "two@example.org" not in exported.stdout
    backup = tmp_path / "backup.csv"
    ran = env.zcwatch("subscribers", "export", "--output", str(backup))
    assert ran.returncode == 0 and (backup.stat().st_mode & 0o777) == 0o600
    assert "smtp-secret-code" in backup.read_text(encoding="utf-8")
    assert env.zcwatch("subscribers", "remove", "cli-two").returncode == 0
    assert "cli-two" not in env.zcwatch("subscribers", "list").stdout

    # [[subscribers]] are synced in; removing the table removes the row.
    env.extra_toml += f'\n[[subscribers]]\nname = "from-config"\nurls = ["{url}"]\n'
    listed = env.zcwatch("subscribers", "list")
    assert "from-config  [config, active]" in listed.stdout, listed
    gone = env.zcwatch("subscribers", "remove", "from-config")
    assert gone.returncode == 2 and "in the config file" in gone.stderr
    env.extra_toml = env.extra_toml.split("\n[[subscribers]]")[0]
    assert "from-config" not in env.zcwatch("subscribers", "list").stdout


def test_the_database_holds_no_operator_secret_for_web_subscribers(env: CrawlEnv) -> None:
    rows = _query(env, "SELECT urls, address FROM subscribers WHERE origin = 'web'")
    assert rows and all(str(urls) in ("[]", "None") or urls == [] for urls, _ in rows)
    assert all("smtp-secret-code" not in str(r) and APP_TOKEN not in str(r) for r in rows)


# --- the applicant's own timeline (issue 17) ----------------------------------------------------------


def test_an_alerts_submitted_link_opens_the_timeline_form_and_one_click_records_it(
    client: TestClient, env: CrawlEnv, smtp: SmtpSink
) -> None:
    address = "timeline@example.org"
    committee = _health(client)
    before = len(smtp.messages)
    _subscribe_email(client, address, committee=committee)
    link = _confirm_link(smtp, address, before)
    client.post(link, data={"csrf": _csrf(client.get(link).text)})
    ran = env.zcwatch("notify", "--now", BOARD_NOW)
    # The WeCom bot subscribed above cannot be reached from here (its host is WeCom's, not the local sink):
    # its sends fail and are retried; every other channel's went out.
    problems = [line for line in ran.stderr.splitlines() if line.strip()]
    assert ran.returncode in (0, 1) and all("wecombot://" in line for line in problems), ran
    texts = [
        body.get_content()
        for m in _mails_to(smtp, address)
        if (body := m.message.get_body(("plain",))) is not None
    ]
    found = [
        m.group(1)
        for t in texts
        if (m := re.search(r"已提交申报？[^：\n]*：" + re.escape(BASE) + r"(/manage/\S+)", t))
    ]
    assert found, texts
    record = found[0]
    assert re.search(r"\?record=submitted&window=[0-9a-f]{32}$", record), record
    name = _query(env, f"SELECT name FROM subscribers WHERE address = '{address}'")[0][0]

    def events() -> list[tuple[Any, ...]]:
        return _query(env, f"SELECT event, day, via FROM timeline_events WHERE subscriber = '{name}'")

    # The link's GET (a mail scanner's too) records nothing: it opens the form, filled in.
    page = client.get(record)
    assert page.status_code == 200 and "请确认下面的进度" in page.text
    soup = BeautifulSoup(page.text, "lxml")
    window = soup.select_one("select[name=window] option[selected]")
    assert window is not None and window.text == committee
    chosen = soup.select_one("select[name=event] option[selected]")
    assert chosen is not None and chosen["value"] == "submitted"
    assert events() == []

    url, key = record.split("?")[0], str(window["value"])
    token = _csrf(page.text)
    form = {"csrf": token, "action": "record", "window": key, "event": "submitted", "day": "2025-12-05"}
    r = client.post(url, data=form)
    assert r.status_code == 200 and "已记录：2025-12-05 已提交申报" in r.text
    # Friday 5 December: the office's review begins on Monday, the next working day.
    assert "下一次提醒：2025-12-08 09:00 查看初审结果" in r.text
    assert client.post(url, data=form).status_code == 200  # twice is as good as once
    assert events() == [("submitted", "2025-12-05", "web")]

    for bad, problem in (
        ({"day": "2025-12-06"}, "日期不能晚于今天"),
        ({"window": "0" * 32}, "请选择申报的评委会"),
        ({"event": "approved"}, "请选择进度"),
        ({"day": "soon"}, "请填写日期"),
    ):
        r = client.post(url, data={**form, **bad})
        assert r.status_code == 400 and problem in r.text, bad
    assert len(events()) == 1

    listed = env.zcwatch("timeline", name, "--format", "json", "--now", BOARD_NOW)
    assert listed.returncode == 0, listed
    assert [e["event"] for e in json.loads(listed.stdout)[0]["events"]] == ["submitted"]

    event_id = _query(env, f"SELECT id FROM timeline_events WHERE subscriber = '{name}'")[0][0]
    r = client.post(url, data={"csrf": token, "action": "unrecord", "event_id": str(event_id)})
    assert r.status_code == 200 and "已删除记录：2025-12-05 已提交申报" in r.text
    assert events() == []
