"""The embedded synthetic panel: determinism, regeneration (to 1e-12 on any x86-64 CPU), Table 2 calibration."""

import importlib.util
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest
import scipy.stats

from helpers import numpy_entropy
from resilience_jax.datasets import PAPER_PANEL_SEED, paper_panel, paper_panel_truth
from resilience_jax.datasets.simulate import SimParams, simulate_panel
from resilience_jax.errors import ResilienceError

ROOT = Path(__file__).resolve().parent.parent

# Paper Table 2 (mean, sd), transcribed from the paper.
TABLE2 = {
    "LnAI": (2.059, 0.201),
    "Upgra": (0.365, 0.697),
    "Incomegap": (0.852, 0.160),
    "Finance": (3.447, 1.103),
    "Open": (0.275, 0.286),
    "LnRoad": (11.630, 0.837),
    "LnPopulation": (5.464, 1.286),
}


def test_shipped_panel_regenerates_to_1e_12():
    """A fresh run of the generator equals the shipped CSV: labels exactly, numbers to a relative
    1e-12 (XLA's exp/log differ in the last bits between AVX2 and AVX-512; see the script)."""
    fresh = simulate_panel(jax.random.key(PAPER_PANEL_SEED)).data
    shipped = paper_panel()
    pd.testing.assert_frame_equal(fresh, shipped, check_exact=False, rtol=1e-12, atol=0, check_dtype=False)
    truth = paper_panel_truth()
    assert truth["seed"] == PAPER_PANEL_SEED and truth["synthetic"] is True
    assert truth["params"] == SimParams().__dict__


def test_regeneration_script_check_mode(monkeypatch):
    spec = importlib.util.spec_from_file_location("make_paper_panel", ROOT / "scripts" / "make_paper_panel.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr("sys.argv", ["make_paper_panel.py", "--check"])
    assert mod.main() == 0
    # the comparison catches a real change: one cell moved by 1e-9 relative, one label swapped
    shipped = paper_panel()
    moved = shipped.copy()
    moved.loc[5, "profit"] *= 1 + 1e-9
    assert mod.differences(moved, shipped) == [f"profit: max relative difference {1e-9:.2e}"]
    relabelled = shipped.copy()
    relabelled.loc[0, "region"] = "West"
    assert mod.differences(relabelled, shipped) == ["region: labels differ"]
    assert mod.differences(shipped, shipped) == []


def test_same_key_same_data_different_key_different_data():
    a = simulate_panel(jax.random.key(7), n_provinces=12, years=(2015, 2020)).data
    b = simulate_panel(jax.random.key(7), n_provinces=12, years=(2015, 2020)).data
    c = simulate_panel(jax.random.key(8), n_provinces=12, years=(2015, 2020)).data
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    num = a.select_dtypes("number").columns.drop("year")
    assert (a[num].to_numpy() != c[num].to_numpy()).mean() > 0.95


def test_shape_names_and_regions(spec):
    df = paper_panel()
    assert df.shape[0] == 420 and df.groupby("province").size().eq(14).all()
    assert list(df.columns[:3]) == ["province", "year", "region"]
    for col in (*spec.index.columns, *spec.variable_names):
        assert col in df.columns
    assert df.drop_duplicates("province").groupby("region").size().to_dict() == {"East": 11, "Central": 8, "West": 11}
    assert set(df.province) == {p for _, ps in spec.regions for p in ps}
    # the generator's own province table (it imports nothing from the data layer) agrees with the spec
    from resilience_jax.datasets.simulate import PROVINCES

    assert {p: r for r, ps in PROVINCES.items() for p in ps} == spec.region_of()


def test_indicators_plausible_units_and_skew():
    df = paper_panel()
    assert df["market_share"].groupby(df.year).sum().sub(100).abs().max() < 1e-9  # shares of the national total
    for col in ("urbanization", "engel", "unemployment", "rd_intensity"):
        assert df[col].between(0, 100).all()
    assert df["new_product_share"].between(0, 1).all()
    for col in ("rd_institutions", "invention_patents"):
        assert (df[col] == np.round(df[col])).all()
    # a few provinces dominate profit, R&D and patents: the top 5 of 30 hold over 40% of the total
    for col in ("profit", "rd_expenditure", "invention_patents"):
        share = df.groupby("province")[col].sum().sort_values(ascending=False)
        assert share.iloc[:5].sum() / share.sum() > 0.4, col


@pytest.mark.parametrize("var", sorted(TABLE2))
def test_table2_calibration_within_10_percent(var):
    x = paper_panel()[var]
    mean, sd = TABLE2[var]
    assert x.mean() == pytest.approx(mean, rel=0.10)
    assert x.std(ddof=1) == pytest.approx(sd, rel=0.10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibration_holds_for_other_keys(seed):
    df = simulate_panel(jax.random.key(seed)).data
    for var, (mean, sd) in TABLE2.items():
        assert df[var].mean() == pytest.approx(mean, rel=0.10), var
        assert df[var].std(ddof=1) == pytest.approx(sd, rel=0.10), var


def test_entropy_index_is_right_skewed_like_table2(spec):
    df = paper_panel()
    _, _, reic, _ = numpy_entropy(df[list(spec.index.columns)].to_numpy(), spec.index.directions)
    # Table 2: REIC mean 0.086 > median 0.048, sd 0.111, in [0.014, 0.841]
    assert reic.mean() > 1.3 * np.median(reic)
    assert scipy.stats.skew(reic) > 1.0
    assert 0.04 < reic.mean() < 0.2


def test_dgp_directions_ai_raises_upgrading_and_resilience():
    """Within-province OLS slopes have the signs of the data-generating process."""
    df = paper_panel()
    dm = df.groupby("province")[["LnAI", "Upgra", "profit", "engel"]].transform(lambda s: s - s.mean())
    slope = lambda y, x: (dm[x] * dm[y]).sum() / (dm[x] ** 2).sum()  # noqa: E731
    assert slope("Upgra", "LnAI") > 0
    assert slope("profit", "LnAI") > 0
    assert slope("engel", "LnAI") < 0


def test_bad_generator_arguments():
    with pytest.raises(ResilienceError, match="key must be a JAX PRNG key"):
        simulate_panel(0)
    with pytest.raises(ResilienceError, match="n_provinces must be at least 3"):
        simulate_panel(jax.random.key(0), n_provinces=2)
    with pytest.raises(ResilienceError, match="years must be"):
        simulate_panel(jax.random.key(0), years=(2020, 2010))


def test_subpackages_are_attributes_after_a_plain_import():
    """`import resilience_jax as rj; rj.datasets.paper_panel()` raised AttributeError until another
    call had imported the subpackage (a fresh interpreter, so nothing is imported before)."""
    import subprocess
    import sys

    code = ("import resilience_jax as rj\n"
            "assert rj.datasets.paper_panel().shape == (420, 26)\n"
            "assert issubclass(rj.errors.DataError, rj.errors.ResilienceError)\n"
            "assert rj.status.names(rj.status.SINGULAR) == ['singular design']\n"
            "assert callable(rj.bootstrap) and callable(rj.wild_bootstrap)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
