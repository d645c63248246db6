"""The general bootstrap path: each replicate's panel is gathered row by row (an entity drawn twice
enters as two entities, each with its own fixed effect and cluster) and the whole pipeline is
recomputed on it: min-max normalisation, entropies (one logarithm per row and indicator), weights,
indices, within transformation, the three mediation equations and their CRV1 SEs. The reference
of the per-entity tables path (:mod:`.tables`), and the path for specifications the tables do not
cover.

Layout: a batch of replicates is processed ``SUB`` at a time (``lax.map``), each sub-batch as
arrays (slot, period, variable, replicate) with the replicates on the last (contiguous) axis, so
that XLA vectorises across them and a sub-batch stays in cache. Indicators with the same index
membership form one block: each index is a ratio of block sums, so a row costs a few
multiply-adds per indicator whatever the number of indices. The cross products are formed slot
by slot in one batched matrix product, and the cluster scores follow from them without residual
rows.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..index.entropy import entropy_from_sums, index_weights, xlogx
from .replicates import Replicates, add_up, collect, crv1_ses, solve

SUB = 48  # replicates per sub-batch (measured on 2 cores: 48 about 15% quicker than 32, 64 within noise, 128 slower)


class GatheredData(NamedTuple):
    """Arrays of the gathered-rows path (:func:`gathered_data`)."""

    rows: jax.Array  # (G, T, m + k) indicators, then regressor, controls, mediator
    directions: jax.Array  # (m,)
    members: jax.Array  # (E, m) 0/1 indicator membership of each index
    blocks: jax.Array  # (m, A) 0/1 indicator -> block (indicators with the same membership column)
    block_members: jax.Array  # (U, A) 0/1 block membership of the distinct indices
    distinct: jax.Array  # (E,) int: index e is distinct index distinct[e]


def gathered_data(X_ind, regressor, mediator, controls, directions, members, *, n_entities: int) -> GatheredData:
    """Pack a balanced panel sorted by entity for :func:`replicates_from_rows` (host-side)."""
    X_ind = np.asarray(X_ind)
    n = X_ind.shape[0]
    G = n_entities
    rows = np.concatenate([X_ind, np.asarray(regressor)[:, None], np.asarray(controls), np.asarray(mediator)[:, None]],
                          axis=1).reshape(G, n // G, -1)
    mem = np.asarray(members, dtype=float).reshape(-1, X_ind.shape[1])
    uniq, distinct = np.unique(mem, axis=0, return_inverse=True)
    cols, block = np.unique(uniq.T, axis=0, return_inverse=True)  # blocks: distinct membership columns
    blocks = np.eye(len(cols))[block.ravel()]
    dt = jnp.asarray(X_ind).dtype
    return GatheredData(jnp.asarray(rows, dt), jnp.asarray(directions, dt), jnp.asarray(mem, dt),
                        jnp.asarray(blocks, dt), jnp.asarray(cols.T, dt), jnp.asarray(distinct.ravel(), jnp.int32))


def _slots(counts: jax.Array) -> jax.Array:
    """Entity of each of the G slots of a replicate with integer multiplicities ``counts`` (G,)."""
    G = counts.shape[0]
    return jnp.repeat(jnp.arange(G), counts.astype(jnp.int32), total_repeat_length=G)


def _sub_batch(C: jax.Array, data: GatheredData, fixed_effects: bool):
    """Packed statistics of ``SUB`` replicates (one :class:`Replicates` as arrays)."""
    G, T, P = data.rows.shape
    m = data.members.shape[1]
    slots = jax.vmap(_slots)(C).T  # (G, b)
    D = jnp.moveaxis(data.rows[slots], 1, 3)  # (G, T, P, b): the replicates' panels
    # stored once in this layout (without the barrier XLA recomputes the gather in every consumer)
    Xr, Do = jax.lax.optimization_barrier((D[:, :, :m], D[:, :, m:]))
    n = G * T
    # entropy weights: min-max normalisation, shares, 0 ln 0 = 0
    lo, hi = Xr.min(axis=(0, 1)), Xr.max(axis=(0, 1))  # (m, b)
    pos = (data.directions > 0)[:, None]
    rng = hi - lo
    z = jnp.where(pos, Xr - lo, hi - Xr) * (1.0 / rng)
    S = z.sum(axis=(0, 1))
    e = entropy_from_sums(S, xlogx(z).sum(axis=(0, 1)), n)
    dv = 1.0 - e  # (m, b)
    Wt = index_weights(e, data.members)  # (E, m, b)
    # the indices, demeaned: linear in the raw indicators (coefficient sign_j dv_j / range_j over
    # the index's sum of dv), summed by block
    cj = dv * data.directions[:, None] / rng
    A = data.blocks.shape[1]
    part = jnp.stack([add_up([Xr[:, :, j] * (cj[j] * data.blocks[j, a]) for j in range(m)]) for a in range(A)], axis=2)
    part_w = data.blocks.T @ dv  # (A, b) sum of dv in each block
    axes = 1 if fixed_effects else (0, 1)  # within entity (slot), or around the grand mean (pooled)
    part = part - part.mean(axis=axes, keepdims=True)
    Do = Do - Do.mean(axis=axes, keepdims=True)
    coef = data.block_members[:, :, None] / (data.block_members @ part_w)[:, None]  # (U, A, b)
    Id = add_up([part[:, :, a][:, :, None] * coef[:, a][None, None] for a in range(A)])  # (G, T, U, b)
    k = Do.shape[2]
    # each slot's cross products [Do | Id]' Do as one batched matrix product (a fused multiply-reduce
    # is ~1.5x slower here); their sum is X'X and X'y, and the cluster scores X_g' u_g of the three
    # equations are linear in them (no residual rows)
    Mg = jnp.einsum("gtib,gtjb->gijb", Do, jnp.concatenate([Do, Id], axis=2))  # (G, k, k + U, b)
    M = Mg.sum(axis=0)
    sw = solve(M[:, :k], M[:, k:][:, data.distinct])
    k1 = k - 1
    g_y = jax.lax.dynamic_index_in_dim(Mg, k + data.distinct[0], axis=2, keepdims=False)  # X_g' y, (G, k, b)
    scores = jnp.stack([g_y - add_up([Mg[:, :, q] * sw.beta_tot[q] for q in range(k1)]),
                        Mg[:, :, k1] - add_up([Mg[:, :, q] * sw.beta_a[q] for q in range(k1)]),
                        g_y - add_up([Mg[:, :, q] * sw.beta_b[q] for q in range(k)])], axis=2)  # (G, k, 3, b)
    se = crv1_ses(sw, scores, None, G, n)
    return collect(Wt, sw, se, (Wt * (S / n)[None]).sum(axis=1))


def replicates_from_rows(C: jax.Array, data: GatheredData, *, fixed_effects: bool = True) -> Replicates:
    """Statistics of a batch of cluster-bootstrap replicates (integer multiplicities ``C`` (B, G))
    by gathering each replicate's rows; equal to ``pipeline.mediation_fast`` on the gathered panel."""
    B, G = C.shape
    pad = (-B) % SUB
    Cp = jnp.concatenate([C, jnp.ones((pad, G), C.dtype)]) if pad else C
    out = jax.lax.map(lambda c: _sub_batch(c, data, fixed_effects), Cp.reshape(-1, SUB, G))
    return Replicates(*(x.reshape(-1, *x.shape[2:])[:B] for x in out))
