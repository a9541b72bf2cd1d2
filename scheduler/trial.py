"""`zcwatch test-source URL`: crawl a column into a scratch database and show what zcwatch reads there.

For the operator adding a source (a district's or the province's column): the real crawl (the Scrapy
child, robots.txt, the configured delay and size caps, one request at a time), but into a temporary
database that is thrown away, so the real one and its subscribers never hear of it. The result is the
crawl's outcome and every notice read, with its committee and windows, for a person to check.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from core.config import Config, CrawlSettings, Source
from crawler.outcome import CrawlResult
from scheduler.crawljob import crawl_source

TRIAL_SOURCE = "trial"


@dataclass(frozen=True)
class SourceTrial:
    result: CrawlResult
    notices: list[dict[str, Any]]  # `zcwatch notices --format json` records of the scratch database


def _crawl_table(crawl: CrawlSettings, max_pages: int | None) -> list[str]:
    lines = ["[crawl]"]
    for f in fields(crawl):
        value = getattr(crawl, f.name)
        if f.name == "max_pages" and max_pages is not None:
            value = max_pages
        if isinstance(value, tuple):
            value = list(value)
        lines.append(f"{f.name} = {json.dumps(value, ensure_ascii=False)}")
    return lines


def trial_config_text(config: Config, url: str, db: Path, max_pages: int | None = None) -> str:
    """A config with the user's [crawl] settings, one source (``url``) and a scratch database."""
    return "\n".join(
        [
            f"timezone = {json.dumps(config.timezone)}",
            "[database]",
            f"url = {json.dumps('sqlite:///' + db.as_posix())}",
            *_crawl_table(config.crawl, max_pages),
            "[[sources]]",
            f'name = "{TRIAL_SOURCE}"',
            f"url = {json.dumps(url)}",
            "",
        ]
    )


def try_source(config: Config, url: str, *, max_pages: int | None = None) -> SourceTrial:
    """Crawl ``url`` as a source would be crawled, into a scratch database; what was read."""
    from core.config import load_config
    from store.db import open_engine
    from store.queries import notices_as_json

    with tempfile.TemporaryDirectory(prefix="zcwatch-test-source-") as tmp:
        path = Path(tmp) / "trial.toml"
        # The [crawl] table may carry a proxy password: the scratch config is readable by its owner only.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(trial_config_text(config, url, Path(tmp) / "trial.sqlite3", max_pages))
        trial = load_config(path)
        result = crawl_source(trial, Source(TRIAL_SOURCE, url), full=True)
        engine = open_engine(trial.resolved_database_url)
        try:
            notices = notices_as_json(engine)
        finally:
            engine.dispose()
    return SourceTrial(result, notices)
