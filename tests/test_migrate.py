"""Schema migrations on real files: a v1 database (frozen schema in tests/data) opens as v2 with no data lost.

Also: a database from a newer zcwatch, a foreign SQLite file and a file that is not SQLite at all are
refused in one line and left byte for byte as they were.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session
from support.cli import REPO, one_line, run_zcwatch
from support.postgres import PostgresServer

from core.errors import DatabaseError
from core.vocabulary import WINDOW_ALERT_KINDS
from store.db import open_engine, transaction
from store.migrate import LATEST, schema_version
from store.models import Delivery, Incident, Meta, Notice, Window, _in

SCHEMA_V1 = Path(__file__).parent / "data" / "schema_v1.sql"
V1_TABLES = ("meta", "sources", "crawl_runs", "notices", "notice_versions", "windows", "deliveries")
COLUMN = "https://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
NOTICE_URL = COLUMN + "content/post_9876543.html"
BODY = (
    "各有关单位：\n一、网上申报时间：2025年1月6日至2月7日。\n二、纸质材料报送时间：2025年2月10日至2月14日。\n"
)
OLD_BODY = BODY.replace("2月7日", "1月24日")
KEY = "0f" * 16

V1_ROWS: dict[str, list[tuple[Any, ...]]] = {
    "meta": [("digest.last_sent", "2025-01-06T00:30:00Z"), ("health.deliveries", "ok")],
    "sources": [
        (
            1,
            "gz-pstz",
            COLUMN,
            '"6790a1b2"',
            "Mon, 06 Jan 2025 01:00:00 GMT",
            "a" * 64,
            12,
            "2024-12-01 00:00:00",
        ),
        (2, "wjw", "https://wjw.gz.gov.cn/zwgk/tzgg/", None, None, None, None, "2024-12-02 08:00:00.123456"),
    ],
    "crawl_runs": [
        (1, 1, "2025-01-06 00:40:00", "2025-01-06 00:41:10", "ok", 1, 14, 80000, 12, 2, 1, 0, None),
        (
            2,
            2,
            "2025-01-06 04:10:00",
            "2025-01-06 04:10:30",
            "unreachable",
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            "DNS failed",
        ),
    ],
    "notices": [
        (
            1,
            NOTICE_URL,
            1,
            "广州市卫生高级职称评审委员会关于开展2025年度卫生系列高级职称评审工作的通知",
            "2024-12-20",
            "2024-12-20 10:30",
            "广州市人力资源和社会保障局",
            "rsj.gz.gov.cn",
            "广州市卫生高级职称评审委员会",
            2025,
            BODY,
            "c" * 64,
            '[{"name": "附件1.docx", "url": "https://rsj.gz.gov.cn/attachment/6/6902/6902117/11003417.docx"}]',
            "article",
            "utf-8",
            "fetched",
            None,
            'W/"x"',
            None,
            "2024-12-20 03:00:00",
            "2025-01-06 00:41:00",
            "2025-01-03 02:00:00",
        ),
        (
            2,
            "https://www.gzhmu.edu.cn/info/1022/5678.htm",
            1,
            "广州医科大学2025年度职称评审通知",
            "2024-12-18",
            None,
            None,
            "www.gzhmu.edu.cn",
            None,
            None,
            None,
            None,
            "[]",
            None,
            None,
            "external",
            None,
            None,
            None,
            "2024-12-18 03:00:00",
            "2025-01-06 00:41:00",
            None,
        ),
    ],
    "notice_versions": [
        (1, 1, "广州市卫生高级职称评审委员会关于开展…的通知", OLD_BODY, "b" * 64, "2025-01-03 02:00:00")
    ],
    "windows": [
        (
            1,
            KEY,
            1,
            1,
            "广州市卫生高级职称评审委员会",
            2025,
            "apply",
            "2025-01-06",
            "2025-01-24",
            "一、网上申报时间：2025年1月6日至1月24日",
            "superseded",
            "2024-12-20 03:00:00",
            "2025-01-03 02:00:00",
        ),
        (
            2,
            KEY,
            2,
            1,
            "广州市卫生高级职称评审委员会",
            2025,
            "apply",
            "2025-01-06",
            "2025-02-07",
            "一、网上申报时间：2025年1月6日至2月7日",
            "current",
            "2025-01-03 02:00:00",
            None,
        ),
        (
            3,
            "1e" * 16,
            1,
            None,
            "广州市卫生高级职称评审委员会",
            2026,
            "apply",
            "2026-01-05T09:00",
            "2026-01-23",
            "estimated from 2025",
            "estimate",
            "2025-01-03 02:00:00",
            None,
        ),
    ],
    "deliveries": [
        (
            1,
            "卫生系列",
            "0123456789abcdef",
            "mailtos://me:****@163.com",
            1,
            KEY,
            1,
            "month_ahead",
            "sent",
            1,
            "2024-12-07 01:00:00",
            "2024-12-07 01:00:00",
            "2024-12-07 01:00:01",
            "2024-12-07 01:00:02",
            None,
            0,
            "2024-12-07 01:00:00",
        ),
        (
            2,
            "卫生系列",
            "fedcba9876543210",
            "wecombot://****",
            2,
            KEY,
            2,
            "changed",
            "failed",
            3,
            "2025-01-03 02:05:00",
            "2025-01-03 03:05:00",
            None,
            None,
            "HTTP 500 from qyapi",
            0,
            "2025-01-03 02:05:00",
        ),
    ],
}


def make_v1(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(SCHEMA_V1.read_text(encoding="utf-8"))
        conn.execute("PRAGMA foreign_keys = ON")
        for table in V1_TABLES:
            for row in V1_ROWS[table]:
                conn.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
        conn.commit()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def dump_rows(path: Path, tables: tuple[str, ...] = V1_TABLES) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


def user_version(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def v1_file(tmp_path: Path) -> Path:
    path = tmp_path / "zcwatch.sqlite3"
    make_v1(path)
    return path


def test_v1_rows_are_what_we_inserted(v1_file: Path) -> None:
    # Guards the fixture itself: every table has rows, read back exactly.
    rows = dump_rows(v1_file)
    for table in V1_TABLES:
        assert rows[table], table
        assert rows[table] == V1_ROWS[table], table


def test_migrate_v1_keeps_every_row(v1_file: Path) -> None:
    before = dump_rows(v1_file)
    engine = open_engine(f"sqlite:///{v1_file}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == LATEST == 9
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    finally:
        engine.dispose()
    after = dump_rows(v1_file)
    # v3 added notices.review_reason at the end of each row, v7 notices.reviewed_hash, v9 notices.read_by
    # and read_from: empty for every notice that was there (read before the extractor's material was kept).
    assert {row[-4:] for row in after["notices"]} == {(None, None, None, None)}
    after["notices"] = [row[:-4] for row in after["notices"]]
    # v4 added windows.confidence the same way, v7 windows.reviewed_by: unknown (NULL) for every window
    # read before, and reviewed by nobody.
    assert {row[-2:] for row in after["windows"]} == {(None, None)}
    after["windows"] = [row[:-2] for row in after["windows"]]
    # v5 added deliveries.lease_owner and lease_until: no lease for any row claimed before.
    assert {row[-2:] for row in after["deliveries"]} == {(None, None)}
    after["deliveries"] = [row[:-2] for row in after["deliveries"]]
    assert after == before


def test_migrated_rows_read_through_the_models(v1_file: Path) -> None:
    engine = open_engine(f"sqlite:///{v1_file}")
    try:
        with Session(engine) as s:
            notice = s.scalars(select(Notice).where(Notice.url == NOTICE_URL)).one()
            assert notice.body == BODY
            assert notice.attachments[0]["name"] == "附件1.docx"
            assert notice.changed_at is not None and notice.changed_at.isoformat() == "2025-01-03T02:00:00"
            assert [v.body for v in notice.versions] == [OLD_BODY]
            assert [(w.version, w.end, w.status) for w in notice.windows] == [
                (1, "2025-01-24", "superseded"),
                (2, "2025-02-07", "current"),
            ]
            failed = s.scalars(select(Delivery).where(Delivery.status == "failed")).one()
            assert (failed.window.end, failed.attempts, failed.last_error) == (
                "2025-02-07",
                3,
                "HTTP 500 from qyapi",
            )
            assert s.get(Meta, "digest.last_sent") is not None
            estimate = s.scalars(select(Window).where(Window.status == "estimate")).one()
            assert estimate.notice is None
    finally:
        engine.dispose()


def test_incidents_table_exists_and_works_after_migration(v1_file: Path) -> None:
    engine = open_engine(f"sqlite:///{v1_file}")
    try:
        with transaction(engine) as s:
            s.add(Incident(scope="source:gz-pstz", problem="down", detail="3 failed crawls in 12 h"))
        with Session(engine) as s:
            incident = s.scalars(select(Incident)).one()
            assert (incident.scope, incident.problem, incident.alerts_sent, incident.recovery_sent) == (
                "source:gz-pstz",
                "down",
                0,
                False,
            )
            assert incident.started_at is not None and incident.resolved_at is None
    finally:
        engine.dispose()


def test_backup_of_the_old_version(v1_file: Path) -> None:
    before = dump_rows(v1_file)
    open_engine(f"sqlite:///{v1_file}").dispose()
    backup = v1_file.with_name(v1_file.name + ".bak-v1")
    assert backup.is_file()
    assert user_version(backup) == 1
    assert dump_rows(backup) == before
    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert tables == set(V1_TABLES)


def test_reopening_a_migrated_database_changes_nothing(v1_file: Path) -> None:
    open_engine(f"sqlite:///{v1_file}").dispose()
    backup = v1_file.with_name(v1_file.name + ".bak-v1")
    backup_digest = digest(backup)
    rows = dump_rows(v1_file, (*V1_TABLES, "incidents"))
    open_engine(f"sqlite:///{v1_file}").dispose()
    assert dump_rows(v1_file, (*V1_TABLES, "incidents")) == rows
    assert digest(backup) == backup_digest
    assert sorted(p.name for p in v1_file.parent.glob("*.bak-*")) == ["zcwatch.sqlite3.bak-v1"]


def _schema(engine: Engine) -> dict[str, Any]:
    insp = inspect(engine)
    out: dict[str, Any] = {}
    for table in sorted(insp.get_table_names()):
        out[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"), c.get("primary_key"))
                for c in insp.get_columns(table)
            ],
            "pk": insp.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in insp.get_indexes(table)
            ),
            "unique": sorted(
                (u["name"] or "", tuple(u["column_names"])) for u in insp.get_unique_constraints(table)
            ),
            "checks": sorted((c["name"] or "", c["sqltext"]) for c in insp.get_check_constraints(table)),
        }
    return out


def test_migrated_schema_equals_a_fresh_one(v1_file: Path, tmp_path: Path) -> None:
    migrated = open_engine(f"sqlite:///{v1_file}")
    fresh = open_engine(f"sqlite:///{tmp_path / 'fresh' / 'zcwatch.sqlite3'}")
    try:
        got, want = _schema(migrated), _schema(fresh)
        assert set(got) == set(want)
        assert "incidents" in got
        for table in want:
            assert got[table] == want[table], table
    finally:
        migrated.dispose()
        fresh.dispose()


def test_a_failed_migration_leaves_the_database_as_it_was(v1_file: Path) -> None:
    # A v1 file that somehow already has an "incidents" table: the v2 step fails inside its transaction.
    conn = sqlite3.connect(v1_file)
    conn.execute("CREATE TABLE incidents (x INTEGER)")
    conn.commit()
    conn.close()
    before = dump_rows(v1_file, (*V1_TABLES, "incidents"))
    with pytest.raises(DatabaseError) as info:
        open_engine(f"sqlite:///{v1_file}")
    assert "\n" not in str(info.value)
    assert "incidents" in str(info.value)
    assert user_version(v1_file) == 1
    assert dump_rows(v1_file, (*V1_TABLES, "incidents")) == before


# --- refused files -------------------------------------------------------------------------------------


def _newer(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO sources VALUES (1, 'gz-pstz')")
    conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.commit()
    conn.close()


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts VALUES (1, '张三')")
    conn.commit()
    conn.close()


def _not_sqlite(path: Path) -> None:
    path.write_text("name,deadline\n卫生,2025-01-24\n", encoding="utf-8")


REFUSED = {
    "newer-version": (_newer, "newer than this zcwatch understands"),
    "not-zcwatch": (_foreign, "is not a zcwatch database"),
    "not-sqlite": (_not_sqlite, "file is not a database"),
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_and_untouched(tmp_path: Path, kind: str) -> None:
    make, message = REFUSED[kind]
    path = tmp_path / "zcwatch.sqlite3"
    make(path)
    before = digest(path)
    with pytest.raises(DatabaseError) as info:
        open_engine(f"sqlite:///{path}")
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zcwatch.sqlite3"]  # no -wal, -shm or backup


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_refused_through_the_cli_is_one_line_exit_1(tmp_path: Path, kind: str) -> None:
    make, message = REFUSED[kind]
    db = tmp_path / "data" / "zcwatch.sqlite3"
    db.parent.mkdir()
    make(db)
    before = digest(db)
    (tmp_path / "config.toml").write_text(
        '[database]\nurl = "sqlite:///data/zcwatch.sqlite3"\n', encoding="utf-8"
    )
    for args in (["notices"], ["init"]):
        proc = run_zcwatch(args, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        line = one_line(proc.stderr)
        assert line.startswith("zcwatch: ") and message in line, line
        assert "internal error" not in line
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["zcwatch.sqlite3"]


def test_cli_reads_a_v1_database(v1_file: Path) -> None:
    (v1_file.parent / "config.toml").write_text(
        f'[database]\nurl = "sqlite:///{v1_file}"\n', encoding="utf-8"
    )
    proc = run_zcwatch(["notices", "--format", "json"], cwd=v1_file.parent)
    assert proc.returncode == 0, proc.stderr
    assert "广州市卫生高级职称评审委员会关于开展2025年度" in proc.stdout
    assert '"end": "2025-02-07"' in proc.stdout
    assert user_version(v1_file) == LATEST == 9


# --- Alembic, and PostgreSQL (issue 13) ---------------------------------------------------------------------


def test_alembic_head_is_latest_and_every_script_ships() -> None:
    import tomllib

    from alembic.script import ScriptDirectory

    from store.migrate import HEAD, SCRIPTS

    scripts = ScriptDirectory(str(SCRIPTS))
    assert scripts.get_heads() == [HEAD] == [f"v{LATEST}"]
    assert [r.revision for r in scripts.walk_revisions()] == [f"v{n}" for n in range(LATEST, 0, -1)]
    # The scripts are package data of `store`, listed file by file: a new revision must be listed too.
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(pyproject["tool"]["setuptools"]["package-data"]["store"])
    on_disk = {
        str(p.relative_to(REPO / "store"))
        for p in SCRIPTS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert listed == on_disk


def _pg_at_v3(url: str) -> None:
    """A PostgreSQL database as zcwatch's schema v3 made it: today's less windows.confidence (v4), the
    deliveries' leases (v5), the subscribers table (v6), staff review (v7), the timeline (v8) and the
    extractor's reading material (v9)."""
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE windows DROP COLUMN confidence")
            conn.exec_driver_sql("ALTER TABLE deliveries DROP COLUMN lease_owner, DROP COLUMN lease_until")
            conn.exec_driver_sql("DROP TABLE subscribers")
            conn.exec_driver_sql("ALTER TABLE windows DROP COLUMN reviewed_by")
            conn.exec_driver_sql("ALTER TABLE notices DROP COLUMN reviewed_hash")
            conn.exec_driver_sql("ALTER TABLE notices DROP COLUMN read_by, DROP COLUMN read_from")
            for table in ("window_reviews", "staff_sessions", "staff", "audit_log", "timeline_events"):
                conn.exec_driver_sql(f"DROP TABLE {table}")
            # v8 let the ledger hold the timeline's reminder kinds too.
            conn.exec_driver_sql("ALTER TABLE deliveries DROP CONSTRAINT ck_delivery_kind")
            old_kinds = _in("alert_kind", WINDOW_ALERT_KINDS)
            conn.exec_driver_sql(
                f"ALTER TABLE deliveries ADD CONSTRAINT ck_delivery_kind CHECK ({old_kinds})"
            )
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'v3'")
    finally:
        engine.dispose()


