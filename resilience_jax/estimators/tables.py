"""Per-entity tables for cluster-bootstrap replicates without touching the rows (SPEC.md section 6).

A cluster (entity) bootstrap replicate is the data with entity frequency weights ``c`` (an entity
drawn twice counts twice, with its own fixed effect and its own cluster). Everything the pipeline
needs is then a ``c``-weighted sum of per-entity tables, computed once:

- entropy weights: the replicate's min (max) of indicator j is the smallest ``pmin_gj`` (largest
  ``pmax_gj``) among drawn entities, attained by some entity k. With ``A_j = sum_g c_g sum_t (x - min)``
  and ``B_j = sum_g c_g sum_t (x - min) ln(x - min)`` (``max - x`` for a negative indicator),
  ``e_j = (ln A_j - B_j / A_j) / ln(n_eff)``: the range cancels, and ``B_j`` is read from a table
  ``L[k, j, g] = sum_t (x_gtj - pmin_kj) ln(x_gtj - pmin_kj)`` indexed by the entity k that attains
  the replicate's min, so no logarithm of a row is evaluated per replicate;
- regressions: ``M_g = W_g' W_g`` for the within-demeaned block ``W_g`` of
  [indicators, regressor, controls, mediator]; the index enters through its coefficient vector
  ``a_j = sign_j w_j / range_j`` (the demeaned index is linear in the demeaned raw indicators), so
  the equations' ``X'X`` and ``X'y`` are blocks of ``sum_g c_g M_g`` times ``a``, and the cluster
  scores are ``M_g`` rows times residual vectors.

A batch of replicates is one matrix of entity weights ``C`` (B, G): every weighted sum is one
matrix product with ``C``, and the per-replicate algebra runs with the replicates along the last
(contiguous) axis, so that XLA vectorises across replicates instead of within 7 x 7 matrices.
The tables hold R x m x G log sums for the R entities with the smallest minima (largest maxima):
a few hundred entities at most.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .linalg import sweep_rows


class EntityTables(NamedTuple):
    psum: jax.Array  # (m, G) per-entity sums of each indicator
    rank_min: jax.Array  # (G, m) rank of entity g among the ascending per-entity minima of j (R: not tabulated)
    rank_max: jax.Array  # (G, m) rank among the descending per-entity maxima
    val_min: jax.Array  # (R, m) the R smallest per-entity minima, ascending
    val_max: jax.Array  # (R, m) the R largest per-entity maxima, descending
    lmin: jax.Array  # (R, m, G) sum_t f(x_gtj - val_min[r, j]), f(v) = v ln v
    lmax: jax.Array  # (R, m, G) sum_t f(val_max[r, j] - x_gtj)
    m_oi: jax.Array  # (k * m, G) cross products of the k other variables with the indicators
    m_oo: jax.Array  # (k * k, G) cross products of the other variables
    m_o: jax.Array  # (G * k, P) rows of the other variables in each M_g


def _xlogx_sum(v: jax.Array) -> jax.Array:
    return (v * jnp.log(jnp.maximum(v, 1e-300))).sum(axis=-2)


def entity_tables(X_ind, regressor, mediator, controls, *, n_entities: int, n_candidates: int = 64) -> EntityTables:
    """Tables of a balanced panel sorted by entity (rows of entity g are the g-th block of T).

    Other variables are ordered regressor, controls, mediator (the order of the sweeps). The
    log-sum tables are indexed by the entity that attains a replicate's min (max): only the
    ``n_candidates`` entities with the smallest minima (largest maxima) are tabulated. A replicate
    whose drawn entities include none of them is flagged (NaN): in a cluster bootstrap with G
    entities that happens with probability about ``exp(-R)``, and never when ``R >= G``.
    """
    n, m = X_ind.shape
    G = n_entities
    R = min(G, n_candidates)
    Xg = X_ind.reshape(G, n // G, m)
    pmin, pmax = Xg.min(axis=1), Xg.max(axis=1)
    order_min, order_max = jnp.argsort(pmin, axis=0), jnp.argsort(-pmax, axis=0)
    ar = jnp.arange(m)
    val_min, val_max = pmin[order_min[:R], ar], pmax[order_max[:R], ar]
    # L[r, g, j]; negative differences (entity g below the candidate's min) only arise where the
    # replicate gives g weight 0 or r is not the minimising one
    lmin = jax.lax.map(lambda v: _xlogx_sum(Xg - v), val_min).transpose(0, 2, 1)
    lmax = jax.lax.map(lambda v: _xlogx_sum(v - Xg), val_max).transpose(0, 2, 1)
    W = jnp.concatenate([X_ind, regressor[:, None], controls, mediator[:, None]], axis=1)
    Wg = W.reshape(G, n // G, -1)
    Wg = Wg - Wg.mean(axis=1, keepdims=True)
    M = jnp.einsum("gtp,gtq->pqg", Wg, Wg)
    k = M.shape[0] - m
    return EntityTables(
        Xg.sum(axis=1).T, jnp.minimum(jnp.argsort(order_min, axis=0), R), jnp.minimum(jnp.argsort(order_max, axis=0), R),
        val_min, val_max, lmin, lmax, M[m:, :m].reshape(k * m, G), M[m:, m:].reshape(k * k, G),
        M[m:].transpose(2, 0, 1).reshape(G * k, -1),
    )


class TableReplicates(NamedTuple):
    """Statistics of a batch of replicates (leading axis: replicate)."""

    weights: jax.Array  # (B, m) the mediation index's indicator weights
    beta: jax.Array  # (B, 3 + extra) regressor's coefficient: total effect, a-path, b-path (c'), extra indices' baselines
    b: jax.Array  # (B,) the mediator's coefficient in the b-path
    se: jax.Array  # (B, 4) CRV1 SEs of c, a, c', b
    means: jax.Array  # (B, 1 + extra) mean of each index over the replicate's rows


def _sum(terms):
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


HEAD = 8  # candidates read by a matrix product; lower-ranked minimisers are gathered one by one


def _log_sums(L: jax.Array, rank: jax.Array, Ct: jax.Array) -> jax.Array:
    """``sum_g c_g L[rank_jb, j, g]`` (m, B) for ranks (m, B) of the minimising (maximising)
    candidates and entity weights ``Ct`` (G, B).

    The replicate's minimiser is the top-ranked candidate with probability ~0.64, and rank r or
    lower with probability ~exp(-r): the first ``HEAD`` candidates are weighted for every
    replicate in one matrix product and their entry selected; the rare (indicator, replicate)
    pairs with a lower-ranked minimiser (about ``exp(-HEAD)`` of them) are computed one by one in
    a fixed number of slots. A pair that finds no slot (or no tabulated candidate) gives NaN."""
    R, m, G = L.shape
    Bn = Ct.shape[1]
    h = min(HEAD, R)
    head = (L[:h].reshape(h * m, G) @ Ct).reshape(h, m, Bn)
    out = _sum([jnp.where(rank == r, head[r], 0.0) for r in range(h)])
    if h == R:
        return jnp.where(rank < R, out, jnp.nan)
    tail = (rank >= h) & (rank < R)
    slots = 64 + int(3 * m * Bn * np.exp(-h))  # three times the expected count (at most m B e^-h pairs)
    flat = jnp.nonzero(tail.ravel(), size=slots, fill_value=m * Bn)[0]
    j, b = flat // Bn, flat % Bn
    r = rank.ravel().at[flat].get(mode="fill", fill_value=0)
    vals = (L.at[r, j % m].get(mode="clip") * Ct.T.at[b].get(mode="clip")).sum(axis=1)
    out = out.ravel().at[flat].set(vals, mode="drop")
    done = jnp.zeros(m * Bn, bool).at[flat].set(True, mode="drop").reshape(m, Bn)
    return jnp.where((rank < h) | (tail & done), out.reshape(m, Bn), jnp.nan)


def replicates_from_tables(tab: EntityTables, C: jax.Array, directions: jax.Array, members: jax.Array,
                           n_periods: int) -> TableReplicates:
    """Entropy weights, the mediation equations' coefficients and CRV1 SEs, the extra indices'
    baseline coefficients and the index means for a batch of entity weights ``C`` (B, G), with
    entity fixed effects; equal to ``pipeline.mediation_fast(..., c)`` row by row. ``members``
    (m,) or (1 + extra, m): row 0 the mediation's index, then one row per extra index. A replicate the
    candidate tables do not cover (see :func:`entity_tables`) returns NaN, which
    :func:`~resilience_jax.bootstrap_engine.run_replicates` turns into an error."""
    R, m = tab.val_min.shape
    G = C.shape[1]
    k = tab.m_o.shape[0] // G
    Bn = C.shape[0]
    T = n_periods
    Ct = C.T  # (G, B): replicates along the contiguous axis from here on
    # the replicate's min (max) of indicator j: the lowest-ranked candidate among the drawn entities
    drawn = (Ct > 0)[:, None, :]
    rmin = jnp.where(drawn, tab.rank_min[:, :, None], R).min(axis=0)  # (m, B)
    rmax = jnp.where(drawn, tab.rank_max[:, :, None], R).min(axis=0)
    lo = jnp.take_along_axis(tab.val_min.T, rmin, axis=1, mode="clip")
    hi = jnp.take_along_axis(tab.val_max.T, rmax, axis=1, mode="clip")
    Bmin, Bmax = _log_sums(tab.lmin, rmin, Ct), _log_sums(tab.lmax, rmax, Ct)
    n = Ct.sum(axis=0)  # effective number of entities
    csum = tab.psum @ Ct
    pos = (directions > 0)[:, None]
    A = jnp.where(pos, csum - T * n * lo, T * n * hi - csum)
    e = (jnp.log(A) - jnp.where(pos, Bmin, Bmax) / A) / jnp.log(T * n)  # (m, B)
    mem = members if members.ndim == 2 else members[None]
    dvg = (1.0 - e)[None] * mem[:, :, None]
    Wt = dvg / dvg.sum(axis=1, keepdims=True)  # (1 + extra, m, B)
    a = (directions[:, None] / (hi - lo))[None] * Wt  # each index's coefficients on the raw indicators

    # [X'X | X'y] of the other variables (regressor, controls, mediator) and the indices, equilibrated
    S_oi, S_oo = (tab.m_oi @ Ct).reshape(k, m, Bn), (tab.m_oo @ Ct).reshape(k, k, Bn)
    S_oa = _sum([S_oi[:, j][:, None] * a[:, j][None] for j in range(m)])  # (k, 1 + extra, B)
    d = 1.0 / jnp.sqrt(jnp.stack([S_oo[i, i] for i in range(k)]))  # (k, B)
    Z = jnp.concatenate([S_oo * d[:, None] * d[None, :], S_oa * d[:, None]], axis=1)
    # sweep the regressor and controls: the total effect, a-path and baseline equations; then the
    # mediator: the b-path. Each sweep leaves the inverse of the swept block in place.
    k1 = k - 1
    for j in range(k1):
        Z = sweep_rows(Z, j)
    Z1, Z2 = Z, sweep_rows(Z, k1)
    beta_tot = Z1[:k1, k] * d[:k1]
    beta_a = Z1[:k1, k1] * d[:k1] / d[k1]
    beta_b = Z2[:k, k] * d[:k]
    zero = jnp.zeros((1, Bn), C.dtype)
    # scores: residual = W_g v for v on [indicators, other variables]; M_g's rows of the other
    # variables times the three equations' v in one product, then the regressor's (mediator's) bread row
    V = jnp.stack([jnp.concatenate([a[0], -beta_tot, zero]),
                   jnp.concatenate([jnp.zeros_like(a[0]), -beta_a, 1.0 + zero]),
                   jnp.concatenate([a[0], -beta_b])], axis=1)  # (P, 3, B)
    z = (tab.m_o @ V.reshape(V.shape[0], -1)).reshape(G, k, 3, Bn)
    u1 = jnp.concatenate([Z1[0, :k1] * d[0] * d[:k1], zero])  # row of (X'X)^-1 of the regressor (total, a)
    U = jnp.stack([u1, u1, Z2[0, :k] * d[0] * d[:k], Z2[k1, :k] * d[k1] * d[:k]], axis=1)  # (k, 4, B)
    t = jnp.stack([_sum([z[:, q, e] * U[q, i] for q in range(k)]) for i, e in enumerate((0, 1, 2, 2))], axis=1)
    # CRV1 with Stata/fixest's G/(G-1) (N-1)/(N-K), K = slopes + 1 (the fixed effects nested in the clusters)
    N = T * n
    K = jnp.array([k1, k1, k, k], C.dtype)[:, None] + 1.0
    se = jnp.sqrt(n / (n - 1.0) * (N - 1.0) / (N - K) * (Ct[:, None] * t**2).sum(axis=0))  # (4, B)
    means = (Wt * (A / ((hi - lo) * N))[None]).sum(axis=1)
    out = TableReplicates(Wt[0].T, jnp.stack([beta_tot[0], beta_a[0], beta_b[0], *(Z1[0, k + 1 :] * d[0])], axis=1),
                          beta_b[k1], se.T, means.T)
    # an uncovered replicate is marked (NaN log sums above), never silently wrong
    covered = jnp.isfinite(Bmin).all(axis=0) & jnp.isfinite(Bmax).all(axis=0)
    nan = jnp.asarray(jnp.nan, C.dtype)
    return TableReplicates(*(jnp.where(covered.reshape((-1,) + (1,) * (x.ndim - 1)), x, nan) for x in out))
