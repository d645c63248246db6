"""Sobol' indices (resilience_jax.sensitivity.sobol) against independent references: scipy's
``sobol_indices`` and SALib's ``sobol.analyze`` on identical evaluations, the Ishigami closed form,
exact ANOVA decompositions of hand-made factorials, and the Dirichlet/Beta laws."""

import numpy as np
import pytest
from scipy import stats
from scipy.stats import sobol_indices as scipy_sobol_indices

from resilience_jax.errors import EstimationError
from resilience_jax.sensitivity import sobol as so

SALib_sample = pytest.importorskip("SALib.sample.sobol")
SALib_analyze = pytest.importorskip("SALib.analyze.sobol")

PI = np.pi
A_ISH, B_ISH = 7.0, 0.1


def ishigami(x):
    """Ishigami on points with the inputs on the LAST axis (..., 3)."""
    x = np.asarray(x)
    return np.sin(x[..., 0]) + A_ISH * np.sin(x[..., 1]) ** 2 + B_ISH * x[..., 2] ** 4 * np.sin(x[..., 0])


def ishigami_closed_form():
    """First and total indices of Ishigami on U(-pi, pi)^3 (Sobol' & Levitan 1999 / Saltelli 2008)."""
    v1 = 0.5 * (1 + B_ISH * PI**4 / 5) ** 2
    v2 = A_ISH**2 / 8
    v13 = B_ISH**2 * PI**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    assert np.isclose(var, A_ISH**2 / 8 + B_ISH * PI**4 / 5 + B_ISH**2 * PI**8 / 18 + 0.5)
    return np.array([v1, v2, 0.0]) / var, np.array([v1 + v13, v2, v13]) / var


def to_cube(U):
    return -PI + 2 * PI * U


# ------------------------------------------------------------------------------------------
# design


def test_design_shapes_and_cross_columns():
    des = so.saltelli_design(64, 4, seed=3)
    assert des.A.shape == des.B.shape == (64, 4) and des.AB.shape == (4, 64, 4)
    for i in range(4):
        other = [j for j in range(4) if j != i]
        np.testing.assert_array_equal(des.AB[i][:, i], des.B[:, i])
        np.testing.assert_array_equal(des.AB[i][:, other], des.A[:, other])
    # one 2d-dimensional Sobol' sequence: A its first d columns, B its last d
    from scipy.stats import qmc

    pts = qmc.Sobol(8, scramble=True, seed=3).random(64)
    np.testing.assert_array_equal(np.hstack([des.A, des.B]), pts)
    np.testing.assert_array_equal(so.saltelli_design(64, 4, seed=3).AB, des.AB)  # same seed, same design


def test_grouped_design():
    des = so.saltelli_design(32, 4, seed=1, groups=[5, 2, 5, 9])  # factors ordered by label: 2, 5, 9
    assert des.AB.shape == (3, 32, 4)
    np.testing.assert_array_equal(des.AB[0], np.column_stack([des.A[:, 0], des.B[:, 1], des.A[:, 2], des.A[:, 3]]))
    np.testing.assert_array_equal(des.AB[1], np.column_stack([des.B[:, 0], des.A[:, 1], des.B[:, 2], des.A[:, 3]]))
    np.testing.assert_array_equal(des.AB[2], np.column_stack([des.A[:, :3], des.B[:, 3]]))


@pytest.mark.parametrize("n, near", [(1000, "512 and 1024"), (3, "2 and 4"), (96, "64 and 128")])
def test_bad_n_raises_naming_the_nearest_powers(n, near):
    with pytest.raises(EstimationError, match=near):
        so.saltelli_design(n, 3, seed=0)


@pytest.mark.parametrize("n", [0, 1, -4, 2.5])
def test_n_below_two_or_not_integer_raises(n):
    with pytest.raises(EstimationError):
        so.saltelli_design(n, 3, seed=0)


