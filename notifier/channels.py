"""Deliver one rendered message to one Apprise URL and say honestly what happened.

A subscriber's channel is an Apprise URL (mailto://, wecombot://, wechat://, wxpusher://, schan://,
pushplus://, dingtalk://, feishu://, json://, …). The URL holds the secret (SMTP authorisation code, bot
key, token), so nothing that leaves this module — errors, ids, masked forms — may contain it:

* ``channel_id`` hashes the URL so the delivery ledger never stores the secret;
* ``masked`` is Apprise's own privacy rendering of the parsed URL;
* every error line is scrubbed of the URL's secret-looking parts before it is returned;
* every line Apprise itself logs is scrubbed the same way (``guard_apprise_logs``), at every verbosity.

``send`` never raises for a channel failure. It builds a fresh ``apprise.Apprise`` per call around the
URL's parsed plugin (reused where it keeps no state), so one subscriber's broken URL cannot affect
another's, and reads the outcome from Apprise's per-call result (``AppriseResult``), whose captured log
lines give the reason.

Chinese services answer HTTP 200 with ``{"errcode": …}`` (or ``{"code": …}``) when they refuse a
message (bad key, rate limit, keyword filter). Apprise's WeCom app (wechat://), WxPusher, PushPlus and
Feishu plugins read that; for the WeCom bot, DingTalk and ServerChan ``notifier.checked`` adds the check.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import apprise
from apprise import Apprise, AppriseAsset, NotifyFormat

from notifier.messages import Message

APP_ID = "zcwatch"
APP_DESC = "zcwatch 职称评审提醒"

# Services where a person would rather read one batched message than several in a row: chat bots and
# phone push. Apprise throttles repeated sends to one service (request_rate_per_sec, 5.5 s by default, per
# plugin instance), but each send() here builds a fresh instance, so the throttle never kicks in between our
# calls; the caller (notifier.deliver._messages) avoids bursts by batching a run's alerts for one channel
# into one message (messages.render_batch).
RATE_LIMITED_SCHEMES = frozenset(
    {"wecombot", "wechat", "wxpusher", "schan", "pushplus", "dingtalk", "feishu", "lark"}
)


_SCHEME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]{1,31})://")

# Query parameters whose value is a credential in some service's API URL; Apprise's socket errors quote
# the request URL (requests' "Max retries exceeded with url: /…?key=…").
_SECRET_PARAM_RE = re.compile(
    r"(?i)\b(access_token|token|key|sendkey|secret|corpsecret|password|pass|apikey|api_key|sign|appToken)"
    r"=([^&\s'\"<>)]+)"
)

# Query parameters that configure behaviour and never hold a credential, so their values stay readable.
_PLAIN_PARAMS = frozenset(
    {
        "format",
        "overflow",
        "retry",
        "wait",
        "optional",
        "verify",
        "rto",
        "cto",
        "mode",
        "method",
        "smtp",
        "name",
        "tz",
        "emojis",
        "store",
    }
)

_MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class SendResult:
    """Outcome of one send: ``error`` is one line a person understands, with secrets masked."""

    ok: bool
    error: str | None


def _asset() -> AppriseAsset:
    # secure_logging keeps Apprise's own "Could not load … URL" lines privacy-masked.
    return AppriseAsset(app_id=APP_ID, app_desc=APP_DESC, secure_logging=True)


_managers = threading.local()


def _manager_for(plugin: apprise.NotifyBase) -> Apprise:
    """This thread's Apprise manager, holding ``plugin`` alone.

    Building a manager loads a gettext catalogue (about 60 µs, against 0.5 µs to swap the plugin in), so
    each thread keeps one; one per thread because ``notify`` runs it while its service list is this call's.
    """
    apobj: Apprise | None = getattr(_managers, "apprise", None)
    if apobj is None:
        apobj = _managers.apprise = Apprise(asset=_asset())
    apobj.clear()
    apobj.add(plugin)
    return apobj


def _scheme(url: str) -> str | None:
    match = _SCHEME_RE.match(url)
    return match.group(1).lower() if match else None


@contextmanager
def _kept_local() -> Iterator[None]:
    """While we call Apprise, its log lines reach only our own capture, not the application's handlers.

    They can quote keys and tokens ("An invalid WeCom Bot Webhook Key (…) was specified"); every failure
    is reported by this module instead, scrubbed. An application that sets the "apprise" logger to DEBUG
    (``zcwatch -vv``) asked to see them, and does, with secrets masked by ``guard_apprise_logs``.
    """
    log = logging.getLogger(apprise.LOGGER_NAME)
    if log.level == logging.DEBUG:
        yield
        return
    null = logging.NullHandler()  # without any handler, Python's last-resort handler would print them
    log.addHandler(null)
    propagate, log.propagate = log.propagate, False
    try:
        yield
    finally:
        log.propagate = propagate
        log.removeHandler(null)


@contextmanager
def _captured(level: int = logging.WARNING) -> Iterator[list[logging.LogRecord]]:
    """Collect records from the "apprise" logger (instantiation happens outside notify()'s capture)."""
    records: list[logging.LogRecord] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    # The logger's level is left alone on purpose: lowering it would also send Apprise's debug lines
    # (which print request URLs with keys in them) to whatever handlers the application configured.
    handler = _Collect(level)
    log = logging.getLogger(apprise.LOGGER_NAME)
    log.addHandler(handler)
    try:
        with _kept_local():
            yield records
    finally:
        log.removeHandler(handler)


@functools.cache
def _register_checked_plugins() -> None:
    # WeCom, DingTalk and ServerChan refuse a message with HTTP 200 and an error code: read it
    # (see notifier/checked.py).
    # Done on first use, not at import: registering makes Apprise load every plugin (~20 MiB), which a
    # run with no channel configured never needs.
    from notifier import checked

    checked.register()


def _instantiate(url: str) -> tuple[apprise.NotifyBase | None, list[str]]:
    """The parsed plugin (or None) and the warnings Apprise logged while trying."""
    guard_apprise_logs(url)
    _register_checked_plugins()
    with _captured() as records:
        plugin = Apprise.instantiate(url.strip(), asset=_asset(), suppress_exceptions=True)
    return plugin, [r.getMessage() for r in records]


@functools.lru_cache(maxsize=4096)
def _parsed(url: str) -> tuple[apprise.NotifyBase | None, tuple[str, ...]]:
    """A cached parse, for the read-only questions (masking, capabilities, validation) and for ``send``
    on services that keep no state between sends (webhooks; see ``send``).

    Parsing an Apprise URL costs more than a local send; a run asks several questions per alert.
    """
    plugin, warnings = _instantiate(url)
    return plugin, tuple(warnings)


# --- secrets ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _secret_parts(url: str) -> frozenset[str]:
    """Substrings of the URL that may be credentials, both raw and percent-decoded.

    Apprise URLs put secrets in different places per service (wecombot://KEY, mailto://user:CODE@host,
    wxpusher://TOKEN/UID, dingtalk://SECRET@TOKEN), so everything except the scheme, a dotted host name,
    the port, the user name and known behaviour flags is treated as secret.
    """
    parts: set[str] = set()
    try:
        split = urlsplit(url.strip())
        netloc = split.netloc
    except ValueError:
        return frozenset({url.strip()[len(_scheme(url) or "") :].lstrip(":/")})

    userinfo, _, hostport = netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    if password:
        parts.add(password)
    if user and not password:
        # A lone user part is a token for several services (dingtalk://SECRET@TOKEN).
        parts.add(user)
    host = hostport.rsplit(":", 1)[0] if hostport.count(":") == 1 else hostport
    if host and "." not in host and host.lower() != "localhost":
        # No dot: not a host name but a key (wecombot://KEY, schan://SENDKEY, feishu://TOKEN).
        parts.add(host)
    parts.update(segment for segment in split.path.split("/") if segment)
    for name, value in parse_qsl(split.query, keep_blank_values=False):
        if name.lower() not in _PLAIN_PARAMS and "@" not in value:
            parts.add(value)
    parts.update({unquote(p) for p in parts})
    # Short fragments ("1", "all") would garble messages and guard nothing.
    return frozenset(p for p in parts if len(p) >= 4)


def _mask_secrets(text: str, urls: Iterable[str]) -> str:
    """``text`` with every secret-looking part of any of ``urls`` replaced by ****."""
    urls = [u.strip() for u in urls]
    parts = frozenset().union(*(_secret_parts(u) for u in urls))
    for part in sorted(parts, key=len, reverse=True):
        text = text.replace(part, "****")
    text = _SECRET_PARAM_RE.sub(lambda m: f"{m.group(1)}=****", text)
    # Apprise quotes rejected values in brackets ("The Pushplus token (abc…) is invalid"); a bracketed
    # value that occurs in the URL is the user's input and may be a secret even if our split missed it.
    schemes = {_scheme(u) for u in urls}
    return re.sub(
        r"\(([^()]{4,})\)",
        lambda m: (
            "(****)" if m.group(1) not in schemes and any(m.group(1) in u for u in urls) else m.group(0)
        ),
        text,
    )


def _scrub(text: str, url: str) -> str:
    """Remove anything from ``text`` that could be a secret taken from ``url``; squeeze to one line."""
    text = _mask_secrets(" ".join(text.split()), [url])
    # A recipient's address in an SMTP answer ("550 <bob@…>: no such user") is personal data: masked as
    # in masked URLs, first letter and domain.
    text = _EMAIL.sub(lambda m: f"{m.group(1)[:1]}***@{m.group(2)}", text)
    if len(text) > _MAX_ERROR_CHARS:
        text = text[: _MAX_ERROR_CHARS - 1] + "…"
    return text


class _ScrubApprise(logging.Filter):
    """Rewrites every record of the "apprise" logger with the secrets of every URL this process has used
    masked, before any handler sees it.

    Apprise's debug lines print request URLs as they are (``…/webhook/send?key=<KEY>``, issue 11 defect
    6), and ``zcwatch -vv`` lets them through; its secure_logging only covers some of its own lines.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: dict[str, None] = {}  # insertion-ordered set; URLs are added before Apprise sees them

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _mask_secrets(record.getMessage(), self.urls)
        record.args = None
        return True


_APPRISE_FILTER = _ScrubApprise()


def guard_apprise_logs(*urls: str) -> None:
    """Mask these URLs' secrets in every Apprise log line from now on (also for URLs Apprise reads from
    a config file, which the caller registers once it has them). Safe to call again and again."""
    _APPRISE_FILTER.urls.update(dict.fromkeys(u.strip() for u in urls))
    log = logging.getLogger(apprise.LOGGER_NAME)
    if _APPRISE_FILTER not in log.filters:
        log.addFilter(_APPRISE_FILTER)


def guard_log_handlers(handlers: Iterable[logging.Handler]) -> None:
    """Mask the channels' secrets in every record these handlers write, whichever logger it came from.

    A logger's filter does not see records its children propagate, and at debug level urllib3 logs each
    request line (``"POST /cgi-bin/webhook/send?key=<KEY> HTTP/1.1" 200``) under its own loggers.
    """
    for handler in handlers:
        if _APPRISE_FILTER not in handler.filters:
            handler.addFilter(_APPRISE_FILTER)


def masked(url: str) -> str:
    """The URL as the user wrote it, with every secret replaced by ``****``.

    What is secret is Apprise's call: a part of the URL (user, password, host, path segment, query value)
    is shown only if Apprise's own privacy rendering shows it too; everything else becomes ``****``. So the
    listing shows what the user wrote, not Apprise's internal parameters (``?method=POST&overflow=…``).
    E-mail addresses (the subscriber's ``to=``) keep their first letter and domain only. For an
    unparseable URL only its scheme survives.
    """
    plugin, _ = _parsed(url)
    if plugin is None:
        scheme = _scheme(url)
        return f"<invalid apprise url> {scheme}://" if scheme else "<invalid apprise url>"
    shown = _Visible(str(plugin.url(privacy=True)))
    return _rebuild(url, lambda _role, part: _keep(part, shown))


def _rebuild(url: str, show: Callable[[str, str], str]) -> str:
    """``url`` written again part by part, each part as ``show(role, part)`` gives it; the roles: "user"
    (with a password, which is never shown), "lone user", "host", "segment" and "?<key>" (a query value).
    A non-numeric port and a fragment are always ``****``."""
    scheme, _, rest = url.strip().partition("://")
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    userinfo, at, hostport = netloc.rpartition("@")
    out = scheme + "://"
    if at:
        user, colon, _ = userinfo.partition(":")
        out += show("user" if colon else "lone user", user) + (":****" if colon else "") + "@"
    host, colon, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
    out += (show("host", host) if host else "") + (
        colon + (port if port.isdigit() else "****") if colon else ""
    )
    if slash:
        out += "/" + "/".join(show("segment", seg) if seg else "" for seg in path.split("/"))
    if query:
        pairs = [pair.partition("=") for pair in query.split("&") if pair]
        out += "?" + "&".join(k + (eq + show("?" + k, v) if eq else "") for k, eq, v in pairs)
    return out + ("#****" if fragment else "")


_EMAIL = re.compile(r"([^@\s/:?&=]+)@([\w.-]+\.[A-Za-z]{2,})")


def masked_by_shape(url: str) -> str:
    """``url`` masked from its shape alone, without asking Apprise: for listing many channels at once.

    The same judgement as the log scrubber's (``_secret_parts``): the scheme, a dotted host name (or
    localhost), a numeric port, a user name that has a password, and the values of behaviour flags
    (``format``, ``method``…) are shown; a password, a lone user part, a host without a dot (wecombot://KEY),
    every path segment and every other query value become ``****``; e-mail addresses keep their first letter
    and domain. It costs a few microseconds where ``masked`` (Apprise's own judgement, which may show a path
    it calls public) costs a millisecond: ``notify --dry-run`` lists 100,000 subscribers' channels with it.
    """
    if _scheme(url) is None:
        return "<invalid apprise url>"
    return _rebuild(url, _shape_shows)


_PLAIN_HOST = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|localhost|\[[0-9A-Fa-f:.]+\]")


def _shape_shows(role: str, part: str) -> str:
    """What ``masked_by_shape`` shows of one part of a URL (see there)."""
    if role == "user":
        return _EMAIL.sub(_short_address, unquote(part))
    if role == "host":
        return part if _PLAIN_HOST.fullmatch(part) else "****"
    if role.startswith("?") and role[1:].lower() in _PLAIN_PARAMS and "@" not in part:
        return part
    return _mask_value(part) if role != "segment" else "****"


def _short_address(m: re.Match[str]) -> str:
    return f"{m.group(1)[0]}***@{m.group(2)}"


def _mask_value(value: str) -> str:
    address = _EMAIL.fullmatch(unquote(value))
    return _short_address(address) if address else "****"


class _Visible:
    """Every piece of Apprise's privacy URL, unquoted: the pieces it thought safe to show.

    The query's pieces are read only when a part is not among the others: Apprise writes a dozen
    parameters of its own there (``?method=POST&overflow=…``), and splitting and unquoting them was half of
    masking a webhook's URL, whose parts are all in front of the ``?``. A part is shown exactly when it is
    among all the pieces, as if they had been read at once.
    """

    def __init__(self, private_url: str) -> None:
        _, _, rest = private_url.partition("://")
        rest, _, self._query = rest.partition("?")
        self._pieces = _shown_pieces(re.split(r"[@:/]", rest))
        self._query_read = False

    def __contains__(self, part: object) -> bool:
        if part in self._pieces:
            return True
        if not self._query_read:
            self._query_read = True
            pieces: set[str] = set()
            for key, value in parse_qsl(self._query, keep_blank_values=True):
                pieces |= {key, value, *value.split(",")}
            self._pieces |= _shown_pieces(pieces)
        return part in self._pieces


def _shown_pieces(pieces: Iterable[str]) -> set[str]:
    return {unquote(p) for p in pieces if p and "*" not in p and "..." not in p}


def _keep(part: str, shown: _Visible) -> str:
    """``part`` if Apprise shows it (e-mail addresses shortened), else ``****``."""
    if not part:
        return part
    if unquote(part) not in shown and part not in shown:
        return "****"
    return _EMAIL.sub(lambda m: f"{m.group(1)[0]}***@{m.group(2)}", unquote(part))


def channel_id(url: str) -> str:
    """Stable short id for the ledger: first 16 hex digits of sha256(URL); the URL is never stored."""
    return hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]


def validate_url(url: str) -> str | None:
    """None if Apprise accepts the URL, else a one-line reason that does not repeat any secret."""
    scheme = _scheme(url)
    if scheme is None:
        return "not an Apprise URL: expected something like mailto://… or wecombot://…"
    plugin, warnings = _parsed(url)
    if plugin is not None:
        return None
    # Apprise logs the plugin's specific complaint first and a generic "Could not load … URL" last.
    specific = [w for w in warnings if not w.startswith(("Could not load", "Unparseable", "Unsupported URL"))]
    if specific:
        detail = _scrub(specific[0], url).rstrip(" :")
        if "~From~" in detail:
            # With an IP address or bare host as server, Apprise cannot derive a sender from user@host.
            detail = "no valid sender address; add from=you@example.com to the URL"
        return f"{scheme}:// URL rejected: {detail}"
    if any(w.startswith(("Unparseable URL", "Unsupported URL")) for w in warnings):
        return f"unsupported service {scheme}://"
    return f"{scheme}:// URL rejected by Apprise"


def masked_address(address: str) -> str:
    """An e-mail address as ``a***@example.org``, a WxPusher UID or a bot key as its first 6 characters."""
    local, at, domain = address.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    return address[:6] + "***"


def with_recipient(mail_url: str, address: str) -> str:
    """The operator's mailto(s):// sender URL addressed to one recipient (its ``to=`` replaced)."""
    from urllib.parse import quote

    base, _, query = mail_url.partition("?")
    pairs = [p for p in query.split("&") if p and p.partition("=")[0].lower() != "to"]
    pairs.append("to=" + quote(address, safe="@"))
    return base + "?" + "&".join(pairs)


def with_headers(url: str, headers: Sequence[tuple[str, str]]) -> str:
    """An e-mail URL carrying extra headers (Apprise's ``+Name=value`` arguments); others unchanged."""
    from urllib.parse import quote

    if not headers or _scheme(url) not in ("mailto", "mailtos"):
        return url
    extra = "&".join(f"+{quote(k, safe='-')}={quote(v, safe='')}" for k, v in headers)
    return url + ("&" if "?" in url else "?") + extra


def takes_html(url: str) -> bool:
    """True when the service renders HTML by default (email, PushPlus), so HTML bodies are worth sending."""
    plugin, _ = _parsed(url)
    return plugin is not None and plugin.resolve_format(None) == NotifyFormat.HTML


def takes_attachments(url: str) -> bool:
    """True when the plugin can carry files (email, json webhooks); chat bots cannot."""
    plugin, _ = _parsed(url)
    return plugin is not None and bool(plugin.attachment_support)


def rate_limited(url: str) -> bool:
    """True for chat bots and phone push, where alerts should arrive batched in one message."""
    scheme = _scheme(url)
    if scheme is None:
        return False
    if scheme in RATE_LIMITED_SCHEMES:
        return True
    # A native webhook URL (https://qyapi.weixin.qq.com/…?key=…) parses to one of the services above.
    plugin, _ = _parsed(url)
    return plugin is not None and str(plugin.secure_protocol) in RATE_LIMITED_SCHEMES


# --- sending ---------------------------------------------------------------------------------------------


def _cause(message: str) -> str:
    """The useful tail of a "Socket Exception: …" debug line (requests wraps errno text in repr noise)."""
    detail = message.split(":", 1)[1].strip()
    errno = re.search(r"\[Errno -?\d+\][^'\")]*", detail)
    if errno:
        return errno.group(0).strip()
    if "timed out" in detail.lower():
        return "timed out"
    return detail[:120]


def _reason(entries: Sequence[tuple[str, str]], url: str) -> str | None:
    """The first warning/error line, plus the low-level cause Apprise logs at debug level, scrubbed."""
    first = next((msg for level, msg in entries if level in ("WARNING", "ERROR", "CRITICAL")), None)
    cause = next((_cause(msg) for _, msg in entries if msg.startswith("Socket Exception:")), None)
    if first is None and cause is None:
        return None
    line = first or "delivery failed"
    if cause:
        line = f"{line.rstrip('.')} ({cause})"
    return _scrub(line, url)


def send(url: str, message: Message, attachments: Sequence[Path] = (), timeout: float = 20) -> SendResult:
    """Send ``message`` to one Apprise URL; ok=False with a reason instead of raising on failure.

    Attachments go only to services that can carry them; for the others they are dropped and the message
    still goes out. ``timeout`` bounds the whole call (Apprise's per-call deadline), on top of the plugin's
    own socket timeouts.
    """
    # The run's parse of this URL (masking and capabilities asked for it already): parsing costs about
    # what a local send does. A plugin that throttles (request_rate_per_sec) keeps the time of its last
    # send, so it is built afresh, as before: this module spaces its sends by batching, not by sleeping.
    target = with_headers(url, message.headers)
    plugin, _ = _parsed(target)
    if plugin is not None and plugin.request_rate_per_sec > 0:
        plugin, _ = _instantiate(target)
    if plugin is None:
        return SendResult(ok=False, error=validate_url(url) or "invalid Apprise URL")

    attach: list[str] | None = None
    if attachments and plugin.attachment_support:
        missing = [p.name for p in attachments if not Path(p).is_file()]
        if missing:
            return SendResult(ok=False, error=f"attachment not found: {', '.join(missing)}")
        attach = [str(p) for p in attachments]

    apobj = _manager_for(plugin)
    text_part: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if message.body_format == "html" and message.text and _scheme(url) in ("mailto", "mailtos"):
        from notifier.mailtext import alternative

        text_part = alternative(message.body, message.text)
    try:
        with _kept_local(), text_part:
            result = apobj.notify(
                body=message.body,
                title=message.title,
                body_format=message.body_format,
                attach=attach,
                timeout=timeout,
                # Captures debug lines (the socket-level cause) only if the application itself runs the
                # "apprise" logger at DEBUG; we never lower it, since its debug lines carry URLs with keys.
                log_level=logging.DEBUG,
            )
    except Exception as exc:  # Apprise promises not to raise; if it does, the caller still gets a result.
        return SendResult(ok=False, error=_scrub(f"{type(exc).__name__}: {exc}", url))

    with result:
        entries = [(entry.level, entry.message) for entry in result.logs()]
        if result:
            return SendResult(ok=True, error=None)
        status = result.status.name.lower()
    reason = _reason(entries, url)
    if reason is None:
        reason = f"delivery failed ({status})"
    elif status == "timeout":
        reason = f"timed out after {timeout:g}s: {reason}"
    return SendResult(ok=False, error=reason)
