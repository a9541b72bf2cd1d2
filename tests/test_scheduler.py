"""The scheduler end to end: `zcwatch run`, `zcwatch daemon`, `zcwatch status`, health alerts.

Nothing under test is mocked: every `zcwatch` is a real subprocess (crawls in its own child, as in
production) writing a real SQLite file, talking HTTP to the replica of the site (as a proxy) and delivering
to a local webhook sink through Apprise's ``json://``. What the replica serves shapes exact outcomes: it
lists one withdrawn notice (a 404), so the first `zcwatch run` (a full pass: none ran yet) ends ``partial``
(exit 1, one line) and does not store the listing's validators; the next run reads page 1 (200) and is ok,
the one after that gets a 304. Both are quiet.

Most tests start from ``first_run``: one `zcwatch run` per module into a template database that
``Env.seed`` copies. Pure helpers (``core.moments``, ``scheduler.health.source_problems``) are
tested from tables at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from support import database
from support.cli import Ran, copy_db, run_timed, zcwatch_exe
from support.crawl_fixtures import CONTACT, site_requests
from support.postgres import PostgresServer
from support.replica import ReplicaServer, default_root
from support.webhook import WebhookSink

from core.moments import day_set, previous_moment
from scheduler.health import source_problems

SHANGHAI = ZoneInfo("Asia/Shanghai")
SITE = default_root()
COLUMN_URL = ReplicaServer.column_url
COLUMN_PATH = urlsplit(COLUMN_URL).path
TEMPLATE = SITE / "rsj.gz.gov.cn" / COLUMN_PATH.lstrip("/") / "content" / "post_11578901.html"
WITHDRAWN = f"{COLUMN_URL}content/post_10985530.html"
PARTIAL_LINE = (
    f"zcwatch: replica: partial: stored 24 notice(s), 56 window(s); 1 notice(s) failed: {WITHDRAWN}: HTTP 404"
)
BUSY_LINE = "zcwatch: another run is in progress; nothing to do"
# A committee no stored notice mentions, so a subscriber filtered on it hears only about our notice.
COMMITTEE = "广州市测绘工程技术人才职称评审委员会"
ADMIN = "/admin"
HOOK = "/hook"
DIGEST = "/digest"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return "[" + ", ".join(_toml(v) for v in value) + "]"


@dataclass
class Env:
    """One test's config and database; runs the real CLI against the replica and the sinks."""

    dir: Path
    replica: ReplicaServer
    timeout: float = 2
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscribers: list[dict[str, Any]] = field(default_factory=list)
    # The database (support/database.py); empty: the SQLite file z.sqlite3 in ``dir``.
    url: str = ""
    pg: PostgresServer | None = None

    def __post_init__(self) -> None:
        if not self.url:
            self.url = f"sqlite:///{(self.dir / 'z.sqlite3').as_posix()}"

    @property
    def db_path(self) -> Path:
        return database.sqlite_path(self.url) or self.dir / "z.not-sqlite"

    @property
    def config_path(self) -> Path:
        return self.dir / "zcwatch.toml"

    def write_config(self) -> None:
        sections = {
            "database": {"url": self.url},
            "crawl": {
                "delay": 0,
                "proxy": self.replica.proxy_url,
                "timeout": self.timeout,
                "contact": CONTACT,
            },
            **self.sections,
        }
        lines = []
        for name, table in sections.items():
            lines += [f"[{name}]", *(f"{k} = {_toml(v)}" for k, v in table.items()), ""]
        lines += ["[[sources]]", 'name = "replica"', f"url = {_toml(self.replica.column_url)}", ""]
        for sub in self.subscribers:
            lines += ["[[subscribers]]", *(f"{k} = {_toml(v)}" for k, v in sub.items()), ""]
        self.config_path.write_text("\n".join(lines), encoding="utf-8")

    def command(self, *args: str) -> list[str]:
        self.write_config()
        return [zcwatch_exe(), "--config", str(self.config_path), *args]

    @staticmethod
    def environ() -> dict[str, str]:
        # No proxy variables: the crawl child sets its own from the config, and Apprise must reach 127.0.0.1.
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "ZCWATCH_CONFIG"}
        env["PYTHONIOENCODING"] = "utf-8"
        return env

    def zcwatch(self, *args: str, timeout: float = 90) -> Ran:
        return run_timed(self.command(*args), cwd=self.dir, env=self.environ(), timeout=timeout)

    def run(self, *args: str) -> Ran:
        return self.zcwatch("run", *args)

    def popen(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=self.dir,
            env=self.environ(),
        )

    def seed(self, template: str) -> None:
        """Start from a copy of the database at ``template`` (a URL of the same engine)."""
        if self.pg is None:
            copy_db(Path(template[len("sqlite:///") :]), self.db_path)
        else:
            self.pg.recreate_database(self.url.rsplit("/", 1)[1], template=template.rsplit("/", 1)[1])

    def query(self, sql: str, *params: Any) -> list[Any]:
        conn = database.connect(self.url)
        try:
            return list(conn.execute(sql, params))
        finally:
            conn.close()

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.query(sql, *params)[0][0]

    def runs(self) -> list[tuple[str, int]]:
        return [
            (r["outcome"], r["full"])
            for r in self.query('SELECT outcome, "full" FROM crawl_runs ORDER BY id')
        ]

    def admin(self, sink: WebhookSink, *, failures: int = 2, hours: float = 0) -> None:
        self.sections["admin"] = {
            "recipients": [sink.apprise_url(ADMIN)],
            "failures": failures,
            "hours": hours,
        }

    def subscribe(self, sink: WebhookSink) -> None:
        """One subscriber for COMMITTEE's apply and accept windows; no estimates (they follow the clock)."""
        self.subscribers.append(
            {"name": "alice", "urls": [sink.apprise_url(HOOK)], "committees": [COMMITTEE]}
        )
        self.sections["alerts"] = {"estimate": False}


