"""A real PostgreSQL server for the tests: initdb + pg_ctl in a temporary folder, one per test session.

The server binaries are Debian's (``pg_config --bindir``, else ``/usr/lib/postgresql/*/bin``); `.ci/run`
installs the ``postgresql`` package when they are missing. PostgreSQL refuses to run as root, and the
tests run as root in CI: the server is then started as the ``postgres`` user (the package creates it)
with ``runuser``, in a folder that user owns. It listens on 127.0.0.1 at a free port with password
(SCRAM) authentication, so the tests' URLs hold a real password and every masking check is a real one.
Durability is switched off (fsync, synchronous_commit, full_page_writes): a test database is thrown
away, and the suite shares two cores.

A session killed before its teardown (SIGTERM, SIGKILL) leaves its server running: the next session stops
every such leftover first (``stop_orphans``: a server folder whose ``owner.pid`` names a process that is
gone), so servers never pile up on a developer's machine or a CI runner.

Each test gets a database of its own (``create_database``: CREATE DATABASE, from ``template0`` or from a
database a module filled once, which is how a crawl's stored state is reused on PostgreSQL).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgresServer", "PostgresUnavailable", "server_bindir"]

USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here (install Debian's postgresql package: .ci/run does)."""


def server_bindir() -> Path:
    """The folder of initdb/pg_ctl/postgres: ``pg_config --bindir``, else Debian's versioned folder."""
    candidates: list[str] = []
    if shutil.which("pg_config"):
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(out.stdout.strip())
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in candidates:
        if c and (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file():
            return Path(c)
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, pg_ctl) found via `pg_config --bindir` or "
        "/usr/lib/postgresql/*/bin: apt-get install postgresql (.ci/run does), or run pytest --db sqlite"
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def stop_orphans(bindir: Path, keep: Path) -> None:
    """Stop and remove the servers of test sessions that died before their teardown (see the module doc)."""
    for folder in Path(tempfile.gettempdir()).glob("zcpg-*"):
        owner = folder / "owner.pid"
        if folder == keep or not owner.is_file():
            continue
        try:
            pid = int(owner.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            continue
        if _alive(pid):
            continue
        if (folder / "data" / "postmaster.pid").exists():
            cmd = [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]
            if os.geteuid() == 0:
                cmd = ["runuser", "-u", USER, "--", *cmd]
            subprocess.run(cmd, capture_output=True, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """One throw-away cluster; ``url(name)`` for SQLAlchemy, ``create_database`` for each test."""

    def __init__(self) -> None:
        self.bindir = server_bindir()
        self.password = "pg-" + secrets.token_hex(8)
        self.port = 0
        self.dir = Path(tempfile.mkdtemp(prefix="zcpg-"))
        self._names = itertools.count(1)
        self._as_root = os.geteuid() == 0

    # --- running as the server's user ---------------------------------------------------------------

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", USER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=self.dir)
        if check and done.returncode != 0:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")
        return done

    def start(self) -> PostgresServer:
        stop_orphans(self.bindir, self.dir)
        (self.dir / "owner.pid").write_text(f"{os.getpid()}\n", encoding="utf-8")
        if self._as_root:
            pw = pwd.getpwnam(USER)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        if self._as_root:
            os.chown(pwfile, pwd.getpwnam(USER).pw_uid, -1)
        self._run(
            "initdb",
            "-D",
            str(self.dir / "data"),
            "-U",
            USER,
            f"--pwfile={pwfile}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        pwfile.unlink()
        self.port = _free_port()
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.dir / "data"),
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "start",
        )
        return self

    def stop(self) -> None:
        if self.port:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop", check=False)
            self.port = 0
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- databases ----------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL (psycopg 3) of one database, with the real password in it."""
        return f"postgresql+psycopg://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} password={self.password} dbname={database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def create_database(self, template: str = "template0") -> str:
        """A new empty database (or a copy of ``template``, which must have no open connection); its name."""
        name = f"t{next(self._names)}"
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return name

    def recreate_database(self, name: str, template: str) -> None:
        """Replace database ``name`` by a copy of ``template`` (a seeded state), keeping its name and URL."""
        self.drop_database(name)
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
