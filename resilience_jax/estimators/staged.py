"""The staged core composed: the single fit and one weighted-rows replicate on the rows of a
balanced panel (:func:`fit_rows`), and the equations stage for given weight vectors (:func:`fit_weights`).

:func:`fit_rows` composes the two stages on the original rows with entity frequency weights
(an entity with weight 2 counts as two entities, each with its own fixed effect and its own
cluster, docs/method.md, section 6; weight 0 leaves it out, the jackknife): the index stage from the
rows' bounds and entropy sums, the indices as rows, the within (or pooled) demeaning, the
per-entity cross products, then the equations stage. Unbatched: the bootstrap's weighted-rows
path vmaps it over replicates (the entity weights), the single fit calls it with none.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..data.arrays import Baseline, MediationArrays
from .. import status
from ..index.entropy import entropy_from_sums, log0
from ..index.stage import index_from_entropy, index_stage, row_sums
from ..inference.vcov import DEFAULT_SSC, SSC
from .equations import Equations, baseline_stage, equations_stage, outcome_moments
from .moments import entity_moments
from .record import MediationStats, mediation_stats
from .within import demean_balanced


def _index_rows(arrays: MediationArrays, c, r, n_eff, G: int, T: int, mode: str):
    """The index stage on the rows and the indices as rows (n, E), in an entropy ``mode``.

    ``pooled``: one normalisation and one weight vector over all rows. ``per_year``: bounds,
    entropies and weights per period (T cross-sections; the record reports the weights averaged
    over periods). ``global``: bounds over all rows, entropies per period averaged, one weight
    vector (rows of a balanced panel sorted by entity: the period of row i is i mod T)."""
    X, d, mem = arrays.X_ind, arrays.directions, arrays.members
    bounds = arrays.bounds  # (2, m) goalposts, or None: the rows' own min-max
    P = arrays.present  # (n,) rows of an unbalanced panel on its grid, or None
    if mode == "pooled":
        s = row_sums(X, d, r, bounds=bounds)
        ist = index_stage(s.lo, s.hi, s.total, s.xlogx, n_eff, s.total / n_eff, d, mem)
        return ist, s.z @ ist.weights.T
    m = X.shape[1]
    rg = None if r is None else c[:, None, None]
    n_g = c.sum()  # entities (weighted) in every period
    if P is not None:  # the entities present in each period, weighted
        rg = c[:, None, None] * P.reshape(G, T, 1)
        n_g = rg.sum(axis=0)[:, 0]  # (T,)
    if mode == "per_year":
        s = row_sums(X.reshape(G, T, m), d, rg, axis=0, bounds=bounds)  # (T, m) per period
        ist = index_stage(s.lo.T, s.hi.T, s.total.T, s.xlogx.T, n_g, s.total.T / n_g, d, mem)  # trailing axis T
        idx = jnp.einsum("gtm,emt->gte", s.z, ist.weights).reshape(G * T, -1)
        flag = jnp.where((ist.status != 0).any(), status.CONSTANT_INDICATOR, status.OK).astype(jnp.int32)
        return ist._replace(weights=ist.weights.mean(axis=-1), mean=ist.mean.mean(axis=-1), status=flag), idx
    s = row_sums(X, d, r, bounds=bounds)  # global: the pooled bounds ...
    zg = s.z.reshape(G, T, m)
    rz = zg if rg is None else rg * zg
    n_t = n_g if P is None else n_g[:, None]
    e = entropy_from_sums(rz.sum(axis=0), (rz * log0(zg)).sum(axis=0), n_t).mean(axis=0)  # ... per-period entropies, averaged
    ist = index_from_entropy(e, s.lo, s.hi, s.total / n_eff, d, mem)
    return ist, s.z @ ist.weights.T


def index_rows(arrays: MediationArrays, entity_weights: jax.Array | None = None, *, n_entities: int,
               mode: str = "pooled"):
    """The index stage on the rows with entity frequency weights, and every index on every row.

    The composition the posterior layer uses to carry the weights' uncertainty: the weights are
    estimated on the weighted rows (a Bayesian-bootstrap draw of the entities), then the index is
    evaluated on the panel's own rows.

    Parameters
    ----------
    arrays : MediationArrays
        The panel's arrays, sorted by entity, T rows each.
    entity_weights : jax.Array or None, optional
        (G,) positive frequency weights of the entities (continuous allowed), or None (each once).
    n_entities : int
        Number of entities G (static).
    mode : {"pooled", "per_year", "global"}, optional
        The entropy weights' panel mode.

    Returns
    -------
    stage : IndexStage
        The index stage (weights, coefficients, bounds, status) of the weighted rows.
    rows : jax.Array
        (n, E) every index (members rows of ``arrays``) on every row.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arr, _ = mediation_arrays(rj.load_panel())
    >>> st, rows = index_rows(arr, n_entities=30)
    >>> rows.shape, round(float(st.weights[0].sum()), 12)
    ((420, 4), 1.0)
    """
    X = arrays.X_ind
    n = X.shape[0]
    G, T = n_entities, n // n_entities
    c, r, n_eff = _row_weights(arrays, entity_weights, G)
    return _index_rows(arrays, c, r, n_eff, G, T, mode)


def _row_weights(arrays: MediationArrays, entity_weights, G: int):
    """The entity weights c (G,), the rows' weights r (n, 1) (None: every row once) and their sum:
    an entity's weight on each of its rows present."""
    X = arrays.X_ind
    n = X.shape[0]
    T = n // G
    weighted = entity_weights is not None
    c = jnp.asarray(entity_weights, X.dtype) if weighted else jnp.ones(G, X.dtype)
    if arrays.present is not None:
        r = (jnp.repeat(c, T, total_repeat_length=n) * arrays.present)[:, None]
        return c, r, r.sum()
    r = jnp.repeat(c, T, total_repeat_length=n)[:, None] if weighted else None
    return c, r, T * c.sum() if weighted else jnp.asarray(float(n), X.dtype)


