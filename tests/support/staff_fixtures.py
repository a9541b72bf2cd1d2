"""Fixtures for the staff area (issue 16): a crawled database, a subscriber on a local webhook, an account.

``staff_env`` plants one committee's notice in the replica (an application window read with a label, and a
dated sentence naming no step, which the extractor is unsure of), crawls it with the real `zcwatch crawl`,
adds a subscriber whose alerts go to a real local webhook (Apprise ``json://``), and creates a staff
account and its API token with the real `zcwatch staff` CLI (the password on stdin). Once per module and
engine; the replica is reset when the module is done.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from support.cli import zcwatch_exe
from support.crawl_fixtures import CrawlEnv, new_env
from support.replica import ReplicaServer
from support.web_fixtures import notice_page
from support.webhook import WebhookSink

__all__ = [
    "APPLY_END",
    "COLUMN",
    "COMMITTEE_KW",
    "NOTICE_URL",
    "PASSWORD",
    "STAFF",
    "StaffEnv",
    "staff_cli",
    "staff_env",
    "staff_hook",
    "staff_notice",
]

COLUMN = "http://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
NOTICE_URL = f"{COLUMN}content/post_11998101.html"
TITLE = "关于做好2025年度广州市测绘专业技术人才职称工作的通知"
COMMITTEE_KW = "测绘"
APPLY_END = "2025-12-26"
STAFF = "alice"
PASSWORD = "correct horse battery"
SUBSCRIBER = "applicant"


def staff_notice(extra: str = "", apply_end: str = "2025年12月26日") -> str:
    """The 测绘 committee's notice: a labelled application window, and a dated line naming no step."""
    paragraphs = [
        "各有关单位：",
        f"一、个人网上申报时间：2025年12月10日至{apply_end}。",
        "二、另，2026年1月5日至1月9日，请留意。",
    ]
    if extra:
        paragraphs.append(extra)
    return notice_page(TITLE, paragraphs, "2025-12-01 10:00", source="广州市规划和自然资源局")


@dataclass
class StaffEnv:
    env: CrawlEnv
    hook: WebhookSink
    token: str

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return staff_cli(self.env, *args, stdin=stdin)


def staff_cli(env: CrawlEnv, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`zcwatch --config … ARGS` with ``stdin`` (not a terminal: `staff add` reads the password from it)."""
    env.write_config()
    environ = {k: v for k, v in os.environ.items() if k.lower() != "no_proxy" and k != "ZCWATCH_CONFIG"}
    return subprocess.run(
        [zcwatch_exe(), "--config", str(env.config_path), *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        cwd=env.dir,
        env=environ,
        check=False,
    )


@pytest.fixture(scope="module")
def staff_hook(db_engine: str) -> Iterator[WebhookSink]:
    with WebhookSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def staff_env(
    replica_server: ReplicaServer,
    tmp_path_factory: pytest.TempPathFactory,
    db_engine: str,
    request: pytest.FixtureRequest,
    staff_hook: WebhookSink,
) -> Iterator[StaffEnv]:
    replica_server.reset()
    replica_server.add_listing_item(TITLE, NOTICE_URL, "2025-12-01", staff_notice())
    env = new_env(tmp_path_factory.mktemp("staff"), replica_server, db_engine, request, timeout=3)
    env.extra_toml = (
        "[[subscribers]]\n"
        f'name = "{SUBSCRIBER}"\n'
        f'urls = ["{staff_hook.apprise_url()}"]\n'
        f'committees = ["{COMMITTEE_KW}"]\n'
        'kinds = ["apply", "other", "review"]\n'
    )
    try:
        ran = env.crawl()
        assert ran.returncode in (0, 1), ran  # partial: the replica links one withdrawn notice (a 404)
        added = staff_cli(env, "staff", "add", STAFF, stdin=PASSWORD + "\n")
        assert added.returncode == 0, added.stderr
        made = staff_cli(env, "staff", "token", STAFF)
        assert made.returncode == 0, made.stderr
        yield StaffEnv(env, staff_hook, made.stdout.strip())
    finally:
        replica_server.reset()
        replica_server.clear_log()
