"""The posterior layer against independent references: pyfixest (flat-prior conjugate posterior
means and the Student-t sd from the iid SE), closed forms (the within likelihood by numerical
integration over the province effect), NUTS against the exact conjugate sampler (Monte Carlo
tolerances from ArviZ's MCSE), the Mundlak slope against the within slope, SBC on a correct and
a deliberately wrong model, and the CLI."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import resilience_jax as rj
from resilience_jax.bayes.conjugate import marginal_sd, nig_draws, nig_posterior
from resilience_jax.bayes.design import posterior_design, weight_draws
from resilience_jax.bayes.fit import design_scales, equation_data
from resilience_jax.bayes.models import Params, conditional_slopes, equation_loglik
from resilience_jax.bayes.priors import Prior, scales
from resilience_jax.bayes.sbc import sbc
from resilience_jax.errors import EstimationError, PosteriorWarning

pf = pytest.importorskip("pyfixest")
FLAT = Prior(kind="flat")


@pytest.fixture(scope="module")
def panel():
    return rj.load_panel()


def _pf_fit(df, y, terms, fe):
    return pf.feols(f"{y} ~ {' + '.join(terms)} | {fe}", df, vcov="iid")


@pytest.mark.parametrize("model", ["baseline", "mediation"])
def test_flat_conjugate_posterior_is_the_within_fit(panel, model):
    d, _ = posterior_design(panel, model)
    df = panel.frame.assign(**{d.index: np.asarray(d.outcomes[d.index_equation]).ravel()})
    G, T, _ = d.X.shape
    for (y, X), name, terms in zip(equation_data(d, d.outcomes), d.outcome_names, d.terms):
        post = nig_posterior(y, X, scales(FLAT, y, X, terms), flat=True)
        ref = _pf_fit(df, name, terms, "province")
        np.testing.assert_allclose(np.asarray(post.mean), ref.coef().to_numpy(), rtol=1e-8, atol=1e-12)
        nu = G * (T - 1) - len(terms)
        assert float(2 * post.shape) == nu
        np.testing.assert_allclose(np.asarray(marginal_sd(post)), ref.se().to_numpy() * np.sqrt(nu / (nu - 2)), rtol=1e-8)


def test_flat_conjugate_posterior_on_grunfeld():
    sm = pytest.importorskip("statsmodels.api")
    df = sm.datasets.grunfeld.load_pandas().data.sort_values(["firm", "year"])
    G, T = df["firm"].nunique(), df["year"].nunique()
    X = df[["value", "capital"]].to_numpy().reshape(G, T, 2)
    y = df["invest"].to_numpy().reshape(G, T)
    post = nig_posterior(jnp.asarray(y), jnp.asarray(X), scales(FLAT, y, X, ["value", "capital"]), flat=True)
    ref = pf.feols("invest ~ value + capital | firm", df.assign(firm=df["firm"].astype(str)), vcov="iid")
    np.testing.assert_allclose(np.asarray(post.mean), ref.coef().to_numpy(), rtol=1e-8)
    nu = G * (T - 1) - 2
    np.testing.assert_allclose(np.asarray(marginal_sd(post)), ref.se().to_numpy() * np.sqrt(nu / (nu - 2)), rtol=1e-8)
    # the draws: Student t with nu degrees of freedom (KS against scipy's t)
    beta, _ = nig_draws(jax.random.key(0), post, 20_000)
    se = ref.se().to_numpy()
    for j in range(2):
        z = (np.asarray(beta[:, j]) - ref.coef().to_numpy()[j]) / se[j]
        assert stats.kstest(z, stats.t(nu).cdf).pvalue > 1e-3


def test_within_loglik_is_the_integrated_likelihood():
    """The within log-likelihood of a province = log of the iid normal likelihood integrated over
    the province effect with a flat prior (numerical quadrature)."""
    rng = np.random.default_rng(0)
    T = 5
    X = rng.normal(size=(1, T, 2))
    y = rng.normal(size=(1, T))
    beta, s2 = np.array([0.3, -0.7]), 0.8
    ours = float(equation_loglik(Params(jnp.asarray(beta), jnp.asarray(s2)), jnp.asarray(y), jnp.asarray(X),
                                 effects="within", errors="iid", k0=2)[0])
    r = y[0] - X[0] @ beta
    val, _ = integrate.quad(lambda a: np.prod(stats.norm.pdf(r, a, np.sqrt(s2))), -50, 50, epsabs=0, epsrel=1e-12)
    assert ours == pytest.approx(np.log(val), abs=1e-9)
    # AR(1) with rho = 0 is the iid within likelihood
    ar = float(equation_loglik(Params(jnp.asarray(beta), jnp.asarray(s2), rho=jnp.asarray(0.0)), jnp.asarray(y),
                               jnp.asarray(X), effects="within", errors="ar1", k0=2)[0])
    assert ar == pytest.approx(ours, abs=1e-12)
    # random intercepts: the multivariate normal density of the province's rows
    tau, alpha = 0.6, 0.2
    mr = float(equation_loglik(Params(jnp.asarray(beta), jnp.asarray(s2), alpha=jnp.asarray(alpha), tau=jnp.asarray(tau)),
                               jnp.asarray(y), jnp.asarray(X), effects="random", errors="iid", k0=2)[0])
    cov = s2 * np.eye(T) + tau**2 * np.ones((T, T))
    assert mr == pytest.approx(stats.multivariate_normal(X[0] @ beta + alpha, cov).logpdf(y[0]), abs=1e-10)


def _within_3_mcse(post_nuts, name, exact_mean, exact_sd):
    s = post_nuts.summary().loc[name]
    assert abs(s["mean"] - exact_mean) < 3 * s["mcse_mean"] + 1e-12, (name, s["mean"], exact_mean, s["mcse_mean"])
    assert s["sd"] == pytest.approx(exact_sd, rel=0.05)


def test_nuts_agrees_with_the_conjugate_engine(panel):
    d, _ = posterior_design(panel, "baseline")
    (y, X), = equation_data(d, d.outcomes)
    exact = nig_posterior(y, X, design_scales(d, Prior())[0], flat=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PosteriorWarning)  # no diagnostic fails
        post = rj.posterior(panel, model="baseline", engine="nuts", seed=3)
    m, sd = np.asarray(exact.mean), np.asarray(marginal_sd(exact))
    for j, name in enumerate(d.terms[0][: d.k0]):
        _within_3_mcse(post, name, m[j], sd[j])
    diag = post.diagnostics()
    assert diag["divergences"] == 0 and diag["tree_depth_saturation"] == 0


def test_mediation_nuts_agrees_with_conjugate_draws(panel):
    """Flat priors; a, b against the exact t posteriors, ab against a large conjugate sample."""
    d, _ = posterior_design(panel, "mediation")
    eqs = equation_data(d, d.outcomes)
    scs = design_scales(d, FLAT)
    pm, py = (nig_posterior(y, X, sc, flat=True) for (y, X), sc in zip(eqs, scs))
    post = rj.posterior(panel, engine="nuts", prior="flat", seed=1)
    _within_3_mcse(post, "a", float(pm.mean[0]), float(marginal_sd(pm)[0]))
    _within_3_mcse(post, "b", float(py.mean[1]), float(marginal_sd(py)[1]))
    ref = rj.posterior(panel, engine="conjugate", prior="flat", draws=50_000, seed=2)
    ab = ref.draws("ab")
    _within_3_mcse(post, "ab", ab.mean(), ab.std())


def test_mundlak_slope_is_the_within_slope(panel):
    d, _ = posterior_design(panel, "baseline")
    (y, X), = equation_data(d, d.outcomes)
    within = np.asarray(nig_posterior(y, X, design_scales(d, FLAT)[0], flat=True).mean)
    post = rj.posterior(panel, model="baseline", fixed_effects="mundlak", prior="flat", engine="nuts", seed=0,
                        warmup=500, draws=500)
    s2 = post.draws("sigma") ** 2
    tau2 = post.draws("tau") ** 2
    rb = jax.vmap(lambda a, b: conditional_slopes(y, X, a, b, effects="mundlak", k0=d.k0))(jnp.asarray(s2), jnp.asarray(tau2))
    # the Rao-Blackwellised posterior mean (given the variance draws): the within slope
    np.testing.assert_allclose(np.asarray(rb).mean(axis=0), within, rtol=1e-6, atol=1e-9)
    # the draws themselves: within Monte Carlo error of it
    lnai = post.summary().loc[d.terms[0][0]]
    assert abs(lnai["mean"] - within[0]) < 3 * lnai["mcse_mean"]
    assert "gamma" in post.idata.posterior


def test_random_intercepts_warn_when_mundlak_rejects(panel):
    from resilience_jax.bayes.api import mundlak_test

    d, _ = posterior_design(panel, "baseline")
    p = mundlak_test(panel, d)
    if p >= 0.05:
        pytest.skip("the embedded panel's Mundlak terms are not significant")
    with pytest.warns(PosteriorWarning, match="Mundlak"):
        rj.posterior(panel, model="baseline", fixed_effects="random", warmup=200, draws=200, chains=2)


CHAIN_METHODS = """
import sys, numpy as np, jax
import resilience_jax as rj
from resilience_jax.bayes.design import posterior_design
from resilience_jax.bayes.fit import bound_model, design_scales, model_args
from resilience_jax.bayes.nuts import nuts_chains
from resilience_jax.bayes.priors import Prior
d, _ = posterior_design(rj.load_panel(), "baseline")
scs = design_scales(d, Prior())
mdl = bound_model("baseline", effects="within", errors="iid", prior_kind="nig", k0=d.k0)
args = model_args("baseline", d.X, scs, d.outcomes, effects="within", errors="iid")
np.savez(sys.argv[1], **{f"{m}_{c}_{b}": np.asarray(nuts_chains(jax.random.key(5), mdl, args, chains=c, chain_block=b,
                                                               warmup=150, draws=150, chain_method=m)[0]["beta"])
                         for m in sys.argv[2].split(",") for c, b in ((4, 2), (3, 1))})
