"""`zcwatch extract` decodes a saved page exactly as the crawler decodes it from the site (issue 11)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from support.cli import clean_env, run_zcwatch, zcwatch_exe

NOTICE = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    "<body><div class='content'><p>各有关单位：</p>"
    "<p>网上申报时间：2025年1月6日至1月24日。</p></div></body></html>"
)
WANT = [["apply", "2025-01-06", "2025-01-24"]]


def _windows(stdout: str) -> list[list[str | None]]:
    return [[w["kind"], w["start"], w["end"]] for w in json.loads(stdout)]


def _from_stdin(data: bytes, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The raw bytes on stdin, as `cat notice.html | zcwatch extract -` gives them."""
    proc = subprocess.run(
        [zcwatch_exe(), "extract", "-", "--published", "2024-12-20"],
        cwd=cwd,
        env=clean_env(),
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    )


def test_a_gbk_page_reads_the_same_from_a_file_and_from_stdin(tmp_path: Path) -> None:
    page = tmp_path / "notice.html"
    page.write_bytes(NOTICE.encode("gb18030"))
    from_file = run_zcwatch(["extract", str(page), "--published", "2024-12-20"], cwd=tmp_path)
    assert from_file.returncode == 0, from_file.stderr
    assert _windows(from_file.stdout) == WANT
    from_stdin = _from_stdin(NOTICE.encode("gb18030"), tmp_path)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert "internal error" not in from_stdin.stderr
    assert _windows(from_stdin.stdout) == WANT


def test_gbk_text_without_a_declared_charset_still_reads(tmp_path: Path) -> None:
    text = "网上申报时间：2025年1月6日至1月24日。".encode("gbk")
    ran = _from_stdin(text, tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert _windows(ran.stdout) == WANT
