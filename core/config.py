"""The validated configuration: one object, loaded and checked before any network I/O.

Every key of ``config.toml`` is listed here with its type and default. Unknown keys, wrong
types, bad URLs and missing environment variables end in a ``ConfigError`` that names the
file, the key (``subscribers[1].urls[0]``) and the problem, so the CLI can print one line and
exit 2. Secrets may be written as ``${NAME}``: they are read from the environment at load time
so the file itself can be committed. Apprise URLs are only ever shown masked.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ConfigError
from core.vocabulary import WINDOW_KINDS

DEFAULT_SOURCE_URL = "https://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Selectors:
    """CSS selectors of one column's pages; "" keeps the built-in one (the Guangzhou CMS's template).

    A column on another site (the province's review notices, a district bureau) is a ``[[sources]]`` entry
    with its own ``[sources.selectors]``. They are tried first; when they find nothing the built-in
    template and then the generic fallback are tried, and the crawl reports the layout as suspect.
    """

    item: str = ""  # one listing entry (built-in: div.pageList ul.infoList > li)
    link: str = ""  # the notice link inside an entry (h4 > a[href], else the first a[href])
    date: str = ""  # the entry's date inside an entry (span.time, else any date in its text)
    next: str = ""  # the listing's next-page link (#page_div a.next, else a link reading 下一页)
    body: str = ""  # a notice page's text container (div.content ucapcontent, div.article-content)
    title: str = ""  # a notice page's title (meta ArticleTitle, else h1, else <title>)
    published: str = ""  # a notice page's publish date (publishtime, meta PubDate, 发布日期：… in the text)

    @property
    def configured(self) -> bool:
        return any(getattr(self, f) for f in SELECTOR_KEYS)


SELECTOR_KEYS = ("item", "link", "date", "next", "body", "title", "published")


@dataclass(frozen=True)
class Source:
    name: str
    url: str
    selectors: Selectors = field(default_factory=Selectors)


@dataclass(frozen=True)
class CrawlSettings:
    delay: float = 2.0
    contact: str = "zcwatch-operator@example.org"
    user_agent: str = ""
    timeout: float = 30.0
    max_bytes: int = 5_000_000
    follow_domains: tuple[str, ...] = ("gz.gov.cn",)
    proxy: str = ""
    layout_drop_ratio: float = 0.5
    max_pages: int = 30

    @property
    def effective_user_agent(self) -> str:
        return self.user_agent or f"zcwatch/0.1 (+mailto:{self.contact})"


@dataclass(frozen=True)
class Subscriber:
    name: str
    urls: tuple[str, ...] = ()
    apprise_config: str = ""
    tags: tuple[str, ...] = ()
    committees: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    lead_days: int | None = None
    quiet_hours: str = ""
    # Where the subscriber comes from and how it is reached (issue 15). A ``[[subscribers]]`` table is
    # an active ``config`` subscriber with Apprise URLs; the stored ones also carry their row's id and nonce
    # (for their manage links), a status and, for the web's channels, the bare address.
    origin: str = "config"
    channel_type: str = "apprise"
    address: str = ""
    status: str = "active"
    paused_until: str | None = None
    id: int | None = None
    nonce: str = ""


@dataclass(frozen=True)
class AlertSettings:
    lead_days: int = 30
    closing_soon_days: int = 3
    opens_at: str = "09:00"
    checklist: tuple[str, ...] = ()
    estimate: bool = True


@dataclass(frozen=True)
class DigestSettings:
    recipients: tuple[str, ...] = ()
    weekday: str = "mon"
    at: str = "08:30"
    days: int = 45


@dataclass(frozen=True)
class ExtractSettings:
    # A window the extractor is less sure of than this (0-1; a guessed step is 0.45 or less, a labelled
    # one 0.9 and more) puts its notice on the digest's needs-review list.
    review_below: float = 0.5
    # true: such a window's alerts wait until a member of staff confirms or corrects it (/staff).
    hold_unsure: bool = False


@dataclass(frozen=True)
class HealthSettings:
    recipients: tuple[str, ...] = ()
    failures: int = 3
    hours: float = 12.0


@dataclass(frozen=True)
class DaemonSettings:
    crawl_times: tuple[str, ...] = ("08:40", "12:10", "16:40")
    crawl_days: str = "mon-fri"
    jitter_seconds: int = 600
    notify_minutes: int = 5


@dataclass(frozen=True)
class WebSettings:
    """`zcwatch serve`: the deadline board on the web (README "The web board")."""

    # The address people open (behind nginx: https://zc.example.org); links in the feeds and the webcal://
    # link are built on it. Empty: the address each request came to.
    base_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    title: str = "广州职称评审申报看板"
    # The office's contact line, shown at the foot of every page ("区人社局职称办 020-…").
    contact: str = ""
    # Open windows that close within this many days are shown in red.
    closing_days: int = 7
    # Self-service subscriptions (/subscribe, issue 15). The operator's sender for e-mail subscribers: an
    # Apprise mailto(s):// URL without `to=` (each subscriber's address is added per message). Empty: the
    # page offers no e-mail.
    mail_url: str = ""
    # WxPusher: the operator's app token (AT_…) offers WeChat through WxPusher; the API's address.
    wxpusher_app_token: str = ""
    wxpusher_api: str = "https://wxpusher.zjiecode.com"
    # Offer a WeCom group bot key (the subscriber's own bot, on qyapi.weixin.qq.com) as a channel.
    wecombot: bool = True


# What each reminder of the applicant's timeline says (notifier.timeline; issue 17), from the district
# office's guide (../shared/seed). [office.texts] may replace any of them; the placeholders they may use:
OFFICE_TEXT_FIELDS = ("office", "phone", "days", "workday", "deadline")
DEFAULT_OFFICE_TEXTS: dict[str, str] = {
    "check_result": (
        "{office}完成首次审核一般需要5到6个工作日（今天是提交后第{workday}个工作日）。请登录广州职称申报与"
        "管理系统查看审核结果，建议每天早晚各看一次；发现退案请尽快根据退案理由修改后再次申报。"
    ),
    "contact_office": (
        "提交申报已{days}天，如仍未完成首次审核，请尽快联系{office}确认：{phone}。"
        "咨询电话较多，打不通请耐心多打几次或换个时间再打。"
    ),
    "expect_sms": (
        "已通过{office}初审。{office}一般会以短信通知递交纸质材料进行盖章或保存，请留意短信，"
        "并根据评委会评审通知要求准备纸质材料。"
    ),
    "chase_sms": "通过初审已{days}天仍未收到递交纸质材料的短信通知，可致电{office}确认：{phone}。",
    "no_wait_sms": (
        "评委会即将截止（{deadline}）：可不用等待{office}的短信通知，请根据评委会通知尽快准备纸质材料，"
        "送{office}审核盖章（{phone}）。"
    ),
    "resubmit": "申报被退案：请尽快根据系统退案理由修改后再次申报。评委会截止时间：{deadline}。",
    "check_status": (
        "评委会审核流程时间一般较长，请每周至少登录一次系统查看审核流程。对退案内容有疑问，可通过人社"
        "官网“评委会一览表”或评委评审通知找到评委电话咨询确认。"
    ),
}


@dataclass(frozen=True)
class OfficeSettings:
    """[office]: the district office whose first review the applicant's timeline follows (issue 17)."""

    name: str = "番禺区人才交流管理办公室"
    phone: str = "020-34626612"
    # The office's first review: how many working days it takes, and at what local times each of them the
    # applicant is reminded to look at the result (the guide: morning and evening).
    review_days: int = 6
    remind_at: tuple[str, ...] = ("09:00", "18:00")
    contact_after_days: int = 7
    sms_after_days: int = 7
    no_wait_days: int = 3
    status_every_days: int = 7
    texts: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_OFFICE_TEXTS))


