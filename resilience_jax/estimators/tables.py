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
The log-sum tables hold the ``HEAD`` entities with the smallest minima (largest maxima), which
cover all but a few replicates in ten thousand; those few are re-evaluated with tables of their
own minimisers (:func:`promote_candidates`).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..index.entropy import entropy_from_sums, index_weights
from .replicates import Replicates, add_up, collect, crv1_ses, solve


HEAD = 12  # candidates the replicates read (by one matrix product); see promote_candidates for the others


class EntityTables(NamedTuple):
    """Per-entity tables; the 2m "bound" columns are the indicators' minima (first m) then maxima."""

    psum: jax.Array  # (m, G) per-entity sums of each indicator
    rank: jax.Array  # (G, 2m) candidate position of entity g among the ascending minima / descending maxima (R: none)
    bound: jax.Array  # (R, 2m) the R smallest per-entity minima (ascending), the R largest maxima (descending)
    lsum: jax.Array  # (R, 2m, G) sum_t f(x_gtj - bound[r, j]) (minima), sum_t f(bound[r, j] - x_gtj) (maxima); f(v) = v ln v
    m_oi: jax.Array  # (k * m, G) cross products of the k other variables with the indicators
    m_oo: jax.Array  # (k * k, G) cross products of the other variables
    m_o: jax.Array  # (G * k, P) rows of the other variables in each M_g


