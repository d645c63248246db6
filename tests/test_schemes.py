"""Index-construction schemes against independent implementations: pymcdm (equal, entropy, CRITIC,
standard deviation weights), NumPy (SVD for PCA, loops for per-period min-max, z-scores, goalposts)
and SciPy (rankdata, variation, gmean)."""

import jax
import numpy as np
import pytest
from scipy import stats

import resilience_jax as rj
from resilience_jax import status
from resilience_jax.errors import EstimationError
from resilience_jax.index.schemes import NORMALISATIONS, WEIGHTINGS, Scheme, aggregate, normalise, scheme_weights
from resilience_jax.index.stage import row_sums

pymcdm = pytest.importorskip("pymcdm")

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def lognormal():
    return np.random.default_rng(0).lognormal(size=(40, 6))


@pytest.fixture(scope="module")
def panel():
    p = rj.load_panel()
    years = p.frame[p.spec.time].to_numpy()
    codes = np.unique(years, return_inverse=True)[1].astype(np.int32)
    return p.indicator_matrix(), np.array(p.spec.index.directions, dtype=float), codes


@pytest.fixture(scope="module", params=["lognormal", "panel"])
def positive(request, lognormal, panel):
    """Strictly positive raw data: the random table and the embedded panel's indicators."""
    X = lognormal if request.param == "lognormal" else panel[0]
    assert (X > 0).all()
    return X


def np_minmax(X, d):
    lo, hi = X.min(axis=0), X.max(axis=0)
    return np.where(d > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))


# ---------------------------------------------------------------- weights vs pymcdm / NumPy / SciPy
def test_equal_entropy_sd_equal_pymcdm(positive):
    for method, ref in [("equal", pymcdm.weights.equal_weights), ("entropy", pymcdm.weights.entropy_weights),
                        ("sd", pymcdm.weights.standard_deviation_weights)]:
        res = scheme_weights(positive, method)
        np.testing.assert_allclose(res.values, ref(positive), **TOL, err_msg=method)
        assert int(res.status) == status.OK


def test_entropy_shift_equals_pymcdm_on_shifted_matrix(panel):
    X, d, _ = panel
    Z = np_minmax(X, d)  # has zeros: pymcdm needs the shifted (positive) matrix
    np.testing.assert_allclose(scheme_weights(Z, "entropy", shift=1e-4).values,
                               pymcdm.weights.entropy_weights(Z + 1e-4), **TOL)


def test_entropy_zero_convention_equals_numpy(panel):
    X, d, _ = panel
    Z = np_minmax(X, d)
    P = Z / Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.where(P > 0, P * np.log(P), 0.0).sum(axis=0) / np.log(len(Z))
    np.testing.assert_allclose(scheme_weights(Z, "entropy").values, (1 - e) / (1 - e).sum(), **TOL)


def test_critic_equals_pymcdm_on_minmax_normalised(positive):
    # pymcdm min-max normalises its input (all columns as benefits) before CRITIC; ours takes V as given
    ref = pymcdm.weights.critic_weights(positive)
    np.testing.assert_allclose(scheme_weights(np_minmax(positive, np.ones(positive.shape[1])), "critic").values, ref, **TOL)


def test_critic_on_normalised_matrix_equals_pymcdm(panel):
    X, d, _ = panel
    Z = np_minmax(X, d)  # already min-max: pymcdm's internal normalisation leaves it unchanged
    np.testing.assert_allclose(scheme_weights(Z, "critic").values, pymcdm.weights.critic_weights(Z), **TOL)


def test_cv_equals_scipy_variation(positive):
    cv = stats.variation(positive, axis=0)
    np.testing.assert_allclose(scheme_weights(positive, "cv").values, cv / cv.sum(), **TOL)


def test_cv_hand_example():
    # column 0: mean 2, sd sqrt(2/3); column 1: mean -4, sd 2 sqrt(2/3) -> cv equal -> 1/2 each
    V = np.array([[1.0, -2.0], [2.0, -4.0], [3.0, -6.0]])
    np.testing.assert_allclose(scheme_weights(V, "cv").values, [0.5, 0.5], **TOL)


