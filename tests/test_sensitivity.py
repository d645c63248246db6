"""The public sensitivity API (``rj.sensitivity`` and ``SensitivityResult``) end to end, against
independent references: pyfixest ``feols`` refits (CRV1 by province) on indices rebuilt in NumPy
(min-max pooled or per period, z-score, rank, entropy / equal / sd weights, the weighted
geometric mean of the shifted values) and on data transformed by hand (pandas lags within the
entity, region subsets, NumPy quantiles), and the ANOVA / Sobol estimators recomputed with pandas
and NumPy from the study's own table.

No expected value is computed with the code under test (the weight vectors and choices read back
from a table are inputs of the references, not expected values)."""

import itertools
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import resilience_jax as rj
from resilience_jax.errors import EstimationError

pf = pytest.importorskip("pyfixest")

RTOL = 1e-8
M_IND = 15
TOML = Path(__file__).resolve().parents[1] / "models" / "sensitivity.toml"


# ---------------------------------------------------------------------------------------------
# independent references (NumPy / SciPy / pandas / pyfixest)
# ---------------------------------------------------------------------------------------------

def np_minmax(X, d):
    lo, hi = X.min(axis=0), X.max(axis=0)
    return np.where(d > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))


def np_minmax_per_period(X, d, years):
    Z = np.empty_like(X)
    for t in np.unique(years):
        r = years == t
        Z[r] = np_minmax(X[r], d)
    return Z


def np_zscore(X, d):
    return d * (X - X.mean(axis=0)) / X.std(axis=0)  # population sd


def np_rank(X, d):
    return stats.rankdata(d * X, method="average", axis=0) / X.shape[0]


def np_normalise(X, d, how, years):
    return {"minmax": lambda: np_minmax(X, d), "minmax_per_period": lambda: np_minmax_per_period(X, d, years),
            "zscore": lambda: np_zscore(X, d), "rank": lambda: np_rank(X, d)}[how]()


