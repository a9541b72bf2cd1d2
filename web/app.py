"""`zcwatch serve`: the ASGI application (Starlette) behind the board, its feeds and its JSON API.

Routes (a contract other tools depend on; README "The web board" lists them):

    GET /                    the board (filters ?committee=KW&kind=apply, kept in every link)
    GET /committees/{id}     one committee: this and last season's windows, its notices, its changes
    GET /calendar.ics        iCalendar with the board's filters, reminders and sequences
    GET /feed.atom           new notices and window changes (Atom), same filters
    GET /api/windows         JSON: `zcwatch digest --format json` objects plus ids
    GET /api/notices         JSON: `zcwatch notices --format json` plus ids (?since=YYYY-MM-DD)
    GET /api/status          JSON: `zcwatch status --format json`
    GET /api/openapi.json    the OpenAPI document of the above
    GET /healthz             200 and the age of the last good crawl; 503 when the database cannot be read
    GET /static/board.css    the stylesheet (the page allows no inline style or script)

the self-service subscription pages of ``web.subscribe`` (/subscribe, /confirm, /manage, /unsubscribe,
/hooks/wxpusher), and the staff area of ``web.staff`` (/staff/…, and PATCH/POST/DELETE on /api/windows…,
with a bearer token), each listed there.

The board only reads: it opens the database ``run`` and ``daemon`` write, through ``store.db.reading``
(deferred SQLite transactions, so a crawl storing a large page never blocks a page view). Endpoints
are plain functions, which Starlette runs in its thread pool, so a slow query never stalls the loop.
The subscription pages write subscribers (short transactions) and make the only outgoing requests, to
addresses the operator configured (``web.subscribe``): nothing a request carries becomes a URL the
server fetches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cached_property
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from core.config import Config
from core.timeutil import from_utc_naive, season_year
from core.vocabulary import KIND_LABELS, kind_label
from notifier.digest._common import fmt_when
from notifier.digest._sections import build_sections
from notifier.digest.render import render
from notifier.digest.render_html import stylesheet, template_environment
from store.db import reading

from . import api, board
from .feeds import render_atom
from .http import SecurityHeaders, conditional
from .staff import StaffArea
from .subscribe import Subscriptions
from .timeline import layout

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

JSON_TYPE = "application/json"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zcwatch")
    except PackageNotFoundError:
        return "unknown"


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


class Unreadable(Exception):
    """The database could not be read (missing, locked past the timeout, server down)."""


@dataclass
class Site:
    """One served board: its settings, its database and its clock (fixed in the demo and the tests)."""

    config: Config
    engine: Engine
    clock: Clock

    @cached_property
    def env(self) -> Environment:
        from pathlib import Path

        env = template_environment(FileSystemLoader(Path(__file__).with_name("templates")))
        env.globals.update(site=self.config.web, kind_label=kind_label, when=fmt_when)
        return env

    @cached_property
    def css(self) -> bytes:
        from pathlib import Path

        own = (Path(__file__).with_name("templates") / "board.css").read_text(encoding="utf-8")
        return (stylesheet() + "\n" + own).encode("utf-8")

    @cached_property
    def secret(self) -> bytes:
        """The site's secret (``store.subscribers.site_secret``): signs links, CSRF tokens and sessions."""
        from store.db import transaction
        from store.subscribers import site_secret

        with transaction(self.engine) as s:
            return site_secret(s)

    # --- addresses: from [web] base_url when set, else the address the request came to -------------

    def root(self, request: Request) -> str:
        if self.config.web.base_url:
            return urlsplit(self.config.web.base_url).path.rstrip("/") + "/"
        return str(request.scope.get("root_path", "")).rstrip("/") + "/"

    def absolute(self, request: Request, path: str) -> str:
        base = self.config.web.base_url or str(request.base_url).rstrip("/")
        return base.rstrip("/") + "/" + path.lstrip("/")

    # --- reading --------------------------------------------------------------------------------

    def read(self, work: Callable[[Session], Any]) -> Any:
        try:
            with Session(reading(self.engine)) as s:
                return work(s)
        except SQLAlchemyError as e:
            log.warning("database unreadable: %s", type(e).__name__)
            raise Unreadable(str(e).splitlines()[0] if str(e) else type(e).__name__) from None

    def page(self, name: str, request: Request, **ctx: Any) -> str:
        return str(self.env.get_template(name).render(root=self.root(request), **ctx))


