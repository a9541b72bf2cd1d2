"""The manage and unsubscribe links every alert carries (issue 15), and the e-mail headers for them.

Both are built on ``[web] base_url`` (notify runs without a request to take an address from): without it
alerts carry no links. The unsubscribe link answers a GET with a page asking for one click, and a POST
(the click, or a mail client's RFC 8058 one-click ``List-Unsubscribe=One-Click``) unsubscribes, so a mail
scanner that prefetches links unsubscribes nobody.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from urllib.parse import quote

from core.config import Subscriber
from core.signing import make_token
from notifier.messages import Message

MANAGE = "manage"  # the signing purpose of manage/unsubscribe links (no expiry: old mails keep working)
CONFIRM = "confirm"  # the e-mail confirmation link's (expires)


@dataclass(frozen=True)
class Links:
    manage: str
    unsubscribe: str


def manage_token(secret: bytes, sub_id: int, nonce: str) -> str:
    return make_token(secret, MANAGE, sub_id, nonce)


def links_for(base_url: str, secret: bytes, sub: Subscriber) -> Links | None:
    if not base_url or sub.id is None:
        return None
    token = manage_token(secret, sub.id, sub.nonce)
    base = base_url.rstrip("/")
    return Links(manage=f"{base}/manage/{token}", unsubscribe=f"{base}/unsubscribe/{token}")


def record_link(links: Links, window_key: str) -> str:
    """The manage page, opened on the form that records "I submitted" for this window (a GET records
    nothing: the page asks for one click)."""
    return f"{links.manage}?record=submitted&window={quote(window_key, safe='')}"


RECORD_TEXT = "已提交申报？点此记录，之后按区办理指南提醒您查看进度"


def with_links(message: Message, links: Links | None, *, record_window: str | None = None) -> Message:
    """The message with a footer of its subscriber's links and, for e-mail, RFC 2369/8058 headers; with
    ``record_window``, first a link to record the application to that window (the applicant's timeline)."""
    if links is None:
        return message
    record = record_link(links, record_window) if record_window else ""
    text_footer = (f"\n\n{RECORD_TEXT}：{record}" if record else "") + (
        f"\n\n管理订阅：{links.manage}\n退订：{links.unsubscribe}"
    )
    if message.body_format == "html":
        m, u = html.escape(links.manage, quote=True), html.escape(links.unsubscribe, quote=True)
        footer = f'<a href="{m}">管理订阅</a> · <a href="{u}">退订</a>'
        if record:
            footer = f'<a href="{html.escape(record, quote=True)}">{RECORD_TEXT}</a><br>' + footer
        body = message.body + f'\n<p style="color:#666;font-size:12px">{footer}</p>'
    elif message.body_format == "markdown":
        lead = f"\n\n[{RECORD_TEXT}]({record})" if record else ""
        body = message.body + lead + f"\n\n[管理订阅]({links.manage}) · [退订]({links.unsubscribe})"
    else:
        body = message.body + text_footer
    return replace(
        message,
        body=body,
        text=(message.text + text_footer) if message.text else message.text,
        headers=(
            *message.headers,
            ("List-Unsubscribe", f"<{links.unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
    )
