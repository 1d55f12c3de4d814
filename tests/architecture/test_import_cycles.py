"""Dependencies between the apps run one way (catalog <- accounts <- emotion <- recommendations;
operations serves them all), and no module of the service layer imports back into the module that
imports it. Read from the source with ``ast``, function-level imports included: an import tucked
inside a function is still a dependency."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "emotion", "recommendations", "catalog", "operations")
# The wiring of an app (AppConfig.ready, URL confs, admin) may name any app; the layers it wires may not.
WIRING = {"apps", "urls", "admin", "routing"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module: str) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from app import services`
    return found


def module_graph() -> dict[str, set[str]]:
    """Each module of the five apps (migrations aside) -> the modules of those apps it imports."""
    paths = {_module_name(p): p for app in APPS for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts}
    return {module: {m for m in _imports(path, module) if m in paths and m != module}
            for module, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in ``graph`` as a path that starts and ends on the same node, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def app_graph(modules: dict[str, set[str]]) -> dict[str, set[str]]:
    apps: dict[str, set[str]] = defaultdict(set)
    for module, imported in modules.items():
        if module.split(".")[-1] in WIRING:
            continue
        app = module.split(".")[0]
        apps[app].update(m.split(".")[0] for m in imported if m.split(".")[0] != app)
    return apps


def test_the_apps_depend_on_each_other_one_way():
    modules = module_graph()
    assert modules["emotion.services"], "the graph found no imports: the walk is broken"
    assert find_cycle(app_graph(modules)) is None


def test_no_module_imports_back_into_a_module_that_imports_it():
    assert find_cycle(module_graph()) is None


@pytest.mark.parametrize(("graph", "cycle"), [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
    ({"a": {"b"}, "b": set()}, None),
])  # fmt: skip
def test_the_cycle_finder_finds_what_it_is_for(graph, cycle):
    assert find_cycle(graph) == cycle


def test_an_import_inside_a_function_counts(tmp_path):
    source = tmp_path / "services.py"
    source.write_text("def f():\n    from emotion.tasks import analyze_submission\n")
    assert "emotion.tasks" in _imports(source, "accounts.services")
