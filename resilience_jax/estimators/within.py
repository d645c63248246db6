"""Within (fixed-effects) transformation with row weights, one- or two-way: pure and jittable.

Rows with weight 0 (masked out: another region, a lost lag) neither enter the group means nor
keep a value (they are returned as 0). Two-way demeaning uses alternating projections to a
tolerance, exact after one sweep on balanced panels.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def group_demean(x: jax.Array, w: jax.Array, codes: jax.Array, n_groups: int) -> jax.Array:
    """Subtract the w-weighted mean of each group from x (n,) or (n, k); masked rows become 0."""
    w2 = w if x.ndim == 1 else w[:, None]
    sums = jax.ops.segment_sum(w2 * x, codes, n_groups)
    counts = jax.ops.segment_sum(w, codes, n_groups)
    counts = counts if x.ndim == 1 else counts[:, None]
    means = sums / jnp.where(counts > 0, counts, 1.0)
    return (x - means[codes]) * w2.astype(bool)


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
) -> jax.Array:
    """Project out entity and/or time effects; returns 0 on masked rows.

    The flags may be traced, so one compiled function serves pooled, one-way and two-way models.
    ``two_way=False`` (static) promises that the two flags are never both on: a single sweep is
    then exact and the iteration is left out of the compiled graph.
    """
    mask = w.astype(bool) if x.ndim == 1 else w.astype(bool)[:, None]
    x = x * mask
    ue = jnp.asarray(use_entity, x.dtype)
    ut = jnp.asarray(use_time, x.dtype)

    def sweep(v):
        v = v - ue * (v - group_demean(v, w, entity, n_entities))
        return v - ut * (v - group_demean(v, w, time, n_periods))

    if not two_way:
        return sweep(x)
    scale = jnp.maximum(jnp.abs(x).max(), 1e-300)

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
    out, _, _ = jax.lax.while_loop(cond, body, start)
    return out
