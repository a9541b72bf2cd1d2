"""Self-service subscriptions (issue 15) end to end: a phone's browser, real mail, the real CLI.

One database per module, filled like the board's (support/web_fixtures.py: the replica crawled with planted
script payloads, one of them in a committee's name); its config's ``[web] base_url`` is the address the app
is served on (``BoardServer``, the real app under uvicorn) and its ``[web] mail_url`` a local SMTP server
(support/smtp.py). Debian's Chromium, driven by Playwright at a phone's 390 px, does what a person does.

- The issue's flow: sign up on /subscribe for one committee by e-mail; the confirmation mail's link opens a
  page whose GET confirms nothing (a mail scanner opening links subscribes nobody) and whose button does;
  `zcwatch notify` then mails an alert with RFC 2369/8058 headers and a working manage link; a mail
  client's one-click POST (no cookie, no CSRF token) unsubscribes; and a later `notify` reaches a second,
  still subscribed address (the control) and not the first.
- axe-core finds no serious or critical problem on /subscribe, a confirmation page and a manage page, and
  none of them scrolls sideways.
- The committee name carrying ``<script>`` and ``onerror`` payloads runs nowhere on the sign-up, confirm and
  manage pages, with the Content-Security-Policy bypassed so that escaping alone is tested.

Screenshots go to test-artifacts/ (ZCWATCH_ARTIFACTS).
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from importlib.resources import files
from typing import Any

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, expect
from support.browser import ARTIFACTS
from support.crawl_fixtures import CrawlEnv, new_env
from support.replica import ReplicaServer
from support.smtp import ReceivedMail, SmtpSink
from support.web_fixtures import BOARD_NOW, PAYLOAD_TITLE, BoardServer, free_port, plant_payloads

pytestmark = pytest.mark.sqlite_only  # what runs in the page and what is mailed do not depend on the engine

WIDTH = 390
# A committee of the replica whose online application opens just after BOARD_NOW (2025-12-08 to 2026-01-09):
# at BOARD_NOW its alert is due (announced: the notice came after the month-ahead moment), a few days before
# the end its closing_soon alert.
COMMITTEE = "广州市基层卫生专业技术人才高级职称评审委员会"
TOKEN = r"\d{1,12}\.\d{1,12}\.[A-Za-z0-9_-]{22}"  # core.signing's tokens
# Nothing here may go through a proxy the environment names: every address is on loopback.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Site:
    env: CrawlEnv
    smtp: SmtpSink
    server: BoardServer
    base: str  # [web] base_url: http://127.0.0.1:PORT, the port the server listens on


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def site(
    replica_server: ReplicaServer,
    tmp_path_factory: pytest.TempPathFactory,
    db_engine: str,
    request: pytest.FixtureRequest,
    smtp: SmtpSink,
) -> Iterator[Site]:
    """board_env's recipe in a database of its own, with ``[web]`` naming the server's port and the sink."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    replica_server.reset()
    plant_payloads(replica_server)
    try:
        env = new_env(tmp_path_factory.mktemp("subscribe"), replica_server, db_engine, request, timeout=3)
        env.extra_toml = f'[web]\nbase_url = "{base}"\nmail_url = "{smtp.sender_url()}"\n'
        ran = env.crawl()
        assert ran.returncode in (0, 1), ran  # partial: the replica links one withdrawn notice (a 404)
        ran = env.zcwatch("notify", "--now", BOARD_NOW)  # no subscribers yet: only materialises estimates
        assert ran.returncode == 0, ran
    finally:
        replica_server.reset()
        replica_server.clear_log()
    with BoardServer(env.write_config(), port=port) as server:
        assert server.url == base + "/"
        yield Site(env, smtp, server, base)


@dataclass
class Tab:
    page: Page
    dialogs: list[str]
    console: list[str]  # every console message and uncaught error


def _tab(browser: Browser, *, bypass_csp: bool = False) -> Tab:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 860}, bypass_csp=bypass_csp, locale="zh-CN"
    )
    page = context.new_page()
    tab = Tab(page, [], [])

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: tab.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: tab.console.append(f"pageerror: {e}"))
    return tab


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


# --- mail -------------------------------------------------------------------------------------------


def _to(mails: list[ReceivedMail], address: str) -> list[ReceivedMail]:
    return [m for m in mails if address in m.rcpt_tos]


def _part(msg: EmailMessage, subtype: str) -> str:
    body = msg.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None and body.get_content_subtype() == subtype else ""