@dataclass(frozen=True)
class FirstRun:
    url: str
    ran: Ran
    runs: list[Any]


def _server(engine: str, request: pytest.FixtureRequest) -> PostgresServer | None:
    return request.getfixturevalue("postgres_server") if engine == "postgresql" else None


@pytest.fixture(scope="module")
def first_run(
    replica_server: ReplicaServer,
    tmp_path_factory: pytest.TempPathFactory,
    db_engine: str,
    request: pytest.FixtureRequest,
) -> FirstRun:
    """One `zcwatch run` (a full pass: none ran yet) of the unmodified replica into a fresh database."""
    replica_server.reset()
    folder = tmp_path_factory.mktemp("first-run")
    url = database.new_database_url(db_engine, folder, request)
    env = Env(folder, replica_server, url=url, pg=_server(db_engine, request))
    ran = env.run()
    runs = env.query("SELECT * FROM crawl_runs")
    replica_server.clear_log()
    return FirstRun(env.url, ran, runs)


@pytest.fixture
def env(
    replica: ReplicaServer, tmp_path: Path, database_url: str, db_engine: str, request: pytest.FixtureRequest
) -> Env:
    return Env(tmp_path, replica, url=database_url, pg=_server(db_engine, request))


@pytest.fixture
def seeded(env: Env, first_run: FirstRun) -> Env:
    env.seed(first_run.url)
    return env


def today() -> date:
    return datetime.now(SHANGHAI).date()


def _cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def add_notice(replica: ReplicaServer, apply: tuple[date, date], accept: tuple[date, date]) -> str:
    """A new notice for COMMITTEE at the top of page 1, published today, with an apply and an accept window.

    Made from a stored notice with the committee, year and the two schedule lines replaced.
    """
    published = today()
    src = TEMPLATE.read_text(encoding="utf-8")
    html = (
        src.replace("广州市中等职业学校教师职称评审", COMMITTEE.removesuffix("委员会"))
        .replace("2025年度", f"{published.year}年度")
        .replace("2025-12-05 11:00", f"{published.isoformat()} 10:00")
    )
    first = html.index("<p", html.index("一、网上申报") - 60)
    last = html.index("</p>", html.index("四、说明")) + len("</p>")
    html = (
        html[:first]
        + f"<p>　　一、网上申报：{_cn(apply[0])}至{_cn(apply[1])}24时，申报人登录系统申报。</p>\n"
        + f"<p>　　二、评委办受理：{_cn(accept[0])}至{_cn(accept[1])}（工作日9:00-12:00）。</p>"
        + html[last:]
    )
    url = f"{COLUMN_URL}content/post_12500001.html"
    title = f"关于{published.year}年度{COMMITTEE.removesuffix('委员会')}工作的通知"
    replica.add_listing_item(title, url, published.isoformat(), html)
    return url


