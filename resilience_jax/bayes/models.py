"""The posterior models as plain NumPyro functions with named sites, and their log-likelihoods.

Every model is written for one balanced panel with arrays shaped (G, T) (outcome) and (G, T, k)
(regressors; period dummies appended for two-way effects); batches (chains, weight draws, SBC
datasets) are vmapped outside. The province effects are handled in one of four ways:

- ``within``: the likelihood of the within-transformed data. The province effects are integrated
  out under a flat prior, which is the Gaussian density of the demeaned rows on their
  ``G (T - 1)``-dimensional space: the absorbed effects are counted in the degrees of freedom
  (``-(T-1)/2 log(2 pi sigma^2) - log(T)/2 - RSS_g / (2 sigma^2)`` per province). With
  ``errors="ar1"`` the within-province errors follow a stationary AR(1) (Prais-Winsten transform
  of each province's rows, the province effect integrated out of the transformed rows).
- ``dummies``: one intercept per province, sampled.
- ``mundlak``: correlated random effects, ``y_gt = alpha + x_gt beta + xbar_g gamma + u_g + e_gt``
  with ``u_g ~ Normal(0, tau^2)`` integrated out exactly (the within part of each province's
  rows has variance ``sigma^2``, its mean ``tau^2 + sigma^2/T``); the slope ``beta`` is the
  within slope, ``gamma`` the Mundlak coefficients (period dummies get no Mundlak term).
- ``random``: the same without the ``xbar_g gamma`` terms (plain random intercepts).

NUTS fits of the ``within`` model with iid errors take the data as sufficient statistics
(:class:`WithinMoments`, from one QR decomposition of the demeaned regressors ``X~ = QR``) and
sample the slopes in the rotated coordinates ``theta = R beta`` (the QR reparameterisation of the
Stan User's Guide, section 1.2): the likelihood is then isotropic in ``theta`` given ``sigma^2``,
``RSS(beta) = RSS_hat + ||theta - Q'y~||^2``, a gradient costs O(k) instead of O(n k), and a
diagonal mass matrix suits the posterior however correlated the regressors are. ``beta`` is the
deterministic site ``R^-1 theta``; the Jacobian is constant, so the posterior is the same.

The log-likelihood is per province (the exchangeable unit: leave-one-out then leaves a province
out) and is one JAX function of the parameters (:func:`equation_loglik`), used by the model (a
``numpyro.factor``) and, vectorised over draws, for ArviZ's log_likelihood group. With the outcome
``None`` the models simulate it (the prior predictive and the SBC simulator; absorbed effects at 0).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpyro
import numpyro.distributions as dist

from ..estimators.within import demean_balanced
from .priors import Scales

EFFECTS = ("within", "dummies", "mundlak", "random")
ERRORS = ("iid", "ar1")
LOG2PI = math.log(2 * math.pi)


class Params(NamedTuple):
    """One equation's parameters (absent ones are None)."""

    beta: jax.Array  # (k,)
    sigma2: jax.Array  # ()
    alpha: jax.Array | None = None  # (G,) dummies; () mundlak/random
    gamma: jax.Array | None = None  # (k0,) mundlak
    tau: jax.Array | None = None  # () mundlak/random
    rho: jax.Array | None = None  # () ar1


class WithinMoments(NamedTuple):
    """Sufficient statistics of one equation's within likelihood with iid errors (see the module
    doc), from :func:`within_moments`."""

    R: jax.Array  # (k, k) upper triangular, R'R = X~'X~
    qy: jax.Array  # (k,) Q'y~ = R beta_hat
    rss: jax.Array  # () residual sum of squares at the within estimate beta_hat
    n: jax.Array  # () G (T - 1): the demeaned rows' dimensions
    log_t: jax.Array  # () G log(T) / 2: the absorbed effects' constant


