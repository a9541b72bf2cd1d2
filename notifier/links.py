"""The manage and unsubscribe links every alert carries (issue 15), and the e-mail headers for them.

Both are built on ``[web] base_url`` (notify runs without a request to take an address from): without it
alerts carry no links. The unsubscribe link answers a GET with a page asking for one click, and a POST
(the click, or a mail client's RFC 8058 one-click ``List-Unsubscribe=One-Click``) unsubscribes, so a mail
scanner that prefetches links unsubscribes nobody.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

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


def with_links(message: Message, links: Links | None) -> Message:
    """The message with a footer of its subscriber's links and, for e-mail, RFC 2369/8058 headers."""
    if links is None:
        return message
    text_footer = f"\n\n管理订阅：{links.manage}\n退订：{links.unsubscribe}"
    if message.body_format == "html":
        m, u = html.escape(links.manage, quote=True), html.escape(links.unsubscribe, quote=True)
        footer = f'<a href="{m}">管理订阅</a> · <a href="{u}">退订</a>'
        body = message.body + f'\n<p style="color:#666;font-size:12px">{footer}</p>'
    elif message.body_format == "markdown":
        body = message.body + f"\n\n[管理订阅]({links.manage}) · [退订]({links.unsubscribe})"
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
