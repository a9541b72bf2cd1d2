"""What stands between the public and the subscription forms: CSRF tokens and rate limits (issue 15).

CSRF: a random cookie (``zc_csrf``, HttpOnly, SameSite=Lax) and, in every form, a keyed hash of it with
the site's secret. A form posted without both, or from a page of another site (which can send the cookie
but never read it to make the hash), is refused with 403.

Rate limits: a sliding window per key (an IP address, an e-mail address), in this process's memory. One
``zcwatch serve`` process answers every request (uvicorn, one worker), so that is the whole count; a
restart forgets it, which costs an abuser one more minute at most. Behind nginx, uvicorn takes the client's
address from ``X-Forwarded-For`` sent by 127.0.0.1 (its default ``forwarded_allow_ips``).
"""

from __future__ import annotations

import hmac
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from core.signing import keyed_digest

CSRF_COOKIE = "zc_csrf"
CSRF_FIELD = "csrf"


def new_csrf_cookie() -> str:
    return secrets.token_hex(16)


def csrf_cookie_of(cookies: Mapping[str, str]) -> tuple[str, bool]:
    """The request's CSRF cookie, or a new one (then True: the answer must set it)."""
    cookie = cookies.get(CSRF_COOKIE)
    if cookie and re.fullmatch(r"[0-9a-f]{32}", cookie):
        return cookie, False
    return new_csrf_cookie(), True


def csrf_token(secret: bytes, cookie: str) -> str:
    return keyed_digest(secret, "csrf\n" + cookie)


def csrf_ok(secret: bytes, cookie: str | None, token: str | None) -> bool:
    if not cookie or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, cookie), token)


class RateLimit:
    """At most ``limit`` hits per key in any ``seconds``; ``hit`` says whether this one is allowed."""

    def __init__(self, limit: int, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.seconds:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            if len(self._hits) > 10_000:  # forget idle keys, so a scan of addresses cannot grow it forever
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.seconds]:
                    del self._hits[k]
            return True

    def forgive(self, key: str) -> None:
        """Take back the last hit of ``key`` (a sign-in that succeeded is not an attempt to hold against it).
        Counted first and forgiven after, so attempts made at the same moment are all counted."""
        with self._lock:
            q = self._hits.get(key)
            if q:
                q.pop()
