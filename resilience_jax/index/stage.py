"""The index stage of the staged core: from the rows' normalisation bounds and entropy sums to the
entropy weights and the index coefficients on the raw indicators.

Every path of the core (the single fit, the weighted rows, the per-entity tables, the gathered
rows) computes the same few sums over the rows it uses (each path in its own layout) and hands
them to :func:`index_stage`:

- the bounds ``lo_j``, ``hi_j`` (min and max over the rows with positive weight);
- ``total_j = sum_i r_i v_ij`` and ``xlogx_j = sum_i r_i v_ij ln v_ij`` for any positive rescaling
  ``v`` of the normalised values ``z`` (the distances to the worse bound in raw units, or ``z``
  itself: the entropy is the same, :func:`~resilience_jax.index.entropy.entropy_from_sums`);
- the effective number of rows ``n_eff = sum_i r_i`` and the mean normalised value ``zbar_j``.

The stage returns each index's weights, its coefficients ``sign_j w_j / range_j`` on the raw
indicators (after a within transformation the min-max index is linear in the raw indicators, so
these coefficients are all the equations need), the indices' means and a status flag. Batch axes
(replicates) trail the indicator axis.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from .. import status
from .entropy import entropy_from_sums, index_weights, log0


class IndexStage(NamedTuple):
    """The index stage's result for E indices over m indicators (batch axes ``...`` trailing)."""

    weights: jax.Array  # (E, m, ...) each index's indicator weights (sum 1 over its members)
    divergence: jax.Array  # (m, ...) 1 - e_j (every index's weights are these renormalised over its members)
    lo: jax.Array  # (m, ...) normalisation bounds
    hi: jax.Array  # (m, ...)
    coef: jax.Array  # (E, m, ...) sign_j w_ej / (hi_j - lo_j): each index on the raw indicators
    mean: jax.Array  # (E, ...) mean of each index over the rows (weighted)
    status: jax.Array  # (...) int32: status.CONSTANT_INDICATOR where some range is 0


class RowSums(NamedTuple):
    """What :func:`row_sums` computes over the rows: bounds, normalised values and entropy sums."""

    lo: jax.Array
    hi: jax.Array
    z: jax.Array  # normalised values, the rows' layout
    total: jax.Array  # sum_i r_i z_ij
    xlogx: jax.Array  # sum_i r_i z_ij ln z_ij


def row_sums(X: jax.Array, directions: jax.Array, row_weights: jax.Array | None = None, *, axis=0,
             bounds: jax.Array | None = None) -> RowSums:
    """Bounds, min-max normalised values and entropy sums over the row axis (or axes) of ``X``.

    Parameters
    ----------
    X : jax.Array
        Raw indicators, rows on ``axis``: (n, m), or (G, T, m, B) with ``axis=(0, 1)``.
    directions : jax.Array
        +1 / -1 per indicator, shaped to broadcast against X's indicator axis.
    row_weights : jax.Array or None, optional
        Frequency weights broadcastable to X (rows with weight 0 are left out of the bounds), or
        None (all rows count once).
    axis : int or tuple of int, optional
        The row axis (or axes) of ``X``.
    bounds : jax.Array or None, optional
        (2, ...) fixed lower and upper bounds (goalposts; X capped to them), each broadcastable to
        X's shape with the row axes of size 1; None: the bounds are the rows' own min and max.

    Returns
    -------
    RowSums
        ``lo`` and ``hi`` (the bounds, row axes dropped), ``z`` (the normalised values, X's shape),
        ``total`` and ``xlogx`` (``sum_i r_i z_ij`` and ``sum_i r_i z_ij ln z_ij``).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> s = row_sums(jnp.array([[1.0, 4.0], [3.0, 2.0]]), jnp.array([1.0, -1.0]))
    >>> s.z.tolist(), s.total.tolist()
    ([[0.0, 0.0], [1.0, 1.0]], [1.0, 1.0])
    """
    if bounds is not None:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        kshape = tuple(1 if i in axes else n for i, n in enumerate(X.shape))
        lo, hi = jnp.broadcast_to(bounds[0], kshape), jnp.broadcast_to(bounds[1], kshape)
    elif row_weights is None:
        lo, hi = X.min(axis=axis, keepdims=True), X.max(axis=axis, keepdims=True)
    else:
        lo = jnp.where(row_weights > 0, X, jnp.inf).min(axis=axis, keepdims=True)
        hi = jnp.where(row_weights > 0, X, -jnp.inf).max(axis=axis, keepdims=True)
    z = jnp.where(directions > 0, X - lo, hi - X) * (1.0 / (hi - lo))
    rz = z if row_weights is None else row_weights * z
    # r z ln z as (r z) * log0(z): r z is shared with the total (one multiply a row, not two)
    return RowSums(jnp.squeeze(lo, axis), jnp.squeeze(hi, axis), z, rz.sum(axis=axis), (rz * log0(z)).sum(axis=axis))


