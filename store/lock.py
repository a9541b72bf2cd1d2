"""Advisory file locks next to the database: one run at a time, one daemon per database.

``flock`` locks vanish with the last process that holds them, so a crashed run never leaves a
stale lock behind (unlike a PID file). A lock's descriptor can be handed to a child process
(``held_lock_fd``): the lock then lasts until the child is gone too, even if the parent is killed.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import ClassVar

from core.config import Config


def lock_path(config: Config, name: str) -> Path:
    db = config.database_path
    base = db if db is not None else config.path.with_name("zcwatch")
    return base.with_name(f"{base.name}.{name}.lock")


class FileLock:
    # The locks this process holds, by path, so a child can be given the descriptor (held_lock_fd).
    _held: ClassVar[dict[Path, int]] = {}

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
        self._held[self.path] = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            self._held.pop(self.path, None)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> FileLock:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def held_lock_fd(path: Path) -> int | None:
    """The descriptor of the lock at ``path`` if this process holds it (to pass to a child), else None."""
    return FileLock._held.get(path)


def is_locked(path: Path) -> bool:
    """Whether some process holds the lock at ``path`` (this one included).

    Probes with a shared lock, dropped at once: an exclusive ``acquire`` elsewhere fails only if it
    falls into that instant, and then reports "another run is in progress", which is safe.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's shared lock, if it got one
    return False