def _filters(request: Request) -> board.Filters:
    return board.Filters.parse(request.query_params.get("committee"), request.query_params.getlist("kind"))


def _qs(filters: board.Filters) -> str:
    pairs = filters.query()
    return ("?" + urlencode(pairs)) if pairs else ""


def _last_modified(session: Session, today: date, config: Config) -> datetime:
    """When the data last changed, but never before local midnight today: the answers depend on the date."""
    changed = board.data_changed_at(session)
    start = datetime.combine(today, time(), tzinfo=config.tz).astimezone(UTC)
    if changed is None:
        return start
    return max(changed.replace(tzinfo=UTC), start)


class _Endpoints:
    """The routes' handlers over one ``Site``: plain methods (Starlette runs them in its thread pool)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.config

    def board_page(self, request: Request) -> Response:
        filters = _filters(request)
        now = self.site.clock()
        today = now.astimezone(self.config.tz).date()
        season = season_year(today)

        def work(s: Session) -> tuple[Any, ...]:
            digest = board.board_digest(self.config, s, now, filters, days=self.config.digest.days)
            rows = board.season_rows(s, season, filters)
            return digest, rows, board.last_ok_crawl(s)

        digest, rows, crawled = self.site.read(work)
        tl = layout(rows, today)
        sections = build_sections(digest, urgent_days=self.config.web.closing_days)
        qs = _qs(filters)
        ics = self.site.absolute(request, "calendar.ics") + qs
        html = self.site.page(
            "board.html",
            request,
            filters=filters,
            kinds=list(KIND_LABELS.items()),
            today=fmt_when(today.isoformat()),
            crawled=from_utc_naive(crawled, self.config.tz).strftime("%Y-%m-%d %H:%M") if crawled else "",
            sections=sections,
            season=season,
            tl=tl,
            caption=f"{season}年度各评委会申报窗口时间轴",
            counts={
                "open": len(digest.open_now),
                "closing": sum(
                    1
                    for e in digest.open_now
                    if e.days_left is not None and 0 <= e.days_left <= self.config.web.closing_days
                ),
                "soon": len(digest.opening_soon),
            },
            horizon=digest.days,
            committee_href=lambda name: f"{self.site.root(request)}committees/{board.committee_id(name)}",
            ics_href=ics,
            webcal_href="webcal://" + ics.split("://", 1)[1],
            feed_href=self.site.absolute(request, "feed.atom") + qs,
            api_href=self.site.absolute(request, "api/windows") + qs,
        )
        return conditional(request, html.encode("utf-8"), "text/html; charset=utf-8")

    def committee(self, request: Request) -> Response:
        cid = request.path_params["cid"]
        now = self.site.clock()
        today = now.astimezone(self.config.tz).date()

        def work(s: Session) -> board.CommitteePage | None:
            name = board.committees(s).get(cid)
            return board.committee_page(self.config, s, name, today) if name else None

        found = self.site.read(work)
        if found is None:
            raise HTTPException(404)
        html = self.site.page("committee.html", request, page=found, season=season_year(today))
        return conditional(request, html.encode("utf-8"), "text/html; charset=utf-8")

    def calendar(self, request: Request) -> Response:
        filters = _filters(request)
        now = self.site.clock()
        today = now.astimezone(self.config.tz).date()

        def work(s: Session) -> tuple[Any, datetime]:
            digest = board.board_digest(self.config, s, now, filters, days=board.CALENDAR_DAYS)
            return digest, _last_modified(s, today, self.config)

        digest, modified = self.site.read(work)
        body = render(digest, "ics").encode("utf-8")
        return conditional(
            request,
            body,
            "text/calendar; charset=utf-8",
            last_modified=modified,
            headers={"content-disposition": 'inline; filename="zcwatch.ics"'},
        )

    def feed(self, request: Request) -> Response:
        filters = _filters(request)
        now = self.site.clock()
        today = now.astimezone(self.config.tz).date()

        def work(s: Session) -> tuple[list[board.FeedEntry], datetime]:
            return board.feed_entries(self.config, s, now, filters), _last_modified(s, today, self.config)

        entries, modified = self.site.read(work)
        qs = _qs(filters)
        body = render_atom(
            entries,
            title=self.config.web.title + ("：" + filters.committee if filters.committee else ""),
            feed_id="urn:zcwatch:feed" + (":" + qs if qs else ""),
            self_href=self.site.absolute(request, "feed.atom") + qs,
            board_href=self.site.absolute(request, "") + qs,
            updated=entries[0].updated if entries else modified,
        )
        return conditional(
            request, body.encode("utf-8"), "application/atom+xml; charset=utf-8", last_modified=modified
        )

    def api_windows(self, request: Request) -> Response:
        filters = _filters(request)
        now = self.site.clock()
        today = now.astimezone(self.config.tz).date()

        def work(s: Session) -> tuple[Any, datetime]:
            digest = board.board_digest(self.config, s, now, filters, days=board.CALENDAR_DAYS)
            return api.windows_json(digest), _last_modified(s, today, self.config)

        data, modified = self.site.read(work)
        return conditional(request, _dumps(data), JSON_TYPE, last_modified=modified)

    def api_notices(self, request: Request) -> Response:
        from store.queries import notices_as_json

        raw = request.query_params.get("since")
        try:
            since = date.fromisoformat(raw) if raw else None
        except ValueError:
            raise board.BadQuery("since 应为日期 YYYY-MM-DD") from None
        try:
            data = notices_as_json(self.site.engine, since=since, with_ids=True)
        except SQLAlchemyError as e:
            raise Unreadable(type(e).__name__) from None
        return conditional(request, _dumps(data), JSON_TYPE)

    def api_status(self, request: Request) -> Response:
        from scheduler.status import collect

        try:
            data = collect(self.config, self.site.engine)
        except SQLAlchemyError as e:
            raise Unreadable(type(e).__name__) from None
        return conditional(request, _dumps(data), JSON_TYPE)

    def api_openapi(self, request: Request) -> Response:
        return conditional(request, _dumps(api.openapi(_version())), JSON_TYPE)

    def healthz(self, request: Request) -> Response:
        now = self.site.clock()
        try:
            crawled = self.site.read(board.last_ok_crawl)
        except Unreadable as e:
            return JSONResponse({"status": "error", "error": f"database unreadable: {e}"[:200]}, 503)
        age = int((now - crawled.replace(tzinfo=UTC)).total_seconds()) if crawled else None
        return JSONResponse(
            {
                "status": "ok",
                "last_ok_crawl": from_utc_naive(crawled, self.config.tz).isoformat() if crawled else None,
                "age_seconds": age,
            },
            headers={"cache-control": "no-store"},
        )

    def favicon(self, request: Request) -> Response:
        # Browsers ask for it on every first visit; an empty answer keeps their consoles and our logs quiet.
        return Response(status_code=204, headers={"cache-control": "public, max-age=86400"})

    def css(self, request: Request) -> Response:
        return conditional(
            request, self.site.css, "text/css; charset=utf-8", cache_control="public, max-age=3600"
        )

    # --- errors: Chinese pages (JSON under /api), never a traceback ------------------------------

    def _error(self, request: Request, status: int, heading: str, message: str) -> Response:
        if request.url.path.startswith(self.site.root(request) + "api/") or request.url.path.endswith(
            "healthz"
        ):
            return JSONResponse({"error": message}, status)
        html = self.site.page("error.html", request, heading=heading, message=message)
        return HTMLResponse(html, status, headers={"cache-control": "no-store"})

    async def on_http(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            return self._error(request, 404, "页面不存在", "没有这个页面或评委会，请从看板进入。")
        if exc.status_code == 405:
            return self._error(request, 405, "不支持的请求", "这个地址不支持这种请求。")
        return self._error(request, exc.status_code, "请求有误", "请求有误。")

    async def on_bad_query(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 400, "筛选条件有误", str(exc))

    async def on_unreadable(self, request: Request, exc: Exception) -> Response:
        return self._error(request, 503, "暂时无法读取数据", "数据库暂时无法读取，请稍后再试。")

    async def on_crash(self, request: Request, exc: Exception) -> Response:
        log.error("error serving %s: %s: %s", request.url.path, type(exc).__name__, exc)
        return self._error(request, 500, "出错了", "服务器处理这个请求时出错，请稍后再试。")


def create_app(config: Config, engine: Engine, clock: Clock | None = None) -> Starlette:
    """The board's ASGI app over ``engine``; ``clock`` gives "now" (aware), the real time by default."""
    from core.timeutil import now_local

    site = Site(config, engine, clock or (lambda: now_local(config.tz)))
    e = _Endpoints(site)
    subs = Subscriptions(site)
    staff = StaffArea(site)
    routes = [
        Route("/staff/login", staff.login_page, methods=["GET", "HEAD"]),
        Route("/staff/login", staff.login, methods=["POST"]),
        Route("/staff/logout", staff.logout, methods=["POST"]),
        Route("/staff", staff.queue_page, methods=["GET", "HEAD"]),
        Route("/staff/windows/new", staff.new_window_page, methods=["GET", "HEAD"]),
        Route("/staff/windows/new", staff.new_window, methods=["POST"]),
        Route("/staff/windows/{wid:str}", staff.window_page, methods=["GET", "HEAD"]),
        Route("/staff/windows/{wid:str}", staff.window_action, methods=["POST"]),
        Route("/staff/notices/{nid:str}/reviewed", staff.notice_reviewed, methods=["POST"]),
        Route("/staff/subscribers", staff.subscribers_page, methods=["GET", "HEAD"]),
        Route("/staff/subscribers/{sid:str}/remove", staff.subscriber_remove, methods=["POST"]),
        Route("/staff/deliveries", staff.deliveries_page, methods=["GET", "HEAD"]),
        Route("/staff/deliveries/{did:str}/retry", staff.delivery_retry, methods=["POST"]),
        Route("/staff/runs", staff.runs_page, methods=["GET", "HEAD"]),
        Route("/staff/audit", staff.audit_page, methods=["GET", "HEAD"]),
        Route("/api/windows", staff.api_add, methods=["POST"]),
        Route("/api/windows/{wid:str}", staff.api_patch, methods=["PATCH"]),
        Route("/api/windows/{wid:str}", staff.api_dismiss, methods=["DELETE"]),
        Route("/api/windows/{wid:str}/confirm", staff.api_confirm, methods=["POST"]),
        Route("/subscribe", subs.subscribe_page, methods=["GET", "HEAD"]),
        Route("/subscribe", subs.subscribe, methods=["POST"]),
        Route("/confirm/{token:str}", subs.confirm_page, methods=["GET", "HEAD"]),
        Route("/confirm/{token:str}", subs.confirm, methods=["POST"]),
        Route("/manage/{token:str}", subs.manage_page, methods=["GET", "HEAD"]),
        Route("/manage/{token:str}", subs.manage, methods=["POST"]),
        Route("/unsubscribe/{token:str}", subs.unsubscribe_page, methods=["GET", "HEAD"]),
        Route("/unsubscribe/{token:str}", subs.unsubscribe, methods=["POST"]),
        Route("/hooks/wxpusher", subs.wxpusher_hook, methods=["POST"]),
        Route("/", e.board_page),
        Route("/committees/{cid:str}", e.committee),
        Route("/calendar.ics", e.calendar),
        Route("/feed.atom", e.feed),
        Route("/api/windows", e.api_windows),
        Route("/api/notices", e.api_notices),
        Route("/api/status", e.api_status),
        Route("/api/openapi.json", e.api_openapi),
        Route("/healthz", e.healthz),
        Route("/static/board.css", e.css),
        Route("/favicon.ico", e.favicon),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(GZipMiddleware, minimum_size=800)],
        exception_handlers={
            HTTPException: e.on_http,
            board.BadQuery: e.on_bad_query,
            Unreadable: e.on_unreadable,
            Exception: e.on_crash,
        },
    )
