"""``extractor.READER_VERSION`` rises whenever the extractor reads text differently (issue 12).

A stored notice is read again only when the number rises (``crawler.reread``): an extractor change that
kept the number would leave every stored notice as the old extractor read it. The hashes of what it reads
from the case tables and development sets are recorded with the number (support/reader_fingerprint.py).
"""

from __future__ import annotations

import json

from support.reader_fingerprint import RECORDED, fingerprints

from extractor import READER_VERSION

WRITE = ".venv/bin/python tests/support/reader_fingerprint.py --write"


def test_what_the_extractor_reads_changes_only_with_its_version() -> None:
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert recorded["reader_version"] == READER_VERSION, (
        f"READER_VERSION is {READER_VERSION}, the fingerprint was recorded for {recorded['reader_version']}:"
        f" record it again with `{WRITE}`"
    )
    now = fingerprints()
    changed = [
        ident
        for ident, (text, read) in recorded["records"].items()
        if ident in now and now[ident][0] == text and now[ident][1] != read
    ]
    assert not changed, (
        f"the extractor reads {len(changed)} recorded text(s) differently ({', '.join(changed[:5])}) and "
        f"READER_VERSION is still {READER_VERSION}: raise it in extractor/__init__.py (stored notices are "
        f"then read again) and record the fingerprint with `{WRITE}`"
    )
    # Most of today's texts are recorded: a table that grew long ago without a new record guards little.
    assert len(set(now) & set(recorded["records"])) >= 0.9 * len(now), f"record the new texts: `{WRITE}`"