def test_bad_d_and_groups_raise():
    with pytest.raises(EstimationError):
        so.saltelli_design(8, 0, seed=0)
    with pytest.raises(EstimationError):
        so.saltelli_design(8, 3, seed=0, groups=[0, 1])
    with pytest.raises(EstimationError):
        so.saltelli_design(8, 2, seed=0, groups=[0.5, 1.0])


# ------------------------------------------------------------------------------------------
# scipy.stats.sobol_indices


@pytest.mark.parametrize("seed", [0, 7])
def test_matches_scipy_sobol_indices(seed):
    n = 512
    dists = [stats.uniform(loc=-PI, scale=2 * PI)] * 3

    def func(x):  # scipy passes (d, n)
        return ishigami(np.moveaxis(x, 0, -1))

    ref = scipy_sobol_indices(func=func, n=n, dists=dists, rng=seed)
    # the identical points: scipy keeps them in the result (shape (d, n), AB (d, d, n))
    A, B, AB = ref._A.T, ref._B.T, np.moveaxis(ref._AB, -1, 1)
    # ... and they are our design with bits=64 and the Generator scipy makes of the seed, mapped
    # by the same ppf
    des = so.saltelli_design(n, 3, seed=np.random.default_rng(seed), bits=64)
    np.testing.assert_array_equal(dists[0].ppf(des.A), A)
    np.testing.assert_array_equal(dists[0].ppf(des.B), B)
    np.testing.assert_array_equal(dists[0].ppf(des.AB), AB)

    ours = so.sobol_indices(ishigami(A), ishigami(B), ishigami(AB))
    np.testing.assert_allclose(ours.first, ref.first_order, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.total, ref.total_order, rtol=0, atol=1e-12)


