"""`zcwatch demo`: the whole pipeline on the bundled replica, as a newcomer without network runs it."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from support.cli import REPO, clean_env, run_zcwatch

pytestmark = pytest.mark.slow


def _check_demo_output(ran: subprocess.CompletedProcess[str], db: Path) -> None:
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    out = ran.stdout
    # 1. the real crawl of the replica (its withdrawn notice makes the first crawl partial)
    assert "replica: partial: stored 24 notice(s), 56 window(s); 1 notice(s) failed" in out
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


def test_demo_runs_the_pipeline_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite3"
    ran = run_zcwatch(["demo", "--keep", str(db)], cwd=tmp_path, timeout=180)
    _check_demo_output(ran, db)


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    ran = subprocess.run(cmd, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout)
    assert ran.returncode == 0, f"{cmd}: {ran.stdout}{ran.stderr}"
    return ran


def test_demo_runs_from_the_built_wheel_in_a_fresh_venv(tmp_path: Path) -> None:
    """`pip wheel --no-deps .`, installed into a new venv, then `zcwatch demo` in an empty folder.

    The machine has no index to install the dependencies from, so the fresh venv borrows the test venv's
    third-party packages through a .pth line; zcwatch itself (every one of its packages and the replica
    pages) comes from the wheel alone, which the test checks before running it.
    """
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels)]
    # Built from a copy of the checkout, so setuptools' build/ and egg-info never land in the working tree.
    source = tmp_path / "source"
    junk = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache")
    shutil.copytree(REPO, source, ignore=junk)
    _run([*build, "."], cwd=source)
    (wheel,) = wheels.glob("zcwatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "zcwatch/demo/site/rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/index.html" in names
    assert "zcwatch/demo/replica.py" in names and "core/config_template.toml" in names
    # The templates the digest and the web board render from ship too.
    assert (
        "notifier/digest/templates/digest.html" in names and "notifier/digest/templates/digest.css" in names
    )
    assert {"web/templates/board.html", "web/templates/timeline.svg", "web/templates/board.css"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "bench/", "support/"))]
    with zipfile.ZipFile(wheel) as zf:  # the fault-injecting replica stays in tests/support/
        faults = [n for n in names if n.endswith(".py") and b"def set_fault" in zf.read(n)]
    assert not faults

    venv = tmp_path / "fresh"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp_path)
    purelib = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=tmp_path
        ).stdout.strip()
    )
    (purelib / "_zcwatch_test_deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    where = _run([str(python), "-c", "import zcwatch.demo; print(zcwatch.demo.__file__)"], cwd=tmp_path)
    assert where.stdout.strip().startswith(str(purelib)), where.stdout  # the wheel's copy, not the checkout

    empty = tmp_path / "empty"
    empty.mkdir()
    db = empty / "demo.sqlite3"
    ran = subprocess.run(
        [str(venv / "bin" / "zcwatch"), "demo", "--keep", str(db)],
        cwd=empty,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    _check_demo_output(ran, db)


def test_demo_serve_shows_the_board_on_loopback(tmp_path: Path) -> None:
    """`zcwatch demo --serve`: the replica's season on a board at 127.0.0.1, as the README says."""
    import json
    import signal
    import urllib.request

    from support.cli import zcwatch_exe
    from support.web_fixtures import free_port

    port = free_port()
    cmd = [zcwatch_exe(), "demo", "--keep", str(tmp_path / "demo.sqlite3"), "--serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=clean_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the demo's steps, then the serving line
            if f"http://127.0.0.1:{port}/" in line:
                break
        else:
            raise AssertionError(f"demo --serve ended without serving (exit {proc.wait()})")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            page = r.read().decode("utf-8")
        assert "今天 2025-12-01(一)" in page and "广州市卫生专业技术人才高级职称评审委员会" in page
        assert "2025年度时间轴" in page and 'href="webcal://127.0.0.1:' in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/windows", timeout=10) as r:
            assert json.load(r)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        if proc.stdout:
            proc.stdout.close()
