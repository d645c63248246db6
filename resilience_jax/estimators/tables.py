"""Per-entity tables for cluster-bootstrap replicates without touching the rows (SPEC.md section 6).

A cluster (entity) bootstrap replicate is the data with entity frequency weights ``c`` (an entity
drawn twice counts twice, with its own fixed effect and its own cluster). Everything the pipeline
needs is then a ``c``-weighted sum of per-entity tables, computed once:

- entropy weights: the replicate's min (max) of indicator j is the smallest ``pmin_gj`` (largest
  ``pmax_gj``) among drawn entities, attained by some entity k. With ``A_j = sum_g c_g sum_t (x - min)``
  and ``B_j = sum_g c_g sum_t (x - min) ln(x - min)`` (``max - x`` for a negative indicator),
  ``e_j = (ln A_j - B_j / A_j) / ln(n_eff)``: the range cancels, and ``B_j`` is read from a table
  ``L[g, k, j] = sum_t (x_gtj - pmin_kj) ln(x_gtj - pmin_kj)`` indexed by the entity k that attains
  the replicate's min, so no logarithm of a row is evaluated per replicate;
- regressions: ``M_g = W_g' W_g`` for the within-demeaned block ``W_g`` of
  [indicators, regressor, mediator, controls]; the index enters through its coefficient vector
  ``a_j = sign_j w_j / range_j`` (the demeaned index is linear in the demeaned raw indicators), so
  ``D'D = A' (sum_g c_g M_g) A`` and the cluster scores are ``A' M_g v`` for residual vectors v.

A replicate then costs O(G m + G P^2) instead of O(N m) logarithms and O(N P^2) products.
The tables hold G x G x m log sums: for a few hundred entities at most (``max_entities``).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..index.entropy import index_weights
from .mediation import crv1_se, solve_equations


class EntityTables(NamedTuple):
    psum: jax.Array  # (G, m) per-entity sums of each indicator
    cand_min: jax.Array  # (R, m) entities with the R smallest per-entity minima of indicator j, ascending
    cand_max: jax.Array  # (R, m) entities with the R largest per-entity maxima, descending
    val_min: jax.Array  # (R, m) those minima
    val_max: jax.Array  # (R, m) those maxima
    lmin: jax.Array  # (G, R, m) sum_t f(x_gtj - val_min[r, j]), f(v) = v ln v
    lmax: jax.Array  # (G, R, m) sum_t f(val_max[r, j] - x_gtj)
    M: jax.Array  # (G, P, P) within-demeaned cross products of [indicators, regressor, mediator, controls]


def _xlogx_sum(v: jax.Array) -> jax.Array:
    return (v * jnp.log(jnp.maximum(v, 1e-300))).sum(axis=-2)


def entity_tables(X_ind, regressor, mediator, controls, *, n_entities: int, n_candidates: int = 64) -> EntityTables:
    """Tables of a balanced panel sorted by entity (rows of entity g are the g-th block of T).

    The log-sum tables are indexed by the entity that attains a replicate's min (max): only the
    ``n_candidates`` entities with the smallest minima (largest maxima) are tabulated. A replicate
    whose drawn entities include none of them is flagged (``covered`` False): in a cluster
    bootstrap with G entities that happens with probability about ``exp(-R)``, and never when
    ``R >= G``.
    """
    n, m = X_ind.shape
    G = n_entities
    R = min(G, n_candidates)
    Xg = X_ind.reshape(G, n // G, m)
    pmin, pmax = Xg.min(axis=1), Xg.max(axis=1)
    cand_min = jnp.argsort(pmin, axis=0)[:R]
    cand_max = jnp.argsort(-pmax, axis=0)[:R]
    ar = jnp.arange(m)
    val_min, val_max = pmin[cand_min, ar], pmax[cand_max, ar]
    # lmin[g, r, j] = sum_t f(x[g, t, j] - val_min[r, j]); negative differences (entity g below the
    # candidate's min) only arise where the replicate gives g weight 0 or r is not the minimising one
    lmin = jax.lax.map(lambda v: _xlogx_sum(Xg - v), val_min).transpose(1, 0, 2)
    lmax = jax.lax.map(lambda v: _xlogx_sum(v - Xg), val_max).transpose(1, 0, 2)
    W = jnp.concatenate([X_ind, regressor[:, None], mediator[:, None], controls], axis=1)
    Wg = W.reshape(G, n // G, -1)
    Wg = Wg - Wg.mean(axis=1, keepdims=True)
    return EntityTables(Xg.sum(axis=1), cand_min, cand_max, val_min, val_max, lmin, lmax,
                        jnp.einsum("gtp,gtq->gpq", Wg, Wg))


def mediation_from_tables(tab: EntityTables, c: jax.Array, directions: jax.Array, members: jax.Array, n_periods: int):
    """Entropy weights, coefficients (E, k), CRV1 SEs (3, k: the mediation equations) and index means (rows:
    total effect, a-path, b-path, then the baseline equation of each extra index in ``members``;
    columns: regressor, mediator, controls) for entity weights ``c``, with entity fixed effects;
    equal to ``pipeline.mediation_fast(..., c)``. A replicate the candidate tables do not cover
    (see :func:`entity_tables`) returns NaN, which :func:`~resilience_jax.bootstrap_engine.run_replicates`
    turns into an error."""
    G, m = tab.psum.shape
    T = n_periods
    ar = jnp.arange(m)
    # the replicate's min of indicator j: the first drawn candidate in ascending order of minima
    drawn_min, drawn_max = c[tab.cand_min] > 0, c[tab.cand_max] > 0
    kmin, kmax = jnp.argmax(drawn_min, axis=0), jnp.argmax(drawn_max, axis=0)
    covered = drawn_min.any(axis=0).all() & drawn_max.any(axis=0).all()
    lo, hi = tab.val_min[kmin, ar], tab.val_max[kmax, ar]
    pos = directions > 0
    A = jnp.where(pos, c @ tab.psum - T * c.sum() * lo, T * c.sum() * hi - c @ tab.psum)
    # weight the tables first (one product over entities, a GEMM across a batch of replicates), then
    # read the entry of the minimising (maximising) entity: m gathers per replicate instead of G m
    B = jnp.where(pos, jnp.einsum("g,grj->rj", c, tab.lmin)[kmin, ar], jnp.einsum("g,grj->rj", c, tab.lmax)[kmax, ar])
    e = (jnp.log(A) - B / A) / jnp.log(T * c.sum())
    Wt = index_weights(e, members)  # (1 + extra, m)

    P = tab.M.shape[1]
    k = P - m  # regressor, mediator, controls
    n_extra = Wt.shape[0] - 1
    # D = W @ Amap: column 0 the index (its a vector on the indicators), then the k other variables,
    # then the extra indices
    a = (directions / (hi - lo))[None] * Wt  # (1 + extra, m)
    Amap = jnp.zeros((P, 1 + k + n_extra), tab.M.dtype).at[:m, 0].set(a[0])
    Amap = Amap.at[m:, 1 : k + 1].set(jnp.eye(k, dtype=tab.M.dtype)).at[:m, k + 1 :].set(a[1:].T)
    DD = Amap.T @ jnp.einsum("g,gpq->pq", c, tab.M) @ Amap
    b, bread, outcome, on = solve_equations(DD, k, n_extra)
    # standard errors of the three mediation equations only (the extra indices' baseline equations
    # contribute coefficients): residual = W @ V[:, e]
    V = Amap[:, outcome[:3]] - Amap[:, 1 : k + 1] @ b[:3].T
    # Amap[:, 1:k+1] selects W's last k columns, so A1' M_g is a slice of M_g: no product needed
    scores = jnp.einsum("gkq,qe->gek", tab.M[:, m:, :], V) * on[:3]  # (G, 3, k)
    se = crv1_se(bread[:3], scores, c, on[:3], c.sum(), T * c.sum())
    # mean of each index over the replicate's rows: sum_j w_j mean(z_j), mean(z_j) = A_j / (range_j n_eff)
    means = Wt @ (A / ((hi - lo) * T * c.sum()))
    nan = jnp.asarray(jnp.nan, b.dtype)  # an uncovered replicate is marked, never silently wrong
    return tuple(jnp.where(covered, x, nan) for x in (Wt[0], b, se, means))