def np_entropy_weights(X, d):
    """The entropy weight method on the min-max normalised indicators (0 ln 0 = 0)."""
    Z = np_minmax(X, d)
    p = Z / Z.sum(axis=0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(X.shape[0])
    return (1 - e) / (1 - e).sum()


def np_weights(X, d, how):
    if how == "entropy":
        return np_entropy_weights(X, d)
    if how == "equal":
        return np.full(X.shape[1], 1.0 / X.shape[1])
    if how == "sd":
        s = np_minmax(X, d).std(axis=0)
        return s / s.sum()
    raise ValueError(how)


def np_index(Z, w, aggregation):
    """Arithmetic: Z w; geometric: the weighted geometric mean of Z shifted to a minimum of 1."""
    if aggregation == "arithmetic":
        return Z @ w
    S = Z - Z.min(axis=0) + 1.0
    return np.prod(S ** w, axis=1)


def directions_of(panel, which):
    d = np.asarray(panel.spec.index.directions, float).copy()
    if which == "flipped":
        d[list(panel.spec.index.columns).index("foreign_investment")] *= -1
    return d


def hand_frame(panel, y, *, controls, sample="all", variant="none"):
    """The estimation frame built by hand: the index as column Y, the region subset, the lag
    (pandas shift within province, then the rows without it dropped) or winsorising (every
    variable and the index clipped at its 1%/99% NumPy quantiles over the sample's rows)."""
    spec, med = panel.spec, panel.spec.mediation
    d = panel.frame.copy()
    d["Y"] = y
    if variant == "lag_regressor":
        d[med.regressor] = d.groupby(spec.entity)[med.regressor].shift(1)
    if sample != "all":
        d = d[d[spec.entity].map(spec.region_of()) == sample].copy()
    if variant == "lag_regressor":
        d = d.dropna(subset=[med.regressor])
    if variant == "winsorize":
        for v in [med.regressor, *controls, med.mediator, "Y"]:
            x = d[v].to_numpy(float)
            lo, hi = np.quantile(x, [0.01, 0.99])
            d[v] = np.clip(x, lo, hi)
    return d


def reference_targets(panel, y, *, controls, fixed_effects="entity", sample="all", variant="none"):
    """The targets of one specification from three pyfixest fits (CRV1 by province)."""
    spec, med = panel.spec, panel.spec.mediation
    x, m = med.regressor, med.mediator
    d = hand_frame(panel, y, controls=controls, sample=sample, variant=variant)
    rhs = " + ".join([x, *controls])
    fe = spec.entity + (f" + {spec.time}" if fixed_effects == "two_way" else "")
    vc = {"CRV1": spec.entity}
    fc = pf.feols(f"Y ~ {rhs} | {fe}", d, vcov=vc)
    fa = pf.feols(f"{m} ~ {rhs} | {fe}", d, vcov=vc)
    fb = pf.feols(f"Y ~ {rhs} + {m} | {fe}", d, vcov=vc)
    c, a, b, cp = fc.coef()[x], fa.coef()[x], fb.coef()[m], fb.coef()[x]
    se_a, se_b = fa.se()[x], fb.se()[m]
    ab = a * b
    return {"beta": c, "se_beta": fc.se()[x], "p_beta": fc.pvalue()[x], "a": a, "b": b, "c": c, "c_prime": cp,
            "ab": ab, "share": ab / c, "sobel_z": ab / np.sqrt(b**2 * se_a**2 + a**2 * se_b**2)}


def assert_targets(row, ref, keys, rtol=RTOL, what=""):
    """rtol on every target; the p-value also gets atol 1e-15: pyfixest computes it as
    2 * (1 - t.cdf(|t|)), which keeps only ~1e-16 absolute precision far in the tail."""
    got = np.array([float(row[k]) for k in keys])
    exp = np.array([float(ref[k]) for k in keys])
    atol = np.array([1e-15 if k == "p_beta" else 0.0 for k in keys])
    bad = np.abs(got - exp) > atol + rtol * np.abs(exp)
    assert not bad.any(), (f"{what}: " + ", ".join(f"{k}: got {g!r}, expected {e!r}"
                                                   for k, g, e, b in zip(keys, got, exp, bad) if b))


def controls_of(label):
    return () if label == "none" else tuple(label.split("+"))


TARGET_KEYS = ("beta", "se_beta", "p_beta", "a", "b", "c", "c_prime", "ab", "share", "sobel_z")


# ---------------------------------------------------------------------------------------------
# fixtures: one call per study shape
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def panel():
    return rj.load_panel()


@pytest.fixture(scope="module")
def X(panel):
    return np.asarray(panel.indicator_matrix(), float)


@pytest.fixture(scope="module")
def years(panel):
    return panel.frame[panel.spec.time].to_numpy()


@pytest.fixture(scope="module")
def names(panel):
    return [f"w_{c}" for c in panel.spec.index.columns]


@pytest.fixture(scope="module")
def W_user():
    return np.random.default_rng(0).dirichlet(np.ones(M_IND), size=5)


@pytest.fixture(scope="module")
def given(W_user):
    return rj.sensitivity(weights=W_user)


N_DRAWS = 20_000


@pytest.fixture(scope="module")
def drawn():
    return rj.sensitivity(n=N_DRAWS, seed=11)


@pytest.fixture(scope="module")
def multiverse():
    return rj.sensitivity(study="multiverse", n_null=0)


@pytest.fixture(scope="module")
def sobol():
    return rj.sensitivity(study="sobol", n=64, seed=2, n_boot=50)


# ---------------------------------------------------------------------------------------------
# 1. weights study, the user's weights, against pyfixest
# ---------------------------------------------------------------------------------------------

def test_given_weights_columns(given, W_user, names):
    t = given.tidy()
    assert len(t) == W_user.shape[0]
    assert list(t.columns) == [*TARGET_KEYS, "df_beta", *names]
    assert (t["df_beta"] == 29).all()  # t(G - 1): 30 provinces
    np.testing.assert_array_equal(t[names].to_numpy(), W_user)
    assert given.meta["draws"] == "user"


@pytest.mark.parametrize("i", range(5))
def test_given_weights_match_pyfixest(panel, X, given, W_user, i):
    Z = np_minmax(X, directions_of(panel, "paper"))
    ref = reference_targets(panel, Z @ W_user[i], controls=panel.spec.mediation.controls)
    assert_targets(given.tidy().iloc[i], ref, TARGET_KEYS, what=f"row {i}")


def test_weights_base_is_paper_default(panel, X, given):
    """``base``: the default construction (pooled entropy weights, min-max, arithmetic) and the
    paper's model (every control, province effects)."""
    d = directions_of(panel, "paper")
    ref = reference_targets(panel, np_minmax(X, d) @ np_entropy_weights(X, d), controls=panel.spec.mediation.controls)
    assert_targets(given.base, ref, TARGET_KEYS, what="base")


# ---------------------------------------------------------------------------------------------
# 2. weights study, drawn vectors
# ---------------------------------------------------------------------------------------------

def test_drawn_reproducible(drawn):
    again = rj.sensitivity(n=N_DRAWS, seed=11)
    pd.testing.assert_frame_equal(drawn.tidy(), again.tidy(), check_exact=True)
    other = rj.sensitivity(n=N_DRAWS, seed=12)
    assert not np.array_equal(other.tidy()["beta"].to_numpy(), drawn.tidy()["beta"].to_numpy())


def test_drawn_independent_of_chunk_size(drawn, names):
    a = rj.sensitivity(n=21, seed=11)
    b = rj.sensitivity(n=21, seed=11, chunk_size=7)
    for x, y in ((a, b), (a, drawn)):  # chunk 21 vs 7, and vector i depends on i only (not on n)
        tx, ty = x.tidy().iloc[:21], y.tidy().iloc[:21]
        np.testing.assert_allclose(tx[names].to_numpy(), ty[names].to_numpy(), rtol=0, atol=1e-15)
        np.testing.assert_allclose(tx[list(TARGET_KEYS)].to_numpy(), ty[list(TARGET_KEYS)].to_numpy(), rtol=1e-12,
                                   atol=1e-15)


def test_dirichlet_draws_centred(panel, X, drawn, names):
    W = drawn.tidy()[names].to_numpy()
    assert W.shape == (N_DRAWS, M_IND)
    assert (W >= 0).all()
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    w0 = np_entropy_weights(X, directions_of(panel, "paper"))
    np.testing.assert_allclose(np.asarray(rj.entropy_weights(X, panel.spec.index.directions).weights), w0, rtol=1e-10)
    kappa = tomllib.loads(TOML.read_text())["sensitivity"]["concentration"]
    assert kappa == 100.0 and drawn.meta["concentration"] == kappa
    var = w0 * (1 - w0) / (kappa + 1)
    se = np.sqrt(var / N_DRAWS)
    z = (W.mean(axis=0) - w0) / se
    assert np.abs(z).max() < 5, z
    np.testing.assert_allclose(W.var(axis=0, ddof=1), var, rtol=0.10)


def test_uniform_draws(names):
    res = rj.sensitivity(n=N_DRAWS, seed=5, draws="uniform")
    W = res.tidy()[names].to_numpy()
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # Dirichlet(1, ..., 1): mean 1/m, variance (1/m)(1 - 1/m)/(m + 1)
    se = np.sqrt((1 / M_IND) * (1 - 1 / M_IND) / (M_IND + 1) / N_DRAWS)
    assert np.abs(W.mean(axis=0) - 1 / M_IND).max() < 5 * se
    assert res.meta["draws"] == "uniform"


# ---------------------------------------------------------------------------------------------
# 3. errors
# ---------------------------------------------------------------------------------------------

def _ok_weights(v=2):
    return np.full((v, M_IND), 1.0 / M_IND)


def _bad_weights():
    neg = _ok_weights()
    neg[0, :2] = [-0.1, 0.1 + 2 / M_IND]
    off = _ok_weights() * 1.01
    nan = _ok_weights()
    nan[1, 3] = np.nan
    return {"shape_cols": np.full((2, M_IND - 1), 1.0 / (M_IND - 1)), "shape_3d": np.full((2, 2, M_IND), 1.0 / M_IND),
            "negative": neg, "not_summing": off, "nan": nan}


@pytest.mark.parametrize("case", list(_bad_weights()))
def test_bad_weights_raise(case):
    with pytest.raises(EstimationError):
        rj.sensitivity(weights=_bad_weights()[case])


@pytest.mark.parametrize("kwargs", [dict(study="nope"), dict(seed=2**64), dict(seed=1.5), dict(study="sobol", n=100),
                                    dict(n=1.5), dict(n_null=-1, study="multiverse"), dict(concentration=0),
                                    dict(concentration=0.0, n=4)],
                         ids=["study", "seed", "seed_float", "sobol_n", "n_float", "n_null", "concentration",
                              "concentration_float"])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(EstimationError):
        rj.sensitivity(**kwargs)


# ---------------------------------------------------------------------------------------------
# 4. multiverse: the grid and four specifications against pyfixest
# ---------------------------------------------------------------------------------------------

MODEL_FACTORS = ["controls", "fixed_effects", "sample", "variant"]
CONS_FACTORS = ["weighting", "normalisation", "directions", "aggregation"]


def expected_levels(panel):
    s = tomllib.loads(TOML.read_text())["sensitivity"]
    ctl = panel.spec.mediation.controls
    assert s["control_sets"] == "stepwise"
    sets = ["+".join(ctl[:j]) or "none" for j in range(len(ctl), -1, -1)]  # the paper's full set first
    return {"controls": sets, "fixed_effects": s["fixed_effects"], "sample": [r for x in s["samples"] for r in ([g for g, _ in panel.spec.regions] if x == "regions" else [x])], "variant": s["variants"],
            "weighting": s["weighting"], "normalisation": s["normalisation"], "directions": s["directions"],
            "aggregation": s["aggregation"]}


def test_multiverse_grid(panel, multiverse):
    f = multiverse.meta["factors"]
    assert list(f) == MODEL_FACTORS + CONS_FACTORS
    assert {k: list(v) for k, v in f.items()} == expected_levels(panel)
    t = multiverse.tidy()
    n = int(np.prod([len(v) for v in f.values()]))
    assert n == 20_736 and len(t) == n
    grid = pd.DataFrame(list(itertools.product(*f.values())), columns=list(f))
    pd.testing.assert_frame_equal(t[list(f)].reset_index(drop=True), grid)
    # the first row: every factor at its first level, the space's defaults (every control first)
    first = t.iloc[0]
    assert [first[k] for k in f] == [ALL, "entity", "all", "none", "entropy", "minmax", "paper", "arithmetic"]
    assert all(np.isfinite(t[k]).all() for k in TARGET_KEYS)


ALL = "Incomegap+Finance+Open+LnRoad+LnPopulation"
SPECS = {
    "a_defaults": dict(controls=ALL, fixed_effects="entity", sample="all", variant="none", weighting="entropy",
                       normalisation="minmax", directions="paper", aggregation="arithmetic"),
    "b_geometric_twoway_lag": dict(controls="Incomegap+Finance", fixed_effects="two_way", sample="West",
                                   variant="lag_regressor", weighting="equal", normalisation="zscore",
                                   directions="flipped", aggregation="geometric"),
    "c_rank_winsor": dict(controls="none", fixed_effects="entity", sample="East", variant="winsorize",
                          weighting="entropy", normalisation="rank", directions="paper", aggregation="arithmetic"),
    "d_sd_per_period": dict(controls=ALL, fixed_effects="entity", sample="all", variant="none", weighting="sd",
                            normalisation="minmax_per_period", directions="paper", aggregation="arithmetic"),
}


def spec_reference(panel, X, years, s):
    d = directions_of(panel, s["directions"])
    y = np_index(np_normalise(X, d, s["normalisation"], years), np_weights(X, d, s["weighting"]), s["aggregation"])
    return reference_targets(panel, y, controls=controls_of(s["controls"]), fixed_effects=s["fixed_effects"],
                             sample=s["sample"], variant=s["variant"])


def find_row(t, s):
    mask = np.ones(len(t), bool)
    for k, v in s.items():
        mask &= (t[k] == v).to_numpy()
    assert mask.sum() == 1, s
    return t[mask].iloc[0]


@pytest.mark.parametrize("name", list(SPECS))
def test_multiverse_rows_match_pyfixest(panel, X, years, multiverse, name):
    s = SPECS[name]
    row = find_row(multiverse.tidy(), s)
    ref = spec_reference(panel, X, years, s)
    assert_targets(row, ref, TARGET_KEYS, what=name)


def test_multiverse_base_is_paper_default(panel, X, years, multiverse):
    ref = spec_reference(panel, X, years, SPECS["a_defaults"])
    assert_targets(multiverse.base, ref, TARGET_KEYS, what="multiverse base")


# ---------------------------------------------------------------------------------------------
# 5. multiverse ANOVA
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["beta", "ab"])
def test_multiverse_anova(multiverse, target):
    t = multiverse.tidy()
    factors = list(multiverse.meta["factors"])
    V = t[target].var(ddof=0)
    an = multiverse.anova[multiverse.anova["target"] == target].set_index("factor")
    assert sorted(an.index) == sorted(factors)
    for f in factors:
        others = [g for g in factors if g != f]
        first = t.groupby(f)[target].mean().var(ddof=0) / V
        total = t.groupby(others)[target].var(ddof=0).mean() / V
        np.testing.assert_allclose([an.loc[f, "first"], an.loc[f, "total"]], [first, total], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{f} {target}")


# ---------------------------------------------------------------------------------------------
# 6. multiverse inference under the null
# ---------------------------------------------------------------------------------------------

def test_multiverse_null():
    a = rj.sensitivity(study="multiverse", n_null=24, seed=4)
    b = rj.sensitivity(study="multiverse", n_null=24, seed=4, chunk_size=8)
    c = rj.sensitivity(study="multiverse", n_null=24, seed=4, chunk_size=4)
    assert len(a.null) == 24
    assert {"median_beta", "share_significant"} <= set(a.null.columns)
    for k in ("p_median", "p_share"):
        assert 0.0 <= a.null.attrs[k] <= 1.0
    pd.testing.assert_frame_equal(a.null, b.null, check_exact=True)  # same seed (chunk 8 is the default)
    assert a.null.attrs == b.null.attrs
    np.testing.assert_allclose(a.null[["median_beta", "share_significant"]].to_numpy(),
                               c.null[["median_beta", "share_significant"]].to_numpy(), rtol=1e-12, atol=1e-12)
    assert a.null.attrs["observed_median"] == pytest.approx(np.median(a.tidy()["beta"].to_numpy()), rel=1e-12)
    # p-values recomputed from the null table
    med, dom = a.null["median_beta"].to_numpy(), a.null["share_significant"].to_numpy()
    assert a.null.attrs["p_median"] == pytest.approx(np.mean(np.abs(med) >= abs(a.null.attrs["observed_median"])))
    assert a.null.attrs["p_share"] == pytest.approx(np.mean(dom >= a.null.attrs["observed_share"]))


# ---------------------------------------------------------------------------------------------
# 7. Sobol
# ---------------------------------------------------------------------------------------------

def test_sobol_blocks_and_indices(sobol):
    N = 64
    factors = sobol.meta["factors"]
    k = len(factors)
    assert factors[-2:] == ["weights", "dummy"]
    t = sobol.tidy()
    assert len(t) == N * (k + 2)
    blocks = ["A", "B", *[f"AB_{f}" for f in factors]]
    assert t["block"].tolist() == list(np.repeat(blocks, N))
    keys = ["beta", "ab", "share", "sobel_z"]
    fA = t[t["block"] == "A"][keys].to_numpy()
    fB = t[t["block"] == "B"][keys].to_numpy()
    mu = np.concatenate([fA, fB]).mean(axis=0)
    V = np.concatenate([fA, fB]).var(axis=0)
    sob = sobol.sobol.set_index(["factor", "target"])
    for f in factors:
        fAB = t[t["block"] == f"AB_{f}"][keys].to_numpy()
        first = np.mean((fB - mu) * (fAB - fA), axis=0) / V
        total = np.mean((fA - fAB) ** 2, axis=0) / 2 / V
        got_first = [sob.loc[(f, tg), "first"] for tg in keys]
        got_total = [sob.loc[(f, tg), "total"] for tg in keys]
        np.testing.assert_allclose(got_first, first, rtol=1e-10, atol=1e-12, err_msg=f)
        np.testing.assert_allclose(got_total, total, rtol=1e-10, atol=1e-12, err_msg=f)
        if f == "dummy":
            np.testing.assert_allclose(got_first, 0.0, atol=1e-12)
            np.testing.assert_allclose(got_total, 0.0, atol=1e-12)
    # the A block of each cross matrix: the factor's column from B, the others from A
    A = t[t["block"] == "A"].reset_index(drop=True)
    B = t[t["block"] == "B"].reset_index(drop=True)
    for f in ("normalisation", "sample"):
        AB = t[t["block"] == f"AB_{f}"].reset_index(drop=True)
        assert AB[f].tolist() == B[f].tolist()
        others = [g for g in factors[:-2] if g != f]
        pd.testing.assert_frame_equal(AB[others], A[others])


def test_sobol_rows_match_pyfixest(panel, X, years, sobol, names):
    t = sobol.tidy()
    A = t[t["block"] == "A"]
    W = t[names].to_numpy()
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (W >= 0).all()
    # a left-out indicator has weight 0
    for _, r in t[t["leave_one_out"] != "none"].iterrows():
        assert r[f"w_{r['leave_one_out']}"] == 0.0
    # block A's rows with no indicator left out: 64 / 16 = 4 on the balanced Sobol points (with
    # seed 2: zscore + geometric + flipped + winsorize, minmax + geometric + two-way + lag,
    # minmax_per_period + arithmetic + East, rank + arithmetic + flipped + two-way + winsorize);
    # every normalisation and aggregation has a NumPy reference above, the weights are the row's own
    rows = A[A["leave_one_out"] == "none"]
    assert len(rows) == 4
    for _, r in rows.iterrows():
        d = directions_of(panel, r["directions"])
        y = np_index(np_normalise(X, d, r["normalisation"], years), r[names].to_numpy(float), r["aggregation"])
        ref = reference_targets(panel, y, controls=controls_of(r["controls"]), fixed_effects=r["fixed_effects"],
                                sample=r["sample"], variant=r["variant"])
        assert_targets(r, ref, TARGET_KEYS, what=f"sobol row {r.name}")


def test_sobol_base_is_paper_default(panel, X, sobol):
    d = directions_of(panel, "paper")
    ref = reference_targets(panel, np_minmax(X, d) @ np_entropy_weights(X, d), controls=panel.spec.mediation.controls)
    assert_targets(sobol.base, ref, TARGET_KEYS, what="sobol base")


# ---------------------------------------------------------------------------------------------
# 8. summary and verdict
# ---------------------------------------------------------------------------------------------

def _check_summary_verdict(res, rows, default_beta, default_ab):
    s = res.summary()
    beta = rows["beta"].to_numpy()
    assert s.loc["beta", "same_sign"] == pytest.approx(np.mean(np.sign(beta) == np.sign(default_beta)), abs=1e-15)
    assert s.loc["beta", "median"] == pytest.approx(np.median(beta), rel=1e-12)
    assert s.loc["beta", "significant"] == pytest.approx(np.mean(rows["p_beta"].to_numpy() < 0.05), abs=1e-15)
    assert default_ab > 0
    v = res.verdict()
    m = re.match(r"a\*b > 0 in (\d+)% of ", v)
    assert m, v
    assert m.group(1) + "%" == f"{np.mean(rows['ab'].to_numpy() > 0):.0%}"
    return v


def test_summary_verdict_weights(panel, X, drawn):
    d = directions_of(panel, "paper")
    ref = reference_targets(panel, np_minmax(X, d) @ np_entropy_weights(X, d), controls=panel.spec.mediation.controls)
    _check_summary_verdict(drawn, drawn.tidy(), ref["beta"], ref["ab"])


def test_summary_verdict_multiverse(panel, X, years, multiverse):
    ref = spec_reference(panel, X, years, SPECS["a_defaults"])
    v = _check_summary_verdict(multiverse, multiverse.tidy(), ref["beta"], ref["ab"])
    # the factor named: the largest first-order ANOVA index of the Sobel z, recomputed with pandas
    t = multiverse.tidy()
    factors = list(multiverse.meta["factors"])
    first = {f: t.groupby(f)["sobel_z"].mean().var(ddof=0) / t["sobel_z"].var(ddof=0) for f in factors}
    top = max(first, key=first.get)
    assert f"the {top.replace('_', ' ')} explains {first[top]:.0%} of the variance of its Sobel z exactly (ANOVA)" in v


def test_summary_verdict_sobol(panel, X, sobol):
    d = directions_of(panel, "paper")
    ref = reference_targets(panel, np_minmax(X, d) @ np_entropy_weights(X, d), controls=panel.spec.mediation.controls)
    t = sobol.tidy()
    _check_summary_verdict(sobol, t[t["block"].isin(["A", "B"])], ref["beta"], ref["ab"])


def test_same_numbers_on_one_and_four_devices(tmp_path):
    """Weight vectors (drawn from their indices on the devices, as the null resamples are) and Sobol
    design points (placed from the host) sharded over 4 forced host devices equal the 1-device run
    (the same draws; statistics to summation order)."""
    from helpers import run_script

    script = (
        "import sys, numpy as np, jax, resilience_jax as rj\n"
        "assert len(jax.devices()) == 4\n"
        "w = rj.sensitivity(n=300, seed=5, chunk_size=64, devices=4)\n"
        "s = rj.sensitivity(study='sobol', n=32, seed=2, chunk_size=256, devices=4)\n"
        "np.savez(sys.argv[1], w=w.tidy().to_numpy(float),"
        " sobol=s.tidy()[['beta', 'ab', 'share']].to_numpy(float))\n"
    )
    four = run_script(script, tmp_path / "four.npz", XLA_FLAGS="--xla_force_host_platform_device_count=4",
                      JAX_PLATFORMS="cpu")
    w = rj.sensitivity(n=300, seed=5, chunk_size=64, devices=1).tidy().to_numpy(float)
    np.testing.assert_array_equal(four["w"][:, -15:], w[:, -15:])  # the weight vectors themselves
    np.testing.assert_allclose(four["w"], w, rtol=1e-11, atol=1e-13)
    s = rj.sensitivity(study="sobol", n=32, seed=2, chunk_size=256, devices=1).tidy()[["beta", "ab", "share"]]
    np.testing.assert_allclose(four["sobol"], s.to_numpy(float), rtol=1e-11, atol=1e-13)


def test_seeds_over_the_64_bit_range():
    """Seeds as the bootstrap takes them: -2**63 .. 2**64 - 1, read modulo 2**64 (-1 and 2**64 - 1
    are the same key: the same draws)."""
    a = rj.sensitivity(n=8, seed=-1).tidy()
    b = rj.sensitivity(n=8, seed=2**64 - 1).tidy()
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["beta"], rj.sensitivity(n=8, seed=1).tidy()["beta"])


