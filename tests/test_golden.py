"""Every bootstrap path, both schemes: the statistics equal the golden draws made by
``scripts/make_bootstrap_golden.py`` with the engine before the staged-core refactor (1e-10)."""

from pathlib import Path

import numpy as np
import pytest

import resilience_jax as rj

GOLDEN = Path(__file__).resolve().parent / "data" / "bootstrap_golden.npz"


def _cases():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_bootstrap_golden", GOLDEN.parents[2] / "scripts" / "make_bootstrap_golden.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.CASES


CASES = _cases()


@pytest.fixture(scope="module")
def gold():
    return np.load(GOLDEN)


@pytest.fixture(scope="module")
def panel():
    return rj.load_panel()


@pytest.mark.parametrize("case", sorted(CASES))
def test_bootstrap_equals_golden_draws(gold, panel, case):
    res = rj.bootstrap(panel, **CASES[case])
    cols = gold[f"{case}/columns"].tolist()
    assert list(res.draws.columns) == cols
    # cluster multiplicities are integers (exact); Dirichlet weights are floats (gamma draws)
    np.testing.assert_allclose(res.multiplicities, gold[f"{case}/mult"], rtol=1e-13, atol=0)
    for got, key in ((res.draws[cols].to_numpy(), "draws"), (res.estimate[cols].to_numpy(), "estimate"),
                     (res.jackknife[cols].to_numpy(), "jackknife")):
        np.testing.assert_allclose(got, gold[f"{case}/{key}"], rtol=1e-10, atol=1e-12, err_msg=f"{case} {key}")
