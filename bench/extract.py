"""Benchmark the window extractor against jionlp and dateparser on the same notices.

Scores (start, end) date pairs (date part only) with precision/recall/F1, kind accuracy
for zcwatch, and speed in sentences per second on one core. Four sets:

- cases: the hand-written sentences (tests/data/window_cases.jsonl);
- passages: the hand-written passages of issue 12 (tests/data/passage_cases.jsonl: label lines,
  several committees, traditional characters, HTML schedule tables; zcwatch reads the HTML ones
  with extract_notice_html, the baselines their text), with per-window committee accuracy;
- dev (replica site): the replica's notice pages (zcwatch/demo/site/<host>/<path>), read exactly as the
  crawler reads them (decode_html + parse_notice, title + "\n\n" + body, the page's publish
  date) and scored against tests/data/site_expected.json, with committee and review-year accuracy;
- dev2: tests/dev/dev2_notices.jsonl, a second development set written blind (notice text with
  title and publish date), read like the held-out set, with committee and review-year accuracy;
- dev3: tests/dev/dev3_multi.jsonl, multi-committee notices written blind, with per-window committee
  accuracy (and, with --diff, the windows whose committee is wrong);
- dev4: tests/dev/dev4_kinds.jsonl, sentences and short passages written blind around the step (kind);
- dev5: tests/dev/dev5_passages.jsonl, whole notices written blind around issue 12's passage phenomena
  (label lines, split start/deadline lines, two ranges on a line, negatives, link rows, traditional text),
  with per-window committee accuracy;
- dev6: tests/dev/dev6_multi.jsonl, 40 multi-committee notices written blind on 2026-12-06 to tune the
  per-window committee on (with --diff, the windows whose committee is wrong);
- dev7: tests/dev/dev7_{multi,passages}.jsonl, 30 multi-committee and 30 single-committee notices written
  blind on 2026-12-06 to tune on (relays, short table cells, branches);
- dev8: tests/dev/dev8_multi.jsonl, 30 multi-committee notices written blind on 2026-12-07 to tune on;
- dev9: tests/dev/dev9_{multi,passages}.jsonl, written as blind9 on 2026-12-07, scored blind once (stop 40),
  then tuned on (tests/dev/DEV9.md);
- held-out (blind): tests/data/heldout_notices.jsonl if present. Only aggregate figures are
  printed for it, never a per-notice line, so nobody can tune the extractor on it;
- blind2 (blind): tests/blind2/{sentences,passages,multi}.jsonl, one table per file (HTML records read
  as HTML), with per-window committee accuracy (a window the extractor gives no committee of its own
  counts as the notice's committee, as the store does). Aggregates only, like held-out.
- blind3 (blind): tests/blind3/{passages,multi}.jsonl, written the same way on 2026-12-04 (two committees
  in one sentence, numbered committee lists, schedule tables); aggregates only.
- blind4 (blind): tests/blind4/multi.jsonl, 30 multi-committee notices written the same way on 2026-12-05,
  after blind3 had been scored; aggregates only.
- blind5 (blind): tests/blind5/{passages,multi}.jsonl, 20 whole notices and 30 multi-committee notices
  written the same way on 2026-12-06 (steps given once after the committees' sections, among others);
  aggregates only.
- blind6 (blind): tests/blind6/{passages,multi}.jsonl, 20 whole notices and 30 multi-committee notices
  written the same way on 2026-12-06, after blind5 had been used twice; aggregates only.
- blind7 (blind): tests/blind7/{passages,multi}.jsonl, 20 whole notices and 30 multi-committee notices
  written the same way on 2026-12-06 after blind6 had been used twice; its brief stated the conventions
  (tentative months and all-committee steps), so it measures the reading, not the convention; aggregates only.
- blind8 (blind): tests/blind8/{passages,multi}.jsonl, 10 whole notices and 30 multi-committee notices
  (321 windows) written the same way on 2026-12-07 to the same conventions, its brief listing the committee
  forms (branch short names, committee columns, level headings, unit relays); aggregates only.
- blind10 (blind): tests/blind10/{passages,multi}.jsonl, 10 whole notices and 30 multi-committee notices
  (327 windows) written the same way on 2026-12-07, after blind9 had been scored once and turned into dev9;
  aggregates only.

    .venv/bin/python bench/extract.py            # all sections
    .venv/bin/python bench/extract.py --diff     # also the dev sets' per-notice misses
    .venv/bin/python bench/extract.py --no-heldout --diff   # while tuning: leave the blind set alone
    .venv/bin/python bench/extract.py --rounds 9            # more timed passes (default 5)

Speed: every tool (zcwatch, jionlp, dateparser) reads each set once untimed (imports, caches and models
warm), then the timed passes run interleaved (zcwatch, jionlp, dateparser, zcwatch, …); the median pass.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor import (  # noqa: E402
    extract_committee,
    extract_notice_html,
    extract_review_year,
    extract_windows,
    html_to_text,
    shared_committee,
)
from extractor.committee import group_members  # noqa: E402

CASES = ROOT / "tests" / "data" / "window_cases.jsonl"
PASSAGES = ROOT / "tests" / "data" / "passage_cases.jsonl"
SITE = ROOT / "zcwatch" / "demo" / "site"
DEV = ROOT / "tests" / "data" / "site_expected.json"
DEV2 = ROOT / "tests" / "dev" / "dev2_notices.jsonl"
DEV3 = ROOT / "tests" / "dev" / "dev3_multi.jsonl"
DEV4 = ROOT / "tests" / "dev" / "dev4_kinds.jsonl"
DEV5 = ROOT / "tests" / "dev" / "dev5_passages.jsonl"
DEV6 = ROOT / "tests" / "dev" / "dev6_multi.jsonl"
DEV7_MULTI = ROOT / "tests" / "dev" / "dev7_multi.jsonl"  # written blind 2026-12-06, tuned on
DEV7_PASSAGES = ROOT / "tests" / "dev" / "dev7_passages.jsonl"
DEV8_MULTI = ROOT / "tests" / "dev" / "dev8_multi.jsonl"  # written blind 2026-12-07 as a dev set
DEV9_MULTI = (
    ROOT / "tests" / "dev" / "dev9_multi.jsonl"
)  # blind9, scored once blind at stop 40, then tuned on
DEV9_PASSAGES = ROOT / "tests" / "dev" / "dev9_passages.jsonl"
HELD_OUT = ROOT / "tests" / "data" / "heldout_notices.jsonl"
BLIND2 = ROOT / "tests" / "blind2"
BLIND3 = ROOT / "tests" / "blind3"  # written 2026-12-04, the same way, after blind2 had been scored
BLIND4 = ROOT / "tests" / "blind4"  # written 2026-12-05, the same way, after blind3 had been scored
BLIND5 = ROOT / "tests" / "blind5"  # written 2026-12-06, the same way, after blind4 had been spent
BLIND6 = ROOT / "tests" / "blind6"  # written 2026-12-06, the same way, after blind5 had been used twice
BLIND7 = ROOT / "tests" / "blind7"  # written 2026-12-06, the same way, after blind6 had been used twice
BLIND8 = ROOT / "tests" / "blind8"  # written 2026-12-07, the same way, after blind7 had been used once
BLIND10 = ROOT / "tests" / "blind10"  # written 2026-12-07 after blind9 had been scored and turned dev9
SENTENCE = re.compile(r"[^。；;\n]+")
Pair = tuple[str | None, str | None]


@dataclass
class Doc:
    text: str
    published: date | None
    gold: list[tuple[str, Pair]]  # (kind, (start, end)) with dates cut to YYYY-MM-DD
    ident: str = ""
    title: str = ""
    body: str = ""
    committee: str | None = None  # expected committee / review year, when the set gives them
    review_year: int | None = None
    full_gold: list[dict[str, Any]] = field(default_factory=list)  # windows as written, for diffs
    html: str = ""  # the page, when the notice is given as HTML (zcwatch reads it; baselines get .text)


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


def _date(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _gold(windows: list[dict[str, Any]]) -> list[tuple[str, Pair]]:
    return [(w.get("kind", "other"), (_day(w.get("start")), _day(w.get("end")))) for w in windows]


def _docs_from_cases(path: Path = CASES) -> list[Doc]:
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            c = json.loads(line)
            html = c["text"] if c.get("html") else ""
            text = html_to_text(html) if html else c["text"]
            docs.append(
                Doc(
                    text,
                    _date(c.get("published")),
                    _gold(c["windows"]),
                    ident=c["id"],
                    full_gold=c["windows"],
                    html=html,
                )
            )
    return docs


def _docs_from_site() -> tuple[list[Doc], list[str]]:
    """The replica's notices as the crawler sees them; also the URLs that have no page (withdrawn)."""
    from crawler.pages import decode_html, parse_notice
    from zcwatch.demo.replica import HOST_CHARSET

    data = json.loads(DEV.read_text(encoding="utf-8"))
    docs, missing = [], []
    for rec in data["notices"]:
        url = rec["url"]
        parts = urlsplit(url)
        host = parts.hostname or ""
        path = SITE / host / parts.path.lstrip("/")
        if not path.is_file():
            missing.append(url)
            continue
        charset = HOST_CHARSET.get(host)
        content_type = f"text/html; charset={charset}" if charset else "text/html"
        html, _ = decode_html(path.read_bytes(), content_type)
        page = parse_notice(html, url)
        title = page.title or rec.get("title") or ""
        # As crawler/reading.py::read_notice: the page's publish time, else the listing date.
        published = _date(page.published or rec.get("date"))
        docs.append(
            Doc(
                f"{title}\n\n{page.body}",
                published,
                _gold(rec["windows"]),
                ident=path.name,
                title=title,
                body=page.body,
                committee=rec.get("committee"),
                review_year=rec.get("review_year"),
                full_gold=rec["windows"],
            )
        )
    return docs, missing


