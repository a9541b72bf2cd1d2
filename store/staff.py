"""Staff accounts, their browser sessions and API tokens, and the audit log (issue 16).

- **Passwords** are kept as argon2id hashes (argon2-cffi's defaults, RFC 9106's second recommendation),
  never in the clear; a hash made with weaker parameters is upgraded at the next good login. A login for a
  name that does not exist still verifies against a dummy hash, so the answer takes as long either way.
- **API tokens** are ``zcw_<staff id>_<secret>``; only the sha256 of the secret is stored, so the database
  cannot give a token away. ``zcwatch staff token NAME`` makes a new one and voids the old.
- **Sessions**: the cookie is ``<secret>.<signature>``, the signature a keyed hash of the secret and the
  host it was issued for with the site's secret (``store.subscribers.site_secret``). The row is keyed by the
  secret's sha256 and remembers the host; logging out ends the row. So a cookie is refused after logout,
  on another host (or another zcwatch), after ``SESSION_HOURS``, and when its account is removed.
- **The audit log** (``AuditEntry``): one row per staff action that changes something, with what it was
  before and after. ``audit()`` adds a row in the caller's transaction, so an action and its record are
  committed together or not at all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import ReviewError
from core.signing import keyed_digest
from core.vocabulary import StaffAction
from store.models import AuditEntry, StaffMember, StaffSession, utcnow

if TYPE_CHECKING:
    from argon2 import PasswordHasher

SESSION_HOURS = 12
MIN_PASSWORD = 10
MAX_PASSWORD = 200
TOKEN_PREFIX = "zcw_"
_NAME_RE = re.compile(r"^[\w.\-@]{1,50}$")
_TOKEN_RE = re.compile(r"^zcw_(\d{1,9})_([A-Za-z0-9_-]{43})$")
_COOKIE_RE = re.compile(r"^([A-Za-z0-9_-]{43})\.([0-9a-f]{32})$")


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # only the commands that log in pay for the import

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ReviewError(f"staff name {name!r}: use 1-50 letters, digits, '.', '-', '_' or '@'")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ReviewError(f"password too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ReviewError(f"password too long: at most {MAX_PASSWORD} characters")
    return password


def find(session: Session, name: str) -> StaffMember | None:
    return session.scalar(select(StaffMember).where(StaffMember.name == name))


def _existing(session: Session, name: str) -> StaffMember:
    member = find(session, name)
    if member is None:
        raise ReviewError(f"no staff account named {name!r} (zcwatch staff list)", status=404)
    return member


def audit(
    session: Session,
    staff: str,
    via: str,
    action: str,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(staff=staff, via=via, action=action, target=target, before=before or {}, after=after or {})
    )


def add_staff(session: Session, name: str, password: str) -> StaffMember:
    check_name(name)
    check_password(password)
    if find(session, name) is not None:
        raise ReviewError(f"a staff account named {name!r} exists already (zcwatch staff passwd {name})")
    member = StaffMember(name=name, password_hash=_hasher().hash(password))
    session.add(member)
    audit(session, name, "cli", StaffAction.STAFF_ADD, f"staff {name}")
    session.flush()
    return member


def set_password(session: Session, name: str, password: str) -> None:
    """A new password; every open session of the account ends (someone may have learnt the old one)."""
    member = _existing(session, name)
    member.password_hash = _hasher().hash(check_password(password))
    member.password_changed_at = utcnow()
    _end_all(session, member)
    audit(session, name, "cli", StaffAction.STAFF_PASSWORD, f"staff {name}")


def remove_staff(session: Session, name: str) -> None:
    member = _existing(session, name)
    session.execute(delete(StaffSession).where(StaffSession.staff_id == member.id))
    session.delete(member)
    audit(session, name, "cli", StaffAction.STAFF_REMOVE, f"staff {name}")


def new_token(session: Session, name: str) -> str:
    """A new bearer token for the API; the previous one stops working. Shown once, stored as a hash."""
    member = _existing(session, name)
    secret = secrets.token_urlsafe(32)
    member.token_hash = _sha256(secret)
    audit(session, name, "cli", StaffAction.STAFF_TOKEN, f"staff {name}")
    return f"{TOKEN_PREFIX}{member.id}_{secret}"


def staff_for_token(session: Session, token: str) -> StaffMember | None:
    m = _TOKEN_RE.match(token)
    if not m:
        return None
    member = session.get(StaffMember, int(m.group(1)))
    if member is None or member.token_hash is None:
        return None
    return member if hmac.compare_digest(member.token_hash, _sha256(m.group(2))) else None


def verify_login(session: Session, name: str, password: str) -> StaffMember | None:
    """The account when the password is right; None otherwise, in about the same time either way."""
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = _hasher()
    member = find(session, name) if _NAME_RE.match(name) and len(password) <= MAX_PASSWORD else None
    try:
        hasher.verify(member.password_hash if member else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):  # a wrong password, or a stored hash that is not argon2
        return None
    if member is None:
        return None
    if hasher.check_needs_rehash(member.password_hash):
        member.password_hash = hasher.hash(password)
    return member


def _signature(site_secret: bytes, secret: str, host: str) -> str:
    return keyed_digest(site_secret, f"staff-session\n{host.lower()}\n{secret}")


def open_session(session: Session, member: StaffMember, host: str, site_secret: bytes) -> str:
    """A new session for ``member`` on ``host``; returns the cookie's value."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id=_sha256(secret),
            staff_id=member.id,
            host=host.lower(),
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    # Sessions long over are forgotten here, the one place that adds them.
    session.execute(delete(StaffSession).where(StaffSession.expires_at < now - timedelta(days=30)))
    return f"{secret}.{_signature(site_secret, secret, host)}"


def _row(session: Session, cookie: str, host: str, site_secret: bytes) -> StaffSession | None:
    m = _COOKIE_RE.match(cookie or "")
    if not m or not hmac.compare_digest(m.group(2), _signature(site_secret, m.group(1), host)):
        return None
    row = session.get(StaffSession, _sha256(m.group(1)))
    if row is None or row.host != host.lower():
        return None
    return row


def session_staff(
    session: Session, cookie: str, host: str, site_secret: bytes, now: datetime | None = None
) -> StaffMember | None:
    """The account a session cookie signs in, or None: forged, another host's, ended or expired."""
    row = _row(session, cookie, host, site_secret)
    if row is None or row.ended_at is not None or row.expires_at <= (now or utcnow()):
        return None
    return session.get(StaffMember, row.staff_id)


def end_session(session: Session, cookie: str, host: str, site_secret: bytes) -> None:
    row = _row(session, cookie, host, site_secret)
    if row is not None and row.ended_at is None:
        row.ended_at = utcnow()


def _end_all(session: Session, member: StaffMember) -> None:
    now = utcnow()
    for row in session.scalars(
        select(StaffSession).where(StaffSession.staff_id == member.id, StaffSession.ended_at.is_(None))
    ):
        row.ended_at = now


def names(session: Session) -> list[tuple[str, bool, datetime]]:
    """Every account: (name, has an API token, created)."""
    return [
        (m.name, m.token_hash is not None, m.created_at)
        for m in session.scalars(select(StaffMember).order_by(StaffMember.name))
    ]
