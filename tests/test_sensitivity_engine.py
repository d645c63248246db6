"""The sensitivity engine (resilience_jax.sensitivity.engine) and the construction builder
(resilience_jax.sensitivity.space) against independent references: pyfixest ``feols`` refits with
CRV1 standard errors clustered by entity on data transformed by hand (pandas lags, NumPy
quantiles, a resampled panel with one new entity per drawn copy), and NumPy/SciPy implementations
of the normalisations, the entropy and CRITIC weights and the weighted geometric mean.

No expected value is computed with the code under test."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import resilience_jax as rj
from resilience_jax.errors import EstimationError, SpecError
from resilience_jax.sensitivity import engine
from resilience_jax.sensitivity.engine import (ModelChoice, basis_moments, model_stack, null_baseline,
                                               rows_stage_jit, weights_stage)
from resilience_jax.sensitivity.space import Builder, Construction, load_space
from resilience_jax.suite import compute_indices

pf = pytest.importorskip("pyfixest")

RTOL = 1e-8
FIELDS = ("c", "se_c", "a", "se_a", "c_prime", "se_c_prime", "b", "se_b")


# ---------------------------------------------------------------------------------------------
# independent references (NumPy / SciPy / pandas / pyfixest)
# ---------------------------------------------------------------------------------------------

def np_minmax(X, d):
    lo, hi = X.min(axis=0), X.max(axis=0)
    return np.where(d > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))


def np_zscore(X, d):
    return d * (X - X.mean(axis=0)) / X.std(axis=0)  # population sd, as the schemes doc says


def np_rank(X, d):
    return stats.rankdata(d * X, method="average", axis=0) / X.shape[0]


def np_entropy(Z):
    """Entropy weights of a non-negative matrix (0 ln 0 = 0)."""
    p = Z / Z.sum(axis=0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(Z.shape[0])
    return (1 - e) / (1 - e).sum()


def np_critic(Z):
    """CRITIC: sd_j * sum_k (1 - r_jk), normalised (the sd's ddof cancels; ddof=1 here)."""
    score = Z.std(axis=0, ddof=1) * (1.0 - np.corrcoef(Z, rowvar=False)).sum(axis=0)
    return score / score.sum()


def flipped_directions(panel, space):
    d = np.asarray(panel.spec.index.directions, float).copy()
    cols = list(panel.spec.index.columns)
    for name in space.ambiguous:
        d[cols.index(name)] *= -1
    return d


def hand_frame(panel, mc, Y):
    """The model's estimation frame built by hand: sample, lag (pandas shift within entity) or
    winsorising (NumPy quantiles over the sample's rows, linear interpolation)."""
    spec, med = panel.spec, panel.spec.mediation
    d = panel.frame.copy()
    ycols = []
    for j in range(Y.shape[1]):
        d[f"Y{j}"] = Y[:, j]
        ycols.append(f"Y{j}")
    if mc.variant == "lag_regressor":
        d[med.regressor] = d.groupby(spec.entity)[med.regressor].shift(1)
    if mc.sample != "all":
        d = d[d[spec.entity].map(spec.region_of()) == mc.sample].copy()
    if mc.variant == "lag_regressor":
        d = d.dropna(subset=[med.regressor])
    if mc.variant == "winsorize":
        for v in [med.regressor, *mc.controls, med.mediator, *ycols]:
            x = d[v].to_numpy(float)
            lo, hi = np.quantile(x, [0.01, 0.99])
            d[v] = np.clip(x, lo, hi)
    return d, ycols


def fe_of(panel, mc, entity=None):
    ent = entity or panel.spec.entity
    return ent + (f" + {panel.spec.time}" if mc.fixed_effects == "two_way" else "")


def fit(fml, data, cluster):
    return pf.feols(fml, data, vcov={"CRV1": cluster})


def reference_equations(panel, mc, Y):
    """(C, 8) the Equations fields from pyfixest refits, in FIELDS order."""
    med = panel.spec.mediation
    x, m = med.regressor, med.mediator
    d, ycols = hand_frame(panel, mc, Y)
    rhs = " + ".join([x, *mc.controls])
    fe = fe_of(panel, mc)
    cl = panel.spec.entity
    fa = fit(f"{m} ~ {rhs} | {fe}", d, cl)
    out = []
    for y in ycols:
        fc = fit(f"{y} ~ {rhs} | {fe}", d, cl)
        fb = fit(f"{y} ~ {rhs} + {m} | {fe}", d, cl)
        out.append([fc.coef()[x], fc.se()[x], fa.coef()[x], fa.se()[x],
                    fb.coef()[x], fb.se()[x], fb.coef()[m], fb.se()[m]])
    return np.array(out)


# ---------------------------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def panel():
    return rj.load_panel()


@pytest.fixture(scope="module")
def space():
    return load_space()


@pytest.fixture(scope="module")
def builder(panel, space):
    return Builder(panel, space)


@pytest.fixture(scope="module")
def indices(panel, builder):
    """(n, 4) index columns: the paper's REIC, zscore + CRITIC with the ambiguous indicator
    flipped, rank + CRITIC aggregated geometrically, and entropy with 'trade' left out
    (re-estimated)."""
    reic = compute_indices(panel)[1]["REIC"]
    cons = [Construction("critic", "zscore", "flipped", "arithmetic"),
            Construction("critic", "rank", "paper", "geometric"),
            Construction("entropy", "minmax", "paper", "arithmetic", drop="trade", drop_mode="reestimate")]
    return np.column_stack([reic] + [builder.build(c)[1] for c in cons])


def _models(ctl):
    return [
        ModelChoice(ctl, "entity", "all", "none"),
        ModelChoice((), "entity", "all", "none"),
        ModelChoice(ctl[:2], "two_way", "East", "none"),
        ModelChoice(ctl[:3], "entity", "Central", "lag_regressor"),
        ModelChoice(ctl, "two_way", "all", "winsorize"),
        ModelChoice((), "entity", "West", "winsorize"),
        ModelChoice(ctl[:1], "two_way", "West", "lag_regressor"),
        ModelChoice((ctl[1], ctl[3]), "two_way", "Central", "winsorize"),
        ModelChoice(ctl, "two_way", "all", "lag_regressor"),
        ModelChoice((ctl[0], ctl[4]), "entity", "East", "winsorize"),
    ]


N_MODELS = 10


@pytest.fixture(scope="module")
def rows_result(panel, indices):
    models = _models(panel.spec.mediation.controls)
    assert len(models) == N_MODELS
    st = model_stack(panel, models)
    eq = rows_stage_jit(st, indices)
    return models, st, eq


# ---------------------------------------------------------------------------------------------
# 1. rows_stage against pyfixest
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("i", range(N_MODELS))
def test_rows_stage_matches_pyfixest(panel, indices, rows_result, i):
    models, st, eq = rows_result
    mc = models[i]
    got = np.stack([np.asarray(getattr(eq, f))[i] for f in FIELDS], axis=1)  # (C, 8)
    assert got.shape == (indices.shape[1], len(FIELDS))
    assert int(np.asarray(eq.status)[i].max()) == 0
    ref = reference_equations(panel, mc, indices)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=0, err_msg=f"model {mc}")


