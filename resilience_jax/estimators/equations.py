"""The equations stage of the staged core: from cross-product moments to the mediation's three
equations and the indices' baseline equations, with CRV1 standard errors and a status.

Variables ("others") are ordered regressor, controls, mediator (``k`` of them, the order of the
sweeps); the outcomes are E indices, the mediation's first. All moments are of within-demeaned
(or, pooled, grand-mean-demeaned) data:

- ``S_oo`` (k, k, ...): cross products of the others, summed over the (weighted) clusters;
- ``S_oy`` (k, E, ...): cross products of the others with each index;
- ``g_oo`` (G, k, k[, ...]) and ``g_oy`` (G, k[, ...]): the same per cluster, for the mediation's
  index, from which the cluster scores follow without residual rows
  (``X_g'u_g = X_g'y_g - X_g'X_g b``); without trailing batch axes they are shared by every replicate
  (the per-entity tables).

Equations: total effect (index 0 on regressor and controls), a-path (mediator on regressor and
controls), b-path (index 0 on regressor, controls and mediator), and each index's baseline (index e
on regressor and controls: one sweep of ``[X'X | X'Y]`` serves them all). A path that forms the
indices from basis columns (the raw indicators, whose moments do not depend on the replicate) gets
``S_oy`` and ``g_oy`` from :func:`outcome_moments`. Batch axes (replicates) trail.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import status
from .._ops import add_up
from ..inference.vcov import DEFAULT_SSC, SSC, sandwich
from .linalg import coefficients, equilibrate, inverse_rows, singular, sweep


class Equations(NamedTuple):
    """Coefficients on the regressor (and the mediator's b) with their CRV1 SEs (batch axes ``...``)."""

    c: jax.Array  # total effect: the regressor's coefficient in index 0 ~ regressor + controls
    se_c: jax.Array
    a: jax.Array  # a-path: the regressor's coefficient in mediator ~ regressor + controls
    se_a: jax.Array
    c_prime: jax.Array  # direct effect: the regressor's coefficient in index 0 ~ regressor + controls + mediator
    se_c_prime: jax.Array
    b: jax.Array  # the mediator's coefficient in the b-path
    se_b: jax.Array
    beta: jax.Array  # (E, ...) baseline coefficient of the regressor for every index
    status: jax.Array  # (...) int32: status.SINGULAR where a pivot says the design is singular


def outcome_moments(S_oq: jax.Array, g_oq: jax.Array, alpha: jax.Array) -> tuple[jax.Array, jax.Array]:
    """``S_oy`` (k, E, ...) and ``g_oy`` (G, k, ...) for indices that are linear combinations
    ``y_e = Q alpha_e`` of basis columns Q.

    Parameters
    ----------
    S_oq : jax.Array
        (k, q, ...) cross products of the others with the basis, summed over the clusters.
    g_oq : jax.Array
        (G * k, q) the same per cluster (the same for every replicate).
    alpha : jax.Array
        (E, q, ...) each index's coefficients on the basis.

    Returns
    -------
    S_oy : jax.Array
        (k, E, ...) cross products of the others with each index.
    g_oy : jax.Array
        (G, k, ...) per-cluster cross products of the others with index 0 (the mediation's).

    Example
    -------
    k = 3 others, q = 2 basis columns, G = 2 clusters and one index ``y = q_0 + 2 q_1``:

    >>> import jax.numpy as jnp
    >>> S_oq = jnp.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    >>> S_oy, g_oy = outcome_moments(S_oq, jnp.ones((2 * 3, 2)), jnp.array([[1.0, 2.0]]))
    >>> S_oy.tolist()
    [[1.0], [2.0], [4.0]]
    >>> g_oy.tolist()
    [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]
    """
    S_oy = index_cross_products(S_oq, alpha)
    G = g_oq.shape[0] // S_oq.shape[0]
    q = S_oq.shape[1]
    g_oy = (g_oq @ alpha[0].reshape(q, -1)).reshape(G, S_oq.shape[0], *alpha.shape[2:])
    return S_oy, g_oy


def index_cross_products(S_oq: jax.Array, alpha: jax.Array) -> jax.Array:
    """``S_oy`` (k, E, ...) of :func:`outcome_moments` alone: ``sum_j S_oq[:, j] alpha[:, j]``.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> index_cross_products(jnp.array([[1.0, 0.0], [2.0, 1.0]]), jnp.array([[1.0, 2.0]])).tolist()
    [[1.0], [4.0]]
    """
    return add_up([S_oq[:, j][:, None] * alpha[:, j][None] for j in range(S_oq.shape[1])])


def equations_stage(S_oo, S_oy, g_oo, g_oy, cluster_weights, n_clusters, nobs, *, ssc: SSC = DEFAULT_SSC,
                    k_extra=0.0) -> Equations:
    """The mediation's three equations and the baselines, with CRV1 SEs, from the moments.

    Parameters
    ----------
    S_oo : jax.Array
        (k, k, ...) cross products of the others (see the module doc).
    S_oy : jax.Array
        (k, E, ...) cross products of the others with each index.
    g_oo : jax.Array
        (G, k, k[, ...]) cross products of the others per cluster.
    g_oy : jax.Array
        (G, k[, ...]) cross products of the others with the mediation's index per cluster.
    cluster_weights : jax.Array or None
        (G, ...) frequency weights of the clusters (a cluster drawn twice counts twice), or None
        (each cluster once).
    n_clusters, nobs : float or jax.Array
        (...) effective G and N of the CRV1 small-sample factor.
    ssc : SSC, optional
        Small-sample correction; K counts the slopes and one for the intercept or the fixed
        effects nested in the clusters.
    k_extra : float or jax.Array, optional
        (...) added to every equation's K: the levels of fixed effects not nested in the clusters
        (``T - 1`` period effects), minus the others that a batch member leaves out (a control
        dropped by filling its row and column of ``S_oo`` with the identity and its moments with 0).

    Returns
    -------
    Equations
        ``c``, ``a``, ``c_prime``, ``b`` and their CRV1 standard errors (...), the baselines
        ``beta`` (E, ...) and ``status`` (...), ``status.SINGULAR`` where a pivot says the design
        is singular.

    Example
    -------
    Two clusters of one regressor, one control and a mediator, one index (k = 3, E = 1):

    >>> import jax.numpy as jnp
    >>> S = jnp.array([[2.0, 0.5, 0.3], [0.5, 1.0, 0.2], [0.3, 0.2, 1.5]])
    >>> eq = equations_stage(S, jnp.array([[1.0], [0.4], [0.9]]), jnp.stack([S / 2, S / 2]),
    ...                      jnp.array([[0.6, 0.1, 0.5], [0.4, 0.3, 0.4]]), None, 2.0, 40.0)
    >>> round(float(eq.c), 6) == round(float(eq.beta[0]), 6), int(eq.status)
    (True, 0)
    """
    k = S_oo.shape[0]
    k1 = k - 1
    s1 = sweep(equilibrate(S_oo, S_oy), range(k1))  # regressor and controls: total effect, a-path, baselines
    s2 = sweep(s1, (k1,))  # and the mediator: the b-path
    d = s1.d
    beta_tot = coefficients(s1, k1, 0)  # (k1, ...)
    beta_a = s1.Z[:k1, k1] * d[:k1] / d[k1]  # the mediator's column as the outcome
    beta_b = coefficients(s2, k, 0)  # (k, ...)
    beta = s1.Z[0, k:] * d[0]  # (E, ...) the regressor in every index's baseline

    # cluster scores X_g'u_g of the three equations (G, k, ...): u = y - X b is linear in the
    # per-cluster moments, X_g'u_g = [X_g'y_g] + X_g'X_g v with v the equation's (-b) on the others
    # (the a-path's outcome is the mediator column: +1 there)
    G = g_oo.shape[0]
    if g_oo.ndim == 3:  # shared by every replicate: one matrix product (G k, k) x (k, 3 B)
        zero = jnp.zeros_like(beta_b[:1])
        V = jnp.stack([jnp.concatenate([-beta_tot, zero]), jnp.concatenate([-beta_a, 1.0 + zero]), -beta_b], axis=1)
        gv = (g_oo.reshape(G * k, k) @ V.reshape(k, -1)).reshape(G, k, 3, *V.shape[2:])
        gy = g_oy if g_oy.ndim == gv.ndim - 1 else g_oy.reshape(g_oy.shape + (1,) * (gv.ndim - 1 - g_oy.ndim))
        scores = (gy + gv[:, :, 0], gv[:, :, 1], gy + gv[:, :, 2])
    else:  # per replicate (batch axes trailing): multiply-adds over the equation's regressors
        g = lambda q: g_oo[:, :, q]  # noqa: E731
        scores = (g_oy - add_up([g(q) * beta_tot[q] for q in range(k1)]),
                  g(k1) - add_up([g(q) * beta_a[q] for q in range(k1)]),
                  g_oy - add_up([g(q) * beta_b[q] for q in range(k)]))
    # the SE rows of (X'X)^-1: the regressor of the first stage (total, a-path: a zero for the
    # mediator), then the regressor and the mediator of the b-path; the four sandwiches in one
    u1 = inverse_rows(s1, (0,), k1)[0]
    u1 = jnp.concatenate([u1, jnp.zeros_like(u1[:1])])
    u2 = inverse_rows(s2, (0, k1), k)
    U = jnp.stack([u1, u1, u2[0], u2[1]])  # (4, k, ...)
    K = jnp.array([k1, k1, k, k], d.dtype).reshape((4,) + (1,) * (d.ndim - 1)) + 1.0 + jnp.asarray(k_extra, d.dtype)
    var = sandwich(U, jnp.stack(scores, axis=2), ssc.crv1_factor(n_clusters, nobs, K), cluster_weights=cluster_weights,
                   diagonal=True, equations=(0, 1, 2, 2))
    se = jnp.sqrt(var)  # (4, ...): c, a, c', b
    bad = singular(s2.pivot)
    return Equations(beta_tot[0], se[0], beta_a[0], se[1], beta_b[0], se[2], beta_b[k1], se[3], beta,
                     jnp.where(bad, status.SINGULAR, status.OK).astype(jnp.int32))


def baseline_stage(S_bb: jax.Array, S_by: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The baseline equation of every index (index e on the baseline's regressor and controls),
    when it is not the mediation's total-effect equation: its own sweep.

    Parameters
    ----------
    S_bb : jax.Array
        (kb, kb, ...) cross products of the baseline's regressor (first) and controls, demeaned by
        the baseline's fixed effects.
    S_by : jax.Array
        (kb, E, ...) their cross products with each index.

    Returns
    -------
    beta : jax.Array
        (E, ...) the regressor's coefficient in each index's baseline.
    status : jax.Array
        (...) int32, ``status.SINGULAR`` where the baseline's design is singular.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> beta, st = baseline_stage(jnp.array([[2.0, 0.0], [0.0, 1.0]]), jnp.array([[1.0, 4.0], [0.5, 0.0]]))
    >>> beta.tolist(), int(st)
    ([0.5, 2.0], 0)
    """
    kb = S_bb.shape[0]
    s = sweep(equilibrate(S_bb, S_by), range(kb))
    return s.Z[0, kb:] * s.d[0], jnp.where(singular(s.pivot), status.SINGULAR, status.OK).astype(jnp.int32)


def take(S: jax.Array, rows, cols=None) -> jax.Array:
    """The (static) rows and columns of a (k, k', ...) moment matrix.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> take(jnp.arange(9.0).reshape(3, 3), (0, 2), (0, 2)).tolist()
    [[0.0, 2.0], [6.0, 8.0]]
    """
    S = S[np.asarray(rows)]
    return S if cols is None else S[:, np.asarray(cols)]
