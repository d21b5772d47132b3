"""The layering of ../shared/architecture.md, checked from the code's own imports.

Arrows point down only: frontend / demo → reports → matching → opportunities →
accounts → reference → core, with `ml` (the engine) under everything and
importing no app. accounts never imports opportunities. No two modules of
the project import each other, directly or through others (tasks reach
services, services send tasks by name).

Every import counts, also those inside functions or under TYPE_CHECKING:
a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lower number = lower floor. An app may import its own floor's modules only when listed in SAME_FLOOR_OK.
FLOORS = {
    "ml": 0,
    "core": 1,
    "reference": 2,
    "accounts": 3,
    "opportunities": 4,
    "matching": 5,
    "programmes": 5,
    "reports": 6,
    "demo": 7,
    "frontend": 7,
    "config": 8,
}
# programmes reads matching's introductions; matching never needs programmes (one way, same floor).
FORBIDDEN = {
    ("accounts", "opportunities"),
    ("reference", "accounts"),
    ("core", "reference"),
    ("matching", "programmes"),
}


def _modules() -> Iterator[tuple[str, Path]]:
    for app in FLOORS:
        base = ROOT / app
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


MODULES = dict(_modules())


def _imports(name: str, path: Path) -> set[str]:
    """Project modules that `name` imports (resolved to the longest known module name)."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _app(module: str) -> str:
    return module.split(".")[0]


def test_it_reads_the_whole_project() -> None:
    # Guard against a test that passes because it saw nothing.
    assert len(MODULES) > 80
    assert "accounts.selectors" in GRAPH["opportunities.services"]
    assert "matching.services.recommendations" in GRAPH["matching.tasks"]


def test_arrows_point_down_only() -> None:
    upward = [
        f"{module} → {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if FLOORS[_app(target)] > FLOORS[_app(module)]
    ]
    assert upward == []


@pytest.mark.parametrize(("importer", "imported"), sorted(FORBIDDEN))
def test_forbidden_pairs_are_absent(importer: str, imported: str) -> None:
    offending = [f"{m} → {t}" for m, ts in GRAPH.items() for t in ts if _app(m) == importer and _app(t) == imported]
    assert offending == []


def test_the_engine_imports_no_app() -> None:
    offending = [f"{m} → {t}" for m, ts in GRAPH.items() if _app(m) == "ml" for t in ts if _app(t) != "ml"]
    assert offending == []


def test_there_are_no_import_circles() -> None:
    # Tarjan's strongly connected components over the module graph.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in GRAPH.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in GRAPH:
        if module not in index:
            visit(module)
    assert circles == []


def test_every_model_has_a_factory() -> None:
    from django.apps import apps

    import tests.factories as factories

    ours = {name for name in FLOORS if name not in {"ml", "config"}}
    covered = {
        obj._meta.model
        for obj in vars(factories).values()
        if isinstance(obj, type) and hasattr(obj, "_meta") and getattr(obj._meta, "model", None) is not None
    }
    missing = [
        f"{m._meta.app_label}.{m.__name__}" for m in apps.get_models() if m._meta.app_label in ours and m not in covered
    ]
    assert missing == []