def _text(msg: EmailMessage) -> str:
    """Every text part of a message, decoded."""
    return "\n".join(p.get_content() for p in msg.walk() if p.get_content_maintype() == "text")


# --- the flow's steps -------------------------------------------------------------------------------


def _sign_up(tab: Tab, site: Site, address: str, committee: str) -> str:
    """Sign up on /subscribe for one committee by e-mail (default steps); the link the mail brought."""
    page = tab.page
    response = page.goto(site.base + "/subscribe")
    assert response is not None and response.ok
    page.get_by_label(committee, exact=True).check()
    for label in ("网上申报", "受理"):  # the default steps are ticked already and kept
        expect(page.get_by_label(label, exact=True)).to_be_checked()
    page.get_by_label("电子邮件", exact=True).check()
    page.get_by_label("电子邮箱").fill(address)
    before = len(site.smtp.messages)
    page.get_by_role("button", name="订阅", exact=True).click()
    _heading(page, "请查收确认邮件")
    new = site.smtp.wait_for(before + 1)[before:]
    (mail,) = _to(new, address)
    links = re.findall(rf"{re.escape(site.base)}/confirm/{TOKEN}", _text(mail.message))
    assert links, _text(mail.message)
    return links[0]


def _status(site: Site, address: str) -> str:
    return str(site.env.scalar("SELECT status FROM subscribers WHERE address = ?", address))


def _listed(site: Site, address: str) -> str:
    """The address's entry in `zcwatch subscribers list` (addresses are shown masked: a***@example.com)."""
    ran = site.env.zcwatch("subscribers", "list")
    assert ran.returncode == 0, ran
    local, _, domain = address.partition("@")
    entries = [e for e in re.split(r"\n(?=\S)", ran.stdout) if f"email:{local[0]}***@{domain}" in e]
    assert len(entries) == 1, ran.stdout
    return entries[0]


def _open_confirmation(tab: Tab, link: str) -> None:
    response = tab.page.goto(link)
    assert response is not None and response.status == 200
    _heading(tab.page, "确认订阅")


def _click_confirm(tab: Tab) -> str:
    """Click 确认订阅 on the open confirmation page; the manage link the answer gives."""
    tab.page.get_by_role("button", name="确认订阅").click()
    _heading(tab.page, "订阅已确认")
    href = tab.page.get_by_role("link", name="管理我的订阅").get_attribute("href")
    assert href
    return href


def _notify(site: Site, now: str) -> list[ReceivedMail]:
    """Run `zcwatch notify --now NOW`; the mails it sent (all were accepted before the command ended)."""
    before = len(site.smtp.messages)
    ran = site.env.zcwatch("notify", "--now", now)
    assert ran.returncode == 0, ran
    return site.smtp.messages[before:]


def _closing_soon_moment(site: Site) -> str:
    """10:00 two days before COMMITTEE's online application closes (within closing_soon_days, 3)."""
    last = site.env.scalar(
        'SELECT "end" FROM windows WHERE committee = ? AND kind = ? AND status = ? ORDER BY start DESC',
        COMMITTEE,
        "apply",
        "current",
    )
    end = date.fromisoformat(str(last)[:10])
    assert end > date.fromisoformat(BOARD_NOW[:10]) + timedelta(days=5), last  # this season's window
    return f"{end - timedelta(days=2)}T10:00"


# --- the tests --------------------------------------------------------------------------------------