def titles(sink: WebhookSink, path: str) -> list[str]:
    return [b["title"] for b in sink.bodies(path)]


def one_line(ran: Ran) -> str:
    assert "Traceback" not in ran.stdout + ran.stderr, ran
    assert len(ran.lines) == 1, ran
    return ran.lines[0]


def quiet(ran: Ran) -> None:
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", ""), ran


# ---------------------------------------------------------------------------------------------- zcwatch run


@pytest.mark.slow
def test_first_run_is_a_partial_full_pass_then_runs_are_quiet(first_run: FirstRun, seeded: Env) -> None:
    ran = first_run.ran
    assert ran.returncode == 1 and ran.stdout == "", ran
    assert one_line(ran) == PARTIAL_LINE
    assert [(r["outcome"], r["full"], r["notices_new"]) for r in first_run.runs] == [("partial", 1, 24)]

    # Nothing new: the partial full pass counts as this week's full pass, so a plain poll reads page 1
    # (200: the partial pass stored no validators), then a conditional GET (304). Both print nothing.
    log_from = len(seeded.replica.requests)
    quiet(seeded.run())
    quiet(seeded.run())
    assert seeded.runs() == [("partial", 1), ("ok", 0), ("ok", 0)]
    polls = [(r.path, r.status) for r in site_requests(seeded.replica.requests[log_from:])]
    assert polls == [(COLUMN_PATH, 200), (COLUMN_PATH, 304)]


@pytest.mark.slow
def test_overlapping_runs_only_one_does_the_work(first_run: FirstRun, tmp_path: Path, env: Env) -> None:
    # A replica of our own: its "hang" handlers are woken when it stops, so none logs into later tests.
    with ReplicaServer() as replica:
        env = Env(tmp_path, replica, timeout=2, url=env.url, pg=env.pg)
        env.seed(first_run.url)
        replica.set_fault("hang", COLUMN_PATH)  # page 1 never answers: the crawl waits for its timeout
        slow = env.popen("run")
        deadline = time.monotonic() + 30
        while not any(r.path == "/robots.txt" for r in replica.requests):  # the slow run holds the lock
            assert slow.poll() is None and time.monotonic() < deadline, slow.communicate()
            time.sleep(0.05)

        other = env.run("-v") if env.pg else env.run()
        assert slow.poll() is None, "the slow run should still be crawling"
        assert (other.returncode, other.stderr) == (0, ""), other
        if env.pg:
            # PostgreSQL: runs share the work; this one skips the site being crawled and does the rest.
            assert "replica: skipped: another zcwatch process is crawling this site now" in other.stdout
            assert "notify: nothing due" in other.stdout
        else:
            assert other.stdout == BUSY_LINE + "\n"

        out, err = slow.communicate(timeout=60)
        assert slow.returncode == 1 and out == "", (out, err)
        assert len(err.splitlines()) == 1 and err.startswith("zcwatch: replica: timeout: "), err
        # One crawl besides the seeded one, and the site saw a single robots.txt: one run crawled.
        assert env.runs() == [("partial", 1), ("timeout", 0)]
        assert sum(r.path == "/robots.txt" for r in replica.requests) == 1


