"""Signed links: a subscriber's manage link and the e-mail confirmation link (issue 15).

A token is ``<subject>.<expires>.<signature>``: the subscriber's id, a Unix time (0: never) and the first
128 bits of HMAC-SHA256 over (purpose, subject, expires, the subscriber's nonce) with the site's secret,
URL-safe Base64. The nonce is not in the token but in the subscriber's row, so changing it voids every
link made before; the purpose keeps a manage link from being used as a confirmation link and back.
Nothing in a token is secret but the signature, and nothing personal is in it at all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from core.errors import BadToken, ExpiredToken

_TOKEN_RE = re.compile(r"^(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})$")


def _signature(secret: bytes, purpose: str, subject: int, expires: int, nonce: str) -> str:
    msg = f"{purpose}\n{subject}\n{expires}\n{nonce}".encode()
    digest = hmac.new(secret, msg, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def make_token(secret: bytes, purpose: str, subject: int, nonce: str, expires: int = 0) -> str:
    return f"{subject}.{expires}.{_signature(secret, purpose, subject, expires, nonce)}"


def token_subject(token: str) -> int:
    """The subject a well-formed token names (to look its nonce up); BadToken for any other string."""
    m = _TOKEN_RE.match(token)
    if not m:
        raise BadToken("malformed link")
    return int(m.group(1))


def check_token(secret: bytes, purpose: str, token: str, nonce: str, now: float) -> int:
    """The token's subject if it is genuine, for ``purpose`` and not expired; BadToken/ExpiredToken else."""
    m = _TOKEN_RE.match(token)
    if not m:
        raise BadToken("malformed link")
    subject, expires = int(m.group(1)), int(m.group(2))
    if not hmac.compare_digest(m.group(3), _signature(secret, purpose, subject, expires, nonce)):
        raise BadToken("the link's signature does not match")
    if expires and now > expires:
        raise ExpiredToken("the link has expired")
    return subject


def keyed_digest(secret: bytes, value: str) -> str:
    """A short keyed hash (CSRF tokens tied to a cookie)."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]