def _docs_from_jsonl(path: Path, keep_windows: bool) -> list[Doc]:
    """Notices stored as text (title, text, published, windows, committee, review_year); a record with
    ``"html": true`` gives its page as HTML (zcwatch reads the HTML, the baselines its text).

    ``keep_windows`` keeps the windows as written, for the per-window committee score and the development
    sets' per-notice diffs (``--diff`` never prints a blind set).
    """
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        title, body = rec.get("title") or "", rec.get("text") or ""
        html = body if rec.get("html") else ""
        docs.append(
            Doc(
                f"{title}\n\n{html_to_text(html) if html else body}",
                _date(rec.get("published")),
                _gold(rec["windows"]),
                ident=str(rec.get("id", "")),
                title=title,
                body=body,
                committee=rec.get("committee"),
                review_year=rec.get("review_year"),
                full_gold=rec["windows"] if keep_windows else [],
                html=f"<h1>{title}</h1>{html}" if html else "",
            )
        )
    return docs


# --- the three extractors: each returns [(kind or None, (start, end))] ---------------------------


def _extract(doc: Doc) -> list[Any]:
    return (
        extract_notice_html(doc.html, doc.published) if doc.html else extract_windows(doc.text, doc.published)
    )


def zcwatch(doc: Doc) -> list[tuple[str | None, Pair]]:
    return [(w.kind, (_day(w.start), _day(w.end))) for w in _extract(doc)]