def test_postgres_is_upgraded_in_place_and_told_how_to_dump(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.url(postgres_server.create_database())
    _pg_at_v3(url)
    config = tmp_path / "zcwatch.toml"
    config.write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    ran = run_zcwatch(["--config", str(config), "status"], cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    warning = one_line(ran.stderr)
    assert (
        f"from schema v3 to v{LATEST}" in warning
        and f"pg_dump -h 127.0.0.1 -p {postgres_server.port} -U postgres" in warning
    )
    assert postgres_server.password not in warning
    assert list(tmp_path.iterdir()) == [config]  # no file named after the database, no fake backup
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            assert schema_version(conn) == LATEST
            assert "confidence" in {c["name"] for c in inspect(conn).get_columns("windows")}
    finally:
        engine.dispose()
    again = run_zcwatch(["--config", str(config), "status"], cwd=tmp_path)
    assert again.returncode == 0 and again.stderr == "", again.stderr


def test_concurrent_migrations_of_one_postgres_database_are_serialised(
    postgres_server: PostgresServer,
) -> None:
    """Six processes open one empty database at once: one creates the schema, the others wait and find it."""
    url = postgres_server.url(postgres_server.create_database())
    code = "import sys; from store.db import open_engine; open_engine(sys.argv[1]).dispose()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, errors
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            versions = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
            assert versions == [f"v{LATEST}"]
    finally:
        engine.dispose()


def test_a_postgres_database_from_a_newer_zcwatch_is_refused(postgres_server: PostgresServer) -> None:
    url = postgres_server.url(postgres_server.create_database())
    open_engine(url).dispose()
    newer = LATEST + 1
    postgres_server.execute(f"UPDATE alembic_version SET version_num = 'v{newer}'", url.rsplit("/", 1)[1])
    with pytest.raises(DatabaseError, match=f"schema version {newer}, newer than this zcwatch"):
        open_engine(url)