@pytest.mark.slow
def test_now_jump_catches_up_once(seeded: Env, webhook_sink: WebhookSink) -> None:
    t = today()
    # Apply opens in 33 days, accept in 34: their month-ahead alerts are due in 3 and 4 days, at 09:00.
    add_notice(
        seeded.replica,
        apply=(t + timedelta(33), t + timedelta(40)),
        accept=(t + timedelta(34), t + timedelta(50)),
    )
    seeded.subscribe(webhook_sink)
    seeded.sections["digest"] = {"recipients": [webhook_sink.apprise_url(DIGEST)], "weekday": "mon"}

    # Five days on (a sleep, a long week-end of downtime): this run crawls the new notice, and both
    # month-ahead alerts, missed on days 3 and 4, are sent once each.
    later = f"{(t + timedelta(5)).isoformat()}T10:00"
    quiet(seeded.run("--now", later))
    assert seeded.runs()[-1] == ("ok", 0)
    windows = seeded.query(
        'SELECT kind, start, "end" FROM windows WHERE committee = ? ORDER BY kind', COMMITTEE
    )
    assert [tuple(w) for w in windows] == [
        ("accept", (t + timedelta(34)).isoformat(), (t + timedelta(50)).isoformat()),
        ("apply", (t + timedelta(33)).isoformat(), f"{(t + timedelta(40)).isoformat()}T23:59"),
    ]
    assert len(webhook_sink.received(HOOK)) == 2
    assert all(x.startswith("【职称提醒】") for x in titles(webhook_sink, HOOK)), titles(webhook_sink, HOOK)
    assert all(COMMITTEE in b["message"] for b in webhook_sink.bodies(HOOK))
    ledger = seeded.query("SELECT alert_kind, status FROM deliveries ORDER BY id")
    assert [tuple(r) for r in ledger] == [("month_ahead", "sent"), ("month_ahead", "sent")]
    # The weekly digest (never sent yet, so due) goes out in the same run, with our notice in it.
    assert titles(webhook_sink, DIGEST) == [f"【职称申报截止提醒】{(t + timedelta(5)).isoformat()} 周报"]
    assert COMMITTEE in webhook_sink.bodies(DIGEST)[0]["message"]

    # The same moment again: nothing more.
    quiet(seeded.run("--now", later))
    assert len(webhook_sink.requests) == 3
    assert seeded.scalar("SELECT count(*) FROM deliveries") == 2


# ---------------------------------------------------------------------------------------------- health


@pytest.mark.slow
def test_source_down_alerts_once_reminds_daily_and_recovers(seeded: Env, webhook_sink: WebhookSink) -> None:
    seeded.admin(webhook_sink, failures=2, hours=0)
    seeded.replica.set_fault("http500")

    failed = seeded.run()  # one failure is not an incident
    assert failed.returncode == 1 and failed.stdout == "", failed
    assert one_line(failed).startswith("zcwatch: replica: http_error: ")
    assert webhook_sink.requests == []

    assert seeded.run().returncode == 1  # two in a row: "down"
    assert titles(webhook_sink, ADMIN) == ["【zcwatch】replica：无法访问"]
    assert "2 crawls failed in a row" in webhook_sink.bodies(ADMIN)[0]["message"]
    status = json.loads(seeded.zcwatch("status", "--format", "json").stdout)
    assert [(i["scope"], i["problem"]) for i in status["incidents"]] == [("source:replica", "down")]

    assert seeded.run().returncode == 1  # still down, same day: no new alert
    assert len(webhook_sink.requests) == 1

    tomorrow = (datetime.now(SHANGHAI) + timedelta(hours=25)).strftime("%Y-%m-%dT%H:%M")
    assert seeded.run("--now", tomorrow).returncode == 1  # a day on: one reminder
    assert titles(webhook_sink, ADMIN)[1:] == ["【zcwatch】仍未恢复：replica：无法访问"]

    seeded.replica.reset()
    quiet(seeded.run())  # the site is back: one recovery alert, and the run itself is quiet
    assert titles(webhook_sink, ADMIN)[2:] == ["【zcwatch】已恢复：replica"]
    rows = seeded.query("SELECT problem, alerts_sent, recovery_sent, resolved_at FROM incidents")
    assert [(r[0], r[1], r[2], r[3] is not None) for r in rows] == [("down", 2, 1, True)]


