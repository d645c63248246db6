"""Within (fixed-effects) transformation with row weights, one- or two-way: pure and jittable.

Rows with weight 0 (masked out: another region, a lost lag) neither enter the group means nor
keep a value (they are returned as 0). Two-way demeaning uses alternating projections to a
tolerance, exact after one sweep on balanced panels; whether it converged within ``max_iter``
sweeps is returned beside the values (a status, not a silent approximation).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp


class Demeaned(NamedTuple):
    """The within-transformed values and whether the (two-way) iteration converged."""

    values: jax.Array
    converged: jax.Array


def group_demean(x: jax.Array, w: jax.Array, codes: jax.Array, n_groups: int) -> jax.Array:
    """Subtract the w-weighted mean of each group from x (n,) or (n, k); masked rows become 0.

    Sums and counts come from one scatter (the weights ride along as an extra column).

    Parameters
    ----------
    x : jax.Array
        (n,) or (n, k) values.
    w : jax.Array
        (n,) row weights; rows with weight 0 are left out of the means.
    codes : jax.Array
        (n,) integer group of each row, in ``[0, n_groups)``.
    n_groups : int
        Number of groups (static).

    Returns
    -------
    jax.Array
        ``x`` minus its rows' group means, the shape of ``x``; 0 on rows with weight 0.

    Example
    -------
    The last row is masked out, so the mean of group 1 is 10:

    >>> import jax.numpy as jnp
    >>> x = jnp.array([1.0, 3.0, 10.0, 14.0])
    >>> group_demean(x, jnp.array([1.0, 1.0, 1.0, 0.0]), jnp.array([0, 0, 1, 1]), 2).tolist()
    [-1.0, 1.0, 0.0, 0.0]
    """
    flat = x[:, None] if x.ndim == 1 else x
    both = jax.ops.segment_sum(jnp.concatenate([w[:, None] * flat, w[:, None]], axis=1), codes, n_groups)
    means = both[:, :-1] / jnp.where(both[:, -1:] > 0, both[:, -1:], 1.0)
    out = (flat - means[codes]) * (w > 0)[:, None]
    return out[:, 0] if x.ndim == 1 else out


def within(
    x: jax.Array,
    w: jax.Array,
    entity: jax.Array,
    time: jax.Array,
    use_entity: jax.Array | bool,
    use_time: jax.Array | bool,
    *,
    n_entities: int,
    n_periods: int,
    two_way: bool = True,
    tol: float = 1e-14,
    max_iter: int = 10_000,
) -> Demeaned:
    """Project out entity and/or time effects; returns 0 on masked rows.

    The flags may be traced, so one compiled function serves pooled, one-way and two-way models.
    ``two_way=False`` (static) promises that the two flags are never both on: a single demeaning by
    whichever effect is on is then exact, and the iteration is left out of the compiled graph.

    Parameters
    ----------
    x : jax.Array
        (n,) or (n, k) values.
    w : jax.Array
        (n,) row weights; rows with weight 0 are left out of the means and returned as 0.
    entity, time : jax.Array
        (n,) integer codes of each row's entity, in ``[0, n_entities)``, and period, in
        ``[0, n_periods)``.
    use_entity, use_time : bool or jax.Array
        Whether to project out the entity and the time effects (may be traced).
    n_entities, n_periods : int
        Numbers of entities and periods (static).
    two_way : bool, optional
        False (static) promises that ``use_entity`` and ``use_time`` are never both on.
    tol : float, optional
        Convergence tolerance of the alternating projections, relative to ``max |x|``.
    max_iter : int, optional
        Most sweeps of the alternating projections.

    Returns
    -------
    Demeaned
        ``values`` (same shape as ``x``) and ``converged`` (False if two-way alternating projections
        stopped at ``max_iter`` before reaching ``tol`` relative to the largest absolute value).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> x = jnp.array([1.0, 3.0, 10.0, 14.0])
    >>> g = jnp.array([0, 0, 1, 1])
    >>> within(x, jnp.ones(4), g, g, True, False, n_entities=2, n_periods=2, two_way=False).values.tolist()
    [-1.0, 1.0, -2.0, 2.0]
    """
    keep = (w > 0) if x.ndim == 1 else (w > 0)[:, None]
    x = x * keep
    dt = x.dtype
    ue = jnp.asarray(use_entity, dt)
    ut = jnp.asarray(use_time, dt)

    if not two_way:
        codes = jnp.where(ue > 0, entity, time)
        n_groups = max(n_entities, n_periods)
        on = jnp.maximum(ue, ut)
        return Demeaned(x - on * (x - group_demean(x, w, codes, n_groups)), jnp.asarray(True))

    def sweep(v):
        v = v - ue * (v - group_demean(v, w, entity, n_entities))
        return v - ut * (v - group_demean(v, w, time, n_periods))

    scale = jnp.maximum(jnp.abs(x).max(), jnp.finfo(x.dtype).tiny)

    def cond(state):
        _, delta, it = state
        return (delta > tol * scale) & (it < max_iter)

    def body(state):
        v, _, it = state
        new = sweep(v)
        return new, jnp.abs(new - v).max(), it + 1

    first = sweep(x)
    # one-way (or none) is exact after one sweep; iterate only when both effects are on
    both = (ue * ut) > 0
    start = (first, jnp.where(both, jnp.inf, 0.0), jnp.asarray(1))
    out, delta, _ = jax.lax.while_loop(cond, body, start)
    return Demeaned(out, delta <= tol * scale)


def demean_balanced(D: jax.Array, weights: jax.Array | None, fixed_effects: str,
                    present: jax.Array | None = None) -> jax.Array:
    """Demean the blocks (G, T, ...) of a panel on its grid (entity g's T periods) in closed form.

    ``fixed_effects``: ``"entity"`` (each block's mean over its periods), ``"none"`` (the
    weighted grand mean: OLS with a constant) or ``"two_way"`` (entity, then the weighted mean of
    each period over the entities: exact on a balanced panel). ``weights`` (G,) are entity
    frequency weights (a bootstrap replicate's), or None. ``present`` (broadcastable to D, 0/1):
    the rows of an unbalanced panel, the means taken over them and the empty cells returned as 0
    (entity or none only: one sweep of two-way demeaning is exact on a balanced grid only).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> D = jnp.array([[1.0, 3.0], [5.0, 11.0]])  # 2 entities x 2 periods
    >>> demean_balanced(D, None, "two_way").tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    c = jnp.ones(D.shape[0], D.dtype) if weights is None else weights
    cw = c.reshape(c.shape + (1,) * (D.ndim - 1))
    if present is not None:
        if fixed_effects == "two_way":
            raise ValueError("two-way demeaning of an unbalanced panel is not closed-form")
        if fixed_effects == "none":
            w = present if weights is None else cw * present
            return (D - (w * D).sum(axis=(0, 1), keepdims=True) / w.sum(axis=(0, 1), keepdims=True)) * present
        return (D - (present * D).sum(axis=1, keepdims=True) / present.sum(axis=1, keepdims=True)) * present
    if fixed_effects == "none":
        return D - (cw * D).sum(axis=(0, 1), keepdims=True) / (D.shape[1] * c.sum())
    W = D - D.mean(axis=1, keepdims=True)
    if fixed_effects == "entity":
        return W
    return W - (cw * W).sum(axis=0, keepdims=True) / c.sum()
