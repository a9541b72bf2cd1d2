"""The `zcwatch extract` glue: one notice (text or HTML) and JSON-lines batches."""

from __future__ import annotations

import io
import json
from datetime import date

from extractor import extract_windows
from extractor.cli import extract_batch, extract_one


def test_extract_one_plain_text() -> None:
    out = io.StringIO()
    assert extract_one(io.StringIO("网上申报时间：2025年1月6日至1月24日。"), date(2024, 12, 20), out) == 0
    assert json.loads(out.getvalue()) == [
        {
            "kind": "apply",
            "start": "2025-01-06",
            "end": "2025-01-24",
            "evidence": "网上申报时间：2025年1月6日至1月24日",
            "committee": None,
            "reason": "label: 网上申报时间; range",
            "confidence": 0.95,
        }
    ]
    assert "网上申报" in out.getvalue()  # ensure_ascii=False


def test_extract_one_html() -> None:
    html = "<html><body><table><tr><td>缴费</td><td>2025年3月3日至3月14日</td></tr></table></body></html>"
    out = io.StringIO()
    extract_one(io.StringIO(html), None, out)
    assert [(w["kind"], w["start"], w["end"]) for w in json.loads(out.getvalue())] == [
        ("fee", "2025-03-03", "2025-03-14")
    ]


def test_extract_batch_keeps_order_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"id": "a", "text": "受理时间：2025年2月10日至2月21日", "published": "2024-12-20"}),
        "not json",
        json.dumps({"id": 7, "text": 5}),
        json.dumps({"id": "d", "text": "年龄计算截止至2024年12月31日", "published": None}),
        json.dumps({"id": "e", "text": "x", "published": "2024-13-40"}),
    ]
    out = io.StringIO()
    assert extract_batch(io.StringIO("\n".join(lines) + "\n"), out) == 1
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in rows] == ["a", None, 7, "d", "e"]
    assert rows[0]["windows"][0]["kind"] == "accept"
    assert rows[3]["windows"] == []
    for bad in (rows[1], rows[2], rows[4]):
        assert "\n" not in bad["error"] and bad["error"]


def test_extract_batch_all_good_returns_zero() -> None:
    out = io.StringIO()
    assert extract_batch(io.StringIO(json.dumps({"id": 1, "text": "", "published": None}) + "\n"), out) == 0
    assert json.loads(out.getvalue()) == {"id": 1, "windows": []}


def test_relative_start_after_the_deadline_keeps_the_deadline() -> None:
    windows = extract_windows("即日起至2025年1月24日进行网上申报。", date(2025, 1, 30))
    assert [(w.start, w.end) for w in windows] == [(None, "2025-01-24")]