def _ranking(Xg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, values), both (G, 2m): entities sorted by ascending minimum (first m columns) and by
    descending maximum (last m), and those minima / maxima."""
    pmin, pmax = Xg.min(axis=1), Xg.max(axis=1)
    order = np.argsort(np.concatenate([pmin, -pmax], axis=1), axis=0, kind="stable")
    return order, np.take_along_axis(np.concatenate([pmin, pmax], axis=1), order, axis=0)


def _log_table(Xg: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """(r, 2m, G) ``sum_t f(x_gtj - bound[r, j])`` (minima) and ``sum_t f(bound[r, m + j] - x_gtj)``
    (maxima), f(v) = v ln v. Negative differences (entity g below the candidate's min) only arise
    where the replicate gives g weight 0 or r is not the minimising one."""
    m = Xg.shape[2]
    side = np.concatenate([np.ones(m), -np.ones(m)])
    Xg2 = np.concatenate([Xg, Xg], axis=2)
    out = np.empty((len(bound), 2 * m, Xg.shape[0]))
    for r, v in enumerate(bound):
        d = side * (Xg2 - v)
        out[r] = (d * np.log(np.maximum(d, 1e-300))).sum(axis=1).T
    return out


def entity_tables(X_ind, regressor, mediator, controls, *, n_entities: int, n_candidates: int = HEAD) -> EntityTables:
    """Tables of a balanced panel sorted by entity (rows of entity g are the g-th block of T).

    Other variables are ordered regressor, controls, mediator (the order of the sweeps). The
    log-sum tables are indexed by the entity that attains a replicate's min (max): the
    ``n_candidates`` entities with the smallest minima (largest maxima) are tabulated; a replicate
    whose minimiser is not among them is NaN (:func:`promote_candidates` covers it).

    Computed on the host in float64 NumPy (a millisecond or two, and no XLA compilation on the way
    to the first replicate), returned as device arrays of ``X_ind``'s dtype.
    """
    dtype = jnp.asarray(X_ind).dtype
    X_ind, regressor, mediator, controls = (np.asarray(a, dtype=np.float64) for a in (X_ind, regressor, mediator, controls))
    n, m = X_ind.shape
    G = n_entities
    R = min(G, n_candidates)
    Xg = X_ind.reshape(G, n // G, m)
    order, values = _ranking(Xg)
    W = np.concatenate([X_ind, regressor[:, None], controls, mediator[:, None]], axis=1)
    Wg = W.reshape(G, n // G, -1)
    Wg = Wg - Wg.mean(axis=1, keepdims=True)
    M = np.einsum("gtp,gtq->pqg", Wg, Wg)
    k = M.shape[0] - m
    f = partial(jnp.asarray, dtype=dtype)
    return EntityTables(
        f(Xg.sum(axis=1).T), jnp.asarray(np.minimum(np.argsort(order, axis=0), R)), f(values[:R]),
        f(_log_table(Xg, values[:R])), f(M[m:, :m].reshape(k * m, G)), f(M[m:, m:].reshape(k * k, G)),
        f(M[m:].transpose(2, 0, 1).reshape(G * k, -1)),
    )


def _log_sums(L: jax.Array, rank: jax.Array, Ct: jax.Array) -> jax.Array:
    """``sum_g c_g L[rank_jb, j, g]`` (2m, B) for the ranks (2m, B) of the minimising (maximising)
    candidates and entity weights ``Ct`` (G, B): the first ``HEAD`` candidates are weighted for
    every replicate in one matrix product, and the entry of the replicate's own selected. A pair
    whose minimiser ranks lower is NaN (see :func:`promote_candidates`)."""
    R, m, G = L.shape
    Bn = Ct.shape[1]
    h = min(HEAD, R)
    head = (L[:h].reshape(h * m, G) @ Ct).reshape(h, m, Bn)
    out = add_up([jnp.where(rank == r, head[r], 0.0) for r in range(h)])
    return jnp.where(rank < h, out, jnp.nan)


def promote_candidates(tab: EntityTables, X_ind, C: np.ndarray) -> tuple[EntityTables, np.ndarray]:
    """Tables that cover replicates the tabulated candidates do not: the replicate's minimiser
    (maximiser) of a bound column is its drawn entity of lowest rank, at rank r with probability
    about ``exp(-r)``, so a few replicates in ten thousand need one below the first ``HEAD``.

    ``tab``: the tables of ``X_ind`` the replicates read. Returns tables of the same shapes (so that
    the compiled replicate chunk serves them as they are) whose candidates are, in each column, the
    minimisers of a subset of the replicates ``C`` (B, G) in their order of rank (so that for each
    of those replicates its minimiser comes first among its drawn entities), then the next-ranked
    entities; and the indices of that subset: the replicates in order, as long as no column needs
    more candidates than the tables hold (always at least the first replicate). Host-side NumPy."""
    R, cols = tab.bound.shape
    G = tab.psum.shape[1]
    X_ind = np.asarray(X_ind, dtype=np.float64)
    Xg = X_ind.reshape(G, -1, X_ind.shape[1])
    order, values = _ranking(Xg)
    rank = np.argsort(order, axis=0)  # (G, 2m) every entity's rank
    ranks = np.where(np.asarray(C)[:, :, None] > 0, rank[None], G).min(axis=1)  # (B, 2m) minimiser ranks
    front = [set() for _ in range(cols)]
    chosen = []
    for b, rb in enumerate(ranks):
        grown = [front[c] | {int(rb[c])} for c in range(cols)]
        if all(len(f) <= R for f in grown):
            front, chosen = grown, [*chosen, b]
    new = np.empty((R, cols), dtype=np.int64)  # candidate position -> rank
    for c in range(cols):
        first = sorted(front[c])
        new[:, c] = np.concatenate([first, np.setdiff1d(np.arange(G), first)[: R - len(first)]])
    new_rank = np.full((G + 1, cols), R, dtype=np.int64)  # rank -> candidate position (R: none)
    np.put_along_axis(new_rank, new, np.arange(R)[:, None], axis=0)
    bound = np.take_along_axis(values, new, axis=0)
    promoted = tab._replace(rank=jnp.asarray(np.take_along_axis(new_rank, rank, axis=0), dtype=tab.rank.dtype),
                            bound=jnp.asarray(bound, dtype=tab.bound.dtype),
                            lsum=jnp.asarray(_log_table(Xg, bound), dtype=tab.lsum.dtype))
    return promoted, np.asarray(chosen, dtype=np.int64)


def replicates_from_tables(tab: EntityTables, C: jax.Array, directions: jax.Array, members: jax.Array,
                           n_periods: int) -> Replicates:
    """Entropy weights, the mediation equations' coefficients and CRV1 SEs, the extra indices'
    baseline coefficients and the index means for a batch of entity weights ``C`` (B, G), with
    entity fixed effects; equal to ``pipeline.mediation_fast(..., c)`` row by row. ``members``
    (m,) or (1 + extra, m): row 0 the mediation's index, then one row per extra index.

    A replicate whose minimiser (maximiser) of some indicator is not among the tabulated
    candidates returns NaN, never a wrong number: :func:`promote_candidates` gives tables that
    cover it (:class:`~resilience_jax.bootstrap_engine.Engine` does this)."""
    R = tab.bound.shape[0]
    m = tab.psum.shape[0]
    G = C.shape[1]
    k = tab.m_o.shape[0] // G
    Bn = C.shape[0]
    T = n_periods
    Ct = C.T  # (G, B): replicates along the contiguous axis from here on
    # the replicate's min (max) of indicator j: the lowest-ranked candidate among the drawn entities
    rank = jnp.where((Ct > 0)[:, None, :], tab.rank[:, :, None], R).min(axis=0)  # (2m, B)
    bounds = jnp.take_along_axis(tab.bound.T, rank, axis=1, mode="clip")
    lo, hi = bounds[:m], bounds[m:]
    logs = _log_sums(tab.lsum, rank, Ct)
    Bmin, Bmax = logs[:m], logs[m:]
    n = Ct.sum(axis=0)  # effective number of entities
    csum = tab.psum @ Ct
    pos = (directions > 0)[:, None]
    A = jnp.where(pos, csum - T * n * lo, T * n * hi - csum)
    e = entropy_from_sums(A, jnp.where(pos, Bmin, Bmax), T * n)  # (m, B)
    Wt = index_weights(e, members)  # (1 + extra, m, B)
    a = (directions[:, None] / (hi - lo))[None] * Wt  # each index's coefficients on the raw indicators

    # [X'X | X'y] of the other variables (regressor, controls, mediator) and the indices
    S_oi, S_oo = (tab.m_oi @ Ct).reshape(k, m, Bn), (tab.m_oo @ Ct).reshape(k, k, Bn)
    S_oa = add_up([S_oi[:, j][:, None] * a[:, j][None] for j in range(m)])  # (k, 1 + extra, B)
    sw = solve(S_oo, S_oa)
    zero = jnp.zeros((1, Bn), C.dtype)
    # scores: residual = W_g v for v on [indicators, other variables]; M_g's rows of the other
    # variables times the three equations' v in one product
    V = jnp.stack([jnp.concatenate([a[0], -sw.beta_tot, zero]),
                   jnp.concatenate([jnp.zeros_like(a[0]), -sw.beta_a, 1.0 + zero]),
                   jnp.concatenate([a[0], -sw.beta_b])], axis=1)  # (P, 3, B)
    scores = (tab.m_o @ V.reshape(V.shape[0], -1)).reshape(G, k, 3, Bn)
    se = crv1_ses(sw, scores, Ct, n, T * n)
    out = collect(Wt, sw, se, (Wt * (A / ((hi - lo) * T * n))[None]).sum(axis=1))
    # an uncovered replicate is marked (NaN log sums above), never silently wrong
    covered = jnp.isfinite(logs).all(axis=0)
    nan = jnp.asarray(jnp.nan, C.dtype)
    return Replicates(*(jnp.where(covered.reshape((-1,) + (1,) * (x.ndim - 1)), x, nan) for x in out))