def test_model_stack_counts(panel, rows_result):
    """Clusters, rows and the K adjustment of each model, counted by hand."""
    models, st, _ = rows_result
    G, T = panel.shape
    reg = panel.spec.region_of()
    ents = panel.frame[panel.spec.entity].drop_duplicates().tolist()
    nctl = len(panel.spec.mediation.controls)
    for i, mc in enumerate(models):
        g = G if mc.sample == "all" else sum(reg[e] == mc.sample for e in ents)
        t = T - 1 if mc.variant == "lag_regressor" else T
        k_extra = (t - 1 if mc.fixed_effects == "two_way" else 0) - (nctl - len(mc.controls))
        assert float(st.n_clusters[i]) == g
        assert float(st.nobs[i]) == g * t
        assert float(st.k_extra[i]) == k_extra


# ---------------------------------------------------------------------------------------------
# 2. weights_stage against pyfixest on Z @ w
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mc_index", [0, 1])
def test_weights_stage_matches_pyfixest(panel, mc_index):
    ctl = panel.spec.mediation.controls
    models = [ModelChoice(ctl, "entity", "all", "none"),
              ModelChoice(ctl[:2], "two_way", "West", "lag_regressor")]
    st = model_stack(panel, models)
    Z = np_minmax(panel.indicator_matrix(), np.asarray(panel.spec.index.directions, float))
    W = np.random.default_rng(7).dirichlet(np.full(Z.shape[1], 2.0), size=3)
    eq = weights_stage(basis_moments(st, Z, mc_index), W)
    got = np.stack([np.asarray(getattr(eq, f)) for f in FIELDS], axis=1)  # (V, 8)
    assert int(np.asarray(eq.status).max()) == 0
    ref = reference_equations(panel, models[mc_index], Z @ W.T)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=0)