def fit_rows(arrays: MediationArrays, entity_weights: jax.Array | None = None, *, n_entities: int,
             fixed_effects: bool = True, ssc: SSC = DEFAULT_SSC, mode: str = "pooled",
             baseline: Baseline | None = None) -> MediationStats:
    """The mediation pipeline on the rows (index re-estimated on the weighted rows).

    Parameters
    ----------
    arrays : MediationArrays
        The panel's arrays (:func:`~resilience_jax.data.arrays.mediation_arrays`), sorted by
        entity, T rows each.
    entity_weights : jax.Array or None, optional
        (G,) frequency weights of the entities, or None (each once: the single fit).
    n_entities : int
        Number of entities G (static).
    mode : {"pooled", "per_year", "global"}, optional
        The entropy weights' panel mode (:func:`~resilience_jax.index.entropy.entropy_weights`).
    baseline : Baseline or None, optional
        The indices' baseline equation (its variables and fixed effects; static); None: the
        mediation's total-effect equation.
    fixed_effects : bool, optional
        Entity fixed effects (True) or the pooled reading (OLS with an intercept: demeaning
        around the weighted grand mean).
    ssc : SSC, optional
        Small-sample correction of the CRV1 standard errors.

    Returns
    -------
    MediationStats
        The record of the fit (unbatched).

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arr, _ = mediation_arrays(rj.load_panel())
    >>> st = fit_rows(arr, n_entities=30)
    >>> round(float(st.weights.sum()), 12), int(st.status)
    (1.0, 0)
    """
    X = arrays.X_ind
    n = X.shape[0]
    G, T = n_entities, n // n_entities
    weighted = entity_weights is not None  # static: the single fit compiles without weights
    c, _, n_eff = _row_weights(arrays, entity_weights, G)
    P = None if arrays.present is None else arrays.present.reshape(G, T, 1)
    ist, idx = index_rows(arrays, entity_weights, n_entities=G, mode=mode)  # idx (n, E): the indices as rows
    # the regression variables (regressor, controls, mediator, the baseline's extra ones), then the indices
    others = arrays.others()
    k, kq = 2 + arrays.controls.shape[1], others.shape[1]
    Dn = jnp.concatenate([others, idx], axis=1).reshape(G, T, -1)
    own = "entity" if fixed_effects else "none"
    Dg = demean_balanced(Dn, c if weighted else None, own, P)
    Dm = Dg if kq == k else jnp.concatenate([Dg[:, :, :k], Dg[:, :, kq:]], axis=2)  # the mediation's columns
    Mg = jnp.einsum("gto,gtp->gop", Dm[:, :, :k], Dm)  # (G, k, k + E) per-entity cross products
    S = jnp.tensordot(c, Mg, axes=1)
    eq = equations_stage(S[:, :k], S[:, k:], Mg[:, :, :k], Mg[:, :, k], c if weighted else None, c.sum(), n_eff,
                         ssc=ssc)
    if baseline is not None and (baseline.columns, baseline.fixed_effects) != (tuple(range(k - 1)), own):
        # the spec's baseline is not the mediation's total effect: its own variables and demeaning
        Db = Dg if baseline.fixed_effects == own else demean_balanced(Dn, c if weighted else None, baseline.fixed_effects, P)
        cols = [*baseline.columns, *range(kq, Dn.shape[2])]
        Sb = jnp.einsum("g,gto,gtp->op", c, Db[:, :, list(baseline.columns)], Db[:, :, cols])
        beta, flag = baseline_stage(Sb[:, : len(baseline.columns)], Sb[:, len(baseline.columns):])
        eq = eq._replace(beta=beta, status=eq.status | flag)
    return mediation_stats(ist, eq)


