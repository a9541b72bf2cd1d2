"""`zcwatch config`: the effective configuration as TOML, every secret masked.

Apprise URLs are shown as the user wrote them, secrets masked (``notifier.channels.masked``); a proxy
URL and a database URL lose their password. Values that came from ``${VAR}`` are therefore never
printed in the clear.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core.config import Config

_SECRET_LISTS = {"urls", "recipients"}
# [web]'s sender and WxPusher token: secrets the operator wrote.
_SECRET_URLS = {"mail_url"}
_SECRET_TOKENS = {"wxpusher_app_token"}
# A stored subscriber's own fields (its row's id, status, …): not keys of a [[subscribers]] table.
_STORED_ONLY = {"origin", "channel_type", "address", "status", "paused_until", "id", "nonce"}


def _mask_proxy(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:****@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def _value(key: str, value: Any) -> Any:
    if key in _SECRET_LISTS and value:
        from notifier.channels import masked

        return [masked(u) for u in value]
    if key in _SECRET_URLS and value:
        from notifier.channels import masked

        return masked(value)
    if key in _SECRET_TOKENS and value:
        return value[:3] + "****"
    if key == "proxy" and value:
        return _mask_proxy(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _line(key: str, value: Any) -> str:
    # JSON string/number/list syntax is valid TOML for the value types we have; TOML has no null, so an
    # unset optional value (a subscriber's lead_days) is shown as a comment.
    if value is None:
        return f"# {key}: not set"
    return f"{key} = {json.dumps(value, ensure_ascii=False)}"


def _table(obj: Any, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    out = []
    for f in dataclasses.fields(obj):
        if f.name in skip:
            continue
        out.append(_line(f.name, _value(f.name, getattr(obj, f.name))))
    return out


def dump(config: Config) -> str:
    lines = [f"# effective configuration from {config.path}", _line("timezone", config.timezone), ""]
    # The database URL as written, its password masked (a PostgreSQL URL may hold one).
    where = f"# file: {config.database_path}" if config.database_path else "# server database"
    lines += ["[database]", _line("url", config.masked_database_url), where, ""]
    for name in ("crawl", "alerts", "digest", "admin", "daemon", "web"):
        section = getattr(config, name)
        lines += [f"[{name}]", *_table(section), ""]
    lines += ["[office]", *_table(config.office, {"texts"}), ""]
    lines += ["[office.texts]", *(_line(k, v) for k, v in config.office.texts.items()), ""]
    for s in config.sources:
        lines += ["[[sources]]", _line("name", s.name), _line("url", s.url), ""]
        if s.selectors.configured:  # as a sub-table, only the selectors given (the rest are built in)
            given = [f.name for f in dataclasses.fields(s.selectors) if getattr(s.selectors, f.name)]
            lines += ["[sources.selectors]", *(_line(k, getattr(s.selectors, k)) for k in given), ""]
    for sub in config.subscribers:
        rows = [r.replace("apprise_config = ", "config = ") for r in _table(sub, _STORED_ONLY)]
        lines += ["[[subscribers]]", *rows, ""]
    return "\n".join(lines)
