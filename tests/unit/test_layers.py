"""Layer rules over the import graph of src/authward, read with `ast` (nothing is imported).

Layers only import downwards: api -> methods -> services -> security/storage/delivery. Each test names
every offending `importer -> imported` edge. Imports under `if TYPE_CHECKING:` are ignored; imports
inside functions count, except for the module-level cycle check.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ROOT = "authward"

LEAVES = (
    "authward.security",
    "authward.storage",
    "authward.delivery",
    "authward.errors",
    "authward.settings",
    "authward.clock",
    "authward.background",
    "authward.observability",
)
UPPER = ("authward.methods", "authward.api", "authward.app", "authward.composition", "authward.asgi", "authward.cli")
ABOVE_LEAVES = ("authward.services", *UPPER)
METHODS_NOT_A_METHOD = {"base", "registry"}


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    module_level: bool  # False when the import sits inside a function body

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported}"


@dataclass(frozen=True)
class Graph:
    modules: frozenset[str]
    edges: frozenset[Edge]

    def adjacency(self, *, module_level_only: bool = False) -> dict[str, set[str]]:
        adj: dict[str, set[str]] = {m: set() for m in self.modules}
        for e in self.edges:
            if e.module_level or not module_level_only:
                adj.setdefault(e.importer, set()).add(e.imported)
        return adj


def in_package(name: str, *packages: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def module_name(path: Path, src: Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportCollector(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, modules: frozenset[str]) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.modules = modules
        self.function_depth = 0
        self.found: set[Edge] = set()

    def _add(self, target: str) -> None:
        # Not to itself (`from . import x` in a package's __init__), nor to its own ancestor packages: a
        # submodule always needs its package first, and `from authward.client import account` inside
        # authward.client needs only the submodule (recorded below), so those are no cycles.
        if in_package(target, ROOT) and target != self.module and not self.module.startswith(target + "."):
            self.found.add(Edge(self.module, target, self.function_depth == 0))

    def _in_function(self, node: ast.AST) -> None:
        self.function_depth += 1
        self.generic_visit(node)
        self.function_depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _in_function

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for stmt in node.orelse:
                self.visit(stmt)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, node.module] if node.module else base)
        else:
            source = node.module or ""
        self._add(source)
        for alias in node.names:
            if f"{source}.{alias.name}" in self.modules:
                self._add(f"{source}.{alias.name}")


def collect(src: Path, root: str = ROOT) -> Graph:
    files = sorted((src / root).rglob("*.py"))
    modules = frozenset(module_name(f, src) for f in files)
    edges: set[Edge] = set()
    for f in files:
        collector = _ImportCollector(module_name(f, src), f.name == "__init__.py", modules)
        collector.visit(ast.parse(f.read_text(encoding="utf-8"), filename=str(f)))
        edges |= collector.found
    return Graph(modules, frozenset(edges))


@cache
def graph() -> Graph:
    return collect(SRC)


def _report(title: str, lines: Iterable[object]) -> str:
    lines = sorted({str(x) for x in lines})
    return f"{title} ({len(lines)}):\n  " + "\n  ".join(lines)


def _path(adj: dict[str, set[str]], start: str, goal: str | None = None, within: set[str] | None = None) -> list[str]:
    """Shortest import chain from start: to `goal`, or (goal None) to any authward.methods module."""
    prev: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(adj.get(node, ())):
            if within is not None and nxt not in within:
                continue
            if nxt == goal or (goal is None and in_package(nxt, "authward.methods")):
                chain = [nxt, node]
                while chain[-1] != start:
                    chain.append(prev[chain[-1]])
                return chain[::-1]
            if nxt not in prev and nxt != start:
                prev[nxt] = node
                queue.append(nxt)
    return []


def _reachable(adj: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    stack = [start]
    while stack:
        for nxt in adj.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def cycles(adj: dict[str, set[str]]) -> list[str]:
    """One shortest cycle per strongly connected component, with the component's other edges."""
    reach = {m: _reachable(adj, m) for m in adj}
    done: set[str] = set()
    found = []
    for m in sorted(adj):
        if m in done or m not in reach[m]:
            continue
        component = {n for n in reach[m] if m in reach.get(n, ())}
        done |= component
        cycle = " -> ".join(_path(adj, m, goal=m, within=component))
        inner = sorted(f"{a} -> {b}" for a in component for b in adj[a] if b in component)
        found.append(f"cycle {cycle}\n    edges inside this cycle's component: " + "; ".join(inner))
    return found


