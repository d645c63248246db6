"""feols against pyfixest (an independent implementation) on the embedded panel and on Grunfeld's
public panel; error handling; batch == loop; docs/method.md, section 6 linearity of the index."""

import numpy as np
import pandas as pd
import pytest

from resilience_jax.api import RegSpec, feols, fit_many
from resilience_jax.errors import DataError, EstimationError, FewClustersWarning
from resilience_jax.index import entropy_weights

pf = pytest.importorskip("pyfixest")
RTOL = 1e-8  # deterministic estimators: agreement to 1e-8 relative (STYLE.md, pyfixest's own tolerance vs R)

VCOVS = ["iid", "HC1", {"CRV1": "province"}, {"CRV1": "year"}]


@pytest.fixture(scope="module")
def panel_df():
    from resilience_jax.data import load_panel

    df = load_panel().frame.copy()
    df["y"] = df["profit"] / 1000.0
    return df


def _pf(fml, df, vcov):
    # pyfixest stops its alternating projections at fixef_tol (1e-8 by default), which limits its own
    # two-way precision on near-collinear regressors; tighten it so the reference is exact to 1e-8.
    tol = 1e-13 if "+ year" in fml else 1e-8
    return pf.feols(fml, df, vcov="hetero" if vcov == "HC1" else vcov, fixef_tol=tol)


def assert_matches_pyfixest(ours, ref, atol_p=1e-14):
    names = list(ours.params.index)
    np.testing.assert_allclose(ours.params.values, ref.coef()[names].values, rtol=RTOL)
    np.testing.assert_allclose(ours.se.values, ref.se()[names].values, rtol=RTOL)
    np.testing.assert_allclose(ours.pvalues.values, ref.pvalue()[names].values, rtol=RTOL, atol=atol_p)
    np.testing.assert_allclose(ours.tstat.values, ref.tstat()[names].values, rtol=RTOL)
    assert ours.nobs == ref._N
    assert ours.r2 == pytest.approx(ref._r2, rel=RTOL)


@pytest.mark.parametrize("vcov", VCOVS, ids=str)
@pytest.mark.parametrize(
    "fml",
    [
        "y ~ LnAI + Incomegap + Finance + Open | province",
        "REIC_like ~ LnAI + Incomegap + LnRoad | province + year",
        "y ~ LnAI + Upgra + Open",
    ],
)
def test_embedded_panel_vs_pyfixest(panel_df, fml, vcov):
    df = panel_df.assign(REIC_like=np.log(panel_df["rd_expenditure"]))
    ours = feols(fml, df, vcov)
    ref = _pf(fml, df, vcov)
    assert_matches_pyfixest(ours, ref)
    if "|" in fml:
        assert ours.r2_within == pytest.approx(ref._r2_within, rel=RTOL)
    if isinstance(vcov, dict):
        assert ours.n_clusters == df[vcov["CRV1"]].nunique()
        assert ours.df_t == ours.n_clusters - 1


@pytest.fixture(scope="module")
def grunfeld():
    sm = pytest.importorskip("statsmodels.api")
    df = sm.datasets.grunfeld.load_pandas().data
    df["firm"] = df["firm"].astype(str)
    df["year"] = df["year"].astype(int)
    return df


@pytest.mark.parametrize("vcov", ["iid", "HC1", {"CRV1": "firm"}, {"CRV1": "year"}], ids=str)
@pytest.mark.parametrize("fml", ["invest ~ value + capital | firm", "invest ~ value + capital | firm + year", "invest ~ value + capital"])
def test_grunfeld_vs_pyfixest(grunfeld, fml, vcov):
    ours = feols(fml, grunfeld, vcov)  # 10 firms: at the few-clusters threshold, no warning
    assert_matches_pyfixest(ours, _pf(fml, grunfeld, vcov))


