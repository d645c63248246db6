import os
import tempfile

import pytest

# The suite leaves $HOME alone: matplotlib's font cache and the CLI executable's persistent
# compilation cache (subprocess tests) go to a temporary folder of this session, set before either
# is imported or started. Library calls never write the compilation cache themselves.
_TMP = tempfile.mkdtemp(prefix="resilience-jax-tests-")
os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ.setdefault("MPLCONFIGDIR", os.path.join(_TMP, "matplotlib"))
os.environ.setdefault("RESILIENCE_JAX_CACHE_DIR", os.path.join(_TMP, "xla"))

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
