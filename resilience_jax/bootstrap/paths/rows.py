"""The weighted-rows path: :func:`~resilience_jax.estimators.staged.fit_rows` with each replicate's
entity weights as frequency weights, vmapped over the replicates (the data is shared: what does not
depend on the weights, such as the demeaned regressors' cross products, is computed once a chunk)."""

from __future__ import annotations

import jax

from ...data.arrays import Baseline, MediationArrays
from ...estimators.record import MediationStats
from ...estimators.staged import fit_rows


def replicates_from_weights(C: jax.Array, arrays: MediationArrays, *, n_entities: int,
                            fixed_effects: bool = True, mode: str = "pooled",
                            baseline: Baseline | None = None) -> MediationStats:
    """The record of a batch of replicates with entity weights ``C`` (B, G) (replicate axis first).

    Parameters
    ----------
    C : jax.Array
        (B, G) entity weights of the replicates (multiplicities, Dirichlet weights, or any
        non-negative frequency weights; 0 drops an entity).
    arrays : MediationArrays
        The arrays of the mediation model (:func:`~resilience_jax.data.arrays.mediation_arrays`).
    n_entities : int
        Number of entities G.
    baseline : Baseline or None, optional
        The indices' baseline equation (:func:`~resilience_jax.estimators.staged.fit_rows`).
    mode : {"pooled", "per_year", "global"}, optional
        The entropy weights' panel mode (:func:`~resilience_jax.estimators.staged.fit_rows`).
    fixed_effects : bool, optional
        Entity fixed effects or the pooled reading.

    Returns
    -------
    MediationStats
        The B records, replicate axis first.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arrays, _ = mediation_arrays(rj.load_panel())
    >>> f = jax.jit(replicates_from_weights, static_argnames=("n_entities", "fixed_effects"))
    >>> C = jnp.ones((2, 30)).at[1, 0].set(0.0)  # all entities; all but the first
    >>> st = f(C, arrays, n_entities=30)
    >>> st.a.shape, st.status.tolist(), round(float(st.a[0]), 4)
    ((2,), [0, 0], 0.7966)
    """
    return jax.vmap(lambda w: fit_rows(arrays, w, n_entities=n_entities, fixed_effects=fixed_effects, mode=mode,
                                      baseline=baseline))(C)
