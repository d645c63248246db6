"""feols closer to fixest, against pyfixest on a real public panel (Munnell's US states, with three
missing values and a state reduced to one year): regression weights, rows with missing values left
out and counted, the singleton option, categorical and boolean regressors, etable."""

import warnings

import numpy as np
import pytest

import resilience_jax as rj

pf = pytest.importorskip("pyfixest")


@pytest.fixture(scope="module")
def data():
    from linearmodels.datasets import munnell

    d = munnell.load()
    d = d.assign(LOG_GSP=np.log(d.GSP), LOG_PCAP=np.log(d.P_CAP), W=np.random.default_rng(0).uniform(0.5, 2, len(d)),
                 BIG=d.UNEMP > 7, DIV=d.STATE.map({s: f"d{i % 4}" for i, s in enumerate(sorted(d.STATE.unique()))}))
    d.loc[[3, 50, 77], "UNEMP"] = np.nan
    return d.drop(index=d.index[(d.STATE == "IOWA") & (d.YR > 1970)]).reset_index(drop=True)  # Iowa: one year


VCOVS = ["iid", "HC1", {"CRV1": "STATE"}]


def compare(fit, ref, rtol=1e-8):
    names = [n for n in fit.names if n != "Intercept"]
    rc, rs = ref.coef(), ref.se()
    rename = {n: n.replace("[T.True]", "") for n in rc.index}  # pyfixest names a boolean regressor BIG[T.True]
    rc, rs = rc.rename(rename), rs.rename(rename)
    np.testing.assert_allclose(fit.params[names], rc[names], rtol=rtol)
    np.testing.assert_allclose(fit.se[names], rs[names], rtol=rtol)
    assert fit.nobs == ref._N


@pytest.mark.parametrize("fe", ["", " | STATE", " | STATE + YR"])
@pytest.mark.parametrize("vcov", VCOVS)
def test_weights_equal_pyfixest(data, fe, vcov):
    fml = f"LOG_GSP ~ LOG_PCAP + UNEMP{fe}"
    fit = rj.feols(fml, data, vcov, weights="W")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = pf.feols(fml, data, vcov=vcov, weights="W", fixef_rm="none")
    compare(fit, ref, rtol=1e-9 if "YR" not in fe else 1e-8)  # two-way: the alternating projections' tolerance
    assert fit.r2 == pytest.approx(ref._r2, rel=1e-10) and fit.n_missing == 3 and fit.extra["weights"] == "W"


@pytest.mark.parametrize("vcov", VCOVS)
def test_singletons_dropped_on_request_as_pyfixest(data, vcov):
    fml = "LOG_GSP ~ LOG_PCAP + UNEMP | STATE"
    kept, dropped = rj.feols(fml, data, vcov), rj.feols(fml, data, vcov, fixef_rm="singleton")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(kept, pf.feols(fml, data, vcov=vcov, fixef_rm="none"))
        compare(dropped, pf.feols(fml, data, vcov=vcov, fixef_rm="singleton"))
    assert (kept.n_singletons, dropped.n_singletons, kept.nobs - dropped.nobs) == (0, 1, 1)
    assert "1 fixed-effect singletons" in dropped.summary()


def test_categorical_and_boolean_regressors_equal_pyfixest(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fml in ("LOG_GSP ~ LOG_PCAP + BIG + C(DIV) | YR", "LOG_GSP ~ LOG_PCAP + C(DIV)"):
            fit = rj.feols(fml, data, {"CRV1": "STATE"})
            compare(fit, pf.feols(fml, data, vcov={"CRV1": "STATE"}, fixef_rm="none"))
            assert [n for n in fit.names if n.startswith("C(")] == ["C(DIV)[T.d1]", "C(DIV)[T.d2]", "C(DIV)[T.d3]"]
    # fixest's spelling names the levels var::level
    assert rj.feols("LOG_GSP ~ LOG_PCAP + i(DIV) | YR", data).names[1:] == ("DIV::d1", "DIV::d2", "DIV::d3")


def test_etable_sets_fits_side_by_side(data):
    a = rj.feols("LOG_GSP ~ LOG_PCAP | STATE", data, {"CRV1": "STATE"})
    b = rj.feols("LOG_GSP ~ LOG_PCAP + UNEMP | STATE + YR", data, {"CRV1": "STATE"})
    t = rj.etable([a, b], names=["one-way", "two-way"])
    assert list(t.columns) == ["one-way", "two-way"]
    assert t.loc["UNEMP"].iloc[0] == "" and t.loc["UNEMP"].iloc[1].startswith(f"{b.params['UNEMP']:.3f}")
    assert t.loc["N"].tolist() == [str(a.nobs), str(b.nobs)]
    with pytest.raises(rj.errors.EstimationError, match="2 names for 1 fits"):
        rj.etable([a], names=["x", "y"])
