"""`zcwatch demo`: the whole pipeline on the bundled replica, as a newcomer without network runs it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.cli import run_zcwatch

pytestmark = pytest.mark.slow


def test_demo_runs_the_pipeline_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    ran = run_zcwatch(["demo", "--keep", str(db)], cwd=tmp_path, timeout=180)

    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    out = ran.stdout
    # 1. the real crawl of the replica (its withdrawn notice makes the first crawl partial)
    assert "replica: partial: 1 notice(s) failed" in out
    # 2. alerts delivered through Apprise to the local webhook, printed on the console
    assert "【新通知】广州市卫生研究人才职称评审委员会" in out
    # the health committee's announcement and opening day, both due, go out as one message (defect 9)
    assert "【今日开始】广州市卫生专业技术人才高级职称评审委员会网上申报今天开始" in out and "准备事项" in out
    assert "notify: 4 sent, 0 failed" in out
    # 3. the staff digest
    assert "【正在申报】" in out and "【需人工核对】" in out
    with sqlite3.connect(db) as conn:
        notices = conn.execute("SELECT count(*) FROM notices").fetchone()[0]
        sent = conn.execute("SELECT count(*) FROM deliveries WHERE status = 'sent'").fetchone()[0]
    assert notices == 25 and sent == 4
