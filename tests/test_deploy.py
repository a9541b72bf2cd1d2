"""The files in deploy/ stay true to the code: the commands the units run, nginx's upstream port, its cache.

Nothing is started: the units are read as INI files and the nginx site as text. `nginx -t` and
`systemd-analyze verify` need the programs (and root, and the installed paths): they are run by hand when
these files change (deploy/README.md).
"""

from __future__ import annotations

import argparse
import configparser
import re
import tomllib
from pathlib import Path

import pytest
from support.cli import REPO

from zcwatch.cli import build_parser

DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("zcwatch*"))
NGINX = DEPLOY / "nginx" / "zcwatch.conf"
EXE = "/srv/zcwatch/.venv/bin/zcwatch"
# The sections each kind of unit must have; zcwatch.service has no [Install]: the timer starts it.
SECTIONS = {
    "zcwatch.service": {"Unit", "Service"},
    "zcwatch.timer": {"Unit", "Timer", "Install"},
    "zcwatch-daemon.service": {"Unit", "Service", "Install"},
    "zcwatch-serve.service": {"Unit", "Service", "Install"},
}
CACHED = ("/calendar.ics", "/feed.atom")


def _commands() -> set[str]:
    """The top-level commands the CLI knows, read from the parser so a renamed command fails here."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    raise AssertionError("zcwatch's parser has no subcommands")


def _unit(path: Path) -> configparser.ConfigParser:
    # strict=False: systemd allows a key to repeat (ExecStartPre=, Environment=); no interpolation, as a
    # unit's % specifiers are systemd's own. Keys are looked up case-insensitively, sections are not.
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return unit


def _nginx_text() -> str:
    """The site file without its comments, so a directive named in a comment does not count."""
    return re.sub(r"#[^\n]*", "", NGINX.read_text(encoding="utf-8"))


def _location(name: str) -> str:
    """The body of `location = NAME { … }` (its blocks hold no nested location)."""
    text = _nginx_text()
    start = re.search(r"location\s*=\s*" + re.escape(name) + r"\s*\{", text)
    assert start, f"{NGINX.name} has no `location = {name}`"
    depth, i = 1, start.end()
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start.end() : i - 1]


def _directives(block: str, name: str) -> list[str]:
    return [m.strip() for m in re.findall(rf"(?:^|[;{{}}\s]){name}\s+([^;]*);", block)]


def test_every_file_in_deploy_is_known() -> None:
    # A new unit must be added to SECTIONS (and so to the checks below), not silently left unchecked.
    assert {p.name for p in UNITS} == set(SECTIONS)
    assert NGINX.is_file()


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_unit_parses_into_its_sections(path: Path) -> None:
    unit = _unit(path)
    assert set(unit.sections()) == SECTIONS[path.name], unit.sections()
    assert unit.get("Unit", "Description", fallback="").strip(), f"{path.name} has no Description"


@pytest.mark.parametrize("path", [p for p in UNITS if p.suffix == ".service"], ids=lambda p: p.name)
def test_unit_runs_a_command_the_cli_has(path: Path) -> None:
    service = _unit(path)["Service"]
    argv = service["ExecStart"].split()
    assert argv[0] == EXE, argv
    assert len(argv) >= 2 and argv[1] in _commands(), (argv, sorted(_commands()))
    assert service["User"] == "zcwatch"
    assert service["WorkingDirectory"] == "/srv/zcwatch"
    # config.toml's ${NAME} secrets: without the environment file the config does not load.
    assert service["EnvironmentFile"] == "/etc/zcwatch/env"
    # ProtectSystem=strict makes everything read-only: the database folder is the one place written.
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"].split() == ["/srv/zcwatch/data"]


def test_the_timer_starts_the_oneshot_cycle() -> None:
    timer = _unit(DEPLOY / "systemd" / "zcwatch.timer")
    # No Unit= in [Timer]: a timer starts the service of its own name.
    assert "Unit" not in timer["Timer"]
    assert _unit(DEPLOY / "systemd" / "zcwatch.service")["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["Persistent"] == "true"


def test_nginx_proxies_to_the_port_serve_listens_on() -> None:
    text = _nginx_text()
    servers = re.findall(r"upstream\s+zcwatch\s*\{([^}]*)\}", text)
    assert len(servers) == 1, "one `upstream zcwatch` block"
    assert _directives(servers[0], "server") == ["127.0.0.1:8080"]
    assert set(_directives(text, "proxy_pass")) == {"http://zcwatch"}
    # `zcwatch serve` with no flags listens on [web] host:port, the defaults `zcwatch init` writes.
    web = tomllib.loads((REPO / "core" / "config_template.toml").read_text(encoding="utf-8"))["web"]
    assert f"{web['host']}:{web['port']}" == "127.0.0.1:8080", web


@pytest.mark.parametrize("route", CACHED)
def test_nginx_caches_the_polled_routes_with_revalidation(route: str) -> None:
    block = _location(route)
    assert _directives(block, "proxy_cache") == ["zcwatch"]
    assert _directives(block, "proxy_cache_valid") == ["200 5m"]
    assert _directives(block, "proxy_cache_revalidate") == ["on"]
    assert _directives(block, "proxy_cache_use_stale") == ["error timeout updating"]
    # The app answers "Cache-Control: no-cache", which nginx would otherwise take as "do not store".
    assert "Cache-Control" in _directives(block, "proxy_ignore_headers")[0].split()
    assert _directives(block, "limit_except") == ["GET { deny all"]


def test_nginx_caches_nothing_else_and_allows_only_get() -> None:
    text = _nginx_text()
    assert len(_directives(text, "proxy_cache")) == len(CACHED)
    # Every proxied location limits the methods: GET/HEAD, and POST for the subscription forms.
    assert len(_directives(text, "limit_except")) == len(_directives(text, "proxy_pass"))
    # add_header at server level only: one in a location would drop HSTS and X-Cache-Status there.
    for route in CACHED:
        assert not _directives(_location(route), "add_header"), route
    assert any(h.startswith("X-Cache-Status ") for h in _directives(text, "add_header"))
    assert any(h.startswith("Strict-Transport-Security ") for h in _directives(text, "add_header"))


def test_nginx_passes_the_subscription_forms_posts_and_nothing_else() -> None:
    text = _nginx_text()
    blocks = re.findall(r"location ~ \^/\(([^)]*)\) \{([^}]*\}[^}]*)\}", text)
    assert len(blocks) == 2, "one regex location for the subscription pages, one for the staff's"
    paths, block = blocks[0]
    assert set(paths.split("|")) == {"subscribe$", "confirm/", "manage/", "unsubscribe/", "hooks/wxpusher$"}
    assert _directives(block, "limit_except") == ["GET POST { deny all"]
    assert _directives(block, "client_max_body_size") == ["64k"]


def test_nginx_passes_the_staff_area_and_the_window_api_methods() -> None:
    blocks = re.findall(r"location ~ \^/\(([^)]*)\) \{([^}]*\}[^}]*)\}", _nginx_text())
    paths, block = blocks[1]
    assert set(paths.split("|")) == {"staff$", "staff/", "api/windows$", "api/windows/"}
    assert _directives(block, "limit_except") == ["GET POST PATCH DELETE { deny all"]
    assert _directives(block, "client_max_body_size") == ["64k"]


def test_the_readme_names_every_deploy_file() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    files = [p for p in DEPLOY.rglob("*") if p.is_file() and p.name != "README.md"]
    assert files
    missing = [str(p.relative_to(DEPLOY)) for p in files if str(p.relative_to(DEPLOY)) not in readme]
    assert missing == [], f"deploy/README.md does not mention {missing}"