# ---------------------------------------------------------------------------------------------
# 3. null_baseline against pyfixest on the resampled panel
# ---------------------------------------------------------------------------------------------

def resampled_frame(panel, mc, Y, mult):
    """Each drawn copy of an entity becomes a new entity (its own fixed effect and cluster)."""
    d, ycols = hand_frame(panel, mc._replace(sample="all"), Y)
    ent = panel.spec.entity
    names = panel.frame[ent].drop_duplicates().tolist()
    parts = []
    for g, c in enumerate(mult):
        rows = d[d[ent] == names[g]]
        for j in range(int(c)):
            p = rows.copy()
            p["copy_id"] = f"{names[g]}#{j}"
            parts.append(p)
    return pd.concat(parts, ignore_index=True), ycols


@pytest.mark.parametrize("case", ["all", "East_lag"])
def test_null_baseline_matches_resampled_pyfixest(panel, indices, case):
    ctl = panel.spec.mediation.controls
    G, T = panel.shape
    rng = np.random.default_rng(1)
    reg = panel.spec.region_of()
    names = panel.frame[panel.spec.entity].drop_duplicates().tolist()
    if case == "all":
        mc = ModelChoice(ctl[:3], "entity", "all", "none")
        mult = rng.multinomial(G, np.full(G, 1.0 / G))
    else:
        mc = ModelChoice(ctl, "entity", "East", "lag_regressor")
        east = np.array([reg[e] == "East" for e in names])
        mult = np.zeros(G, int)
        mult[east] = rng.multinomial(east.sum(), np.full(east.sum(), 1.0 / east.sum()))
    assert (mult > 1).any() and (mult == 0).any()  # a genuine resample
    st = model_stack(panel, [mc])
    Y = indices[:, :2]
    g_oy = engine._index_moments(np.asarray(Y).reshape(G, T, -1), st.O[0], st.R[0], st.two_way[0], st.winsor[0])
    rows_per_entity = np.asarray(st.R[0]).sum(axis=1)
    beta, t, flag = null_baseline(st.S_oo[0], st.g_oo[0], g_oy, mult.astype(float), float(mult.sum()),
                                  float((mult * rows_per_entity).sum()), st.k_extra[0])
    assert int(np.asarray(flag).max()) == 0

    d, ycols = resampled_frame(panel, mc, Y, mult)
    x = panel.spec.mediation.regressor
    rhs = " + ".join([x, *mc.controls])
    ref_b, ref_t = [], []
    for y in ycols:
        f = fit(f"{y} ~ {rhs} | copy_id", d, "copy_id")
        ref_b.append(f.coef()[x])
        ref_t.append(f.coef()[x] / f.se()[x])
    np.testing.assert_allclose(np.asarray(beta), ref_b, rtol=RTOL, atol=0)
    np.testing.assert_allclose(np.asarray(t), ref_t, rtol=RTOL, atol=0)


# ---------------------------------------------------------------------------------------------
# 4. Builder weights and indices against NumPy / SciPy
# ---------------------------------------------------------------------------------------------