def test_null_resamples_draw_each_samples_entities_with_replacement():
    """Under the null, a region's resample is G_s draws with replacement among its G_s entities:
    multiplicities sum to G_s, vanish outside the region and average 1 inside (multinomial)."""
    import jax

    from resilience_jax.sensitivity.api import _null_multiplicities

    G = 30
    masks = np.zeros((3, G))
    masks[0] = 1.0
    masks[1, :11] = 1.0
    masks[2, 11:19] = 1.0
    draws = np.stack([np.asarray(_null_multiplicities(jax.random.key(3), r, jax.numpy.asarray(masks)))
                      for r in range(400)])  # (R, S, G)
    np.testing.assert_array_equal(draws.sum(axis=2), np.broadcast_to(masks.sum(axis=1), draws.shape[:2]))
    assert (draws[:, masks == 0] == 0).all()
    inside = draws[:, 1, :11]
    # multinomial(11, 1/11): each count has mean 1 and variance 1 - 1/11
    assert abs(inside.mean() - 1) < 4 * np.sqrt((1 - 1 / 11) / inside.size)
    assert abs(inside.var() - (1 - 1 / 11)) < 0.1


def test_bundled_space_takes_the_studys_own_regions(tmp_path):
    """``samples = ["all", "regions"]`` expands to the regions of whatever study spec is given; a
    region name the study lacks is refused, naming the study's regions."""
    import shutil

    from resilience_jax.data.spec import load_spec, models_dir
    from resilience_jax.errors import SpecError
    from resilience_jax.sensitivity.space import load_space

    text = (models_dir() / "paper.toml").read_text(encoding="utf-8")
    for old, new in (("East", "Coast"), ("Central", "Inland"), ("West", "Frontier")):
        text = re.sub(rf"\b{old}\b", new, text)
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    shutil.copy(models_dir() / "index.toml", tmp_path / "index.toml")
    spec = load_spec(tmp_path / "study.toml")
    assert load_space(spec=spec).samples == ("all", "Coast", "Inland", "Frontier")
    (tmp_path / "space.toml").write_text('[sensitivity]\nsamples = ["all", "East"]\n', encoding="utf-8")
    with pytest.raises(SpecError, match="Coast"):
        load_space(tmp_path / "space.toml", spec)