def test_stata_constant_closed_form(panel_df):
    fit = feols("y ~ LnAI + Finance | province", panel_df, {"CRV1": "province"})
    expected = panel_df["y"].mean() - panel_df[["LnAI", "Finance"]].mean().to_numpy() @ fit.params.to_numpy()
    assert fit.constant == pytest.approx(expected, rel=1e-10)
    pooled = feols("y ~ LnAI + Finance", panel_df, "iid")
    ref = pf.feols("y ~ LnAI + Finance", panel_df, vcov="iid")
    assert pooled.constant == pytest.approx(ref.coef()["Intercept"], rel=RTOL)
    assert pooled.constant_se == pytest.approx(ref.se()["Intercept"], rel=RTOL)


def test_results_object(panel_df):
    fit = feols("y ~ LnAI + Finance | province", panel_df, {"CRV1": "province"})
    tidy = fit.tidy()
    assert list(tidy.columns) == ["estimate", "std_error", "t_value", "p_value", "2.5%", "97.5%"]
    ci = pf.feols("y ~ LnAI + Finance | province", panel_df, vcov={"CRV1": "province"}).confint()
    np.testing.assert_allclose(tidy[["2.5%", "97.5%"]].to_numpy(), ci.to_numpy(), rtol=1e-8)
    text = str(fit)
    assert "clustered by province" in text and "LnAI" in text and "N = 420" in text


def test_batch_equals_loop(panel_df):
    specs = [
        RegSpec("y", (("LnAI", "LnAI"),), ("province",), ("CRV1", "province")),
        RegSpec("Upgra", (("LnAI", "LnAI"), ("Open", "Open"), ("Finance", "Finance")), (), ("HC1", None)),
        RegSpec("y", (("LnAI", "LnAI"), ("Finance", "Finance")), ("province", "year"), ("iid", None),
                mask=(panel_df["region"] != "West").to_numpy(float)),
    ]
    batch = fit_many(panel_df, specs)
    sub = panel_df[panel_df["region"] != "West"]
    loop = [feols("y ~ LnAI | province", panel_df, {"CRV1": "province"}),
            feols("Upgra ~ LnAI + Open + Finance", panel_df, "HC1"),
            feols("y ~ LnAI + Finance | province + year", sub, "iid")]
    for a, b in zip(batch, loop):
        np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
        np.testing.assert_allclose(a.se_, b.se_, rtol=1e-10)
        assert a.nobs == b.nobs


def test_index_coefficient_is_weighted_sum_of_indicator_coefficients(panel_df, spec):
    """docs/method.md, section 6: after the within transformation the index is linear in the raw indicators."""
    X = panel_df[list(spec.index.columns)].to_numpy()
    d = np.array(spec.index.directions)
    res = entropy_weights(X, d)
    df = panel_df.assign(index=np.asarray(res.index))
    rhs = "LnAI + Incomegap + Finance"
    b_index = feols(f"index ~ {rhs} | province", df).params
    rng = X.max(axis=0) - X.min(axis=0)
    combo = sum(d[j] * float(res.weights[j]) / rng[j] * feols(f"{c} ~ {rhs} | province", df).params
                for j, c in enumerate(spec.index.columns))
    np.testing.assert_allclose(b_index.to_numpy(), combo.to_numpy(), rtol=1e-9)


def test_collinear_and_absorbed_regressors_are_named(panel_df):
    df = panel_df.assign(twice=2 * panel_df["LnAI"] + 1, road_mean=panel_df.groupby("province")["LnRoad"].transform("mean"))
    with pytest.raises(EstimationError, match=r"'twice' is collinear with 'LnAI' after removing the fixed effects"):
        feols("y ~ LnAI + twice | province", df)
    with pytest.raises(EstimationError, match=r"'road_mean' is constant within province \(absorbed by the fixed effects\)"):
        feols("y ~ LnAI + road_mean | province", df)
    with pytest.raises(EstimationError, match=r"'one' is constant"):
        feols("y ~ LnAI + one", df.assign(one=1.0))


def test_cluster_checks(panel_df):
    with pytest.warns(FewClustersWarning, match=r"only 3 clusters in 'region'.*wild cluster bootstrap"):
        feols("y ~ LnAI | province", panel_df, {"CRV1": "region"})
    with pytest.raises(EstimationError, match="CRV1 needs at least 2 clusters"):
        feols("y ~ LnAI", panel_df.assign(g="a"), {"CRV1": "g"})