def test_builder_entropy_pooled(panel, builder):
    X, d = panel.indicator_matrix(), np.asarray(panel.spec.index.directions, float)
    w, y = builder.build(Construction())
    np.testing.assert_allclose(w, np.asarray(rj.entropy_weights(X, d).weights), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(w, np_entropy(np_minmax(X, d)), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(y, np_minmax(X, d) @ np_entropy(np_minmax(X, d)), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("weighting", ["entropy", "critic"])
@pytest.mark.parametrize("drop", ["profit", "trade", "unemployment"])
def test_builder_leave_one_out_renormalise(panel, builder, weighting, drop):
    X, d = panel.indicator_matrix(), np.asarray(panel.spec.index.directions, float)
    Z = np_minmax(X, d)
    full = {"entropy": np_entropy, "critic": np_critic}[weighting](Z)
    j = list(panel.spec.index.columns).index(drop)
    expected = full.copy()
    expected[j] = 0.0
    expected /= expected.sum()
    w, y = builder.build(Construction(weighting, drop=drop, drop_mode="renormalise"))
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-15)
    assert w[j] == 0.0
    np.testing.assert_allclose(y, Z @ expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("weighting", ["entropy", "critic"])
@pytest.mark.parametrize("drop", ["profit", "trade", "engel"])
def test_builder_leave_one_out_reestimate(panel, builder, weighting, drop):
    X, d = panel.indicator_matrix(), np.asarray(panel.spec.index.directions, float)
    j = list(panel.spec.index.columns).index(drop)
    keep = np.arange(X.shape[1]) != j
    reduced = np_minmax(X[:, keep], d[keep])  # the reduced matrix normalised on its own
    expected = np.zeros(X.shape[1])
    expected[keep] = {"entropy": np_entropy, "critic": np_critic}[weighting](reduced)
    w, y = builder.build(Construction(weighting, drop=drop, drop_mode="reestimate"))
    np.testing.assert_allclose(w, expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(y, reduced @ expected[keep], rtol=1e-10, atol=1e-14)


def test_builder_zscore_critic_flipped(panel, space, builder):
    X = panel.indicator_matrix()
    d = flipped_directions(panel, space)
    assert not np.array_equal(d, np.asarray(panel.spec.index.directions, float))
    w_expected = np_critic(np_minmax(X, d))
    w, y = builder.build(Construction("critic", "zscore", "flipped", "arithmetic"))
    np.testing.assert_allclose(w, w_expected, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(y, np_zscore(X, d) @ w_expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("normalisation,weighting", [("rank", "critic"), ("minmax", "entropy"), ("zscore", "equal")])
def test_builder_geometric_is_scipy_gmean(panel, builder, normalisation, weighting):
    X, d = panel.indicator_matrix(), np.asarray(panel.spec.index.directions, float)
    Z = {"rank": np_rank, "minmax": np_minmax, "zscore": np_zscore}[normalisation](X, d)
    w_expected = {"critic": lambda: np_critic(np_minmax(X, d)), "entropy": lambda: np_entropy(np_minmax(X, d)),
                  "equal": lambda: np.full(X.shape[1], 1.0 / X.shape[1])}[weighting]()
    w, y = builder.build(Construction(weighting, normalisation, "paper", "geometric"))
    np.testing.assert_allclose(w, w_expected, rtol=1e-10, atol=1e-15)
    Zshift = Z - Z.min(axis=0) + 1.0
    np.testing.assert_allclose(y, stats.gmean(Zshift, weights=w_expected, axis=1), rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# 5. errors
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mc", [
    ModelChoice((), "entity", "North", "none"),
    ModelChoice(("GDP",), "entity", "all", "none"),
    ModelChoice((), "entity", "all", "nope"),
    ModelChoice((), "time", "all", "none"),
])
def test_model_stack_errors(panel, mc):
    with pytest.raises(EstimationError):
        model_stack(panel, [mc])


def test_basis_moments_rejects_winsorised_model(panel):
    st = model_stack(panel, [ModelChoice((), "entity", "all", "winsorize")])
    with pytest.raises(EstimationError):
        basis_moments(st, np.ones((420, 15)), 0)


def test_builder_unknown_drop(builder):
    with pytest.raises(EstimationError):
        builder.build(Construction(drop="nope"))


def test_load_space_unknown_weighting(tmp_path):
    p = tmp_path / "space.toml"
    p.write_text('[sensitivity]\nweighting = ["nope"]\n')
    with pytest.raises(SpecError, match="nope"):
        load_space(p)