def test_concentration_grid(names):
    """A grid of concentrations: n vectors at each (in order, a concentration column), each block
    Dirichlet(kappa w0) (its variances w0 (1 - w0) / (kappa + 1)), and a summary per value."""
    n = 4000
    res = rj.sensitivity(n=n, concentration=[10, 400], seed=3)
    t = res.tidy()
    assert list(t["concentration"]) == [10.0] * n + [400.0] * n
    w0 = np.array([res.meta["weights0"][c[2:]] for c in names])
    for kappa, block in t.groupby("concentration"):
        W = block[names].to_numpy()
        np.testing.assert_allclose(W.sum(axis=1), 1.0, atol=1e-12)
        # components with a shape of at least 1/2 (a smaller one is so skewed that 4,000 draws do
        # not pin its variance; the sampler itself is checked against scipy's gamma elsewhere)
        big = kappa * w0 >= 0.5
        np.testing.assert_allclose(W.var(axis=0)[big], (w0 * (1 - w0) / (kappa + 1))[big], rtol=0.15)
    s = res.summary()
    assert s.index.names == ["concentration", "target"]
    assert s.loc[(10.0, "beta"), "p95"] - s.loc[(10.0, "beta"), "p5"] > s.loc[(400.0, "beta"), "p95"] - s.loc[(400.0, "beta"), "p5"]
    with pytest.raises(EstimationError):
        rj.sensitivity(study="sobol", n=32, concentration=[1.0, 2.0])


