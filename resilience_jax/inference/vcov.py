"""Variance estimators in fixest/Stata semantics (iid, HC1, CRV1): pure and jittable.

With ``N`` observations, ``K`` = ``df_k`` coefficients counted as fixest's ``ssc()`` does (slopes,
plus the intercept or the non-nested fixed effects) and ``G`` clusters:

- ``iid``:  ``V = SSR / (N - K) * (X'X)^-1``
- ``HC1``:  ``V = N / (N - K) * (X'X)^-1 X' diag(u^2) X (X'X)^-1``
- ``CRV1``: ``V = G/(G-1) * (N-1)/(N-K) * (X'X)^-1 (sum_g X_g'u_g u_g'X_g) (X'X)^-1``, t(G-1) reference

(``(N-1)/(N-K)`` and ``G/(G-1)`` are Stata's ``vce(cluster)`` and fixest's ``ssc(adj=TRUE,
cluster.adj=TRUE)`` factors.) Rows with weight 0 contribute nothing.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

VCOV_CODES = {"iid": 0, "HC1": 1, "CRV1": 2}


def crv1_factor(n_clusters, nobs, k):
    """Stata's and fixest's CRV1 small-sample factor ``G/(G-1) (N-1)/(N-K)`` (K as fixest counts it)."""
    return n_clusters / (n_clusters - 1) * (nobs - 1) / (nobs - k)


def sandwich(bread: jax.Array, scores: jax.Array) -> jax.Array:
    """``bread (scores' scores) bread`` for (n_or_G, K) scores."""
    meat = scores.T @ scores
    return bread @ meat @ bread


def vcov_all(
    X: jax.Array,
    resid: jax.Array,
    bread: jax.Array,
    mask: jax.Array,
    cluster: jax.Array,
    df_k: jax.Array,
    *,
    n_clusters_max: int,
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array, jax.Array]:
    """All three variance matrices and the counts they use: (V_iid, V_HC1, V_CRV1, N, G).

    ``X`` is the (masked) design, ``resid`` the residuals (0 on masked rows), ``bread`` = (X'X)^-1.
    Computing all three is cheaper than branching under ``vmap`` for the suite's small K.
    """
    n = mask.sum()
    ssr = (resid**2).sum()
    v_iid = ssr / (n - df_k) * bread
    scores = X * resid[:, None]
    v_hc1 = n / (n - df_k) * sandwich(bread, scores)
    both = jax.ops.segment_sum(jnp.concatenate([scores, mask[:, None]], axis=1), cluster, n_clusters_max)
    cl_scores, g = both[:, :-1], (both[:, -1] > 0).sum()
    v_crv1 = crv1_factor(g, n, df_k) * sandwich(bread, cl_scores)
    return v_iid, v_hc1, v_crv1, n, g