def test_sign_up_confirm_alert_and_one_click_unsubscribe(browser: Browser, site: Site) -> None:
    alice, bob = "alice@example.com", "bob@example.org"  # bob stays subscribed: the control
    tab = _tab(browser)
    page = tab.page

    link = _sign_up(tab, site, alice, COMMITTEE)
    _shot(page, f"subscribe-sent-{WIDTH}")
    # Opening the link shows what is being confirmed and one button; the GET itself confirms nothing.
    _open_confirmation(tab, link)
    assert COMMITTEE in page.inner_text("main")
    assert "[web, pending]" in _listed(site, alice)
    assert _status(site, alice) == "pending"
    _shot(page, f"confirm-{WIDTH}")
    _click_confirm(tab)
    assert _status(site, alice) == "active"
    (row,) = site.env.query("SELECT committees, kinds FROM subscribers WHERE address = ?", alice)
    assert [json.loads(v) for v in row] == [[COMMITTEE], ["apply", "accept"]]

    _open_confirmation(tab, _sign_up(tab, site, bob, COMMITTEE))
    _click_confirm(tab)

    # The alert: List-Unsubscribe names the one-click address, the footer a working manage link.
    sent = _notify(site, BOARD_NOW)
    alerts = _to(sent, alice)
    assert alerts, [(m.rcpt_tos, m.message["Subject"]) for m in sent]
    assert _to(sent, bob)
    unsubscribe_url = manage_url = ""
    for mail in alerts:
        msg = mail.message
        m = re.fullmatch(rf"<({re.escape(site.base)}/unsubscribe/({TOKEN}))>", str(msg["List-Unsubscribe"]))
        assert m, msg["List-Unsubscribe"]
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        unsubscribe_url, token = m.group(1), m.group(2)
        html = _part(msg, "html")  # e-mail alerts are HTML with a real plain-text part (README)
        anchor = BeautifulSoup(html, "lxml").find("a", string="管理订阅")
        assert anchor is not None, html
        manage_url = str(anchor["href"])
        assert manage_url == f"{site.base}/manage/{token}"
        assert f"管理订阅：{manage_url}" in _part(msg, "plain")
    response = page.goto(manage_url)
    assert response is not None and response.status == 200
    _heading(page, "管理订阅")
    expect(page.locator("main")).to_contain_text("已生效")
    expect(page.get_by_label(COMMITTEE, exact=True)).to_be_checked()
    _shot(page, f"manage-{WIDTH}")
    page.context.close()

    # RFC 8058: the mail client POSTs the body below to the List-Unsubscribe address, with no cookie.
    one_click = urllib.request.Request(
        unsubscribe_url,
        data=b"List-Unsubscribe=One-Click",
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with DIRECT.open(one_click, timeout=10) as answer:
        assert answer.status == 200
    assert _status(site, alice) == "unsubscribed"
    assert _status(site, bob) == "active"

    # Later, when the window is about to close: the control hears of it, the unsubscribed address does not.
    later = _closing_soon_moment(site)
    sent = _notify(site, later)
    subjects = [str(m.message["Subject"]) for m in _to(sent, bob)]
    assert any(t.startswith("【即将截止】") and COMMITTEE in t for t in subjects), (later, subjects)
    assert _to(sent, alice) == [], [m.message["Subject"] for m in _to(sent, alice)]


def test_axe_finds_no_serious_problem_and_nothing_scrolls_sideways(browser: Browser, site: Site) -> None:
    axe = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    tab = _tab(browser, bypass_csp=True)  # axe is injected as a script
    page = tab.page

    problems: dict[str, list[Any]] = {}  # every page is checked before any failure is reported

    def check(name: str) -> None:
        _shot(page, f"{name}-{WIDTH}")
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > WIDTH:
            problems.setdefault(name, []).append(f"scrollWidth {wide} > {WIDTH}")
        page.add_script_tag(content=axe)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        problems.setdefault(name, []).extend(
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        )

    page.goto(site.base + "/subscribe")
    check("subscribe")
    link = _sign_up(tab, site, "carol@example.net", COMMITTEE)
    check("subscribe-sent")
    _open_confirmation(tab, link)
    check("confirm")
    manage = _click_confirm(tab)
    page.goto(manage)
    _heading(page, "管理订阅")
    check("manage")
    page.context.close()
    assert {k: v for k, v in problems.items() if v} == {}


def test_planted_payloads_never_run(browser: Browser, site: Site) -> None:
    tab = _tab(browser, bypass_csp=True)  # escaping alone must stop them; the CSP is the second wall
    page = tab.page

    def nothing_ran(where: str) -> None:
        # page.goto and a form's navigation wait for the load event, by which a broken image's onerror
        # has fired; the planted <img src=x> would also have logged its failed request for /x.
        assert (tab.dialogs, tab.console) == ([], []), where
        assert page.locator("main img, main script").count() == 0, where
        assert PAYLOAD_TITLE in page.inner_text("main"), where  # shown, as text

    page.goto(site.base + "/subscribe")
    nothing_ran("subscribe")
    # Subscribe to that very committee: its name is then on the confirmation and manage pages too.
    link = _sign_up(tab, site, "dave@example.net", PAYLOAD_TITLE)
    _open_confirmation(tab, link)
    nothing_ran("confirm")
    manage = _click_confirm(tab)
    page.goto(manage)
    _heading(page, "管理订阅")
    nothing_ran("manage")
    expect(page.get_by_label(PAYLOAD_TITLE, exact=True)).to_be_checked()
    page.context.close()
