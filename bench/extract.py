"""Benchmark the window extractor against jionlp and dateparser on the same notices.

Scores (start, end) date pairs (date part only) with precision/recall/F1, kind accuracy
for zcwatch, and speed in sentences per second on one core. Runs on the hand-written
cases (tests/data/window_cases.jsonl) and, if present, the held-out replica site's
ground truth (tests/site/expected.json), which is only ever read here at run time.

    .venv/bin/python bench/extract.py
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor import extract_windows, html_to_text  # noqa: E402

CASES = ROOT / "tests" / "data" / "window_cases.jsonl"
HELD_OUT = ROOT / "tests" / "site" / "expected.json"
SENTENCE = re.compile(r"[^。；;\n]+")
Pair = tuple[str | None, str | None]


@dataclass
class Doc:
    text: str
    published: date | None
    gold: list[tuple[str, Pair]]  # (kind, (start, end)) with dates cut to YYYY-MM-DD


@dataclass
class Score:
    tp: int = 0
    pred: int = 0
    gold: int = 0
    kind_right: int = 0
    seconds: float = 0.0
    sentences: int = 0
    errors: list[str] = field(default_factory=list)

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / self.pred if self.pred else 0.0
        r = self.tp / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _docs_from_cases() -> list[Doc]:
    docs = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            c = json.loads(line)
            pub = date.fromisoformat(c["published"]) if c.get("published") else None
            gold = [(w["kind"], (_day(w["start"]), _day(w["end"]))) for w in c["windows"]]
            docs.append(Doc(c["text"], pub, gold))
    return docs


def _docs_from_site() -> list[Doc]:
    """Tolerant reader: a list of notices or a mapping of them, each with windows and text or a file."""
    data = json.loads(HELD_OUT.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = next(
            (v for k, v in data.items() if k in ("notices", "items", "pages") and isinstance(v, list)), data
        )
    records = list(data.values()) if isinstance(data, dict) else list(data)
    docs = []
    for rec in records:
        if not isinstance(rec, dict) or "windows" not in rec:
            continue
        text = rec.get("text") or rec.get("body")
        if not text:
            for key in ("html", "file", "path", "page", "url"):
                ref = rec.get(key)
                if isinstance(ref, str):
                    candidates = [HELD_OUT.parent / ref.lstrip("/"), HELD_OUT.parent / Path(ref).name]
                    if "<" in ref:
                        text = html_to_text(ref)
                        break
                    hit = next((p for p in candidates if p.is_file()), None)
                    if hit is None:
                        hits = list(HELD_OUT.parent.rglob(Path(ref.split("?")[0]).name or "-"))
                        hit = hits[0] if hits else None
                    if hit is not None:
                        text = html_to_text(hit.read_text(encoding="utf-8", errors="replace"))
                        break
        elif "<" in text and ">" in text:
            text = html_to_text(text)
        if not text:
            continue
        pub_raw = rec.get("published") or rec.get("publish_date") or rec.get("date")
        pub = date.fromisoformat(str(pub_raw)[:10]) if pub_raw else None
        gold = [(w.get("kind", "other"), (_day(w.get("start")), _day(w.get("end")))) for w in rec["windows"]]
        docs.append(Doc(text, pub, gold))
    return docs


# --- the three extractors: each returns [(kind or None, (start, end))] ---------------------------


def zcwatch(doc: Doc) -> list[tuple[str | None, Pair]]:
    return [(w.kind, (_day(w.start), _day(w.end))) for w in extract_windows(doc.text, doc.published)]


def _jionlp() -> Callable[[Doc], list[tuple[str | None, Pair]]] | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            import jionlp as jio
    except Exception as exc:
        print(f"jionlp unavailable: {exc}")
        return None

    def run(doc: Doc) -> list[tuple[str | None, Pair]]:
        base = doc.published or date.today()
        out: list[tuple[str | None, Pair]] = []
        # jionlp prints a traceback to stderr for every string it cannot parse; keep the table readable.
        with contextlib.redirect_stderr(io.StringIO()):
            items = jio.ner.extract_time(
                doc.text, time_base={"year": base.year, "month": base.month, "day": base.day}
            )
        for item in items:
            times = item.get("detail", {}).get("time")
            if not isinstance(times, list) or len(times) != 2:
                continue
            lo, hi = (None if "inf" in str(t) else _day(t) for t in times)
            # How a user would read jionlp: a time_span is a window; a lone time_point is a
            # deadline (its last day is the end), the commonest lone date in these notices.
            if item["type"] == "time_span":
                out.append((None, (lo, hi)))
            elif item["type"] == "time_point":
                out.append((None, (None, hi)))
        return out

    return run


def _dateparser() -> Callable[[Doc], list[tuple[str | None, Pair]]] | None:
    try:
        from dateparser.search import search_dates
    except Exception as exc:
        print(f"dateparser unavailable: {exc}")
        return None
    connector = re.compile(r"^\s*(?:起)?\s*(?:至|到|—+|-|～|~)\s*$")

    def run(doc: Doc) -> list[tuple[str | None, Pair]]:
        base = datetime.combine(doc.published or date.today(), datetime.min.time())
        found = search_dates(doc.text, languages=["zh"], settings={"RELATIVE_BASE": base}) or []
        # dateparser only finds points. A user would join two consecutive points that only a
        # connector (至/到/—/-/～) separates into a range and read any other point as a deadline.
        located, pos = [], 0
        for sub, dt in found:
            at = doc.text.find(sub, pos)
            at = at if at >= 0 else pos
            located.append((at, at + len(sub), dt.date().isoformat()))
            pos = at + len(sub)
        out: list[tuple[str | None, Pair]] = []
        i = 0
        while i < len(located):
            _, e0, d0 = located[i]
            nxt = located[i + 1] if i + 1 < len(located) else None
            if nxt is not None:
                gap = doc.text[e0 : nxt[0]]
                # dateparser often swallows the connector into the second match (至1月20日).
                if connector.match(gap) or (
                    not gap.strip() and re.match(r"\s*(?:至|到|—|-|～|~)", doc.text[nxt[0] :])
                ):
                    out.append((None, (d0, nxt[2])))
                    i += 2
                    continue
            out.append((None, (None, d0)))
            i += 1
        return out

    return run


def evaluate(fn: Callable[[Doc], list[tuple[str | None, Pair]]], docs: list[Doc], repeat: int) -> Score:
    score = Score()
    results: list[list[tuple[str | None, Pair]]] = []
    t0 = time.perf_counter()
    for _ in range(repeat):
        results = []
        for doc in docs:
            try:
                results.append(fn(doc))
            except Exception as exc:  # a baseline crashing on one text counts as finding nothing
                score.errors.append(f"{type(exc).__name__}: {exc}")
                results.append([])
    score.seconds = (time.perf_counter() - t0) / repeat
    score.sentences = sum(len([s for s in SENTENCE.findall(d.text) if s.strip()]) for d in docs)
    for doc, pred in zip(docs, results, strict=True):
        gold_pairs = Counter(p for _, p in doc.gold)
        pred_pairs = Counter(p for _, p in pred)
        score.tp += sum((gold_pairs & pred_pairs).values())
        score.gold += len(doc.gold)
        score.pred += len(pred)
        # Kind accuracy: of the gold windows whose (start, end) was found, how many got the right kind.
        remaining = list(pred)
        for kind, pair in doc.gold:
            hit = next((k for k, p in remaining if p == pair and k == kind), None)
            if hit is not None:
                score.kind_right += 1
                remaining.remove((hit, pair))
    return score


def table(title: str, rows: Iterable[tuple[str, Score | None]], with_kind: bool) -> None:
    print(f"\n{title}")
    print(f"{'tool':<12}{'precision':>10}{'recall':>8}{'F1':>7}{'kind acc':>10}{'sent/s':>11}{'errors':>8}")
    base_speed = None
    for name, s in rows:
        if s is None:
            print(f"{name:<12}{'unavailable':>10}")
            continue
        p, r, f1 = s.prf()
        kind = f"{s.kind_right / s.tp:.3f}" if with_kind and name == "zcwatch" and s.tp else "-"
        speed = s.sentences / s.seconds if s.seconds else float("inf")
        base_speed = base_speed or speed
        print(f"{name:<12}{p:>10.3f}{r:>8.3f}{f1:>7.3f}{kind:>10}{speed:>11,.0f}{len(s.errors):>8}")


def main() -> int:
    baselines = {"jionlp": _jionlp(), "dateparser": _dateparser()}
    sets = [("cases (tests/data/window_cases.jsonl)", _docs_from_cases())]
    if HELD_OUT.is_file():
        try:
            held = _docs_from_site()
        except Exception as exc:
            print(f"held-out: could not read {HELD_OUT}: {exc}")
            held = []
        if held:
            sets.append((f"held-out (tests/site/expected.json, {len(held)} notices)", held))
        else:
            print("held-out: no notices with text and windows found")
    else:
        print("held-out: tests/site/expected.json not present")
    speeds: dict[str, float] = {}
    for title, docs in sets:
        rows: list[tuple[str, Score | None]] = [("zcwatch", evaluate(zcwatch, docs, repeat=20))]
        for name, fn in baselines.items():
            rows.append((name, evaluate(fn, docs, repeat=1) if fn else None))
        table(f"{title}: {sum(len(d.gold) for d in docs)} gold windows", rows, with_kind=True)
        for name, s in rows:
            if s is not None and s.seconds and title.startswith("cases"):
                speeds[name] = s.sentences / s.seconds
    if "jionlp" in speeds:
        print(f"\nzcwatch speed / jionlp speed on the cases: {speeds['zcwatch'] / speeds['jionlp']:.0f}x")
    if "dateparser" in speeds:
        print(
            f"zcwatch speed / dateparser speed on the cases: {speeds['zcwatch'] / speeds['dateparser']:.0f}x"
        )
    print("kind acc = of the gold windows whose (start, end) was found, the share with the right kind")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
