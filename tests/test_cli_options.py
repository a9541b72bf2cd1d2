"""Global options work before or after the command, `--version`, and `-v` says what each step did."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from support.cli import one_line, run_zcwatch

from extractor import READER_VERSION

CONFIG = '[crawl]\ndelay = 0\ncontact = "t@example.org"\n'


def test_version() -> None:
    ran = run_zcwatch(["--version"], cwd=Path.cwd())
    assert ran.returncode == 0
    assert ran.stdout.strip() == f"zcwatch {version('zcwatch')}"


def test_config_verbose_and_quiet_are_accepted_after_the_command(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    for args in (
        ["--config", str(missing), "notices"],
        ["notices", "--config", str(missing)],
        ["subscribers", "list", "--config", str(missing)],
        ["crawl", "-q", "--config", str(missing)],
    ):
        ran = run_zcwatch(args, cwd=tmp_path)
        assert ran.returncode == 2, (args, ran.stderr)
        assert one_line(ran.stderr) == f"zcwatch: {missing}: no such file (create one with `zcwatch init`)"
    # Given after the command, -v still means -v (here: the traceback a user asked for).
    ran = run_zcwatch(["notices", "--config", str(missing), "-v"], cwd=tmp_path)
    assert "Traceback" in ran.stderr


def test_verbose_run_says_what_each_step_did(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CONFIG, encoding="utf-8")
    quiet = run_zcwatch(["--config", str(path), "run"], cwd=tmp_path)
    assert quiet.stdout == ""
    ran = run_zcwatch(["run", "--config", str(path), "-v"], cwd=tmp_path)
    assert ran.returncode == 1, ran.stderr  # no [[sources]]: said on stderr, the rest still ran
    assert ran.stdout.splitlines() == [
        f"reread: every notice is read by extractor v{READER_VERSION}",
        "notify: nothing due",
        "digest: not due",
        "health: ok",
    ]
    assert one_line(ran.stderr) == "zcwatch: no [[sources]] in the config: nothing was crawled"