@pytest.mark.parametrize("shape", [0.02, 0.3, 1.0, 6.7])
def test_gamma_rounds_draw_the_gamma_distribution(shape):
    """The batched Marsaglia-Tsang sampler against scipy's gamma (KS, 50,000 draws, fixed key)."""
    import jax

    from resilience_jax.sensitivity.draws import gamma_rounds

    keys = jax.vmap(lambda i: jax.random.fold_in(jax.random.key(3), i))(jax.numpy.arange(50_000))
    g = np.asarray(gamma_rounds(keys, jax.numpy.array([shape])))[:, 0]
    assert stats.kstest(g, stats.gamma(shape).cdf).pvalue > 0.01


@pytest.mark.parametrize("drop", ["profit", "foreign_investment", "unemployment"])
def test_leave_one_out_matches_pyfixest(panel, X, given, drop):
    """Each indicator left out: renormalised (its entropy weight set to 0, the rest rescaled) and
    re-estimated (the entropy method on the other 14) give the same index here, since an entropy
    weight depends on its own indicator only; both equal pyfixest on the index rebuilt in NumPy."""
    cols = list(panel.spec.index.columns)
    d = np.asarray(panel.spec.index.directions, float)
    keep = np.array([c != drop for c in cols])
    w = np.zeros(len(cols))
    w[keep] = np_entropy_weights(X[:, keep], d[keep])
    ref = reference_targets(panel, np_minmax(X, d) @ w, controls=tuple(panel.spec.mediation.controls))
    loo = given.leave_one_out
    assert len(loo) == 2 * len(cols)
    for mode in ("renormalise", "reestimate"):
        row = loo[(loo["left_out"] == drop) & (loo["weights"] == mode)].iloc[0]
        assert_targets(row, ref, TARGET_KEYS, what=f"{drop} {mode}")


