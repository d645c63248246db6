"""Entropy weight method: against plain NumPy and pymcdm, closed-form properties, and hypothesis properties."""

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers import numpy_entropy
from resilience_jax.errors import EstimationError
from resilience_jax.index import entropy_core, entropy_weights, membership_matrix


@pytest.fixture(scope="module")
def table(spec):
    from resilience_jax.datasets import paper_panel

    df = paper_panel()
    return df[list(spec.index.columns)].to_numpy(), np.array(spec.index.directions), df["year"].to_numpy()


def test_pooled_equals_numpy_reference(table, spec):
    X, d, _ = table
    res = entropy_weights(X, d, dimensions=[i.dimension for i in spec.index.indicators])
    w, e, idx, Z = numpy_entropy(X, d)
    np.testing.assert_allclose(res.weights, w, rtol=1e-12)
    np.testing.assert_allclose(res.entropy, e, rtol=1e-12)
    np.testing.assert_allclose(res.index, idx, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res.normalized, Z, rtol=1e-12, atol=1e-15)
    assert 0 <= float(np.min(res.index)) and float(np.max(res.index)) <= 1


def test_sub_indices_equal_method_on_dimension_alone(table, spec):
    X, d, _ = table
    dims = [i.dimension for i in spec.index.indicators]
    res = entropy_weights(X, d, dimensions=dims)
    _, order = membership_matrix(dims)
    for k, key in enumerate(order):
        cols = list(spec.index.dimension_members(key))
        _, _, idx, _ = numpy_entropy(X[:, cols], d[cols])
        np.testing.assert_allclose(np.asarray(res.sub_indices)[:, k], idx, rtol=1e-12, atol=1e-15)


def test_shift_convention_equals_pymcdm(table):
    pymcdm = pytest.importorskip("pymcdm")
    X, d, _ = table
    shift = 1e-4
    res = entropy_weights(X, d, shift=shift)
    _, _, _, Z = numpy_entropy(X, d)
    # pymcdm: sum-normalisation of a positive matrix, then the same entropy: feed it the shifted table
    np.testing.assert_allclose(res.weights, pymcdm.weights.entropy_weights(Z + shift), rtol=1e-10)


def test_per_year_equals_numpy_cross_sections(table):
    X, d, years = table
    res = entropy_weights(X, d, mode="per_year", time=years)
    for t, year in enumerate(np.unique(years)):
        rows = years == year
        w, _, idx, _ = numpy_entropy(X[rows], d)
        np.testing.assert_allclose(np.asarray(res.weights)[t], w, rtol=1e-11)
        np.testing.assert_allclose(np.asarray(res.index)[rows], idx, rtol=1e-11, atol=1e-15)


def test_global_mode_averages_year_entropies_on_global_normalisation(table):
    X, d, years = table
    res = entropy_weights(X, d, mode="global", time=years)
    _, _, _, Z = numpy_entropy(X, d)
    e_t = []
    for year in np.unique(years):
        P = Z[years == year] / Z[years == year].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            e_t.append(-np.where(P > 0, P * np.log(P), 0).sum(axis=0) / np.log(P.shape[0]))
    dvg = 1 - np.mean(e_t, axis=0)
    np.testing.assert_allclose(res.weights, dvg / dvg.sum(), rtol=1e-11)
    np.testing.assert_allclose(res.index, Z @ (dvg / dvg.sum()), rtol=1e-11, atol=1e-15)


def test_integer_weights_equal_duplicated_rows(table):
    X, d, _ = table
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 3, size=X.shape[0]).astype(float)
    res = entropy_weights(X, d, obs_weights=counts)
    rows = np.repeat(np.arange(X.shape[0]), counts.astype(int))
    w, _, idx, _ = numpy_entropy(X[rows], d)
    np.testing.assert_allclose(res.weights, w, rtol=1e-11)
    np.testing.assert_allclose(np.asarray(res.index)[rows], idx, rtol=1e-11, atol=1e-15)


