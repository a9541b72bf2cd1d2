"""HTTP done right for a read-only board: validators and 304s, and the security headers on every answer.

``conditional`` is a plain function of the request and the rendered body, so the rules are testable
without a server: a weak ETag of the body (weak, because the gzip layer may re-encode it), a
``Last-Modified`` of the data, and 304 when ``If-None-Match`` matches — or, when the client sent no
``If-None-Match``, when ``If-Modified-Since`` is not older than the data (RFC 9110 §13.2.2).
Calendar apps poll ``/calendar.ics`` every few minutes; most of those polls end here as a 304.

``SecurityHeaders`` is a thin ASGI adapter adding the fixed headers to every response, error pages
included: a Content-Security-Policy with no script at all, no framing, no MIME sniffing, no referrer.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def etag_of(body: bytes) -> str:
    return 'W/"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/ prefixes are ignored on both sides."""
    if header.strip() == "*":
        return True
    mine = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == mine for tag in header.split(","))


def _not_modified_since(header: str, last_modified: datetime) -> bool:
    try:
        since = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False  # an unreadable date is ignored, as RFC 9110 asks
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= since


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    last_modified: datetime | None = None,
    cache_control: str = "no-cache",
    headers: dict[str, str] | None = None,
) -> Response:
    """A 200 with validators, or a 304 when the client already holds this body.

    ``last_modified``: aware UTC, the time the data behind ``body`` last changed (never in the future).
    ``no-cache`` lets clients and nginx keep a copy but revalidate it on every use.
    """
    etag = etag_of(body)
    out = {"etag": etag, "cache-control": cache_control, **(headers or {})}
    if last_modified is not None:
        out["last-modified"] = format_datetime(last_modified.astimezone(UTC), usegmt=True)
    inm = request.headers.get("if-none-match")
    ims = request.headers.get("if-modified-since")
    if inm is not None:
        fresh = _matches(inm, etag)
    else:
        fresh = ims is not None and last_modified is not None and _not_modified_since(ims, last_modified)
    if fresh and request.method in ("GET", "HEAD"):
        return Response(status_code=304, headers=out)
    return Response(body, media_type=media_type, headers=out)


class SecurityHeaders:
    """ASGI middleware: ``SECURITY_HEADERS`` on every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [
                    (k.encode("latin-1"), v.encode("latin-1"))
                    for k, v in SECURITY_HEADERS.items()
                    if k.encode("latin-1") not in present
                ]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
