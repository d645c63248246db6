"""The staged core on the rows of a balanced panel: the single fit, and one weighted-rows replicate.

:func:`fit_rows` composes the two stages on the original rows with entity frequency weights
(an entity with weight 2 counts as two entities, each with its own fixed effect and its own
cluster, SPEC.md section 6; weight 0 leaves it out, the jackknife): the index stage from the
rows' bounds and entropy sums, the indices as rows, the within (or pooled) demeaning, the
per-entity cross products, then the equations stage. Unbatched: the bootstrap's weighted-rows
path vmaps it over replicates (the entity weights), the single fit calls it with none.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp

from ..data.arrays import MediationArrays
from ..index.stage import index_stage, row_sums
from ..inference.vcov import DEFAULT_SSC, SSC
from .equations import equations_stage
from .record import MediationStats, mediation_stats


def fit_rows(arrays: MediationArrays, entity_weights: jax.Array | None = None, *, n_entities: int,
             fixed_effects: bool = True, ssc: SSC = DEFAULT_SSC) -> MediationStats:
    """The mediation pipeline on the rows (index re-estimated on the weighted rows).

    Parameters
    ----------
    arrays : the panel's arrays (:func:`~resilience_jax.data.arrays.mediation_arrays`), sorted by
        entity, T rows each.
    entity_weights : (G,) frequency weights of the entities, or None (each once: the single fit).
    n_entities : G (static). fixed_effects : entity fixed effects (True) or the pooled reading
        (OLS with an intercept: demeaning around the weighted grand mean).

    Returns
    -------
    MediationStats (unbatched).

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arr = mediation_arrays(rj.load_panel())
    >>> st = fit_rows(arr, n_entities=30)
    >>> round(float(st.weights.sum()), 12), int(st.status)
    (1.0, 0)
    """
    X = arrays.X_ind
    n, m = X.shape
    G, T = n_entities, n // n_entities
    weighted = entity_weights is not None  # static: the single fit compiles without weights
    c = jnp.asarray(entity_weights, X.dtype) if weighted else jnp.ones(G, X.dtype)
    r = jnp.repeat(c, T, total_repeat_length=n)[:, None] if weighted else None  # row weights
    n_eff = T * c.sum() if weighted else jnp.asarray(float(n), X.dtype)
    s = row_sums(X, arrays.directions, r)
    ist = index_stage(s.lo, s.hi, s.total, s.xlogx, n_eff, s.total / n_eff, arrays.directions, arrays.members)
    idx = s.z @ ist.weights.T  # (n, E) the indices as rows
    # others (regressor, controls, mediator), then the indices
    D = jnp.concatenate([arrays.regressor[:, None], arrays.controls, arrays.mediator[:, None], idx], axis=1)
    Dg = D.reshape(G, T, -1)
    if fixed_effects:
        Dg = Dg - Dg.mean(axis=1, keepdims=True)
    else:
        Dg = Dg - (c[:, None, None] * Dg).sum(axis=(0, 1), keepdims=True) / n_eff
    k = 2 + arrays.controls.shape[1]
    Mg = jnp.einsum("gto,gtp->gop", Dg[:, :, :k], Dg)  # (G, k, k + E) per-entity cross products
    S = jnp.tensordot(c, Mg, axes=1)
    eq = equations_stage(S[:, :k], S[:, k:], Mg[:, :, :k], Mg[:, :, k], c if weighted else None, c.sum(), n_eff,
                         ssc=ssc)
    return mediation_stats(ist, eq)


fit_rows_jit = jax.jit(fit_rows, static_argnames=("n_entities", "fixed_effects", "ssc"))
fit_rows_jit.__doc__ = "Jitted :func:`fit_rows` (one compile per shape and static configuration)."


@partial(jax.jit, static_argnames=("n_entities", "fixed_effects", "ssc"))
def fit_rows_batch(arrays: MediationArrays, entity_weights: jax.Array, *, n_entities: int, fixed_effects: bool = True,
                   ssc: SSC = DEFAULT_SSC) -> MediationStats:
    """:func:`fit_rows` for a batch (R, G) of entity weights (vmapped; the data shared)."""
    return jax.vmap(lambda w: fit_rows(arrays, w, n_entities=n_entities, fixed_effects=fixed_effects, ssc=ssc))(entity_weights)
