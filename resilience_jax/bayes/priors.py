"""Priors of the posterior models: scale-aware weakly informative (the default) or flat.

The default is a Normal-inverse-gamma prior scaled to the data, in the spirit of rstanarm's and
bambi's autoscaling, so that one prior serves the exact conjugate sampler and NUTS alike:

- ``sigma^2 ~ InvGamma(sigma2_shape, rate)`` with the rate set so that the prior mean of the
  residual variance is ``sigma2_mean`` times the outcome's within-province variance (the
  variation the slopes and the errors share once the province effects are out; shape 2: a mean
  and no variance, weak);
- each slope ``beta_j | sigma ~ Normal(0, (sigma * slope_scale / sd(x_j))^2)``: scaled by the
  regressor's within-province sd (the variation that identifies a fixed-effects slope; the raw
  sd, as rstanarm takes it, would make the prior informative for regressors that vary mostly
  between provinces), and by sigma (conjugate); marginally a Student t with ``2 * sigma2_shape`` degrees
  of freedom and scale ``slope_scale * sd(y) / sd(x_j)`` times ``sqrt(sigma2_mean * (shape - 1) / shape)``;
- intercepts (the provinces' in ``dummies``, the common one in ``mundlak`` and ``random``)
  ``| sigma ~ Normal(mean(y), (intercept_scale * sigma)^2)``; the Mundlak coefficients get the
  slopes' prior; the sd of the province intercepts ``tau ~ HalfNormal(tau_scale * sd(y))``;
- the AR(1) coefficient of the within-province errors ``rho ~ Uniform(-1, 1)``.

``prior="flat"`` is the flat-prior limit: slopes, intercepts and Mundlak coefficients flat,
``p(sigma^2) ∝ 1 / sigma^2``; ``tau`` keeps a proper ``HalfCauchy(sd(y))`` (a flat prior on a
variance of 30 provinces' intercepts is improper in the posterior too). Under it the within
slopes' posterior is a Student t centred on the within (fixed-effects) estimate with the iid scale.

The outcome's mean and sd (intercepts, tau) are taken over its raw column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import jax
import numpy as np

from ..errors import EstimationError


@dataclass(frozen=True)
class Prior:
    """A prior of the posterior models (see the module doc for the distributions).

    Parameters
    ----------
    kind : {"nig", "flat"}
        The scale-aware Normal-inverse-gamma prior, or the flat-prior limit.
    slope_scale : float
        Prior sd of a slope in units of ``sigma / sd(x_j)``.
    sigma2_shape : float
        Shape of the inverse-gamma prior of the residual variance (> 1).
    sigma2_mean : float
        Prior mean of the residual variance in units of ``var(y)``.
    intercept_scale : float
        Prior sd of an intercept in units of sigma.
    tau_scale : float
        Scale of the half-normal prior of the province intercepts' sd, in units of ``sd(y)``.

    Example
    -------
    >>> Prior().slope_scale, Prior(kind="flat").kind
    (2.5, 'flat')
    """

    kind: Literal["nig", "flat"] = "nig"
    slope_scale: float = 2.5
    sigma2_shape: float = 2.0
    sigma2_mean: float = 1.0
    intercept_scale: float = 10.0
    tau_scale: float = 1.0

    def __post_init__(self):
        if self.kind not in ("nig", "flat"):
            raise EstimationError(f"prior kind must be 'nig' or 'flat', got {self.kind!r}")
        for name in ("slope_scale", "sigma2_mean", "intercept_scale", "tau_scale"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise EstimationError(f"prior {name} must be a positive number, got {v!r}")
        if not (np.isfinite(self.sigma2_shape) and self.sigma2_shape > 1):
            raise EstimationError(f"prior sigma2_shape must be > 1 (a finite prior mean), got {self.sigma2_shape!r}")


def as_prior(prior) -> Prior:
    """``"default"`` (the NIG prior), ``"flat"`` or a :class:`Prior`, as a :class:`Prior`.

    Example
    -------
    >>> as_prior("flat").kind
    'flat'
    """
    if isinstance(prior, Prior):
        return prior
    if prior == "default":
        return Prior()
    if prior == "flat":
        return Prior(kind="flat")
    raise EstimationError(f"prior must be 'default', 'flat' or a resilience_jax.bayes.Prior, got {prior!r}")


class Scales(NamedTuple):
    """The prior's numbers for one equation (arrays: they travel as model arguments, so a new
    dataset of the same shape does not recompile)."""

    slope_sd: jax.Array  # (k,) slope_scale / sd(x_j): the slope's prior sd in units of sigma
    sigma2_shape: jax.Array  # ()
    sigma2_rate: jax.Array  # ()
    y_mean: jax.Array  # ()
    y_sd: jax.Array  # ()
    intercept_sd: jax.Array  # () in units of sigma
    tau_sd: jax.Array  # () the half-normal (nig) or half-Cauchy (flat) scale of tau


def scales(prior: Prior, y: np.ndarray, X: np.ndarray, terms) -> Scales:
    """The prior's numbers for an equation with outcome ``y`` and regressors ``X`` (..., k).

    Raises
    ------
    EstimationError
        A constant outcome or regressor (its sd is 0: nothing to scale by, and nothing to estimate).

    Example
    -------
    >>> import numpy as np
    >>> s = scales(Prior(), np.array([1.0, 3.0]), np.array([[0.0], [2.0]]), ["x"])
    >>> round(float(s.slope_sd[0]), 4), round(float(s.sigma2_rate), 12)  # 2.5 / sd(x), var(y)
    (1.7678, 2.0)
    """
    yg = np.asarray(y, float)
    y = yg.ravel()
    var_w = (yg - yg.mean(axis=1, keepdims=True)).var(ddof=1) if yg.ndim == 2 else y.var(ddof=1)
    Xa = np.asarray(X, float)
    if Xa.ndim == 3:  # a panel (G, T, k): the within-province variation identifies the slopes
        Xa = Xa - Xa.mean(axis=1, keepdims=True)
    Xf = Xa.reshape(-1, np.shape(X)[-1])
    sd_x = Xf.std(axis=0, ddof=1)
    sd_y = y.std(ddof=1)
    bad = [t for t, s in zip(terms, sd_x) if not s > 0]
    if bad or not sd_y > 0:
        raise EstimationError(f"the posterior's priors scale by each variable's sd, and {bad or 'the outcome'} "
                              "is constant; drop it from the model")
    f = np.float64
    return Scales(prior.slope_scale / sd_x, f(prior.sigma2_shape), f(prior.sigma2_mean * var_w * (prior.sigma2_shape - 1)),
                  f(y.mean()), f(sd_y), f(prior.intercept_scale), f(prior.tau_scale * sd_y if prior.kind == "nig" else sd_y))


def prior_table(prior: Prior, sc: Scales, terms, outcome: str):
    """The prior of one equation as text rows (printed with the results).

    Example
    -------
    >>> import numpy as np
    >>> s = scales(Prior(), np.array([1.0, 3.0]), np.array([[0.0], [2.0]]), ["x"])
    >>> prior_table(Prior(), s, ["x"], "y")[0]
    'y: sigma^2 ~ InvGamma(2, 2)'
    """
    if prior.kind == "flat":
        return [f"{outcome}: p(sigma^2) ∝ 1/sigma^2", *(f"{outcome}: {t} flat" for t in terms),
                f"{outcome}: tau ~ HalfCauchy({float(sc.tau_sd):.4g}) (mundlak/random only)"]
    rows = [f"{outcome}: sigma^2 ~ InvGamma({float(sc.sigma2_shape):.4g}, {float(sc.sigma2_rate):.4g})"]
    rows += [f"{outcome}: {t} | sigma ~ Normal(0, ({s:.4g} sigma)^2)" for t, s in zip(terms, np.asarray(sc.slope_sd))]
    rows += [f"{outcome}: intercepts | sigma ~ Normal({float(sc.y_mean):.4g}, ({float(sc.intercept_sd):.4g} sigma)^2) "
             "(dummies/mundlak/random only)",
             f"{outcome}: tau ~ HalfNormal({float(sc.tau_sd):.4g}) (mundlak/random only)"]
    return rows
