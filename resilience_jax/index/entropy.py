"""Entropy weight method (paper eqs. 4-9; docs/method.md, section 2): a pure, jittable, vmappable core.

For n evaluation objects (rows, with optional frequency weights ``w_i``) and m indicators:

1. direction-aware min-max normalisation ``z_ij = (x_ij - min_j) / (max_j - min_j)`` (positive) or
   ``(max_j - x_ij) / (max_j - min_j)`` (negative), min and max over rows with ``w_i > 0``;
2. shares ``p_ij = (z_ij + shift) / sum_i w_i (z_ij + shift)``;
3. entropy ``e_j = -1/ln(sum_i w_i) * sum_i w_i p_ij ln p_ij`` with ``0 ln 0 = 0`` (``shift = 0``,
   the paper's convention) or a small translation such as ``shift = 1e-4``;
4. divergence ``d_j = 1 - e_j`` and weight ``w_j = d_j / sum_j d_j``;
5. index ``s_i = sum_j w_j z_ij`` in [0, 1]; a sub-index per dimension uses the weights
   renormalised within the dimension (identical to running the method on that dimension alone,
   since ``d_j`` depends on indicator j only).

Frequency weights make a row drawn twice by a bootstrap count twice (min, max, shares and ``n``);
continuous weights (Bayesian bootstrap) follow the same formulas.

Panel modes:
- ``pooled``: all province-years are the n objects, one weight vector (the paper's choice).
- ``per_year``: one cross-section per period: normalisation and weights per period, shape (T, m).
- ``global``: normalisation over all periods (indices comparable over time, as ``pooled``) but
  each period's entropy computed on its own cross-section and averaged, ``e_j = mean_t e_tj``, so
  every period counts equally in the weights (the time-stacked "global entropy" reading).
"""

from __future__ import annotations

from functools import partial
from typing import Literal, NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .. import _x64  # noqa: F401
from ..errors import EstimationError

PanelMode = Literal["pooled", "per_year", "global"]


class EntropyWeights(NamedTuple):
    """Result of the entropy weight method.

    Attributes
    ----------
    weights : (m,) indicator weights summing to 1; (T, m) in ``per_year`` mode.
    entropy : (m,) or (T, m) entropies ``e_j``.
    divergence : (m,) or (T, m) ``1 - e_j``.
    normalized : (n, m) direction-aware min-max normalised values.
    index : (n,) composite index ``sum_j w_j z_ij``.
    sub_indices : (n, D) one index per dimension (weights renormalised within the dimension).
    constant : (m,) or (T, m) True where an indicator has max == min (its weight is then invalid).
    """

    weights: jax.Array
    entropy: jax.Array
    divergence: jax.Array
    normalized: jax.Array
    index: jax.Array
    sub_indices: jax.Array
    constant: jax.Array


def log0(x: jax.Array) -> jax.Array:
    """``log(max(x, tiny))``, ``tiny`` the smallest normal number of x's dtype: times ``x``, it gives
    ``x ln x`` with ``0 ln 0 = 0`` and no where() branch (cheaper batched). A fixed 1e-300 would
    round to 0 in float32 and give 0 * log(0) = NaN.

    Parameters
    ----------
    x : jax.Array
        Non-negative values (a floating dtype).

    Returns
    -------
    jax.Array
        ``ln x`` where ``x`` is at least ``tiny``, ``ln tiny`` (finite) below.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> float(log0(jnp.array(1.0))), bool(jnp.isfinite(log0(jnp.array(0.0))))
    (0.0, True)
    """
    return jnp.log(jnp.maximum(x, jnp.finfo(x.dtype).tiny))


def xlogx(x: jax.Array) -> jax.Array:
    """``x ln x`` with ``0 ln 0 = 0`` (:func:`log0`).

    Parameters
    ----------
    x : jax.Array
        As :func:`log0`.

    Returns
    -------
    jax.Array
        ``x ln x`` elementwise, 0 where ``x`` is 0.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> float(xlogx(jnp.array(0.0))) == 0.0, round(float(xlogx(jnp.array(0.5))), 6)
    (True, -0.346574)
    """
    return x * log0(x)


def _normalise(X, directions, lo, hi):
    rng = hi - lo
    constant = rng <= 0
    safe = jnp.where(constant, 1.0, rng)
    z = jnp.where(directions > 0, (X - lo) / safe, (hi - X) / safe)
    return z, constant


def _entropy_of(z, w, shift):
    """Entropy per column of one table: z (n, m), frequency weights w (n,)."""
    zs = z + shift
    total = (w[:, None] * zs).sum(axis=0)
    p = zs / jnp.where(total > 0, total, 1.0)
    n_eff = w.sum()
    return -(w[:, None] * xlogx(p)).sum(axis=0) / jnp.log(n_eff)


