"""The crawler's pure parts, from tables: redirect rules, failure outcomes, the child's result line.

The end-to-end behaviour they serve is tested against a live server in test_crawl_hostile.py; these pin
the rules themselves, including the cases a local server cannot show (https, IP hosts, foreign suffixes).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pytest
from support.cli import one_line, run_zcwatch

from core.errors import ZcwatchError
from core.vocabulary import CrawlOutcome
from crawler.middleware import RedirectRefused, redirect_refusal, registrable_domain
from crawler.outcome import CrawlResult, clip, failure_outcome


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("rsj.gz.gov.cn", "gz.gov.cn"),
        ("www.gz.gov.cn", "gz.gov.cn"),
        ("gz.gov.cn", "gz.gov.cn"),
        ("www.gov.cn", "www.gov.cn"),
        ("www.gzhmu.edu.cn", "gzhmu.edu.cn"),
        ("news.sina.com.cn", "sina.com.cn"),
        ("WWW.Example.COM.", "example.com"),
        ("a.b.example.org", "example.org"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


COLUMN = "http://rsj.gz.gov.cn/ywzt/pstz/"


@pytest.mark.parametrize(
    ("target", "follow", "refused"),
    [
        ("https://rsj.gz.gov.cn/ywzt/pstz/", (), None),  # http -> https on the same host
        ("http://www.gz.gov.cn/pstz/", (), None),  # another host of the same registrable domain
        ("http://www.gzhmu.edu.cn/rsc/", ("gzhmu.edu.cn",), None),  # configured in crawl.follow_domains
        ("http://www.gzhmu.edu.cn/rsc/", ("gz.gov.cn",), "another site"),
        ("http://www.gov.cn/", (), "another site"),  # gov.cn itself is not gz.gov.cn
        ("http://gz.gov.cn.evil.example.com/", ("gz.gov.cn",), "another site"),
        ("http://127.0.0.1:8080/", (), "another site"),
        ("file:///etc/passwd", (), "not http(s) but file"),
        ("data:text/html,x", (), "not http(s) but data"),
        ("ftp://rsj.gz.gov.cn/x", (), "not http(s) but ftp"),
        ("http:///nohost", (), "no host"),
    ],
)
def test_redirect_refusal(target: str, follow: tuple[str, ...], refused: str | None) -> None:
    why = redirect_refusal(COLUMN, target, follow)
    assert why == refused if refused is None else why is not None and why.startswith(refused)


def _caused(exc: BaseException, cause: BaseException) -> BaseException:
    """``exc`` as ``raise exc from cause`` leaves it (HttpCompressionMiddleware raises so)."""
    exc.__cause__ = cause
    return exc


class _DecompressionMaxSizeExceeded(ValueError):
    """Named as Scrapy's private class is: outcomes are judged by class name, never by import."""


@pytest.mark.parametrize(
    ("exc", "outcome"),
    [
        (type("DownloadCancelledError", (Exception,), {})(), CrawlOutcome.TOO_LARGE),  # mid-stream, no text
        (_caused(Exception("Ignored response"), _DecompressionMaxSizeExceeded()), CrawlOutcome.TOO_LARGE),
        (type("DownloadTimeoutError", (Exception,), {})("took too long"), CrawlOutcome.TIMEOUT),
        (type("DNSLookupError", (Exception,), {})("no such host"), CrawlOutcome.UNREACHABLE),
        (RedirectRefused("a -> b: another site"), CrawlOutcome.HTTP_ERROR),
        (Exception("Forbidden by robots.txt"), CrawlOutcome.HTTP_ERROR),
    ],
)
def test_failure_outcome(exc: BaseException, outcome: CrawlOutcome) -> None:
    assert failure_outcome(exc) == outcome


def test_clip_keeps_both_ends() -> None:
    url = "http://rsj.gz.gov.cn/x?" + "a=1&" * 1000
    text = clip(f"{url}: URL too long", 120)
    assert len(text) == 120 and text.startswith("http://rsj.gz.gov.cn/x?") and text.endswith(": URL too long")
    assert clip("short") == "short"


RESULT = CrawlResult(source="gz-pstz", outcome=CrawlOutcome.PARTIAL, reason="1 notice(s) failed: …", run_id=7)


def test_result_line_round_trip() -> None:
    line = RESULT.to_json()
    assert "\n" not in line and json.loads(line)["outcome"] == "partial"
    back = CrawlResult.from_json(line)
    assert back == RESULT and back.outcome is CrawlOutcome.PARTIAL


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d | {"pages": 3}, "unknown field(s) pages"),
        (lambda d: {k: v for k, v in d.items() if k != "requests"}, "missing field(s) requests"),
        (lambda d: d | {"requests": "12"}, "field requests has a wrong type"),
        (lambda d: d | {"new": True}, "field new has a wrong type"),
        (lambda d: d | {"outcome": "fine"}, "unknown outcome"),
    ],
)
def test_result_line_refuses_what_it_does_not_know(change: object, problem: str) -> None:
    data = change(asdict(RESULT))  # type: ignore[operator]
    with pytest.raises(ZcwatchError, match=re.escape(problem)):
        CrawlResult.from_json(json.dumps(data))


@pytest.mark.parametrize("line", ["", "not json", "[1, 2]", '{"run_id": 3}'])
def test_result_line_that_is_no_result(line: str) -> None:
    with pytest.raises(ZcwatchError, match="crawl result"):
        CrawlResult.from_json(line)


@pytest.mark.parametrize(("value", "ok"), [(1, True), (500, True), (0, False), (501, False), ("30", False)])
def test_max_pages_is_validated(tmp_path: Path, value: object, ok: bool) -> None:
    (tmp_path / "config.toml").write_text(f"[crawl]\nmax_pages = {json.dumps(value)}\n", encoding="utf-8")
    proc = run_zcwatch(["config"], cwd=tmp_path)
    if ok:
        assert proc.returncode == 0 and f"max_pages = {value}" in proc.stdout, proc.stderr
    else:
        assert proc.returncode == 2
        assert "crawl.max_pages: " in one_line(proc.stderr)