def index_stage(lo, hi, total, xlogx, n_eff, zbar, directions, members) -> IndexStage:
    """Entropy weights, index coefficients, means and status from the rows' sums.

    Parameters
    ----------
    lo, hi : jax.Array
        (m, ...) normalisation bounds.
    total, xlogx : jax.Array
        (m, ...) ``sum_i r_i v_ij`` and ``sum_i r_i v_ij ln v_ij`` for a positive rescaling ``v``
        of the normalised values (see the module doc).
    n_eff : float or jax.Array
        (...) effective number of rows.
    zbar : jax.Array
        (m, ...) mean normalised value of each indicator.
    directions : jax.Array
        (m,) +1 / -1.
    members : jax.Array
        (E, m) 0/1 indicator membership of each index.

    Returns
    -------
    IndexStage
        ``weights`` and ``coef`` (E, m, ...), ``divergence``, ``lo`` and ``hi`` (m, ...), ``mean``
        (E, ...) and ``status`` (...), ``status.CONSTANT_INDICATOR`` where a range is 0.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> X = jnp.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]])
    >>> s = row_sums(X, jnp.array([1.0, -1.0]))
    >>> st = index_stage(s.lo, s.hi, s.total, s.xlogx, 3.0, s.total / 3, jnp.array([1.0, -1.0]), jnp.ones((1, 2)))
    >>> round(float(st.weights.sum()), 12), int(st.status)
    (1.0, 0)
    """
    st = index_from_entropy(entropy_from_sums(total, xlogx, n_eff), lo, hi, zbar, directions, members)
    # an indicator at its worse bound in every row (possible with fixed bounds) has no entropy
    empty = ~(total > 0).all(axis=0)
    return st._replace(status=jnp.where(empty, status.CONSTANT_INDICATOR, st.status).astype(jnp.int32))


def index_from_entropy(e, lo, hi, zbar, directions, members) -> IndexStage:
    """:func:`index_stage` from the entropies ``e`` (m, ...) themselves (the "global" mode averages
    per-period entropies before the weights).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> st = index_from_entropy(jnp.array([0.9, 0.7]), jnp.zeros(2), jnp.ones(2), jnp.full(2, 0.5),
    ...                         jnp.ones(2), jnp.ones((1, 2)))
    >>> st.weights.round(3).tolist()
    [[0.25, 0.75]]
    """
    W = index_weights(e, members)  # (E, m, ...)
    rng = hi - lo
    d = directions.reshape(directions.shape + (1,) * (rng.ndim - 1))
    coef = W * (d / rng)[None]
    mean = (W * zbar[None]).sum(axis=1)
    constant = ~(rng > 0).all(axis=0)
    return IndexStage(W, 1.0 - e, lo, hi, coef, mean, jnp.where(constant, status.CONSTANT_INDICATOR, status.OK).astype(jnp.int32))