def _weights_from(e):
    d = 1.0 - e
    return d / d.sum(axis=-1, keepdims=True), d


@partial(jax.jit, static_argnames=("mode", "n_periods"))
def entropy_core(
    X: jax.Array,
    directions: jax.Array,
    obs_weights: jax.Array,
    membership: jax.Array,
    time_codes: jax.Array,
    shift: float | jax.Array = 0.0,
    *,
    mode: PanelMode = "pooled",
    n_periods: int = 1,
    bounds: jax.Array | None = None,
) -> EntropyWeights:
    """Jittable core of :func:`entropy_weights` (no validation; see there for the arguments).

    Parameters
    ----------
    X : jax.Array
        (n, m) raw indicator values.
    directions : jax.Array
        (m,) +1 (more is better) or -1 (less is better).
    obs_weights : jax.Array
        (n,) non-negative frequency weights; rows with weight 0 are left out.
    membership : jax.Array
        (m, D) 0/1 matrix of indicator-dimension membership (:func:`membership_matrix`).
    time_codes : jax.Array
        (n,) integers in ``[0, n_periods)`` (ignored in ``pooled`` mode).
    shift : float or jax.Array, optional
        Translation added to the normalised values before the shares.
    mode : {"pooled", "per_year", "global"}, optional
        Panel mode (static; see the module doc).
    n_periods : int, optional
        Number of periods (static).

    Returns
    -------
    EntropyWeights
        As :func:`entropy_weights`, with ``constant`` flagging constant indicators instead of
        raising.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    >>> M, _ = membership_matrix(["a", "b"])
    >>> res = entropy_core(X, np.array([1.0, -1.0]), np.ones(3), M, np.zeros(3, np.int32))
    >>> np.round(np.asarray(res.weights), 4).tolist()
    [0.5371, 0.4629]
    >>> res.sub_indices.tolist()  # one indicator per dimension: the normalised values themselves
    [[0.0, 1.0], [0.3333, 0.0], [1.0, 0.5]]
    """
    X = jnp.asarray(X)
    w = jnp.asarray(obs_weights, dtype=X.dtype)
    active = (w > 0)[:, None]
    big = jnp.asarray(jnp.inf, X.dtype)
    if bounds is not None:  # fixed bounds (goalposts): the same in every period and every sample
        z, constant = _normalise(X, directions, bounds[0], bounds[1])
        # an indicator at its worse bound in every active row carries no share (undefined entropy)
        constant = constant | ~((w[:, None] * z).sum(axis=0) > 0)
        constant_t = jnp.broadcast_to(constant, (n_periods, X.shape[1])) if mode == "per_year" else constant
    elif mode == "per_year":
        lo = jax.ops.segment_min(jnp.where(active, X, big), time_codes, n_periods)
        hi = jax.ops.segment_max(jnp.where(active, X, -big), time_codes, n_periods)
        z, _ = _normalise(X, directions, lo[time_codes], hi[time_codes])
        constant_t = (hi - lo) <= 0
    else:
        lo = jnp.where(active, X, big).min(axis=0)
        hi = jnp.where(active, X, -big).max(axis=0)
        z, constant_t = _normalise(X, directions, lo, hi)

    if mode == "pooled":
        e = _entropy_of(z, w, shift)
        weights, d = _weights_from(e)
        row_w = jnp.broadcast_to(weights, z.shape)
    else:
        one_hot = jax.nn.one_hot(time_codes, n_periods, dtype=X.dtype)  # (n, T)
        e_t = jax.vmap(lambda mask: _entropy_of(z, w * mask, shift), in_axes=1)(one_hot)  # (T, m)
        if mode == "per_year":
            e = e_t
            weights, d = _weights_from(e)
            row_w = weights[time_codes]
        else:  # global
            e = e_t.mean(axis=0)
            weights, d = _weights_from(e)
            row_w = jnp.broadcast_to(weights, z.shape)

    index = (row_w * z).sum(axis=1)
    dim_w = row_w[:, :, None] * membership[None, :, :]  # (n, m, D)
    dim_w = dim_w / dim_w.sum(axis=1, keepdims=True)
    sub = jnp.einsum("nm,nmd->nd", z, dim_w)
    return EntropyWeights(weights, e, d, z, index, sub, constant_t)