def test_pca_equals_numpy_svd(positive):
    S = (positive - positive.mean(axis=0)) / positive.std(axis=0)
    v = np.linalg.svd(S, full_matrices=False)[2][0]
    np.testing.assert_allclose(scheme_weights(positive, "pca").values, v**2, **TOL)


@pytest.mark.parametrize("method", WEIGHTINGS)
def test_weights_sum_to_one(method, positive):
    w = np.asarray(scheme_weights(positive, method).values)
    assert w.shape == (positive.shape[1],)
    assert (w >= 0).all()
    np.testing.assert_allclose(w.sum(), 1.0, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- normalisations
def test_minmax_equals_row_sums_and_numpy(panel):
    X, d, _ = panel
    res = normalise(X, d)
    np.testing.assert_allclose(res.values, row_sums(jax.numpy.asarray(X), jax.numpy.asarray(d)).z, **TOL)
    np.testing.assert_allclose(res.values, np_minmax(X, d), **TOL)
    assert int(res.status) == status.OK


def test_minmax_per_period_equals_numpy_loop(panel):
    X, d, codes = panel
    expected = np.empty_like(X)
    for t in np.unique(codes):
        rows = codes == t
        expected[rows] = np_minmax(X[rows], d)
    res = normalise(X, d, "minmax_per_period", periods=codes, n_periods=int(codes.max()) + 1)
    np.testing.assert_allclose(res.values, expected, **TOL)
    assert int(res.status) == status.OK


def test_zscore_equals_numpy(panel):
    X, d, _ = panel
    expected = d * (X - X.mean(axis=0)) / np.sqrt(((X - X.mean(axis=0)) ** 2).mean(axis=0))
    np.testing.assert_allclose(normalise(X, d, "zscore").values, expected, **TOL)


def test_rank_equals_scipy_rankdata_with_ties():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 6, size=(30, 4)).astype(float)  # many ties
    d = np.array([1.0, -1.0, 1.0, -1.0])
    expected = np.column_stack([stats.rankdata(d[j] * X[:, j], method="average") for j in range(4)]) / len(X)
    np.testing.assert_allclose(normalise(X, d, "rank").values, expected, **TOL)


def test_rank_on_panel_equals_scipy(panel):
    X, d, _ = panel
    expected = stats.rankdata(d * X, method="average", axis=0) / len(X)
    np.testing.assert_allclose(normalise(X, d, "rank").values, expected, **TOL)


def test_goalposts_equal_numpy_clip_and_scale(panel):
    X, d, _ = panel
    lo, hi = np.quantile(X, 0.1, axis=0), np.quantile(X, 0.8, axis=0)  # caps bite at both ends
    C = np.minimum(np.maximum(X, lo), hi)
    expected = np.where(d > 0, (C - lo) / (hi - lo), (hi - C) / (hi - lo))
    res = normalise(X, d, "goalposts", goalposts=np.column_stack([lo, hi]))
    np.testing.assert_allclose(res.values, expected, **TOL)
    assert float(np.min(res.values)) == 0.0 and float(np.max(res.values)) == 1.0
    assert int(res.status) == status.OK


def test_negative_direction_increases_as_value_decreases(lognormal):
    X = lognormal
    d = -np.ones(X.shape[1])
    order = np.argsort(X[:, 0])
    for method, kw in [("minmax", {}), ("zscore", {}), ("rank", {}),
                       ("minmax_per_period", dict(periods=np.zeros(len(X), np.int32), n_periods=1)),
                       ("goalposts", dict(goalposts=np.column_stack([X.min(axis=0), X.max(axis=0)])))]:
        z = np.asarray(normalise(X, d, method, **kw).values)[order, 0]
        assert (np.diff(z) < 0).all(), method


