"""The locks of one database: runs, the daemon, the crawl of each site, and the steps that run once.

On **SQLite** they are advisory file locks next to the database. ``flock`` locks vanish with the last
process that holds them, so a crashed run never leaves a stale lock behind (unlike a PID file). A
lock's descriptor can be handed to a child process (``held_lock_fd``): the lock then lasts until the
child is gone too, even if the parent is killed. A file lock only reaches the processes of one host,
which is all a SQLite file can serve.

On **PostgreSQL** the database may be shared by several hosts, so the locks live in the server:
session-level advisory locks (``pg_try_advisory_lock``), each held by a connection of its own for
as long as the lock is held. The server drops them when that connection ends, so a killed process
frees its locks as a file lock would (its TCP connection is closed by the kernel; a host that vanishes
is noticed by the server's TCP keepalive). There runs do not take turns: they share the work, each part
kept apart by a lock of its own:

- there is no run lock (``NoLock``): any number of runs go at once;
- the crawl of a site (``site_lock``, the host of a source's URL) is held by the crawl child itself
  (``crawler.process``) while it crawls and for one politeness delay after, so each site is read by one
  process at a time, on whichever host, and different sites by different hosts at once;
- alerts are claimed with leases (``notifier.ledger``); the digest and the health check take
  ``step_lock`` so one host sends them and another skips the step;
- the daemon lock stays exclusive: one daemon per database (its schedule would otherwise run twice).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import socket
import zlib
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from core.config import Config
from core.errors import DatabaseError
from store.engine import create, display_url, scrub

# The first key of every zcwatch advisory lock (two-key form): apart from other users of the server.
ADVISORY_NAMESPACE = 0x7A63


class Lock(Protocol):
    def acquire(self) -> bool: ...
    def release(self) -> None: ...
    @property
    def where(self) -> str: ...


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

    @property
    def where(self) -> str:
        return str(self.path)

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


# --- PostgreSQL ----------------------------------------------------------------------------------------


def advisory_key(name: str) -> int:
    """The second key of the lock called ``name``: a stable 31-bit hash (an int4, as pg_locks shows it)."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFF_FFFF


class AdvisoryLock:
    """A session-level advisory lock on the PostgreSQL database at ``url``, on a connection of its own."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self._engine: Engine | None = None
        self._conn: Connection | None = None

    @property
    def where(self) -> str:
        return f"advisory lock {self.name!r} on {display_url(self.url)}"

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another session (on any host) holds it."""
        engine = create(self.url)
        try:
            conn = engine.connect()
            got = bool(
                conn.exec_driver_sql(
                    "SELECT pg_try_advisory_lock(%s, %s)",
                    (ADVISORY_NAMESPACE, advisory_key(self.name)),
                ).scalar()
            )
            conn.commit()  # the lock is the session's: no transaction stays open while it is held
        except DBAPIError as e:
            engine.dispose()
            raise DatabaseError(f"cannot take the {self.where}: {scrub(_first_line(e), self.url)}") from None
        if not got:
            conn.close()
            engine.dispose()
            return False
        self._engine, self._conn = engine, conn
        return True

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.exec_driver_sql(
                    "SELECT pg_advisory_unlock(%s, %s)",
                    (ADVISORY_NAMESPACE, advisory_key(self.name)),
                )
                self._conn.commit()
            except DBAPIError:
                pass  # the connection is gone, and the lock with it
            finally:
                self._conn.close()
                self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> AdvisoryLock:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def advisory_lock_held(url: str, name: str) -> bool:
    """Whether some session (this process's included) holds the advisory lock ``name``."""
    engine = create(url)
    try:
        with engine.connect() as conn:
            held = live_advisory_locks(conn, {name})
    except DBAPIError as e:
        raise DatabaseError(
            f"cannot read the locks of {display_url(url)}: {scrub(_first_line(e), url)}"
        ) from None
    finally:
        engine.dispose()
    return bool(held)


def live_advisory_locks(conn: Connection, names: set[str]) -> set[str]:
    """Those of the advisory locks ``names`` that some session holds now, read on ``conn`` (PostgreSQL):
    one query, in the caller's transaction. A hash collision can only make a lock look held."""
    keys: dict[int, list[str]] = {}
    for n in names:
        keys.setdefault(advisory_key(n), []).append(n)
    held = conn.exec_driver_sql(
        "SELECT objid FROM pg_locks"
        " WHERE locktype = 'advisory' AND granted AND classid = %s AND objsubid = 2",
        (ADVISORY_NAMESPACE,),
    ).scalars()
    return {n for key in held for n in keys.get(int(key), ())}


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None) or e
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


# --- the locks by purpose: what callers use ---------------------------------------------------------------


def _on_server(config: Config) -> bool:
    return config.database_path is None and not config.database_url.startswith("sqlite")


class NoLock:
    """The run lock on PostgreSQL: none. Runs share the work there, each part kept apart by its own lock."""

    where = "no run lock (PostgreSQL: runs share the work)"

    def acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def run_lock(config: Config) -> FileLock | NoLock:
    """SQLite: one `zcwatch run`/`crawl`/`notify` (or daemon job) at a time, on the one host a file serves.
    PostgreSQL: none (see the module's doc)."""
    return NoLock() if _on_server(config) else FileLock(lock_path(config, "run"))


def daemon_lock(config: Config) -> FileLock | AdvisoryLock:
    """One `zcwatch daemon` per database, on any host."""
    if _on_server(config):
        return AdvisoryLock(config.resolved_database_url, "daemon")
    return FileLock(lock_path(config, "daemon"))


def site_name(url: str) -> str:
    """The site a URL belongs to, as the crawl locks name it: its host, lower case."""
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or url).lower()


def site_lock(config: Config, url: str) -> AdvisoryLock | None:
    """PostgreSQL: the lock a crawl of the site of ``url`` holds (taken by the crawl child); None on SQLite,
    where the run lock, handed to the child, already keeps every crawl of the file apart."""
    if not _on_server(config):
        return None
    return AdvisoryLock(config.resolved_database_url, f"site:{site_name(url)}")


def step_lock(config: Config, step: str) -> AdvisoryLock | None:
    """PostgreSQL: the lock of a step that one run at a time does (the digest, the health check); None on
    SQLite, where the run lock already makes every step one at a time."""
    return AdvisoryLock(config.resolved_database_url, f"step:{step}") if _on_server(config) else None


# --- notify workers ---------------------------------------------------------------------------------------


def worker_lock_name(owner: str) -> str:
    return f"worker:{owner}"


def new_worker_name() -> str:
    """A notify worker's name on the rows it claims: host, process and a random tag (a pid is reused)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def crawl_in_progress(config: Config, url: str) -> bool:
    """Whether the site of ``url`` is being crawled now (PostgreSQL: its crawl lock, on any host; SQLite: the
    run lock, which a crawl holds until its child process is gone): for `zcwatch status`."""
    if _on_server(config):
        return advisory_lock_held(config.resolved_database_url, f"site:{site_name(url)}")
    return is_locked(lock_path(config, "run"))
