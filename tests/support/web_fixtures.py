"""The web board's test fixtures: a database filled by crawling the replica, and the board served on loopback.

``board_env`` crawls the replica (with a planted notice whose title and sentences carry script and
``onerror`` payloads) with the real `zcwatch crawl`, then lets `zcwatch notify` materialise last season's
estimates, once per test module and engine. ``BoardServer`` runs the real app under uvicorn in a thread
on a free port, with the clock fixed inside the replica's season.
"""

from __future__ import annotations

import html as htmllib
import socket
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from support.crawl_fixtures import CrawlEnv, new_env
from support.replica import ReplicaServer

__all__ = [
    "BOARD_NOW",
    "EDIT_URL",
    "IMG",
    "PAYLOAD_TITLE",
    "SCRIPT",
    "BoardServer",
    "board_env",
    "notice_page",
    "plant_payloads",
]

COLUMN = "http://rsj.gz.gov.cn/ywzt/rcgz/gzzc/zcsb/pstz/gzsggzjpwhndpsgztz/"
SCRIPT = "<script>alert('xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD_URL = f"{COLUMN}content/post_11998001.html"
PAYLOAD_TITLE = f"关于2025年度广州市卫生{SCRIPT}{IMG}职称评审工作的通知"
EDIT_URL = f"{COLUMN}content/post_11998002.html"
EDIT_TITLE = "关于做好2025年度广州市档案专业技术人才职称评审工作的通知"
# Last season's notice of a committee with none this season yet: `notify` estimates its windows a year on.
LAST_SEASON_URL = f"{COLUMN}content/post_11998003.html"
LAST_SEASON_TITLE = "关于做好2024年度广州市翻译专业技术人才职称评审工作的通知"
BOARD_NOW = "2025-12-05T10:00"


def notice_page(
    title: str, paragraphs: list[str], published: str, source: str = "广州市卫生健康委员会"
) -> str:
    """A notice in the column's ucap template; ``paragraphs`` are HTML (escape text yourself)."""
    t = htmllib.escape(title)
    body = "".join(f'<p style="text-indent: 2em;">{p}</p>' for p in paragraphs)
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="ArticleTitle" content="{t}"><meta name="PubDate" content="{published}">'
        f'<meta name="ContentSource" content="{source}">'
        f"<title>{t}-广州市人力资源和社会保障局网站</title></head><body>"
        '<div class="main w1200"><div class="info">'
        f'<div class="info_title"><h1>{t}</h1></div>'
        f'<div class="time"><span class="publishTime">发布时间：<publishtime>{published}</publishtime></span>'
        f'<span class="resourse">来源：<font>{source}</font></span></div>'
        f'<div class="content"><ucapcontent>{body}</ucapcontent></div>'
        "</div></div></body></html>"
    )


def edit_page(apply_end: str) -> str:
    """The 档案 committee's notice; its online application closes on ``apply_end`` (e.g. "12月26日")."""
    return notice_page(
        EDIT_TITLE,
        [f"一、网上申报时间：2025年12月8日至{apply_end}。", "二、纸质材料受理：2026年1月5日至1月9日。"],
        "2025-12-02 10:00",
    )


def plant_payloads(replica: ReplicaServer) -> None:
    esc = htmllib.escape
    replica.add_listing_item(
        PAYLOAD_TITLE,
        PAYLOAD_URL,
        "2025-12-03",
        notice_page(
            PAYLOAD_TITLE,
            [
                f"各有关单位：{esc(SCRIPT)}{esc(IMG)}",
                f"一、网上申报：2025年12月8日至2026年1月9日{esc(IMG)}。",
                f"二、纸质材料受理{esc(SCRIPT)}：2026年1月12日9:00至1月16日17:00。",
            ],
            "2025-12-03 10:00",
        ),
    )
    replica.add_listing_item(EDIT_TITLE, EDIT_URL, "2025-12-02", edit_page("12月26日"))
    replica.add_listing_item(
        LAST_SEASON_TITLE,
        LAST_SEASON_URL,
        "2024-12-02",
        notice_page(
            LAST_SEASON_TITLE,
            ["一、网上申报：2024年12月16日至2025年1月10日。", "二、纸质材料受理：2025年1月13日至1月17日。"],
            "2024-12-02 10:00",
        ),
    )


@pytest.fixture(scope="module")
def board_env(
    replica_server: ReplicaServer,
    tmp_path_factory: pytest.TempPathFactory,
    db_engine: str,
    request: pytest.FixtureRequest,
) -> CrawlEnv:
    """A database filled by crawling the replica (payloads planted) and materialising estimates."""
    replica_server.reset()
    plant_payloads(replica_server)
    try:
        env = new_env(tmp_path_factory.mktemp("board"), replica_server, db_engine, request, timeout=3)
        ran = env.crawl()
        assert ran.returncode in (0, 1), ran  # partial: the replica links one withdrawn notice (a 404)
        ran = env.zcwatch("notify", "--now", BOARD_NOW)  # no subscribers: only materialises estimates
        assert ran.returncode == 0, ran
    finally:
        replica_server.reset()
        replica_server.clear_log()
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BoardServer:
    """The real app under uvicorn in a thread, on 127.0.0.1 and a free port (or ``port``, chosen beforehand
    with ``free_port()`` when the config's ``[web] base_url`` must name it)."""

    def __init__(self, config_path: Path, now: str = BOARD_NOW, port: int | None = None) -> None:
        import uvicorn

        from core.config import load_config
        from core.timeutil import parse_now
        from store.db import open_engine
        from web.app import create_app

        self.config = load_config(config_path)
        self.engine = open_engine(self.config.resolved_database_url)
        moment: datetime = parse_now(now)
        app = create_app(self.config, self.engine, clock=lambda: moment)
        self.port = port or free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, name="zcwatch-board", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self) -> BoardServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the board server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.engine.dispose()
