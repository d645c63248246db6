"""The general bootstrap path: each replicate's panel is gathered row by row (an entity drawn twice
enters as two entities, each with its own fixed effect and cluster) and the whole pipeline is
recomputed on it: min-max normalisation, entropies (one logarithm per row and indicator), weights,
indices, within transformation, the three mediation equations and their CRV1 SEs. The reference
of the per-entity tables path (:mod:`.tables`), and the path for specifications the tables do not
cover. The staged core composed on gathered rows: the index stage from the gathered rows' bounds
and entropy sums, the equations stage from their per-slot cross products.

Layout: a batch of replicates is processed :func:`sub_batch` at a time (``lax.map``), each sub-batch as
arrays (slot, period, variable, replicate) with the replicates on the last (contiguous) axis, so
that XLA vectorises across them and a sub-batch stays in cache. Indicators with the same index
membership form one block: each index is a ratio of block sums, so a row costs a few
multiply-adds per indicator whatever the number of indices (the index stage's coefficients
``sign_j w_j / range_j`` in factored form: ``sign_j (1 - e_j) / range_j`` per indicator, one
normaliser per index and block). The cross products are formed slot by slot in one batched matrix
product; the equations stage takes them as the per-cluster moments.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..._backend import tuned
from ..._ops import add_up
from ...data.arrays import Baseline, MediationArrays
from ...estimators.equations import baseline_stage, equations_stage
from ...estimators.within import demean_balanced
from ...estimators.record import MediationStats, mediation_stats
from ...index.stage import index_stage, row_sums

SUB = 48  # replicates per sub-batch on a CPU (measured on 2 cores: 48 about 15% quicker than 32, 64 within noise, 128 slower)
SUB_ACCELERATOR = 256  # on a GPU or TPU (benchmarks/device.py)


def sub_batch() -> int:
    """Replicates per sub-batch on the backend in use (:func:`~resilience_jax._backend.tuned`).

    Example
    -------
    >>> from resilience_jax._backend import on_cpu
    >>> sub_batch() == (SUB if on_cpu() else SUB_ACCELERATOR)
    True
    """
    return tuned(SUB, SUB_ACCELERATOR)


class GatheredData(NamedTuple):
    """Arrays of the gathered-rows path (:func:`gathered_data`)."""

    rows: jax.Array  # (G, T, m + k) indicators, then regressor, controls, mediator
    directions: jax.Array  # (m,)
    members: jax.Array  # (E, m) 0/1 indicator membership of each index
    blocks: jax.Array  # (m, A) 0/1 indicator -> block (indicators with the same membership column)
    block_members: jax.Array  # (U, A) 0/1 block membership of the distinct indices
    distinct: jax.Array  # (E,) int: index e is distinct index distinct[e]
    bounds: jax.Array | None = None  # (2, m) fixed normalisation bounds (goalposts), or None: each replicate's min-max
    present: jax.Array | None = None  # (G, T) 0/1 rows of an unbalanced panel on its grid, or None: balanced


def gathered_data(arrays: MediationArrays, *, n_entities: int) -> GatheredData:
    """Pack a panel on its grid, sorted by entity, for :func:`replicates_from_rows` (host-side;
    on an unbalanced panel the rows present travel with the rows).

    Parameters
    ----------
    arrays : MediationArrays
        The panel's arrays (:func:`~resilience_jax.data.arrays.mediation_arrays`): indicators,
        directions, the indices' membership (row 0 the mediation's), regressor, mediator, controls.
    n_entities : int
        Number of entities G.

    Returns
    -------
    GatheredData
        ``rows`` (G, T, m + k): indicators, then regressor, controls, mediator; the membership
        blocks of the indicators and the distinct indices; in the indicators' dtype.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> a, _ = mediation_arrays(rj.load_panel())
    >>> gd = gathered_data(a, n_entities=30)
    >>> gd.rows.shape, gd.blocks.shape, gd.distinct.tolist()
    ((30, 14, 22), (15, 2), [2, 2, 1, 0])
    """
    X_ind = np.asarray(arrays.X_ind)
    n = X_ind.shape[0]
    G = n_entities
    rows = np.concatenate([X_ind, np.asarray(arrays.others())], axis=1).reshape(G, n // G, -1)
    mem = np.asarray(arrays.members, dtype=float).reshape(-1, X_ind.shape[1])
    uniq, distinct = np.unique(mem, axis=0, return_inverse=True)
    cols, block = np.unique(uniq.T, axis=0, return_inverse=True)  # blocks: distinct membership columns
    blocks = np.eye(len(cols))[block.ravel()]
    dt = jnp.asarray(X_ind).dtype
    return GatheredData(jnp.asarray(rows, dt), jnp.asarray(arrays.directions, dt), jnp.asarray(mem, dt),
                        jnp.asarray(blocks, dt), jnp.asarray(cols.T, dt), jnp.asarray(distinct.ravel(), jnp.int32),
                        None if arrays.bounds is None else jnp.asarray(arrays.bounds, dt),
                        None if arrays.present is None else jnp.asarray(np.asarray(arrays.present).reshape(G, n // G), dt))


def _slots(counts: jax.Array) -> jax.Array:
    """Entity of each of the G slots of a replicate with integer multiplicities ``counts`` (G,)."""
    G = counts.shape[0]
    return jnp.repeat(jnp.arange(G), counts.astype(jnp.int32), total_repeat_length=G)


def _sub_batch(C: jax.Array, data: GatheredData, fixed_effects: bool, k: int | None, baseline: Baseline | None):
    """The two stages' results of ``SUB`` replicates (replicate axis last)."""
    G, T, P = data.rows.shape
    m = data.members.shape[1]
    slots = jax.vmap(_slots)(C).T  # (G, b)
    D = jnp.moveaxis(data.rows[slots], 1, 3)  # (G, T, P, b): the replicates' panels
    # stored once in this layout (without the barrier XLA recomputes the gather in every consumer)
    Xr, Do = jax.lax.optimization_barrier((D[:, :, :m], D[:, :, m:]))
    n, Pr, Pw = G * T, None, None
    if data.present is not None:  # the replicates' rows present (G, T, 1, b)
        Pr = jnp.moveaxis(data.present[slots], 1, 2)[:, :, None]
        n, Pw = Pr.sum(axis=(0, 1, 2)), Pr
    s = row_sums(Xr, data.directions[:, None], Pw, axis=(0, 1),  # (m, b) bounds and entropy sums
                 bounds=None if data.bounds is None else data.bounds[:, :, None])
    ist = index_stage(s.lo, s.hi, s.total, s.xlogx, n, s.total / n, data.directions, data.members)
    # the indices, demeaned: linear in the raw indicators (coefficient sign_j dv_j / range_j over
    # the index's sum of dv), summed by block
    dv = ist.divergence  # (m, b)
    cj = dv * data.directions[:, None] / (s.hi - s.lo)
    A = data.blocks.shape[1]
    part = jnp.stack([add_up([Xr[:, :, j] * (cj[j] * data.blocks[j, a]) for j in range(m)]) for a in range(A)], axis=2)
    part_w = data.blocks.T @ dv  # (A, b) sum of dv in each block
    part_raw, Do_raw = part, Do
    own = "entity" if fixed_effects else "none"  # within entity (slot), or around the grand mean (pooled)
    k = Do.shape[2] if k is None else k  # the mediation's variables (the baseline's extra ones follow)
    part = demean_balanced(part_raw, None, own, Pr)
    Do = demean_balanced(Do_raw[:, :, :k], None, own, Pr)
    coef = data.block_members[:, :, None] / (data.block_members @ part_w)[:, None]  # (U, A, b)
    index_rows = lambda p: add_up([p[:, :, a][:, :, None] * coef[:, a][None, None] for a in range(A)])  # noqa: E731
    Id = index_rows(part)  # (G, T, U, b)
    # each slot's cross products [Do | Id]' Do as one batched matrix product (a fused multiply-reduce
    # is ~1.5x slower here): the per-cluster moments of the equations stage
    Mg = jnp.einsum("gtib,gtjb->gijb", Do, jnp.concatenate([Do, Id], axis=2))  # (G, k, k + U, b)
    M = Mg.sum(axis=0)
    g_oy = jax.lax.dynamic_index_in_dim(Mg, k + data.distinct[0], axis=2, keepdims=False)  # X_g' y, (G, k, b)
    eq = equations_stage(M[:, :k], M[:, k:][:, data.distinct], Mg[:, :, :k], g_oy, None, G, n)
    if baseline is not None and (baseline.columns, baseline.fixed_effects) != (tuple(range(k - 1)), own):
        # the spec's baseline is not the mediation's total effect: its own variables and demeaning
        bl = list(baseline.columns)
        Db = demean_balanced(Do_raw[:, :, bl], None, baseline.fixed_effects, Pr)
        Ib = index_rows(demean_balanced(part_raw, None, baseline.fixed_effects, Pr))[:, :, data.distinct]
        beta, flag = baseline_stage(jnp.einsum("gtib,gtjb->ijb", Db, Db), jnp.einsum("gtib,gtub->iub", Db, Ib))
        eq = eq._replace(beta=beta, status=eq.status | flag)
    return ist, eq