def test_constant_indicator_is_named():
    X = np.column_stack([np.arange(6.0), np.full(6, 2.0), np.arange(6.0) ** 2])
    with pytest.raises(EstimationError, match=r"indicator\(s\) 'flat' constant across all rows"):
        entropy_weights(X, [1, 1, -1], names=["a", "flat", "c"])
    X2 = np.column_stack([np.arange(6.0), [1.0, 1.0, 1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(EstimationError, match=r"indicator 'b' is constant in period 2010"):
        entropy_weights(X2, [1, 1], mode="per_year", time=[2010] * 3 + [2011] * 3, names=["a", "b"])


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(X=np.array([[1.0, np.nan], [2.0, 3.0]]), directions=[1, 1], names=["a", "b"]), r"non-finite values in indicator\(s\): b"),
        (dict(X=np.ones((3, 2)) + np.eye(3, 2), directions=[1, 0]), "directions must be 2 values of"),
        (dict(X=np.ones((3, 2)) + np.eye(3, 2), directions=[1, 1], mode="yearly"), "mode must be"),
        (dict(X=np.ones((3, 2)) + np.eye(3, 2), directions=[1, 1], mode="per_year"), "needs the period of each row"),
        (dict(X=np.ones((3, 2)) + np.eye(3, 2), directions=[1, 1], obs_weights=[1, -1, 1]), "obs_weights must be"),
        (dict(X=np.ones(3), directions=[1]), r"must be an \(n, m\) array"),
    ],
)
def test_bad_input(kwargs, msg):
    X = kwargs.pop("X")
    with pytest.raises(EstimationError, match=msg):
        entropy_weights(X, **kwargs)


# ---------------------------------------------------------------- hypothesis properties
N, M = 12, 4
tables = arrays(np.float64, (N, M), elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)).filter(
    lambda x: (np.ptp(x, axis=0) > 1e-3 * np.maximum(1.0, np.abs(x).max(axis=0))).all()
)
dirs = arrays(np.float64, (M,), elements=st.sampled_from([1.0, -1.0]))
ONE = np.ones((M, 1))
ZEROS = np.zeros(N, np.int32)


def core(X, d, w=None):
    return entropy_core(X, d, np.ones(N) if w is None else w, ONE, ZEROS, 0.0)


@settings(max_examples=60, deadline=None)
@given(tables, dirs)
def test_weights_nonnegative_sum_to_one(X, d):
    w = np.asarray(core(X, d).weights)
    assert (w >= -1e-15).all() and abs(w.sum() - 1) < 1e-12


@settings(max_examples=60, deadline=None)
@given(tables, dirs, st.integers(0, M - 1), st.floats(1e-3, 1e3), st.floats(-1e3, 1e3))
def test_invariant_to_positive_rescaling_and_shifting(X, d, j, scale, offset):
    Y = X.copy()
    Y[:, j] = scale * Y[:, j] + offset
    a, b = core(X, d), core(Y, d)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(a.index, b.index, rtol=1e-7, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(tables, dirs, st.permutations(range(N)), st.permutations(range(M)))
def test_row_and_column_permutations(X, d, rows, cols):
    rows, cols = np.array(rows), np.array(cols)
    a = core(X, d)
    r = core(X[rows], d)
    np.testing.assert_allclose(r.weights, a.weights, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(r.index, np.asarray(a.index)[rows], rtol=1e-10, atol=1e-13)
    c = core(X[:, cols], d[cols])
    np.testing.assert_allclose(c.weights, np.asarray(a.weights)[cols], rtol=1e-10, atol=1e-13)


@settings(max_examples=25, deadline=None)
@given(tables, dirs)
def test_jitted_equals_unjitted(X, d):
    jitted = core(X, d)
    with jax.disable_jit():
        eager = core(X, d)
    for a, b in zip(jitted, eager):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_vmap_over_batch_equals_loop():
    rng = np.random.default_rng(0)
    Xs = rng.lognormal(size=(7, N, M))
    ws = rng.integers(0, 3, size=(7, N)).astype(float) + np.eye(7, N)  # frequency weights, all batches valid
    d = np.array([1.0, -1.0, 1.0, 1.0])
    batched = jax.vmap(lambda X, w: entropy_core(X, d, w, ONE, ZEROS, 0.0))(Xs, ws)
    for b in range(7):
        one = core(Xs[b], d, ws[b])
        np.testing.assert_allclose(np.asarray(batched.weights)[b], one.weights, rtol=1e-12)
        np.testing.assert_allclose(np.asarray(batched.index)[b], one.index, rtol=1e-12, atol=1e-15)


def test_directions_as_signs_and_bad_dimensions():
    """The spec files' "+" / "-" are directions (they raised 'could not convert string to float');
    dimensions of the wrong length are a named error (they raised a JAX broadcasting TypeError)."""
    X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    np.testing.assert_allclose(entropy_weights(X, ["+", "-"]).weights, entropy_weights(X, [1, -1]).weights, rtol=0)
    with pytest.raises(EstimationError, match=r"directions must be 2 values of \+1 or -1 \(or '\+' / '-'\)"):
        entropy_weights(X, ["+", "x"])
    with pytest.raises(EstimationError, match="dimensions has 3 labels for 2 indicators"):
        entropy_weights(X, [1, 1], dimensions=["a", "b", "c"])
