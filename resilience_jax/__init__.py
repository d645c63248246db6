"""resilience_jax: entropy-weighted resilience indices, fixed-effects panel regressions and mediation,
with fast JAX bootstraps of the whole pipeline; a reproduction of Yao, Lu & Li (2025).

Importing the package enables JAX's float64 mode (see :mod:`resilience_jax._x64`; set
``RESILIENCE_JAX_FLOAT32=1`` before import to opt out). Public names and subpackages are
imported lazily, on first use (``rj.datasets.paper_panel()`` works after ``import resilience_jax as rj``).

The package reads as the pipeline, imports flowing one way (a test checks it):
``errors``, ``status``, ``_x64`` (anywhere) -> ``datasets`` -> ``data`` -> ``index`` -> ``inference``
-> ``estimators`` -> ``results`` -> ``api``, ``design``, ``suite`` -> ``bootstrap`` -> ``bayes`` -> ``sensitivity`` -> ``report`` -> ``cli``.
The staged core: ``index.stage`` (the index stage), ``estimators.equations`` (the equations stage),
composed by ``estimators.staged`` (the single fit on rows) and ``bootstrap.paths`` (tables, rows,
gathered rows).
"""

from __future__ import annotations

import importlib

from . import _x64  # noqa: F401  (precision is decided before anything else touches JAX)

__version__ = "0.8.0"

_LAZY = {
    "load_spec": "resilience_jax.data.spec",
    "load_index": "resilience_jax.data.spec",
    "load_panel": "resilience_jax.data.validate",
    "validate_panel": "resilience_jax.data.validate",
    "Panel": "resilience_jax.data.validate",
    "read_table": "resilience_jax.data.io",
    "paper_panel": "resilience_jax.datasets",
    "simulate_panel": "resilience_jax.datasets.simulate",
    "describe": "resilience_jax.report.describe",
    "entropy_weights": "resilience_jax.index.entropy",
    "feols": "resilience_jax.api",
    "etable": "resilience_jax.report.etable",
    "mediation": "resilience_jax.api",
    "SSC": "resilience_jax.inference.vcov",
    "sobel": "resilience_jax.inference.significance",
    "run_suite": "resilience_jax.suite",
    "wild_bootstrap": "resilience_jax.bootstrap.wild",
    "init_distributed": "resilience_jax.bootstrap.driver",
    "posterior": "resilience_jax.bayes.api",
}
# subpackages and modules reachable as attributes; `bootstrap` and `sensitivity` are packages, callable
# as their functions (see resilience_jax.bootstrap)
_SUBMODULES = ("bayes", "bootstrap", "data", "datasets", "errors", "estimators", "index", "inference", "report", "results",
               "sensitivity", "status", "suite")


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'resilience_jax' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY, *_SUBMODULES])


__all__ = sorted([*_LAZY, "bootstrap", "sensitivity"])
