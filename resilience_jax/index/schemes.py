"""Index-construction choices for a sensitivity study: normalisation, weighting and aggregation.

A composite index is built in three steps, each with several defensible options; a sensitivity
study recomputes the index under each combination. Every function here is pure and jittable (the
method names and ``n_periods`` are static arguments) and returns, beside its numbers, a status flag
instead of a silent NaN when an indicator has zero spread.

Normalisation (:func:`normalise`) puts the raw indicators on a common, direction-aware scale:

- ``minmax``: distance to the worst value over the range, pooled over all rows, in [0, 1];
- ``minmax_per_period``: the same with each period's own minimum and maximum;
- ``zscore``: distance to the mean in standard deviations;
- ``rank``: percentile rank within the column (ties share their average rank);
- ``goalposts``: min-max with bounds fixed in advance, values outside them capped (OECD/JRC
  Handbook on Constructing Composite Indicators, 2008; the COINr goalpost method).

Weighting (:func:`scheme_weights`) derives one weight per indicator from a matrix:

- ``entropy``: indicators whose values are spread unevenly over the rows carry more information;
- ``equal``: the same weight for every indicator;
- ``critic``: contrast (standard deviation) times conflict (one minus the correlations with the
  other indicators), CRITIC of Diakoulaki, Mavrotas and Papayannakis (1995);
- ``sd`` and ``cv``: the standard deviation, or the coefficient of variation, of each indicator;
- ``pca``: the squared loadings of the first principal component of the correlation matrix
  (OECD/JRC Handbook, 2008, in its one-factor form).

Aggregation (:func:`aggregate`) combines the normalised values with the weights: a weighted sum
(``arithmetic``, fully compensatory) or a weighted geometric mean (``geometric``, a poor value on
one indicator is only partly offset by good values on the others; OECD/JRC Handbook, 2008).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _x64  # noqa: F401
from .. import status
from ..errors import EstimationError
from .entropy import _normalise, entropy_from_sums, xlogx
from .stage import row_sums

Normalisation = Literal["minmax", "minmax_per_period", "zscore", "rank", "goalposts"]
Weighting = Literal["entropy", "equal", "critic", "sd", "cv", "pca"]
Aggregation = Literal["arithmetic", "geometric"]

NORMALISATIONS = ("minmax", "minmax_per_period", "zscore", "rank", "goalposts")
WEIGHTINGS = ("entropy", "equal", "critic", "sd", "cv", "pca")
AGGREGATIONS = ("arithmetic", "geometric")


class Scheme(NamedTuple):
    """The result of one construction step.

    Attributes
    ----------
    values : (n, m) normalised matrix, (m,) weights, as the step computes.
    status : int32 scalar bit mask: ``status.OK``, or ``status.CONSTANT_INDICATOR`` when a column
        has zero spread (its values are then finite placeholders), possibly with
        ``status.NON_FINITE`` (weights only; e.g. ``cv`` of a column with mean 0).
    """

    values: jax.Array
    status: jax.Array


def _as_float(x) -> jax.Array:
    return jnp.asarray(x, dtype=jnp.result_type(float))


def _is_concrete(x) -> bool:
    return x is not None and not isinstance(x, jax.core.Tracer)


def _flag(constant: jax.Array) -> jax.Array:
    return jnp.where(jnp.any(constant), status.CONSTANT_INDICATOR, status.OK).astype(jnp.int32)


def _zero_spread(V: jax.Array) -> jax.Array:
    """(m,) True where a column takes one value on every row (max == min, no rounding involved)."""
    return V.max(axis=0) <= V.min(axis=0)


def normalise(X, directions, method: Normalisation = "minmax", *, periods=None, n_periods: int | None = None,
              goalposts=None) -> Scheme:
    """Direction-aware normalisation of an (n, m) indicator table.

    For a negative indicator (direction -1, smaller is better) every method makes the normalised
    value increase as the raw value decreases.

    Parameters
    ----------
    X : array_like
        (n, m) raw indicator values.
    directions : array_like
        (m,) +1 (more is better) or -1 (less is better).
    method : {"minmax", "minmax_per_period", "zscore", "rank", "goalposts"}, optional
        (static)

        - ``minmax``: ``(x - min_j) / (max_j - min_j)``, or ``(max_j - x) / (max_j - min_j)`` for a
          negative indicator, bounds over all rows; in [0, 1]. The same values as
          :func:`~resilience_jax.index.stage.row_sums`.
        - ``minmax_per_period``: as ``minmax`` with the bounds of each row's period.
        - ``zscore``: ``direction_j * (x - mean_j) / sd_j`` with the population standard deviation
          (``ddof=0``, divisor n).
        - ``rank``: the average rank (ties share the mean of their ranks, 1 = worst) of
          ``direction_j * x`` within the column, divided by n; in (0, 1].
        - ``goalposts``: ``x`` capped to ``[lo_j, hi_j]`` given in advance, then min-max scaled with
          those bounds; in [0, 1].
    periods : array_like, optional
        (n,) integer period codes in ``[0, n_periods)`` (``minmax_per_period`` only).
    n_periods : int, optional
        The number of periods (static; ``minmax_per_period`` only).
    goalposts : array_like, optional
        (m, 2) ``[lo, hi]`` per indicator (``goalposts`` only), with ``lo < hi``.

    Returns
    -------
    Scheme
        ``values`` (n, m) normalised values; ``status`` ``status.CONSTANT_INDICATOR`` when some
        column has zero spread (over all rows, or within a period for ``minmax_per_period``; for
        ``goalposts``, after capping, or ``hi <= lo`` when the goalposts are traced). Such a column
        gets 0 (``minmax``, ``minmax_per_period``, ``zscore``, ``goalposts`` with ``hi <= lo``), its
        ordinary value otherwise (``rank``: all ties, ``(n + 1) / (2 n)``; ``goalposts``: the capped
        value scaled by the goalposts), never NaN.

    Raises
    ------
    EstimationError
        An unknown method, X not 2-D, a missing ``periods``/``n_periods``/``goalposts`` for the
        method, concrete period codes outside ``[0, n_periods)``, or concrete goalposts of the wrong
        shape or with ``lo >= hi`` for some indicator.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    >>> normalise(X, [1, -1]).values.round(4).tolist()
    [[0.0, 1.0], [0.3333, 0.0], [1.0, 0.5]]
    >>> normalise(X, [1, -1], "rank").values.round(4).tolist()
    [[0.3333, 1.0], [0.6667, 0.3333], [1.0, 0.6667]]
    >>> normalise(X, [1, -1], "goalposts", goalposts=[[0.0, 3.0], [10.0, 20.0]]).values.round(4).tolist()
    [[0.3333, 1.0], [0.6667, 0.0], [1.0, 0.0]]
    >>> res = normalise(np.array([[1.0, 5.0], [2.0, 5.0]]), [1, 1], "zscore")
    >>> res.values.tolist(), int(res.status) == status.CONSTANT_INDICATOR
    ([[-1.0, 0.0], [1.0, 0.0]], True)
    """
    if method not in NORMALISATIONS:
        raise EstimationError(f"normalisation must be one of {NORMALISATIONS}, got {method!r}")
    X = _as_float(X)
    if X.ndim != 2:
        raise EstimationError(f"X must be an (n, m) array, got shape {X.shape}")
    d = _as_float(directions).reshape(-1)
    if d.shape != (X.shape[1],):
        raise EstimationError(f"directions must have {X.shape[1]} entries, got {d.shape[0]}")
    n = X.shape[0]

    if method == "minmax":
        s = row_sums(X, d)
        constant = s.hi <= s.lo
        return Scheme(jnp.where(constant, 0.0, s.z), _flag(constant))

    if method == "minmax_per_period":
        if periods is None or n_periods is None:
            raise EstimationError("method='minmax_per_period' needs periods=... (codes) and n_periods=... (static int)")
        n_periods = int(n_periods)
        if _is_concrete(periods):
            codes = np.asarray(periods)
            in_range = codes.shape == (n,) and np.issubdtype(codes.dtype, np.integer)
            if not (in_range and codes.min() >= 0 and codes.max() < n_periods):
                raise EstimationError(f"periods must be {n} integer codes in [0, {n_periods}), one per row")
        codes = jnp.asarray(periods)
        lo = jax.ops.segment_min(X, codes, n_periods)[codes]
        hi = jax.ops.segment_max(X, codes, n_periods)[codes]
        z, constant = _normalise(X, d, lo, hi)  # safe division: constant cells are 0
        return Scheme(z, _flag(constant))

    if method == "zscore":
        constant = _zero_spread(X)
        sd = X.std(axis=0)
        z = d * (X - X.mean(axis=0)) / jnp.where(constant, 1.0, sd)
        return Scheme(jnp.where(constant, 0.0, z), _flag(constant))

    if method == "rank":
        Y = d * X
        srt = jnp.sort(Y, axis=0)
        below = jax.vmap(lambda c, y: jnp.searchsorted(c, y, side="left"), in_axes=1, out_axes=1)(srt, Y)
        upto = jax.vmap(lambda c, y: jnp.searchsorted(c, y, side="right"), in_axes=1, out_axes=1)(srt, Y)
        # average of the ranks below+1 .. upto shared by the ties
        return Scheme((below + upto + 1).astype(X.dtype) / (2.0 * n), _flag(_zero_spread(X)))

    # goalposts
    if goalposts is None:
        raise EstimationError("method='goalposts' needs goalposts=... ((m, 2) array of [lo, hi] per indicator)")
    if _is_concrete(goalposts):
        g = np.asarray(goalposts, dtype=np.float64)
        if g.shape != (X.shape[1], 2):
            raise EstimationError(f"goalposts must be an ({X.shape[1]}, 2) array of [lo, hi], got shape {g.shape}")
        bad = np.flatnonzero(~(g[:, 0] < g[:, 1]))
        if len(bad):
            raise EstimationError(f"goalposts need lo < hi; not so for column(s) {bad.tolist()}")
    g = _as_float(goalposts)
    lo, hi = g[:, 0], g[:, 1]
    capped = jnp.clip(X, lo, hi)
    z, bad_posts = _normalise(capped, d, lo, hi)  # lo >= hi (traced goalposts): 0 and flagged
    return Scheme(jnp.where(bad_posts, 0.0, z), _flag(bad_posts | _zero_spread(capped)))


def _sum_to_one(score: jax.Array) -> jax.Array:
    """``score / sum(score)``, equal weights when every score is 0 (all columns constant)."""
    total = score.sum()
    return jnp.where(total > 0, score / jnp.where(total > 0, total, 1.0), 1.0 / score.shape[0])


def _standardised(V: jax.Array, constant: jax.Array) -> jax.Array:
    """Columns centred and scaled to unit population sd; a constant column is 0."""
    sd = V.std(axis=0)
    S = (V - V.mean(axis=0)) / jnp.where(constant, 1.0, sd)
    return jnp.where(constant, 0.0, S)


def scheme_weights(V, method: Weighting = "entropy", *, shift=0.0) -> Scheme:
    """Indicator weights summing to 1 from an (n, m) matrix (normally the normalised indicators).

    The method is applied to ``V`` as given: pass the normalised matrix the index is built from
    (the tests also pass raw data to compare with pymcdm).

    Parameters
    ----------
    V : array_like
        (n, m) values the weights are computed from.
    method : {"entropy", "equal", "critic", "sd", "cv", "pca"}, optional
        (static)

        - ``entropy``: ``p_ij = (v_ij + shift) / sum_i (v_ij + shift)``,
          ``e_j = -sum_i p_ij ln p_ij / ln n`` with ``0 ln 0 = 0``, weights ``(1 - e_j)`` normalised.
          Needs ``V + shift >= 0`` (min-max, rank or goalpost values, or positive raw data). On
          strictly positive data with ``shift = 0`` it equals ``pymcdm.weights.entropy_weights``;
          pymcdm rejects non-positive values and would set ``e_j = 0`` for a column holding a 0,
          where this function uses ``0 ln 0 = 0`` (as :mod:`~resilience_jax.index.entropy`).
        - ``equal``: ``1 / m`` each (``pymcdm.weights.equal_weights``).
        - ``critic``: ``C_j = sd_j * sum_k (1 - r_jk)`` normalised, ``r`` the Pearson correlations
          of the columns of ``V`` (Diakoulaki et al., 1995). ``pymcdm.weights.critic_weights``
          first min-max normalises each column of its input (every column as more-is-better), then
          applies this formula with ``ddof=1`` standard deviations; here ``V`` is taken as given,
          so pymcdm's value on a raw matrix is this function's value on the min-max normalised
          matrix (identical when ``V`` is already min-max normalised).
        - ``sd``: ``sd_j`` normalised; equals ``pymcdm.weights.standard_deviation_weights``, which
          uses the raw matrix as given (no normalisation) and ``ddof=1``.
        - ``cv``: ``sd_j / |mean_j|`` normalised; needs non-zero column means (not z-scores).
        - ``pca``: the squared loadings of the eigenvector of the largest eigenvalue of the
          correlation matrix of ``V`` (PCA of the column-standardised ``V``); unit-norm loadings, so
          they already sum to 1.

        The standard deviations' ``ddof`` cancels in every normalised weight (``sd``, ``cv``,
        ``critic``), so population ones (``ddof=0``) are used and the weights equal pymcdm's
        ``ddof=1`` ones.
    shift : float or jax.Array, optional
        Translation added to ``V`` before the entropy shares (``entropy`` only).

    Returns
    -------
    Scheme
        ``values`` (m,) weights summing to 1. ``status`` ``status.CONSTANT_INDICATOR`` when a
        column of ``V`` has zero spread: such a column gets weight 0 in every data-driven method
        and the other columns the weights of the method on them alone (``equal`` keeps ``1 / m``);
        if every column is constant the weights are equal. ``status.NON_FINITE`` is added when a
        weight is nevertheless not finite (``cv`` with a zero column mean).

    Raises
    ------
    EstimationError
        An unknown method, or V not 2-D.

    Example
    -------
    >>> import numpy as np
    >>> V = np.array([[1.0, 10.0, 3.0], [2.0, 30.0, 3.5], [4.0, 20.0, 2.0], [3.0, 15.0, 5.0]])
    >>> scheme_weights(V, "entropy").values.round(4).tolist()
    [0.4539, 0.3273, 0.2188]
    >>> scheme_weights(V, "equal").values.round(4).tolist()
    [0.3333, 0.3333, 0.3333]
    >>> scheme_weights(V, "sd").values.round(4).tolist()
    [0.1165, 0.7707, 0.1128]
    >>> res = scheme_weights(np.array([[1.0, 2.0, 7.0], [3.0, 2.0, 5.0], [2.0, 2.0, 9.0]]), "critic")
    >>> res.values.round(4).tolist(), int(res.status) == status.CONSTANT_INDICATOR
    ([0.3333, 0.0, 0.6667], True)
    """
    if method not in WEIGHTINGS:
        raise EstimationError(f"weighting must be one of {WEIGHTINGS}, got {method!r}")
    V = _as_float(V)
    if V.ndim != 2:
        raise EstimationError(f"V must be an (n, m) array, got shape {V.shape}")
    n, m = V.shape
    constant = _zero_spread(V)

    if method == "equal":
        w = jnp.full((m,), 1.0 / m, dtype=V.dtype)
    elif method == "entropy":
        v = V + shift
        total = v.sum(axis=0)
        e = entropy_from_sums(jnp.where(total > 0, total, 1.0), xlogx(v).sum(axis=0), n)
        w = _sum_to_one(jnp.where(constant, 0.0, 1.0 - e))
    elif method == "sd":
        w = _sum_to_one(jnp.where(constant, 0.0, V.std(axis=0)))
    elif method == "cv":
        mean = jnp.abs(V.mean(axis=0))
        w = _sum_to_one(jnp.where(constant, 0.0, V.std(axis=0) / jnp.where(constant, 1.0, mean)))
    else:
        S = _standardised(V, constant)
        R = S.T @ S / n  # correlations; rows and columns of constant indicators are 0
        if method == "critic":
            informative = ~constant[:, None] & ~constant[None, :]
            conflict = jnp.where(informative, 1.0 - R, 0.0).sum(axis=0)  # constant columns left out
            w = _sum_to_one(jnp.where(constant, 0.0, V.std(axis=0) * conflict))
        else:  # pca
            _, vecs = jnp.linalg.eigh(R)
            w = _sum_to_one(jnp.where(constant, 0.0, vecs[:, -1] ** 2))

    flag = _flag(constant) | jnp.where(jnp.isfinite(w).all(), status.OK, status.NON_FINITE).astype(jnp.int32)
    return Scheme(w, flag)


def aggregate(Z, weights, method: Aggregation = "arithmetic") -> jax.Array:
    """Composite index from normalised values and weights.

    Parameters
    ----------
    Z : array_like
        (n, m) normalised values.
    weights : array_like
        (m,) weights, or (m, K) for K weight vectors at once.
    method : {"arithmetic", "geometric"}, optional
        (static) ``arithmetic``: ``sum_j w_j z_ij`` (``Z @ weights``). ``geometric``:
        ``prod_j z_ij ** w_j``, computed as ``exp(sum_j w_j ln z_ij)``; defined for strictly
        positive Z only (a 0 gives 0 or NaN, a negative value NaN), so normalise to a positive
        range first, e.g. min-max values mapped to [1, 100] as COINr recommends.

    Returns
    -------
    jax.Array
        (n,) index, or (n, K) for (m, K) weights.

    Raises
    ------
    EstimationError
        An unknown method.

    Example
    -------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 4.0], [2.0, 2.0]])
    >>> aggregate(Z, np.array([0.5, 0.5])).tolist(), aggregate(Z, np.array([0.5, 0.5]), "geometric").tolist()
    ([2.5, 2.0], [2.0, 2.0])
    >>> aggregate(Z, np.array([[0.5, 1.0], [0.5, 0.0]])).tolist()
    [[2.5, 1.0], [2.0, 2.0]]
    """
    if method not in AGGREGATIONS:
        raise EstimationError(f"aggregation must be one of {AGGREGATIONS}, got {method!r}")
    Z, w = _as_float(Z), _as_float(weights)
    if method == "arithmetic":
        return Z @ w
    return jnp.exp(jnp.log(Z) @ w)
