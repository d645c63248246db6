"""Every public function of the package is documented NumPy-style with a runnable example (the
examples themselves run as doctests: ``--doctest-modules`` in pyproject.toml)."""

import ast
import inspect
from pathlib import Path

import pytest

import resilience_jax as rj

PACKAGE = Path(__file__).resolve().parent.parent / "resilience_jax"


def _public_functions():
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if any(p.startswith("_") and p != "__init__" for p in parts):
            continue  # private modules (_x64, _ops, _checks)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                yield f"{'/'.join(parts)}.py:{node.name}", ast.get_docstring(node) or ""


@pytest.mark.parametrize("where, doc", list(_public_functions()), ids=lambda v: v if ".py:" in str(v) else "")
def test_public_function_has_a_runnable_example(where, doc):
    assert doc, f"{where}: no docstring"
    assert "Example" in doc and ">>>" in doc, f"{where}: no runnable Example section"


API = ["feols", "mediation", "bootstrap", "wild_bootstrap", "entropy_weights", "load_panel", "run_suite", "describe",
       "sobel", "load_spec", "read_table", "validate_panel", "simulate_panel"]


@pytest.mark.parametrize("name", API)
def test_top_level_api_documents_parameters_returns_raises(name):
    fn = getattr(rj, name)
    fn = getattr(fn, "bootstrap", fn)  # rj.bootstrap is the callable package
    doc = inspect.getdoc(fn) or ""
    for section in ("Parameters", "Returns", "Raises", "Example"):
        assert f"{section}\n--" in doc, f"rj.{name}: no {section} section"