# ---------------------------------------------------------------- aggregation
def test_geometric_equals_scipy_gmean(lognormal):
    Z = lognormal
    W = np.random.default_rng(2).dirichlet(np.ones(Z.shape[1]), size=3).T  # (m, 3)
    expected = np.array([[stats.gmean(row, weights=W[:, k]) for k in range(3)] for row in Z])
    np.testing.assert_allclose(aggregate(Z, W, "geometric"), expected, **TOL)
    np.testing.assert_allclose(aggregate(Z, W[:, 0], "geometric"), expected[:, 0], **TOL)


def test_arithmetic_equals_weighted_sum(lognormal):
    Z = lognormal
    W = np.random.default_rng(3).dirichlet(np.ones(Z.shape[1]), size=2).T
    expected = np.array([[sum(Z[i, j] * W[j, k] for j in range(Z.shape[1])) for k in range(2)] for i in range(len(Z))])
    np.testing.assert_allclose(aggregate(Z, W), expected, **TOL)
    np.testing.assert_allclose(aggregate(Z, W[:, 1]), expected[:, 1], **TOL)


# ---------------------------------------------------------------- zero spread: flagged, finite
@pytest.fixture(scope="module")
def with_constant(lognormal):
    X = lognormal.copy()
    X[:, 2] = 1.7
    return X


def _norm_kwargs(method, X):
    if method == "minmax_per_period":
        return dict(periods=np.arange(len(X), dtype=np.int32) % 4, n_periods=4)
    if method == "goalposts":
        return dict(goalposts=np.column_stack([np.full(X.shape[1], 0.5), np.full(X.shape[1], 3.0)]))
    return {}


@pytest.mark.parametrize("method", NORMALISATIONS)
def test_constant_column_flagged_and_finite_normalise(method, with_constant):
    X = with_constant
    res = normalise(X, np.ones(X.shape[1]), method, **_norm_kwargs(method, X))
    assert int(res.status) == status.CONSTANT_INDICATOR
    assert np.isfinite(res.values).all()
    ok = normalise(np.delete(X, 2, axis=1), np.ones(X.shape[1] - 1), method, **_norm_kwargs(method, np.delete(X, 2, axis=1)))
    np.testing.assert_allclose(np.delete(np.asarray(res.values), 2, axis=1), ok.values, **TOL)  # others unaffected
    assert int(ok.status) == status.OK


@pytest.mark.parametrize("method", WEIGHTINGS)
def test_constant_column_flagged_and_finite_weights(method, with_constant):
    X = with_constant
    res = scheme_weights(X, method)
    assert int(res.status) == status.CONSTANT_INDICATOR
    w = np.asarray(res.values)
    assert np.isfinite(w).all()
    np.testing.assert_allclose(w.sum(), 1.0, rtol=0, atol=1e-12)
    if method != "equal":  # the constant column gets 0, the others the weights without it (independent refs)
        rest = np.delete(X, 2, axis=1)
        refs = {"entropy": pymcdm.weights.entropy_weights, "sd": pymcdm.weights.standard_deviation_weights,
                "critic": pymcdm.weights.critic_weights,
                "cv": lambda A: stats.variation(A, axis=0) / stats.variation(A, axis=0).sum(),
                "pca": lambda A: np.linalg.svd((A - A.mean(axis=0)) / A.std(axis=0), full_matrices=False)[2][0] ** 2}
        if method == "critic":  # pymcdm min-max normalises internally: give ours the normalised columns
            w = np.asarray(scheme_weights(np.insert(np_minmax(rest, np.ones(rest.shape[1])), 2, 1.7, axis=1), method).values)
        assert w[2] == 0.0
        np.testing.assert_allclose(np.delete(w, 2), refs[method](rest), **TOL)


def test_all_constant_gives_equal_weights():
    for method in WEIGHTINGS:
        res = scheme_weights(np.full((5, 3), 2.0), method)
        np.testing.assert_allclose(res.values, np.full(3, 1 / 3), **TOL)
        assert int(res.status) == status.CONSTANT_INDICATOR


