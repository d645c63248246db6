"""The exact conjugate sampler of the within model with iid errors: Normal-inverse-gamma posteriors,
i.i.d. draws, vmappable (the fast path, and the oracle NUTS is checked against).

For one equation with within-transformed rows ``y~, X~`` (``n_eff = G (T - 1)`` independent
dimensions once the province effects are absorbed) and the prior
``beta | sigma^2 ~ N(0, sigma^2 V0)``, ``sigma^2 ~ InvGamma(a0, b0)``
(:mod:`~resilience_jax.bayes.priors`), the posterior is

``Lambda = X~'X~ + V0^-1``, ``mean = Lambda^-1 X~'y~``, ``sigma^2 | y ~ InvGamma(a0 + n_eff/2,
b0 + (y~'y~ - mean' Lambda mean) / 2)``, ``beta | sigma^2, y ~ N(mean, sigma^2 Lambda^-1)``.

The flat prior ``p(beta, sigma^2) ∝ 1/sigma^2`` is the limit ``V0^-1 = 0``, ``a0 = -k/2``,
``b0 = 0``: ``sigma^2 | y ~ InvGamma(nu/2, RSS/2)`` with ``nu = G (T - 1) - k``, and each slope is
a Student t with nu degrees of freedom centred on the within estimate with scale the iid standard
error (``RSS/nu (X~'X~)^-1``, the fixest "iid" vcov): posterior sd = iid SE * sqrt(nu/(nu-2)).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._ops import marsaglia_tsang
from ..estimators.within import demean_balanced
from .priors import Scales


class NIG(NamedTuple):
    """A Normal-inverse-gamma posterior of one equation."""

    mean: jax.Array  # (k,) posterior mean of beta
    chol: jax.Array  # (k, k) lower Cholesky factor of Lambda (the posterior precision / sigma^2)
    shape: jax.Array  # () of sigma^2's inverse gamma
    rate: jax.Array  # ()
    ok: jax.Array  # () bool: Lambda positive definite and a proper posterior (shape > 0, rate > 0)


def nig_posterior(y: jax.Array, X: jax.Array, sc: Scales, *, flat: bool) -> NIG:
    """The NIG posterior of ``y (G, T) ~ X (G, T, k)`` with province effects absorbed.

    Parameters
    ----------
    y : jax.Array
        (G, T) outcome.
    X : jax.Array
        (G, T, k) regressors.
    sc : Scales
        The prior's numbers (:func:`~resilience_jax.bayes.priors.scales`); ignored but for their
        shapes when ``flat``.
    flat : bool
        The flat-prior limit (static).

    Returns
    -------
    NIG

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> from resilience_jax.bayes.priors import Prior, scales
    >>> X = jax.random.normal(jax.random.key(0), (5, 4, 1))
    >>> y = 2 * X[..., 0] + 0.1 * jax.random.normal(jax.random.key(1), (5, 4))
    >>> post = nig_posterior(y, X, scales(Prior(), y, X, ["x"]), flat=True)
    >>> bool(abs(float(post.mean[0]) - 2) < 0.1), float(post.shape)
    (True, 7.0)
    """
    G, T, k = X.shape
    Xw = demean_balanced(X, None, "entity").reshape(-1, k)
    yw = demean_balanced(y, None, "entity").reshape(-1)
    XX, Xy, yy = Xw.T @ Xw, Xw.T @ yw, yw @ yw
    n_eff = G * (T - 1)
    if flat:
        Lam, a0, b0 = XX, -k / 2, 0.0
    else:
        Lam, a0, b0 = XX + jnp.diag(1.0 / sc.slope_sd**2), sc.sigma2_shape, sc.sigma2_rate
    L = jnp.linalg.cholesky(Lam)
    mean = jax.scipy.linalg.cho_solve((L, True), Xy)
    shape = a0 + n_eff / 2
    rate = b0 + 0.5 * (yy - mean @ Lam @ mean)
    ok = jnp.isfinite(L).all() & (shape > 0) & (rate > 0)
    return NIG(mean, L, jnp.asarray(shape, X.dtype), rate, ok)


def nig_draws(key: jax.Array, post: NIG, n: int):
    """``n`` i.i.d. draws ``(beta (n, k), sigma2 (n,))`` from a NIG posterior.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> post = NIG(jnp.zeros(1), jnp.eye(1), jnp.array(50.0), jnp.array(50.0), jnp.array(True))
    >>> beta, s2 = nig_draws(jax.random.key(0), post, 20000)
    >>> round(float(s2.mean()), 1), round(float(beta.std()), 1)
    (1.0, 1.0)
    """
    k1, k2 = jax.random.split(key)
    dt = post.mean.dtype
    zz = jax.random.normal(k2, (n, post.mean.shape[0] + 1), dtype=dt)
    z = zz[:, :-1]
    sigma2 = post.rate / _gamma(k1, post.shape, zz[:, -1], dt)
    # beta = mean + sigma L^-T z  (covariance sigma^2 Lambda^-1)
    dev = jax.scipy.linalg.solve_triangular(post.chol.T, z.T, lower=False).T
    return post.mean + jnp.sqrt(sigma2)[:, None] * dev, sigma2


def _gamma(key: jax.Array, shape: jax.Array, z0: jax.Array, dt) -> jax.Array:
    """``len(z0)`` Gamma(shape, 1) variates by Marsaglia & Tsang's (2000) squeeze-and-reject
    method, exact. The first proposal of every variate uses the standard normals ``z0`` (drawn
    with the slopes' normals, from separate columns: independent of them) and uniforms from ``key``;
    the few rejected ones (about 1 in 1,000 at the shapes of a panel's posterior) propose again,
    round ``r`` from ``fold_in(key, r)``, until all are accepted. A shape below 1 is boosted
    (Gamma(a + 1) U^(1/a)). One pass over the batch, instead of a rejection loop per variate:
    the conjugate engine's draws cost mostly the normals."""
    n = z0.shape[0]
    a = jnp.where(shape < 1, shape + 1.0, shape)

    def accept(x, u):
        return marsaglia_tsang(x, u, a)

    ok, g = accept(z0, jax.random.uniform(key, (n,), dt))

    def body(state):
        r, done, value = state
        kx, ku = jax.random.split(jax.random.fold_in(key, r))
        ok, prop = accept(jax.random.normal(kx, (n,), dt), jax.random.uniform(ku, (n,), dt))
        return r + 1, done | ok, jnp.where(ok & ~done, prop, value)

    _, _, g = jax.lax.while_loop(lambda st: (st[0] < 200) & ~st[1].all(), body,
                                 (jnp.asarray(1, jnp.int32), ok, jnp.where(ok, g, jnp.nan)))
    boost = jax.random.uniform(jax.random.fold_in(key, 0), (n,), dt, minval=jnp.finfo(dt).tiny) ** (1.0 / shape)
    return jnp.where(shape < 1, g * boost, g)


def marginal_sd(post: NIG) -> jax.Array:
    """(k,) the posterior sd of each slope (Student t: ``sqrt(rate/(shape-1) diag Lambda^-1)``;
    infinite where shape <= 1).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> float(marginal_sd(NIG(jnp.zeros(1), jnp.eye(1), jnp.array(3.0), jnp.array(4.0), jnp.array(True)))[0])
    1.4142135623730951
    """
    inv = jax.scipy.linalg.cho_solve((post.chol, True), jnp.eye(post.mean.shape[0], dtype=post.mean.dtype))
    return jnp.where(post.shape > 1, jnp.sqrt(post.rate / (post.shape - 1) * jnp.diag(inv)), jnp.inf)
