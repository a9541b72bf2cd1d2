"""Running the real `zcwatch` command in a subprocess, and checking its one-line errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
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
