"""The code's shape: no import circle between our modules, no source file over about 400 lines.

An import circle makes the import order matter (a name is missing when the other half of the circle
is still half-imported) and ties two layers that should depend one way only (DESIGN.md). One graph
is built from the statements that run when a module is imported (module level, not inside
functions, not under ``if TYPE_CHECKING:``); a second one from every import, also inside
functions, because a lazy import hides a circle but does not remove it.
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("marketplace", "messages", "search", "catalog", "orders", "payments", "aftersales", "reviews", "licences",
            "trace", "sourcing", "prices", "investment")
MAX_LINES = 400

#: Reads source files only: CI runs it once (the SQLite pass; see the Makefile).
pytestmark = pytest.mark.engine_independent


def our_modules() -> dict[str, Path]:
    """Every module of PACKAGES by dotted name -> its source file."""
    found: dict[str, Path] = {}
    for name in PACKAGES:
        package = importlib.import_module(name)
        found[name] = Path(package.__file__)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            spec = importlib.util.find_spec(info.name)
            if spec and spec.origin and spec.origin.endswith(".py"):
                found[info.name] = Path(spec.origin)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_time_statements(body: list[ast.stmt]):
    """Import statements that run when the module is imported: module level, and inside module-level
    if/try/with blocks and class bodies; never inside functions or under ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _import_time_statements(node.body)
            yield from _import_time_statements(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _import_time_statements(block)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _import_time_statements(node.body)


def _every_import(body: list[ast.stmt]):
    """Every import statement, also those inside functions (a lazy import still ties two modules)."""
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Import | ast.ImportFrom):
                yield node


def import_graph(modules: dict[str, Path], *, lazy: bool = False) -> dict[str, set[str]]:
    """module -> the modules of ours it imports at import time (with ``lazy``: anywhere, except
    between a package and its own submodules, which is how a blueprint's routes reach ``bp``)."""
    graph: dict[str, set[str]] = {}
    statements = _every_import if lazy else _import_time_statements
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in statements(ast.parse(path.read_text(encoding="utf-8")).body):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                continue
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                targets.add(candidate if candidate in modules else source)
        graph[name] = {t for t in targets if t in modules and t != name
                       and not (lazy and (t.startswith(name + ".") or name.startswith(t + ".")))}
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that reach each other (only those of two or more)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def shortest_cycle(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """One shortest circle through the group's first module (breadth first inside the group)."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for succ in sorted(graph[node] & members):
            if succ == start:
                return paths[node] + [start]
            if succ not in paths:
                paths[succ] = paths[node] + [succ]
                queue.append(succ)
    raise AssertionError(f"no circle through {start}")


def describe_cycles(graph: dict[str, set[str]]) -> list[str]:
    return [f"{' -> '.join(shortest_cycle(graph, group))}   (group: {', '.join(group)})"
            for group in strongly_connected(graph)]


def test_cycle_finder_finds_a_circle_and_resolves_relative_imports(tmp_path):
    """The finder itself: relative imports resolved, ``from pkg import module`` is an edge to it,
    imports inside functions and under TYPE_CHECKING ignored."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("from .c import thing\n")
    (pkg / "c.py").write_text("from pkg.a import x\nthing = 1\n")
    (pkg / "d.py").write_text("def f():\n    from pkg import a\nif TYPE_CHECKING:\n    import pkg.a\n")
    modules = {f"pkg.{m}": pkg / f"{m}.py" for m in "abcd"} | {"pkg": pkg / "__init__.py"}
    graph = import_graph(modules)
    assert graph["pkg.a"] == {"pkg.b"} and graph["pkg.b"] == {"pkg.c"} and graph["pkg.c"] == {"pkg.a"}
    assert graph["pkg.d"] == set()
    assert describe_cycles(graph) == ["pkg.a -> pkg.b -> pkg.c -> pkg.a   (group: pkg.a, pkg.b, pkg.c)"]


def test_no_import_cycle():
    cycles = describe_cycles(import_graph(our_modules()))
    assert not cycles, "import circles:\n" + "\n".join(cycles)


def test_no_import_cycle_hidden_in_a_function():
    """A lazy import inside a function is no way out of a circle between two modules: the lower
    one offers a registry or a signal instead (DESIGN.md)."""
    cycles = describe_cycles(import_graph(our_modules(), lazy=True))
    assert not cycles, "import circles through imports inside functions:\n" + "\n".join(cycles)


def test_lazy_graph_sees_imports_inside_functions(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def init_app():\n    from pkg import views\n")
    (pkg / "views.py").write_text("from pkg import helper\n")
    (pkg / "helper.py").write_text("def f():\n    from pkg.views import x\n")
    modules = {"pkg": pkg / "__init__.py", "pkg.views": pkg / "views.py", "pkg.helper": pkg / "helper.py"}
    graph = import_graph(modules, lazy=True)
    assert graph["pkg"] == set()  # a package reaching its own submodules is not a circle
    assert describe_cycles(graph) == ["pkg.helper -> pkg.views -> pkg.helper   (group: pkg.helper, pkg.views)"]


def long_files() -> list[str]:
    roots = [ROOT / name for name in (*PACKAGES, "tests", "bench")]
    out = []
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                out.append(f"{path.relative_to(ROOT)}: {lines} lines")
    return out


def test_no_source_file_over_400_lines():
    too_long = long_files()
    assert not too_long, f"files over {MAX_LINES} lines (split by role, DESIGN.md layout):\n" + "\n".join(too_long)
