"""The staff area (issue 16): sign in, the review queue, corrections, and the API's window actions.

Routes (README "Staff review"):

    GET  /staff/login                     the sign-in form          POST /staff/login   sign in
    POST /staff/logout                    sign out (the session ends on the server too)
    GET  /staff                           the review queue, and every current window (?q= committee)
    GET  /staff/windows/{id}              one window: confirm, correct (dates, step, committee), dismiss
    POST /staff/windows/{id}              the same, one action per click
    GET  /staff/windows/new               add a window by hand (?notice=ID ties it to a notice)
    POST /staff/windows/new
    POST /staff/notices/{id}/reviewed     a needs-review notice looked at: off the queue until it changes
    GET  /staff/subscribers               counts per committee, search (?q=)
    POST /staff/subscribers/{id}/remove
    GET  /staff/deliveries                failed and dead alerts    POST /staff/deliveries/{id}/retry
    GET  /staff/runs                      crawl runs and health incidents
    GET  /staff/audit                     the audit log

    PATCH  /api/windows/{id}              {"start","end","kind","committee","note"}, any subset: correct
    POST   /api/windows/{id}/confirm      {"note"} optional
    DELETE /api/windows/{id}              dismiss
    POST   /api/windows                   {"start","end","kind","committee","note","notice_id"}: add

The pages need a session (``store.staff``: a signed ``HttpOnly``, ``SameSite=Strict`` cookie scoped to
/staff, bound to the host); without one they redirect to the sign-in form. Every form carries the CSRF
token of ``web.guard`` (403 without it). Failed sign-ins are rate-limited per client address and per
account name (429); a successful one is not counted. The API takes ``Authorization: Bearer <token>``
(``zcwatch staff token NAME``) and no cookie, so a page on another site cannot act through it; without a
valid token it answers 401.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from core.errors import ReviewError
from core.vocabulary import KIND_LABELS, DeliveryStatus, StaffAction, SubscriberOrigin
from store import review
from store import staff as accounts
from store.db import transaction
from store.models import Delivery, StaffMember, SubscriberRow, Window, utcnow

from . import staff_data
from .guard import CSRF_COOKIE, CSRF_FIELD, RateLimit, csrf_cookie_of, csrf_ok, csrf_token

if TYPE_CHECKING:
    from .app import Site

log = logging.getLogger(__name__)

SESSION_COOKIE = "zc_staff"
LOGINS_PER_IP_PER_MINUTE = 10
LOGINS_PER_NAME_PER_15_MINUTES = 10
BAD_TOKENS_PER_IP_PER_MINUTE = 20
BODY_MAX = 65536
NO_STORE = {"cache-control": "no-store", "x-robots-tag": "noindex, nofollow"}


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def _when(form: dict[str, list[str]], prefix: str) -> str | None:
    """A date field and an optional time field (``start_date`` + ``start_time``) as one value."""
    day, hm = _one(form, f"{prefix}_date"), _one(form, f"{prefix}_time")
    if not day:
        if hm:
            raise ReviewError(f"{prefix}: a time without a date")
        return None
    return f"{day}T{hm}" if hm else day


def _fields(form: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "start": _when(form, "start"),
        "end": _when(form, "end"),
        "kind": _one(form, "kind"),
        "committee": _one(form, "committee"),
    }


def window_json(w: Window) -> dict[str, Any]:
    return {
        "id": w.id,
        "window_key": w.key,
        "version": w.version,
        "status": w.status,
        "committee": w.committee,
        "kind": w.kind,
        "start": w.start,
        "end": w.end,
        "notice_id": w.notice_id,
        "reviewed_by": w.reviewed_by,
    }


class StaffArea:
    """The staff routes over one ``web.app.Site``."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.config
        self.logins_per_ip = RateLimit(LOGINS_PER_IP_PER_MINUTE, 60)
        self.logins_per_name = RateLimit(LOGINS_PER_NAME_PER_15_MINUTES, 900)
        self.bad_tokens = RateLimit(BAD_TOKENS_PER_IP_PER_MINUTE, 60)

    # --- plumbing ---------------------------------------------------------------------------------

    def _secure(self, request: Request) -> bool:
        return request.url.scheme == "https" or self.config.web.base_url.startswith("https:")

    @staticmethod
    def _host(request: Request) -> str:
        return request.headers.get("host", "").lower()[:200]

    @staticmethod
    def _client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def _href(self, request: Request, path: str) -> str:
        return self.site.root(request) + path

    def _page(
        self, request: Request, name: str, who: StaffMember | None, status: int = 200, **ctx: Any
    ) -> Response:
        cookie, fresh = csrf_cookie_of(request.cookies)
        html = self.site.page(
            name,
            request,
            csrf_field=CSRF_FIELD,
            csrf=csrf_token(self.site.secret, cookie),
            who=who.name if who else "",
            kind_labels=KIND_LABELS,
            **ctx,
        )
        response = HTMLResponse(html, status, headers=NO_STORE)
        if fresh:
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=self._secure(request), path="/"
            )
        return response

    def _message(
        self, request: Request, who: StaffMember | None, status: int, heading: str, text: str
    ) -> Response:
        return self._page(request, "staff_message.html", who, status, heading=heading, message=text)

    def _member(self, request: Request) -> StaffMember | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        host = self._host(request)

        def work(s: Session) -> StaffMember | None:
            member = accounts.session_staff(s, cookie, host, self.site.secret)
            if member is not None:
                s.expunge(member)
            return member

        member: StaffMember | None = self.site.read(work)
        return member

    def _to_login(self, request: Request) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            self._href(request, "staff/login") + "?next=" + quote(target, safe=""), 303, headers=NO_STORE
        )

    async def _form(self, request: Request) -> dict[str, list[str]]:
        body = (await request.body())[:BODY_MAX]
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def _csrf_ok(self, request: Request, form: dict[str, list[str]]) -> bool:
        return csrf_ok(self.site.secret, request.cookies.get(CSRF_COOKIE), _one(form, CSRF_FIELD))

    def _forbidden(self, request: Request, who: StaffMember | None) -> Response:
        return self._message(
            request, who, 403, "表单已失效", "请刷新页面后重新提交（表单缺少有效的安全令牌）。"
        )

    async def _posted(
        self, request: Request, act: Callable[[StaffMember, dict[str, list[str]]], Response]
    ) -> Response:
        """A staff form's POST: signed in (else to the sign-in form), its CSRF token (else 403), then ``act``
        in the thread pool, with a ``ReviewError`` shown as the page it is."""
        member = await run_in_threadpool(self._member, request)
        if member is None:
            return self._to_login(request)
        form = await self._form(request)
        if not self._csrf_ok(request, form):
            return self._forbidden(request, member)

        def work() -> Response:
            try:
                return act(member, form)
            except ReviewError as e:
                return self._message(request, member, e.status, "未能完成", str(e))

        return await run_in_threadpool(work)

    def _shown(self, request: Request, render: Callable[[StaffMember], Response]) -> Response:
        member = self._member(request)
        if member is None:
            return self._to_login(request)
        return render(member)

    # --- signing in and out ------------------------------------------------------------------------

    def login_page(self, request: Request) -> Response:
        return self._page(request, "staff_login.html", None, next=self._next(request), problem="")

    def _next(self, request: Request, form: dict[str, list[str]] | None = None) -> str:
        raw = _one(form, "next") if form is not None else request.query_params.get("next", "")
        root = self.site.root(request)
        # Only a path of this site's staff area: never an address elsewhere (an open redirect).
        if raw.startswith(root + "staff") and "//" not in raw and "\\" not in raw:
            return raw[:500]
        return root + "staff"

    async def login(self, request: Request) -> Response:
        form = await self._form(request)
        if not self._csrf_ok(request, form):
            return self._forbidden(request, None)
        name, password = _one(form, "name")[:100], (form.get("password") or [""])[0]
        client, key = self._client(request), name.lower()
        if not self.logins_per_ip.hit(client):
            return self._message(request, None, 429, "尝试次数过多", "登录尝试过于频繁，请稍后再试。")
        if not self.logins_per_name.hit(key):
            self.logins_per_ip.forgive(client)
            return self._message(request, None, 429, "尝试次数过多", "登录尝试过于频繁，请稍后再试。")
        host = self._host(request)

        def work() -> tuple[str | None, str]:
            with transaction(self.site.engine) as s:
                member = accounts.verify_login(s, name, password)
                if member is None:
                    # A name that is no account is not written down: people type passwords into it.
                    who = name if accounts.find(s, name) is not None else "(unknown)"
                    accounts.audit(s, who, "web", StaffAction.LOGIN_FAILED, f"from {self._client(request)}")
                    return None, ""
                accounts.audit(s, member.name, "web", StaffAction.LOGIN, f"from {self._client(request)}")
                return accounts.open_session(s, member, host, self.site.secret), member.name

        cookie, _ = await run_in_threadpool(work)
        if cookie is None:
            return self._page(
                request,
                "staff_login.html",
                None,
                401,
                next=self._next(request, form),
                problem="用户名或密码不对。",
            )
        # Only failed sign-ins count against the limits: an office signing in all day is not a guesser.
        self.logins_per_ip.forgive(client)
        self.logins_per_name.forgive(key)
        response = RedirectResponse(self._next(request, form), 303, headers=NO_STORE)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=accounts.SESSION_HOURS * 3600,
            httponly=True,
            samesite="strict",
            secure=self._secure(request),
            path=self._href(request, "staff"),
        )
        return response

    async def logout(self, request: Request) -> Response:
        form = await self._form(request)
        if not self._csrf_ok(request, form):
            return self._forbidden(request, None)
        cookie, host = request.cookies.get(SESSION_COOKIE, ""), self._host(request)

        def work() -> None:
            with transaction(self.site.engine) as s:
                member = accounts.session_staff(s, cookie, host, self.site.secret)
                accounts.end_session(s, cookie, host, self.site.secret)
                if member is not None:
                    accounts.audit(s, member.name, "web", StaffAction.LOGOUT)

        await run_in_threadpool(work)
        response = RedirectResponse(self._href(request, "staff/login"), 303, headers=NO_STORE)
        response.delete_cookie(SESSION_COOKIE, path=self._href(request, "staff"))
        return response

    # --- the review queue and windows --------------------------------------------------------------

    def queue_page(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()[:50]
        today = self.site.clock().astimezone(self.config.tz).date()

        def render(member: StaffMember) -> Response:
            def work(s: Session) -> tuple[Any, ...]:
                items, unsure = staff_data.queue(s, today, self.config.extract.review_below)
                return items, unsure, staff_data.windows(s, q)

            items, unsure, every = self.site.read(work)
            return self._page(
                request, "staff_queue.html", member, items=items, unsure=unsure, windows=every, q=q
            )

        return self._shown(request, render)

    def window_page(self, request: Request) -> Response:
        wid = self._window_id(request)

        def render(member: StaffMember) -> Response:
            view = self.site.read(lambda s: staff_data.window(s, wid))
            if view is None:
                raise HTTPException(404)
            return self._page(
                request,
                "staff_window.html",
                member,
                w=view,
                current=view.status == "current",
                done=request.query_params.get("done", ""),
                notices=[],
            )

        return self._shown(request, render)

    @staticmethod
    def _window_id(request: Request) -> int:
        raw = request.path_params["wid"]
        if not raw.isdigit() or len(raw) > 12:
            raise HTTPException(404)
        return int(raw)

    async def window_action(self, request: Request) -> Response:
        wid = self._window_id(request)

        def act(member: StaffMember, form: dict[str, list[str]]) -> Response:
            action, note = _one(form, "action"), _one(form, "note")
            with transaction(self.site.engine) as s:
                if action == "confirm":
                    w = review.confirm(s, wid, member.name, "web", note)
                elif action == "correct":
                    w = review.correct(s, wid, member.name, "web", _fields(form), note)
                elif action == "dismiss":
                    w = review.dismiss(s, wid, member.name, "web", note)
                else:
                    raise ReviewError("unknown action", status=400)
                target = f"staff/windows/{w.id}?done={action}"
            return RedirectResponse(self._href(request, target), 303, headers=NO_STORE)

        return await self._posted(request, act)

    def new_window_page(self, request: Request) -> Response:
        raw = request.query_params.get("notice", "")

        def render(member: StaffMember) -> Response:
            notices = self.site.read(staff_data.recent_notices)
            return self._page(
                request,
                "staff_window.html",
                member,
                w=None,
                current=True,
                done="",
                notices=notices,
                notice_id=int(raw) if raw.isdigit() and len(raw) < 12 else None,
            )

        return self._shown(request, render)

    async def new_window(self, request: Request) -> Response:
        def act(member: StaffMember, form: dict[str, list[str]]) -> Response:
            raw = _one(form, "notice_id")
            notice_id = int(raw) if raw.isdigit() and len(raw) < 12 else None
            with transaction(self.site.engine) as s:
                w = review.add(s, member.name, "web", _fields(form), _one(form, "note"), notice_id)
                target = f"staff/windows/{w.id}?done=add"
            return RedirectResponse(self._href(request, target), 303, headers=NO_STORE)

        return await self._posted(request, act)

    async def notice_reviewed(self, request: Request) -> Response:
        raw = request.path_params["nid"]
        if not raw.isdigit() or len(raw) > 12:
            raise HTTPException(404)

        def act(member: StaffMember, form: dict[str, list[str]]) -> Response:
            with transaction(self.site.engine) as s:
                review.notice_reviewed(s, int(raw), member.name, "web")
            return RedirectResponse(self._href(request, "staff"), 303, headers=NO_STORE)

        return await self._posted(request, act)

    # --- subscribers, deliveries, runs, the audit log ---------------------------------------------

    def subscribers_page(self, request: Request) -> Response:
        q = request.query_params.get("q", "").strip()[:100]

        def render(member: StaffMember) -> Response:
            from . import board

            def work(s: Session) -> tuple[Any, ...]:
                names = sorted(board.committees(s).values())
                by_status, per_committee = staff_data.subscriber_counts(s, names)
                return by_status, per_committee, staff_data.subscribers(s, q) if q else []

            by_status, per_committee, found = self.site.read(work)
            return self._page(
                request,
                "staff_subscribers.html",
                member,
                q=q,
                by_status=by_status,
                per_committee=per_committee,
                found=found,
                done=request.query_params.get("done", ""),
            )

        return self._shown(request, render)

    async def subscriber_remove(self, request: Request) -> Response:
        raw = request.path_params["sid"]
        if not raw.isdigit() or len(raw) > 12:
            raise HTTPException(404)

        def act(member: StaffMember, form: dict[str, list[str]]) -> Response:
            from store.subscribers import delete_row

            with transaction(self.site.engine) as s:
                row = s.get(SubscriberRow, int(raw))
                if row is None:
                    raise ReviewError("没有这个订阅者（可能已被删除）。", status=404)
                if row.origin == SubscriberOrigin.CONFIG:
                    raise ReviewError(
                        "这个订阅者写在配置文件里，请由管理员在 config.toml 中删除。", status=409
                    )
                before = {"name": row.name, "origin": row.origin, "status": row.status}
                delete_row(s, row)
                accounts.audit(
                    s, member.name, "web", StaffAction.SUBSCRIBER_REMOVE, f"subscriber {raw}", before
                )
            return RedirectResponse(
                self._href(request, "staff/subscribers?done=removed"), 303, headers=NO_STORE
            )

        return await self._posted(request, act)

    def deliveries_page(self, request: Request) -> Response:
        def render(member: StaffMember) -> Response:
            rows, counts = self.site.read(
                lambda s: (staff_data.deliveries(s, self.config.tz), staff_data.delivery_counts(s))
            )
            return self._page(
                request,
                "staff_deliveries.html",
                member,
                rows=rows,
                counts=counts,
                done=request.query_params.get("done", ""),
            )

        return self._shown(request, render)

    async def delivery_retry(self, request: Request) -> Response:
        raw = request.path_params["did"]
        if not raw.isdigit() or len(raw) > 12:
            raise HTTPException(404)

        def act(member: StaffMember, form: dict[str, list[str]]) -> Response:
            with transaction(self.site.engine) as s:
                d = s.get(Delivery, int(raw))
                if d is None or d.status not in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
                    raise ReviewError("只有发送失败或已放弃的提醒可以重试。", status=409)
                before = {"status": d.status, "next_attempt_at": d.next_attempt_at.isoformat() + "Z"}
                # Due at once: the next notify (cron, the daemon) sends it, unless its window has closed
                # meanwhile (then it is given up again: an alert is never sent late). Its first due moment,
                # not the clock: a run with `--now` in the past would otherwise not see it as due.
                d.status, d.next_attempt_at = DeliveryStatus.FAILED, min(d.due_at, utcnow())
                accounts.audit(
                    s,
                    member.name,
                    "web",
                    StaffAction.DELIVERY_RETRY,
                    f"delivery {d.id}",
                    before,
                    {"status": d.status, "next_attempt_at": d.next_attempt_at.isoformat() + "Z"},
                )
            return RedirectResponse(self._href(request, "staff/deliveries?done=retry"), 303, headers=NO_STORE)

        return await self._posted(request, act)

    def runs_page(self, request: Request) -> Response:
        def render(member: StaffMember) -> Response:
            runs, incidents = self.site.read(
                lambda s: (staff_data.runs(s, self.config.tz), staff_data.incidents(s, self.config.tz))
            )
            return self._page(request, "staff_runs.html", member, runs=runs, incidents=incidents)

        return self._shown(request, render)

    def audit_page(self, request: Request) -> Response:
        def render(member: StaffMember) -> Response:
            rows = self.site.read(lambda s: staff_data.audit_log(s, self.config.tz))
            return self._page(request, "staff_audit.html", member, rows=rows)

        return self._shown(request, render)

    # --- the API: a bearer token, JSON in and out --------------------------------------------------

    def _bearer(self, request: Request) -> StaffMember | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None

        def work(s: Session) -> StaffMember | None:
            member = accounts.staff_for_token(s, token.strip())
            if member is not None:
                s.expunge(member)
            return member

        found: StaffMember | None = self.site.read(work)
        return found

    @staticmethod
    def _api_error(status: int, message: str, **headers: str) -> JSONResponse:
        return JSONResponse({"error": message}, status, headers={"cache-control": "no-store", **headers})

    async def _api(
        self, request: Request, act: Callable[[Session, StaffMember, dict[str, Any]], tuple[int, Any]]
    ) -> Response:
        member = await run_in_threadpool(self._bearer, request)
        if member is None:
            if not self.bad_tokens.hit(self._client(request)):
                return self._api_error(429, "too many requests without a valid token")
            return self._api_error(
                401,
                "a staff API token is required: Authorization: Bearer <token> (zcwatch staff token NAME)",
                **{"www-authenticate": 'Bearer realm="zcwatch"'},
            )
        raw = (await request.body())[:BODY_MAX]
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self._api_error(400, "the body is not JSON")
        if not isinstance(body, dict):
            return self._api_error(400, "the body must be a JSON object")

        def work() -> Response:
            try:
                with transaction(self.site.engine) as s:
                    status, data = act(s, member, body)
            except ReviewError as e:
                return self._api_error(e.status, str(e))
            return JSONResponse(data, status, headers={"cache-control": "no-store"})

        return await run_in_threadpool(work)

    async def api_patch(self, request: Request) -> Response:
        wid = self._window_id(request)

        def act(s: Session, member: StaffMember, body: dict[str, Any]) -> tuple[int, Any]:
            note = body.pop("note", None)
            w = review.correct(s, wid, member.name, "api", body, note)
            return 200, {**window_json(w), "replaces": wid if w.id != wid else None}

        return await self._api(request, act)

    async def api_confirm(self, request: Request) -> Response:
        wid = self._window_id(request)

        def act(s: Session, member: StaffMember, body: dict[str, Any]) -> tuple[int, Any]:
            return 200, window_json(review.confirm(s, wid, member.name, "api", body.get("note")))

        return await self._api(request, act)

    async def api_dismiss(self, request: Request) -> Response:
        wid = self._window_id(request)

        def act(s: Session, member: StaffMember, body: dict[str, Any]) -> tuple[int, Any]:
            return 200, window_json(review.dismiss(s, wid, member.name, "api", body.get("note")))

        return await self._api(request, act)

    async def api_add(self, request: Request) -> Response:
        def act(s: Session, member: StaffMember, body: dict[str, Any]) -> tuple[int, Any]:
            note, notice_id = body.pop("note", None), body.pop("notice_id", None)
            if notice_id is not None and (not isinstance(notice_id, int) or isinstance(notice_id, bool)):
                raise ReviewError("notice_id: an integer", status=400)
            return 201, window_json(review.add(s, member.name, "api", body, note, notice_id))

        return await self._api(request, act)
