"""The web board in a real browser: Debian's Chromium driven by Playwright, against the app under uvicorn.

The database is filled by crawling the replica with planted script payloads (support/web_fixtures.py).
At a phone's 390 px and a desktop's 1280 px: the page never scrolls sideways, the timeline is on screen,
the committee filter narrows the rows, the webcal:// link is there, no payload runs, and axe-core finds
no serious or critical accessibility problem. Screenshots go to test-artifacts/ (ZCWATCH_ARTIFACTS).

The payload and axe checks run with the page's Content-Security-Policy bypassed: escaping alone must stop
the payloads (the CSP is the second wall, checked on its own), and axe is injected as a script.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from support.browser import ARTIFACTS
from support.crawl_fixtures import CrawlEnv
from support.web_fixtures import PAYLOAD_TITLE, BoardServer

pytestmark = pytest.mark.sqlite_only  # what runs in the page does not depend on the engine

WIDTHS = (390, 1280)


@pytest.fixture(scope="module")
def board(board_env: CrawlEnv) -> Iterator[BoardServer]:
    with BoardServer(board_env.write_config()) as server:
        yield server


def _page(browser: Browser, width: int, *, bypass_csp: bool = False) -> tuple[Page, list[str]]:
    context = browser.new_context(
        viewport={"width": width, "height": 860}, bypass_csp=bypass_csp, locale="zh-CN"
    )
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page, dialogs


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _rows(page: Page) -> int:
    return int(page.locator("#open_now tbody tr, #opening_soon tbody tr").count())


@pytest.mark.parametrize("width", WIDTHS)
def test_the_board_fits_the_screen_and_shows_the_timeline(
    browser: Browser, board: BoardServer, width: int
) -> None:
    page, _ = _page(browser, width)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    response = page.goto(board.url)
    assert response is not None and response.ok
    # The page itself never scrolls sideways; the timeline scrolls inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    box = page.locator(".timeline-box")
    assert box.is_visible()
    svg = page.locator(".timeline-box svg.timeline")
    assert svg.is_visible() and svg.locator("rect.bar").count() > 0
    size = box.bounding_box()
    assert size is not None and size["width"] <= width and size["height"] > 100
    webcal = page.locator('a[href^="webcal://"]')
    assert webcal.count() == 1 and webcal.get_attribute("href", timeout=1000).endswith("/calendar.ics")  # type: ignore[union-attr]
    assert errors == [], errors  # nothing was refused by the CSP, no missing resource
    _shot(page, f"board-{width}")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_committee_filter_narrows_the_rows(browser: Browser, board: BoardServer, width: int) -> None:
    page, _ = _page(browser, width)
    page.goto(board.url)
    before = _rows(page)
    page.get_by_label("评委会关键词").fill("卫生")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/?committee=*")
    after = _rows(page)
    assert 0 < after < before
    names = page.locator("#open_now tbody tr td.name, #opening_soon tbody tr td.name").all_inner_texts()
    assert names and all("卫生" in n for n in names)
    assert "committee=%E5%8D%AB%E7%94%9F" in page.url
    # The filter is kept in the subscription links.
    assert "committee=" in (page.locator('a[href^="webcal://"]').get_attribute("href") or "")
    _shot(page, f"board-filtered-{width}")
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_planted_payloads_never_run(browser: Browser, board: BoardServer, width: int) -> None:
    page, dialogs = _page(browser, width, bypass_csp=True)
    page.goto(board.url)
    cid_link = page.locator('a[href^="/committees/"]').first
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("img").count() == 0
    assert PAYLOAD_TITLE in page.inner_text("body")  # shown as text
    cid_link.click()
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    assert dialogs == []
    page.context.close()


def test_the_csp_forbids_inline_script(browser: Browser, board: BoardServer) -> None:
    page, dialogs = _page(browser, 1280)
    page.goto(board.url)
    # An inline script slipped into the page is refused by the policy, not run.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'alert(1)';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert dialogs == []
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_axe_finds_no_serious_accessibility_problem(browser: Browser, board: BoardServer, width: int) -> None:
    axe = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
    page, _ = _page(browser, width, bypass_csp=True)
    for path in ("", "?committee=卫生&kind=apply"):
        page.goto(board.url + path)
        page.add_script_tag(content=axe)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious
    page.goto(board.url)
    href = page.locator('a[href^="/committees/"]').first.get_attribute("href")
    page.goto(board.url.rstrip("/") + (href or ""))
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")] == []
    _shot(page, f"committee-{width}")
    page.context.close()


def test_the_board_prints(browser: Browser, board: BoardServer) -> None:
    page, _ = _page(browser, 1280)
    page.goto(board.url)
    page.emulate_media(media="print")
    assert not page.locator(".filters").is_visible()
    assert page.locator("svg.timeline").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.context.close()
