"""A local SMTP server that keeps what it receives, for real email delivery in tests.

Apprise's mailto:// plugin speaks plain SMTP (no TLS) when the URL scheme is ``mailto`` and no ``mode=`` is
given, and logs in only when the URL has both a user and a password. Python's smtplib refuses to log in
unless the server advertises AUTH, and aiosmtpd advertises AUTH over a plain connection only with
``auth_require_tls=False``; the authenticator here accepts any login and records it.

The URL form that works (see ``SmtpSink.apprise_url``)::

    mailto://USER:PASS@127.0.0.1:PORT?from=zcwatch@example.com&to=a@example.com   (with AUTH)
    mailto://127.0.0.1:PORT?from=zcwatch@example.com&to=a@example.com             (no AUTH)

``from=`` is required: with an IP address as host Apprise cannot build a sender address from user@host.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from support.arrivals import Arrivals
from zcwatch.demo.loopback import Running


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server saw it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    login: str | None  # the user name the client authenticated as, if it did


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink(Running):
    """Context manager: an aiosmtpd server on 127.0.0.1 collecting parsed messages."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: Arrivals[ReceivedMail] = Arrivals("message(s)")
        self.logins: list[tuple[str, str]] = []
        self._controller: Controller | None = None

    # aiosmtpd handler hook
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else None
        mail = ReceivedMail(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            message=parsed,
            login=login,
        )
        self._messages.add(mail)
        return "250 Message accepted for delivery"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        # Any login is fine: the tests check delivery, not credentials. Record what was offered.
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            with self._lock:
                self.logins.append((user, password))
            return AuthResult(success=True, handled=False, auth_data=auth_data.login)
        return AuthResult(success=True, handled=False)

    def start(self) -> SmtpSink:
        self._controller = Controller(
            self,
            hostname=self.host,
            port=self.port,
            authenticator=self._authenticate,
            auth_required=False,
            auth_require_tls=False,
            enable_SMTPUTF8=True,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[ReceivedMail]:
        return self._messages.all()

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """Block until at least ``n`` messages arrived; AssertionError with what did arrive otherwise."""
        return self._messages.wait_for(n, timeout)

    def apprise_url(
        self,
        to: str = "a@example.com",
        *,
        user: str | None = "zcwatch",
        password: str | None = "smtp-secret-code",
        sender: str = "zcwatch@example.com",
    ) -> str:
        """A mailto:// URL for this sink over plain SMTP; logs in unless user or password is None."""
        auth = f"{quote(user, safe='')}:{quote(password, safe='')}@" if user and password else ""
        return (
            f"mailto://{auth}{self.host}:{self.port}"
            f"?from={quote(sender, safe='@')}&to={quote(to, safe='@')}&name=zcwatch"
        )

    def sender_url(self) -> str:
        """This sink as an operator writes ``[web] mail_url``: from= and the login, and no to=."""
        parts = urlsplit(self.apprise_url())
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "to"]
        return urlunsplit(parts._replace(query=urlencode(query, safe="@")))
