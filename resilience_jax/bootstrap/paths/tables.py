"""Per-entity tables for cluster-bootstrap replicates without touching the rows (docs/method.md, section 6).

A cluster (entity) bootstrap replicate is the data with entity frequency weights ``c`` (an entity
drawn twice counts twice, with its own fixed effect and its own cluster). Everything the pipeline
needs is then a ``c``-weighted sum of per-entity tables, computed once:

- entropy weights: the replicate's min (max) of indicator j is the smallest ``pmin_gj`` (largest
  ``pmax_gj``) among drawn entities, attained by some entity k. With ``A_j = sum_g c_g sum_t (x - min)``
  and ``B_j = sum_g c_g sum_t (x - min) ln(x - min)`` (``max - x`` for a negative indicator),
  ``e_j = (ln A_j - B_j / A_j) / ln(n_eff)``: the range cancels, and ``B_j`` is read from a table
  ``L[k, j, g] = sum_t (x_gtj - pmin_kj) ln(x_gtj - pmin_kj)`` indexed by the entity k that attains
  the replicate's min, so no logarithm of a row is evaluated per replicate;
- regressions: the per-entity moments of :mod:`resilience_jax.estimators.moments`; the index
  enters through its coefficients ``a_j = sign_j w_j / range_j`` on the raw indicators (the
  demeaned index is linear in the demeaned raw indicators), so the equations' ``X'X`` and ``X'y``
  are blocks of ``sum_g c_g M_g`` times ``a`` (the index stage and the equations stage of the
  staged core, composed here).

A batch of replicates is one matrix of entity weights ``C`` (B, G): every weighted sum is one
matrix product with ``C``, and the per-replicate algebra runs with the replicates along the last
(contiguous) axis, so that XLA vectorises across replicates instead of within 7 x 7 matrices.
The log-sum tables hold the :func:`n_head` entities with the smallest minima (largest maxima), which
cover all but a few replicates in ten thousand; those few are flagged ``NOT_TABULATED`` and
re-evaluated with tables of their own minimisers (:func:`promote_candidates`).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ... import status
from ...data.arrays import Baseline, MediationArrays
from ..._backend import tuned
from ..._ops import add_up
from ...estimators.equations import baseline_stage, equations_stage, index_cross_products, outcome_moments, take
from ...estimators.moments import EntityMoments, entity_moments
from ...estimators.record import MediationStats, mediation_stats
from ...index.stage import index_stage

HEAD = 12  # candidates the replicates read on a CPU (by one matrix product); see promote_candidates for the others
HEAD_ACCELERATOR = 24  # on a GPU or TPU, where the wider product is nearly free and fewer replicates need recovery


def n_head() -> int:
    """Tabulated candidates on the backend in use (:func:`~resilience_jax._backend.tuned`).

    Example
    -------
    >>> from resilience_jax._backend import on_cpu
    >>> n_head() == (HEAD if on_cpu() else HEAD_ACCELERATOR)
    True
    """
    return tuned(HEAD, HEAD_ACCELERATOR)


class EntityTables(NamedTuple):
    """Per-entity tables; the 2m "bound" columns are the indicators' minima (first m) then maxima."""

    psum: jax.Array  # (m, G) per-entity sums of each indicator
    rank: jax.Array  # (G, 2m) candidate position of entity g among the ascending minima / descending maxima (R: none)
    bound: jax.Array  # (R, 2m) the R smallest per-entity minima (ascending), the R largest maxima (descending)
    lsum: jax.Array  # (R, 2m, G) sum_t f(x_gtj - bound[r, j]) (minima), sum_t f(bound[r, j] - x_gtj) (maxima); f(v) = v ln v
    moments: EntityMoments  # per-entity cross products of the demeaned indicators and other variables
    count: jax.Array  # (G,) rows of each entity (T on a balanced panel)


