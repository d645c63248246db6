"""Variance estimators in fixest/Stata semantics (iid, HC1, CRV1): one sandwich, one small-sample
correction, pure and jittable.

With ``N`` observations, ``K`` coefficients counted as :class:`SSC` says (slopes, plus the intercept
or the fixed effects not nested in the clusters) and ``G`` clusters, fixest's defaults give

- ``iid``:  ``V = SSR / (N - K) * (X'X)^-1``
- ``HC1``:  ``V = N / (N - K) * (X'X)^-1 X' diag(u^2) X (X'X)^-1``
- ``CRV1``: ``V = G/(G-1) * (N-1)/(N-K) * (X'X)^-1 (sum_g X_g'u_g u_g'X_g) (X'X)^-1``, t(G-1) reference

(Stata's ``vce(cluster)`` and fixest's ``ssc(adj=TRUE, cluster.adj=TRUE)``). Every estimator of the
package (``feols``, the mediation, each bootstrap path, the wild bootstrap) computes its cluster
scores, then calls :func:`sandwich` with the factor of :class:`SSC`: there is no other CRV1.
Batch axes (bootstrap replicates) trail the matrix axes, where XLA vectorises them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jax
import jax.numpy as jnp

from .._ops import add_up, expand_trailing

VCOV_CODES = {"iid": 0, "HC1": 1, "CRV1": 2}


@dataclass(frozen=True)
class SSC:
    """Small-sample correction, in the semantics of pyfixest's ``ssc()`` and fixest's ``ssc()``.

    Frozen and hashable, so it is passed to jitted code as a static argument.

    Parameters
    ----------
    k_adj : multiply by ``(N-1)/(N-K)`` (CRV1, iid) or ``N/(N-K)`` (HC1).
    k_fixef : how fixed effects count in K: ``"nonnested"`` (levels of a fixed effect nested in
        the clusters are not counted, one is added back per such dimension: fixest's and Stata's
        default), ``"full"`` (every level) or ``"none"`` (no level).
    G_adj : multiply CRV1 by ``G/(G-1)``.
    t_df : degrees of freedom of the t reference: ``"min"`` (``G-1`` for CRV1, ``N-K`` otherwise) or
        ``"conventional"`` (``N-K`` always).

    Example
    -------
    >>> SSC().crv1_factor(30, 420, 7)  # G/(G-1) (N-1)/(N-K)
    1.0495...
    >>> SSC(k_adj=False, G_adj=False).crv1_factor(30, 420, 7)
    1.0
    """

    k_adj: bool = True
    k_fixef: Literal["nonnested", "full", "none"] = "nonnested"
    G_adj: bool = True
    t_df: Literal["min", "conventional"] = "min"

    def __post_init__(self):
        from ..errors import EstimationError

        if not isinstance(self.k_adj, bool) or not isinstance(self.G_adj, bool):
            raise EstimationError(f"ssc: k_adj and G_adj must be True or False, got {self.k_adj!r}, {self.G_adj!r}")
        if self.k_fixef not in ("nonnested", "full", "none"):
            raise EstimationError(f"ssc: k_fixef must be 'nonnested', 'full' or 'none', got {self.k_fixef!r}")
        if self.t_df not in ("min", "conventional"):
            raise EstimationError(f"ssc: t_df must be 'min' or 'conventional', got {self.t_df!r}")

    def crv1_factor(self, n_clusters, nobs, k):
        """``G/(G-1) (N-1)/(N-K)`` with the adjustments switched on (arrays broadcast)."""
        f = (nobs - 1) / (nobs - k) if self.k_adj else 1.0
        return f * (n_clusters / (n_clusters - 1) if self.G_adj else 1.0)

    def hc1_factor(self, nobs, k):
        """``N/(N-K)`` (or 1 without ``k_adj``)."""
        return nobs / (nobs - k) if self.k_adj else 1.0

    def iid_denominator(self, nobs, k):
        """The denominator of the residual variance: ``N-K`` (or ``N-1`` without ``k_adj``)."""
        return nobs - k if self.k_adj else nobs - 1

    def df_t(self, vcov_kind, nobs, k, n_clusters):
        """Degrees of freedom of the t reference (``vcov_kind`` a code of :data:`VCOV_CODES`, may be traced)."""
        if self.t_df == "conventional":
            return nobs - k
        return jnp.where(vcov_kind == VCOV_CODES["CRV1"], n_clusters - 1, nobs - k)


DEFAULT_SSC = SSC()


def cluster_scores(scores: jax.Array, cluster: jax.Array, n_clusters: int) -> jax.Array:
    """Per-cluster sums (G, k) of per-observation scores ``x_i u_i`` (n, k).

    Parameters
    ----------
    scores : jax.Array
        (n, k) per-observation scores.
    cluster : jax.Array
        (n,) integer cluster of each observation, in ``[0, n_clusters)``.
    n_clusters : int
        Number of clusters G (static).

    Returns
    -------
    jax.Array
        (G, k) the scores summed within each cluster.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> cluster_scores(jnp.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), jnp.array([0, 1, 1]), 2).tolist()
    [[1.0, 0.0], [1.0, 3.0]]
    """
    return jax.ops.segment_sum(scores, cluster, n_clusters)


def meat(scores: jax.Array, cluster_weights: jax.Array | None = None) -> jax.Array:
    """The unscaled meat ``sum_g c_g s_g s_g'`` (k, k, ...) of per-cluster scores ``s_g`` (G, k, ...).

    Parameters
    ----------
    scores : jax.Array
        (G, k, ...) per-cluster scores, batch axes trailing.
    cluster_weights : jax.Array or None, optional
        (G, ...) frequency weights c of the clusters (a cluster drawn twice counts twice), or None
        (each cluster once).

    Returns
    -------
    jax.Array
        (k, k, ...) the meat.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> s = jnp.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> meat(s).tolist()
    [[2.0, 1.0], [1.0, 5.0]]
    >>> meat(s, jnp.array([2.0, 1.0, 0.0])).tolist()  # the first cluster twice, the last left out
    [[2.0, 0.0], [0.0, 4.0]]
    """
    w = 1.0 if cluster_weights is None else expand_trailing(cluster_weights, scores.ndim)
    return jnp.einsum("gi...,gj...->ij...", w * scores, scores)


def sandwich(bread: jax.Array, scores: jax.Array, factor=1.0, *, cluster_weights: jax.Array | None = None,
             diagonal: bool = False, equations: tuple[int, ...] | None = None) -> jax.Array:
    """``factor * bread (sum_g c_g s_g s_g') bread'``: the one cluster-robust sandwich.

    Parameters
    ----------
    bread : jax.Array
        (r, k, ...) rows of ``(X'X)^-1`` (all k rows for the full matrix), batch axes trailing
        (or none, shared by every batch element).
    scores : jax.Array
        (G, k, ...) per-cluster scores ``X_g' u_g`` (per observation for HC1).
    factor : float or jax.Array, optional
        Small-sample factor (:class:`SSC`), broadcast against the result.
    cluster_weights : jax.Array or None, optional
        (G, ...) frequency weights of the clusters, or None.
    diagonal : bool, optional
        Return only the diagonal (r, ...) of the r rows' variances, ``sum_g c_g (bread s_g)_i^2``,
        without forming the meat (the bootstrap's standard errors).
    equations : tuple of int or None, optional
        With ``diagonal``, several equations' sandwiches at once: ``scores`` (G, k, E, ...) holds E
        equations' scores and bread row i is applied to equation ``equations[i]`` (one reduction
        for all, which XLA runs faster than one per equation).

    Returns
    -------
    jax.Array
        (r, k, ...) covariance rows, or (r, ...) variances with ``diagonal=True``.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> s = jnp.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    >>> sandwich(jnp.eye(2), s).tolist()
    [[2.0, 1.0], [1.0, 5.0]]
    >>> sandwich(jnp.eye(2), s, diagonal=True).tolist()
    [2.0, 5.0]
    """
    if not diagonal:  # the full matrix: bread (meat) bread', as matrix products
        return factor * jnp.einsum("ik...,kl...,jl...->ij...", bread, meat(scores, cluster_weights), bread)
    # the diagonal only: bread s_g row by row as a chain of multiply-adds over k (small k; fuses and
    # vectorises across trailing batch axes), then sum_g c_g (bread s_g)_i^2 without the meat
    r, k = bread.shape[:2]
    of = (lambda i, q: scores[:, q]) if equations is None else (lambda i, q: scores[:, q, equations[i]])
    t = jnp.stack([add_up([bread[i, q] * of(i, q) for q in range(k)]) for i in range(r)], axis=1)  # (G, r, ...)
    t2 = t**2 if cluster_weights is None else expand_trailing(cluster_weights, t.ndim) * t**2
    return factor * t2.sum(axis=0)


def vcov_all(
    X: jax.Array,
    resid: jax.Array,
    bread: jax.Array,
    mask: jax.Array,
    cluster: jax.Array,
    df_k: jax.Array,
    *,
    n_clusters_max: int,
    ssc: SSC = DEFAULT_SSC,
) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array, jax.Array]:
    """All three variance matrices of one fit and the counts they use: (V_iid, V_HC1, V_CRV1, N, G).

    Computing all three is cheaper than branching under ``vmap`` for the suite's small K.

    Parameters
    ----------
    X : jax.Array
        (n, k) the (masked) design.
    resid : jax.Array
        (n,) the residuals (0 on masked rows).
    bread : jax.Array
        (k, k) ``(X'X)^-1``.
    mask : jax.Array
        (n,) 1 on the rows of the fit, 0 elsewhere.
    cluster : jax.Array
        (n,) integer cluster of each row, in ``[0, n_clusters_max)``.
    df_k : float or jax.Array
        K of the small-sample correction.
    n_clusters_max : int
        Number of cluster codes (static); G counts those with a row in the fit.
    ssc : SSC, optional
        Small-sample correction.

    Returns
    -------
    v_iid, v_hc1, v_crv1 : jax.Array
        (k, k) the iid, HC1 and CRV1 variance matrices.
    nobs, n_clusters : jax.Array
        N and G.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> X = jnp.array([[1.0, -1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    >>> y = jnp.array([0.0, 2.0, 1.0, 4.0])
    >>> bread = jnp.linalg.inv(X.T @ X)
    >>> resid = y - X @ (bread @ X.T @ y)
    >>> v_iid, v_hc1, v_crv1, n, g = vcov_all(X, resid, bread, jnp.ones(4), jnp.array([0, 0, 1, 1]), 2.0,
    ...                                       n_clusters_max=2)
    >>> [round(float(v), 4) for v in jnp.sqrt(jnp.diag(v_hc1))], float(n), int(g)
    ([0.5107, 0.3365], 4.0, 2)
    >>> [round(float(v), 4) for v in jnp.sqrt(jnp.diag(v_crv1))]
    [0.4899, 0.1225]
    """
    n = mask.sum()
    ssr = (resid**2).sum()
    v_iid = ssr / ssc.iid_denominator(n, df_k) * bread
    obs = X * resid[:, None]
    v_hc1 = sandwich(bread, obs, ssc.hc1_factor(n, df_k))
    both = cluster_scores(jnp.concatenate([obs, mask[:, None]], axis=1), cluster, n_clusters_max)
    cl_scores, g = both[:, :-1], (both[:, -1] > 0).sum()
    v_crv1 = sandwich(bread, cl_scores, ssc.crv1_factor(g, n, df_k))
    return v_iid, v_hc1, v_crv1, n, g