def _same_name(a: str | None, b: str | None) -> bool:
    # Spacing is layout, not the name: a digest row "佛山 | 工程系列" is the committee 佛山工程系列; and a
    # traditional-character repost names the same committee (zcwatch writes names in simplified form).
    from extractor.traditional import to_simplified

    return to_simplified(re.sub(r"\s+", "", a or "")) == to_simplified(re.sub(r"\s+", "", b or ""))


def _committee_pairs(doc: Doc) -> list[tuple[dict[str, Any], str | None]]:
    """Each gold window whose dates were found, with the committee zcwatch gives it."""
    # The crawler reads the committee from the title and the page's text (an HTML record's text, too).
    own = extract_committee(doc.title, html_to_text(doc.body) if doc.html else doc.body)
    windows = _extract(doc)
    # A window with no committee of its own is the notice's, or every committee's in a notice of several
    # that is none of theirs (the store names it for all of them): the sets write that as null.
    rest = own if shared_committee(doc.title, [w.committee for w in windows]) is None else None
    # A step of all the notice's committees is given as all of them ("A、B"); the sets write it as null.
    everyone = {m for w in windows if w.committee for m in group_members(w.committee)}

    def stored(committee: str | None) -> str | None:
        members = group_members(committee) if committee else []
        if len(members) > 1 and set(members) == everyone:
            return rest
        return committee or rest

    found = [(_day(w.start), _day(w.end), stored(w.committee)) for w in windows]
    out = []
    for w in doc.full_gold:
        pair = (_day(w.get("start")), _day(w.get("end")))
        hit = next((f for f in found if f[:2] == pair), None)
        if hit is not None:
            out.append((w, hit[2]))
            found.remove(hit)
    return out


