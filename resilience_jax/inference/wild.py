"""Wild cluster bootstrap, restricted (WCR), for one coefficient: pure and vectorised over replicates.

Model ``y = X b + e`` (already within-transformed when there are fixed effects nested in the
clusters), H0: ``b_j = 0``, CRV1 t statistic. The restricted fit (column j dropped) gives fitted
values ``y_r`` and residuals ``u_r``; replicate v (one weight per cluster) is
``y* = y_r + v_g(i) u_r``. Everything is linear in v, so with per-cluster ``A_g = X_g' y_r``,
``C_g = X_g' u_r`` and ``M_g = X_g' X_g``:

    b*(v) = (X'X)^-1 (X' y_r + sum_g v_g C_g),    s*_g(v) = A_g + v_g C_g - M_g b*(v),

and ``se*_j^2 = f sum_g ((X'X)^-1 s*_g)_j^2`` with the CRV1 factor f; no replicate refits. The
two-sided p-value is the share of ``|t*| >= |t|`` (:func:`wild_pvalue`): as in a randomization test
the draws that reproduce the sample (all signs +1, and all -1, which gives ``-t``) count, and ties are
judged to a relative tolerance so that rounding cannot flip them.
Weights: Rademacher (+-1) or Webb's six points (+-sqrt(1/2), +-1, +-sqrt(3/2)); with Rademacher
and G <= 12 every one of the 2^G sign vectors can be enumerated, which makes the p-value exact.
"""

from __future__ import annotations

import itertools
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .vcov import crv1_factor

WildWeights = Literal["rademacher", "webb"]
ENUMERATE_MAX_G = 12
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


class WildStats(NamedTuple):
    t: jax.Array  # observed CRV1 t statistic of coefficient j
    t_boot: jax.Array  # (B,) bootstrap t statistics under the null
    coef: jax.Array
    se: jax.Array


def wild_weights(key: jax.Array, n_boot: int, n_clusters: int, kind: WildWeights) -> jax.Array:
    """(n_boot, G) random cluster weights."""
    if kind == "rademacher":
        return jax.random.rademacher(key, (n_boot, n_clusters)).astype(jnp.float64)
    return jnp.asarray(_WEBB)[jax.random.randint(key, (n_boot, n_clusters), 0, 6)]


def all_sign_vectors(n_clusters: int) -> np.ndarray:
    """(2^G, G) every Rademacher sign vector (full enumeration)."""
    return np.array(list(itertools.product((1.0, -1.0), repeat=n_clusters)))


def wild_t(X: jax.Array, y: jax.Array, cluster: jax.Array, V: jax.Array, j: int, *, n_clusters: int) -> WildStats:
    """Observed and bootstrap CRV1 t statistics of coefficient ``j`` (static) for weights V (B, G)."""
    n, k = X.shape
    G = n_clusters
    bread = jnp.linalg.inv(X.T @ X)
    b = bread @ (X.T @ y)
    u = y - X @ b
    per = lambda a: jax.ops.segment_sum(a, cluster, G)  # noqa: E731
    S = per(X * u[:, None])  # (G, k)
    f = crv1_factor(G, n, k + 1)  # K counts the intercept or the nested fixed effects (fixest)
    se = jnp.sqrt(f * jnp.sum((S @ bread[j]) ** 2))
    keep = np.array([i for i in range(k) if i != j])
    Z = X[:, keep]
    y_r = Z @ jnp.linalg.solve(Z.T @ Z, Z.T @ y)
    u_r = y - y_r
    A = per(X * y_r[:, None])
    C = per(X * u_r[:, None])
    M = jax.ops.segment_sum(X[:, :, None] * X[:, None, :], cluster, G)  # (G, k, k)
    b_star = (bread @ A.sum(axis=0))[None, :] + V @ (C @ bread)  # (B, k): bread symmetric
    s_star = A[None] + V[:, :, None] * C[None] - jnp.einsum("gkl,bl->bgk", M, b_star)
    se_star = jnp.sqrt(f * jnp.sum((s_star @ bread[j]) ** 2, axis=1))
    return WildStats(b[j] / se, b_star[:, j] / se_star, b[j], se)


wild_t_jit = jax.jit(wild_t, static_argnames=("j", "n_clusters"))

TIE_RTOL = 1e-9


def wild_pvalue(t: float, t_boot: np.ndarray) -> float:
    """Share of bootstrap statistics at least as extreme as ``t`` (ties to ``TIE_RTOL``)."""
    return float(np.mean(np.abs(t_boot) >= abs(t) * (1 - TIE_RTOL)))
