"""What the crawl benchmarks share: the zcwatch command and a config pointing at the local replica."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.replica import ReplicaServer


def zcwatch_cmd() -> list[str]:
    script = Path(sys.executable).parent / "zcwatch"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from zcwatch.cli import main; main()"]


def clean_env() -> dict[str, str]:
    # The crawl child takes its proxy from the config; nothing else may go through one.
    return {k: v for k, v in os.environ.items() if "proxy" not in k.lower() and k != "ZCWATCH_CONFIG"}


def write_config(path: Path, db: Path, replica: ReplicaServer, extra: str = "") -> None:
    """A config crawling the replica with no delay (the production default is 2 s per request)."""
    path.write_text(
        "[database]\n"
        f'url = "sqlite:///{db.as_posix()}"\n\n'
        "[crawl]\n"
        "delay = 0\n"
        f'proxy = "{replica.proxy_url}"\n'
        "timeout = 10\n\n"
        f"{extra}"
        "[[sources]]\n"
        'name = "replica"\n'
        f'url = "{replica.column_url}"\n',
        encoding="utf-8",
    )
