"""The staged core's pieces: the equations stage fed with weight vectors (against pyfixest refits),
the one sandwich and its small-sample correction (against closed forms and pyfixest's ssc), and
status flags that name the failing replicate instead of NaN."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj
from resilience_jax import status
from resilience_jax.data.arrays import mediation_arrays
from resilience_jax.errors import EstimationError, FewClustersWarning

pf = pytest.importorskip("pyfixest")
CONTROLS = ["Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]


@pytest.fixture(scope="module")
def panel():
    return rj.load_panel()


def test_equations_stage_with_given_weight_vectors_equals_refits(panel):
    """A (V, m) matrix of weight vectors through the equations stage (no refit) equals pyfixest on
    the index rebuilt in NumPy with each vector (full-sample min-max normalisation)."""
    from resilience_jax.estimators.staged import fit_weights

    arrays, _ = mediation_arrays(panel)
    W = np.random.default_rng(0).dirichlet(np.ones(15), size=3)
    eq = fit_weights(arrays, W, n_entities=30)
    assert (np.asarray(eq.status) == 0).all()
    X = panel.indicator_matrix()
    d = np.asarray(panel.spec.index.directions)
    lo, hi = X.min(axis=0), X.max(axis=0)
    Z = np.where(d > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))
    rhs = " + ".join(CONTROLS)
    v = {"CRV1": "province"}
    for i, w in enumerate(W):
        df = panel.frame.assign(Y=Z @ w)
        c = pf.feols(f"Y ~ LnAI + {rhs} | province", df, vcov=v)
        a = pf.feols(f"Upgra ~ LnAI + {rhs} | province", df, vcov=v)
        b = pf.feols(f"Y ~ LnAI + Upgra + {rhs} | province", df, vcov=v)
        np.testing.assert_allclose([eq.c[i], eq.se_c[i], eq.beta[0, i]], [c.coef()["LnAI"], c.se()["LnAI"], c.coef()["LnAI"]],
                                   rtol=1e-8)
        np.testing.assert_allclose([eq.a[i], eq.se_a[i]], [a.coef()["LnAI"], a.se()["LnAI"]], rtol=1e-8)
        np.testing.assert_allclose([eq.b[i], eq.se_b[i], eq.c_prime[i], eq.se_c_prime[i]],
                                   [b.coef()["Upgra"], b.se()["Upgra"], b.coef()["LnAI"], b.se()["LnAI"]], rtol=1e-8)


def test_sandwich_full_and_diagonal_against_numpy():
    from resilience_jax.inference.vcov import sandwich

    rng = np.random.default_rng(1)
    B = rng.normal(size=(4, 4))
    B = B @ B.T
    S = rng.normal(size=(9, 4))
    c = rng.integers(0, 3, 9).astype(float)
    ref = B @ (S.T * c) @ S @ B
    np.testing.assert_allclose(sandwich(jnp.asarray(B), jnp.asarray(S), 1.5, cluster_weights=jnp.asarray(c)), 1.5 * ref,
                               rtol=1e-12)
    np.testing.assert_allclose(sandwich(jnp.asarray(B[[1, 3]]), jnp.asarray(S), 1.5, cluster_weights=jnp.asarray(c),
                                        diagonal=True), 1.5 * np.diag(ref)[[1, 3]], rtol=1e-12)
    # several equations at once: row i uses equation equations[i] of the stacked scores
    S2 = np.stack([S, 2 * S], axis=2)  # (G, k, 2)
    got = sandwich(jnp.asarray(B[[0, 0]]), jnp.asarray(S2), diagonal=True, equations=(0, 1))
    np.testing.assert_allclose(got, [np.diag(B @ S.T @ S @ B)[0], 4 * np.diag(B @ S.T @ S @ B)[0]],
                               rtol=1e-12)


@pytest.mark.parametrize("k_adj, G_adj, k_fixef", [(False, False, "nonnested"), (True, False, "full"), (False, True, "none")])
def test_small_sample_correction_against_pyfixest(panel, k_adj, G_adj, k_fixef):
    """feols(ssc=SSC(...)) equals pyfixest with the same ssc() (CRV1 and HC1)."""
    from resilience_jax.inference.vcov import SSC

    fml = "Upgra ~ LnAI + Finance + Open | province"
    for vcov in ({"CRV1": "province"}, "HC1"):
        ours = rj.feols(fml, panel.frame, vcov, ssc=SSC(k_adj=k_adj, G_adj=G_adj, k_fixef=k_fixef))
        ref = pf.feols(fml, panel.frame, vcov=vcov if isinstance(vcov, dict) else "hetero",
                       ssc=pf.ssc(k_adj=k_adj, G_adj=G_adj, k_fixef=k_fixef))
        np.testing.assert_allclose(ours.se.to_numpy(), ref.se().to_numpy(), rtol=1e-8, err_msg=str(vcov))


def test_bad_ssc():
    from resilience_jax.inference.vcov import SSC

    with pytest.raises(EstimationError, match="k_fixef must be"):
        SSC(k_fixef="nested")
    with pytest.raises(EstimationError, match="ssc must be"):
        rj.feols("Upgra ~ LnAI", rj.load_panel().frame, ssc={"adj": False})


def _few_provinces_vary(panel, column, n=2):
    """The panel with ``column`` constant except in the first ``n`` provinces."""
    f = panel.frame.copy()
    keep = f["province"].isin(list(dict.fromkeys(f["province"]))[:n])
    f.loc[~keep, column] = f.loc[~keep, column].iloc[0]
    return rj.load_panel(f)


def test_constant_indicator_in_replicates_is_named(panel):
    """An indicator that varies in two provinces only is constant in every replicate that draws
    neither: the bootstrap says so (flag, count, first replicate) instead of returning NaN; with
    one such province the jackknife that leaves it out already fails, and says which province."""
    p = _few_provinces_vary(panel, "profit")
    for path in ("fast", "rows", "general"):
        with pytest.raises(EstimationError, match=r"constant indicator in \d+ of 200 replicates \(first: replicate \d+"):
            rj.bootstrap(p, n_boot=200, seed=0, path=path)


def test_singular_replicates_are_named(panel):
    """A control that varies within one province only is absorbed by the fixed effects in every
    replicate without that province: flagged singular, on every path."""
    p = _few_provinces_vary(panel, "Open")
    for path in ("fast", "rows", "general"):
        with pytest.raises(EstimationError, match=r"singular design in \d+ of 300 replicates \(first: replicate \d+"):
            rj.bootstrap(p, n_boot=300, seed=1, path=path)
    with pytest.raises(EstimationError, match="the jackknife \\(for BCa\\) cannot leave out province 'Beijing': singular design"):
        rj.bootstrap(_few_provinces_vary(panel, "Open", n=1), n_boot=10)


def test_full_sample_problems_are_named_before_any_replicate(panel):
    """Collinear controls on the full sample: the bootstrap names them as reproduce does (it used
    to report 'N of N replicates could not be computed', and compute some on a singular design)."""
    f = panel.frame.assign(Open=2.0 * panel.frame["Finance"])
    with pytest.raises(EstimationError, match="singular design: 'Open' is collinear with"):
        rj.bootstrap(rj.load_panel(f), n_boot=10)


def test_too_few_clusters(panel):
    """Two provinces give 3 distinct resamples: refused, naming the wild bootstrap; below 10 a warning."""
    f = panel.frame
    two = rj.load_panel(f[f["province"].isin(["Beijing", "Tianjin"])])
    with pytest.raises(EstimationError, match=r"2 province\(s\) give only 3 distinct resamples.*rj.wild_bootstrap"):
        rj.bootstrap(two, n_boot=10)
    eight = rj.load_panel(f[f["region"] == "Central"])
    with pytest.warns(FewClustersWarning, match="8 provinces .* unreliable below 10 clusters"):
        rj.bootstrap(eight, n_boot=20)


def test_status_flags_of_the_stages():
    """The index stage flags a constant indicator, the equations stage a singular design."""
    from resilience_jax.estimators.equations import equations_stage
    from resilience_jax.index.stage import index_stage

    lo, hi = jnp.array([0.0, 1.0]), jnp.array([1.0, 1.0])
    st = jax.jit(index_stage)(lo, hi, jnp.array([2.0, 2.0]), jnp.array([0.5, 0.5]), 4.0, jnp.array([0.5, 0.5]),
                     jnp.array([1.0, 1.0]), jnp.ones((1, 2)))
    assert int(st.status) == status.CONSTANT_INDICATOR
    S = jnp.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # two identical regressors
    eq = jax.jit(equations_stage, static_argnums=4)(S, jnp.ones((3, 1)), jnp.stack([S / 2, S / 2]), jnp.ones((2, 3)),
                                                     None, 2.0, 10.0)
    assert int(eq.status) & status.SINGULAR


def test_within_reports_non_convergence():
    """Two-way demeaning on an unbalanced panel needs several sweeps: stopped after one, it says it
    did not converge; run to its tolerance, it says it did."""
    from resilience_jax.estimators.within import within

    rng = np.random.default_rng(0)
    e, t = rng.integers(0, 5, 60), rng.integers(0, 4, 60)
    x = jnp.asarray(rng.normal(size=60))
    args = (x, jnp.ones(60), jnp.asarray(e), jnp.asarray(t), True, True)
    assert not bool(within(*args, n_entities=5, n_periods=4, max_iter=1).converged)
    assert bool(within(*args, n_entities=5, n_periods=4).converged)


def test_feols_refuses_a_demeaning_that_did_not_converge(monkeypatch):
    """feols raises (naming the regression) when the two-way demeaning stops before converging."""
    import resilience_jax.estimators.ols as ols

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"y": rng.normal(size=60), "x": rng.normal(size=60), "f": rng.integers(0, 5, 60),
                       "g": rng.integers(0, 4, 60)})
    original = ols.within
    monkeypatch.setattr(ols, "within", lambda *a, **k: original(*a, **{**k, "max_iter": 1}))
    jax.clear_caches()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FewClustersWarning)
            with pytest.raises(EstimationError, match="did not converge"):
                rj.feols("y ~ x | f + g", df)
    finally:
        monkeypatch.undo()
        jax.clear_caches()