@pytest.mark.parametrize(
    "fml, vcov, err, msg",
    [
        ("y LnAI", "iid", EstimationError, "formula must look like"),
        ("y ~ log(LnAI)", "iid", EstimationError, "not a plain variable name"),
        ("y ~ LnAI + LnAI", "iid", EstimationError, "appears twice"),
        ("y ~ LnAI | a + b + c", "iid", EstimationError, "at most two fixed effects"),
        ("y ~ LnAI", "HC3", EstimationError, "Invalid vcov"),
        ("y ~ LnAI", {"CRV3": "province"}, EstimationError, "Invalid vcov"),
        ("y ~ Nope", "iid", DataError, "variable 'Nope' is not a column"),
        ("y ~ LnAI | county", "iid", DataError, "fixed effect 'county' is not a column"),
        ("y ~ LnAI", {"CRV1": "county"}, DataError, "cluster variable 'county' is not a column"),
        ("y ~ province", "iid", DataError, r"variable 'province' is not numeric .*write C\(province\)"),
        ("y ~ C(county)", "iid", DataError, r"variable 'county' of C\(county\) is not a column"),
    ],
)
def test_bad_formulas_and_data(panel_df, fml, vcov, err, msg):
    with pytest.raises(err, match=msg):
        feols(fml, panel_df, vcov)


def test_missing_values_are_left_out_and_counted(panel_df):
    """As fixest: rows with a missing value in a used column are left out (counted, in the
    summary); the same fit as on the data without them."""
    df = panel_df.copy()
    df.loc[5, "LnAI"] = np.nan
    df.loc[9, "province"] = None
    fit = feols("y ~ LnAI | province", df, {"CRV1": "province"})
    ref = feols("y ~ LnAI | province", df.drop(index=[5, 9]), {"CRV1": "province"})
    assert fit.n_missing == 2 and fit.nobs == len(df) - 2 and "2 with missing values" in fit.summary()
    np.testing.assert_allclose([fit.params["LnAI"], fit.se["LnAI"]], [ref.params["LnAI"], ref.se["LnAI"]], rtol=1e-12)


def test_no_degrees_of_freedom():
    df = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [0.0, 1.0, 3.0], "g": ["a", "b", "c"]})
    with pytest.raises(EstimationError, match="no residual degrees of freedom"):
        feols("y ~ x | g", df)


def test_same_shapes_compile_once(panel_df):
    """One compiled fit per (batch, n, k) shape: other data, formulas and vcov types reuse it."""
    from resilience_jax.estimators.ols import fit_batch

    feols("y ~ LnAI + Finance | province", panel_df, {"CRV1": "province"})
    before = fit_batch._cache_size()
    feols("Upgra ~ Open + LnRoad | province", panel_df, "HC1")
    feols("y ~ Incomegap + LnAI", panel_df.assign(y=panel_df["y"] * 2), {"CRV1": "year"})
    assert fit_batch._cache_size() == before


def test_pooled_ols_reports_its_intercept(panel_df):
    """Without fixed effects the intercept is a coefficient: params, se, pvalues and tidy() carry
    'Intercept' first, equal to pyfixest's; with fixed effects it is not a coefficient."""
    pf = pytest.importorskip("pyfixest")
    for vcov in ("iid", "HC1", {"CRV1": "province"}):
        fit = feols("Upgra ~ LnAI + Finance", panel_df, vcov)
        ref = pf.feols("Upgra ~ LnAI + Finance", panel_df, vcov="hetero" if vcov == "HC1" else vcov)
        assert list(fit.params.index) == ["Intercept", "LnAI", "Finance"] == list(fit.tidy().index)
        for ours, theirs in ((fit.params, ref.coef()), (fit.se, ref.se()), (fit.pvalues, ref.pvalue())):
            np.testing.assert_allclose(ours.to_numpy(), theirs[ours.index].to_numpy(), rtol=1e-8, atol=1e-15)
        assert fit.vcov.shape == (3, 3) and fit.constant == fit.params["Intercept"]
    assert "Intercept" not in feols("Upgra ~ LnAI | province", panel_df).params.index