def test_matches_scipy_with_several_targets():
    n = 256
    dists = [stats.uniform(loc=-PI, scale=2 * PI)] * 3

    def two(x):  # (n, 3) -> (n, 2)
        return np.stack([ishigami(x), x[..., 0] + x[..., 1] * x[..., 2] ** 2], axis=-1)

    ref = scipy_sobol_indices(func=lambda x: two(np.moveaxis(x, 0, -1)).T, n=n, dists=dists, rng=11)
    A, B, AB = ref._A.T, ref._B.T, np.moveaxis(ref._AB, -1, 1)
    ours = so.sobol_indices(two(A), two(B), two(AB))  # (n, 2), (n, 2), (3, n, 2)
    assert ours.first.shape == (3, 2)
    np.testing.assert_allclose(ours.first, ref.first_order.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.total, ref.total_order.T, rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------
# SALib


def _salib_blocks(Y, k):
    """SALib's output layout for calc_second_order=False: per base row, (k + 2) consecutive
    evaluations [A, AB_1, ..., AB_k, B] (SALib.analyze.sobol.separate_output_values)."""
    Y = Y.reshape(-1, k + 2)
    return Y[:, 0], Y[:, -1], Y[:, 1:-1].T


@pytest.mark.parametrize("seed", [2, 13])
def test_matches_salib(seed):
    n = 1024
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}
    X = SALib_sample.sample(problem, n, calc_second_order=False, seed=seed)
    Y = ishigami(X)
    ref = SALib_analyze.analyze(problem, Y, calc_second_order=False, num_resamples=10, seed=1)
    f_A, f_B, f_AB = _salib_blocks(Y, 3)
    ours = so.sobol_indices(f_A, f_B, f_AB, center="all")
    np.testing.assert_allclose(ours.first, ref["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.total, ref["ST"], rtol=0, atol=1e-12)
    # SALib's points are our design (same seed), scaled to the bounds
    des = so.saltelli_design(n, 3, seed=seed)
    Xb = X.reshape(n, 5, 3)
    np.testing.assert_allclose(Xb[:, 0], to_cube(des.A), rtol=0, atol=1e-14)
    np.testing.assert_allclose(Xb[:, -1], to_cube(des.B), rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.moveaxis(Xb[:, 1:-1], 1, 0), to_cube(des.AB), rtol=0, atol=1e-14)
    # the default centre (scipy's) differs from SALib's only by Monte Carlo noise
    base = so.sobol_indices(f_A, f_B, f_AB)
    np.testing.assert_allclose(base.total, ours.total, rtol=0, atol=1e-14)  # the centre cancels
    np.testing.assert_allclose(base.first, ours.first, atol=0.05)


def test_matches_salib_with_groups():
    n = 512
    groups = [0, 0, 1, 2, 2]
    names = ["g0", "g1", "g2"]

    def model(x):
        return x[..., 0] * x[..., 1] + 2 * x[..., 2] + np.sin(3 * x[..., 3]) * x[..., 4] ** 2 + x[..., 0] * x[..., 4]

    problem = {"num_vars": 5, "names": list("abcde"), "bounds": [[0.0, 1.0]] * 5, "groups": [names[g] for g in groups]}
    X = SALib_sample.sample(problem, n, calc_second_order=False, seed=4)
    Y = model(X)
    ref = SALib_analyze.analyze(problem, Y, calc_second_order=False, num_resamples=10, seed=1)
    f_A, f_B, f_AB = _salib_blocks(Y, 3)
    ours = so.sobol_indices(f_A, f_B, f_AB, center="all")
    np.testing.assert_allclose(ours.first, ref["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.total, ref["ST"], rtol=0, atol=1e-12)
    # our grouped design is SALib's grouped design: evaluate it ourselves, same numbers
    des = so.saltelli_design(n, 5, seed=4, groups=groups)
    np.testing.assert_allclose(np.moveaxis(X.reshape(n, 5, 5)[:, 1:-1], 1, 0), des.AB, rtol=0, atol=1e-15)
    mine = so.sobol_indices(model(des.A), model(des.B), model(des.AB), center="all")
    np.testing.assert_allclose(mine.first, ref["S1"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(mine.total, ref["ST"], rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------
# closed forms and Monte Carlo behaviour


def test_ishigami_closed_form_with_our_design():
    s1, st = ishigami_closed_form()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=5e-5)  # the textbook values
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=5e-5)
    des = so.saltelli_design(2**14, 3, seed=2024)
    res = so.sobol_indices(ishigami(to_cube(des.A)), ishigami(to_cube(des.B)), ishigami(to_cube(des.AB)))
    np.testing.assert_allclose(res.first, s1, atol=0.02)
    np.testing.assert_allclose(res.total, st, atol=0.02)


def test_dummy_factor_reads_zero():
    n = 2**12
    des = so.saltelli_design(n, 4, seed=5)  # column 3 is the dummy: the model never reads it
    f = lambda U: ishigami(to_cube(U[..., :3]))
    f_A, f_B, f_AB = f(des.A), f(des.B), f(des.AB)
    boot = so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=300, seed=0)
    assert np.all(boot.first_se[:3] > 0) and np.all(boot.total_se[:3] > 0)
    for est, se in ((boot.first, boot.first_se), (boot.total, boot.total_se)):
        assert abs(est[3]) <= 3 * se[3] + 1e-12
        assert abs(est[3]) < 1e-12  # f_AB[dummy] == f_A row by row: exactly 0, not just within noise
    # the real factors are unaffected by the idle column
    s1, st = ishigami_closed_form()
    np.testing.assert_allclose(boot.first[:3], s1, atol=0.03)
    np.testing.assert_allclose(boot.total[:3], st, atol=0.03)


def test_constant_target_gives_zero():
    des = so.saltelli_design(16, 2, seed=0)
    res = so.sobol_indices(np.full(16, 3.0), np.full(16, 3.0), np.full((2, 16), 3.0))
    np.testing.assert_array_equal(res.first, 0.0)
    np.testing.assert_array_equal(res.total, 0.0)
    assert des.A.shape == (16, 2)


def test_shape_and_value_errors():
    with pytest.raises(EstimationError):
        so.sobol_indices(np.zeros(8), np.zeros(7), np.zeros((2, 8)))
    with pytest.raises(EstimationError):
        so.sobol_indices(np.zeros(8), np.zeros(8), np.zeros((2, 7)))
    with pytest.raises(EstimationError):
        so.sobol_indices(np.r_[np.nan, np.zeros(7)], np.zeros(8), np.zeros((2, 8)))
    with pytest.raises(EstimationError):
        so.sobol_indices(np.zeros(8), np.zeros(8), np.zeros((2, 8)), center="mean")


# ------------------------------------------------------------------------------------------
# bootstrap and convergence


def _ishigami_evals(n, seed, targets=False):
    des = so.saltelli_design(n, 3, seed=seed)
    if not targets:
        f = lambda U: ishigami(to_cube(U))
    else:
        f = lambda U: np.stack([ishigami(to_cube(U)), U[..., 0] + U[..., 1] ** 2], axis=-1)
    return f(des.A), f(des.B), f(des.AB)


def test_bootstrap_shapes_containment_and_seed():
    f_A, f_B, f_AB = _ishigami_evals(1024, 3)
    res = so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=400, level=0.9, seed=8)
    point = so.sobol_indices(f_A, f_B, f_AB)
    np.testing.assert_array_equal(res.first, point.first)
    np.testing.assert_array_equal(res.total, point.total)
    assert res.first_ci.shape == res.total_ci.shape == (2, 3)
    assert res.first_se.shape == res.total_se.shape == (3,)
    assert np.all(res.first_ci[0] <= res.first) and np.all(res.first <= res.first_ci[1])
    assert np.all(res.total_ci[0] <= res.total) and np.all(res.total <= res.total_ci[1])
    again = so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=400, level=0.9, seed=8)
    for x, y in zip(res, again):
        np.testing.assert_array_equal(x, y)
    other = so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=400, level=0.9, seed=9)
    assert not np.array_equal(other.first_ci, res.first_ci)
    wider = so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=400, level=0.99, seed=8)
    assert np.all(wider.first_ci[0] <= res.first_ci[0]) and np.all(wider.first_ci[1] >= res.first_ci[1])

    fA2, fB2, fAB2 = _ishigami_evals(256, 4, targets=True)
    res2 = so.sobol_bootstrap(fA2, fB2, fAB2, n_resamples=100, seed=0)
    assert res2.first.shape == (3, 2) and res2.first_ci.shape == (2, 3, 2) and res2.total_se.shape == (3, 2)