def test_a_goalposts_spec_is_the_studys_base(panel, W_user, tmp_path):
    """An index spec with a declared scale (log indicators, goalposts from the panel's range): the
    study's base is that scale (goalposts normalisation, entropy weights on it), and given weight
    vectors are applied to the same normalised values; against pyfixest on the index rebuilt in
    NumPy."""
    from resilience_jax.data.spec import models_dir

    text = (models_dir() / "index.toml").read_text(encoding="utf-8")
    text = text.replace('normalisation = "minmax"', 'normalisation = "goalposts"\ngoalposts_from = "panel"', 1)
    (tmp_path / "index.toml").write_text(text.replace('transform = "none"', 'transform = "log"', 1), encoding="utf-8")
    (tmp_path / "paper.toml").write_text((models_dir() / "paper.toml").read_text(encoding="utf-8"), encoding="utf-8")
    gp = rj.load_panel(spec=tmp_path / "paper.toml")
    res = rj.sensitivity(gp, weights=W_user[:2])
    L = np.log(gp.indicator_matrix())
    d = directions_of(panel, "paper")
    lo, hi = L.min(axis=0), L.max(axis=0)
    Z = np.where(d > 0, (L - lo) / (hi - lo), (hi - L) / (hi - lo))
    p = Z / Z.sum(axis=0)
    e = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=0) / np.log(len(Z))
    w = (1 - e) / (1 - e).sum()
    controls = panel.spec.mediation.controls
    assert_targets(res.base, reference_targets(gp, Z @ w, controls=controls), TARGET_KEYS, what="base")
    for i in range(2):
        assert_targets(res.tidy().iloc[i], reference_targets(gp, Z @ W_user[i], controls=controls), TARGET_KEYS,
                       what=f"row {i}")


