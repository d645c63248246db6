"""The weighted-rows path: :func:`~resilience_jax.estimators.staged.fit_rows` with each replicate's
entity weights as frequency weights, vmapped over the replicates (the data is shared: what does not
depend on the weights, such as the demeaned regressors' cross products, is computed once a chunk)."""

from __future__ import annotations

import jax

from ...data.arrays import MediationArrays
from ...estimators.record import MediationStats
from ...estimators.staged import fit_rows


def replicates_from_weights(C: jax.Array, arrays: MediationArrays, *, n_entities: int,
                            fixed_effects: bool = True) -> MediationStats:
    """The record of a batch of replicates with entity weights ``C`` (B, G) (replicate axis first)."""
    return jax.vmap(lambda w: fit_rows(arrays, w, n_entities=n_entities, fixed_effects=fixed_effects))(C)
