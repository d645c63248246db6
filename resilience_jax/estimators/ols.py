"""Masked OLS on a within-transformed design: one pure, jittable, vmappable fit.

A single compiled function serves every regression of the paper's suite: rows are selected by a
0/1 mask (regional subsamples, rows lost to a lag), regressors by a 0/1 column mask (stepwise
controls), and the fixed effects by traced flags, so the whole suite is one ``vmap``.

The design always carries a constant. With fixed effects it is Stata's ``xtreg, fe`` constant:
the within-transformed data get the grand means added back, so the slopes and their variances
equal the pure within estimator's while the constant is ``mean(y) - mean(X)'b``.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .. import _x64  # noqa: F401
from .._ops import TRACES
from ..inference.vcov import DEFAULT_SSC, SSC, vcov_all
from .linalg import SINGULAR_TOL, solve_normal
from .within import within


class OLSFit(NamedTuple):
    """Arrays of one fit; coefficient 0 is the constant, 1..k the regressors' (0 where masked out).

    ``cond`` is the smallest pivot of the equilibrated normal equations, i.e. the smallest
    ``1 - R^2`` of a column on the columns before it (``singular`` if below ``SINGULAR_TOL`` or not
    finite); ``df_t`` the degrees of freedom of the t reference (G-1 for CRV1); ``converged``
    whether the two-way demeaning converged.
    """

    coef: jax.Array
    vcov: jax.Array
    se: jax.Array
    tstat: jax.Array
    df_t: jax.Array
    nobs: jax.Array
    n_clusters: jax.Array
    ssr: jax.Array
    r2: jax.Array
    r2_within: jax.Array
    cond: jax.Array
    singular: jax.Array
    resid: jax.Array
    converged: jax.Array


def _fit(
    y, X, mask, colmask, entity, time, cluster, use_entity, use_time, vcov_kind, df_k, weights,
    *, n_entities: int, n_periods: int, n_clusters_max: int, two_way: bool = True, ssc: SSC = DEFAULT_SSC,
) -> OLSFit:
    dt = X.dtype
    mask = mask.astype(dt)
    # regression weights (fixest's and Stata's analytic weights): weighted means and demeaning, then
    # the rows scaled by sqrt(w) (WLS); N stays the number of rows. Unweighted: w = mask, sqrt(w) = mask.
    w = mask * weights.astype(dt)
    sw = jnp.sqrt(w)
    n = w.sum()
    wt = lambda v: (w * v.T).T.sum(axis=0) / n  # noqa: E731  (masked, weighted mean)
    anyfe = jnp.maximum(jnp.asarray(use_entity, dt), jnp.asarray(use_time, dt))
    dm = partial(within, w=w, entity=entity, time=time, use_entity=use_entity, use_time=use_time,
                 n_entities=n_entities, n_periods=n_periods, two_way=two_way)
    # y and X demeaned together (one scatter); regressors then centred on their (masked) means: the
    # design [1, Xc] is well conditioned even when a regressor varies little around a large level
    # (adding the means back, as Stata's constant does, would make it nearly collinear with the
    # constant). The constant is restored below.
    demeaned = dm(jnp.concatenate([y[:, None], X], axis=1))
    YXw = demeaned.values
    y_w, Xw = YXw[:, 0], YXw[:, 1:]
    yt = (y_w + anyfe * wt(y)) * sw
    Xc = (Xw - wt(Xw)) * sw[:, None]
    xbar = wt(X)
    cm = jnp.concatenate([jnp.ones((1,), dt), colmask.astype(dt)])
    Xs = jnp.concatenate([sw[:, None], Xc], axis=1) * cm

    # a regressor with (almost) nothing left after centring / the within transformation is absorbed:
    # its share of sum of squares kept, ||Xc_j||^2 / ||X_j||^2, plays the role of 1 - R^2
    norms = jnp.sqrt((Xs**2).sum(axis=0))
    raw = jnp.sqrt(((X * sw[:, None]) ** 2).sum(axis=0))
    kept = jnp.where(colmask > 0, (norms[1:] / jnp.where(raw > 0, raw, 1.0)) ** 2, 1.0)
    # masked-out columns: a 1 on the diagonal (their coefficient is 0, their pivot 1)
    sol = solve_normal(Xs.T @ Xs + jnp.diag(1.0 - cm), Xs.T @ yt, unroll=False)
    cond = jnp.minimum(sol.pivot, jnp.min(kept))
    bread = sol.inverse * jnp.outer(cm, cm)
    coef = sol.coef * cm
    resid = (yt - Xs @ coef) * mask

    v_iid, v_hc1, v_crv1, nobs, g = vcov_all(Xs, resid, bread, mask, cluster, df_k, n_clusters_max=n_clusters_max, ssc=ssc)
    V = jnp.stack([v_iid, v_hc1, v_crv1])[vcov_kind]
    # back to [constant, slopes]: constant = mean(y) - mean(X)'b, i.e. theta = T theta_c, V = T V_c T'
    T = jnp.eye(Xs.shape[1], dtype=dt).at[0, 1:].set(-xbar * colmask)
    coef = T @ coef
    V = T @ V @ T.T
    se = jnp.sqrt(jnp.clip(jnp.diag(V), 0.0))
    tstat = jnp.where(se > 0, coef / jnp.where(se > 0, se, 1.0), 0.0)
    df_t = ssc.df_t(vcov_kind, nobs, df_k, g)

    ssr = (resid**2).sum()
    tss = (w * (y - wt(y)) ** 2).sum()
    tss_w = jnp.where(anyfe > 0, (w * y_w**2).sum(), tss)  # without fixed effects, within R2 = R2
    return OLSFit(coef, V, se, tstat, df_t, nobs, g, ssr, 1 - ssr / tss, 1 - ssr / tss_w, cond,
                  ~(cond >= SINGULAR_TOL), resid, demeaned.converged)


_STATIC = ("n_entities", "n_periods", "n_clusters_max", "two_way", "ssc")


def _fit_batch(y, X, mask, colmask, entity, time, cluster, use_entity, use_time, vcov_kind, df_k, weights,
                   *, n_entities: int, n_periods: int, n_clusters_max: int, two_way: bool = True,
                   ssc: SSC = DEFAULT_SSC) -> OLSFit:
    """``vmap`` of one masked fit over a leading batch axis of every argument (see the module doc)."""
    TRACES["ols.fit_batch"] += 1
    one = partial(_fit, n_entities=n_entities, n_periods=n_periods, n_clusters_max=n_clusters_max, two_way=two_way,
                  ssc=ssc)
    return jax.vmap(one)(y, X, mask, colmask, entity, time, cluster, use_entity, use_time, vcov_kind, df_k, weights)


fit_batch = jax.jit(_fit_batch, static_argnames=_STATIC)
fit_batch.__doc__ = """Jitted ``vmap`` of the fit over a leading batch axis of every argument (one compile per
(batch, n, k) shape serves any mix of pooled, one-way and two-way models and vcov types)."""