def test_bootstrap_equals_a_plain_loop_over_resamples():
    f_A, f_B, f_AB = _ishigami_evals(128, 6)
    R, level = 150, 0.95
    res = so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=R, level=level, seed=21)
    rows = np.random.default_rng(21).integers(0, 128, size=(R, 128))
    draws = [so.sobol_indices(f_A[r], f_B[r], f_AB[:, r]) for r in rows]
    first = np.array([d.first for d in draws])
    total = np.array([d.total for d in draws])
    q = [(1 - level) / 2, (1 + level) / 2]
    np.testing.assert_allclose(res.first_ci, np.quantile(first, q, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.total_ci, np.quantile(total, q, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.first_se, first.std(axis=0, ddof=1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.total_se, total.std(axis=0, ddof=1), rtol=0, atol=1e-12)


def test_bootstrap_bad_arguments():
    f_A, f_B, f_AB = _ishigami_evals(16, 0)
    with pytest.raises(EstimationError):
        so.sobol_bootstrap(f_A, f_B, f_AB, n_resamples=1)
    with pytest.raises(EstimationError):
        so.sobol_bootstrap(f_A, f_B, f_AB, level=1.5)


def test_convergence_prefixes():
    f_A, f_B, f_AB = _ishigami_evals(1024, 9)
    conv = so.convergence(f_A, f_B, f_AB, sizes=[32, 128, 1024])
    assert conv.first.shape == conv.total.shape == (3, 3)
    np.testing.assert_array_equal(conv.sizes, [32, 128, 1024])
    full = so.sobol_indices(f_A, f_B, f_AB)
    np.testing.assert_allclose(conv.first[-1], full.first, rtol=0, atol=1e-15)
    head = so.sobol_indices(f_A[:32], f_B[:32], f_AB[:, :32])
    np.testing.assert_allclose(conv.total[0], head.total, rtol=0, atol=1e-15)
    default = so.convergence(f_A, f_B, f_AB)
    np.testing.assert_array_equal(default.sizes, [16, 32, 64, 128, 256, 512, 1024])
    with pytest.raises(EstimationError, match="64 and 128"):
        so.convergence(f_A, f_B, f_AB, sizes=[100])
    with pytest.raises(EstimationError):
        so.convergence(f_A, f_B, f_AB, sizes=[2048])


def test_convergence_settles_on_ishigami():
    s1, st = ishigami_closed_form()
    f_A, f_B, f_AB = _ishigami_evals(2**13, 17)
    conv = so.convergence(f_A, f_B, f_AB, sizes=[2**6, 2**13])
    err_small = np.abs(conv.total[0] - st).max()
    err_large = np.abs(conv.total[1] - st).max()
    assert err_large < 0.02 and err_large < err_small


# ------------------------------------------------------------------------------------------
# exact ANOVA of full factorials


def test_anova_factorial_additive():
    # y = 1 x1 + 2 x2 + 3 x3 on levels of known population variances: first = total = shares
    x = [np.array([0.0, 1.0]), np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 2.0, 10.0])]
    coef = np.array([1.0, 2.0, 3.0])
    parts = coef**2 * np.array([v.var() for v in x])
    grids = np.meshgrid(*x, indexing="ij")
    y = sum(c * g for c, g in zip(coef, grids))
    res = so.anova_factorial(y, [2, 3, 4])
    np.testing.assert_allclose(res.first, parts / parts.sum(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.total, parts / parts.sum(), rtol=0, atol=1e-12)
    flat = so.anova_factorial(y.ravel(), (2, 3, 4))  # C order, last factor fastest
    np.testing.assert_allclose(flat.first, res.first, rtol=0, atol=1e-15)


def test_anova_factorial_interaction_closed_form():
    # y = a x1 + b x2 + c x1 x2, x1 in {-1, 0, 1} (mean 0, var 2/3), x2 in {-1, 1} (mean 0, var 1):
    # the three terms are orthogonal and the product has no main effect
    a, b, c = 1.5, -0.5, 2.0
    v1, v2 = 2 / 3, 1.0
    V = a**2 * v1 + b**2 * v2 + c**2 * v1 * v2
    first = np.array([a**2 * v1, b**2 * v2]) / V
    total = np.array([a**2 * v1 + c**2 * v1 * v2, b**2 * v2 + c**2 * v1 * v2]) / V
    x1, x2 = np.meshgrid([-1.0, 0.0, 1.0], [-1.0, 1.0], indexing="ij")
    y = a * x1 + b * x2 + c * x1 * x2
    res = so.anova_factorial(y, [3, 2])
    np.testing.assert_allclose(res.first, first, rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.total, total, rtol=0, atol=1e-12)
    # two targets at once on a trailing axis (grid and flat forms), the second a pure interaction
    both = np.stack([y, x1 * x2], axis=-1)
    for arr in (both, both.reshape(6, 2)):
        r2 = so.anova_factorial(arr, [3, 2])
        assert r2.first.shape == (2, 2)
        np.testing.assert_allclose(r2.first[:, 0], first, rtol=0, atol=1e-12)
        np.testing.assert_allclose(r2.first[:, 1], [0.0, 0.0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(r2.total[:, 1], [1.0, 1.0], rtol=0, atol=1e-12)


def test_anova_factorial_agrees_with_monte_carlo_on_discrete_factors():
    x1, x2 = np.meshgrid([-1.0, 0.0, 1.0, 3.0], [-1.0, 1.0], indexing="ij")
    table = x1 + 0.5 * x2 + x1 * x2
    exact = so.anova_factorial(table, [4, 2])
    des = so.saltelli_design(2**13, 2, seed=12)
    f = lambda U: table[so.discrete_from_uniform(U[..., 0], 4), so.discrete_from_uniform(U[..., 1], 2)]
    mc = so.sobol_indices(f(des.A), f(des.B), f(des.AB))
    np.testing.assert_allclose(mc.first, exact.first, atol=0.03)
    np.testing.assert_allclose(mc.total, exact.total, atol=0.03)


def test_anova_factorial_errors_and_constant():
    with pytest.raises(EstimationError):
        so.anova_factorial(np.zeros(5), [2, 3])
    with pytest.raises(EstimationError):
        so.anova_factorial(np.zeros(6), [2, 0])
    res = so.anova_factorial(np.ones((2, 3)), [2, 3])
    np.testing.assert_array_equal(res.first, 0.0)
    np.testing.assert_array_equal(res.total, 0.0)


# ------------------------------------------------------------------------------------------
# mapping uniforms to factors


def test_dirichlet_from_uniform_mean_and_beta_marginals():
    kappa, w0 = 20.0, np.array([0.5, 0.25, 0.15, 0.1])
    conc = kappa * w0
    n = 20_000
    U = np.random.default_rng(0).random((n, 4))
    W = so.dirichlet_from_uniform(U, conc)
    assert W.shape == (n, 4) and np.all(W >= 0)
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    a0 = conc.sum()
    mean = conc / a0
    se = np.sqrt(mean * (1 - mean) / (a0 + 1) / n)
    assert np.all(np.abs(W.mean(axis=0) - mean) < 4 * se)
    for j in range(4):
        p = stats.kstest(W[:, j], stats.beta(conc[j], a0 - conc[j]).cdf).pvalue
        assert p > 0.01, (j, p)


def test_dirichlet_from_uniform_edges_and_errors():
    conc = np.array([0.5, 1.0, 2.0])
    W = so.dirichlet_from_uniform(np.array([[0.0, 1.0, 0.5], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]), conc)
    assert np.all(np.isfinite(W))
    np.testing.assert_allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    with pytest.raises(EstimationError):
        so.dirichlet_from_uniform(np.full((2, 3), 0.5), [1.0, -1.0, 1.0])
    with pytest.raises(EstimationError):
        so.dirichlet_from_uniform(np.full((2, 2), 0.5), conc)
    with pytest.raises(EstimationError):
        so.dirichlet_from_uniform(np.full((2, 3), 1.5), conc)


def test_discrete_from_uniform_is_balanced_on_a_sobol_design():
    n = 1024
    des = so.saltelli_design(n, 3, seed=6)
    for col, L in enumerate((2, 4, 8)):
        lev = so.discrete_from_uniform(des.A[:, col], L)
        np.testing.assert_array_equal(np.bincount(lev, minlength=L), n // L)
        lev_b = so.discrete_from_uniform(des.B[:, col], L)
        np.testing.assert_array_equal(np.bincount(lev_b, minlength=L), n // L)
    three = np.bincount(so.discrete_from_uniform(des.A[:, 0], 3), minlength=3)
    assert np.all(np.abs(three - n / 3) <= 2)
    per_column = so.discrete_from_uniform(des.A, np.array([2, 4, 8]))  # one count per column
    assert per_column.shape == (n, 3) and per_column.max(axis=0).tolist() == [1, 3, 7]
    assert so.discrete_from_uniform([0.0, 1.0], 5).tolist() == [0, 4]
    with pytest.raises(EstimationError):
        so.discrete_from_uniform([0.5], 0)
    with pytest.raises(EstimationError):
        so.discrete_from_uniform([1.2], 3)