@pytest.mark.slow
def test_blocked_and_layout_alert_at_once_and_recover(seeded: Env, webhook_sink: WebhookSink) -> None:
    seeded.admin(webhook_sink, failures=3, hours=12)  # the defaults would wait for "down"; these do not
    seeded.replica.set_fault("challenge412")
    ran = seeded.run()
    assert ran.returncode == 1 and one_line(ran).startswith("zcwatch: replica: blocked: "), ran
    assert titles(webhook_sink, ADMIN) == ["【zcwatch】replica：被反爬虫验证拦截"]

    seeded.replica.reset()
    seeded.replica.set_fault("layout")
    ran = seeded.run()
    assert ran.returncode == 1 and one_line(ran).startswith("zcwatch: replica: layout_suspect: "), ran
    # Blocked is over (recovery), and the layout problem starts: both at once, in incident order.
    assert titles(webhook_sink, ADMIN)[1:] == [
        "【zcwatch】已恢复：replica",
        "【zcwatch】replica：页面结构可能已变化",
    ]

    seeded.replica.reset()
    quiet(seeded.run())
    assert titles(webhook_sink, ADMIN)[3:] == ["【zcwatch】已恢复：replica"]
    assert [tuple(r) for r in seeded.query("SELECT problem, alerts_sent, recovery_sent FROM incidents")] == [
        ("blocked", 1, 1),
        ("layout_suspect", 1, 1),
    ]


# ---------------------------------------------------------------------------------------------- status

STATUS_KEYS = {"now", "sources", "incidents", "next_jobs", "deliveries", "notices", "windows"}


@pytest.mark.slow
def test_status_text_and_json(seeded: Env, env: Env) -> None:
    seeded.sections["daemon"] = {
        "crawl_times": ["08:40", "16:40"],
        "crawl_days": "mon-fri",
        "notify_minutes": 5,
    }
    ran = seeded.zcwatch("status", "--format", "json")
    assert (ran.returncode, ran.stderr) == (0, ""), ran
    data = json.loads(ran.stdout)
    assert set(data) == STATUS_KEYS
    windows = seeded.scalar("SELECT count(*) FROM windows WHERE status = 'current'")
    assert (data["notices"], data["windows"], data["incidents"]) == (25, windows, [])
    assert data["deliveries"] == {"pending": 0, "sending": 0, "failed": 0, "dead": 0, "sent": 0}
    [src] = data["sources"]
    assert (src["name"], src["url"], src["outcome"], src["last_ok"]) == (
        "replica",
        COLUMN_URL,
        "partial",
        None,
    )
    assert "post_10985530" in src["error"] and src["last_crawl"]
    jobs = {j["job"]: j["next"] for j in data["next_jobs"]}
    assert set(jobs) == {"crawl", "notify"} and jobs["notify"] == "every 5 min"
    nxt = datetime.strptime(jobs["crawl"], "%Y-%m-%d %H:%M")
    assert nxt.weekday() < 5 and nxt.strftime("%H:%M") in ("08:40", "16:40")
    assert nxt > datetime.strptime(data["now"], "%Y-%m-%d %H:%M")

    ran = seeded.zcwatch("status")
    assert (ran.returncode, ran.stderr) == (0, ""), ran
    lines = ran.stdout.splitlines()
    # Two runs of the command: the clock may have passed a minute between them.
    shown = datetime.strptime(lines[0].split(" at ", 1)[1].split(" (")[0], "%Y-%m-%d %H:%M")
    assert 0 <= (shown - datetime.strptime(data["now"], "%Y-%m-%d %H:%M")).total_seconds() <= 120, lines[0]
    assert lines[0].endswith(" (Asia/Shanghai)")
    assert lines[1].startswith(
        f"  source replica: last crawl {src['last_crawl']} -> partial (1 notice(s) failed"
    )
    assert lines[2:] == [
        f"  next: crawl {jobs['crawl']}; notify every 5 min",
        "  deliveries: 0 pending, 0 failed (retrying), 0 dead, 0 sent",
        f"  stored: 25 notices, {windows} current windows",
    ]


@pytest.mark.slow
def test_status_of_an_empty_database(tmp_path: Path, replica: ReplicaServer) -> None:
    fresh = Env(tmp_path / "fresh", replica)
    fresh.dir.mkdir()
    ran = fresh.zcwatch("status", "--format", "json")
    assert (ran.returncode, ran.stderr) == (0, ""), ran
    data = json.loads(ran.stdout)
    assert (data["sources"], data["incidents"], data["notices"], data["windows"]) == ([], [], 0, 0)
    text = fresh.zcwatch("status").stdout.splitlines()
    assert text[1] == "  source (no crawl yet): never crawled"


