"""rj.wild_bootstrap on any feols formula (WCR and WCU; Rademacher, Webb and Mammen weights; full
enumeration), on a real public panel (Munnell's 48 US states, 1970-1986, from linearmodels): every
bootstrap t statistic against the wildboottest package fed the same weights, and against refits of
the perturbed outcome by pyfixest."""

import warnings

import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj
from resilience_jax.bootstrap.wild import sign_vectors, wild_weights
from resilience_jax.errors import EstimationError

wbt = pytest.importorskip("wildboottest.wildboottest")
pf = pytest.importorskip("pyfixest")


@pytest.fixture(scope="module")
def munnell():
    from linearmodels.datasets import munnell

    d = munnell.load()
    return d.assign(LOG_GSP=np.log(d.GSP), LOG_PCAP=np.log(d.P_CAP), LOG_PC=np.log(d.PC))[
        ["STATE", "YR", "LOG_GSP", "LOG_PCAP", "LOG_PC", "UNEMP"]].reset_index(drop=True)


def one_hot(d, fes):
    """pyfixest's one-hot design for wildboottest: every level of the first fixed effect, the other
    fixed effects' levels but the first; a constant without fixed effects."""
    parts = [pd.get_dummies(d[fes[0]], dtype=float)] if fes else [pd.DataFrame({"const": np.ones(len(d))})]
    parts += [pd.get_dummies(d[f], dtype=float).iloc[:, 1:] for f in fes[1:]]
    return pd.concat(parts, axis=1).to_numpy()


