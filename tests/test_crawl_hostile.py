"""The real `zcwatch` crawl against a hostile local site (tests/support/hostile.py): issues 10 and 11.

Each test registers the few pages it needs and runs the real CLI, which runs the real Scrapy crawl in its
child process against the server on 127.0.0.1 (as an HTTP proxy, so the real host names and their
redirect rules apply) and writes a real SQLite file. Delay 0 and small pages keep each test fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.hostile import (
    COLUMN,
    HostileEnv,
    HostileServer,
    hostile_fixture,
    listing_html,
    notice_html,
    page,
)

__all__ = ["hostile_fixture"]  # the `hostile` fixture, registered in this module by importing it

TEXT = [
    "各有关单位：",
    "根据广东省职称评审工作的有关规定，现将2026年度广州市卫生专业技术人才高级职称评审工作有关事项通知如下。",
    "一、网上申报时间：2027年1月5日9:00至2月6日17:00，逾期系统关闭，不再受理。",
    "二、纸质材料报送时间：2027年2月9日至2月13日（工作日9:00-12:00，14:00-17:00）。",
    "三、申报人须完成本年度继续教育学时（90学时），并由所在单位通过法人账号审核推荐。",
    "特此通知。",
]


def notice(n: int, host: str = "rsj.gz.gov.cn") -> tuple[str, str, str]:
    """Listing row n: (title, url, date) of a notice on ``host``."""
    return (f"关于2026年度第{n}批职称评审工作的通知", f"http://{host}/zc/content/post_{n}.html", "2026-11-20")


def serve_column(server: HostileServer, rows: list[tuple[str, str, str]], at: str = COLUMN) -> None:
    """The listing at ``at`` with these rows, each notice served in full."""
    server.route(at, page(listing_html(rows)))
    for title, url, _ in rows:
        server.route(url, page(notice_html(title, TEXT)))


@pytest.fixture
def env(hostile: HostileServer, tmp_path: Path) -> HostileEnv:
    return HostileEnv(tmp_path, hostile)


def one_line(ran: object) -> str:
    lines = ran.lines  # type: ignore[attr-defined]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return str(lines[0])


# ------------------------------------------------------------------------------------------ result line


def test_child_writes_one_result_line(env: HostileEnv, hostile: HostileServer) -> None:
    serve_column(hostile, [notice(1)])
    env.write_config()
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.process", "--config", str(env.config_path), "--source", "hostile"],
        capture_output=True,
        text=True,
        env=env.env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    (line,) = proc.stdout.splitlines()
    result = json.loads(line)
    assert (result["outcome"], result["new"], result["source"]) == ("ok", 1, "hostile")
