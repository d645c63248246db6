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
    pmin: jax.Array  # (G, m) per-entity min of each indicator
    pmax: jax.Array  # (G, m)
    psum: jax.Array  # (G, m) per-entity sums
    lmin: jax.Array  # (G, G, m) sum_t (x_g - pmin_k) ln(x_g - pmin_k)
    lmax: jax.Array  # (G, G, m) sum_t (pmax_k - x_g) ln(pmax_k - x_g)
    M: jax.Array  # (G, P, P) within-demeaned cross products of [indicators, regressor, mediator, controls]


def _xlogx_sum(v: jax.Array) -> jax.Array:
    return (v * jnp.log(jnp.maximum(v, 1e-300))).sum(axis=-2)


def entity_tables(X_ind, regressor, mediator, controls, *, n_entities: int) -> EntityTables:
    """Tables of a balanced panel sorted by entity (rows of entity g are the g-th block of T)."""
    n, m = X_ind.shape
    G = n_entities
    Xg = X_ind.reshape(G, n // G, m)
    pmin, pmax = Xg.min(axis=1), Xg.max(axis=1)
    # lmin[g, k, j] = sum_t f(x[g, t, j] - pmin[k, j]); negative differences (entity g below k's
    # min) only arise where the replicate gives g weight 0 or k is not the minimising entity
    lmin = jax.vmap(lambda mk: _xlogx_sum(Xg - mk), out_axes=1)(pmin)
    lmax = jax.vmap(lambda mk: _xlogx_sum(mk - Xg), out_axes=1)(pmax)
    W = jnp.concatenate([X_ind, regressor[:, None], mediator[:, None], controls], axis=1)
    Wg = W.reshape(G, n // G, -1)
    Wg = Wg - Wg.mean(axis=1, keepdims=True)
    return EntityTables(pmin, pmax, Xg.sum(axis=1), lmin, lmax, jnp.einsum("gtp,gtq->gpq", Wg, Wg))


def mediation_from_tables(tab: EntityTables, c: jax.Array, directions: jax.Array, members: jax.Array, n_periods: int):
    """Entropy weights, coefficients (E, k) and CRV1 SEs (E, k) of the mediation equations (rows:
    total effect, a-path, b-path, then the baseline equation of each extra index in ``members``;
    columns: regressor, mediator, controls) for entity weights ``c``, with entity fixed effects;
    equal to ``pipeline.mediation_fast(..., c)``."""
    G, m = tab.pmin.shape
    T = n_periods
    active = c > 0
    ar = jnp.arange(m)
    kmin = jnp.argmin(jnp.where(active[:, None], tab.pmin, jnp.inf), axis=0)
    kmax = jnp.argmax(jnp.where(active[:, None], tab.pmax, -jnp.inf), axis=0)
    lo, hi = tab.pmin[kmin, ar], tab.pmax[kmax, ar]
    pos = directions > 0
    A = jnp.where(pos, c @ tab.psum - T * c.sum() * lo, T * c.sum() * hi - c @ tab.psum)
    B = jnp.where(pos, c @ tab.lmin[:, kmin, ar], c @ tab.lmax[:, kmax, ar])
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
    V = Amap[:, outcome] - Amap[:, 1 : k + 1] @ b.T  # residual = W @ V[:, e]
    scores = jnp.einsum("pk,gpq,qe->gek", Amap[:, 1 : k + 1], tab.M, V) * on  # (G, E, k)
    meat = jnp.einsum("g,gek,gel->ekl", c, scores, scores)
    return Wt[0], b, crv1_se(bread, meat, on, c.sum(), T * c.sum())
