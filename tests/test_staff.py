"""The staff area (issue 16): accounts, the API with its bearer token, corrections that survive re-crawls,
alerts after a correction, the audit log, and the area's security; on SQLite and PostgreSQL.

The database is filled by the real `zcwatch crawl` of the replica (support/staff_fixtures.py); alerts go
out through the real `zcwatch notify` to a local webhook; the pages and the API are the real ASGI app
(Starlette's test client). The browser walk-through is tests/test_staff_browser.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.staff_fixtures import (
    APPLY_END,
    COMMITTEE_KW,
    NOTICE_URL,
    PASSWORD,
    STAFF,
    StaffEnv,
    staff_notice,
)
from support.web_fixtures import BOARD_NOW

NOW = BOARD_NOW  # 2025-12-05 10:00: the 测绘 application window (12-10 .. 12-26) is announced
LATER = "2025-12-06T10:00"


def _app(staff_env: StaffEnv) -> Any:
    from core.config import load_config
    from core.timeutil import parse_now
    from store.db import open_engine
    from web.app import create_app

    config = load_config(staff_env.env.write_config())
    engine = open_engine(config.resolved_database_url)
    moment = parse_now(NOW)
    return create_app(config, engine, clock=lambda: moment), engine


@pytest.fixture(scope="module")
def app(staff_env: StaffEnv) -> Iterator[Any]:
    application, engine = _app(staff_env)
    yield application
    engine.dispose()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    """A new browser for each test: its own cookies."""
    with TestClient(app, follow_redirects=False) as c:
        yield c


def _csrf(page: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{32})"', page)
    assert m, "the form carries a CSRF token"
    return m.group(1)


def _login(client: TestClient, name: str = STAFF, password: str = PASSWORD) -> Any:
    token = _csrf(client.get("/staff/login").text)
    return client.post("/staff/login", data={"csrf": token, "name": name, "password": password})


def _section(page: str, section_id: str) -> str:
    """The HTML of one ``<section id=…>`` of a page."""
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def _queue(page: str) -> str:
    """The review queue proper: needs-review notices and unsure windows (not the list of every window)."""
    return _section(page, "notices") + _section(page, "unsure")


def _auth(staff_env: StaffEnv) -> dict[str, str]:
    return {"authorization": f"Bearer {staff_env.token}"}


def _window(staff_env: StaffEnv, kind: str) -> tuple[Any, ...]:
    rows = staff_env.env.query(
        'SELECT id, start, "end", reviewed_by, confidence FROM windows '
        "WHERE status = 'current' AND kind = ? AND committee LIKE ? ORDER BY id",
        kind,
        f"%{COMMITTEE_KW}%",
    )
    assert len(rows) == 1, rows
    return tuple(rows[0])


def _alerts(staff_env: StaffEnv) -> list[str]:
    return [str(b["title"]) + "\n" + str(b["message"]) for b in staff_env.hook.bodies()]


def _notify(staff_env: StaffEnv, now: str) -> None:
    ran = staff_env.env.zcwatch("notify", "--now", now)
    assert ran.returncode == 0, ran


# --- the CLI ----------------------------------------------------------------------------------------


def test_accounts_are_made_with_the_cli_and_keep_only_hashes(staff_env: StaffEnv) -> None:
    listed = staff_env.cli("staff", "list")
    assert listed.returncode == 0 and listed.stdout.startswith(f"{STAFF}\ttoken\t")
    (row,) = staff_env.env.query("SELECT password_hash, token_hash FROM staff WHERE name = ?", STAFF)
    assert str(row[0]).startswith("$argon2id$") and PASSWORD not in str(row[0])
    secret = staff_env.token.split("_", 2)[2]
    assert secret not in str(row[1]) and len(str(row[1])) == 64
    again = staff_env.cli("staff", "add", STAFF, stdin="another long password\n")
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "exists already" in again.stderr
    short = staff_env.cli("staff", "add", "bob", stdin="short\n")
    assert (
        short.returncode == 2 and "at least 10 characters" in short.stderr and "Traceback" not in short.stderr
    )
    assert staff_env.cli("staff", "token", "nobody").returncode == 2


def test_hold_unsure_keeps_an_unsure_windows_alerts_until_staff_confirm_it(
    client: TestClient, staff_env: StaffEnv
) -> None:
    """`[extract] hold_unsure`: the planner leaves out windows read below review_below until confirmed."""
    from sqlalchemy.orm import Session

    from notifier.inputs import plan_windows
    from store.db import open_engine

    other = _window(staff_env, "other")
    assert other[4] is not None and other[4] < 0.5
    engine = open_engine(staff_env.env.url)
    try:

        def planned(hold: float | None) -> set[int]:
            with Session(engine) as s:
                return {w.id for w in plan_windows(s, hold)}

        assert other[0] in planned(None) and other[0] not in planned(0.5)
        # The review queue lists it (under its notice, which it puts on the queue) until it is confirmed.
        _login(client)
        link = f'href="/staff/windows/{other[0]}"'
        assert link in _queue(client.get("/staff").text)
        r = client.post(
            f"/api/windows/{other[0]}/confirm", json={"note": "核对原文"}, headers=_auth(staff_env)
        )
        assert r.status_code == 200 and r.json()["reviewed_by"] == STAFF
        assert other[0] in planned(0.5)
        assert link not in _queue(client.get("/staff").text)
    finally:
        engine.dispose()


# --- the API ----------------------------------------------------------------------------------------


def test_the_api_refuses_requests_without_a_valid_token(client: TestClient, staff_env: StaffEnv) -> None:
    wid = _window(staff_env, "apply")[0]
    before = _window(staff_env, "apply")
    for headers in ({}, {"authorization": "Bearer zcw_1_" + "x" * 43}, {"authorization": "Basic YTpi"}):
        r = client.patch(f"/api/windows/{wid}", json={"end": "2026-01-09"}, headers=headers)
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer"), r.text
        assert "error" in r.json()
    assert client.delete(f"/api/windows/{wid}").status_code == 401
    assert client.post(f"/api/windows/{wid}/confirm").status_code == 401
    assert client.post("/api/windows", json={}).status_code == 401
    # A signed-in browser's cookie is not a token either: the API takes no cookies, so no page elsewhere
    # can act through it.
    _login(client)
    assert client.patch(f"/api/windows/{wid}", json={"end": "2026-01-09"}).status_code == 401
    assert _window(staff_env, "apply") == before


def test_bad_corrections_are_refused_with_one_line_and_change_nothing(
    client: TestClient, staff_env: StaffEnv
) -> None:
    wid = _window(staff_env, "apply")[0]
    before = _window(staff_env, "apply")
    for body, status in (
        ({"end": "2025-12-01"}, 422),  # before the start
        ({"end": "2025-13-40"}, 422),
        ({"kind": "lunch"}, 422),
        ({"committee": ""}, 422),
        ({"id": 5}, 422),
    ):
        r = client.patch(f"/api/windows/{wid}", json=body, headers=_auth(staff_env))
        assert r.status_code == status and "\n" not in r.json()["error"], (body, r.text)
    r = client.patch(f"/api/windows/{wid}", content=b"{not json", headers=_auth(staff_env))
    assert r.status_code == 400
    assert (
        client.patch("/api/windows/999999", json={"end": "2026-01-09"}, headers=_auth(staff_env)).status_code
        == 404
    )
    assert _window(staff_env, "apply") == before


def test_a_correction_through_the_api_stands_after_a_full_crawl_and_sends_one_changed_alert(
    client: TestClient, staff_env: StaffEnv
) -> None:
    _notify(staff_env, NOW)
    told = _alerts(staff_env)
    assert any("2025-12-26" in a or "12月26日" in a for a in told), told
    wid = _window(staff_env, "apply")[0]

    r = client.patch(
        f"/api/windows/{wid}",
        json={"end": "2026-01-09T17:00", "note": "评委会电话确认延长"},
        headers=_auth(staff_env),
    )
    assert r.status_code == 200, r.text
    new = r.json()
    assert new["end"] == "2026-01-09T17:00" and new["reviewed_by"] == STAFF and new["replaces"] == wid
    # The old version stays (superseded), like any change of dates.
    assert staff_env.env.scalar("SELECT status FROM windows WHERE id = ?", wid) == "superseded"
    # A stale id is refused: the client learns there is a newer version.
    stale = client.patch(f"/api/windows/{wid}", json={"end": "2026-01-10"}, headers=_auth(staff_env))
    assert stale.status_code == 409 and str(new["id"]) in stale.json()["error"]

    ran = staff_env.env.crawl("--full")
    assert ran.returncode in (0, 1), ran
    assert _window(staff_env, "apply")[:4] == (new["id"], "2025-12-10", "2026-01-09T17:00", STAFF)

    sent = len(staff_env.hook.requests)
    _notify(staff_env, LATER)
    # (The other window of the notice has its own month-ahead alert at this moment.)
    changed = [a for a in _alerts(staff_env)[sent:] if "网上申报" in a.splitlines()[0]]
    assert len(changed) == 1, [c.splitlines()[0] for c in changed]
    assert "时间变更" in changed[0] and ("2026-01-09" in changed[0] or "1月9日" in changed[0])
    assert "人工核对" in changed[0]
    sent = len(staff_env.hook.requests)
    _notify(staff_env, LATER)
    assert len(staff_env.hook.requests) == sent  # sent once

    # The board marks it, and the JSON says so.
    listed = [w for w in client.get("/api/windows").json() if w["id"] == new["id"]]
    assert listed and listed[0]["reviewed"] is True
    assert "人工核对" in client.get("/").text


def test_an_edit_of_the_notice_keeps_the_correction_and_queues_the_notice_again(
    client: TestClient, staff_env: StaffEnv
) -> None:
    apply = _window(staff_env, "apply")
    if apply[3] is None:  # run alone: make the correction first
        r = client.patch(
            f"/api/windows/{apply[0]}", json={"end": "2026-01-09T17:00"}, headers=_auth(staff_env)
        )
        assert r.status_code == 200
        apply = _window(staff_env, "apply")
    # The page is edited: a new sentence, and the deadline it gives is now another one.
    staff_env.env.replica.edit(
        NOTICE_URL, staff_notice("三、联系电话：020-12345678。", apply_end="2025年12月31日")
    )
    ran = staff_env.env.crawl("--full")  # the listing is unchanged: a full crawl re-reads the notice
    assert ran.returncode in (0, 1), ran
    assert _window(staff_env, "apply") == apply  # the staff's dates stand
    reason = staff_env.env.scalar("SELECT review_reason FROM notices WHERE url = ?", NOTICE_URL)
    assert reason and "人工核对后原文日期有变" in reason
    _login(client)
    assert "人工核对后原文日期有变" in client.get("/staff").text


def test_a_window_added_by_hand_is_alerted_like_an_extracted_one(
    client: TestClient, staff_env: StaffEnv
) -> None:
    r = client.post(
        "/api/windows",
        json={
            "committee": "广州市测绘专业技术人才职称评审委员会",
            "kind": "review",
            "start": "2025-12-15",
            "end": "2025-12-19",
            "note": "评委会办公室电话通知",
        },
        headers=_auth(staff_env),
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["window_key"].startswith("manual:") and made["reviewed_by"] == STAFF
    sent = len(staff_env.hook.requests)
    _notify(staff_env, LATER)
    new = _alerts(staff_env)[sent:]
    assert any("12月15日" in a or "2025-12-15" in a for a in new), new
    ran = staff_env.env.crawl("--full")
    assert ran.returncode in (0, 1)
    assert staff_env.env.scalar("SELECT status FROM windows WHERE id = ?", made["id"]) == "current"


def test_a_dismissed_window_is_shown_and_told_to_nobody_even_after_a_crawl(
    client: TestClient, staff_env: StaffEnv
) -> None:
    other = _window(staff_env, "other")
    assert other[4] is not None and other[4] < 0.5  # the extractor was unsure of it
    r = client.delete(f"/api/windows/{other[0]}", headers=_auth(staff_env))
    assert r.status_code == 200 and r.json()["status"] == "superseded"
    staff_env.env.replica.edit(NOTICE_URL, staff_notice("四、咨询时间：工作日。"))
    assert staff_env.env.crawl("--full").returncode in (0, 1)
    assert not staff_env.env.query(
        "SELECT id FROM windows WHERE status = 'current' AND kind = 'other' AND committee LIKE ?",
        f"%{COMMITTEE_KW}%",
    )
    assert all(w["id"] != other[0] for w in client.get("/api/windows").json())


def test_the_audit_log_shows_who_changed_what(client: TestClient, staff_env: StaffEnv) -> None:
    rows = staff_env.env.query("SELECT staff, via, action, target, before, after FROM audit_log ORDER BY id")
    actions = [r[2] for r in rows]
    assert "staff_add" in actions and "staff_token" in actions
    corrected = [r for r in rows if r[2] == "correct"]
    assert corrected and corrected[0][0] == STAFF and corrected[0][1] == "api"
    assert APPLY_END in str(corrected[0][4]) and "2026-01-09T17:00" in str(corrected[0][5])
    _login(client)
    page = client.get("/staff/audit").text
    assert "correct" in page and APPLY_END in page and "2026-01-09T17:00" in page and STAFF in page


# --- the pages and their security -------------------------------------------------------------------


def test_pages_need_a_session_and_a_login_sets_a_strict_httponly_cookie(client: TestClient) -> None:
    for path in ("/staff", "/staff/subscribers", "/staff/deliveries", "/staff/runs", "/staff/audit"):
        r = client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/staff/login?next="), path
    r = _login(client)
    assert r.status_code == 303 and r.headers["location"] == "/staff"
    cookie = r.headers["set-cookie"]
    assert (
        "zc_staff=" in cookie
        and "HttpOnly" in cookie
        and "SameSite=strict" in cookie.replace("Strict", "strict")
    )
    assert "Path=/staff" in cookie
    page = client.get("/staff")
    assert page.status_code == 200 and "审核队列" in page.text and page.headers["cache-control"] == "no-store"
    for path in (
        "/staff/subscribers",
        "/staff/deliveries",
        "/staff/runs",
        "/staff/audit",
        "/staff/windows/new",
    ):
        assert client.get(path).status_code == 200, path


def test_a_wrong_password_is_refused_and_logins_are_rate_limited(app: Any) -> None:
    with TestClient(app, follow_redirects=False, client=("198.51.100.7", 50000)) as c:
        assert _login(c, password="wrong password!").status_code == 401
        codes = [_login(c, name=f"guess{i}", password="wrong password!").status_code for i in range(12)]
        assert codes[:9] == [401] * 9 and codes[-1] == 429, codes
        # Even the right password waits out the limit: a guesser cannot tell.
        assert _login(c).status_code == 429


def test_a_staff_form_without_its_csrf_token_is_refused(client: TestClient, staff_env: StaffEnv) -> None:
    _login(client)
    wid = _window(staff_env, "apply")[0]
    r = client.post(f"/staff/windows/{wid}", data={"action": "dismiss"})
    assert r.status_code == 403 and "表单已失效" in r.text
    r = client.post("/staff/login", data={"name": STAFF, "password": PASSWORD})
    assert r.status_code == 403
    assert staff_env.env.scalar("SELECT status FROM windows WHERE id = ?", wid) == "current"


def test_a_session_cookie_is_refused_after_logout_and_on_another_host(app: Any) -> None:
    with TestClient(app, follow_redirects=False) as c:
        _login(c)
        cookie = c.cookies.get("zc_staff")
        assert cookie and c.get("/staff").status_code == 200
        with TestClient(app, base_url="http://other.example", follow_redirects=False) as elsewhere:
            elsewhere.cookies.set("zc_staff", cookie)
            assert elsewhere.get("/staff").status_code == 303
        token = _csrf(c.get("/staff").text)
        assert c.post("/staff/logout", data={"csrf": token}).status_code == 303
        with TestClient(app, follow_redirects=False) as replay:
            replay.cookies.set("zc_staff", cookie)
            assert replay.get("/staff").status_code == 303


def test_a_window_is_confirmed_then_corrected_through_the_forms(
    client: TestClient, staff_env: StaffEnv
) -> None:
    _login(client)
    r = client.post(
        "/api/windows",
        json={"committee": "广州市测绘专业技术人才职称评审委员会", "kind": "fee", "start": "2025-12-20"},
        headers=_auth(staff_env),
    )
    assert r.status_code == 201
    page = client.get("/staff").text
    assert "审核队列" in page and "测绘" in page
    # Confirm the hand-made window through the form, then correct its step.
    wid = r.json()["id"]
    token = _csrf(client.get(f"/staff/windows/{wid}").text)
    done = client.post(f"/staff/windows/{wid}", data={"csrf": token, "action": "confirm"})
    assert done.status_code == 303 and done.headers["location"].endswith(f"/staff/windows/{wid}?done=confirm")
    fixed = client.post(
        f"/staff/windows/{wid}",
        data={
            "csrf": token,
            "action": "correct",
            "kind": "paper",
            "committee": "广州市测绘专业技术人才职称评审委员会",
            "start_date": "2025-12-20",
            "start_time": "",
            "end_date": "2025-12-22",
            "end_time": "17:00",
        },
    )
    assert fixed.status_code == 303, fixed.text
    new_id = int(fixed.headers["location"].split("/staff/windows/")[1].split("?")[0])
    assert tuple(staff_env.env.query('SELECT kind, start, "end" FROM windows WHERE id = ?', new_id)[0]) == (
        "paper",
        "2025-12-20",
        "2025-12-22T17:00",
    )
    assert "已更正" in client.get(fixed.headers["location"]).text


def test_scraped_text_is_escaped_on_the_staff_pages(client: TestClient, staff_env: StaffEnv) -> None:
    r = client.post(
        "/api/windows",
        json={"committee": "<script>alert(1)</script>测绘", "kind": "other", "start": "2025-12-21"},
        headers=_auth(staff_env),
    )
    assert r.status_code == 201
    _login(client)
    page = client.get("/staff", params={"q": "测绘"}).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_a_failed_alert_is_listed_and_retried_at_once(client: TestClient, staff_env: StaffEnv) -> None:
    r = client.post(
        "/api/windows",
        json={"committee": "广州市测绘专业技术人才职称评审委员会", "kind": "apply", "start": "2025-12-08"},
        headers=_auth(staff_env),
    )
    assert r.status_code == 201
    wid = r.json()["id"]
    staff_env.hook.fail_always()
    try:
        failed = staff_env.env.zcwatch("notify", "--now", LATER)
    finally:
        staff_env.hook.ok()
    assert failed.returncode == 1, failed
    (did, status) = staff_env.env.query("SELECT id, status FROM deliveries WHERE window_id = ?", wid)[0]
    assert status == "failed"
    _notify(staff_env, LATER)  # backing off: not due yet at the same moment
    assert staff_env.env.scalar("SELECT status FROM deliveries WHERE id = ?", did) == "failed"

    _login(client)
    page = client.get("/staff/deliveries").text
    assert "立即重试" in page and f"/staff/deliveries/{did}/retry" in page
    done = client.post(f"/staff/deliveries/{did}/retry", data={"csrf": _csrf(page)})
    assert done.status_code == 303
    _notify(staff_env, LATER)
    assert staff_env.env.scalar("SELECT status FROM deliveries WHERE id = ?", did) == "sent"
    assert "delivery_retry" in {r[0] for r in staff_env.env.query("SELECT action FROM audit_log")}