def window_committees(docs: list[Doc]) -> str:
    """Per-window committee accuracy over the gold windows whose dates were found (cases that name them).

    A window the extractor gives no committee of its own counts as the notice's (as the store does);
    a gold window whose committee is null belongs to the notice as a whole."""
    right = total = 0
    for doc in docs:
        if not any("committee" in w for w in doc.full_gold):
            continue
        for w, got in _committee_pairs(doc):
            total += 1
            right += _same_name(got, w.get("committee") or doc.committee)
    return f"per-window committee acc {right / total:.3f} ({right}/{total})" if total else ""


def committee_diff(name: str, docs: list[Doc]) -> None:
    """A development set's windows whose committee is wrong (never for a blind set)."""
    print(f"\n--- {name}: windows with the wrong committee")
    for doc in docs:
        for w, got in _committee_pairs(doc):
            want = w.get("committee") or doc.committee
            if not _same_name(got, want):
                dates = f"{w.get('start')}~{w.get('end')}"
                print(f"  {doc.ident}: {w['kind']} {dates}: expected {want!r}, got {got!r}")


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


def _one_pass(fn: Callable[[Doc], list[tuple[str | None, Pair]]], docs: list[Doc], errors: list[str]) -> Any:
    results: list[list[tuple[str | None, Pair]]] = []
    for doc in docs:
        try:
            results.append(fn(doc))
        except Exception as exc:  # a baseline crashing on one text counts as finding nothing
            errors.append(f"{type(exc).__name__}: {exc}")
            results.append([])
    return results


def evaluate_all(
    tools: dict[str, Callable[[Doc], list[tuple[str | None, Pair]]]], docs: list[Doc], rounds: int
) -> dict[str, Score]:
    """Score every tool on ``docs`` and time it the same way: one untimed warm-up pass each (imports,
    caches, models loaded), then ``rounds`` timed passes interleaved (A B C A B C …); the median pass."""
    scores = {name: Score() for name in tools}
    results = {name: _one_pass(fn, docs, scores[name].errors) for name, fn in tools.items()}
    times: dict[str, list[float]] = {name: [] for name in tools}
    for _ in range(rounds):
        for name, fn in tools.items():
            t0 = time.perf_counter()
            _one_pass(fn, docs, [])
            times[name].append(time.perf_counter() - t0)
    sentences = sum(len([s for s in SENTENCE.findall(d.text) if s.strip()]) for d in docs)
    for name, score in scores.items():
        score.seconds = statistics.median(times[name]) if times[name] else 0.0
        score.sentences = sentences
        _score(score, docs, results[name])
    return scores


def _score(score: Score, docs: list[Doc], results: list[list[tuple[str | None, Pair]]]) -> None:
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