def replicates_from_rows(C: jax.Array, data: GatheredData, *, fixed_effects: bool = True, k: int | None = None,
                         baseline: Baseline | None = None) -> MediationStats:
    """The record of a batch of cluster-bootstrap replicates (integer multiplicities ``C`` (B, G))
    by gathering each replicate's rows; equal to
    :func:`~resilience_jax.estimators.staged.fit_rows` on the gathered panel.

    Parameters
    ----------
    C : jax.Array
        (B, G) integer entity multiplicities, each row summing to G (an entity drawn twice enters
        as two entities). B is padded to a multiple of :func:`sub_batch` internally.
    data : GatheredData
        The packed panel (:func:`gathered_data`).
    fixed_effects : bool, optional
        Entity (slot) fixed effects or the pooled reading.
    k, baseline
        As :func:`~resilience_jax.bootstrap.paths.tables.replicates_from_tables`; the baseline's
        fixed effects may be any (slot, slot and period, none).

    Returns
    -------
    MediationStats
        One record per row of ``C`` (replicate axis first).

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> import numpy as np
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> a, _ = mediation_arrays(rj.load_panel())
    >>> gd = gathered_data(a, n_entities=30)
    >>> C = np.ones((2, 30), np.int32)
    >>> C[1, :2] = 2, 0  # replicate 1: entity 0 drawn twice, entity 1 not drawn
    >>> st = jax.jit(replicates_from_rows, static_argnames="fixed_effects")(jnp.asarray(C), gd)
    >>> st.a.shape, st.status.tolist(), round(float(st.a[0]), 4)
    ((2,), [0, 0], 0.7966)
    """
    B, G = C.shape
    sub = sub_batch()
    pad = (-B) % sub
    Cp = jnp.concatenate([C, jnp.ones((pad, G), C.dtype)]) if pad else C
    ist, eq = jax.lax.map(lambda c: _sub_batch(c, data, fixed_effects, k, baseline), Cp.reshape(-1, sub, G))
    # (sub-batch, ..., SUB) -> (..., B): the record is formed once for the whole batch
    merged = jax.tree_util.tree_map(lambda x: jnp.moveaxis(x, 0, -2).reshape(*x.shape[1:-1], -1)[..., :B], (ist, eq))
    return mediation_stats(*merged, batch_last=True)
