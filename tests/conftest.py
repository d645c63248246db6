import os

import pytest

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import resilience_jax  # noqa: E402,F401  (enables x64 before any test touches JAX)
from resilience_jax.data import load_spec  # noqa: E402
from resilience_jax.datasets import paper_panel  # noqa: E402


@pytest.fixture(scope="session")
def spec():
    return load_spec()


@pytest.fixture()
def raw():
    """A fresh copy of the embedded panel as a raw DataFrame."""
    return paper_panel()
