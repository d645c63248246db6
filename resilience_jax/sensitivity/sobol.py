"""Variance-based (Sobol') sensitivity indices with the Saltelli design, on the host (NumPy/SciPy).

The model evaluations happen elsewhere (in JAX); this module builds the design and turns the
evaluations into indices:

1. :func:`saltelli_design` draws two (n, d) unit-cube matrices ``A`` and ``B`` from ONE scrambled
   Sobol' sequence of dimension 2d (``A`` its first d columns, ``B`` the last d: Saltelli et al.
   2010, section 5) and the cross matrices ``AB[i]``: ``A`` with the columns of factor i taken
   from ``B``. A factor is one column, or several (``groups``), e.g. the uniforms that
   :func:`dirichlet_from_uniform` maps to one weight vector. With the same ``seed`` the design
   is bit for bit the one of ``SALib.sample.sobol.sample`` (before scaling to the bounds); with
   ``bits=64`` and ``seed=numpy.random.default_rng(s)`` the one of
   ``scipy.stats.sobol_indices(..., rng=s)`` (which turns an integer ``rng`` into a Generator).
2. The caller maps the unit-cube points to model inputs (:func:`dirichlet_from_uniform`,
   :func:`discrete_from_uniform`, a ``ppf``) and evaluates the model on ``A``, ``B`` and every
   ``AB[i]``: ``f_A, f_B`` of shape (n,) or (n, t) for t targets, ``f_AB`` (k, n) or (k, n, t).
3. :func:`sobol_indices` gives first-order indices by Saltelli et al. (2010) and total indices by
   Jansen (1999); :func:`sobol_bootstrap` percentile intervals by resampling the n rows;
   :func:`convergence` the indices on the first n' rows, to show how they settle as n grows.

:func:`anova_factorial` is the exact counterpart for a full factorial of discrete choices (every
combination evaluated): the same first and total indices, computed from the grid without
Monte Carlo error.

Reading a dummy factor (an input the model ignores). Its true first and total indices are 0. In
this design its cross matrix differs from ``A`` only in a column the model never reads, so
``f_AB[dummy]`` equals ``f_A`` row by row and both estimators read exactly 0 (to rounding) at
every n: the dummy shows that nothing leaks into an idle factor (its mapping, the grouping and
the bookkeeping of which evaluation belongs to which factor are right), not the Monte Carlo noise
of the other factors. A dummy that reads visibly non-zero means the pipeline is wrong (the
column is read after all, or the evaluations are not reproducible, e.g. float32 reductions that
change with the batch). Both estimators' noise shrinks with the factor's own effect (their
summands contain ``f_AB[i] - f_A``, which is 0 where factor i does not matter), so a factor with
a small total index also has a small sampling error; how far a real factor's estimate is from
its limit at a given n is read from :func:`sobol_bootstrap` (its ``first_se``, ``total_se`` and
intervals) and from :func:`convergence`, not from the dummy. Small negative first-order
estimates (down to minus a few standard errors) are noise around 0, not a sign of anything.

Conventions (matching scipy and SALib). Both divide by the population variance (``ddof=0``) of
the concatenation ``[f_A, f_B]`` of the 2n independent evaluations (the cross evaluations are not
independent draws and are left out). Both subtract a mean before the first-order estimator
(variance reduction, Sobol' & Levitan 1999; the total estimator and the variance do not change):
``scipy.stats.sobol_indices`` the mean of ``[f_A, f_B]`` (``center="base"``, the default here),
``SALib.analyze.sobol.analyze`` the mean of all (k + 2) n evaluations, ``f_AB`` included
(``center="all"``; SALib also divides by their standard deviation, which cancels in the ratio).
A target that is constant (to rounding) over ``[f_A, f_B]`` gets indices 0, as in both.

References: Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S. (2010),
Variance based sensitivity analysis of model output. Design and estimator for the total
sensitivity index, Computer Physics Communications 181(2), 259-270; Jansen, M. J. W. (1999),
Analysis of variance designs for model output, Computer Physics Communications 117, 35-43.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple, Sequence

import numpy as np
from scipy import special
from scipy.stats import qmc

from ..errors import EstimationError

Center = Literal["base", "all", "none"]



class Design(NamedTuple):
    """A Saltelli design on the unit cube.

    Attributes
    ----------
    A : (n, d) first base matrix (the first d columns of the 2d-dimensional Sobol' points).
    B : (n, d) second base matrix (the last d columns).
    AB : (k, n, d) cross matrices, one per factor: ``A`` with the factor's columns from ``B``
        (k = d without groups, the number of distinct group labels with them).
    """

    A: np.ndarray
    B: np.ndarray
    AB: np.ndarray


class SobolIndices(NamedTuple):
    """First-order and total Sobol' indices.

    Attributes
    ----------
    first : (k,) or (k, t) first-order indices ``Var(E[y|x_i]) / Var(y)``.
    total : (k,) or (k, t) total indices ``E[Var(y|x_~i)] / Var(y)``.
    """

    first: np.ndarray
    total: np.ndarray


class SobolBootstrap(NamedTuple):
    """Sobol' indices with percentile bootstrap intervals (rows resampled).

    Attributes
    ----------
    first, total : (k,) or (k, t) point estimates (:func:`sobol_indices` on all rows).
    first_ci, total_ci : (2, k) or (2, k, t) lower and upper interval ends.
    first_se, total_se : (k,) or (k, t) standard deviations of the bootstrap draws.
    """

    first: np.ndarray
    total: np.ndarray
    first_ci: np.ndarray
    total_ci: np.ndarray
    first_se: np.ndarray
    total_se: np.ndarray


class SobolConvergence(NamedTuple):
    """Sobol' indices on the first n' rows of a design.

    Attributes
    ----------
    sizes : (s,) the row counts n'.
    first, total : (s, k) or (s, k, t) the indices computed on the first ``sizes[j]`` rows.
    """

    sizes: np.ndarray
    first: np.ndarray
    total: np.ndarray


# --------------------------------------------------------------------------------------------
# helpers


def _power_of_two(n, what: str = "n") -> int:
    """``n`` as an int if it is a power of 2 of at least 2, else an EstimationError naming the
    nearest powers."""
    try:
        value = int(n)
    except (TypeError, ValueError):
        raise EstimationError(f"{what} must be a power of 2, got {n!r}") from None
    if value != n or value < 2:
        raise EstimationError(f"{what} must be a power of 2 of at least 2 (2, 4, 8, ...), got {n!r}")
    if value & (value - 1):
        low = 1 << (value.bit_length() - 1)
        raise EstimationError(
            f"{what} must be a power of 2 (the Sobol' points are balanced only then), got {value}: "
            f"the nearest powers are {low} and {2 * low}"
        )
    return value


def _check_center(center) -> str:
    if center not in ("base", "all", "none"):
        raise EstimationError(f"center must be 'base', 'all' or 'none', got {center!r}")
    return center


def _evaluations(f_A, f_B, f_AB):
    """Validated float64 copies with a target axis: (n, t), (n, t), (k, n, t); and whether the
    input had no target axis."""
    fA = np.asarray(f_A, dtype=np.float64)
    fB = np.asarray(f_B, dtype=np.float64)
    fAB = np.asarray(f_AB, dtype=np.float64)
    if fA.ndim not in (1, 2):
        raise EstimationError(f"f_A must have shape (n,) or (n, t), got {fA.shape}")
    if fB.shape != fA.shape:
        raise EstimationError(f"f_B must have the shape of f_A {fA.shape}, got {fB.shape}")
    if fAB.ndim != fA.ndim + 1 or fAB.shape[1:] != fA.shape or fAB.shape[0] < 1:
        raise EstimationError(
            f"f_AB must have shape (k,) + {fA.shape} (one evaluation of each cross matrix), got {fAB.shape}"
        )
    if fA.shape[0] < 2:
        raise EstimationError(f"at least 2 rows are needed, got {fA.shape[0]}")
    for name, arr in (("f_A", fA), ("f_B", fB), ("f_AB", fAB)):
        if not np.all(np.isfinite(arr)):
            raise EstimationError(f"{name} holds non-finite evaluations ({int(np.sum(~np.isfinite(arr)))} of them)")
    squeeze = fA.ndim == 1
    if squeeze:
        fA, fB, fAB = fA[:, None], fB[:, None], fAB[..., None]
    return fA, fB, fAB, squeeze


def _indices(fA, fB, fAB, center: str):
    """Core estimators on batched arrays: fA, fB (..., n, t), fAB (k, ..., n, t) -> (k, ..., t) each."""
    n = fA.shape[-2]
    base = np.concatenate([fA, fB], axis=-2)
    spread = base.max(axis=-2) - base.min(axis=-2)
    constant = spread <= 4 * np.finfo(np.float64).eps * np.abs(base).max(axis=-2)
    if center == "base":
        mean = base.mean(axis=-2, keepdims=True)
    elif center == "all":
        k = fAB.shape[0]
        mean = (base.sum(axis=-2, keepdims=True) + fAB.sum(axis=(0, -2), keepdims=True)[0]) / ((k + 2) * n)
    else:
        mean = 0.0
    fA, fB, fAB = fA - mean, fB - mean, fAB - mean
    var = np.var(np.concatenate([fA, fB], axis=-2), axis=-2)
    safe = np.where(constant, 1.0, var)
    first = np.mean(fB * (fAB - fA), axis=-2) / safe
    total = 0.5 * np.mean((fA - fAB) ** 2, axis=-2) / safe
    return np.where(constant, 0.0, first), np.where(constant, 0.0, total)


def _out(x, squeeze):
    return x[..., 0] if squeeze else x


# --------------------------------------------------------------------------------------------
# design


def saltelli_design(
    n: int,
    d: int,
    *,
    seed: int | np.random.Generator | None,
    scramble: bool = True,
    groups: Sequence[int] | np.ndarray | None = None,
    bits: int | None = None,
) -> Design:
    """Saltelli design on the unit cube: A, B and the cross matrices AB.

    A and B come from ONE Sobol' sequence of dimension 2d,
    ``scipy.stats.qmc.Sobol(2 * d, scramble=scramble, seed=seed, bits=bits).random_base2(log2 n)``:
    A its first d columns, B its last d. ``AB[i]`` is A with the columns of factor i taken from B.
    With the same ``seed`` the points are those of ``SALib.sample.sobol.sample(problem, n,
    seed=seed)`` (unit bounds); with ``bits=64`` and ``seed=numpy.random.default_rng(s)`` those
    of ``scipy.stats.sobol_indices(..., rng=s)`` (its ``A.T``, ``B.T``; scipy turns an integer
    ``rng`` into a Generator first, and a Generator seeds the scrambling differently from the
    same integer).

    Parameters
    ----------
    n : int
        Number of base rows, a power of 2 (the Sobol' points are balanced only then).
    d : int
        Number of input columns (uniforms).
    seed : int, numpy.random.Generator or None
        Seed of the scrambling (passed as ``seed`` to :class:`scipy.stats.qmc.Sobol`, as SALib
        and scipy's ``sobol_indices`` do). Ignored without scrambling.
    scramble : bool, optional
        Owen (LMS + digital shift) scrambling. Unscrambled points start with 0: map them with a
        quantile function that is finite at 0, or scramble.
    groups : sequence of int, optional
        (d,) factor label of each column: the columns with one label form one factor (e.g. the
        m uniforms of one Dirichlet weight vector) and share one cross matrix, in which they all
        come from B. The factors are ordered by label (``numpy.unique``). Default: every column
        its own factor.
    bits : int, optional
        Bits of the Sobol' generator (scipy's default 30; ``scipy.stats.sobol_indices`` uses 64).

    Returns
    -------
    Design
        ``A`` and ``B`` (n, d); ``AB`` (k, n, d) with k = d, or the number of distinct labels.

    Raises
    ------
    EstimationError
        If ``n`` is not a power of 2 (the message names the nearest powers), ``d`` is not a
        positive integer, or ``groups`` does not give one integer label per column.

    Example
    -------
    >>> des = saltelli_design(8, 3, seed=1)
    >>> des.A.shape, des.B.shape, des.AB.shape
    ((8, 3), (8, 3), (3, 8, 3))
    >>> bool(np.all(des.AB[1][:, [0, 2]] == des.A[:, [0, 2]]) and np.all(des.AB[1][:, 1] == des.B[:, 1]))
    True
    >>> saltelli_design(8, 3, seed=1, groups=[0, 0, 1]).AB.shape  # columns 0 and 1 form one factor
    (2, 8, 3)
    """
    n = _power_of_two(n)
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise EstimationError(f"d must be a positive integer, got {d!r}")
    d = int(d)
    points = qmc.Sobol(2 * d, scramble=scramble, seed=seed, bits=bits).random_base2(int(math.log2(n)))
    A = np.ascontiguousarray(points[:, :d])
    B = np.ascontiguousarray(points[:, d:])
    if groups is None:
        masks = np.eye(d, dtype=bool)
    else:
        labels = np.asarray(groups)
        if labels.shape != (d,) or not np.issubdtype(labels.dtype, np.integer):
            raise EstimationError(f"groups must hold one integer label per column, shape ({d},), got {labels!r}")
        _, codes = np.unique(labels, return_inverse=True)
        masks = codes[None, :] == np.arange(codes.max() + 1)[:, None]
    AB = np.where(masks[:, None, :], B[None], A[None])
    return Design(A, B, AB)


# --------------------------------------------------------------------------------------------
# estimators


def sobol_indices(f_A, f_B, f_AB, *, center: Center = "base") -> SobolIndices:
    """First-order (Saltelli et al. 2010) and total (Jansen 1999) Sobol' indices.

    With ``V`` the population variance (``ddof=0``) of ``[f_A, f_B]`` (2n values) and the
    evaluations shifted by the mean chosen by ``center``::

        S_i  = mean(f_B * (f_AB[i] - f_A)) / V
        ST_i = mean((f_A - f_AB[i]) ** 2) / 2 / V

    ``center="base"`` (the mean of ``[f_A, f_B]``) reproduces ``scipy.stats.sobol_indices``,
    ``center="all"`` (the mean of all (k + 2) n evaluations) ``SALib.analyze.sobol.analyze``;
    the two differ only in the first-order estimator, by Monte Carlo noise. A target constant
    (to rounding) over ``[f_A, f_B]`` gets 0.

    Parameters
    ----------
    f_A, f_B : array_like
        (n,) or (n, t) model evaluations at the rows of A and of B (t targets at once).
    f_AB : array_like
        (k, n) or (k, n, t) evaluations at the rows of each cross matrix ``AB[i]``.
    center : {"base", "all", "none"}, optional
        Which mean to subtract before the estimators (see above; "none" the raw formula).

    Returns
    -------
    SobolIndices
        ``first`` and ``total``, each (k,) or (k, t).

    Raises
    ------
    EstimationError
        If the shapes do not match, fewer than 2 rows are given, an evaluation is not finite or
        ``center`` is unknown.

    Example
    -------
    >>> des = saltelli_design(1024, 2, seed=0)
    >>> f = lambda X: X[..., 0] + 2 * X[..., 1]  # additive: S = ST = (1/5, 4/5)
    >>> res = sobol_indices(f(des.A), f(des.B), f(des.AB))
    >>> np.round(res.first, 2).tolist(), np.round(res.total, 2).tolist()
    ([0.2, 0.8], [0.2, 0.8])
    """
    center = _check_center(center)
    fA, fB, fAB, squeeze = _evaluations(f_A, f_B, f_AB)
    first, total = _indices(fA, fB, fAB, center)
    return SobolIndices(_out(first, squeeze), _out(total, squeeze))


def sobol_bootstrap(
    f_A,
    f_B,
    f_AB,
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int | np.random.Generator | None = 0,
    center: Center = "base",
) -> SobolBootstrap:
    """Percentile bootstrap intervals of the Sobol' indices, resampling the n base rows.

    Each resample draws n row indices with replacement and takes the same rows of ``f_A``,
    ``f_B`` and every ``f_AB[i]`` (the rows are the independent units of the design), then
    recomputes :func:`sobol_indices` (centre included). Every sum the estimators take is the
    counts of a resample's rows times a per-row term, so all resamples are one matrix product
    (R, n) x (n, terms).

    Parameters
    ----------
    f_A, f_B, f_AB : array_like
        As :func:`sobol_indices`.
    n_resamples : int, optional
        Number of bootstrap resamples.
    level : float, optional
        Confidence level of the percentile intervals, in (0, 1).
    seed : int, numpy.random.Generator or None, optional
        Seed of ``numpy.random.default_rng`` that draws the row indices.
    center : {"base", "all", "none"}, optional
        As :func:`sobol_indices`.

    Returns
    -------
    SobolBootstrap
        Point estimates, ``first_ci`` and ``total_ci`` (2, k[, t]) (lower, upper), and the
        bootstrap standard deviations ``first_se`` and ``total_se``.

    Raises
    ------
    EstimationError
        As :func:`sobol_indices`; also if ``n_resamples < 2`` or ``level`` is not in (0, 1).

    Example
    -------
    >>> des = saltelli_design(256, 2, seed=0)
    >>> f = lambda X: X[..., 0] + 2 * X[..., 1]
    >>> res = sobol_bootstrap(f(des.A), f(des.B), f(des.AB), n_resamples=200, seed=1)
    >>> res.first_ci.shape
    (2, 2)
    >>> bool(np.all((res.first_ci[0] <= res.first) & (res.first <= res.first_ci[1])))
    True
    """
    center = _check_center(center)
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, (int, np.integer)) or n_resamples < 2:
        raise EstimationError(f"n_resamples must be an integer of at least 2, got {n_resamples!r}")
    if not 0.0 < float(level) < 1.0:
        raise EstimationError(f"level must lie in (0, 1), got {level!r}")
    fA, fB, fAB, squeeze = _evaluations(f_A, f_B, f_AB)
    first, total = _indices(fA, fB, fAB, center)
    k, n, t = fAB.shape
    rng = np.random.default_rng(seed)
    # a resample is a vector of row counts c (sum n); every sum the estimators take is c @ (a
    # per-row term), so all resamples are one matrix product of the counts with the terms
    counts = np.stack([np.bincount(rng.integers(0, n, size=n), minlength=n) for _ in range(n_resamples)]).astype(float)
    d = fAB - fA  # (k, n, t)
    terms = [fA, fB, fA**2, fB**2, *(fB * d), *d, *(d**2)] + ([*fAB] if center == "all" else [])
    S = (counts @ np.concatenate(terms, axis=1)).reshape(n_resamples, -1, t) / n  # (R, q, t) resample means
    mA, mB, qA, qB = S[:, 0], S[:, 1], S[:, 2], S[:, 3]
    Sbd, Sd, Sdd = S[:, 4:4 + k], S[:, 4 + k:4 + 2 * k], S[:, 4 + 2 * k:4 + 3 * k]
    if center == "base":
        mu = (mA + mB) / 2
    elif center == "all":
        mu = (mA + mB + S[:, 4 + 3 * k:].sum(axis=1)) / (k + 2)
    else:
        mu = np.zeros_like(mA)
    # population variance of the centred [fA, fB] (the centre cancels in it) and the estimators
    var = (qA + qB) / 2 - ((mA + mB) / 2) ** 2
    base = np.concatenate([fA, fB])
    constant = (base.max(axis=0) - base.min(axis=0)) <= 4 * np.finfo(np.float64).eps * np.abs(base).max(axis=0)
    safe = np.where(constant | (var <= 0), 1.0, var)[:, None]
    first_draws = np.where(constant, 0.0, (Sbd - mu[:, None] * Sd) / safe)  # (R, k, t)
    total_draws = np.where(constant, 0.0, 0.5 * Sdd / safe)
    q = [(1.0 - level) / 2.0, (1.0 + level) / 2.0]
    first_ci = np.quantile(first_draws, q, axis=0)
    total_ci = np.quantile(total_draws, q, axis=0)
    return SobolBootstrap(
        _out(first, squeeze),
        _out(total, squeeze),
        _out(first_ci, squeeze),
        _out(total_ci, squeeze),
        _out(first_draws.std(axis=0, ddof=1), squeeze),
        _out(total_draws.std(axis=0, ddof=1), squeeze),
    )


def convergence(f_A, f_B, f_AB, sizes=None, *, center: Center = "base") -> SobolConvergence:
    """The Sobol' indices recomputed on the first n' rows, for each n' in ``sizes``.

    The first n' points (n' a power of 2) of a Sobol' sequence are themselves a balanced design,
    so each row of the result is what a study with n' base rows would have found.

    Parameters
    ----------
    f_A, f_B, f_AB : array_like
        As :func:`sobol_indices` (n rows).
    sizes : sequence of int, optional
        Row counts, powers of 2 of at most n. Default: 16 (or n, if smaller), 32, ..., n.
    center : {"base", "all", "none"}, optional
        As :func:`sobol_indices`.

    Returns
    -------
    SobolConvergence
        ``sizes`` (s,) and ``first``, ``total`` (s, k) or (s, k, t).

    Raises
    ------
    EstimationError
        As :func:`sobol_indices`; also if a size is not a power of 2 or exceeds n.

    Example
    -------
    >>> des = saltelli_design(1024, 2, seed=0)
    >>> f = lambda X: X[..., 0] + 2 * X[..., 1]
    >>> conv = convergence(f(des.A), f(des.B), f(des.AB), sizes=[64, 256, 1024])
    >>> conv.first.shape
    (3, 2)
    >>> np.round(conv.total[-1], 2).tolist()
    [0.2, 0.8]
    """
    center = _check_center(center)
    fA, fB, fAB, squeeze = _evaluations(f_A, f_B, f_AB)
    n = fA.shape[0]
    if sizes is None:
        start = min(16, 1 << (n.bit_length() - 1))
        sizes = [start << j for j in range(int(math.log2(n)) - int(math.log2(start)) + 1)]
    sizes = [_power_of_two(s, "each size") for s in np.atleast_1d(sizes).tolist()]
    if not sizes or max(sizes) > n:
        raise EstimationError(f"sizes must be powers of 2 of at most n = {n}, got {sizes}")
    first, total = [], []
    for m in sizes:
        s, st = _indices(fA[:m], fB[:m], fAB[:, :m], center)
        first.append(_out(s, squeeze))
        total.append(_out(st, squeeze))
    return SobolConvergence(np.asarray(sizes), np.stack(first), np.stack(total))


# --------------------------------------------------------------------------------------------
# mapping unit-cube columns to factors


def dirichlet_from_uniform(U, concentration) -> np.ndarray:
    """Map uniforms to Dirichlet(concentration) vectors through the gamma quantile function.

    ``G_ij = gamma.ppf(U_ij, a=concentration_j)`` are independent Gamma(a_j, 1) variables when
    the ``U_ij`` are independent uniforms, so ``G_ij / sum_j G_ij`` is Dirichlet(a). The
    uniforms are first clipped to ``[eps/2, 1 - eps/2]`` (``eps`` the float64 machine epsilon)
    so no quantile is infinite. Centre the draws on weights ``w0`` (summing to 1) with
    ``concentration = kappa * w0``: the mean is ``w0`` and ``Var(w_j) = w0_j (1 - w0_j) /
    (kappa + 1)``.

    Parameters
    ----------
    U : array_like
        (n, m) (or (..., m)) numbers in [0, 1], e.g. m columns of a Saltelli design forming one
        factor (``groups``).
    concentration : array_like
        (m,) Dirichlet parameters, or an array of U's shape (one vector per row); a 0 leaves its
        component out (weight 0: an indicator dropped), every row needs a positive one.

    Returns
    -------
    numpy.ndarray
        Array of U's shape whose rows are non-negative and sum to 1. A row whose gamma quantiles
        all underflow to 0 (only possible with concentrations far below 0.05) puts its whole
        mass on the component of largest ``U``.

    Raises
    ------
    EstimationError
        If ``concentration`` is negative or not finite, has a row without a positive entry, does
        not broadcast to U's shape, or ``U`` has values outside [0, 1].

    Example
    -------
    >>> U = saltelli_design(4096, 3, seed=0).A
    >>> W = dirichlet_from_uniform(U, 50 * np.array([0.5, 0.3, 0.2]))
    >>> bool(np.allclose(W.sum(axis=1), 1.0)), np.round(W.mean(axis=0), 2).tolist()
    (True, [0.5, 0.3, 0.2])
    """
    U = np.asarray(U, dtype=np.float64)
    a = np.asarray(concentration, dtype=np.float64)
    if a.ndim < 1 or a.size < 1 or not np.all(np.isfinite(a)) or np.any(a < 0) or np.any(a.max(axis=-1) <= 0):
        raise EstimationError(f"concentration must hold non-negative finite numbers, a positive one in every row; "
                              f"got {concentration!r}")
    if U.ndim < 1 or U.shape[-1] != a.shape[-1] or np.broadcast_shapes(a.shape, U.shape) != U.shape:
        raise EstimationError(f"U must have {a.shape[-1]} columns (one per component), got shape {U.shape}")
    if not np.all((U >= 0) & (U <= 1)):
        raise EstimationError("U must hold numbers in [0, 1]")
    eps = np.finfo(np.float64).eps / 2
    on = a > 0
    G = np.where(on, special.gammaincinv(np.where(on, a, 1.0), np.clip(U, eps, 1.0 - eps)), 0.0)  # gamma.ppf
    total = G.sum(axis=-1, keepdims=True)
    empty = total <= 0
    if np.any(empty):
        fallback = (np.arange(U.shape[-1]) == np.argmax(np.where(on, U, -1.0), axis=-1)[..., None]).astype(np.float64)
        G = np.where(empty, fallback, G)
        total = np.where(empty, 1.0, total)
    return G / total


def discrete_from_uniform(u, n_levels) -> np.ndarray:
    """Map uniforms to the levels of a discrete choice: ``floor(u * n_levels)``, at most ``n_levels - 1``.

    On a Sobol' design with n a multiple of ``n_levels`` (both powers of 2), each level gets
    exactly the same number of rows; otherwise the counts differ by at most the discrepancy.

    Parameters
    ----------
    u : array_like
        Numbers in [0, 1] (any shape).
    n_levels : int or array_like
        Number of levels (at least 1); an array broadcasts against ``u`` (e.g. one count per
        column).

    Returns
    -------
    numpy.ndarray
        Integer level indices in ``[0, n_levels)``, of the broadcast shape.

    Raises
    ------
    EstimationError
        If a level count is not a positive integer or ``u`` has values outside [0, 1].

    Example
    -------
    >>> discrete_from_uniform([0.0, 0.2, 0.5, 0.99, 1.0], 3).tolist()
    [0, 0, 1, 2, 2]
    """
    u = np.asarray(u, dtype=np.float64)
    levels = np.asarray(n_levels)
    if not np.issubdtype(levels.dtype, np.integer) or np.any(levels < 1):
        raise EstimationError(f"n_levels must be positive integers, got {n_levels!r}")
    if not np.all((u >= 0) & (u <= 1)):
        raise EstimationError("u must hold numbers in [0, 1]")
    return np.minimum(np.floor(u * levels).astype(np.int64), levels - 1)


# --------------------------------------------------------------------------------------------
# exact decomposition of a full factorial


def anova_factorial(y, levels: Sequence[int]) -> SobolIndices:
    """Exact first and total indices of a full factorial of discrete factors.

    Every combination of the d factors is evaluated and equally likely; the indices follow from
    averages over the grid axes, with population variances::

        first_i = Var_i(E[y | x_i]) / Var(y)
        total_i = E_{~i}[Var_i(y | x_~i)] / Var(y)

    Parameters
    ----------
    y : array_like
        The target over every combination: shape (L1, ..., Ld), or (L1 * ... * Ld,) in C order
        (the last factor varying fastest, as ``itertools.product`` or
        ``numpy.meshgrid(..., indexing="ij")`` then ravel), each optionally with one trailing
        target axis (t,).
    levels : sequence of int
        (L1, ..., Ld) number of levels of each factor.

    Returns
    -------
    SobolIndices
        ``first`` and ``total``, each (d,) or (d, t); 0 for a target constant (to rounding).

    Raises
    ------
    EstimationError
        If ``y``'s shape does not match ``levels``, a level count is not a positive integer or
        ``y`` is not finite.

    Example
    -------
    >>> x1, x2 = np.meshgrid([-1.0, 1.0], [-1.0, 0.0, 1.0], indexing="ij")
    >>> res = anova_factorial(x1 + x1 * x2, [2, 3])  # Var: 1 (x1), 2/3 (interaction)
    >>> np.round(res.first, 4).tolist(), np.round(res.total, 4).tolist()
    ([0.6, 0.0], [1.0, 0.4])
    """
    try:
        levels = tuple(int(L) for L in levels)
    except (TypeError, ValueError):
        raise EstimationError(f"levels must be a sequence of positive integers, got {levels!r}") from None
    if not levels or min(levels) < 1:
        raise EstimationError(f"levels must be a non-empty sequence of positive integers, got {levels!r}")
    d = len(levels)
    y = np.asarray(y, dtype=np.float64)
    if y.shape[:d] == levels and y.ndim in (d, d + 1):
        grid = y
    elif y.ndim in (1, 2) and y.shape[0] == math.prod(levels):
        grid = y.reshape(levels + y.shape[1:])
    else:
        raise EstimationError(
            f"y must have shape {levels} or ({math.prod(levels)},), optionally with a target axis, got {y.shape}"
        )
    if not np.all(np.isfinite(grid)):
        raise EstimationError("y holds non-finite values")
    axes = tuple(range(d))
    flat = grid.reshape((-1,) + grid.shape[d:])
    spread = flat.max(axis=0) - flat.min(axis=0)
    constant = spread <= 4 * np.finfo(np.float64).eps * np.abs(flat).max(axis=0)
    var = np.where(constant, 1.0, grid.var(axis=axes))
    first, total = [], []
    for i in axes:
        others = tuple(j for j in axes if j != i)
        first.append(grid.mean(axis=others).var(axis=0))
        total.append(grid.var(axis=i).mean(axis=tuple(range(d - 1))))
    first = np.where(constant, 0.0, np.stack(first) / var)
    total = np.where(constant, 0.0, np.stack(total) / var)
    return SobolIndices(first, total)