def _grid_rows(X, G: int, present=None) -> tuple[np.ndarray, np.ndarray]:
    """(G, T, m) indicators and (G, T, 1) 0/1 rows present, float64 NumPy."""
    X = np.asarray(X, dtype=np.float64)
    Xg = X.reshape(G, X.shape[0] // G, -1)
    P = np.ones(Xg.shape[:2] + (1,)) if present is None else np.asarray(present, np.float64).reshape(Xg.shape[:2] + (1,))
    return Xg, P


def _ranking(Xg: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, values), both (G, 2m): entities sorted by ascending minimum (first m columns) and by
    descending maximum (last m) over their rows present (``P``), and those minima / maxima."""
    pmin, pmax = np.where(P > 0, Xg, np.inf).min(axis=1), np.where(P > 0, Xg, -np.inf).max(axis=1)
    order = np.argsort(np.concatenate([pmin, -pmax], axis=1), axis=0, kind="stable")
    return order, np.take_along_axis(np.concatenate([pmin, pmax], axis=1), order, axis=0)


def _log_table(Xg: np.ndarray, bound: np.ndarray, P: np.ndarray) -> np.ndarray:
    """(r, 2m, G) ``sum_t f(x_gtj - bound[r, j])`` (minima) and ``sum_t f(bound[r, m + j] - x_gtj)``
    (maxima) over the rows present (``P``), f(v) = v ln v. Negative differences (entity g below
    the candidate's min) only arise where the replicate gives g weight 0 or r is not the
    minimising one."""
    m = Xg.shape[2]
    side = np.concatenate([np.ones(m), -np.ones(m)])
    Xg2 = np.concatenate([Xg, Xg], axis=2)
    out = np.empty((len(bound), 2 * m, Xg.shape[0]))
    for r, v in enumerate(bound):
        d = side * (Xg2 - v) * P
        out[r] = (d * np.log(np.maximum(d, 1e-300))).sum(axis=1).T
    return out


def entity_tables(arrays: MediationArrays, *, n_entities: int, n_candidates: int | None = None) -> EntityTables:
    """Tables of a panel on its grid sorted by entity (rows of entity g are the g-th block of T; on
    an unbalanced panel the sums run over the rows present).

    Other variables are ordered regressor, controls, mediator (the order of the sweeps). The
    log-sum tables are indexed by the entity that attains a replicate's min (max): the
    ``n_candidates`` entities with the smallest minima (largest maxima) are tabulated; a replicate
    whose minimiser is not among them is flagged (:func:`promote_candidates` covers it).

    Computed on the host in float64 NumPy (a millisecond or two, and no XLA compilation on the way
    to the first replicate), returned as device arrays of the indicators' dtype.

    Parameters
    ----------
    arrays : MediationArrays
        The panel's arrays (:func:`~resilience_jax.data.arrays.mediation_arrays`), rows sorted by
        entity, T each.
    n_entities : int
        Number of entities G.
    n_candidates : int or None, optional
        Candidate entities tabulated per bound column (at most G); None: :func:`n_head` (12 on a
        CPU, 24 on an accelerator).

    Returns
    -------
    EntityTables
        ``psum`` (m, G), ``rank`` (G, 2m), ``bound`` (R, 2m), ``lsum`` (R, 2m, G) with
        ``R = min(G, n_candidates)``, and the per-entity ``moments``.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> a, _ = mediation_arrays(rj.load_panel())
    >>> tab = entity_tables(a, n_entities=30)
    >>> tab.psum.shape, tab.rank.shape, tab.bound.shape, tab.lsum.shape
    ((15, 30), (30, 30), (12, 30), (12, 30, 30))
    """
    dtype = jnp.asarray(arrays.X_ind).dtype
    X_ind = np.asarray(arrays.X_ind, dtype=np.float64)
    n, m = X_ind.shape
    G = n_entities
    R = min(G, n_head() if n_candidates is None else n_candidates)
    Xg, P = _grid_rows(X_ind, G, arrays.present)
    others = np.asarray(arrays.others(), np.float64)
    f = partial(jnp.asarray, dtype=dtype)
    if arrays.bounds is not None:
        # fixed bounds (goalposts): every replicate's bound is the goalpost, candidate 0, which
        # every entity "attains"; the log sums are plain per-entity sums at it
        bound = np.tile(np.asarray(arrays.bounds, np.float64).reshape(1, 2 * m), (R, 1))
        rank = np.zeros((G, 2 * m), dtype=np.int64)
    else:
        order, values = _ranking(Xg, P)
        bound, rank = values[:R], np.minimum(np.argsort(order, axis=0), R)
    return EntityTables(f((P * Xg).sum(axis=1).T), jnp.asarray(rank), f(bound), f(_log_table(Xg, bound, P)),
                        entity_moments(X_ind, others, n_entities=G, present=arrays.present), f(P.sum(axis=(1, 2))))


def _log_sums(L: jax.Array, rank: jax.Array, Ct: jax.Array) -> jax.Array:
    """``sum_g c_g L[rank_jb, j, g]`` (2m, B) for the ranks (2m, B) of the minimising (maximising)
    candidates and entity weights ``Ct`` (G, B): the first :func:`n_head` candidates are weighted for
    every replicate in one matrix product, and the entry of the replicate's own selected; and (B,)
    whether every minimiser of the replicate is among them (see :func:`promote_candidates`)."""
    R, m, G = L.shape
    Bn = Ct.shape[1]
    h = min(n_head(), R)
    head = (L[:h].reshape(h * m, G) @ Ct).reshape(h, m, Bn)
    out = add_up([jnp.where(rank == r, head[r], 0.0) for r in range(h)])
    covered = (rank < h).all(axis=0)
    return jnp.where(rank < h, out, 1.0), covered


def promote_candidates(tab: EntityTables, X_ind, C: np.ndarray, present=None) -> tuple[EntityTables, np.ndarray]:
    """Tables that cover replicates the tabulated candidates do not: the replicate's minimiser
    (maximiser) of a bound column is its drawn entity of lowest rank, at rank r with probability
    about ``exp(-r)``, so a few replicates in ten thousand need one below the first :func:`n_head`.

    ``tab``: the tables of ``X_ind`` the replicates read. Returns tables of the same shapes (so that
    the compiled replicate chunk serves them as they are) whose candidates are, in each column, the
    minimisers of a subset of the replicates ``C`` (B, G) in their order of rank (so that for each
    of those replicates its minimiser comes first among its drawn entities), then the next-ranked
    entities; and the indices of that subset: the replicates in order, as long as no column needs
    more candidates than the tables hold (always at least the first replicate). Host-side NumPy.

    Parameters
    ----------
    tab : EntityTables
        The tables of ``X_ind`` the replicates read (:func:`entity_tables`).
    X_ind : array_like
        (n, m) raw indicators, sorted by entity.
    C : numpy.ndarray
        (B, G) entity weights of the replicates to cover (typically those flagged
        ``status.NOT_TABULATED``).
    present : array_like or None, optional
        (n,) rows present on an unbalanced panel's grid (``MediationArrays.present``), or None.

    Returns
    -------
    promoted : EntityTables
        Tables of the same shapes as ``tab`` with re-ranked candidates.
    chosen : numpy.ndarray
        int64 indices (into the rows of ``C``) of the replicates the promoted tables cover.

    Example
    -------
    >>> import numpy as np
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> a, _ = mediation_arrays(rj.load_panel())
    >>> tab = entity_tables(a, n_entities=30)
    >>> rank = np.asarray(tab.rank)
    >>> C = np.ones((3, 30))
    >>> C[1, rank[:, 0] < n_head()] = 0  # replicate 1 drops every tabulated minimiser of indicator 0
    >>> int(rank[C[1] > 0, 0].min()) == n_head()  # its minimiser's candidate position: not tabulated
    True
    >>> promoted, chosen = promote_candidates(tab, a.X_ind, C)
    >>> chosen.tolist(), promoted.bound.shape == tab.bound.shape
    ([0, 1, 2], True)
    >>> int(np.asarray(promoted.rank)[C[1] > 0, 0].min())  # now among the candidates
    1
    """
    R, cols = tab.bound.shape
    G = tab.psum.shape[1]
    Xg, P = _grid_rows(X_ind, G, present)
    order, values = _ranking(Xg, P)
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
                            lsum=jnp.asarray(_log_table(Xg, bound, P), dtype=tab.lsum.dtype))
    return promoted, np.asarray(chosen, dtype=np.int64)


def replicates_from_tables(tab: EntityTables, C: jax.Array, directions: jax.Array, members: jax.Array,
                           *, k: int | None = None, baseline: Baseline | None = None) -> MediationStats:
    """The staged core for a batch of entity weights ``C`` (B, G) with entity fixed effects, from
    the tables: the index stage from the tabulated bounds and log sums, the equations stage from the
    entity-weighted moments. Equal to :func:`~resilience_jax.estimators.staged.fit_rows` row by row.
    ``members`` (E, m): row 0 the mediation's index, then one row per index symbol.

    A replicate whose minimiser (maximiser) of some indicator is not among the tabulated
    candidates is flagged ``status.NOT_TABULATED`` (its numbers are not to be used):
    :func:`promote_candidates` gives tables that cover it (the engine does this).

    Parameters
    ----------
    tab : EntityTables
        The per-entity tables (:func:`entity_tables`, or :func:`promote_candidates`).
    C : jax.Array
        (B, G) entity weights of the replicates.
    directions : jax.Array
        (m,) +1 / -1 indicator directions.
    members : jax.Array
        (E, m) 0/1 index membership: row 0 the mediation's index, then one row per index symbol.
    k : int or None, optional
        The mediation's regression variables (regressor, controls, mediator; static); None: all
        tabulated ones.
    baseline : Baseline or None, optional
        The indices' baseline over the tabulated variables (entity fixed effects; static); None:
        the mediation's total-effect equation.

    Returns
    -------
    MediationStats
        The B records, replicate axis first; ``status`` carries ``NOT_TABULATED`` where the
        tables do not cover a replicate.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> import numpy as np
    >>> import resilience_jax as rj
    >>> from resilience_jax import status
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> a, _ = mediation_arrays(rj.load_panel())
    >>> tab = entity_tables(a, n_entities=30)
    >>> C = np.ones((3, 30))
    >>> C[1, np.asarray(tab.rank)[:, 0] < n_head()] = 0  # drops every tabulated minimiser of indicator 0
    >>> f = jax.jit(replicates_from_tables)
    >>> st = f(tab, jnp.asarray(C), a.directions, a.members)
    >>> st.status.tolist() == [0, status.NOT_TABULATED, 0], round(float(st.a[0]), 4)
    (True, 0.7966)
    >>> promoted, chosen = promote_candidates(tab, a.X_ind, C)
    >>> f(promoted, jnp.asarray(C), a.directions, a.members).status.tolist()
    [0, 0, 0]
    """
    R = tab.bound.shape[0]
    m = tab.psum.shape[0]
    mom = tab.moments
    kq = mom.g_oo.shape[1]  # the regression variables (the mediation's k, then the baseline's extra ones)
    k = kq if k is None else k
    Bn, G = C.shape
    Ct = C.T  # (G, B): replicates along the contiguous axis from here on
    # the replicate's min (max) of indicator j: the lowest-ranked candidate among the drawn entities
    rank = jnp.where((Ct > 0)[:, None, :], tab.rank[:, :, None], R).min(axis=0)  # (2m, B)
    bounds = jnp.take_along_axis(tab.bound.T, rank, axis=1, mode="clip")
    lo, hi = bounds[:m], bounds[m:]
    logs, covered = _log_sums(tab.lsum, rank, Ct)
    n = Ct.sum(axis=0)  # effective number of entities
    N = tab.count @ Ct  # effective number of rows
    csum = tab.psum @ Ct
    pos = (directions > 0)[:, None]
    A = jnp.where(pos, csum - N * lo, N * hi - csum)  # sums of the distances to the worse bound
    ist = index_stage(lo, hi, A, jnp.where(pos, logs[:m], logs[m:]), N, A / ((hi - lo) * N), directions, members)
    S_oq, S_oo = (mom.m_oi @ Ct).reshape(kq, m, Bn), (mom.m_oo @ Ct).reshape(kq, kq, Bn)
    if kq == k:
        S_oy, g_oy = outcome_moments(S_oq, mom.g_oi, ist.coef)
        eq = equations_stage(S_oo, S_oy, mom.g_oo, g_oy, Ct, n, N)
    else:  # the mediation's variables only; the baseline's extra ones below
        g_oi = mom.g_oi.reshape(G, kq, m)[:, :k].reshape(G * k, m)
        S_oy, g_oy = outcome_moments(S_oq[:k], g_oi, ist.coef)
        eq = equations_stage(S_oo[:k, :k], S_oy, mom.g_oo[:, :k, :k], g_oy, Ct, n, N)
    if baseline is not None and baseline.columns != tuple(range(k - 1)):
        bl = baseline.columns  # the baseline's own variables (entity fixed effects, as the tables)
        beta, flag = baseline_stage(take(S_oo, bl, bl), index_cross_products(take(S_oq, bl), ist.coef))
        eq = eq._replace(beta=beta, status=eq.status | flag)
    return mediation_stats(ist, eq, jnp.where(covered, status.OK, status.NOT_TABULATED), batch_last=True)
