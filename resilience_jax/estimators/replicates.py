"""The mediation equations of a batch of bootstrap replicates from their cross-product moments,
replicates along the last (contiguous) axis, where XLA vectorises them.

Shared by the two batched paths: the per-entity tables (:mod:`.tables`, the moments are weighted
sums of tables) and the gathered rows (:mod:`.gathered`, the moments are sums over each
replicate's own rows). Variables are ordered regressor, controls, mediator (``k`` of them, the
order of the sweeps); the outcomes are the indices (``E`` of them, the mediation's first).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from ..inference.vcov import crv1_factor
from .linalg import sweep_rows


class Replicates(NamedTuple):
    """Statistics of a batch of replicates (leading axis: replicate)."""

    weights: jax.Array  # (B, m) the mediation index's indicator weights
    beta: jax.Array  # (B, 3 + extra) regressor's coefficient: total effect, a-path, b-path (c'), extra indices' baselines
    b: jax.Array  # (B,) the mediator's coefficient in the b-path
    se: jax.Array  # (B, 4) CRV1 SEs of c, a, c', b
    means: jax.Array  # (B, 1 + extra) mean of each index over the replicate's rows


class Sweep(NamedTuple):
    """The swept ``[X'X | X'y]`` of a batch (see :func:`solve`)."""

    Z1: jax.Array  # (k, k + E, B) regressor and controls swept: total effect, a-path, baselines
    Z2: jax.Array  # (k, k + E, B) the mediator swept too: the b-path
    d: jax.Array  # (k, B) equilibration 1 / sqrt(diag X'X)
    beta_tot: jax.Array  # (k - 1, B) total effect equation (mediation index on regressor, controls)
    beta_a: jax.Array  # (k - 1, B) a-path (mediator on regressor, controls)
    beta_b: jax.Array  # (k, B) b-path (mediation index on regressor, controls, mediator)


def add_up(terms):
    """Sum of a list of arrays as a chain of adds (XLA fuses it into one elementwise loop; a
    stacked reduction over a new axis is several times slower here)."""
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def solve(S_oo: jax.Array, S_oa: jax.Array) -> Sweep:
    """The equations' coefficients from ``S_oo`` (k, k, B), the cross products of the other
    variables, and ``S_oa`` (k, E, B), their cross products with the indices (all demeaned):
    one Gauss-Jordan sweep of the equilibrated ``[X'X | X'y]``, the regressor and controls first
    (total effect, a-path, baselines), then the mediator (b-path)."""
    k = S_oo.shape[0]
    d = 1.0 / jnp.sqrt(jnp.stack([S_oo[i, i] for i in range(k)]))  # (k, B)
    Z = jnp.concatenate([S_oo * d[:, None] * d[None, :], S_oa * d[:, None]], axis=1)
    k1 = k - 1
    for j in range(k1):
        Z = sweep_rows(Z, j)
    Z1, Z2 = Z, sweep_rows(Z, k1)
    return Sweep(Z1, Z2, d, Z1[:k1, k] * d[:k1], Z1[:k1, k1] * d[:k1] / d[k1], Z2[:k, k] * d[:k])


def crv1_ses(sw: Sweep, scores: jax.Array, cluster_weights, n_clusters, nobs) -> jax.Array:
    """CRV1 SEs (4, B) of c, a, c' and b from per-cluster scores (G, k, 3, B) of the total effect,
    a-path and b-path equations (``X_g' u_g``); ``cluster_weights`` (G, B) frequency weights or
    None. K = slopes + 1 (the fixed effects nested in the clusters, or the intercept)."""
    k = sw.d.shape[0]
    k1 = k - 1
    Z1, Z2, d = sw.Z1, sw.Z2, sw.d
    zero = jnp.zeros_like(d[:1])
    u1 = jnp.concatenate([Z1[0, :k1] * d[0] * d[:k1], zero])  # row of (X'X)^-1 of the regressor (total, a)
    U = jnp.stack([u1, u1, Z2[0, :k] * d[0] * d[:k], Z2[k1, :k] * d[k1] * d[:k]], axis=1)  # (k, 4, B)
    t = jnp.stack([add_up([scores[:, q, e] * U[q, i] for q in range(k)]) for i, e in enumerate((0, 1, 2, 2))], axis=1)
    t2 = t**2 if cluster_weights is None else cluster_weights[:, None] * t**2
    K = jnp.array([k1, k1, k, k], d.dtype)[:, None] + 1.0
    return jnp.sqrt(crv1_factor(n_clusters, nobs, K) * t2.sum(axis=0))


def collect(Wt: jax.Array, sw: Sweep, se: jax.Array, means: jax.Array) -> Replicates:
    """:class:`Replicates` from the indices' weights (E, m, B), the sweep, the SEs (4, B) and the
    indices' means (E, B)."""
    k = sw.d.shape[0]
    extra = sw.Z1[0, k + 1 :] * sw.d[0]  # the extra indices' baseline coefficients
    return Replicates(Wt[0].T, jnp.stack([sw.beta_tot[0], sw.beta_a[0], sw.beta_b[0], *extra], axis=1),
                      sw.beta_b[k - 1], se.T, means.T)
