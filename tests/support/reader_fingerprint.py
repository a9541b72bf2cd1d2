"""What the extractor reads from every development text, hashed: the guard on ``extractor.READER_VERSION``.

Stored notices are read again when ``READER_VERSION`` rises (``crawler.reread``), so a change to what the
extractor reads must raise it. ``tests/test_reader_version.py`` compares the extractor's output on the case
tables and development sets with the hashes recorded in ``tests/data/reader_fingerprint.json``; after
raising ``READER_VERSION``, record them again:

    .venv/bin/python tests/support/reader_fingerprint.py --write
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent.parent
RECORDED = TESTS / "data" / "reader_fingerprint.json"
# The tuned-on texts only: the blind sets are read by bench/extract.py alone.
SOURCES = [
    TESTS / "data" / "window_cases.jsonl",
    TESTS / "data" / "passage_cases.jsonl",
    *sorted((TESTS / "dev").glob("*.jsonl")),
]


def _records() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in SOURCES:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    record = json.loads(line)
                    out.append((f"{path.stem}/{record['id']}", record))
    return out


def _sha(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def fingerprints() -> dict[str, tuple[str, str]]:
    """``{source/id: (input hash, output hash)}`` for every development text."""
    from extractor import extract_committee, extract_notice_html, extract_review_year, extract_windows

    out = {}
    for ident, r in _records():
        published = date.fromisoformat(r["published"]) if r.get("published") else None
        title = r.get("title") or ""
        text = r["text"]
        if r.get("html"):
            windows = extract_notice_html(text, published)
        else:
            windows = extract_windows(f"{title}\n\n{text}" if title else text, published)
        read = [[w.kind, w.start, w.end, w.committee, w.confidence, w.evidence] for w in windows]
        meta = [extract_committee(title, text), extract_review_year(title, text, published)] if title else []
        out[ident] = (_sha([title, text, r.get("published"), bool(r.get("html"))]), _sha([read, meta]))
    return out


def main(argv: list[str]) -> int:
    from extractor import READER_VERSION

    if argv != ["--write"]:
        print(__doc__)
        return 2
    records = {k: list(v) for k, v in sorted(fingerprints().items())}
    RECORDED.write_text(
        json.dumps({"reader_version": READER_VERSION, "records": records}, indent=0) + "\n", encoding="utf-8"
    )
    print(f"recorded {len(records)} texts for READER_VERSION {READER_VERSION} in {RECORDED}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS.parent))
    sys.exit(main(sys.argv[1:]))