# ---------------------------------------------------------------------------------------------- daemon


@pytest.fixture
def daemon_env(env: Env, webhook_sink: WebhookSink) -> Env:
    # The scheduled crawl is 12 hours off (one is due at start anyway: none ever ran); notify every minute.
    far = (datetime.now(SHANGHAI) + timedelta(hours=12)).strftime("%H:%M")
    env.sections["daemon"] = {
        "crawl_times": [far],
        "crawl_days": "*",
        "jitter_seconds": 0,
        "notify_minutes": 1,
    }
    env.subscribe(webhook_sink)
    return env


@pytest.mark.slow
def test_daemon_crawls_at_start_delivers_and_stops_on_sigterm(
    daemon_env: Env, webhook_sink: WebhookSink
) -> None:
    env = daemon_env
    t = today()
    # Found today, opening in 5 and 25 days: past their month-ahead moments, so "announced" at once.
    add_notice(
        env.replica,
        apply=(t + timedelta(5), t + timedelta(20)),
        accept=(t + timedelta(25), t + timedelta(30)),
    )
    # Each delivery takes 3.5 s (under Apprise's 4 s read timeout): the start-up job is still running while
    # this test runs `status` and a second daemon (at 2 s a loaded machine once let the job finish first).
    webhook_sink.delay(3.5)
    daemon = env.popen("daemon")
    try:
        assert daemon.stdout is not None
        first = daemon.stdout.readline()
        assert first.startswith("zcwatch daemon: 1 crawl times (*), notify every 1 min; pid lock "), first

        webhook_sink.wait_for(1, timeout=60)  # crawled at start (none ever ran) and delivering now
        assert daemon.poll() is None
        daemon.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()

        # While it finishes its job: a second daemon is still refused (asked first: on a loaded machine a
        # `status` alone once took 6 s, the whole rest of the job), and status shows the crawl.
        second = env.zcwatch("daemon", timeout=30)
        assert second.returncode != 0 and second.stdout == "", second
        assert one_line(second).startswith("zcwatch: another zcwatch daemon is running for this database")
        status = json.loads(env.zcwatch("status", "--format", "json").stdout)
        assert [(s["name"], s["outcome"]) for s in status["sources"]] == [("replica", "partial")]
        out, err = daemon.communicate(timeout=60)
        assert time.monotonic() - stopped_at < 60  # the job's last delivery, then a prompt stop
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, (out, err)
    assert out.splitlines() == ["zcwatch daemon: stopped"], out
    # The job's one problem line is printed when it ends, after the signal was acknowledged.
    # (the replica's 24 notices plus the one this test added, with its 2 windows)
    assert err.splitlines() == [
        "WARNING zcwatch.daemon: signal 15: stopping after the running job",
        PARTIAL_LINE.replace("stored 24 notice(s), 56 window(s)", "stored 25 notice(s), 58 window(s)"),
    ]
    # The running job was finished, not cut short: the crawl is closed, its notices stored, both alerts sent.
    assert env.runs() == [("partial", 1)]
    assert env.scalar("SELECT count(*) FROM notices") == 26
    assert env.scalar("SELECT count(*) FROM crawl_runs WHERE outcome = 'running'") == 0
    assert [tuple(r) for r in env.query("SELECT alert_kind, status FROM deliveries")] == [
        ("announced", "sent")
    ] * 2
    assert len(webhook_sink.requests) == 2
    assert all(x.startswith("【新通知】") for x in titles(webhook_sink, HOOK)), titles(webhook_sink, HOOK)
    assert all(COMMITTEE in b["message"] for b in webhook_sink.bodies(HOOK))


# ---------------------------------------------------------------------------------------------- moments


@pytest.mark.parametrize(
    ("spec", "days"),
    [
        ("*", set(range(7))),
        ("", set(range(7))),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("sat-sun", {5, 6}),
        ("fri-mon", {4, 5, 6, 0}),  # wraps the week
        ("Tue", {1}),
        ("monday", {0}),
        ("mon-tue,thu", {0, 1, 3}),
    ],
)
def test_day_set(spec: str, days: set[int]) -> None:
    assert day_set(spec) == days


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


