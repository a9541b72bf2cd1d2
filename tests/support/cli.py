"""Running the real `zcwatch` command in a subprocess, and checking its one-line errors."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def zcwatch_exe() -> str:
    """The installed console script next to this interpreter (the venv's), else the one on PATH."""
    beside = Path(sys.executable).parent / "zcwatch"
    if beside.exists():
        return str(beside)
    found = shutil.which("zcwatch")
    assert found, "the zcwatch console script is not installed"
    return found


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without zcwatch's own variables or secrets the tests use."""
    env = {k: v for k, v in os.environ.items() if k not in ("ZCWATCH_CONFIG", "SMTP_PASSWORD")}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra or {})
    return env


def run_zcwatch(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [zcwatch_exe(), *args],
        cwd=cwd,
        env=clean_env(env),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def one_line(stderr: str) -> str:
    """The single line of ``stderr``; fails if there are more (or none) or if a traceback leaked."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}:\n{stderr}"
    return lines[0]


@dataclass(frozen=True)
class Ran:
    """A finished `zcwatch` invocation."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def lines(self) -> list[str]:
        return [x for x in (self.stdout + self.stderr).splitlines() if x.strip()]


def run_timed(cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float) -> Ran:
    """Run a command to the end and keep its output and wall time."""
    started = time.monotonic()
    proc = subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        cwd=cwd,
        env=dict(env),
        check=False,
    )
    return Ran(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started)


def copy_db(src_path: Path, dst_path: Path) -> None:
    """A consistent copy of a SQLite database (WAL included) via the backup API."""
    src, dst = sqlite3.connect(src_path), sqlite3.connect(dst_path)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
