"""The shape of the package: every module imports, and the import graph has layers and no loop.

The layering, in one line: core <- data <- statistics <- tasks, models <- runs <- pipeline <-
report <- faces. A module may import its own layer or a lower one, never a higher one, and
no set of modules imports itself round. Imports inside functions count, and so do
``importlib.import_module`` calls with a literal name, the two tables of names loaded that
way (the tasks, the shipped models), and imports of the package root (a face).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest
from conftest import ROOT

LAYERS = {
    "core": ("bench.version", "bench.exceptions", "bench.records", "bench.jsonio", "bench.checks", "bench.tables",
             "bench.model", "bench.formulas", "bench.redact", "bench.collector"),
    "data": ("bench.corpus", "bench.claimants"),
    "statistics": ("bench.align", "bench.textmatch", "bench.assignment", "bench.matching", "bench.significance", "bench.coref",
                   "bench.scoring", "bench.values"),
    "tasks": ("bench.tasks",),
    "models": ("bench.baselines",),
    "runs": ("bench.runs", "bench.signature"),
    "pipeline": ("bench.registry", "bench.protocol", "bench.pipeline", "bench.shards", "bench.distributed"),
    "report": ("bench.comparison", "bench.ranking", "bench.errorlist", "bench.pages"),
    "faces": ("bench.cli", "bench.api", "bench"),
}
RANK = {"core": 0, "data": 1, "statistics": 2, "tasks": 3, "models": 3, "runs": 4, "pipeline": 5, "report": 6,
        "faces": 7}
SOURCES = {"bench": ROOT / "bench", "bench.baselines": ROOT / "baselines"}


def _modules() -> dict[str, Path]:
    """Every module of the installed package ``bench``, with its source file in the checkout."""
    found = {}
    for package, folder in SOURCES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join([package, *parts])
            if package == "bench" and name.startswith("bench.baselines"):
                continue
            found[name] = path
    return found


MODULES = _modules()


def layer_of(module: str) -> str:
    best = None
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (layer, prefix)
    assert best is not None, f"{module} belongs to no layer: add it to LAYERS"
    return best[0]


def _target(module: str) -> str | None:
    """The module of the package that an imported name lives in (the longest known prefix)."""
    while module:
        if module in MODULES:
            return module
        module = module.rpartition(".")[0]
    return None


def imports_of(module: str, path: Path) -> set[str]:
    """Every module of the package that ``module`` imports, anywhere in its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            names = [node.args[0].value]
        for name in names:
            target = _target(name)
            if target is not None and target != module:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    graph = {module: imports_of(module, path) for module, path in MODULES.items()}
    # what is loaded by name from a table: the tasks and the shipped models
    tasks = importlib.import_module("bench.tasks")
    graph["bench.tasks"] |= {f"bench.tasks.{m}" for m in tasks.TASK_MODULES.values()}
    baselines = importlib.import_module("bench.baselines")
    graph["bench.registry"] |= {target.partition(":")[0] for target in baselines.MODELS.values()}
    return graph


def test_every_module_of_the_package_imports():
    import bench
    import bench.baselines

    names = {info.name for info in pkgutil.walk_packages(bench.__path__, "bench.")}
    names |= {"bench.baselines"} | {info.name for info in pkgutil.walk_packages(bench.baselines.__path__,
                                                                                "bench.baselines.")}
    assert names >= set(MODULES) - {"bench"}, set(MODULES) - names
    for name in sorted(names):
        importlib.import_module(name)


def test_no_module_imports_a_higher_layer():
    wrong = []
    for module, targets in _graph().items():
        for target in targets:
            if RANK[layer_of(target)] > RANK[layer_of(module)]:
                wrong.append(f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_import_graph_has_no_loop():
    graph = _graph()
    index, low, stack, on_stack, loops = {}, {}, [], set(), []

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                loops.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    assert not loops, loops


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer_of(m) != "faces"))
def test_only_faces_import_the_package_root(module):
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and not node.module:
            package = module.split(".")
            base = ".".join(package[:len(package) - node.level + (1 if MODULES[module].name == "__init__.py" else 0)])
            assert base != "bench" or all(f"bench.{a.name}" in MODULES for a in node.names), (module, ast.dump(node))
        if isinstance(node, ast.Import):
            assert all(alias.name != "bench" for alias in node.names), module
        if isinstance(node, ast.ImportFrom) and node.module == "bench" and not node.level:
            assert all(f"bench.{a.name}" in MODULES for a in node.names), module


def test_the_layering_checker_sees_imports_inside_functions(tmp_path):
    """The checker itself: an import inside a function, and a literal import_module, are edges."""
    probe = tmp_path / "probe.py"
    probe.write_text("def f():\n    from .pipeline import run\n    import importlib\n"
                     "    importlib.import_module('bench.cli')\n")
    assert imports_of("bench.tables", probe) == {"bench.pipeline", "bench.cli"}


@pytest.mark.parametrize("name", ["claims", "quantities", "links"])
def test_every_row_of_every_task_declares_its_metric_and_direction(name):
    """The rows a table, compare and the regression gate show: each names a declared metric, its
    direction comes from it, and the point value is what the metric's one formula gives."""
    import msgspec
    import numpy as np

    from bench.corpus import load_corpus
    from bench.pipeline import make_config
    from bench.tasks import get_task

    task = get_task(name)
    corpus = load_corpus(gold=ROOT / "gold", docs=ROOT / "seeds")
    config = make_config(task=name, n_bootstrap=0)
    if name == "links":
        predictions = task.from_objects(corpus.links.to_dict(), corpus, config)
    else:
        layer = corpus.gold if name == "claims" else corpus.quantities
        predictions = task.from_objects([r for d in corpus.doc_ids for r in layer[d]], corpus, config)
    scored = task.score(corpus, predictions, config)
    declared = {m.name: m.higher_is_better for m in task.metrics}
    assert task.headline_metric in declared
    for scheme, entry in scored.scores.items():
        assert isinstance(entry, task.scores_schema)
        values = task.compute(scored.units[scheme].total().astype(float), scheme)
        assert set(values) == set(declared)
        for row in task.rows(entry):
            assert row.higher_is_better is declared[row.metric], (scheme, row.name)
            found = values[row.metric] if row.index is None else values[row.metric][row.index]
            assert (row.value is None and np.isnan(found)) or row.value == pytest.approx(float(found))
        assert task.disagreement(scheme, msgspec.convert(msgspec.to_builtins(entry), task.scores_schema),
                                 scored.units[scheme]) is None