def entropy_from_sums(total: jax.Array, xlogx_total: jax.Array, n) -> jax.Array:
    """Entropy ``e_j`` from ``total = sum_i w_i v_ij`` and ``xlogx_total = sum_i w_i v_ij ln v_ij``
    over n (effective) objects, for any positive rescaling ``v`` of the normalised values (z, or
    the distances to the minimum): ``sum_i w_i p ln p`` with ``p = v / total`` equals
    ``xlogx_total / total - ln total``, so ``e = (ln total - xlogx_total / total) / ln n``.

    Parameters
    ----------
    total : jax.Array
        (m, ...) ``sum_i w_i v_ij``.
    xlogx_total : jax.Array
        (m, ...) ``sum_i w_i v_ij ln v_ij``.
    n : float or jax.Array
        (...) effective number of objects ``sum_i w_i``.

    Returns
    -------
    jax.Array
        (m, ...) entropies ``e_j``.

    Example
    -------
    The same entropies as :func:`entropy_weights` on the normalised values:

    >>> import jax.numpy as jnp
    >>> z = jnp.array([[0.0, 1.0], [1.0 / 3, 0.0], [1.0, 0.5]])
    >>> e = entropy_from_sums(z.sum(axis=0), xlogx(z).sum(axis=0), 3.0)
    >>> [round(float(v), 4) for v in e]
    [0.5119, 0.5794]
    >>> bool(jnp.allclose(e, entropy_weights(z, [1, 1]).entropy))
    True
    """
    return (jnp.log(total) - xlogx_total / total) / jnp.log(n)


def index_weights(entropy: jax.Array, members: jax.Array) -> jax.Array:
    """(D, m, ...) indicator weights of D indices from the entropies (m, ...): ``1 - e_j``
    renormalised over each index's members (rows of the 0/1 ``members``; a (m,) ``members`` is one
    index). Trailing axes of ``entropy`` are batch axes (replicates).

    Parameters
    ----------
    entropy : jax.Array
        (m, ...) entropies ``e_j``.
    members : jax.Array
        (D, m) 0/1 membership of the indicators in each index, or (m,) for one index.

    Returns
    -------
    jax.Array
        (D, m, ...) weights, each index's summing to 1 over its members (0 elsewhere).

    Example
    -------
    An index over all three indicators and one over the last two:

    >>> import jax.numpy as jnp
    >>> w = index_weights(jnp.array([0.5, 0.8, 0.9]), jnp.array([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]]))
    >>> [[round(float(v), 4) for v in row] for row in w]
    [[0.625, 0.25, 0.125], [0.0, 0.6667, 0.3333]]
    """
    mem = members if members.ndim == 2 else members[None]
    mem = mem.reshape(mem.shape + (1,) * (entropy.ndim - 1))
    dvg = (1.0 - entropy)[None] * mem
    return dvg / dvg.sum(axis=1, keepdims=True)


def membership_matrix(dimensions: Sequence[str], order: Sequence[str] | None = None) -> tuple[np.ndarray, tuple[str, ...]]:
    """(m, D) 0/1 matrix from one dimension label per indicator; returns it and the dimension order.

    Parameters
    ----------
    dimensions : sequence of str
        m dimension labels, one per indicator.
    order : sequence of str or None, optional
        The dimensions' order (the matrix's columns); default: order of first appearance.

    Returns
    -------
    membership : numpy.ndarray
        (m, D) 0/1 matrix, ``membership[j, d] = 1`` when indicator j is in dimension d.
    order : tuple of str
        The D dimensions.

    Raises
    ------
    ValueError
        A label of ``dimensions`` is missing from ``order``.

    Example
    -------
    >>> M, order = membership_matrix(["econ", "econ", "tech"])
    >>> M.tolist(), order
    ([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], ('econ', 'tech'))
    """
    order = tuple(order) if order is not None else tuple(dict.fromkeys(dimensions))
    M = np.zeros((len(dimensions), len(order)))
    for j, d in enumerate(dimensions):
        M[j, order.index(d)] = 1.0
    return M, order