@dataclass(frozen=True)
class Config:
    path: Path
    timezone: str = "Asia/Shanghai"
    database_url: str = "sqlite:///data/zcwatch.sqlite3"
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    sources: tuple[Source, ...] = (Source("gz-pstz", DEFAULT_SOURCE_URL),)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    subscribers: tuple[Subscriber, ...] = ()
    digest: DigestSettings = field(default_factory=DigestSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    admin: HealthSettings = field(default_factory=HealthSettings)
    daemon: DaemonSettings = field(default_factory=DaemonSettings)
    web: WebSettings = field(default_factory=WebSettings)
    office: OfficeSettings = field(default_factory=OfficeSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_path(self) -> Path | None:
        """The SQLite file, resolved against the config file's folder; None for other databases."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        raw = self.database_url[len(prefix) :]
        if raw in ("", ":memory:"):
            return None
        p = Path(raw)
        return p if p.is_absolute() else (self.path.parent / p)

    @property
    def resolved_database_url(self) -> str:
        p = self.database_path
        return f"sqlite:///{p}" if p is not None else self.database_url

    @property
    def masked_database_url(self) -> str:
        """The database URL as written, its password (if any) shown as ``****``: safe to print or log."""
        return mask_database_url(self.database_url)

    def sources_to_crawl(self, name: str | None = None) -> tuple[Source, ...]:
        """The source named, or every one; no [[sources]] at all is an error here, not a silent no-op."""
        if name:
            return (self.source(name),)
        if not self.sources:
            raise ConfigError(
                str(self.path),
                "sources",
                "no [[sources]] table: nothing to crawl "
                "(the template from `zcwatch init` has the Guangzhou column)",
            )
        return self.sources

    def source(self, name: str) -> Source:
        for s in self.sources:
            if s.name == name:
                return s
        names = ", ".join(s.name for s in self.sources)
        raise ConfigError(str(self.path), "sources", f"no source named {name!r} (have: {names})")


SQLITE_PREFIX = "sqlite:///"
POSTGRES_PREFIX = "postgresql+psycopg://"


def mask_database_url(url: str) -> str:
    """``url`` with its password (if any) replaced by ``****``; SQLite URLs have none.

    Done on the text, not through a URL parser, so a password holding ``@``, ``/`` or ``:`` (written
    without percent-encoding) is masked whole: the user part runs to the last ``@`` before the query.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    head, q, query = rest.partition("?")
    userinfo, at, host = head.rpartition("@")
    if at and ":" in userinfo:
        head = f"{userinfo.partition(':')[0]}:****@{host}"
    return _mask_query_password(f"{scheme}://{head}{q}{query}")


def _mask_query_password(url: str) -> str:
    # libpq also takes the password as a query parameter (?password=...).
    return re.sub(r"([?&]password=)[^&]*", r"\1****", url)


def _database_url(r: _Reader) -> str:
    url: str = r.get("url", str, SQLITE_PREFIX + "data/zcwatch.sqlite3")
    expected = "expected sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST[:PORT]/DATABASE"
    if url.startswith(SQLITE_PREFIX):
        return url
    # Never the URL itself in the message: it may hold the password.
    _check(r, "url", url.startswith(POSTGRES_PREFIX), f"{expected} (got {mask_database_url(url)!r})")
    rest = url[len(POSTGRES_PREFIX) :]
    name = rest.rpartition("@")[2].partition("?")[0]
    _check(r, "url", "/" in name and bool(name.split("/", 1)[1]), f"{expected}: no database name")
    return url


# --- validation helpers -------------------------------------------------------------------------


UrlCheck = Callable[[str], "str | None"]
"""Checks one Apprise URL: None if it is usable, else a one-line reason that repeats no secret."""

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def url_shape(url: str) -> str | None:
    """The check the ground package can make itself: ``scheme://…``. The CLI passes Apprise's own."""
    if not _SCHEME.match(url):
        return "not an Apprise URL: expected something like mailto://… or wecombot://…"
    return None


class _Reader:
    """Reads one TOML table, remembering which keys were used so leftovers can be reported."""

    def __init__(self, path: Path, table: Mapping[str, Any], prefix: str, check_url: UrlCheck) -> None:
        self.path, self.table, self.prefix = path, table, prefix
        self.check_url = check_url
        self.used: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, problem: str) -> ConfigError:
        return ConfigError(str(self.path), self.key(name), problem)

    def get(self, name: str, kind: type | tuple[type, ...], default: Any) -> Any:
        self.used.add(name)
        if name not in self.table:
            return default
        value = self.table[name]
        # bool is an int in Python; a TOML true where a number belongs is still a mistake.
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            raise self.fail(name, f"expected {_type_name(kind)}, got a boolean")
        if not isinstance(value, kind):
            raise self.fail(name, f"expected {_type_name(kind)}, got {type(value).__name__}")
        if isinstance(value, str):
            value = self.interpolate(name, value)
        return value

    def strings(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        raw = self.get(name, list, None)
        if raw is None:
            return default
        out = []
        for i, item in enumerate(raw):
            if not isinstance(item, str):
                raise self.fail(f"{name}[{i}]", f"expected a string, got {type(item).__name__}")
            out.append(self.interpolate(f"{name}[{i}]", item))
        return tuple(out)

    def interpolate(self, name: str, value: str) -> str:
        def sub(m: re.Match[str]) -> str:
            var = m.group(1)
            if var not in os.environ:
                raise self.fail(name, f"environment variable {var} is not set")
            return os.environ[var]

        out = _ENV_REF.sub(sub, value)
        # What is left of "${" after the substitution is a reference that never closes, or a bad name.
        if "${" in _ENV_REF.sub("", value):
            raise self.fail(name, "unterminated or malformed ${NAME} (a name is letters, digits and _)")
        return out

    def finish(self) -> None:
        for name in self.table:
            if name not in self.used:
                raise ConfigError(str(self.path), self.key(name), "unknown key")


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _table(r: _Reader, name: str) -> _Reader:
    r.used.add(name)
    raw = r.table.get(name, {})
    if not isinstance(raw, dict):
        raise r.fail(name, "expected a table")
    return _Reader(r.path, raw, f"{r.key(name)}.", r.check_url)


def _tables(r: _Reader, name: str) -> list[_Reader] | None:
    r.used.add(name)
    if name not in r.table:
        return None
    raw = r.table[name]
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise r.fail(name, f"expected [[{name}]] tables")
    return [_Reader(r.path, t, f"{r.key(name)}[{i}].", r.check_url) for i, t in enumerate(raw)]


def _check(r: _Reader, name: str, ok: bool, problem: str) -> None:
    if not ok:
        raise r.fail(name, problem)


def _http_url(r: _Reader, name: str, value: str) -> str:
    parts = urlsplit(value)
    _check(
        r, name, parts.scheme in ("http", "https") and bool(parts.hostname), f"not an http(s) URL: {value!r}"
    )
    return value


def _apprise_urls(r: _Reader, name: str) -> tuple[str, ...]:
    urls = r.strings(name)
    # The check keeps Apprise's own complaint (which may quote the key) to itself and returns a
    # scrubbed reason.
    for i, url in enumerate(urls):
        problem = r.check_url(url)
        if problem:
            raise r.fail(f"{name}[{i}]", problem)
    return urls


def _between(r: _Reader, name: str, value: float, low: float, high: float, *, above: bool = False) -> None:
    """A number within its sane range; inf and nan fail too (every comparison with nan is false)."""
    ok = (value > low if above else value >= low) and value <= high
    _check(r, name, ok, f"must be {'above' if above else 'at least'} {low:g} and at most {high:g}")


# --- sections -----------------------------------------------------------------------------------


def _crawl(r: _Reader) -> CrawlSettings:
    d = CrawlSettings()
    delay = float(r.get("delay", (int, float), d.delay))
    # An endless delay would hang the crawl under the run lock: every later cron run would give way.
    _between(r, "delay", delay, 0, 300)
    contact = r.get("contact", str, d.contact)
    _check(r, "contact", "@" in contact or contact.startswith("http"), "give an e-mail address or a URL")
    timeout = float(r.get("timeout", (int, float), d.timeout))
    _between(r, "timeout", timeout, 0, 600, above=True)
    max_bytes = r.get("max_bytes", int, d.max_bytes)
    _check(r, "max_bytes", 100_000 <= max_bytes <= 50_000_000, "must be between 100000 and 50000000")
    proxy = r.get("proxy", str, d.proxy)
    if proxy:
        _http_url(r, "proxy", proxy)
    ratio = float(r.get("layout_drop_ratio", (int, float), d.layout_drop_ratio))
    _check(r, "layout_drop_ratio", 0 < ratio < 1, "must be between 0 and 1")
    max_pages = r.get("max_pages", int, d.max_pages)
    _check(r, "max_pages", 1 <= max_pages <= 500, "must be between 1 and 500")
    out = CrawlSettings(
        delay=delay,
        contact=contact,
        user_agent=r.get("user_agent", str, d.user_agent),
        timeout=timeout,
        max_bytes=max_bytes,
        follow_domains=tuple(x.lower().lstrip(".") for x in r.strings("follow_domains", d.follow_domains)),
        proxy=proxy,
        layout_drop_ratio=ratio,
        max_pages=max_pages,
    )
    r.finish()
    return out


def _sources(readers: list[_Reader] | None) -> tuple[Source, ...]:
    # No [[sources]] means none: the commands that crawl say so, rather than crawl a built-in column.
    out: list[Source] = []
    for r in readers or []:
        name = r.get("name", str, "")
        _check(r, "name", bool(re.fullmatch(r"[A-Za-z0-9_.-]+", name)), "required: letters, digits, - _ .")
        _check(r, "name", name not in {s.name for s in out}, f"duplicate source name {name!r}")
        url = _http_url(r, "url", r.get("url", str, ""))
        _check(
            r, "url", url.endswith("/") or url.endswith(".html"), "give the column URL (ending in / or .html)"
        )
        selectors = _selectors(_table(r, "selectors")) if "selectors" in r.table else Selectors()
        r.finish()
        out.append(Source(name, url, selectors))
    return tuple(out)


def _selectors(r: _Reader) -> Selectors:
    values = {}
    for key in SELECTOR_KEYS:
        css = r.get(key, str, "").strip()
        if css:
            _check(r, key, _css_problem(css) is None, f"not a CSS selector: {_css_problem(css)}")
        values[key] = css
    r.finish()
    return Selectors(**values)


def _css_problem(css: str) -> str | None:
    # soupsieve is what BeautifulSoup's select() runs, so a selector it compiles is one the crawler can use.
    import soupsieve

    try:
        soupsieve.compile(css)
    except soupsieve.SelectorSyntaxError as e:
        return str(e).splitlines()[0]
    return None


def _hhmm(r: _Reader, name: str, value: str) -> str:
    _check(r, name, bool(_HHMM.match(value)), f"expected HH:MM, got {value!r}")
    return value


def quiet_hours_problem(value: str) -> str | None:
    """None for "" or a well-formed "HH:MM-HH:MM" (it may wrap midnight), else what is wrong."""
    if not value:
        return None
    a, sep, b = value.partition("-")
    if sep and _HHMM.match(a) and _HHMM.match(b):
        return None
    return "expected HH:MM-HH:MM, e.g. 22:00-08:00"


def _quiet(r: _Reader, name: str, value: str) -> str:
    problem = quiet_hours_problem(value)
    _check(r, name, problem is None, problem or "")
    return value


def _alerts(r: _Reader) -> AlertSettings:
    d = AlertSettings()
    lead = r.get("lead_days", int, d.lead_days)
    _check(r, "lead_days", 1 <= lead <= 120, "must be between 1 and 120")
    closing = r.get("closing_soon_days", int, d.closing_soon_days)
    _check(r, "closing_soon_days", 0 <= closing <= 30, "must be between 0 and 30")
    out = AlertSettings(
        lead_days=lead,
        closing_soon_days=closing,
        opens_at=_hhmm(r, "opens_at", r.get("opens_at", str, d.opens_at)),
        checklist=r.strings("checklist", d.checklist),
        estimate=r.get("estimate", bool, d.estimate),
    )
    r.finish()
    return out


def _subscribers(readers: list[_Reader] | None) -> tuple[Subscriber, ...]:
    out: list[Subscriber] = []
    names: set[str] = set()
    for r in readers or []:
        name = r.get("name", str, "")
        _check(r, "name", bool(name.strip()), "required")
        _check(r, "name", name not in names, f"duplicate subscriber name {name!r}")
        names.add(name)
        urls = _apprise_urls(r, "urls")
        cfg = r.get("config", str, "")
        if cfg:
            p = Path(cfg) if Path(cfg).is_absolute() else r.path.parent / cfg
            _check(r, "config", p.is_file(), f"Apprise config file not found: {p}")
            cfg = str(p)
        _check(
            r, "urls", bool(urls or cfg), "give at least one Apprise URL in urls, or an Apprise config file"
        )
        kinds = r.strings("kinds")
        for i, k in enumerate(kinds):
            _check(
                r, f"kinds[{i}]", k in WINDOW_KINDS, f"unknown kind {k!r} (one of {', '.join(WINDOW_KINDS)})"
            )
        lead = r.get("lead_days", int, None)
        if lead is not None:
            _check(r, "lead_days", 1 <= lead <= 120, "must be between 1 and 120")
        out.append(
            Subscriber(
                name=name,
                urls=urls,
                apprise_config=cfg,
                tags=r.strings("tags"),
                committees=r.strings("committees"),
                kinds=kinds,
                lead_days=lead,
                quiet_hours=_quiet(r, "quiet_hours", r.get("quiet_hours", str, "")),
            )
        )
        r.finish()
    return tuple(out)


def _extract(r: _Reader) -> ExtractSettings:
    d = ExtractSettings()
    below = float(r.get("review_below", (int, float), d.review_below))
    _between(r, "review_below", below, 0.0, 1.0)
    hold = r.get("hold_unsure", bool, d.hold_unsure)
    r.finish()
    return ExtractSettings(review_below=below, hold_unsure=hold)


def _digest(r: _Reader) -> DigestSettings:
    d = DigestSettings()
    weekday = r.get("weekday", str, d.weekday).lower()
    _check(r, "weekday", weekday in _WEEKDAYS, f"one of {', '.join(_WEEKDAYS)}")
    days = r.get("days", int, d.days)
    _check(r, "days", 1 <= days <= 366, "must be between 1 and 366")
    out = DigestSettings(
        recipients=_apprise_urls(r, "recipients"),
        weekday=weekday,
        at=_hhmm(r, "at", r.get("at", str, d.at)),
        days=days,
    )
    r.finish()
    return out


def _admin(r: _Reader) -> HealthSettings:
    d = HealthSettings()
    failures = r.get("failures", int, d.failures)
    _check(r, "failures", 1 <= failures <= 100, "must be between 1 and 100")
    hours = float(r.get("hours", (int, float), d.hours))
    _between(r, "hours", hours, 0, 24 * 30)
    out = HealthSettings(recipients=_apprise_urls(r, "recipients"), failures=failures, hours=hours)
    r.finish()
    return out


def _daemon(r: _Reader) -> DaemonSettings:
    d = DaemonSettings()
    times = r.strings("crawl_times", d.crawl_times)
    _check(r, "crawl_times", bool(times), "give at least one HH:MM")
    for i, t in enumerate(times):
        _hhmm(r, f"crawl_times[{i}]", t)
    days = r.get("crawl_days", str, d.crawl_days)
    _check(r, "crawl_days", bool(re.fullmatch(r"[a-z,\-*]+", days)), "a cron day-of-week field, e.g. mon-fri")
    jitter = r.get("jitter_seconds", int, d.jitter_seconds)
    _between(r, "jitter_seconds", jitter, 0, 3600)
    minutes = r.get("notify_minutes", int, d.notify_minutes)
    _check(r, "notify_minutes", 1 <= minutes <= 1440, "must be between 1 and 1440")
    out = DaemonSettings(crawl_times=times, crawl_days=days, jitter_seconds=jitter, notify_minutes=minutes)
    r.finish()
    return out


def _web(r: _Reader) -> WebSettings:
    d = WebSettings()
    base = r.get("base_url", str, d.base_url).strip().rstrip("/")
    if base:
        parts = urlsplit(base)
        _check(
            r,
            "base_url",
            parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query,
            "an http(s) address with a host and no query, e.g. https://zc.example.org",
        )
    host = r.get("host", str, d.host).strip()
    _check(r, "host", bool(host) and not any(c.isspace() for c in host), "an address to listen on")
    port = r.get("port", int, d.port)
    _check(r, "port", 1 <= port <= 65535, "must be between 1 and 65535")
    title = r.get("title", str, d.title).strip()
    _check(r, "title", bool(title) and len(title) <= 80, "a non-empty title of at most 80 characters")
    contact = r.get("contact", str, d.contact).strip()
    _check(r, "contact", len(contact) <= 200, "at most 200 characters")
    closing = r.get("closing_days", int, d.closing_days)
    _check(r, "closing_days", 1 <= closing <= 60, "must be between 1 and 60")
    mail_url = r.get("mail_url", str, d.mail_url).strip()
    if mail_url:
        problem = r.check_url(mail_url)
        _check(r, "mail_url", problem is None, problem or "")
        _check(
            r,
            "mail_url",
            mail_url.split("://", 1)[0].lower() in ("mailto", "mailtos"),
            "an Apprise mailto:// or mailtos:// URL (the operator's SMTP sender)",
        )
    token = r.get("wxpusher_app_token", str, d.wxpusher_app_token).strip()
    _check(r, "wxpusher_app_token", not token or token.startswith("AT_"), "a WxPusher app token (AT_…)")
    api = r.get("wxpusher_api", str, d.wxpusher_api).strip().rstrip("/")
    api_parts = urlsplit(api)
    _check(
        r,
        "wxpusher_api",
        api_parts.scheme in ("http", "https") and bool(api_parts.hostname) and not api_parts.query,
        "an http(s) address, e.g. https://wxpusher.zjiecode.com",
    )
    out = WebSettings(
        base_url=base,
        host=host,
        port=port,
        title=title,
        contact=contact,
        closing_days=closing,
        mail_url=mail_url,
        wxpusher_app_token=token,
        wxpusher_api=api,
        wecombot=r.get("wecombot", bool, d.wecombot),
    )
    r.finish()
    return out


def _office_texts(r: _Reader) -> dict[str, str]:
    out = dict(DEFAULT_OFFICE_TEXTS)
    for kind in DEFAULT_OFFICE_TEXTS:
        text = r.get(kind, str, "").strip()
        if not text:
            continue
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:
            raise r.fail(kind, f"not a text with {{placeholders}}: {exc}") from None
        unknown = sorted(n for n in names if n not in OFFICE_TEXT_FIELDS)
        _check(
            r,
            kind,
            not unknown,
            f"unknown placeholder {{{unknown[0] if unknown else ''}}}; use {', '.join(OFFICE_TEXT_FIELDS)}",
        )
        _check(r, kind, len(text) <= 500, "at most 500 characters")
        out[kind] = text
    r.finish()
    return out


def _office(r: _Reader) -> OfficeSettings:
    d = OfficeSettings()
    name = r.get("name", str, d.name).strip()
    _check(r, "name", bool(name) and len(name) <= 60, "the office's name, at most 60 characters")
    phone = r.get("phone", str, d.phone).strip()
    _check(
        r,
        "phone",
        bool(_PHONE.fullmatch(phone)),
        "a telephone number of digits, spaces, +, - and parentheses (e.g. 020-34626612)",
    )
    review_days = r.get("review_days", int, d.review_days)
    _check(r, "review_days", 1 <= review_days <= 20, "must be between 1 and 20")
    remind_at = r.strings("remind_at", d.remind_at)
    _check(r, "remind_at", 1 <= len(remind_at) <= 4, 'one to four times of day, e.g. ["09:00", "18:00"]')
    for i, t in enumerate(remind_at):
        _hhmm(r, f"remind_at[{i}]", t)
    _check(r, "remind_at", list(remind_at) == sorted(set(remind_at)), "times in order, each once")
    days = {}
    for key in ("contact_after_days", "sms_after_days", "no_wait_days", "status_every_days"):
        days[key] = r.get(key, int, getattr(d, key))
        _check(r, key, 1 <= days[key] <= 30, "must be between 1 and 30")
    texts = _office_texts(_table(r, "texts"))
    r.finish()
    return OfficeSettings(
        name=name, phone=phone, review_days=review_days, remind_at=remind_at, texts=texts, **days
    )


_PHONE = re.compile(r"[0-9+(][0-9 ()+\-]{3,30}")


def parse_config(path: Path, data: Mapping[str, Any], *, check_url: UrlCheck = url_shape) -> Config:
    """Validate parsed TOML; raises ConfigError naming the first bad key.

    ``check_url`` judges each Apprise URL: the ground package only knows their shape, so the CLI
    passes ``notifier.channels.validate_url`` (Apprise's own parse) to check them fully.
    """
    r = _Reader(path, data, "", check_url)
    tz = r.get("timezone", str, "Asia/Shanghai")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("timezone", f"unknown time zone {tz!r}") from None
    db = _table(r, "database")
    db_url = _database_url(db)
    db.finish()
    sections: dict[str, Callable[[_Reader], Any]] = {
        "crawl": _crawl,
        "alerts": _alerts,
        "digest": _digest,
        "extract": _extract,
        "admin": _admin,
        "daemon": _daemon,
        "web": _web,
        "office": _office,
    }
    parsed = {name: fn(_table(r, name)) for name, fn in sections.items()}
    config = Config(
        path=path,
        timezone=tz,
        database_url=db_url,
        sources=_sources(_tables(r, "sources")),
        subscribers=_subscribers(_tables(r, "subscribers")),
        **parsed,
    )
    r.finish()
    return config


def load_config(path: Path, *, check_url: UrlCheck = url_shape) -> Config:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(str(path), None, "no such file (create one with `zcwatch init`)") from None
    except OSError as e:
        raise ConfigError(str(path), None, f"cannot read: {e.strerror}") from None
    try:
        # utf-8-sig: Windows editors put a BOM in front of UTF-8 files; it is not part of the TOML.
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), None, f"not valid TOML: {e}") from None
    return parse_config(path, data, check_url=check_url)


def default_config_path() -> Path:
    return Path(os.environ.get("ZCWATCH_CONFIG", "config.toml"))


def template_text() -> str:
    """The documented default configuration that `zcwatch init` writes (same as the repo's config.toml)."""
    return (Path(__file__).with_name("config_template.toml")).read_text(encoding="utf-8")
