"""Self-service subscriptions (issue 15): sign up, confirm, manage, unsubscribe; WxPusher's callback.

Routes (README "Subscriptions"):

    GET  /subscribe                 the form (?q= filters the committee list, without JavaScript)
    POST /subscribe                 e-mail: a confirmation mail; WeCom bot: a test message; WxPusher: QR code
    GET  /confirm/{token}           the confirmation page: one button (a mail scanner's GET confirms nothing)
    POST /confirm/{token}           the click: the subscription starts
    GET  /manage/{token}            committees, steps, lead days, pause, unsubscribe, delete; the applicant's
                                    own timeline (?record=submitted&window=KEY: the alert's "I submitted" link
                                    opens its form filled in; a GET records nothing)
    POST /manage/{token}            the same, one action per click
    GET  /unsubscribe/{token}       one button
    POST /unsubscribe/{token}       the click, or RFC 8058's one-click POST (``List-Unsubscribe=One-Click``)
    POST /hooks/wxpusher            WxPusher's follow callback: binds the user's UID to the pending sign-up

The public never enters an Apprise URL, so nothing typed here becomes an address the server calls: e-mail
goes through the operator's ``[web] mail_url``, WxPusher through its API at ``[web] wxpusher_api``, and a
WeCom bot key is only ever sent to WeCom's own webhook host (Apprise's ``wecombot://``).

Every form carries a CSRF token (``web.guard``); sign-ups and confirmations are rate-limited per IP, and
sign-ups per address. The answer to a sign-up is the same whether the address is known or not.
"""

from __future__ import annotations

import json
import logging
import re
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from core.config import Config
from core.errors import BadToken, ExpiredToken, TimelineError
from core.signing import check_token, make_token, token_subject
from core.vocabulary import (
    APPLICATION_EVENTS,
    DEFAULT_SUBSCRIBED_KINDS,
    EVENT_LABELS,
    KIND_LABELS,
    WINDOW_KINDS,
    ChannelType,
    SubscriberOrigin,
    SubscriberStatus,
)
from notifier.links import CONFIRM, MANAGE, manage_token
from store.db import transaction
from store.models import SubscriberRow, utcnow

from .guard import CSRF_COOKIE, CSRF_FIELD, RateLimit, csrf_cookie_of, csrf_ok, csrf_token

if TYPE_CHECKING:
    from .app import Site

log = logging.getLogger(__name__)

CONFIRM_HOURS = 48  # an e-mail confirmation link's life
WXPUSHER_MINUTES = 30  # a WxPusher QR code's
PENDING_DAYS = 7  # an unconfirmed sign-up is forgotten after this
PER_IP_PER_MINUTE = 20
PER_ADDRESS_PER_HOUR = 3

_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$"
)
_BOT_KEY_RE = re.compile(r"^[A-Za-z0-9-]{16,64}$")
_UID_RE = re.compile(r"^UID_[A-Za-z0-9]{8,64}$")
WECOM_HOST = "qyapi.weixin.qq.com"
# Where a WxPusher QR image may be shown from (the page's CSP names the one it shows).
_QR_HOSTS = ("mp.weixin.qq.com", "wxpusher.zjiecode.com")

WXPUSHER = "wxpusher"


class FormProblem(Exception):
    """A sign-up or manage form that cannot be used as it is; the message is for the person."""


@dataclass
class Choice:
    committees: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=lambda: list(DEFAULT_SUBSCRIBED_KINDS))
    lead_days: int | None = None
    channel: str = ""
    address: str = ""


