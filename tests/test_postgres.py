"""PostgreSQL as the store (issue 13): the URL is accepted, its password never shown, the engine set up.

Against the session's real server (support/postgres.py), with a real password (SCRAM): `zcwatch config`,
`init` and every database error mask it; a wrong password, a missing database and an unreachable server
are one line each; the engine's settings (isolation level, lock and statement timeouts) are on every
connection; the ledger's insert-or-leave-alone works on both engines; and the locks live in the
database, so two hosts' runs crawl the replica once.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session
from support.cli import one_line, run_zcwatch, zcwatch_exe
from support.crawl_fixtures import CrawlEnv, site_requests
from support.postgres import PostgresServer
from support.replica import ReplicaServer

from core.config import load_config, mask_database_url
from core.errors import ConfigError, DatabaseError
from core.timeutil import SHANGHAI
from notifier.deliver import notify_worker
from notifier.ledger import claim, claimable, record_failed, record_sent
from store.db import open_engine, transaction
from store.engine import BUSY_TIMEOUT_MS, STATEMENT_TIMEOUT_MS, insert_ignoring_duplicates
from store.lock import AdvisoryLock, advisory_lock_held, site_name
from store.migrate import LATEST, schema_version
from store.models import Delivery, Meta, Window, utcnow

pytestmark = pytest.mark.slow


def _write(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "zcwatch.toml"
    path.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("sqlite:///data/z.sqlite3", "sqlite:///data/z.sqlite3"),
        (
            "postgresql+psycopg://zc:s3cret@db.example:5432/zc",
            "postgresql+psycopg://zc:****@db.example:5432/zc",
        ),
        # unencoded @, / and : in the password are masked whole
        ("postgresql+psycopg://zc:p@ss/w:rd@db/zc", "postgresql+psycopg://zc:****@db/zc"),
        (
            "postgresql+psycopg://zc@db/zc?password=s3cret&sslmode=require",
            "postgresql+psycopg://zc@db/zc?password=****&sslmode=require",
        ),
        (
            "postgresql+psycopg://zc@/zc?host=/run/postgresql",
            "postgresql+psycopg://zc@/zc?host=/run/postgresql",
        ),
    ],
)
def test_database_urls_are_masked(url: str, shown: str) -> None:
    assert mask_database_url(url) == shown


@pytest.mark.parametrize(
    "url", ["postgresql://zc:s3cret@db/zc", "mysql://zc:s3cret@db/zc", "postgresql+psycopg://zc:s3cret@db"]
)
def test_other_database_urls_are_refused_without_the_password(tmp_path: Path, url: str) -> None:
    path = _write(tmp_path, url)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "database.url"
    assert "postgresql+psycopg://" in str(info.value) and "sqlite:///" in str(info.value)
    assert "s3cret" not in str(info.value)
    proc = run_zcwatch(["--config", str(path), "config"], cwd=tmp_path)
    assert proc.returncode == 2 and "s3cret" not in proc.stderr + proc.stdout
    one_line(proc.stderr)


def test_config_and_init_mask_the_password(tmp_path: Path, postgres_server: PostgresServer) -> None:
    name = postgres_server.create_database()
    url = postgres_server.url(name)
    path = _write(tmp_path, url.replace(postgres_server.password, "${ZC_DB_PASSWORD}"))
    env = {"ZC_DB_PASSWORD": postgres_server.password}
    for args in (["init"], ["config"], ["status"], ["notices"], ["-v", "status"]):
        proc = run_zcwatch(["--config", str(path), *args], cwd=tmp_path, env=env)
        assert proc.returncode == 0, (args, proc.stderr)
        assert postgres_server.password not in proc.stdout + proc.stderr, args
    proc = run_zcwatch(["--config", str(path), "config"], cwd=tmp_path, env=env)
    shown = tomllib.loads(proc.stdout)["database"]["url"]
    assert shown == f"postgresql+psycopg://postgres:****@127.0.0.1:{postgres_server.port}/{name}"
    init = run_zcwatch(["--config", str(path), "init"], cwd=tmp_path, env=env)
    assert init.stdout.splitlines()[-1] == f"database ready: {shown}"
    assert not (tmp_path / "data").exists()  # nothing made on disk for a server database


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_database_errors_are_one_line_without_the_password(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    good = postgres_server.url(postgres_server.create_database())
    cases = {
        "password authentication failed": good.replace(postgres_server.password, "wr0ng-pw"),
        'database "nosuchdb" does not exist': good.rsplit("/", 1)[0] + "/nosuchdb",
        "Connection refused": good.replace(f":{postgres_server.port}/", f":{_unused_port()}/"),
    }
    for problem, url in cases.items():
        with pytest.raises(DatabaseError) as info:
            open_engine(url)
        message = str(info.value)
        assert problem in message and "\n" not in message, message
        assert postgres_server.password not in message and "wr0ng-pw" not in message
        assert mask_database_url(url) in message
        proc = run_zcwatch(["--config", str(_write(tmp_path, url)), "status"], cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        line = one_line(proc.stderr)
        assert problem in line and postgres_server.password not in line and "wr0ng-pw" not in line


def test_every_connection_gets_the_settings(postgres_server: PostgresServer) -> None:
    engine = open_engine(postgres_server.url(postgres_server.create_database()))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW transaction_isolation")).scalar() == "read committed"
            assert conn.execute(text("SHOW lock_timeout")).scalar() == f"{BUSY_TIMEOUT_MS // 1000}s"
            assert (
                conn.execute(text("SHOW statement_timeout")).scalar() == f"{STATEMENT_TIMEOUT_MS // 60000}min"
            )
            assert schema_version(conn) == LATEST
    finally:
        engine.dispose()


def test_insert_ignoring_duplicates_leaves_the_first_row(database_url: str) -> None:
    engine = open_engine(database_url)
    try:
        inserted = []
        for value in ("first", "second"):
            with transaction(engine) as s:
                stmt = insert_ignoring_duplicates(s.connection(), Meta).values(key="k", value=value)
                inserted.append(s.connection().execute(stmt).rowcount)
        assert inserted == [1, 0]
        with Session(engine) as s:
            assert s.scalars(select(Meta.value).where(Meta.key == "k")).all() == ["first"]
    finally:
        engine.dispose()


# --- locks in the database (step 4) -------------------------------------------------------------------------


def test_advisory_locks_are_held_per_name_across_sessions(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(postgres_server.create_database())
    first, second, other = AdvisoryLock(url, "run"), AdvisoryLock(url, "run"), AdvisoryLock(url, "daemon")
    assert not advisory_lock_held(url, "run")
    assert first.acquire()
    try:
        assert advisory_lock_held(url, "run") and not advisory_lock_held(url, "daemon")
        assert not second.acquire()  # another session: as another process or host would be
        assert other.acquire()  # a different lock is independent
        other.release()
    finally:
        first.release()
    assert not advisory_lock_held(url, "run")
    assert second.acquire()
    second.release()
    assert postgres_server.password not in first.where


def _hosts(tmp_path: Path, replica: ReplicaServer, url: str, n: int) -> list[CrawlEnv]:
    """``n`` installations sharing one PostgreSQL database: each its own folder and config, as on n hosts
    (a file lock next to one config is invisible to the others)."""
    out = []
    for i in range(n):
        folder = tmp_path / f"host{i}"
        folder.mkdir()
        out.append(CrawlEnv(folder, replica, url=url))
    return out


def test_two_hosts_running_at_once_crawl_the_site_once(
    tmp_path: Path, replica: ReplicaServer, postgres_server: PostgresServer
) -> None:
    """Issue 13: two concurrent full crawls made 58 requests instead of 29. Now the runs share the work:
    one crawls the site, the other finds it being crawled and skips it (both then notify, with leases)."""
    url = postgres_server.url(postgres_server.create_database())
    hosts = _hosts(tmp_path, replica, url, 2)
    for h in hosts:
        h.write_config()
    env = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy" and k != "ZCWATCH_CONFIG"}
    procs = [
        subprocess.Popen(
            [zcwatch_exe(), "--config", str(h.config_path), "-v", "run"],
            cwd=h.dir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for h in hosts
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 1], outs  # the one that crawled is partial (the replica's withdrawn notice)
    skipped = [
        out for out, _ in outs if "replica: skipped: another zcwatch process is crawling this site" in out
    ]
    assert len(skipped) == 1, outs
    assert postgres_server.password not in skipped[0]
    log = replica.requests
    assert len(log) == 29, [r.path for r in log]
    pages = [r.path for r in site_requests(log)]
    assert len(pages) == len(set(pages)), "a page was asked for twice"
    assert hosts[0].scalar("SELECT count(*) FROM crawl_runs") == 1


def test_a_source_being_crawled_elsewhere_is_not_crawled_again(
    tmp_path: Path, replica: ReplicaServer, postgres_server: PostgresServer
) -> None:
    url = postgres_server.url(postgres_server.create_database())
    (host,) = _hosts(tmp_path, replica, url, 1)
    site = site_name(replica.column_url)
    elsewhere = AdvisoryLock(url, f"site:{site}")  # another host's crawl child, mid-crawl
    assert elsewhere.acquire()
    try:
        ran = host.crawl()
    finally:
        elsewhere.release()
    assert (ran.returncode, ran.stderr) == (0, ""), ran  # not a failure: the site is being read right now
    line = ran.stdout.strip()
    assert line.startswith("replica: skipped: another zcwatch process is crawling this site now"), line
    assert f"advisory lock 'site:{site}'" in line and postgres_server.password not in line
    assert replica.requests == []
    assert host.crawl().returncode == 1  # free again: the crawl runs (partial: the withdrawn notice)


# --- delivery leases (notifier.ledger) ------------------------------------------------------------------


def _one_delivery(tmp_path: Path, url: str) -> tuple[Engine, int]:
    from support.notify_fixtures import NotifyEnv

    env = NotifyEnv(tmp_path, url=url)
    window = ("apply", "2025-12-06", "2025-12-26")
    env.add_notice("广州市测试职称评审委员会", [window], seen="2025-12-01T09:00")
    env.close()
    engine = open_engine(url)
    with transaction(engine) as s:
        w = s.scalars(select(Window)).one()
        d = Delivery(
            subscriber="a",
            channel="c",
            channel_label="c",
            window_id=w.id,
            window_key=w.key,
            window_version=w.version,
            alert_kind="announced",
            status="pending",
            due_at=datetime(2025, 12, 1, 1),  # UTC: due at 09:00 Shanghai, before LEASE_NOW
            next_attempt_at=datetime(2025, 12, 1, 1),
        )
        s.add(d)
        s.flush()
        return engine, d.id


LEASE_NOW = datetime(2025, 12, 1, 10, tzinfo=SHANGHAI)


def test_a_claim_is_taken_over_only_when_its_lease_has_ended(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    engine, row = _one_delivery(tmp_path, postgres_server.url(postgres_server.create_database()))
    now = LEASE_NOW
    with notify_worker(engine) as a, notify_worker(engine) as b:
        with transaction(engine) as s:
            assert [d.id for d in claimable(s, now, a)] == [row]
            assert claim(s, [row], now, a) == ([row], 0)
        with transaction(engine) as s:  # a is alive and within its lease: not b's
            assert claimable(s, now, b) == []
            assert claim(s, [row], now, b) == ([], 0)
        with transaction(engine) as s:  # a is alive but has outlived its lease (a hung send): b takes over
            s.get_one(Delivery, row).lease_until = utcnow() - timedelta(seconds=1)
        with transaction(engine) as s:
            assert claim(s, [row], now, b) == ([row], 1)
        with transaction(engine) as s:  # a's late failure leaves b's claim alone
            record_failed(s, [row], "HTTP 503", now, a)
        with transaction(engine) as s:
            d = s.get_one(Delivery, row)
            assert (d.status, d.lease_owner, d.last_error, d.duplicates) == ("sending", b.owner, None, 1)
    # b has ended (its advisory lock with it): its claim is free at once, lease or not
    with notify_worker(engine) as c:
        with transaction(engine) as s:
            assert [d.id for d in claimable(s, now, c)] == [row]
            assert claim(s, [row], now, c) == ([row], 1)
        with transaction(engine) as s:
            record_sent(s, [row], now)
        with transaction(engine) as s:
            d = s.get_one(Delivery, row)
            assert (d.status, d.lease_owner, d.lease_until, d.attempts) == ("sent", c.owner, None, 3)
    engine.dispose()


def test_a_row_being_claimed_is_skipped_not_waited_for(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    engine, row = _one_delivery(tmp_path, postgres_server.url(postgres_server.create_database()))
    with notify_worker(engine) as a, notify_worker(engine) as b, Session(engine) as holding:
        holding.begin()
        holding.scalars(select(Delivery).where(Delivery.id == row).with_for_update()).one()  # a, mid-claim
        started = time.monotonic()
        with transaction(engine) as s:
            assert claim(s, [row], LEASE_NOW, b) == ([], 0)
        assert time.monotonic() - started < 2  # SKIP LOCKED: no wait for the lock timeout
        holding.rollback()
        with transaction(engine) as s:
            assert claim(s, [row], LEASE_NOW, a) == ([row], 0)
    engine.dispose()


def test_a_step_another_run_is_doing_is_skipped(
    tmp_path: Path, replica: ReplicaServer, postgres_server: PostgresServer
) -> None:
    url = postgres_server.url(postgres_server.create_database())
    (host,) = _hosts(tmp_path, replica, url, 1)
    others = [AdvisoryLock(url, "step:digest"), AdvisoryLock(url, "step:health")]  # another host's run
    for lock in others:
        assert lock.acquire()
    try:
        ran = host.zcwatch("-v", "run")
    finally:
        for lock in others:
            lock.release()
    assert "digest: another run is doing it; skipped" in ran.stdout, ran
    assert "health: another run is doing it; skipped" in ran.stdout, ran
    again = host.zcwatch("-v", "run")
    assert "digest: not due" in again.stdout and "health: " in again.stdout, again
    assert "skipped" not in again.stdout, again