def within_moments(y: jax.Array, X: jax.Array) -> WithinMoments:
    """The within-iid likelihood's sufficient statistics of ``y (G, T) ~ X (G, T, k)``.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> X = jax.random.normal(jax.random.key(0), (5, 4, 2))
    >>> y = X @ jnp.array([1.0, -2.0]) + jax.random.normal(jax.random.key(1), (5, 4))
    >>> wm, p = within_moments(y, X), Params(jnp.array([0.5, -1.0]), jnp.array(2.0))
    >>> ll = equation_loglik(p, y, X, effects="within", errors="iid", k0=2).sum()
    >>> bool(jnp.allclose(within_moments_loglik(wm.R @ p.beta, p.sigma2, wm), ll))
    True
    """
    G, T, k = X.shape
    Xd = demean_balanced(X, None, "entity").reshape(-1, k)
    yd = demean_balanced(y, None, "entity").reshape(-1)
    Q, R = jnp.linalg.qr(Xd)
    qy = Q.T @ yd
    e = yd - Q @ qy
    return WithinMoments(R, qy, e @ e, jnp.asarray(G * (T - 1), yd.dtype), jnp.asarray(G * math.log(T) / 2, yd.dtype))


def within_moments_loglik(theta: jax.Array, sigma2: jax.Array, wm: WithinMoments) -> jax.Array:
    """The within-iid log-likelihood (summed over provinces) at ``theta = R beta``: equal to
    ``equation_loglik(...).sum()`` (see :func:`within_moments`), in O(k).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> wm = within_moments(jnp.array([[1.0, 2.0, 4.0]]), jnp.array([[[0.0], [1.0], [2.0]]]))
    >>> float(within_moments_loglik(wm.R @ jnp.array([1.5]), jnp.array(1.0), wm)).__round__(6)
    -2.470517
    """
    d = theta - wm.qy
    return -wm.n / 2 * (LOG2PI + jnp.log(sigma2)) - wm.log_t - (wm.rss + d @ d) / (2 * sigma2)


def equation_loglik(p: Params, y: jax.Array, X: jax.Array, *, effects: str, errors: str, k0: int) -> jax.Array:
    """(G,) log-likelihood of each province's rows of one equation.

    Parameters
    ----------
    p : Params
        The equation's parameters.
    y : jax.Array
        (G, T) outcome.
    X : jax.Array
        (G, T, k) regressors; the first ``k0`` get Mundlak terms.
    effects, errors : str
        See the module doc.
    k0 : int
        Number of regressors with a Mundlak term (static).

    Returns
    -------
    jax.Array
        (G,) log densities (the within model's on the demeaned rows' space).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> y, X = jnp.array([[1.0, 2.0, 4.0]]), jnp.array([[[0.0], [1.0], [2.0]]])
    >>> p = Params(jnp.array([1.5]), jnp.array(1.0))
    >>> float(equation_loglik(p, y, X, effects="within", errors="iid", k0=1)[0]).__round__(6)
    -2.470517
    """
    G, T = y.shape
    s2 = p.sigma2
    if effects == "within" and errors == "ar1":
        e = y - X @ p.beta
        q = jnp.sqrt(1 - p.rho**2)
        Pe = jnp.concatenate([q * e[:, :1], e[:, 1:] - p.rho * e[:, :-1]], axis=1)
        d = jnp.concatenate([q[None], jnp.full(T - 1, 1 - p.rho)])
        dd = d @ d
        r = Pe - (Pe @ d)[:, None] * d / dd
        return -(T - 1) / 2 * (LOG2PI + jnp.log(s2)) + 0.5 * jnp.log1p(-p.rho**2) - 0.5 * jnp.log(dd) - (r**2).sum(1) / (2 * s2)
    if effects == "within":
        r = demean_balanced(y, None, "entity") - demean_balanced(X, None, "entity") @ p.beta
        return -(T - 1) / 2 * (LOG2PI + jnp.log(s2)) - 0.5 * math.log(T) - (r**2).sum(1) / (2 * s2)
    if effects == "dummies":
        r = y - p.alpha[:, None] - X @ p.beta
        return -T / 2 * (LOG2PI + jnp.log(s2)) - (r**2).sum(1) / (2 * s2)
    # mundlak / random: the province intercept integrated out
    rw = demean_balanced(y, None, "entity") - demean_balanced(X, None, "entity") @ p.beta
    xbar = X.mean(axis=1)
    mb = p.alpha + xbar @ p.beta + (xbar[:, :k0] @ p.gamma if effects == "mundlak" else 0.0)
    eb = y.mean(axis=1) - mb
    v = p.tau**2 + s2 / T
    return (-T / 2 * LOG2PI - (T - 1) / 2 * jnp.log(s2) - 0.5 * math.log(T) - 0.5 * jnp.log(v)
            - (rw**2).sum(1) / (2 * s2) - eb**2 / (2 * v))