def test_the_collector_sees_the_real_graph():
    g = graph()
    assert len(g.modules) > 50
    assert "authward.app" in g.modules
    assert any(in_package(e.imported, "authward.api") for e in g.edges if e.importer == "authward.app")
    assert any(
        in_package(e.imported, "authward.services") for e in g.edges if in_package(e.importer, "authward.methods")
    )


def test_the_collector_resolves_relative_imports_and_skips_type_checking(tmp_path):
    pkg = tmp_path / "authward"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "other.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from . import leaf\n")
    (pkg / "sub" / "leaf.py").write_text("")
    (pkg / "sub" / "mod.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import os\n"
        "from .. import other\n"
        "from .leaf import thing\n"
        "if TYPE_CHECKING:\n"
        "    import authward.hidden\n"
        "else:\n"
        "    import authward.shown\n"
        "def f():\n"
        "    from authward.sub import leaf\n"
    )
    edges = {(e.importer, e.imported, e.module_level) for e in collect(tmp_path).edges}
    assert edges == {
        ("authward.sub", "authward.sub.leaf", True),
        ("authward.sub.mod", "authward.other", True),
        ("authward.sub.mod", "authward.sub.leaf", True),
        ("authward.sub.mod", "authward.shown", True),
        ("authward.sub.mod", "authward.sub.leaf", False),
    }


def test_leaves_import_no_upper_layer():
    bad = [e for e in graph().edges if in_package(e.importer, *LEAVES) and in_package(e.imported, *ABOVE_LEAVES)]
    if bad:
        pytest.fail(_report("leaf modules importing services/methods/api/app/composition/cli", bad))


def test_services_import_no_upper_layer():
    bad = [e for e in graph().edges if in_package(e.importer, "authward.services") and in_package(e.imported, *UPPER)]
    if bad:
        pytest.fail(_report("services importing methods/api/app/composition/cli", bad))


def _method_package(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) >= 3 and parts[:2] == ["authward", "methods"] and parts[2] not in METHODS_NOT_A_METHOD:
        return parts[2]
    return None


def test_methods_do_not_import_each_other():
    bad = []
    for e in graph().edges:
        mine, theirs = _method_package(e.importer), _method_package(e.imported)
        if mine is None:
            continue
        if (theirs is not None and theirs != mine) or in_package(e.imported, "authward.methods.registry"):
            bad.append(e)
    if bad:
        pytest.fail(_report("a method package importing another method (or the registry)", bad))


def test_the_api_toolkit_a_method_uses_sits_below_the_methods():
    adj = graph().adjacency()
    bad = []
    for e in graph().edges:
        if in_package(e.importer, "authward.methods") and in_package(e.imported, "authward.api"):
            chain = _path(adj, e.imported)
            if chain:
                bad.append(f"{e}   (via {' -> '.join(chain)})")
    if bad:
        pytest.fail(_report("api modules imported by a method that themselves reach authward.methods", bad))


def test_the_client_sdk_imports_only_itself():
    bad = [
        e
        for e in graph().edges
        if in_package(e.importer, "authward.client")
        and not (in_package(e.imported, "authward.client") or e.imported == ROOT)
    ]
    if bad:
        pytest.fail(_report("authward.client importing server modules", bad))


def test_the_cli_has_no_import_cycle():
    adj = {
        m: {n for n in targets if in_package(n, "authward.cli")}
        for m, targets in graph().adjacency().items()
        if in_package(m, "authward.cli")
    }
    found = cycles(adj)
    if found:
        pytest.fail(_report("import cycles inside authward.cli", found))


def test_module_level_imports_have_no_cycle():
    found = cycles(graph().adjacency(module_level_only=True))
    if found:
        pytest.fail(_report("module-level import cycles in authward", found))