def _one(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


def parse_choice(form: dict[str, list[str]], seen: set[str], default_lead: int) -> Choice:
    """The committees, steps and lead days of a form; committees only from those seen (no free text)."""
    committees = [c for c in form.get("committee", []) if c in seen]
    kinds = [k for k in form.get("kind", []) if k in WINDOW_KINDS]
    if not kinds:
        raise FormProblem("请至少选择一个环节。")
    raw = _one(form, "lead_days")
    try:
        lead = int(raw) if raw else default_lead
    except ValueError:
        raise FormProblem("提前天数应为 1 到 120 之间的整数。") from None
    if not 1 <= lead <= 120:
        raise FormProblem("提前天数应为 1 到 120 之间的整数。")
    return Choice(committees=committees[:50], kinds=kinds, lead_days=lead)


def normalise_email(raw: str) -> str:
    raw = raw.strip()
    if len(raw) > 254 or not _EMAIL_RE.match(raw):
        raise FormProblem("请填写有效的电子邮箱地址。")
    local, _, domain = raw.rpartition("@")
    return f"{local}@{domain.lower()}"


def bot_key(raw: str) -> str:
    """The key of a WeCom group bot from the key itself or its webhook address; only WeCom's host."""
    raw = raw.strip()
    if "://" in raw:
        parts = urlsplit(raw)
        if parts.scheme != "https" or parts.hostname != WECOM_HOST:
            raise FormProblem(f"只接受企业微信群机器人的地址（https://{WECOM_HOST}/…）或它的 key。")
        raw = (parse_qs(parts.query).get("key") or [""])[0]
    if not _BOT_KEY_RE.match(raw):
        raise FormProblem("企业微信群机器人的 key 格式不对（形如 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa）。")
    return raw


class Subscriptions:
    """The subscription routes over one ``web.app.Site``."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.config
        self.per_ip = RateLimit(PER_IP_PER_MINUTE, 60)
        self.per_ip_confirm = RateLimit(PER_IP_PER_MINUTE, 60)

    # --- plumbing ---------------------------------------------------------------------------------

    def secret(self) -> bytes:
        return self.site.secret

    def _page(
        self, request: Request, name: str, status: int = 200, csp: str | None = None, **ctx: Any
    ) -> Response:
        cookie, fresh = csrf_cookie_of(request.cookies)
        html = self.site.page(
            name, request, csrf_field=CSRF_FIELD, csrf=csrf_token(self.secret(), cookie), **ctx
        )
        headers = {"cache-control": "no-store"}
        if csp:
            headers["content-security-policy"] = csp
        response = HTMLResponse(html, status, headers=headers)
        if fresh:
            secure = request.url.scheme == "https" or self.config.web.base_url.startswith("https:")
            response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=secure, path="/")
        return response

    def _message(
        self,
        request: Request,
        status: int,
        heading: str,
        message: str,
        *,
        manage: str = "",
        again: bool = False,
    ) -> Response:
        return self._page(
            request, "notice.html", status, heading=heading, message=message, manage=manage, again=again
        )

    async def _form(self, request: Request) -> dict[str, list[str]]:
        body = (await request.body())[:65536]
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def _client(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def _forbidden(self, request: Request) -> Response:
        return self._message(request, 403, "表单已失效", "请刷新页面后重新提交（表单缺少有效的安全令牌）。")

    def _too_many(self, request: Request) -> Response:
        return self._message(request, 429, "请求过于频繁", "请稍等一分钟再试。")

    def _seen(self) -> list[str]:
        from . import board

        return sorted(self.site.read(lambda s: list(board.committees(s).values())))

    def _row_for(self, s: Session, token: str, purpose: str) -> SubscriberRow:
        """The row a genuine token names; BadToken/ExpiredToken (or a missing row: BadToken) else."""
        row = s.get(SubscriberRow, token_subject(token))
        if row is None:
            raise LookupError("gone")
        check_token(self.secret(), purpose, token, row.nonce, _time.time())
        return row

    def _bad_link(self, request: Request, exc: Exception) -> Response:
        if isinstance(exc, ExpiredToken):
            return self._message(request, 410, "链接已过期", "这个确认链接已过期，请重新订阅。", again=True)
        if isinstance(exc, LookupError):
            return self._message(request, 404, "订阅不存在", "这个订阅已不存在（可能已删除）。", again=True)
        return self._message(request, 400, "链接无效", "链接不完整或已被修改。请从邮件或消息中完整打开链接。")

    def manage_href(self, request: Request, row: SubscriberRow) -> str:
        return self.site.absolute(request, f"manage/{manage_token(self.secret(), row.id, row.nonce)}")

    # --- the sign-up ------------------------------------------------------------------------------

    def channels(self) -> list[tuple[str, str]]:
        web = self.config.web
        out = []
        if web.mail_url:
            out.append((ChannelType.EMAIL.value, "电子邮件"))
        if web.wxpusher_app_token:
            out.append((ChannelType.WXPUSHER.value, "微信（WxPusher 公众号）"))
        if web.wecombot:
            out.append((ChannelType.WECOMBOT.value, "企业微信群机器人"))
        return out

    def _form_page(
        self, request: Request, choice: Choice, *, status: int = 200, problem: str = ""
    ) -> Response:
        q = request.query_params.get("q", "").strip()[:40]
        seen = self._seen()
        shown = [c for c in seen if q in c] if q else seen
        return self._page(
            request,
            "subscribe.html",
            status,
            q=q,
            committees=shown,
            hidden_total=len(seen) - len(shown),
            choice=choice,
            kinds=list(KIND_LABELS.items()),
            channels=self.channels(),
            problem=problem,
            default_lead=self.config.alerts.lead_days,
        )

    def subscribe_page(self, request: Request) -> Response:
        return self._form_page(request, Choice(lead_days=self.config.alerts.lead_days))

    async def subscribe(self, request: Request) -> Response:
        if not self.per_ip.hit(self._client(request)):
            return self._too_many(request)
        form = await self._form(request)
        if not csrf_ok(self.secret(), request.cookies.get(CSRF_COOKIE), _one(form, CSRF_FIELD)):
            return self._forbidden(request)
        seen = set(await run_in_threadpool(self._seen))
        channel = _one(form, "channel")
        try:
            choice = parse_choice(form, seen, self.config.alerts.lead_days)
            choice.channel = channel
            if channel not in {c for c, _ in self.channels()}:
                raise FormProblem("请选择接收提醒的方式。")
            if channel == ChannelType.EMAIL:
                choice.address = normalise_email(_one(form, "email"))
                return await run_in_threadpool(self._by_email, request, choice)
            if channel == ChannelType.WECOMBOT:
                choice.address = bot_key(_one(form, "bot"))
                return await run_in_threadpool(self._by_bot, request, choice)
            return await run_in_threadpool(self._by_wxpusher, request, choice)
        except FormProblem as e:
            kept = Choice(
                committees=[c for c in form.get("committee", []) if c in seen],
                kinds=[k for k in form.get("kind", []) if k in WINDOW_KINDS],
                lead_days=self.config.alerts.lead_days,
                channel=channel,
            )
            return self._form_page(request, kept, status=400, problem=str(e))

    def _pending(self, choice: Choice, channel: str, address: str, status: str) -> SubscriberRow:
        from store.subscribers import create_pending, purge_pending

        with transaction(self.site.engine) as s:
            purge_pending(s, utcnow() - timedelta(days=PENDING_DAYS))
            return create_pending(
                s, channel, address, choice.committees, choice.kinds, choice.lead_days, status=status
            )

    def _address_allowed(self, address: str) -> bool:
        from store.subscribers import recent_for_address

        with transaction(self.site.engine) as s:
            return recent_for_address(s, address, utcnow() - timedelta(hours=1)) < PER_ADDRESS_PER_HOUR

    def _by_email(self, request: Request, choice: Choice) -> Response:
        from notifier.channels import masked_address, send, with_recipient
        from notifier.messages import Message

        # The same answer whatever happens to the address: known, new, or over its hourly limit (which
        # sends nothing more, so the form cannot be used to flood someone's mailbox).
        answer = self._message(
            request,
            200,
            "请查收确认邮件",
            f"如果 {masked_address(choice.address)} 可以接收邮件，一封确认邮件已经发出。"
            f"请在 {CONFIRM_HOURS} 小时内打开邮件中的链接并点击“确认订阅”；不确认就不会收到任何提醒。",
        )
        if not self._address_allowed(choice.address):
            return answer
        row = self._pending(choice, ChannelType.EMAIL.value, choice.address, SubscriberStatus.PENDING.value)
        expires = int(_time.time()) + CONFIRM_HOURS * 3600
        link = self.site.absolute(
            request, f"confirm/{make_token(self.secret(), CONFIRM, row.id, row.nonce, expires)}"
        )
        body = (
            f"您好！有人（希望是您本人）在{self.config.web.title}订阅了职称评审申报提醒。\n\n"
            f"请打开下面的链接，并在页面上点击“确认订阅”：\n{link}\n\n"
            f"链接 {CONFIRM_HOURS} 小时内有效。如果不是您本人操作，请忽略本邮件：不确认就不会收到任何提醒。"
        )
        result = send(
            with_recipient(self.config.web.mail_url, choice.address),
            Message(title="【zcwatch】请确认订阅职称评审提醒", body=body, body_format="text"),
        )
        if not result.ok:
            log.warning("confirmation mail not sent: %s", result.error)
            with transaction(self.site.engine) as s:
                gone = s.get(SubscriberRow, row.id)
                if gone is not None:
                    s.delete(gone)
            return self._message(request, 503, "暂时无法发送邮件", "确认邮件暂时无法发出，请稍后再试。")
        return answer

    def _by_bot(self, request: Request, choice: Choice) -> Response:
        from notifier.channels import send
        from notifier.messages import Message

        if not self._address_allowed(choice.address):
            return self._too_many(request)
        result = send(
            f"wecombot://{choice.address}",
            Message(
                title="【zcwatch】订阅测试消息",
                body=f"这是{self.config.web.title}的测试消息：此群将收到职称评审申报提醒。",
                body_format="text",
            ),
        )
        if not result.ok:
            raise FormProblem("测试消息没有发出，请检查群机器人的 key 是否正确、机器人是否仍在群里。")
        row = self._pending(choice, ChannelType.WECOMBOT.value, choice.address, SubscriberStatus.ACTIVE.value)
        return self._message(
            request,
            200,
            "订阅成功",
            "测试消息已发到群里，提醒将发到这个群。",
            manage=self.manage_href(request, row),
        )

    def _by_wxpusher(self, request: Request, choice: Choice) -> Response:
        row = self._pending(choice, ChannelType.WXPUSHER.value, "", SubscriberStatus.PENDING.value)
        expires = int(_time.time()) + WXPUSHER_MINUTES * 60
        extra = make_token(self.secret(), WXPUSHER, row.id, row.nonce, expires)
        qr = wxpusher_qrcode(self.config.web.wxpusher_api, self.config.web.wxpusher_app_token, extra)
        if qr is None:
            return self._message(request, 503, "暂时无法生成二维码", "微信二维码暂时无法生成，请稍后再试。")
        host = urlsplit(qr).hostname or ""
        csp = None
        allowed = host in _QR_HOSTS or host == urlsplit(self.config.web.wxpusher_api).hostname
        if urlsplit(qr).scheme in ("http", "https") and allowed:
            from .http import CSP

            origin = f"{urlsplit(qr).scheme}://{urlsplit(qr).netloc}"
            csp = CSP.replace("img-src 'self'", f"img-src 'self' {origin}")
        else:
            qr = ""
        return self._page(
            request,
            "wxpusher.html",
            csp=csp,
            qr=qr,
            minutes=WXPUSHER_MINUTES,
            manage=self.manage_href(request, row),
        )

    # --- confirmation -----------------------------------------------------------------------------

    def confirm_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            row = self.site.read(lambda s: self._row_for(s, token, CONFIRM))
        except (BadToken, LookupError) as e:
            return self._bad_link(request, e)
        if row.status != SubscriberStatus.PENDING:
            return self._message(
                request,
                200,
                "订阅已确认",
                "这个确认链接已经用过"
                + (
                    "，订阅已生效。"
                    if row.status == SubscriberStatus.ACTIVE
                    else "。订阅的状态请见管理页面。"
                ),
                manage=self.manage_href(request, row),
            )
        return self._page(request, "confirm.html", sub=row, token=token, kinds=KIND_LABELS)

    async def confirm(self, request: Request) -> Response:
        if not self.per_ip_confirm.hit(self._client(request)):
            return self._too_many(request)
        form = await self._form(request)
        if not csrf_ok(self.secret(), request.cookies.get(CSRF_COOKIE), _one(form, CSRF_FIELD)):
            return self._forbidden(request)
        return await run_in_threadpool(self._confirm, request, request.path_params["token"])

    def _confirm(self, request: Request, token: str) -> Response:
        try:
            with transaction(self.site.engine) as s:
                row = self._row_for(s, token, CONFIRM)
                if row.status == SubscriberStatus.PENDING:
                    row.status = SubscriberStatus.ACTIVE.value
                    row.confirmed_at = row.changed_at = utcnow()
        except (BadToken, LookupError) as e:
            return self._bad_link(request, e)
        return self._message(
            request,
            200,
            "订阅已确认",
            "从下一次提醒起，您将收到所选评委会的申报提醒。",
            manage=self.manage_href(request, row),
        )

    # --- manage and unsubscribe ---------------------------------------------------------------------

    def manage_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            row = self.site.read(lambda s: self._row_for(s, token, MANAGE))
        except (BadToken, LookupError) as e:
            return self._bad_link(request, e)
        return self._manage_page(request, row, token)

    def _manage_page(
        self,
        request: Request,
        row: SubscriberRow,
        token: str,
        *,
        status: int = 200,
        done: str = "",
        problem: str = "",
    ) -> Response:
        from notifier.channels import masked_address

        seen = self._seen()
        selected = list(row.committees or [])
        now = self.site.clock()
        timeline, choices = self.site.read(lambda s: _timeline_of(s, self.config, row.name, now))
        record = {
            "event": request.query_params.get("record", ""),
            "window": request.query_params.get("window", ""),
        }
        if record["event"] not in APPLICATION_EVENTS or record["window"] not in {k for k, _ in choices}:
            record = {"event": "", "window": ""}
        return self._page(
            request,
            "manage.html",
            status,
            timeline=timeline,
            window_choices=choices,
            events=list(EVENT_LABELS.items()),
            record=record,
            today=now.astimezone(self.config.tz).date().isoformat(),
            sub=row,
            token=token,
            committees=sorted(set(seen) | set(selected)),
            selected=set(selected),
            kinds=list(KIND_LABELS.items()),
            chosen_kinds=set(row.kinds or DEFAULT_SUBSCRIBED_KINDS),
            lead=row.lead_days or self.config.alerts.lead_days,
            channel=_channel_label(row, masked_address),
            editable=row.origin == SubscriberOrigin.WEB,
            done=done,
            problem=problem,
        )

    async def manage(self, request: Request) -> Response:
        form = await self._form(request)
        if not csrf_ok(self.secret(), request.cookies.get(CSRF_COOKIE), _one(form, CSRF_FIELD)):
            return self._forbidden(request)
        return await run_in_threadpool(self._manage, request, request.path_params["token"], form)

    def _manage(self, request: Request, token: str, form: dict[str, list[str]]) -> Response:
        from store.subscribers import delete_row

        action = _one(form, "action")
        seen = set(self._seen())
        today = self.site.clock().astimezone(self.config.tz).date()
        try:
            with transaction(self.site.engine) as s:
                row = self._row_for(s, token, MANAGE)
                if action in ("record", "unrecord"):
                    # The applicant's own timeline: the page is drawn after the commit, with the event.
                    done = _timeline_action(s, row, action, form, today)
                elif action == "delete":
                    if row.origin == SubscriberOrigin.CONFIG:
                        raise FormProblem("这个订阅由管理员在配置文件中设置，请联系管理员删除；您可以退订。")
                    delete_row(s, row)
                    return self._message(
                        request, 200, "订阅已删除", "订阅和您的联系方式已从系统中删除。", again=True
                    )
                else:
                    done = _apply(
                        row,
                        action,
                        form,
                        seen | set(row.committees or []),
                        today,
                        self.config.alerts.lead_days,
                    )
                    row.changed_at = utcnow()
        except (BadToken, LookupError) as e:
            return self._bad_link(request, e)
        except FormProblem as e:
            row = self.site.read(lambda s: self._row_for(s, token, MANAGE))
            return self._manage_page(request, row, token, status=400, problem=str(e))
        return self._manage_page(request, row, token, done=done)

    def unsubscribe_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        try:
            row = self.site.read(lambda s: self._row_for(s, token, MANAGE))
        except (BadToken, LookupError) as e:
            return self._bad_link(request, e)
        return self._page(
            request, "unsubscribe.html", sub=row, token=token, manage=self.manage_href(request, row)
        )

    async def unsubscribe(self, request: Request) -> Response:
        form = await self._form(request)
        # RFC 8058: a mail client's one-click POST carries this body and no cookie; the signed link is the
        # authority. Any other POST is a form and needs its CSRF token.
        one_click = _one(form, "List-Unsubscribe") == "One-Click"
        if not one_click and not csrf_ok(
            self.secret(), request.cookies.get(CSRF_COOKIE), _one(form, CSRF_FIELD)
        ):
            return self._forbidden(request)
        token = request.path_params["token"]

        def work() -> Response:
            try:
                with transaction(self.site.engine) as s:
                    row = self._row_for(s, token, MANAGE)
                    if row.status != SubscriberStatus.UNSUBSCRIBED:
                        row.status = SubscriberStatus.UNSUBSCRIBED.value
                        row.changed_at = utcnow()
            except (BadToken, LookupError) as e:
                return self._bad_link(request, e)
            if one_click:
                return Response("unsubscribed\n", media_type="text/plain; charset=utf-8")
            return self._message(
                request,
                200,
                "已退订",
                "您不会再收到这个订阅的提醒。改变主意时可以在管理页面重新订阅。",
                manage=self.manage_href(request, row),
            )

        return await run_in_threadpool(work)

    # --- WxPusher's callback ----------------------------------------------------------------------

    async def wxpusher_hook(self, request: Request) -> Response:
        """WxPusher posts ``{"action": "app_subscribe", "data": {"uid": "UID_…", "extra": "…", …}}`` when a
        user follows the app through a QR code; ``extra`` is the signed id of the pending sign-up."""
        try:
            payload = json.loads((await request.body())[:16384] or b"null")
            data = payload.get("data") or {}
            action, uid, extra = payload.get("action"), str(data.get("uid", "")), str(data.get("extra", ""))
        except (ValueError, AttributeError):
            return JSONResponse({"code": 400, "msg": "not a WxPusher callback"}, 400)
        if action != "app_subscribe" or not _UID_RE.match(uid) or not extra:
            return JSONResponse({"code": 200, "msg": "ignored"})

        def bind() -> Response:
            try:
                with transaction(self.site.engine) as s:
                    row = self._row_for(s, extra, WXPUSHER)
                    if row.channel_type != ChannelType.WXPUSHER or row.status != SubscriberStatus.PENDING:
                        return JSONResponse({"code": 200, "msg": "already bound"})
                    row.address = uid
                    row.status = SubscriberStatus.ACTIVE.value
                    row.confirmed_at = row.changed_at = utcnow()
            except (BadToken, LookupError):
                return JSONResponse({"code": 403, "msg": "unknown or expired sign-up"}, 403)
            return JSONResponse({"code": 1000, "msg": "bound"})

        return await run_in_threadpool(bind)


def _channel_label(row: SubscriberRow, mask: Callable[[str], str]) -> str:
    if row.channel_type == ChannelType.EMAIL:
        return f"电子邮件 {mask(row.address or '')}"
    if row.channel_type == ChannelType.WXPUSHER:
        return "微信（WxPusher）" + (f" {mask(row.address)}" if row.address else "（等待扫码关注）")
    if row.channel_type == ChannelType.WECOMBOT:
        return f"企业微信群机器人 {mask(row.address or '')}"
    return "管理员配置的渠道"


def _apply(
    row: SubscriberRow,
    action: str,
    form: dict[str, list[str]],
    allowed: set[str],
    today: date,
    default_lead: int,
) -> str:
    """One manage action on a row; what to tell the person."""
    if action == "save":
        if row.origin != SubscriberOrigin.WEB:
            raise FormProblem("这个订阅的设置由管理员维护；您可以暂停或退订。")
        choice = parse_choice(form, allowed, default_lead)
        row.committees, row.kinds, row.lead_days = choice.committees, choice.kinds, choice.lead_days
        return "设置已保存。"
    if action == "pause":
        raw = _one(form, "until")
        try:
            until = date.fromisoformat(raw)
        except ValueError:
            raise FormProblem("请填写暂停到哪一天（YYYY-MM-DD）。") from None
        if not today < until <= today + timedelta(days=366):
            raise FormProblem("暂停的日期应在明天到一年之内。")
        row.paused_until = until.isoformat()
        return f"已暂停，{until.isoformat()} 起恢复提醒。"
    if action == "resume":
        row.paused_until = None
        return "已恢复提醒。"
    if action == "unsubscribe":
        row.status = SubscriberStatus.UNSUBSCRIBED.value
        return "已退订。"
    if action == "resubscribe":
        if row.status == SubscriberStatus.PENDING:
            raise FormProblem("这个订阅还没有确认，请先打开确认邮件中的链接。")
        row.status = SubscriberStatus.ACTIVE.value
        return "已重新订阅。"
    raise FormProblem("未知的操作。")


def _timeline_of(
    s: Session, config: Config, name: str, now: datetime
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The subscriber's applications (events, next reminder) and the committees one can be recorded for."""
    from notifier.reminders import timeline_rows
    from store.timeline import application_windows

    return timeline_rows(s, config, name, now), [(w.key, w.committee) for w in application_windows(s)]


def _timeline_action(
    s: Session, row: SubscriberRow, action: str, form: dict[str, list[str]], today: date
) -> str:
    """Record an event of the subscriber's own application, or remove one recorded by mistake."""
    from store import timeline

    if row.status != SubscriberStatus.ACTIVE:
        raise FormProblem("订阅生效后才能记录申报进度。")
    if action == "unrecord":
        try:
            removed = timeline.remove_event(s, row.name, int(_one(form, "event_id")))
        except (ValueError, TimelineError):
            raise FormProblem("没有这条记录（可能已删除）。") from None
        return f"已删除记录：{removed.day} {timeline.label(removed.event)}。"
    event = _one(form, "event")
    if event not in APPLICATION_EVENTS:
        raise FormProblem("请选择进度。")
    try:
        day = date.fromisoformat(_one(form, "day"))
    except ValueError:
        raise FormProblem("请填写日期（YYYY-MM-DD）。") from None
    if day > today:
        raise FormProblem("日期不能晚于今天：请记录已经发生的进度。")
    if day < today - timedelta(days=timeline.OLDEST_DAYS):
        raise FormProblem("日期不能早于一年前。")
    window = next((w for w in timeline.application_windows(s) if w.key == _one(form, "window")), None)
    if window is None:
        raise FormProblem("请选择申报的评委会。")
    recorded, new = timeline.record(s, row.name, window, event, day, today, "web")
    what = "已记录" if new else "这条进度已记录过"
    return f"{what}：{recorded.day} {timeline.label(event)}（{window.committee}）。之后将按区办理指南提醒您。"


def wxpusher_qrcode(api: str, app_token: str, extra: str, timeout: float = 10.0) -> str | None:
    """WxPusher's "create a parametric QR code" call: the image URL, or None when it failed (logged).

    ``POST {api}/api/fun/create/qrcode`` with the app token and ``extra`` (WxPusher returns it in the
    follow callback). The address is the operator's ``[web] wxpusher_api``, never anything a request said.
    """
    import requests

    try:
        r = requests.post(
            api.rstrip("/") + "/api/fun/create/qrcode",
            json={"appToken": app_token, "extra": extra, "validTime": WXPUSHER_MINUTES * 60},
            timeout=timeout,
        )
        body = r.json()
    except (requests.RequestException, ValueError) as e:
        log.warning("WxPusher QR code not created: %s", type(e).__name__)
        return None
    if not isinstance(body, dict) or body.get("code") != 1000 or not isinstance(body.get("data"), dict):
        log.warning(
            "WxPusher QR code not created: code %s", body.get("code") if isinstance(body, dict) else "?"
        )
        return None
    url = body["data"].get("url")
    return url if isinstance(url, str) else None