def conditional_slopes(y: jax.Array, X: jax.Array, sigma2, tau2, *, effects: str, k0: int) -> jax.Array:
    """(k,) the posterior mean of the slopes given the variance parameters under flat priors on
    the location parameters: the GLS estimate with ``Omega_g = sigma^2 I + tau^2 J`` of the
    ``mundlak`` (intercept, slopes, Mundlak terms) or ``random`` (intercept, slopes) design.

    Averaged over posterior draws of (sigma^2, tau^2) it is the Rao-Blackwellised posterior mean
    of the slopes (no Monte Carlo error from the slopes' draws). On a balanced panel the Mundlak
    GLS slope is the within slope whatever the variances.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> X = jax.random.normal(jax.random.key(0), (6, 4, 1))
    >>> y = X[..., 0] + jnp.arange(6.0)[:, None]
    >>> float(conditional_slopes(y, X, 1.0, 2.0, effects="mundlak", k0=1)[0]).__round__(10)
    1.0
    """
    G, T, k = X.shape
    xbar = X.mean(axis=1)
    Zw = demean_balanced(X, None, "entity").reshape(-1, k)  # within rows: intercept and Mundlak columns are 0 there
    cols = [jnp.ones((G, 1)), xbar] + ([xbar[:, :k0]] if effects == "mundlak" else [])
    Zb = jnp.concatenate(cols, axis=1)  # between rows: intercept, xbar (beta), xbar (gamma)
    p = Zb.shape[1]
    Zw_full = jnp.zeros((G * T, p)).at[:, 1:1 + k].set(Zw)
    v = tau2 + sigma2 / T
    A = Zw_full.T @ Zw_full / sigma2 + Zb.T @ Zb / v
    c = Zw_full.T @ demean_balanced(y, None, "entity").reshape(-1) / sigma2 + Zb.T @ y.mean(axis=1) / v
    return jnp.linalg.solve(A, c)[1:1 + k]


def _flat(shape=()):
    return dist.ImproperUniform(dist.constraints.real, (), shape)


def _sigma2(prefix: str, sc: Scales, prior: str):
    if prior == "flat":
        return numpyro.deterministic(f"{prefix}sigma2", jnp.exp(numpyro.sample(f"{prefix}log_sigma2", _flat())))
    return numpyro.sample(f"{prefix}sigma2", dist.InverseGamma(sc.sigma2_shape, sc.sigma2_rate))