def test_constant_within_one_period_is_flagged():
    X = np.array([[1.0], [2.0], [5.0], [5.0]])
    res = normalise(X, [1], "minmax_per_period", periods=np.array([0, 0, 1, 1]), n_periods=2)
    assert int(res.status) == status.CONSTANT_INDICATOR
    assert np.asarray(res.values).tolist() == [[0.0], [1.0], [0.0], [0.0]]


def test_cv_zero_mean_flags_non_finite():
    res = scheme_weights(np.array([[-1.0, 1.0], [1.0, 2.0]]), "cv")
    assert int(res.status) & status.NON_FINITE


# ---------------------------------------------------------------- jit, errors
@pytest.mark.parametrize("method", NORMALISATIONS)
def test_normalise_jitted_equals_unjitted(method, panel):
    X, d, codes = panel
    kw = dict(periods=codes, n_periods=int(codes.max()) + 1) if method == "minmax_per_period" else {}
    if method == "goalposts":
        kw = dict(goalposts=np.column_stack([np.quantile(X, 0.1, axis=0), np.quantile(X, 0.8, axis=0)]))
    eager = normalise(X, d, method, **kw)
    jitted = jax.jit(normalise, static_argnames=("method", "n_periods"))(X, d, method, **kw)
    np.testing.assert_allclose(jitted.values, eager.values, rtol=1e-13, atol=1e-14)
    assert int(jitted.status) == int(eager.status)


@pytest.mark.parametrize("method", WEIGHTINGS)
def test_weights_jitted_equal_unjitted(method, panel):
    Z = np_minmax(panel[0], panel[1])
    eager = scheme_weights(Z, method, shift=1e-4)
    jitted = jax.jit(scheme_weights, static_argnames="method")(Z, method, shift=1e-4)
    np.testing.assert_allclose(jitted.values, eager.values, rtol=1e-12, atol=1e-14)
    assert isinstance(jitted, Scheme) and int(jitted.status) == int(eager.status)


@pytest.mark.parametrize("method", ["arithmetic", "geometric"])
def test_aggregate_jitted_equals_unjitted(method, lognormal):
    w = np.full(lognormal.shape[1], 1 / lognormal.shape[1])
    np.testing.assert_allclose(jax.jit(aggregate, static_argnames="method")(lognormal, w, method),
                               aggregate(lognormal, w, method), rtol=1e-13)


def test_traced_bad_goalposts_flag_status():
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    res = jax.jit(lambda g: normalise(X, np.ones(2), "goalposts", goalposts=g))(np.array([[0.0, 5.0], [3.0, 3.0]]))
    assert int(res.status) == status.CONSTANT_INDICATOR and np.isfinite(res.values).all()


@pytest.mark.parametrize(
    "call, msg",
    [
        (lambda X: normalise(X, [1, 1], "minmax_yearly"), "normalisation must be one of"),
        (lambda X: scheme_weights(X, "ahp"), "weighting must be one of"),
        (lambda X: aggregate(X, [0.5, 0.5], "harmonic"), "aggregation must be one of"),
        (lambda X: normalise(X, [1, 1], "goalposts", goalposts=[[0.0, 1.0], [2.0, 2.0]]), r"lo < hi.*\[1\]"),
        (lambda X: normalise(X, [1, 1], "goalposts", goalposts=[[0.0, 1.0]]), r"\(2, 2\) array"),
        (lambda X: normalise(X, [1, 1], "goalposts"), "needs goalposts"),
        (lambda X: normalise(X, [1, 1], "minmax_per_period", periods=[0, 1, 2]), "needs periods"),
        (lambda X: normalise(X, [1, 1], "minmax_per_period", periods=[0, 1, 2], n_periods=2), r"integer codes in \[0, 2\)"),
        (lambda X: normalise(X, [1, 1, 1]), "directions must have 2"),
        (lambda X: normalise(X[:, 0], [1]), r"\(n, m\) array"),
    ],
)
def test_bad_input(call, msg):
    with pytest.raises(EstimationError, match=msg):
        call(np.array([[1.0, 2.0], [2.0, 5.0], [4.0, 3.0]]))
