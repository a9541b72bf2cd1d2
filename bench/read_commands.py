"""Read-only commands with many subscribers configured: `status`, `digest --format text`, `notices`.

Writes a config of N ``[[subscribers]]`` (each a json:// webhook on 127.0.0.1) and an empty SQLite
database (``zcwatch init``) in a temporary directory, then times each command as a child process next to
``python -c "import sqlalchemy"`` (the floor any command that opens the database pays), interleaved
round by round after one untimed warm-up round. Prints medians, spread and the ratio to the floor.

Both sides run byte-compiled code: pip compiled SQLAlchemy when it installed it, and this script compiles
zcwatch's packages first (``compileall``, as ``make run`` does), since an editable install is not compiled
and where PYTHONDONTWRITEBYTECODE is set nothing caches .pyc at run time.

    .venv/bin/python bench/read_commands.py [--subscribers 1000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from _replica import clean_env, zcwatch_cmd  # noqa: E402

COMMANDS = {
    "status": ["status"],
    "digest --format text": ["digest", "--format", "text"],
    "notices": ["notices"],
}
FLOOR = "python -c 'import sqlalchemy'"


def _config(folder: Path, n: int) -> Path:
    lines = ["[database]", f'url = "sqlite:///{(folder / "z.sqlite3").as_posix()}"', ""]
    lines += [f'[[subscribers]]\nname = "s{i:05d}"\nurls = ["json://127.0.0.1:9/h{i}"]\n' for i in range(n)]
    path = folder / "zcwatch.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _timed(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    ran = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if ran.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[-3:])}: exit {ran.returncode}: {ran.stderr.strip()[-300:]}")
    return seconds


def _compile_project() -> None:
    """Byte-compile the packages pyproject.toml ships (their top-level folders)."""
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"]
    folders = sorted({p.split(".")[0] for p in listed})
    subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    _compile_project()
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = _config(folder, args.subscribers)
        _timed([*zcwatch_cmd(), "--config", str(config), "init"], folder)
        sides = {name: [*zcwatch_cmd(), "--config", str(config), *a] for name, a in COMMANDS.items()}
        sides[FLOOR] = [sys.executable, "-c", "import sqlalchemy"]
        for r in range(args.rounds + 1):  # round 0 warms the page cache and .pyc files for every side
            for name, cmd in sides.items():
                seconds = _timed(cmd, folder)
                if r:
                    times.setdefault(name, []).append(seconds)
    floor = statistics.median(times[FLOOR])
    print(f"{args.subscribers} subscribers configured, {args.rounds} interleaved rounds after a warm-up")
    for name, xs in times.items():
        med = statistics.median(xs)
        print(
            f"{name:30} median {med:6.3f}s  min {min(xs):6.3f}s  max {max(xs):6.3f}s  "
            f"{med / floor:4.2f}× the floor"
        )


if __name__ == "__main__":
    main()