def equation(prefix: str, X: jax.Array, sc: Scales, y=None, *, effects: str, errors: str, prior: str, k0: int):
    """The sites of one regression equation (``{prefix}beta``, ``{prefix}sigma2``, ...); returns the
    slopes and the outcome (observed, or simulated when ``y`` is None).

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> from numpyro import handlers
    >>> from resilience_jax.bayes.priors import Prior, scales
    >>> X = jnp.arange(6.0).reshape(2, 3, 1)
    >>> sc = scales(Prior(), jnp.arange(6.0), X, ["x"])
    >>> tr = handlers.trace(handlers.seed(equation, 0)).get_trace("", X, sc, effects="within", errors="iid",
    ...                                                                prior="nig", k0=1)
    >>> sorted(tr)
    ['beta', 'eps', 'sigma2', 'y']
    """
    if isinstance(y, WithinMoments):  # the QR parameterisation (module doc)
        if effects != "within" or errors != "iid":
            raise ValueError("sufficient statistics serve the within model with iid errors only")
        sigma2 = _sigma2(prefix, sc, prior)
        theta = numpyro.sample(f"{prefix}theta", _flat(y.qy.shape))
        beta = numpyro.deterministic(f"{prefix}beta", jax.scipy.linalg.solve_triangular(y.R, theta, lower=False))
        if prior != "flat":
            numpyro.factor(f"{prefix}beta_prior", dist.Normal(0.0, jnp.sqrt(sigma2) * sc.slope_sd).log_prob(beta).sum())
        numpyro.factor(f"{prefix}loglik", within_moments_loglik(theta, sigma2, y))
        return beta, y
    G, T, k = X.shape
    sigma2 = _sigma2(prefix, sc, prior)
    if prior == "flat":
        beta = numpyro.sample(f"{prefix}beta", _flat((k,)))
    else:
        beta = numpyro.sample(f"{prefix}beta", dist.Normal(0.0, jnp.sqrt(sigma2) * sc.slope_sd).to_event(1))
    sigma = jnp.sqrt(sigma2)
    alpha = gamma = tau = rho = None
    if effects == "dummies":
        alpha = numpyro.sample(f"{prefix}alpha", _flat((G,)) if prior == "flat" else
                               dist.Normal(sc.y_mean, sigma * sc.intercept_sd).expand((G,)).to_event(1))
    elif effects in ("mundlak", "random"):
        alpha = numpyro.sample(f"{prefix}alpha", _flat() if prior == "flat" else dist.Normal(sc.y_mean, sigma * sc.intercept_sd))
        if effects == "mundlak":
            gamma = numpyro.sample(f"{prefix}gamma", _flat((k0,)) if prior == "flat" else
                                   dist.Normal(0.0, sigma * sc.slope_sd[:k0]).to_event(1))
        tau = numpyro.sample(f"{prefix}tau", dist.HalfCauchy(sc.tau_sd) if prior == "flat" else dist.HalfNormal(sc.tau_sd))
    if errors == "ar1":
        rho = numpyro.sample(f"{prefix}rho", dist.Uniform(-1.0, 1.0))
    p = Params(beta, sigma2, alpha, gamma, tau, rho)
    if y is not None:
        numpyro.factor(f"{prefix}loglik", equation_loglik(p, y, X, effects=effects, errors=errors, k0=k0).sum())
        return beta, y
    eps = numpyro.sample(f"{prefix}eps", dist.Normal(0.0, 1.0).expand((G, T)).to_event(2))
    u = numpyro.sample(f"{prefix}u", dist.Normal(0.0, 1.0).expand((G,)).to_event(1)) if tau is not None else None
    return beta, numpyro.deterministic(f"{prefix}y", simulate(p, X, eps, u, effects=effects, errors=errors, k0=k0))


def simulate(p: Params, X: jax.Array, eps: jax.Array, u: jax.Array | None = None, *, effects: str, errors: str,
             k0: int) -> jax.Array:
    """(G, T) outcome of one equation given its parameters, standard normal noise ``eps`` (G, T)
    and, for ``mundlak``/``random``, standard normal province draws ``u`` (G,) of the random
    intercepts. Absorbed effects (``within``) are set to 0.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> p = Params(jnp.array([2.0]), jnp.array(1.0))
    >>> simulate(p, jnp.ones((1, 2, 1)), jnp.zeros((1, 2)), effects="within", errors="iid", k0=1).tolist()
    [[2.0, 2.0]]
    """
    sigma = jnp.sqrt(p.sigma2)
    mean = X @ p.beta
    if errors == "ar1":
        q = jnp.sqrt(1 - p.rho**2)

        def step(prev, z):
            e = p.rho * prev + sigma * z
            return e, e

        e0 = sigma * eps[:, 0] / q
        _, rest = jax.lax.scan(step, e0, eps[:, 1:].T)
        return mean + jnp.concatenate([e0[:, None], rest.T], axis=1)
    if effects == "dummies":
        return mean + p.alpha[:, None] + sigma * eps
    if effects in ("mundlak", "random"):
        xbar = X.mean(axis=1)
        b = p.alpha + p.tau * u + (xbar[:, :k0] @ p.gamma if effects == "mundlak" else 0.0)
        return mean + b[:, None] + sigma * eps
    return mean + sigma * eps