# 2025-01-06 is a Monday.
@pytest.mark.parametrize(
    ("now", "times", "days", "expected"),
    [
        ("2025-01-06T12:00", ("08:40", "12:10", "16:40"), "mon-fri", "2025-01-06T08:40"),
        ("2025-01-06T12:10", ("08:40", "12:10", "16:40"), "mon-fri", "2025-01-06T12:10"),  # at the moment
        ("2025-01-06T23:59", ("16:40", "08:40"), "mon-fri", "2025-01-06T16:40"),  # times in any order
        ("2025-01-06T08:00", ("08:40", "16:40"), "mon-fri", "2025-01-03T16:40"),  # Monday early: Friday's
        ("2025-01-05T10:00", ("08:40",), "mon-fri", "2025-01-03T08:40"),  # Sunday: Friday's
        ("2025-01-06T08:00", ("08:40",), "*", "2025-01-05T08:40"),
        ("2025-01-13T09:00", ("10:00",), "mon", "2025-01-06T10:00"),  # a week back
        ("2025-01-13T10:00", ("10:00",), "mon", "2025-01-13T10:00"),
        ("2025-01-08T00:00", ("00:00",), "wed", "2025-01-08T00:00"),
    ],
)
def test_previous_moment(now: str, times: tuple[str, ...], days: str, expected: str) -> None:
    got = previous_moment(_at(now), times, days)
    assert got == _at(expected)
    assert got is not None and got.tzinfo is SHANGHAI


def test_previous_moment_without_times_is_none() -> None:
    assert previous_moment(_at("2025-01-06T12:00"), (), "*") is None


# ---------------------------------------------------------------------------------------------- health


NOW = _at("2025-01-06T12:00")


def _runs(*spec: tuple[str, float]) -> list[tuple[str, datetime]]:
    """(outcome, hours ago), newest first."""
    return [(o, NOW - timedelta(hours=h)) for o, h in spec]


@pytest.mark.parametrize(
    ("runs", "failures", "hours", "expected"),
    [
        ([], 3, 12, set()),
        (_runs(("ok", 1)), 3, 12, set()),
        (_runs(("partial", 1), ("http_error", 5)), 1, 0, set()),  # partial is not a failure
        (_runs(("http_error", 1)), 3, 12, set()),  # one failure is not reported
        (_runs(("http_error", 1), ("timeout", 6), ("unreachable", 13)), 3, 12, {"down"}),
        (_runs(("http_error", 1), ("timeout", 6), ("unreachable", 11)), 3, 12, set()),  # too short a span
        (_runs(("http_error", 1), ("timeout", 6), ("ok", 13)), 3, 0, set()),  # the streak is broken
        (_runs(("too_large", 0), ("error", 0)), 2, 0, {"down"}),
        (_runs(("http_error", 30), ("http_error", 40), ("http_error", 50), ("ok", 60)), 2, 12, {"down"}),
        (_runs(("blocked", 0)), 3, 12, {"blocked"}),  # at once
        (_runs(("blocked", 0), ("http_error", 1), ("http_error", 20)), 2, 0, {"blocked"}),
        (_runs(("layout_suspect", 0)), 3, 12, {"layout_suspect"}),  # at once
        (_runs(("ok", 0), ("blocked", 1)), 1, 0, set()),  # only the newest run counts for these
        (_runs(("http_error", 0), ("blocked", 1)), 1, 0, {"down"}),
    ],
)
def test_source_problems(
    runs: list[tuple[str, datetime]], failures: int, hours: float, expected: set[str]
) -> None:
    assert set(source_problems(runs, failures, hours, NOW)) == expected


def test_source_problems_details() -> None:
    down = source_problems(_runs(("timeout", 1), ("http_error", 13)), 2, 12, NOW)
    assert down == {"down": "2 crawls failed in a row since 2025-01-05 23:00 (timeout)"}
    assert "anti-bot" in source_problems(_runs(("blocked", 0)), 3, 12, NOW)["blocked"]