"""


def test_same_seed_same_draws_across_chain_methods_and_device_counts(tmp_path):
    """Every chain method runs each block of chains with the same compiled program: the same
    draws, bit for bit, on one device and on four (chains x block: 4 x 2 puts a block on each of
    two devices, 3 x 1 a chain on each of three)."""
    from helpers import run_script

    one = run_script(CHAIN_METHODS.replace("sys.argv[2]", "'vectorized,sequential,parallel'"), tmp_path / "one.npz")
    four = run_script(CHAIN_METHODS.replace("sys.argv[2]", "'parallel'"), tmp_path / "four.npz", JAX_PLATFORMS="cpu",
                      XLA_FLAGS="--xla_force_host_platform_device_count=4")
    for c, b in ((4, 2), (3, 1)):
        ref = one[f"vectorized_{c}_{b}"]
        assert ref.shape == (c, 150, 6) and np.unique(ref[:, -1, 0]).size == c  # c distinct chains
        for got in (one[f"sequential_{c}_{b}"], one[f"parallel_{c}_{b}"], four[f"parallel_{c}_{b}"]):
            np.testing.assert_array_equal(got, ref)


def test_sbc_passes_on_the_model_and_fails_on_a_wrong_one(panel):
    d, _ = posterior_design(panel, "mediation")
    good = sbc(0, d, Prior(), n_sims=400, draws=399)
    assert all(good.passed().values()), good.table()
    # the simulator has AR(1) errors within provinces; the fit assumes iid errors
    bad = sbc(0, d, Prior(), n_sims=200, draws=199, simulator_errors="ar1")
    ok = bad.passed()
    assert not ok["sigma2_Y"] and not ok["loglik"], bad.table()


def test_nuts_sbc_passes_on_the_model(panel):
    # NUTS (the QR parameterisation of the within model), ranks thinned to the effective sample size
    d, _ = posterior_design(panel, "mediation")
    r = sbc(3, d, Prior(), n_sims=100, draws=300, warmup=300, engine="nuts")
    assert all(r.passed().values()), r.table()


def test_bayesian_bootstrap_weights(panel):
    _, arr = posterior_design(panel, "baseline")
    k = jax.random.key(4)
    w5, i5 = weight_draws(k, arr, 5, n_entities=30)
    w3, i3 = weight_draws(k, arr, 3, n_entities=30)
    np.testing.assert_array_equal(np.asarray(w5[:3]), np.asarray(w3))  # draws do not depend on how many
    np.testing.assert_allclose(np.asarray(w5).sum(axis=1), 1.0, rtol=1e-12)
    post = rj.posterior(panel, engine="conjugate", weights="bayesian_bootstrap", n_weight_draws=8, draws=250)
    wv = post.weights_variance()
    ab = post.draws("ab")
    assert wv.loc["ab", "total"] == pytest.approx(ab.var(), rel=1e-10)  # law of total variance
    assert 0 < wv.loc["ab", "share_weights"] < 1
    assert post.idata.posterior["ab"].shape == (4, 8 * 250)


def test_prior_predictive_covers_the_data(panel):
    """The autoscaled prior is weak, not wrong: the observed within-province sd of each outcome lies
    inside the range of 400 prior predictive datasets, whose median is wider than the data (slopes
    and errors together: the rstanarm-style prior is deliberately generous); the flat prior is
    refused."""
    from resilience_jax.bayes.fit import prior_predictive

    for model in ("mediation", "baseline"):
        d, _ = posterior_design(panel, model)
        for name, (sims, obs) in prior_predictive(jax.random.key(0), d, Prior(), n=400).items():
            assert sims.min() < obs < sims.max(), (model, name, sims.min(), obs, sims.max())
            assert np.median(sims) > obs
        with pytest.raises(EstimationError, match="flat prior"):
            prior_predictive(jax.random.key(0), d, FLAT)


def test_bad_options_are_refused(panel):
    for kw, match in ((dict(engine="conjugate", fixed_effects="mundlak"), "conjugate engine"),
                      (dict(errors="ar1", fixed_effects="dummies"), "ar1"),
                      (dict(engine="gibbs"), "engine"), (dict(prior="vague"), "prior"),
                      (dict(model="iv"), "model"), (dict(index="XYZ"), "unknown index")):
        with pytest.raises(EstimationError, match=match):
            rj.posterior(panel, **kw)
    with pytest.raises(EstimationError, match="sigma2_shape"):
        Prior(sigma2_shape=1.0)


def test_inference_data_groups_and_loglik(panel):
    post = rj.posterior(panel, model="baseline", engine="conjugate", draws=50)
    assert {"posterior", "log_likelihood", "observed_data"} <= set(post.idata.groups())
    ll = np.asarray(post.idata.log_likelihood["loglik"].values)  # (chain, draw, province)
    d, _ = posterior_design(panel, "baseline")
    (y, X), = equation_data(d, d.outcomes)
    beta = np.asarray(post.idata.posterior["beta"].values)[1, 7]
    s2 = float(np.asarray(post.idata.posterior["sigma"].values)[1, 7]) ** 2
    r = (np.asarray(y) - np.asarray(X) @ beta)
    g = 4
    # the closed form of the integrated likelihood (checked against quadrature in
    # test_within_loglik_is_the_integrated_likelihood)
    T = r.shape[1]
    rw = r[g] - r[g].mean()
    ref = -(T - 1) / 2 * np.log(2 * np.pi * s2) - 0.5 * np.log(T) - (rw**2).sum() / (2 * s2)
    assert ll[1, 7, g] == pytest.approx(ref, abs=1e-9)


def test_cli_posterior_writes_table_netcdf_and_figures(tmp_path):
    from resilience_jax.cli import main
    from resilience_jax.results.posterior import az

    code = main(["posterior", "--engine", "conjugate", "--draws", "300", "--n-boot", "1000", "--out", str(tmp_path)])
    assert code == 0
    stem = tmp_path / "posterior_mediation_within_REIC"
    for suffix in (".csv", ".md", ".tex", ".nc", "_rank.png", "_indirect.png", "_summary.csv", "_prior_predictive.png"):
        assert (tmp_path / (stem.name + suffix)).is_file(), suffix
    idata = az.from_netcdf(str(stem) + ".nc")
    assert idata.posterior["ab"].shape == (4, 300)
    # the notes are true for the run: its engine, model, draws, seed and bootstrap size, and the
    # table's posterior columns are the draws' median and 95% equal-tailed interval
    note = (tmp_path / (stem.name + ".note.txt")).read_text(encoding="utf-8")
    assert ("Posterior: conjugate, effects within, errors iid, weights fixed, prior nig, 4 chains x 300 draws, seed 0"
            in note and "cluster bootstrap (1000 replicates) BCa" in note and "SYNTHETIC" in note)
    table = pd.read_csv(str(stem) + ".csv", index_col=0)
    ab = idata.posterior["ab"].values.ravel()
    np.testing.assert_allclose(table.loc["a*b (indirect effect)", ["posterior_median", "credible_lower", "credible_upper"]],
                               [np.median(ab), *np.quantile(ab, [0.025, 0.975])], rtol=1e-10)
    summary = pd.read_csv(str(stem) + "_summary.csv", index_col=0)
    assert summary.loc["ab", "mean"] == pytest.approx(ab.mean(), rel=1e-12)
    assert "95% intervals: eti equal-tailed" in (tmp_path / (stem.name + "_summary.note.txt")).read_text(encoding="utf-8")
    from helpers import check_tables_compile

    check_tables_compile(tmp_path)  # its LaTeX tables compile, where pdflatex is installed
    from helpers import assert_one_note

    assert_one_note(tmp_path)  # one note in every format
    assert main(["posterior", "--draws", "300", "--engine", "conjugate", "--fixed-effects", "mundlak",
                 "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())


@pytest.mark.parametrize("shape", [0.3, 2.5, 210.0])
def test_conjugate_gamma_variates_follow_scipy_gamma(shape):
    from resilience_jax.bayes.conjugate import _gamma

    z0 = jax.random.normal(jax.random.key(2), (20000,))
    g = np.asarray(_gamma(jax.random.key(1), jnp.asarray(shape), z0, z0.dtype))
    assert np.isfinite(g).all()
    assert stats.kstest(g, stats.gamma(shape).cdf).pvalue > 1e-3