def mediation_model(X, sc_m: Scales, sc_y: Scales, m=None, y=None, *, effects: str = "within", errors: str = "iid",
                    prior: str = "nig", k0: int = 1):
    """The mediation as one joint model: ``M ~ X + controls`` (sites ``M_*``) and
    ``Y ~ X + M + controls`` (sites ``Y_*``), independent residuals, with ``a``, ``b``, ``c_prime``,
    ``ab``, ``c = c_prime + ab`` and ``share = ab / c`` as deterministic sites.

    Parameters
    ----------
    X : jax.Array
        (G, T, k) the regressor (column 0) and the controls (period dummies last, two-way).
    sc_m, sc_y : Scales
        The priors' numbers of the two equations (:func:`~resilience_jax.bayes.priors.scales`).
    m, y : jax.Array, WithinMoments or None
        (G, T) mediator and outcome; None simulates them; each equation's :class:`WithinMoments`
        (then ``X`` is None) fits the within-iid model in the QR parameterisation.
    effects, errors, prior : str
        See the module doc and :mod:`~resilience_jax.bayes.priors` (``"nig"`` or ``"flat"``).
    k0 : int
        Columns of X with a Mundlak term (the regressor and the controls, not period dummies).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> from numpyro import handlers
    >>> from resilience_jax.bayes.priors import Prior, scales
    >>> X = jnp.arange(12.0).reshape(2, 3, 2) ** 1.5
    >>> sc = scales(Prior(), jnp.arange(6.0), X, ["x", "z"])
    >>> sc_y = scales(Prior(), jnp.arange(6.0), jnp.ones((6, 3)) * jnp.arange(3.0) + jnp.arange(6.0)[:, None], list("xmz"))
    >>> tr = handlers.trace(handlers.seed(mediation_model, 0)).get_trace(X, sc, sc_y)
    >>> [s for s in ("a", "b", "c", "c_prime", "ab", "share") if s in tr]
    ['a', 'b', 'c', 'c_prime', 'ab', 'share']
    """
    beta_m, m = equation("M_", X, sc_m, m, effects=effects, errors=errors, prior=prior, k0=k0)
    Xy = None if isinstance(m, WithinMoments) else jnp.concatenate([X[..., :1], m[..., None], X[..., 1:]], axis=-1)
    beta_y, _ = equation("Y_", Xy, sc_y, y, effects=effects, errors=errors, prior=prior, k0=k0 + 1)
    for name, value in mediation_effects(beta_m, beta_y).items():
        numpyro.deterministic(name, value)


def mediation_effects(beta_m: jax.Array, beta_y: jax.Array) -> dict[str, jax.Array]:
    """The mediation's effects from the two equations' slopes (batch axes leading): ``a`` (the
    regressor in the mediator equation), ``c_prime`` and ``b`` (the regressor and the mediator in
    the outcome equation), ``ab``, ``c = c_prime + ab`` and ``share = ab / c``.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> e = mediation_effects(jnp.array([0.5, 1.0]), jnp.array([0.1, 0.2, 3.0]))
    >>> {k: round(float(v), 4) for k, v in e.items()}
    {'a': 0.5, 'b': 0.2, 'c_prime': 0.1, 'ab': 0.1, 'c': 0.2, 'share': 0.5}
    """
    a, c_prime, b = beta_m[..., 0], beta_y[..., 0], beta_y[..., 1]
    ab = a * b
    c = c_prime + ab
    return {"a": a, "b": b, "c_prime": c_prime, "ab": ab, "c": c, "share": ab / c}


def baseline_model(X, sc: Scales, y=None, *, effects: str = "within", errors: str = "iid", prior: str = "nig", k0: int = 1):
    """The baseline: the index on the regressor and controls (sites ``beta``, ``sigma2``, ...).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> from numpyro import handlers
    >>> from resilience_jax.bayes.priors import Prior, scales
    >>> X = jnp.arange(6.0).reshape(2, 3, 1)
    >>> tr = handlers.trace(handlers.seed(baseline_model, 0)).get_trace(X, scales(Prior(), jnp.arange(6.0), X, ["x"]))
    >>> tr["beta"]["value"].shape
    (1,)
    """
    equation("", X, sc, y, effects=effects, errors=errors, prior=prior, k0=k0)