fit_rows_jit = jax.jit(fit_rows, static_argnames=("n_entities", "fixed_effects", "ssc", "mode", "baseline"))
fit_rows_jit.__doc__ = "Jitted :func:`fit_rows` (one compile per shape and static configuration)."


def fit_weights(arrays: MediationArrays, weights, *, n_entities: int, ssc: SSC = DEFAULT_SSC) -> Equations:
    """The equations stage for V given indicator weight vectors at once, with entity fixed effects:
    what a sensitivity study of the index weights evaluates.

    The index is ``sum_j w_j z_ij`` with the full sample's min-max normalisation and each row of
    ``weights`` in place of the entropy weights; after the within transformation it is linear in
    the raw indicators (coefficients ``sign_j w_j / range_j``), so each vector costs matrix products
    with the per-entity moments (:mod:`~resilience_jax.estimators.moments`), not a refit.

    Parameters
    ----------
    arrays : MediationArrays
        The panel's arrays (:func:`~resilience_jax.data.arrays.mediation_arrays`).
    weights : array_like
        (V, m) weight vectors on the m indicators.
    n_entities : int
        Number of entities G.
    ssc : SSC, optional
        Small-sample correction of the CRV1 standard errors.

    Returns
    -------
    Equations
        Batch axis last: ``c``, ``a``, ``b``, ``c_prime`` and their SEs (V,), ``beta`` (1, V),
        ``status`` (V,).

    Example
    -------
    >>> import numpy as np, resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arr, _ = mediation_arrays(rj.load_panel())
    >>> eq = fit_weights(arr, np.full((3, 15), 1 / 15), n_entities=30)  # equal weights, three times
    >>> eq.c.shape, bool(np.allclose(eq.c, eq.c[0]))
    ((3,), True)
    """
    W = jnp.asarray(weights, arrays.X_ind.dtype)
    V = W.shape[0]
    others = jnp.concatenate([arrays.regressor[:, None], arrays.controls, arrays.mediator[:, None]], axis=1)
    mom = entity_moments(arrays.X_ind, others, n_entities=n_entities)
    k, m = others.shape[1], arrays.X_ind.shape[1]
    rng = arrays.X_ind.max(axis=0) - arrays.X_ind.min(axis=0)
    alpha = (W * (arrays.directions / rng)).T[None]  # (1, m, V): the index on the raw indicators
    ones = jnp.ones((n_entities, 1), W.dtype)
    S_oq = (mom.m_oi @ ones).reshape(k, m, 1)
    S_oo = jnp.broadcast_to((mom.m_oo @ ones).reshape(k, k, 1), (k, k, V))
    S_oy, g_oy = outcome_moments(S_oq, mom.g_oi, alpha)
    n = arrays.X_ind.shape[0]
    return equations_stage(S_oo, S_oy, mom.g_oo, g_oy, None, float(n_entities), float(n), ssc=ssc)
