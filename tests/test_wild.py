"""Wild cluster bootstrap (WCR): against an independent full enumeration written here with explicit
refits, and against the wildboottest package; determinism; bad input."""

import warnings

import numpy as np
import pandas as pd
import pytest

from resilience_jax.bootstrap.wild import wild_bootstrap
from resilience_jax.data import load_panel
from resilience_jax.errors import EstimationError
from resilience_jax.suite import compute_indices

REGS = ["LnAI", "Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]


@pytest.fixture(scope="module")
def panel():
    return load_panel()


@pytest.fixture(scope="module")
def central(panel):
    _, idx = compute_indices(panel)
    d = panel.frame.assign(**idx)
    return d[d["region"] == "Central"].reset_index(drop=True)


def crv1_t(y, X, groups):
    """OLS with entity dummies (LSDV) and CRV1 t of the first regressor: plain NumPy."""
    D = pd.get_dummies(groups, dtype=float).to_numpy()
    Z = np.column_stack([X, D])
    bread = np.linalg.pinv(Z.T @ Z)
    b = bread @ Z.T @ y
    u = y - Z @ b
    S = np.array([Z[groups == g].T @ u[groups == g] for g in np.unique(groups)])
    V = bread @ S.T @ S @ bread
    return b[0] / np.sqrt(V[0, 0])


def wildboottest_run(wbt, X, y, groups, R):
    """The wildboottest package's WCR (type 11, Rademacher, all sign vectors for G <= 8 at B = 2^8 + 1):
    its object after the t statistics, and whether it enumerated."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = wbt.WildboottestCL(X=X, Y=y, cluster=pd.factorize(groups)[0], R=R, B=2**8 + 1, seed=1, parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=True, adj=True, cluster_adj=True)
        _, _, enumerated = boot.get_weights(weights_type="rademacher")
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
    return boot, enumerated


def test_full_enumeration_equals_independent_refits(panel, central):
    res = wild_bootstrap(panel, region="Central")
    assert res.enumerated and res.n_boot == 2**8 and res.n_clusters == 8
    y, X, g = central["REIC"].to_numpy(), central[REGS].to_numpy(), central["province"].to_numpy()
    # restricted model (H0: LnAI = 0), then y* = fitted + v_g * residual for every sign vector
    D = pd.get_dummies(g, dtype=float).to_numpy()
    Zr = np.column_stack([X[:, 1:], D])
    fit_r = Zr @ np.linalg.lstsq(Zr, y, rcond=None)[0]
    u_r = y - fit_r
    levels = np.unique(g)
    t_obs = crv1_t(y, X, g)
    t_boot = []
    for signs in np.array(np.meshgrid(*[[1.0, -1.0]] * 8)).T.reshape(-1, 8):
        v = dict(zip(levels, signs))
        t_boot.append(crv1_t(fit_r + np.array([v[x] for x in g]) * u_r, X, g))
    t_boot = np.array(t_boot)
    # the t statistics differ from ours only by the common CRV1 small-sample factor
    np.testing.assert_allclose(np.sort(np.abs(res.t_boot)) / abs(res.t), np.sort(np.abs(t_boot)) / abs(t_obs), rtol=1e-8)
    # randomization-test convention: draws at least as extreme count, ties judged to 1e-9 relative
    # (the all +1 and all -1 sign vectors reproduce |t| exactly)
    assert np.sum(np.isclose(np.abs(t_boot), abs(t_obs), rtol=1e-9)) == 2
    assert res.p_wild == np.mean(np.abs(t_boot) >= abs(t_obs) * (1 - 1e-9)) == 4 / 256


def test_agrees_with_wildboottest_enumeration(panel, central):
    """Same bootstrap t distribution as the wildboottest package (all 256 sign vectors), robust to
    ties. Tie conventions: this package counts |t*| >= |t| (to a relative 1e-9), as a randomization
    test does, so the two sign vectors that reproduce the sample (all +1, all -1) count;
    wildboottest counts |t*| > |t| strictly, so whether those two count there depends on the last
    bit of its arithmetic (it differs between OpenBLAS kernels). Applied to wildboottest's own t
    statistics, this package's convention gives this package's p-value exactly."""
    wbt = pytest.importorskip("wildboottest.wildboottest")
    X = pd.concat([central[REGS], pd.get_dummies(central["province"], dtype=float)], axis=1).to_numpy()
    R = np.zeros(X.shape[1])
    R[0] = 1.0
    boot, enumerated = wildboottest_run(wbt, X, central["REIC"].to_numpy(), central["province"], R)
    boot.get_pvalue(pval_type="two-tailed")
    t_ref, tb_ref = float(np.ravel(boot.t_stat)[0]), np.ravel(boot.t_boot)
    res = wild_bootstrap(panel, region="Central")
    assert enumerated and len(tb_ref) == res.n_boot == 256
    # the distributions agree to rounding (statistics relative to the observed one: the CRV1 factors cancel)
    np.testing.assert_allclose(np.sort(np.abs(tb_ref / t_ref)), np.sort(np.abs(res.t_boot / res.t)), rtol=1e-8)
    # our convention on their statistics gives our p-value; their strict count differs at most by the ties
    assert res.p_wild == pytest.approx(np.mean(np.abs(tb_ref) >= abs(t_ref) * (1 - 1e-9)), abs=1e-12)
    ties = np.sum(np.isclose(np.abs(tb_ref), abs(t_ref), rtol=1e-9))
    assert ties == 2 and res.p_wild - ties / 256 - 1e-12 <= float(boot.pvalue) <= res.p_wild + 1e-12


def test_coefficient_and_se_equal_feols(panel, central):
    from resilience_jax.api import feols

    res = wild_bootstrap(panel, region="Central")
    fit = feols("REIC ~ " + " + ".join(REGS) + " | province", central, {"CRV1": "province"})
    assert res.coef == pytest.approx(fit.params["LnAI"], rel=1e-10)
    assert res.se == pytest.approx(fit.se["LnAI"], rel=1e-10)
    assert res.p_crv1 == pytest.approx(fit.pvalues["LnAI"], rel=1e-8)


def test_random_weights_are_reproducible(panel):
    a = wild_bootstrap(panel, weights="webb", n_boot=999, seed=5)
    b = wild_bootstrap(panel, weights="webb", n_boot=999, seed=5)
    c = wild_bootstrap(panel, weights="webb", n_boot=999, seed=6)
    np.testing.assert_array_equal(a.t_boot, b.t_boot)
    assert not np.array_equal(a.t_boot, c.t_boot) and not a.enumerated and a.n_boot == 999
    assert 0 <= a.p_wild <= 1


@pytest.mark.parametrize("kwargs, msg", [(dict(weights="normal"), "weights must be"), (dict(bootstrap_type="WCX"), "bootstrap_type must be"), (dict(n_boot=0), "n_boot must be"),
                                         (dict(seed="x"), "seed must be an integer"), (dict(region="North"), "no rows of region"),
                                         (dict(weights="webb", full_enumeration=True), "full enumeration needs")])
def test_bad_input(panel, kwargs, msg):
    with pytest.raises(EstimationError, match=msg):
        wild_bootstrap(panel, **kwargs)


def test_cli_wild(tmp_path, capsys):
    from resilience_jax.cli import main

    assert main(["bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "199", "--out", str(tmp_path)]) == 0
    out, _ = capsys.readouterr()
    table = pd.read_csv(tmp_path / "wild_bootstrap_REIC.csv", index_col=0)
    assert list(table.index) == ["full sample", "East", "Central", "West"]
    assert table.loc["Central", "rademacher_draws"] == "all 256 (enumerated)"
    from helpers import check_tables_compile

    check_tables_compile(tmp_path)  # its LaTeX table compiles, where pdflatex is installed
    assert main(["bootstrap", "--scheme", "wild", "--out", str(tmp_path)]) == 2
    assert "use --scheme wild --model baseline" in capsys.readouterr().err


def _spec_copy(tmp_path, replace: dict[str, str]):
    """The bundled specs copied to tmp_path with lines of paper.toml replaced."""
    import shutil

    from resilience_jax.data.spec import models_dir

    src = models_dir()
    for name in ("paper.toml", "index.toml"):
        shutil.copy(src / name, tmp_path / name)
    text = (tmp_path / "paper.toml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    (tmp_path / "paper.toml").write_text(text, encoding="utf-8")
    return tmp_path / "paper.toml"


@pytest.fixture(scope="module")
def pooled_panel(tmp_path_factory):
    """The embedded panel with a baseline without fixed effects (pooled OLS with a constant)."""
    path = _spec_copy(tmp_path_factory.mktemp("spec"), {'controls = ["Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]   # stepwise order, columns (1)-(6)\nfixed_effects = ["province"]':
                                                          'controls = ["Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]\nfixed_effects = []'})
    return load_panel(None, path)


def test_without_fixed_effects_the_constant_is_re_estimated(pooled_panel):
    """No fixed effects: every sign vector refitted by brute force (OLS with a constant, CRV1),
    and the wildboottest package, agree with this package; the constant is kept in the restricted
    and in every bootstrap fit (partialling it out once gave a different, wrong p-value)."""
    wbt = pytest.importorskip("wildboottest.wildboottest")
    res = wild_bootstrap(pooled_panel, region="Central")
    _, idx = compute_indices(pooled_panel)
    d = pooled_panel.frame.assign(**idx)
    d = d[d["region"] == "Central"].reset_index(drop=True)
    y, g = d["REIC"].to_numpy(), d["province"].to_numpy()
    X = np.column_stack([np.ones(len(d)), d[REGS].to_numpy()])

    def t_of(yy):
        bread = np.linalg.inv(X.T @ X)
        b = bread @ X.T @ yy
        u = yy - X @ b
        S = np.array([X[g == c].T @ u[g == c] for c in np.unique(g)])
        return b[1] / np.sqrt((bread @ S.T @ S @ bread)[1, 1])

    Z = np.delete(X, 1, axis=1)  # restricted: LnAI = 0, the constant kept
    fit_r = Z @ np.linalg.lstsq(Z, y, rcond=None)[0]
    u_r = y - fit_r
    levels = np.unique(g)
    t_boot = np.array([t_of(fit_r + np.array([dict(zip(levels, s))[c] for c in g]) * u_r)
                       for s in np.array(np.meshgrid(*[[1.0, -1.0]] * 8)).T.reshape(-1, 8)])
    t_obs = t_of(y)
    np.testing.assert_allclose(np.sort(np.abs(res.t_boot / res.t)), np.sort(np.abs(t_boot / t_obs)), rtol=1e-8)
    assert res.p_wild == pytest.approx(np.mean(np.abs(t_boot) >= abs(t_obs) * (1 - 1e-9)), abs=1e-12)
    # wildboottest (statsmodels OLS with the constant as a column): the same distribution
    R = np.zeros(X.shape[1])
    R[1] = 1.0
    boot, _ = wildboottest_run(wbt, X, y, g, R)
    tb_ref, t_ref = np.ravel(boot.t_boot), float(np.ravel(boot.t_stat)[0])
    np.testing.assert_allclose(np.sort(np.abs(tb_ref / t_ref)), np.sort(np.abs(res.t_boot / res.t)), rtol=1e-8)
    # and the coefficient, SE and CRV1 p-value are feols' with a constant
    from resilience_jax.api import feols

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = feols("REIC ~ " + " + ".join(REGS), d, {"CRV1": "province"})
    assert (res.coef, res.se) == pytest.approx((fit.params["LnAI"], fit.se["LnAI"]), rel=1e-10)


def test_degenerate_designs_are_refused(panel, raw):
    """A single-year panel (the fixed effects absorb every regressor) and collinear controls are
    refused with feols' message; nothing is reported as p = 0."""
    one_year = load_panel(raw[raw["year"] == 2015])
    with pytest.raises(EstimationError, match="absorbed by the fixed effects|no residual degrees of freedom"):
        wild_bootstrap(one_year)
    collinear = raw.assign(Open=2.0 * raw["Finance"])
    with pytest.raises(EstimationError, match="singular design: 'Open' is collinear with"):
        wild_bootstrap(load_panel(collinear))


def test_random_weights_need_enough_draws_and_report_below_one_over_b(panel):
    with pytest.raises(EstimationError, match="at least 99 draws"):
        wild_bootstrap(panel, weights="webb", n_boot=1)
    res = wild_bootstrap(panel, weights="webb", n_boot=99, seed=0)
    assert res.p_wild == 0.0 and res.p_wild_text == "< 0.01"  # no draw as extreme: not "0.0000"
    assert "at least as extreme" in res.ties
    enum = wild_bootstrap(panel, region="Central")
    assert enum.p_wild_text == f"{enum.p_wild:.4f}"


def test_confidence_interval_inverts_the_test_as_wildboottest_does(panel, central):
    """The interval by test inversion: at a null value beta0 the p-value is the wildboottest
    package's WCR p-value of H0: b = 0 for the outcome y - beta0 x (the same restricted model), on
    our tie convention; inside the interval's ends p >= 0.05, just outside p < 0.05."""
    wbt = pytest.importorskip("wildboottest.wildboottest")
    res = wild_bootstrap(panel, region="Central")
    X = pd.concat([central[REGS], pd.get_dummies(central["province"], dtype=float)], axis=1).to_numpy()
    R = np.zeros(X.shape[1])
    R[0] = 1.0

    def p_ref(b0):
        boot, _ = wildboottest_run(wbt, X, central["REIC"].to_numpy() - b0 * X[:, 0], central["province"], R)
        t, tb = float(np.ravel(boot.t_stat)[0]), np.ravel(boot.t_boot)
        return np.mean(np.abs(tb) >= abs(t) * (1 - 1e-9))

    lo, hi = res.ci_lower, res.ci_upper
    assert lo < res.coef < hi and res.level == 0.95
    w = hi - lo
    for b0 in (lo + 1e-6 * w, hi - 1e-6 * w):
        assert p_ref(b0) >= 0.05
    for b0 in (lo - 1e-6 * w, hi + 1e-6 * w):
        assert p_ref(b0) < 0.05
    assert p_ref(0.0) == pytest.approx(res.p_wild, abs=1e-12)
    assert {"ci_lower", "ci_upper"} <= set(res.tidy().index)