def wildboottest_t(d, regs, fes, cluster, V, impose_null):
    """wildboottest's observed and bootstrap t statistics of the first regressor for weights V (B, G)."""
    X = np.column_stack([d[regs].to_numpy(), one_hot(d, fes)])
    R = np.zeros(X.shape[1])
    R[0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot = wbt.WildboottestCL(X=X, Y=d["LOG_GSP"].to_numpy(), cluster=pd.factorize(d[cluster], sort=True)[0], R=R,
                                  B=V.shape[0], seed=1, parallel=False)
        boot.get_scores(bootstrap_type="11", impose_null=impose_null, adj=True, cluster_adj=True)
        boot.get_weights(weights_type="rademacher")
        boot.v, boot.B = np.asarray(V).T, V.shape[0]  # our weights, cluster columns in sorted order as theirs
        boot.get_numer()
        boot.get_denom()
        boot.get_tboot()
        boot.get_vcov()
        boot.get_tstat()
    return float(np.ravel(boot.t_stat)[0]), np.ravel(boot.t_boot)


CASES = [  # formula right-hand side, fixed effects
    ("LOG_PCAP + UNEMP", ("STATE",)),
    ("LOG_PCAP + UNEMP", ("STATE", "YR")),  # year effects not nested in the state clusters: dummies
    ("LOG_PCAP + UNEMP + LOG_PC", ()),
]


@pytest.mark.parametrize("rhs, fes, kind, weights", [(*CASES[0], "WCR", "webb"), (*CASES[1], "WCU", "mammen"),
                                                     (*CASES[1], "WCR", "rademacher"), (*CASES[2], "WCU", "webb")])
def test_random_weights_equal_wildboottest_and_refits(munnell, rhs, fes, kind, weights):
    fml = f"LOG_GSP ~ {rhs}" + (f" | {' + '.join(fes)}" if fes else "")
    res = rj.wild_bootstrap(fml, munnell, param="LOG_PCAP", cluster="STATE", bootstrap_type=kind, weights=weights,
                            n_boot=199, seed=7)
    assert (res.n_clusters, res.n_boot, res.enumerated, res.bootstrap_type) == (48, 199, False, kind)
    # the observed statistics are feols' (and pyfixest's) CRV1 ones
    ref = pf.feols(fml, munnell, vcov={"CRV1": "STATE"})
    assert res.coef == pytest.approx(ref.coef()["LOG_PCAP"], rel=1e-9)
    assert res.t == pytest.approx(ref.tstat()["LOG_PCAP"], rel=1e-8)
    # the same weights through wildboottest: every t* equal up to the common CRV1 factor (its K counts every dummy)
    V = np.asarray(wild_weights(rj.bootstrap.wild._checks.key(7), np.arange(199, dtype=np.uint32), 48, weights))
    t_ref, tb_ref = wildboottest_t(munnell, rhs.split(" + "), fes, "STATE", V, kind == "WCR")
    np.testing.assert_allclose(res.t_boot / res.t, tb_ref / t_ref, rtol=1e-7, atol=1e-9)
    assert res.pvalue == np.mean(np.abs(tb_ref) >= abs(t_ref) * (1 - 1e-9))
    # refits by pyfixest of the perturbed outcome, first 5 replicates: the t* themselves
    regs = rhs.split(" + ")
    if kind == "WCR":
        others = [r for r in regs if r != "LOG_PCAP"]
        base = pf.feols(f"LOG_GSP ~ {' + '.join(others)}" + (f" | {' + '.join(fes)}" if fes else ""), munnell)
    else:
        base = ref
    fitted = munnell["LOG_GSP"].to_numpy() - base.resid()
    codes = pd.factorize(munnell["STATE"], sort=True)[0]
    for b in range(5):
        ystar = fitted + V[b, codes] * base.resid()
        fit = pf.feols(fml.replace("LOG_GSP", "YSTAR"), munnell.assign(YSTAR=ystar), vcov={"CRV1": "STATE"})
        centre = 0.0 if kind == "WCR" else res.coef
        t_star = (fit.coef()["LOG_PCAP"] - centre) / fit.se()["LOG_PCAP"]
        assert res.t_boot[b] == pytest.approx(t_star, rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("kind", ["WCR", "WCU"])
def test_full_enumeration_equals_wildboottest(munnell, kind):
    """12 Midwest states: all 4,096 sign vectors, the p-value exact."""
    mw = ["ILLINOIS", "INDIANA", "MICHIGAN", "OHIO", "WISCONSIN", "IOWA", "KANSAS", "MINNESOTA", "MISSOURI",
          "NEBRASKA", "NORTH_DAKOT", "SOUTH_DAKOT"]
    d = munnell[munnell["STATE"].isin(mw)].reset_index(drop=True)
    fml = "LOG_GSP ~ LOG_PCAP + UNEMP | STATE + YR"
    res = rj.wild_bootstrap(fml, d, param="LOG_PCAP", cluster="STATE", bootstrap_type=kind)
    assert res.enumerated and res.n_boot == 4096
    V = np.asarray(sign_vectors(np.arange(4096, dtype=np.uint32), 12))
    t_ref, tb_ref = wildboottest_t(d, ["LOG_PCAP", "UNEMP"], ("STATE", "YR"), "STATE", V, kind == "WCR")
    # t* near 0 are differences of near-equal numbers: compared to the distribution's scale
    scale = np.abs(tb_ref / t_ref).max()
    np.testing.assert_allclose(res.t_boot / res.t, tb_ref / t_ref, rtol=1e-7, atol=1e-8 * scale)
    assert res.pvalue == np.mean(np.abs(tb_ref) >= abs(t_ref) * (1 - 1e-9))
    lo, hi = res.ci  # the inversion's ends against wildboottest: tests/test_wild.py (the same code path)
    assert lo < res.coef < hi


@pytest.mark.parametrize("args, kwargs, msg", [
    (("LOG_GSP ~ LOG_PCAP",), dict(param="LOG_PCAP"), "name the cluster column"),
    (("LOG_GSP ~ LOG_PCAP | STATE",), dict(param="UNEMP"), "is not a regressor"),
    (("LOG_GSP ~ LOG_PCAP | STATE",), dict(region="West"), "belong to the study form"),
    ((), dict(param="LnAI"), "go with a formula"),
])
def test_bad_input(munnell, args, kwargs, msg):
    data = (munnell,) if args else ()
    with pytest.raises(EstimationError, match=msg):
        rj.wild_bootstrap(*args, *data, **kwargs)


def test_same_rows_and_columns_as_feols(munnell):
    """The wild bootstrap fits feols' own design: rows with a missing value left out as feols leaves
    them, categorical regressors expanded as feols expands them (its t is feols' CRV1 t)."""
    d = munnell.assign(DIV=munnell.STATE.map({s: f"d{i % 3}" for i, s in enumerate(sorted(munnell.STATE.unique()))}))
    d.loc[[4, 40, 400], "UNEMP"] = np.nan
    fml = "LOG_GSP ~ LOG_PCAP + UNEMP + C(DIV) | YR"
    res = rj.wild_bootstrap(fml, d, param="LOG_PCAP", cluster="STATE", n_boot=99, seed=2)
    fit = rj.feols(fml, d, {"CRV1": "STATE"})
    assert res.nobs == fit.nobs == len(d) - 3 and fit.n_missing == 3
    np.testing.assert_allclose([res.coef, res.se, res.t], [fit.params["LOG_PCAP"], fit.se["LOG_PCAP"],
                                                           fit.tstat["LOG_PCAP"]], rtol=1e-10)
    dummy = rj.wild_bootstrap(fml, d, param="C(DIV)[T.d1]", cluster="STATE", n_boot=99, seed=2)
    assert dummy.coef == pytest.approx(fit.params["C(DIV)[T.d1]"], rel=1e-10)
