"""The package graph follows the data: every import points down the layers, and nothing forms a cycle.

Layers, bottom first (README, "Layout"):

    core <- extractor <- store <- crawler, notifier (notifier.digest) <- scheduler <- web <- zcwatch

A package may import only packages of a lower layer; crawler and notifier are peers and do not import
each other. ``core`` (config, errors, time, vocabulary) imports nothing of the project. Every import
counts, including those made inside functions, which is where cycles hide.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

from support.cli import REPO

LAYERS: dict[str, int] = {
    "core": 0,
    "extractor": 1,
    "store": 2,
    "crawler": 3,
    "notifier": 3,
    "notifier.digest": 3,
    "scheduler": 4,
    "web": 5,
    "zcwatch": 6,
}
# Within one layer these pairs may import one way: the digest is part of the notifier.
SAME_LAYER_ALLOWED = {("notifier.digest", "notifier")}


def package_of(module: str, packages: Iterable[str]) -> str | None:
    """The longest listed package ``module`` is in: ``notifier.digest.model`` -> ``notifier.digest``."""
    best = None
    for p in packages:
        if (module == p or module.startswith(p + ".")) and (best is None or len(p) > len(best)):
            best = p
    return best


def _imported(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    out: set[str] = set()
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = here[: len(here) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.add(name)
            out |= {f"{name}.{a.name}" for a in node.names}
    return out


def package_edges(root: Path, packages: Iterable[str]) -> dict[tuple[str, str], list[str]]:
    """(importer package, imported package) -> the modules that make the edge."""
    packages = list(packages)
    edges: dict[tuple[str, str], list[str]] = {}
    for top in {p.split(".")[0] for p in packages}:
        for path in sorted((root / top).rglob("*.py")):
            rel = path.relative_to(root).with_suffix("")
            parts = list(rel.parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            module = ".".join(parts)
            src = package_of(module, packages)
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for name in _imported(tree, module, is_package):
                dst = package_of(name, packages)
                if src and dst and dst != src:
                    edges.setdefault((src, dst), []).append(str(path.relative_to(root)))
    return edges


def violations(edges: Mapping[tuple[str, str], list[str]], layers: Mapping[str, int]) -> list[str]:
    """Every edge that points up or sideways, and every cycle, as a line naming the modules."""
    out = []
    for (src, dst), where in sorted(edges.items()):
        if layers[dst] > layers[src] or (layers[dst] == layers[src] and (src, dst) not in SAME_LAYER_ALLOWED):
            out.append(f"{src} -> {dst} points up the layers (in {', '.join(sorted(set(where)))})")
    graph: dict[str, set[str]] = {}
    for src, dst in edges:
        graph.setdefault(src, set()).add(dst)

    def reach(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    out += [f"cycle through {p}" for p in sorted(graph) if p in reach(p)]
    return out


def test_the_project_follows_its_layers() -> None:
    edges = package_edges(REPO, LAYERS)
    assert violations(edges, LAYERS) == []
    # The ground package stands alone.
    assert not [e for e in edges if e[0] == "core"]


def test_every_shipped_package_has_a_layer() -> None:
    import tomllib

    shipped = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = {p for p in shipped["packages"] if not p.startswith("zcwatch.")}
    assert listed <= set(LAYERS), listed - set(LAYERS)


def _tree(root: Path, files: Mapping[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_check_finds_a_planted_cycle_and_an_upward_import(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/config.py": "def load():\n    from store.db import open_engine\n",  # inside a function
            "store/__init__.py": "",
            "store/db.py": "from core.config import load\n",
            "zcwatch/__init__.py": "",
            "zcwatch/cli.py": "from . import commands\n",
            "zcwatch/commands.py": "import store.db\n",
        },
    )
    layers = {"core": 0, "store": 2, "zcwatch": 5}
    found = violations(package_edges(tmp_path, layers), layers)
    assert found == [
        "core -> store points up the layers (in core/config.py)",
        "cycle through core",
        "cycle through store",
    ]