def metadata(docs: list[Doc]) -> str:
    """Committee and review-year accuracy over the docs that state them."""
    com = [d for d in docs if d.committee is not None]
    year = [d for d in docs if d.review_year is not None]
    com_ok = sum(extract_committee(d.title, d.body) == d.committee for d in com)
    year_ok = sum(extract_review_year(d.title, d.body, d.published) == d.review_year for d in year)
    parts = []
    if com:
        parts.append(f"committee acc {com_ok / len(com):.3f} ({com_ok}/{len(com)})")
    if year:
        parts.append(f"review-year acc {year_ok / len(year):.3f} ({year_ok}/{len(year)})")
    return "; ".join(parts)


def diff(name: str, docs: list[Doc]) -> None:
    """Per-notice misses of a dev set: expected windows not found, found windows not expected."""
    print(f"\n{name} misses (- expected, not found; + found, not expected; ~ dates right, kind wrong)")
    for doc in docs:
        found = _extract(doc)
        exp = [(w["kind"], w["start"], w["end"]) for w in doc.full_gold]
        got = [(w.kind, w.start, w.end) for w in found]
        lines = []
        got_left = list(got)
        for k, s, e in exp:
            hit = next((g for g in got_left if (_day(g[1]), _day(g[2])) == (_day(s), _day(e))), None)
            if hit is None:
                lines.append(f"  - {k:<11} {s} .. {e}")
                continue
            got_left.remove(hit)
            if hit[0] != k:
                lines.append(f"  ~ {k:<11} {s} .. {e}  found kind {hit[0]}")
        for k, s, e in got_left:
            ev = next(w.evidence for w in found if (w.kind, w.start, w.end) == (k, s, e))
            lines.append(f"  + {k:<11} {s} .. {e}  [{ev[:70]}]")
        com = extract_committee(doc.title, doc.body)
        if doc.committee is not None and com != doc.committee:
            lines.append(f"  committee: expected {doc.committee!r}, found {com!r}")
        year = extract_review_year(doc.title, doc.body, doc.published)
        if doc.review_year is not None and year != doc.review_year:
            lines.append(f"  review year: expected {doc.review_year}, found {year}")
        if lines:
            print(f"{doc.ident}  {doc.title}")
            print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:  # noqa: C901 (one report of every set, in order)
    args = sys.argv[1:] if argv is None else argv
    baselines = {"jionlp": _jionlp(), "dateparser": _dateparser()}
    # Timed passes per tool and set, after one untimed warm-up pass each; --rounds N (default 5).
    rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 5
    sets: list[tuple[str, list[Doc], bool]] = [
        ("cases (tests/data/window_cases.jsonl)", _docs_from_cases(), True)
    ]
    if PASSAGES.is_file():
        sets.append(("passages (tests/data/passage_cases.jsonl)", _docs_from_cases(PASSAGES), True))
    dev: list[Doc] = []
    if DEV.is_file():
        try:
            dev, missing = _docs_from_site()
        except Exception as exc:
            print(f"dev: could not read {DEV}: {type(exc).__name__}: {exc}")
            missing = []
        if dev:
            note = f", {len(missing)} listed without a page" if missing else ""
            sets.append((f"dev (replica site, zcwatch/demo/site, {len(dev)} notices{note})", dev, True))
    else:
        print("dev: tests/data/site_expected.json not present")
    dev2: list[Doc] = []
    if DEV2.is_file():
        try:
            dev2 = _docs_from_jsonl(DEV2, keep_windows=True)
        except Exception as exc:
            print(f"dev2: could not read {DEV2}: {type(exc).__name__}: {exc}")
        if dev2:
            sets.append((f"dev2 (tests/dev/dev2_notices.jsonl, {len(dev2)} notices)", dev2, True))
    else:
        print("dev2: tests/dev/dev2_notices.jsonl not present")
    dev3: list[Doc] = []
    if DEV3.is_file():
        dev3 = _docs_from_jsonl(DEV3, keep_windows=True)
        sets.append((f"dev3 (tests/dev/dev3_multi.jsonl, {len(dev3)} multi-committee notices)", dev3, True))
    dev4: list[Doc] = []
    if DEV4.is_file():
        dev4 = _docs_from_cases(DEV4)
        title = f"dev4 (tests/dev/dev4_kinds.jsonl, {len(dev4)} sentences and short passages)"
        sets.append((title, dev4, True))
    dev5: list[Doc] = []
    if DEV5.is_file():
        dev5 = _docs_from_jsonl(DEV5, keep_windows=True)
        sets.append((f"dev5 (tests/dev/dev5_passages.jsonl, {len(dev5)} whole notices)", dev5, True))
    dev6: list[Doc] = []
    if DEV6.is_file():
        dev6 = _docs_from_jsonl(DEV6, keep_windows=True)
        sets.append((f"dev6 (tests/dev/dev6_multi.jsonl, {len(dev6)} multi-committee notices)", dev6, True))
    for dev_path in (DEV7_MULTI, DEV7_PASSAGES, DEV8_MULTI, DEV9_MULTI, DEV9_PASSAGES):
        if dev_path.is_file():
            docs = _docs_from_jsonl(dev_path, keep_windows=True)
            label = dev_path.name.split("_")[0]
            sets.append((f"{label} (tests/dev/{dev_path.name}, {len(docs)} notices)", docs, True))
    if "--no-heldout" in args:
        print("held-out (blind): skipped (--no-heldout)")
    elif HELD_OUT.is_file():
        try:
            held = _docs_from_jsonl(HELD_OUT, keep_windows=False)
        except Exception as exc:
            print(f"held-out: could not read {HELD_OUT}: {type(exc).__name__}")
            held = []
        if held:
            # Aggregates only: no per-notice output for the blind set, and no baselines either.
            sets.append((f"held-out (blind, {len(held)} notices)", held, False))
    else:
        print("held-out (blind): tests/data/heldout_notices.jsonl not present yet")
    for blind_dir in (BLIND2, BLIND3, BLIND4, BLIND5, BLIND6, BLIND7, BLIND8, BLIND10):
        if "--no-heldout" in args or not blind_dir.is_dir():
            continue
        for part in ("sentences", "passages", "multi"):
            path = blind_dir / f"{part}.jsonl"
            if path.is_file():
                blind = _docs_from_jsonl(path, keep_windows=True)
                if part == "sentences":  # a lone sentence names no committee: nothing to score there
                    for doc in blind:
                        doc.committee, doc.full_gold = None, []
                sets.append((f"{blind_dir.name} {part} (blind, {len(blind)} records)", blind, False))
    speeds: dict[str, float] = {}
    for title, docs, with_baselines in sets:
        tools = {"zcwatch": zcwatch}
        if with_baselines:
            tools.update({name: fn for name, fn in baselines.items() if fn})
        scores = evaluate_all(tools, docs, rounds=rounds)
        rows: list[tuple[str, Score | None]] = [("zcwatch", scores["zcwatch"])]
        if with_baselines:
            rows += [(name, scores.get(name)) for name in baselines]
        table(f"{title}: {sum(len(d.gold) for d in docs)} gold windows", rows, with_kind=True)
        meta = "; ".join(m for m in (metadata(docs), window_committees(docs)) if m)
        if meta:
            print(f"zcwatch {meta}")
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
    # Per-notice diffs for the development sets only, never for the blind held-out set.
    if "--diff" in args:
        if dev:
            diff("dev", dev)
        if dev2:
            diff("dev2", dev2)
        if dev3:
            diff("dev3", dev3)
            committee_diff("dev3", dev3)
        if dev4:
            diff("dev4", dev4)
        if dev5:
            diff("dev5", dev5)
            committee_diff("dev5", dev5)
        if dev6:
            diff("dev6", dev6)
            committee_diff("dev6", dev6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
