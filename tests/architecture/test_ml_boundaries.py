"""Inside ``ml/``: serving never imports training, evaluation, the card or research code, and no
module imports back into one that imports it. ``research/`` depends on ``ml`` one way: of ``ml/``,
only the command line reaches it. Read from the source with ``ast``, function-level
imports included (see ``test_import_cycles``)."""
from __future__ import annotations

from pathlib import Path

from tests.architecture.test_import_cycles import ROOT, _imports, _module_name, find_cycle

# What a worker runs to analyse an upload (and to build and apply a personal adapter).
SERVING = ("ml.predictor", "ml.serving", "ml.audio", "ml.vad", "ml.segments", "ml.personal")
# Training, evaluation, reporting and research: what serving must not reach.
TRAINING = ("ml.config", "ml.fitting", "ml.artifacts", "ml.sample_weights", "ml.folds", "ml.cache",
            "ml.evaluate", "ml.card", "ml.personal_eval", "ml.robustness", "ml.rooms",
            "ml.augment", "ml.score", "ml.whisper_ct2", "ml.__main__", "research")  # fmt: skip


def ml_graph() -> dict[str, set[str]]:
    """Each module of ``ml/`` -> the ``ml`` modules it imports (``from ml import x`` names ``ml.x``)."""
    paths = {_module_name(p): p for p in (ROOT / "ml").rglob("*.py")}
    graph = {}
    for module, path in paths.items():
        found = _imports(path, module)
        graph[module] = {m for m in found if m in paths and m != module and m != "ml"}
    return graph


def _trains(module: str) -> bool:
    return any(module == t or module.startswith(f"{t}.") for t in TRAINING)


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every module ``start`` imports directly or through others -> the module that imports it."""
    via: dict[str, str] = {}
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt not in via and nxt != start:
                via[nxt] = node
                todo.append(nxt)
    return via


def test_serving_imports_nothing_from_training():
    graph = ml_graph()
    assert graph["ml.predictor"], "the graph found no imports: the walk is broken"
    reached = {}
    for module in SERVING:
        reached.update({m: f"{by} (from {module})" for m, by in reachable(graph, module).items() if _trains(m)})
    assert not reached, f"serving reaches training modules: {reached}"


def test_no_ml_module_imports_back_into_a_module_that_imports_it():
    assert find_cycle(ml_graph()) is None


def test_a_training_import_inside_a_serving_function_is_found(tmp_path: Path):
    source = tmp_path / "predictor.py"
    source.write_text("def f():\n    from ml.cache import FeatureSet\n")
    graph = {"ml.predictor": {m for m in _imports(source, "ml.predictor") if m.startswith("ml.")}}
    assert "ml.cache" in reachable(graph, "ml.predictor")


# The command line's research commands (`evaluate --combine`, `select`) are the one way in.
RESEARCH_ENTRY = {"ml.__main__"}


def _research_imports(root: Path) -> dict[str, set[str]]:
    """Each module under ``root`` -> the ``research`` modules it imports."""
    found = {}
    for path in root.rglob("*.py"):
        module = _module_name(path)
        names = {m for m in _imports(path, module) if m == "research" or m.startswith("research.")}
        if names:
            found[module] = names
    return found


def test_only_the_command_line_of_ml_imports_research():
    found = _research_imports(ROOT / "ml")
    assert found.get("ml.__main__", set()) >= {"research.select", "research.ensemble"}, \
        "the walk found no research import from the command line: it is broken"
    assert set(found) <= RESEARCH_ENTRY, f"ml modules import research: {found}"


def test_no_research_module_imports_back_into_one_that_imports_it():
    research = {_module_name(p): p for p in (ROOT / "research").rglob("*.py")}
    graph = {m: {n for n in _imports(p, m) if n in research and n != m} for m, p in research.items()}
    assert find_cycle(graph) is None