def entropy_weights(
    X,
    directions,
    *,
    obs_weights=None,
    mode: PanelMode = "pooled",
    shift: float = 0.0,
    time=None,
    dimensions: Sequence[str] | None = None,
    names: Sequence[str] | None = None,
    bounds=None,
) -> EntropyWeights:
    """Entropy weights, composite index and sub-indices of an (n, m) indicator table.

    Parameters
    ----------
    X : array_like
        (n, m) raw indicator values (rows = evaluation objects, e.g. province-years).
    directions : array_like
        m values, +1 (more is better) or -1 (less is better).
    obs_weights : array_like, optional
        (n,) non-negative frequency weights (bootstrap multiplicities or continuous
        Bayesian-bootstrap weights); rows with weight 0 are left out.
    mode : {"pooled", "per_year", "global"}, optional
        ``"pooled"`` (default, the paper's), ``"per_year"`` or ``"global"``; see the module doc.
    shift : float, optional
        Translation added to normalised values before the shares (0: ``0 ln 0 = 0``).
    time : array_like, optional
        (n,) period labels, required for ``per_year`` and ``global``.
    dimensions : sequence of str, optional
        m dimension labels for the sub-indices (default: one dimension holding all).
    names : sequence of str, optional
        m indicator names, used in error messages.
    bounds : array_like, optional
        (2, m) fixed normalisation bounds (lower, upper; goalposts, with X already capped to them)
        instead of each sample's own minimum and maximum.

    Returns
    -------
    EntropyWeights
        ``weights`` (m,) or, ``per_year``, (T, m); ``entropy``, ``divergence``, ``normalized``
        (n, m), ``index`` (n,), ``sub_indices`` (n, D) and ``constant``.

    Raises
    ------
    EstimationError
        Non-finite or wrongly shaped input, bad directions, negative weights, or a constant
        indicator (max == min, overall or, in ``per_year`` mode, within a period), named.

    Example
    -------
    >>> import numpy as np
    >>> X = np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    >>> res = entropy_weights(X, [1, -1])
    >>> float(res.weights.sum())
    1.0
    >>> np.round(np.asarray(res.weights), 4).tolist(), np.round(np.asarray(res.index), 4).tolist()
    ([0.5371, 0.4629], [0.4629, 0.179, 0.7686])
    >>> entropy_weights(np.ones((3, 2)), [1, 1], names=["gdp", "jobs"])
    Traceback (most recent call last):
    ...
    resilience_jax.errors.EstimationError: indicator(s) 'gdp', 'jobs' constant across all rows ...
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise EstimationError(f"X must be an (n, m) array with n >= 2 rows, got shape {X.shape}")
    n, m = X.shape
    names = tuple(names) if names is not None else tuple(f"column {j}" for j in range(m))
    if len(names) != m:
        raise EstimationError(f"names has {len(names)} entries for {m} indicators")
    bad = ~np.isfinite(X).all(axis=0)
    if bad.any():
        raise EstimationError(f"non-finite values in indicator(s): {', '.join(np.asarray(names)[bad])}")
    signs = {"+": 1.0, "-": -1.0, 1: 1.0, -1: -1.0}  # the spec files write "+" and "-" (1.0 == 1 as a key)
    raw = np.asarray(directions, dtype=object).reshape(-1)
    if raw.shape != (m,) or not all(isinstance(v, (str, int, float, np.integer, np.floating)) and v in signs for v in raw):
        raise EstimationError(f"directions must be {m} values of +1 or -1 (or '+' / '-'), got {raw.tolist()}")
    d = np.array([signs[v] for v in raw])
    if dimensions is not None and len(dimensions) != m:
        raise EstimationError(f"dimensions has {len(dimensions)} labels for {m} indicators (one per indicator)")
    w = np.ones(n) if obs_weights is None else np.asarray(obs_weights, dtype=np.float64).reshape(-1)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 1:
        raise EstimationError("obs_weights must be n finite non-negative values with a sum above 1")
    if mode not in ("pooled", "per_year", "global"):
        raise EstimationError(f"mode must be 'pooled', 'per_year' or 'global', got {mode!r}")
    if not (np.isfinite(shift) and shift >= 0):
        raise EstimationError(f"shift must be a finite number >= 0, got {shift!r}")
    if mode == "pooled":
        codes, periods = np.zeros(n, dtype=np.int32), np.array([0])
    else:
        if time is None:
            raise EstimationError(f"mode={mode!r} needs the period of each row: pass time=...")
        codes, periods = _codes(time, n)
    if bounds is not None:
        bounds = np.asarray(bounds, dtype=np.float64)
        if bounds.shape != (2, m) or not np.isfinite(bounds).all() or not (bounds[1] > bounds[0]).all():
            raise EstimationError(f"bounds must be a finite (2, {m}) array of lower < upper bounds, got shape {bounds.shape}")
        if ((X < bounds[0]) | (X > bounds[1])).any():
            raise EstimationError("X has values beyond its bounds: cap them first (Panel.index_inputs does)")
    M, _ = membership_matrix(dimensions if dimensions is not None else ["all"] * m)
    res = entropy_core(X, d, w, M, codes, shift, mode=mode, n_periods=len(periods), bounds=bounds)
    const = np.asarray(res.constant)
    if const.any():
        if const.ndim == 2:
            t, j = np.argwhere(const)[0]
            raise EstimationError(
                f"indicator {names[j]!r} is constant in period {periods[t]} (max == min), so its normalisation "
                "is undefined; use mode='pooled' or drop the indicator"
            )
        raise EstimationError(
            f"indicator(s) {', '.join(repr(names[j]) for j in np.flatnonzero(const))} constant across all rows "
            "(max == min): the normalisation is undefined. Drop the indicator from the index spec."
        )
    return res


def _codes(labels, n: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).reshape(-1)
    if labels.shape != (n,):
        raise EstimationError(f"time must have one label per row ({n}), got {labels.shape[0]}")
    periods, codes = np.unique(labels, return_inverse=True)
    return codes.astype(np.int32), periods
