"""The `zcwatch` command as a user meets it: help, usage errors, no Scrapy where nothing is crawled,
and a crawl without network that says so in one line, exits 1 and loses nothing.

Everything runs the real command (or ``run_cli``) in a subprocess against real files.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support.cli import REPO, clean_env, one_line, run_zcwatch

from crawler.reading import read_notice
from store.db import open_engine, transaction
from store.notices import FetchedNotice, ensure_source, record_fetched
from zcwatch.cli import build_parser, run_cli

COLUMN = "https://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
NOTICES = [
    (
        "post_9876543",
        "广州市卫生高级职称评审委员会关于开展2025年度卫生系列高级职称评审工作的通知",
        "一、网上申报时间：2025年1月6日至1月24日。\n二、纸质材料报送时间：2025年2月10日至2月14日。",
    ),
    (
        "post_9876544",
        "广州市工程技术人才职称改革工作领导小组办公室关于2025年度工程系列职称评审的通知",
        "申报人须于2025年3月3日至3月21日登录系统进行网上申报。",
    ),
]


# --- help and usage --------------------------------------------------------------------------------------


def _commands() -> list[list[str]]:
    """Every command and sub-action the parser knows, so a new command is covered automatically."""
    out: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return out


def test_commands_found() -> None:
    names = {" ".join(c) for c in _commands()}
    assert {"init", "config", "crawl", "notices", "run", "subscribers list", "subscribers test"} <= names


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c))
def test_help_on_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        run_cli([*command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: zcwatch " + " ".join(command))


def test_top_level_help_in_a_subprocess(tmp_path: Path) -> None:
    proc = run_zcwatch(["--help"], cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr == ""
    for name in ("init", "config", "crawl", "run", "notify", "digest", "status"):
        assert name in proc.stdout


BAD_USAGE = [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["--bogus", "config"], "unrecognized arguments: --bogus"),
    (["notices", "--format", "xml"], "invalid choice: 'xml'"),
    (["notices", "--since", "2025-13-01"], "not a date"),
    (["notify", "--now", "yesterday"], "not an ISO 8601 time"),
    (["digest", "--days", "x"], "invalid int value"),
    (["subscribers"], "required: ACTION"),
    (["subscribers", "test"], "required: name"),
    (["crawl", "extra"], "unrecognized arguments: extra"),
]


@pytest.mark.parametrize(("args", "message"), BAD_USAGE, ids=[" ".join(a) or "(none)" for a, _ in BAD_USAGE])
def test_bad_usage_is_one_line_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run_zcwatch(args, cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line(proc.stderr)
    assert line.startswith("zcwatch") and message in line, line
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []  # a usage error touches nothing


def test_missing_config_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = run_zcwatch(["notices"], cwd=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc.stderr) == "zcwatch: config.toml: no such file (create one with `zcwatch init`)"


def test_verbose_adds_the_traceback(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[crawl]\ndelay = true\n", encoding="utf-8")
    proc = run_zcwatch(["-v", "config"], cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith("zcwatch: config.toml: crawl.delay: ")


def test_extract_of_a_missing_file_is_one_line_exit_1(tmp_path: Path) -> None:
    proc = run_zcwatch(["extract", "no-such-notice.html"], cwd=tmp_path)
    assert proc.returncode == 1
    assert one_line(proc.stderr) == "zcwatch: cannot read no-such-notice.html: No such file or directory"


# --- a prepared installation -----------------------------------------------------------------------------


def _config(tmp_path: Path, source_url: str = COLUMN, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'timezone = "Asia/Shanghai"\n'
        '[database]\nurl = "sqlite:///data/zcwatch.sqlite3"\n'
        '[crawl]\ndelay = 0\ntimeout = 5\ncontact = "tests@example.org"\n'
        f'[[sources]]\nname = "gz-pstz"\nurl = "{source_url}"\n' + extra,
        encoding="utf-8",
    )
    return path


def _seed(db: Path) -> None:
    engine = open_engine(f"sqlite:///{db}")
    try:
        with transaction(engine) as s:
            src = ensure_source(s, "gz-pstz", COLUMN)
            for post, title, body in NOTICES:
                fetched = FetchedNotice(
                    url=f"{COLUMN}content/{post}.html",
                    title=title,
                    listing_date="2024-12-20",
                    host="rsj.gz.gov.cn",
                    published="2024-12-20 10:30",
                    body=body,
                )
                record_fetched(s, src.id, fetched, read_notice(fetched))
    finally:
        engine.dispose()


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall()
            for t in ("sources", "notices", "notice_versions", "windows", "deliveries")
        }
    finally:
        conn.close()


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    """A folder with config.toml (one subscriber on a local json:// URL) and a database with two notices."""
    sub = '[[subscribers]]\nname = "卫生系列"\nurls = ["json://127.0.0.1:9/hook"]\ncommittees = ["卫生"]\n'
    _config(tmp_path, extra=sub)
    db = tmp_path / "data" / "zcwatch.sqlite3"
    _seed(db)
    return tmp_path


# --- commands that do not crawl do not import Scrapy -----------------------------------------------------

# Runs a command, then fails if it imported a module that ``heavy`` (an expression over ``m``) picks out.
IMPORT_CHECK = """
import sys
from zcwatch.cli import run_cli
rc = run_cli(sys.argv[1:])
heavy = sorted(m for m in sys.modules if {picks})
assert not heavy, "{what} imported: " + ", ".join(heavy[:5])
sys.exit(rc)
"""
NO_SCRAPY_SCRIPT = IMPORT_CHECK.format(what="scrapy", picks='m == "scrapy" or m.startswith("scrapy.")')

NO_CRAWL = {
    "config": (["config"], None),
    "notices": (["notices"], None),
    "notices-json": (["notices", "--format", "json"], None),
    "extract": (["extract", "--published", "2024-12-20"], "网上申报时间：2025年1月6日至1月24日。\n"),
    "deliveries": (["deliveries"], None),
    "subscribers-list": (["subscribers", "list"], None),
    "digest": (["digest", "--now", "2024-12-23T09:00"], None),
    "digest-ics": (["digest", "--format", "ics", "--now", "2024-12-23T09:00"], None),
    "status": (["status"], None),
    "notify-dry-run": (["notify", "--dry-run", "--now", "2024-12-23T09:00"], None),
    "reread": (["reread"], None),
}


# Commands that send nothing check the config's Apprise URLs for their shape only: loading Apprise and its
# plugins to parse URLs they never use cost them about half their time (issue 18).
NO_APPRISE_SCRIPT = IMPORT_CHECK.format(what="apprise", picks='m.startswith("apprise")')
READ_ONLY = ("notices", "notices-json", "digest", "digest-ics", "status", "reread")

# What an operator runs to look (status, digest, notices) reads the Core tables and never imports the ORM
# with its declarative classes, about 85 ms of such a command (issue 18).
NO_ORM_SCRIPT = IMPORT_CHECK.format(what="the ORM", picks='m == "sqlalchemy.orm" or m == "store.models"')
LOOKING = ("notices", "notices-json", "digest", "digest-ics", "status")


@pytest.mark.parametrize("name", LOOKING)
def test_commands_that_only_look_do_not_import_the_orm(installed: Path, name: str) -> None:
    _run_checking(NO_ORM_SCRIPT, installed, name)


def test_the_no_orm_check_can_fail(installed: Path) -> None:
    """The check above is real: importing the ORM classes in the same process is caught."""
    with pytest.raises(AssertionError, match=r"the ORM imported: sqlalchemy\.orm"):
        _run_checking("import store.models\n" + NO_ORM_SCRIPT, installed, "status")


def _run_checking(script: str, folder: Path, name: str) -> None:
    """Run command ``name`` of NO_CRAWL in ``folder`` under ``script``, which checks what it imported."""
    args, _ = NO_CRAWL[name]
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=folder,
        env=clean_env({"PYTHONPATH": str(REPO)}),
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


@pytest.mark.parametrize("name", READ_ONLY)
def test_commands_that_send_nothing_do_not_load_apprise(installed: Path, name: str) -> None:
    _run_checking(NO_APPRISE_SCRIPT, installed, name)


@pytest.mark.parametrize("name", sorted(NO_CRAWL))
def test_commands_that_do_not_crawl_do_not_import_scrapy(installed: Path, name: str) -> None:
    args, stdin = NO_CRAWL[name]
    proc = subprocess.run(
        [sys.executable, "-c", NO_SCRAPY_SCRIPT, *args],
        cwd=installed,
        env=clean_env({"PYTHONPATH": str(REPO)}),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    if "No module named" in proc.stderr and "scrapy" not in proc.stderr:
        pytest.xfail(f"`zcwatch {' '.join(args)}` is not implemented yet: {proc.stderr.strip()}")
    assert "scrapy imported" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_no_scrapy_check_can_fail(installed: Path) -> None:
    """The check above is real: importing the crawler's spider in the same process is caught."""
    script = "import crawler.spider\n" + NO_SCRAPY_SCRIPT
    proc = subprocess.run(
        [sys.executable, "-c", script, "config"],
        cwd=installed,
        env=clean_env({"PYTHONPATH": str(REPO)}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "scrapy imported" in proc.stderr


# --- no network ------------------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


UNREACHABLE = {
    "closed-port": lambda: f"http://127.0.0.1:{_closed_port()}/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/",
    "unresolvable-host": lambda: "http://rsj.gz.gov.cn.invalid/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/",
}


def _unreachable_setup(tmp_path: Path, kind: str) -> tuple[Path, dict[str, list[tuple[Any, ...]]]]:
    db = tmp_path / "data" / "zcwatch.sqlite3"
    _seed(db)
    url = UNREACHABLE[kind]()
    _config(tmp_path, source_url=url)
    return db, _snapshot(db)


def _check_nothing_lost(
    db: Path, before: dict[str, list[tuple[Any, ...]]], *, estimates: bool = False
) -> None:
    """Every stored row is still there and unchanged; ``estimates``: a cycle may add estimate windows."""
    after = _snapshot(db)
    for table in ("notices", "notice_versions", "windows", "deliveries"):
        if estimates and table == "windows":
            assert after[table][: len(before[table])] == before[table]
            added = after[table][len(before[table]) :]
            assert all(row[10] == "estimate" and row[3] is None for row in added), added
        else:
            assert after[table] == before[table], table
    assert len(after["notices"]) == len(NOTICES)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        runs = conn.execute("SELECT outcome, finished_at FROM crawl_runs").fetchall()
    finally:
        conn.close()
    # The failed attempt is recorded, and closed.
    assert [r[0] for r in runs] == ["unreachable"]
    assert runs[0][1] is not None


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_crawl_without_network(tmp_path: Path, kind: str) -> None:
    db, before = _unreachable_setup(tmp_path, kind)
    proc = run_zcwatch(["crawl"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    line = one_line(proc.stderr)
    assert "could not be reached" in line, line
    assert "gz-pstz" in line
    assert proc.stdout == ""
    _check_nothing_lost(db, before)


@pytest.mark.parametrize("kind", sorted(UNREACHABLE))
def test_run_without_network(tmp_path: Path, kind: str) -> None:
    if importlib.util.find_spec("scheduler.cycle") is None:
        pytest.xfail("`zcwatch run` needs scheduler/cycle.py, which is not written yet")
    db, before = _unreachable_setup(tmp_path, kind)
    proc = run_zcwatch(["run"], cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    line = one_line(proc.stderr)
    assert line.startswith("zcwatch: ") and "could not be reached" in line, line
    assert "Traceback" not in proc.stdout
    # The cycle goes on to plan alerts, which may estimate next season's windows from the stored ones.
    _check_nothing_lost(db, before, estimates=True)
