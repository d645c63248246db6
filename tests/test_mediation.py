"""Mediation: the three equations against pyfixest, Sobel/Aroian/Goodman against their closed forms,
the Monte Carlo interval against a NumPy Monte Carlo."""

import math

import numpy as np
import pytest
import scipy.stats

from resilience_jax.api import mediation
from resilience_jax.errors import EstimationError
from resilience_jax.inference.significance import sobel

pf = pytest.importorskip("pyfixest")
CONTROLS = ["Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]


@pytest.fixture(scope="module")
def df():
    from resilience_jax.data import load_panel
    from resilience_jax.suite import compute_indices

    panel = load_panel()
    _, idx = compute_indices(panel)
    return panel.frame.assign(**idx)


def closed_form(a, sa, b, sb):
    ab = a * b
    z = ab / math.sqrt(b * b * sa * sa + a * a * sb * sb)
    za = ab / math.sqrt(b * b * sa * sa + a * a * sb * sb + sa * sa * sb * sb)
    zg = ab / math.sqrt(b * b * sa * sa + a * a * sb * sb - sa * sa * sb * sb)
    p = lambda v: 2 * scipy.stats.norm.sf(abs(v))  # noqa: E731
    return z, p(z), za, p(za), zg, p(zg)


@pytest.mark.parametrize("a, sa, b, sb", [(0.409, 0.167, 0.093, 0.006), (-1.2, 0.4, 0.3, 0.25), (0.05, 0.2, 2.0, 1.5)])
def test_sobel_aroian_goodman_closed_forms(a, sa, b, sb):
    t = sobel(a, sa, b, sb)
    got = (t.z, t.p, t.aroian_z, t.aroian_p, t.goodman_z, t.goodman_p)
    np.testing.assert_allclose(np.array(got, dtype=float), closed_form(a, sa, b, sb), rtol=1e-12)


def test_sobel_reproduces_paper_table9_up_to_rounding():
    # Table 9 prints a = 0.409 (0.167), b = 0.093 (0.006) and Z = 2.426; from the rounded inputs
    # the statistic is 2.42, so agreement is to the rounding of the printed numbers.
    assert float(sobel(0.409, 0.167, 0.093, 0.006).z) == pytest.approx(2.426, abs=0.01)


def test_goodman_undefined_is_flagged():
    t = sobel(0.01, 1.0, 0.01, 1.0)  # b^2 sa^2 + a^2 sb^2 < sa^2 sb^2
    assert not bool(t.goodman_defined) and math.isnan(float(t.goodman_z))
    assert math.isfinite(float(t.z)) and math.isfinite(float(t.aroian_z))


def test_sobel_rejects_bad_numbers():
    with pytest.raises(EstimationError, match="standard errors must be positive"):
        sobel(0.4, 0.0, 0.1, 0.01)
    with pytest.raises(EstimationError, match="must be finite"):
        sobel(float("nan"), 0.1, 0.1, 0.01)


@pytest.mark.parametrize("fe, vcov", [((), {"CRV1": "province"}), (("province",), {"CRV1": "province"}), (("province",), "iid")])
def test_three_equations_match_pyfixest(df, fe, vcov):
    res = mediation(df, "REIC", "LnAI", "Upgra", CONTROLS, fixed_effects=fe, vcov=vcov)
    rhs = " + ".join(CONTROLS)
    tail = " | province" if fe else ""
    total = pf.feols(f"REIC ~ LnAI + {rhs}{tail}", df, vcov=vcov)
    apath = pf.feols(f"Upgra ~ LnAI + {rhs}{tail}", df, vcov=vcov)
    bpath = pf.feols(f"REIC ~ LnAI + Upgra + {rhs}{tail}", df, vcov=vcov)
    e = res.effects
    np.testing.assert_allclose([e.c, e.se_c], [total.coef()["LnAI"], total.se()["LnAI"]], rtol=1e-8)
    np.testing.assert_allclose([e.a, e.se_a], [apath.coef()["LnAI"], apath.se()["LnAI"]], rtol=1e-8)
    np.testing.assert_allclose([e.b, e.se_b], [bpath.coef()["Upgra"], bpath.se()["Upgra"]], rtol=1e-8)
    np.testing.assert_allclose([e.c_prime, e.se_c_prime], [bpath.coef()["LnAI"], bpath.se()["LnAI"]], rtol=1e-8)
    assert e.ab == pytest.approx(e.a * e.b, rel=1e-14)
    assert e.share == pytest.approx(e.a * e.b / e.c, rel=1e-14)
    z, p, za, pa, _, _ = closed_form(e.a, e.se_a, e.b, e.se_b)
    assert e.tests.z == pytest.approx(z, rel=1e-12) and e.tests.aroian_p == pytest.approx(pa, rel=1e-10)
    assert res.joint_p == pytest.approx(max(apath.pvalue()["LnAI"], bpath.pvalue()["Upgra"]), rel=1e-8)
    if not fe:  # without fixed effects the b-path decomposition is exact: c = c' + a b (OLS identity)
        assert e.c == pytest.approx(e.c_prime + e.a * e.b, rel=1e-10)


def test_monte_carlo_interval_against_numpy(df):
    res = mediation(df, "REIC", "LnAI", "Upgra", CONTROLS, fixed_effects=("province",), vcov={"CRV1": "province"}, n_mc=200_000)
    e = res.effects
    rng = np.random.default_rng(1)
    draws = rng.normal(e.a, e.se_a, 2_000_000) * rng.normal(e.b, e.se_b, 2_000_000)
    lo, hi = np.quantile(draws, [0.025, 0.975])
    # Monte Carlo error of a 2.5% quantile with 2e5 draws is well under 2% of the interval width
    width = hi - lo
    assert abs(res.mc_ci[0] - lo) < 0.02 * width and abs(res.mc_ci[1] - hi) < 0.02 * width
    again = mediation(df, "REIC", "LnAI", "Upgra", CONTROLS, fixed_effects=("province",), vcov={"CRV1": "province"}, n_mc=200_000)
    assert again.mc_ci == res.mc_ci  # same seed, same interval


def test_mediation_results_object(df):
    res = mediation(df, "REIC", "LnAI", "Upgra", CONTROLS, vcov="HC1")
    tidy = res.tidy()
    assert list(tidy.index) == ["c (total effect)", "a (X -> M)", "b (M -> Y | X)", "c' (direct effect)",
                                "a*b (indirect effect)", "share a*b/c"]
    assert "Monte Carlo 95% interval" in str(res)
    with pytest.raises(EstimationError, match="seed must be an integer"):
        mediation(df, "REIC", "LnAI", "Upgra", seed=1.5)


@pytest.mark.parametrize("fe", [True, False])
@pytest.mark.parametrize("index", ["REIC", "REICD", "REICC"])
def test_staged_single_fit_equals_api(df, spec, fe, index):
    """The staged core's single fit (index stage, then the equations stage from per-entity cross
    products) equals three ordinary regressions of the step-by-step API, by name."""
    import resilience_jax as rj
    from resilience_jax.data.arrays import mediation_arrays
    from resilience_jax.estimators.staged import fit_rows_jit

    arrays, layout = mediation_arrays(rj.load_panel(), index)
    st = fit_rows_jit(arrays, n_entities=30, fixed_effects=fe)
    assert int(st.status) == 0
    ref = mediation(df, index, "LnAI", "Upgra", CONTROLS, fixed_effects=("province",) if fe else (),
                    vcov={"CRV1": "province"}).effects
    for name in ("a", "se_a", "b", "se_b", "c", "se_c", "c_prime", "se_c_prime", "ab", "share"):
        assert float(getattr(st, name)) == pytest.approx(getattr(ref, name), rel=1e-9), name
    assert float(st.sobel_z) == pytest.approx(ref.tests.z, rel=1e-9)
    np.testing.assert_allclose(st.mean, [df[s].mean() for s in layout.symbols], rtol=1e-10)

@pytest.mark.parametrize("args, msg", [
    (("REIC", "LnAI", "REIC"), "the outcome and the mediator are the same variable 'REIC'"),
    (("REIC", "Upgra", "Upgra"), "the regressor and the mediator are the same variable 'Upgra'"),
    (("LnAI", "LnAI", "Upgra"), "the outcome and the regressor are the same variable 'LnAI'"),
])
def test_identical_roles_are_refused(df, args, msg):
    """Mediator = outcome used to report b = 1, 100% mediated, Sobel z 7.5."""
    with pytest.raises(EstimationError, match=msg):
        mediation(df, *args, CONTROLS)


def test_one_name_as_a_string(df):
    """controls="Finance" and fixed_effects="province" are one name each (not split into letters)."""
    one = mediation(df, "REIC", "LnAI", "Upgra", "Finance", fixed_effects="province", vcov={"CRV1": "province"})
    ref = mediation(df, "REIC", "LnAI", "Upgra", ["Finance"], fixed_effects=["province"], vcov={"CRV1": "province"})
    assert one.effects == ref.effects and one.total.fixed_effects == ("province",)
    with pytest.raises(EstimationError, match="'Upgra' is both a control and the mediator"):
        mediation(df, "REIC", "LnAI", "Upgra", ["Finance", "Upgra"])
