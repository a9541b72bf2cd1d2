"""What the shipped code imports is declared in pyproject.toml, and what it reaches into is bounded."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, version

from packaging.requirements import Requirement
from support.cli import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SHIPPED = [p for p in PYPROJECT["tool"]["setuptools"]["packages"] if "." not in p]
DECLARED = {Requirement(r).name.lower(): Requirement(r) for r in PYPROJECT["project"]["dependencies"]}


def _third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the shipped files importing it, for everything not stdlib and not ours."""
    out: dict[str, set[str]] = {}
    for top in SHIPPED:
        for path in (REPO / top).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                for name in names:
                    head = name.split(".")[0]
                    if head not in sys.stdlib_module_names and head not in SHIPPED and head != "__future__":
                        out.setdefault(head, set()).add(str(path.relative_to(REPO)))
            # BeautifulSoup(..., "lxml") imports lxml by name only: count it as an import.
            if re.search(r'BeautifulSoup\([^)]*"lxml"', path.read_text(encoding="utf-8")):
                out.setdefault("lxml", set()).add(str(path.relative_to(REPO)))
    return out


def test_every_imported_distribution_is_declared() -> None:
    dists = packages_distributions()
    missing = {}
    for module, where in _third_party_imports().items():
        names = {d.lower() for d in dists.get(module, [module])}
        if not names & set(DECLARED):
            missing[module] = sorted(where)
    assert missing == {}, f"imported but not in [project] dependencies: {missing}"


def test_apprise_internals_are_reached_only_within_the_bound() -> None:
    # notifier/checked.py subclasses Apprise's plugins: the installed release must be inside the bound that
    # names the series the channel tests were run against, and the bound must have an upper end.
    apprise = DECLARED["apprise"]
    assert any(spec.operator == "<" for spec in apprise.specifier), apprise
    assert apprise.specifier.contains(version("apprise")), (apprise, version("apprise"))


def test_the_lock_pins_every_declared_dependency_inside_its_bounds() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", (REPO / "requirements.lock").read_text(), re.M))
    pins = {k.lower(): v for k, v in pins.items()}
    for name, req in DECLARED.items():
        assert name in pins, f"{name} is not in requirements.lock"
        assert req.specifier.contains(pins[name]), (name, pins[name], str(req.specifier))


def test_the_postgres_extra_is_declared_and_pinned() -> None:
    # psycopg is optional (the `postgres` extra: store/engine.py names it, SQLAlchemy imports it), and the
    # lock pins it too, so a PostgreSQL deployment runs the version the suite ran against.
    extra = {
        Requirement(r).name.lower(): Requirement(r)
        for r in PYPROJECT["project"]["optional-dependencies"]["postgres"]
    }
    assert set(extra) == {"psycopg"} and "binary" in extra["psycopg"].extras
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s#]+)", (REPO / "requirements.lock").read_text(), re.M))
    assert extra["psycopg"].specifier.contains(pins["psycopg"]), pins.get("psycopg")
    assert pins["psycopg-binary"] == pins["psycopg"]
