"""Advisory file locks next to the database: one run at a time, one daemon per database.

``flock`` locks vanish with the process that holds them, so a crashed run never leaves a
stale lock behind (unlike a PID file).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from core.config import Config


def lock_path(config: Config, name: str) -> Path:
    db = config.database_path
    base = db if db is not None else config.path.with_name("zcwatch")
    return base.with_name(f"{base.name}.{name}.lock")


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another process holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
