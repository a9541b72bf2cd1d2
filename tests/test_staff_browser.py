"""The staff area (issue 16) in a real browser: Debian's Chromium driven by Playwright, against the app
under uvicorn (``BoardServer``, the clock fixed at BOARD_NOW); on SQLite and PostgreSQL.

The database is the one of tests/test_staff.py's fixture (support/staff_fixtures.py): the 测绘 committee's
notice crawled from the replica with the real `zcwatch crawl`, a subscriber whose alerts go to a local
webhook through the real `zcwatch notify`, and the account alice made with the real `zcwatch staff` CLI.

- The issue's flow: /staff sends a stranger to the sign-in form; alice signs in, finds the 测绘 application
  window in the review queue's search and opens it; the subscriber has already been told its end (12-26);
  she corrects the end to 2026-01-09 17:00 through the form; a full re-crawl of the unchanged notice leaves
  the correction standing; the public board marks the window 人工核对; the next `notify` sends exactly one
  时间变更 alert for it, and only once; 操作记录 shows who changed what from what to what; 退出 ends the
  session, so /staff is the sign-in form again.
- At a phone's 390 px the queue, a window's page and the audit log do not scroll sideways.

Screenshots go to test-artifacts/ (ZCWATCH_ARTIFACTS).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect
from support.browser import ARTIFACTS
from support.staff_fixtures import APPLY_END, COMMITTEE_KW, PASSWORD, STAFF, StaffEnv
from support.web_fixtures import BOARD_NOW, BoardServer

LATER = "2025-12-06T10:00"
NEW_END_DATE, NEW_END_TIME = "2026-01-09", "17:00"
NEW_END = f"{NEW_END_DATE}T{NEW_END_TIME}"
APPLY = "网上申报"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 860}


@pytest.fixture(scope="module")
def server(staff_env: StaffEnv) -> Iterator[BoardServer]:
    with BoardServer(staff_env.env.write_config(), now=BOARD_NOW) as s:
        yield s


def _page(browser: Browser, viewport: ViewportSize = DESKTOP) -> Page:
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    return context.new_page()


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _login(page: Page, base: str) -> None:
    """/staff sends a stranger to the sign-in form; signing in lands on the review queue."""
    page.goto(base + "staff")
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    _heading(page, "工作人员登录")
    page.locator("input[name=name]").fill(STAFF)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "staff")
    _heading(page, "审核队列")


def _search(page: Page) -> Locator:
    """The 测绘 application window's row among 全部当前窗口, found with the section's search."""
    section = page.locator("section#all")
    section.get_by_label("委员会").fill(COMMITTEE_KW)
    section.get_by_role("button", name="查找").click()
    page.wait_for_url(re.compile(r"/staff\?q="))
    rows = page.locator("section#all tbody tr").filter(has_text=COMMITTEE_KW).filter(has_text=APPLY)
    expect(rows).to_have_count(1)
    return rows


def _alerts(staff_env: StaffEnv, since: int = 0) -> list[str]:
    return [str(b["title"]) + "\n" + str(b["message"]) for b in staff_env.hook.bodies()[since:]]


def _notify(staff_env: StaffEnv, now: str) -> None:
    ran = staff_env.env.zcwatch("notify", "--now", now)
    assert ran.returncode == 0, ran


def _board_row(page: Page) -> Locator:
    return (
        page.locator("#open_now tbody tr, #opening_soon tbody tr")
        .filter(has_text=COMMITTEE_KW)
        .filter(has_text=APPLY)
    )


def test_staff_correct_a_window_in_the_browser(
    browser: Browser, server: BoardServer, staff_env: StaffEnv
) -> None:
    base = server.url
    page = _page(browser)
    # The public board, in a browser context of its own (a background tab of this one is throttled).
    board = _page(browser)
    board.goto(base)
    row = _board_row(board)
    expect(row).to_have_count(1)
    expect(row).not_to_contain_text("人工核对")

    # 1-2. Sign in; the queue's search finds the window; 核对 opens it.
    _login(page, base)
    found = _search(page)
    expect(found).to_contain_text(APPLY_END)
    found.get_by_role("link", name="核对").click()
    page.wait_for_url(re.compile(r"/staff/windows/\d+$"))
    _heading(page, "核对窗口")
    old_id = int(page.url.rsplit("/", 1)[1])
    end_date = page.locator("input[name=end_date]")
    expect(end_date).to_have_attribute("type", "date")
    expect(end_date).to_have_value(APPLY_END)

    # 3. The subscriber is told the old end before the correction.
    _notify(staff_env, BOARD_NOW)
    told = [a for a in _alerts(staff_env) if APPLY in a]
    assert told, _alerts(staff_env)
    assert any(APPLY_END in a or "12月26日" in a for a in told), told

    # 4. The correction, through the form.
    end_date.fill(NEW_END_DATE)
    page.locator("input[name=end_time]").fill(NEW_END_TIME)
    page.get_by_role("button", name="保存更正").click()
    page.wait_for_url(re.compile(r"/staff/windows/\d+\?done=correct$"))
    expect(page.get_by_role("status")).to_have_text("已更正。")
    main = page.locator("main")
    expect(main).to_contain_text("人工核对")
    expect(main).to_contain_text(f"{NEW_END_DATE}(五) {NEW_END_TIME}")
    new_id = int(page.url.split("/staff/windows/")[1].split("?")[0])
    assert new_id != old_id  # a change of dates is a new version; the old one is superseded
    _shot(page, "staff-corrected")

    # 5. A full re-crawl of the unchanged notice: the correction stands.
    ran = staff_env.env.crawl("--full")
    assert ran.returncode in (0, 1), ran
    page.goto(base + "staff")
    found = _search(page)
    expect(found).to_contain_text(f"{NEW_END_DATE}(五) {NEW_END_TIME}")
    expect(found).to_contain_text("人工核对")
    expect(found).not_to_contain_text(APPLY_END)
    assert found.get_by_role("link", name="核对").get_attribute("href") == f"/staff/windows/{new_id}"

    # 6. The public board marks it.
    board.reload()
    row = _board_row(board)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("人工核对")
    expect(row).to_contain_text(NEW_END_DATE)
    _shot(board, "staff-board-reviewed")

    # 7. One 时间变更 alert for the window, once.
    sent = len(staff_env.hook.requests)
    _notify(staff_env, LATER)
    # (The notice's other window may have its own alert at this moment.)
    changed = [a for a in _alerts(staff_env, sent) if APPLY in a.splitlines()[0]]
    assert len(changed) == 1, [a.splitlines()[0] for a in _alerts(staff_env, sent)]
    assert "时间变更" in changed[0].splitlines()[0], changed[0]
    assert NEW_END_DATE in changed[0] or "1月9日" in changed[0], changed[0]
    sent = len(staff_env.hook.requests)
    _notify(staff_env, LATER)
    assert len(staff_env.hook.requests) == sent, _alerts(staff_env, sent)

    # 8. 操作记录: who, what, from what, to what.
    page.get_by_role("navigation", name="工作人员").get_by_role("link", name="操作记录").click()
    page.wait_for_url(base + "staff/audit")
    _heading(page, "操作记录")
    corrected = page.locator("tbody tr").filter(has=page.locator("td[data-label=操作]", has_text="correct"))
    expect(corrected).to_have_count(1)
    expect(corrected.locator("td[data-label=人员]")).to_have_text(STAFF)
    expect(corrected.locator("td[data-label=途径]")).to_have_text("web")
    expect(corrected.locator("td[data-label=之前]")).to_contain_text(APPLY_END)
    expect(corrected.locator("td[data-label=之后]")).to_contain_text(NEW_END)
    _shot(page, "staff-audit")

    # 9. 退出 ends the session: /staff is the sign-in form again.
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/staff/login$"))
    _heading(page, "工作人员登录")
    page.goto(base + "staff")
    page.wait_for_url(re.compile(r"/staff/login\?next="))
    _heading(page, "工作人员登录")
    page.context.close()
    board.context.close()


def test_staff_pages_fit_a_phone(browser: Browser, server: BoardServer) -> None:
    page = _page(browser, PHONE)
    _login(page, server.url)
    _search(page)
    fits = "document.documentElement.scrollWidth <= window.innerWidth + 1"
    assert page.evaluate("window.innerWidth") == PHONE["width"]
    assert page.evaluate(fits), page.evaluate("document.documentElement.scrollWidth")
    _shot(page, "staff-queue-390")
    for link in (
        page.locator("section#all tbody tr").first.get_by_role("link", name="核对"),
        page.get_by_role("navigation", name="工作人员").get_by_role("link", name="操作记录"),
    ):
        link.click()
        page.wait_for_load_state()
        assert page.evaluate(fits), (page.url, page.evaluate("document.documentElement.scrollWidth"))
    page.context.close()