def test_accelerator_chunk_sizes_give_the_cpus_numbers(monkeypatch):
    """The chunk sizes an accelerator would use (resilience_jax._backend.tuned's accelerator values,
    capped to the job by capped) on the weights study, the Sobol study, the multiverse's null, the
    wild and the pairs bootstrap: the same numbers as the CPU's sizes (an item depends only on its
    index; statistics to summation order)."""
    import resilience_jax._backend as backend
    from resilience_jax.bootstrap.wild import wild_bootstrap

    def runs():
        return {"weights": rj.sensitivity(n=64, seed=5).tidy().to_numpy(float),
                "sobol": rj.sensitivity(study="sobol", n=4, seed=2).tidy()[["beta", "ab", "share"]].to_numpy(float),
                "null": rj.sensitivity(study="multiverse", n_null=3, seed=1).null.to_numpy(float),
                "wild": np.array([wild_bootstrap(n_boot=99, seed=4).pvalue]),
                "pairs": rj.bootstrap(n_boot=60, seed=3).draws.to_numpy()}

    cpu = runs()
    monkeypatch.setattr(backend, "on_cpu", lambda: False)
    assert backend.tuned(1, 2) == 2 and backend.capped(8192, 99) == 128  # the accelerator's sizes, capped
    acc = runs()
    for name in cpu:
        np.testing.assert_allclose(acc[name], cpu[name], rtol=1e-11, atol=1e-13, err_msg=name)
