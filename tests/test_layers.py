"""The package reads as the pipeline: every import (module level or inside a function) points to
the same layer or one below it. Read from the source with ``ast``, so a new upward import fails here."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "resilience_jax"
# importable from anywhere (no package imports of their own but each other)
BASE = {"_x64", "_ops", "_checks", "_backend", "errors", "status"}
# lowest first: a module may import its own layer, a lower one, or BASE
LAYERS = ["datasets", "data", "index", "inference", "estimators", "results", "design", "api", "suite", "bootstrap",
          "bayes", "sensitivity", "report", "cli"]
RANK = {name: i for i, name in enumerate(LAYERS)}


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield path, parts


def _imports(path: Path, parts: tuple[str, ...]):
    """(line, imported top-level component) of every import of a resilience_jax module."""
    is_pkg = parts[-1] == "__init__"
    here = ["resilience_jax", *(parts[:-1] if is_pkg else parts[:-1])]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            names = [target + [a.name] for a in node.names] if len(target) == 1 else [target]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        for t in names:
            # a name of the root package that is not a module (``__version__``) is the root itself,
            # which imports nothing but _x64 and may be imported anywhere
            if t[0] == "resilience_jax" and len(t) > 1 and _is_module(t[1]):
                yield node.lineno, t[1]


def _is_module(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def test_every_module_belongs_to_a_layer():
    for _, parts in _modules():
        top = parts[0]
        if top == "__init__":
            continue
        assert top in RANK or top in BASE, f"{'/'.join(parts)}.py: add its layer to LAYERS or BASE"


@pytest.mark.parametrize("path, parts", list(_modules()), ids=lambda v: "/".join(v) if isinstance(v, tuple) else "")
def test_imports_flow_downward(path, parts):
    own = parts[0]
    if own == "__init__":  # the package root: precision first, public names imported lazily by string
        assert [c for _, c in _imports(path, parts)] == ["_x64"]
        return
    for line, target in _imports(path, parts):
        if target in BASE:
            assert own in BASE or own in RANK, target
            continue
        assert own not in BASE, f"{path.name}:{line}: the base module {own} imports {target}"
        assert target in RANK, f"{path.name}:{line}: unknown component {target}"
        assert RANK[target] <= RANK[own], (
            f"resilience_jax/{'/'.join(parts)}.py:{line} imports resilience_jax.{target}, a layer above "
            f"{own} ({' -> '.join(LAYERS)})")


def test_the_check_catches_an_upward_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from ..report.tables import write_table\n", encoding="utf-8")
    found = list(_imports(bad, ("estimators", "x")))
    assert found == [(1, "report")] and RANK["report"] > RANK["estimators"]
