"""CPU cost of the extractor on adversarial 10,000-character inputs (the issue's bound: < 50 ms each).

Run: ``.venv/bin/python bench/adversarial.py``. Each input is one hostile unit repeated to 10,000 characters
(the units of tests/test_extract_properties.py: dense dates, unclosed brackets, keyword soup…); the figure
is thread CPU time, best of 20 after 3 warm-up passes, so other processes on the machine barely move it.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_extract_properties import ADVERSARIAL  # noqa: E402

from extractor import extract_windows  # noqa: E402

BOUND_MS = 50.0


def main() -> int:
    worst = 0.0
    print(f"{'input (first 24 characters)':<28} {'best ms':>8}")
    for unit in ADVERSARIAL:
        text = (unit * (10_000 // len(unit) + 1))[:10_000]
        for _ in range(3):
            extract_windows(text, date(2024, 12, 20))
        best = float("inf")
        for _ in range(20):
            t0 = time.thread_time()
            extract_windows(text, date(2024, 12, 20))
            best = min(best, time.thread_time() - t0)
        worst = max(worst, best * 1000)
        print(f"{unit[:24]!r:<28} {best * 1000:8.1f}")
    verdict = "ok" if worst < BOUND_MS else "OVER"
    print(f"worst {worst:.1f} ms per 10,000 characters (bound {BOUND_MS:.0f} ms): {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
