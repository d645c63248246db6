"""The posterior runner: one design, one prior, an engine (the exact conjugate sampler or NUTS),
fixed or Bayesian-bootstrapped index weights; returns plain arrays by site name.

Draws are laid out (chains, draws); with ``weights="bayesian_bootstrap"`` every chain runs once
per weight draw and a chain's draws are its weight draws' blocks one after another
(``weight_block`` draws each), so the pooled draws are the cut posterior. Keys: the weight draws
come from the first half of ``jax.random.split(key)``, the regression posterior of weight draw
``w`` from ``replicate_key(second half, w)`` (the fixed-weights run uses the second half itself):
the same key gives the same draws whatever the number of weight draws asked for and the chain
method.
"""

from __future__ import annotations

from functools import lru_cache, partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from numpyro import handlers

from ..errors import EstimationError
from ..inference.resample import replicate_key
from .conjugate import nig_draws, nig_posterior
from .design import Design, weight_draws
from .models import (
    Params,
    baseline_model,
    equation_loglik,
    mediation_effects,
    mediation_model,
    within_moments,
)
from .nuts import nuts_chains
from .priors import Prior, Scales, scales


class Draws(NamedTuple):
    """A posterior run's draws and statistics (numpy, (chains, draws, ...) by name)."""

    samples: dict
    stats: dict | None  # NUTS: diverging, num_steps, energy, accept_prob, lp, step_size; None: conjugate
    loglik: np.ndarray  # (chains, draws, G) per-province log-likelihood, equations summed
    weight_block: int  # draws per weight draw (the whole chain with fixed weights)
    index_weights: np.ndarray | None  # (W, m) the weight draws, or None
    max_tree_depth: int


def _prefixes(model: str):
    return ("M_", "Y_") if model == "mediation" else ("",)


def equation_data(design: Design, outcomes) -> list[tuple[jax.Array, jax.Array]]:
    """Each equation's (y, X) for the given outcomes (the mediation's outcome equation has the
    mediator inserted after the regressor).

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel())
    >>> [X.shape for _, X in equation_data(d, d.outcomes)]
    [(30, 14, 6), (30, 14, 7)]
    """
    return _equations(design.model, design.X, outcomes)


def _equations(model: str, X, outcomes):
    if model == "baseline":
        return [(outcomes[0], X)]
    m = outcomes[0]
    return [(m, X), (outcomes[1], jnp.concatenate([X[..., :1], m[..., None], X[..., 1:]], axis=-1))]


def model_args(model: str, X, scs, outcomes, *, effects: str, errors: str) -> tuple:
    """The arguments a fitted model takes: ``(X, *scales, *outcomes)``, or for the within model
    with iid errors ``(None, *scales, *sufficient statistics)`` of each equation (the QR
    parameterisation, :mod:`~resilience_jax.bayes.models`).

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel())
    >>> a = model_args("mediation", d.X, design_scales(d, Prior()), d.outcomes, effects="within", errors="iid")
    >>> a[0] is None, [w.R.shape for w in a[3:]]
    (True, [(6, 6), (7, 7)])
    """
    if effects == "within" and errors == "iid":
        return (None, *scs, *(within_moments(y, Xe) for y, Xe in _equations(model, X, outcomes)))
    return (X, *scs, *outcomes)


@lru_cache(maxsize=None)
def bound_model(model: str, *, effects: str, errors: str, prior_kind: str, k0: int):
    """The NumPyro function of ``model`` with its static configuration bound (what the samplers
    and the simulator take); one object per configuration, so jitted samplers that take it as a
    static argument compile once.

    Example
    -------
    >>> bound_model("baseline", effects="within", errors="iid", prior_kind="nig", k0=1).func.__name__
    'baseline_model'
    """
    fn = mediation_model if model == "mediation" else baseline_model
    return partial(fn, effects=effects, errors=errors, prior=prior_kind, k0=k0)


def simulate_from_prior(key, X, scs, *, model, effects, errors, prior_kind, k0):
    """One dataset from the prior (the model run with its outcomes None): the parameters and
    deterministic sites by name, and the simulated outcomes (``(mediator, index)`` or ``(index,)``).

    Example
    -------
    >>> import jax, resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel())
    >>> truth, outs = simulate_from_prior(jax.random.key(0), d.X, design_scales(d, Prior()), model="mediation",
    ...                                   effects="within", errors="iid", prior_kind="nig", k0=d.k0)
    >>> [o.shape for o in outs], "ab" in truth
    ([(30, 14), (30, 14)], True)
    """
    mdl = bound_model(model, effects=effects, errors=errors, prior_kind=prior_kind, k0=k0)
    tr = handlers.trace(handlers.seed(mdl, key)).get_trace(X, *scs)
    vals = {k: v["value"] for k, v in tr.items() if v["type"] in ("sample", "deterministic")}
    outs = (vals["M_y"], vals["Y_y"]) if model == "mediation" else (vals["y"],)
    return vals, outs


def prior_predictive(key, design: Design, prior: Prior, *, n: int = 500, effects: str = "within", errors: str = "iid"):
    """A prior predictive check: ``n`` datasets simulated from the prior at the design's
    regressors, summarised as each outcome's within-province sd (what the priors are scaled to),
    beside the observed value.

    Returns
    -------
    dict
        outcome name -> (simulated sds (n,), observed sd).

    Raises
    ------
    EstimationError
        A flat prior (nothing to simulate from).

    Example
    -------
    >>> import jax, resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> pp = prior_predictive(jax.random.key(0), d, Prior(), n=50)
    >>> pp["REIC"][0].shape
    (50,)
    """
    if prior.kind == "flat":
        raise EstimationError("a flat prior has no prior predictive distribution; use the default prior or a Prior()")
    scs = design_scales(design, prior)
    keys = jax.random.split(key, n)
    f = jax.jit(jax.vmap(lambda k: simulate_from_prior(k, design.X, scs, model=design.model, effects=effects,
                                                       errors=errors, prior_kind=prior.kind, k0=design.k0)[1]))
    outs = f(keys)

    def sd_w(y):
        return jnp.std(y - y.mean(axis=-1, keepdims=True), axis=(-2, -1), ddof=1)

    return {name: (np.asarray(sd_w(o)), float(sd_w(obs))) for name, o, obs in zip(design.outcome_names, outs, design.outcomes)}


def design_scales(design: Design, prior: Prior) -> tuple[Scales, ...]:
    """The prior's numbers of each equation, from the full-sample data (fixed for every weight
    draw and every SBC dataset: the prior does not move with the data it is checked on).

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel())
    >>> [s.slope_sd.shape for s in design_scales(d, Prior())]
    [(6,), (7,)]
    """
    return tuple(scales(prior, y, X, t) for (y, X), t in zip(equation_data(design, design.outcomes), design.terms))


def conjugate_sample(key, outcomes, X, scs, *, model, flat, draws, chains=None):
    """Conjugate draws of every equation of ``model`` by site name (``{prefix}beta``,
    ``{prefix}sigma2``, and the mediation's effects), and whether every posterior is proper.

    Equation ``e`` draws from ``jax.random.split(key, E)[e]``: ``draws`` draws from it
    (``chains=None``), or ``draws`` per chain from its split into ``chains`` keys (leading axis).

    Example
    -------
    >>> import jax, resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> s, ok = conjugate_sample(jax.random.key(0), d.outcomes, d.X, design_scales(d, Prior()), model="baseline",
    ...                          flat=False, draws=10, chains=2)
    >>> s["beta"].shape, bool(ok)
    ((2, 10, 6), True)
    """
    eqs = _equations(model, X, outcomes)
    keys = jax.random.split(key, len(eqs))
    out, ok = {}, True
    for p, (y, Xe), sc, k in zip(_prefixes(model), eqs, scs, keys):
        post = nig_posterior(y, Xe, sc, flat=flat)
        if chains is None:
            beta, s2 = nig_draws(k, post, draws)
        else:
            beta, s2 = jax.vmap(lambda kc: nig_draws(kc, post, draws))(jax.random.split(k, chains))
        out[f"{p}beta"], out[f"{p}sigma2"] = beta, s2
        ok = ok & post.ok
    if model == "mediation":
        out.update(mediation_effects(out["M_beta"], out["Y_beta"]))
    return out, ok


def loglik(samples: dict, design: Design, outcomes, *, effects: str, errors: str) -> jax.Array:
    """(..., G) per-province log-likelihood of every draw (the equations summed), one vectorised
    call over the draws' leading axes (jitted once per model and shape).

    Example
    -------
    >>> import jax, resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> k = d.X.shape[2]
    >>> s = {"beta": jax.numpy.zeros((2, 3, k)), "sigma2": jax.numpy.ones((2, 3))}
    >>> loglik(s, d, d.outcomes, effects="within", errors="iid").shape
    (2, 3, 30)
    """
    return _loglik(samples, design.X, tuple(outcomes), model=design.model, k0=design.k0, effects=effects, errors=errors)


@partial(jax.jit, static_argnames=("model", "k0", "effects", "errors"))
def _loglik(samples, X, outcomes, *, model, k0, effects, errors):
    lead = samples[f"{_prefixes(model)[0]}beta"].shape[:-1]
    total = 0.0
    for p, (y, Xe) in zip(_prefixes(model), _equations(model, X, outcomes)):
        names = ("beta", "sigma2", "alpha", "gamma", "tau", "rho")
        flat = {n: jnp.reshape(samples[p + n], (-1, *jnp.shape(samples[p + n])[len(lead):]))
                for n in names if p + n in samples}
        k0e = k0 + (p == "Y_")
        f = partial(equation_loglik, effects=effects, errors=errors, k0=k0e)
        ll = jax.vmap(lambda d: f(Params(**{n: d.get(n) for n in names}), y, Xe))(flat)
        total = total + ll.reshape(*lead, -1)
    return total


@partial(jax.jit, static_argnames=("model", "flat", "chains", "draws"))
def _conjugate_batch(keys, outcomes, X, scs, *, model, flat, chains, draws):
    f = partial(conjugate_sample, model=model, flat=flat, chains=chains, draws=draws)
    return jax.vmap(f, in_axes=(0, 0, None, None))(keys, outcomes, X, scs)


@partial(jax.jit, static_argnames=("model", "effects", "errors", "prior_kind", "k0", "chains", "warmup", "draws",
                                   "chain_block", "target_accept", "max_tree_depth"))
def _nuts_batch(keys, X, scs, outcomes, *, model, effects, errors, prior_kind, k0, chains, warmup, draws, chain_block,
                target_accept, max_tree_depth):
    """NUTS chains for a batch of outcome sets (leading axis of ``keys`` and ``outcomes``: weight
    draws), vmapped on one device."""
    mdl = bound_model(model, effects=effects, errors=errors, prior_kind=prior_kind, k0=k0)

    def one(k, o):
        return nuts_chains(k, mdl, model_args(model, X, scs, o, effects=effects, errors=errors), chains=chains,
                           warmup=warmup, draws=draws, chain_block=chain_block, target_accept=target_accept,
                           max_tree_depth=max_tree_depth)

    return jax.vmap(one)(keys, outcomes)


_model_args = jax.jit(model_args, static_argnames=("model", "effects", "errors"))


@partial(jax.jit, static_argnames=("model", "k0", "effects", "errors"))
def _loglik_batch(s, X, outcomes, *, model, k0, effects, errors):
    return jax.vmap(lambda sw, o: _loglik(sw, X, o, model=model, k0=k0, effects=effects, errors=errors))(s, outcomes)


def sample(key: jax.Array, design: Design, arrays=None, *, prior: Prior, engine: str = "nuts", effects: str = "within",
           errors: str = "iid", chains: int = 4, warmup: int = 1000, draws: int = 1000, weights: str = "fixed",
           n_weight_draws: int = 20, chain_method: str = "vectorized", chain_block: int = 4,
           target_accept: float = 0.8, max_tree_depth: int = 10, mode: str = "pooled") -> Draws:
    """Posterior draws of ``design``'s model.

    Parameters
    ----------
    key : jax.Array
        The run's key.
    design : Design
        From :func:`~resilience_jax.bayes.design.posterior_design`.
    arrays : MediationArrays, optional
        The panel's arrays (needed for ``weights="bayesian_bootstrap"``).
    prior : Prior
        The prior.
    engine : {"nuts", "conjugate"}
        NUTS, or the exact conjugate sampler (``effects="within"``, ``errors="iid"`` only).
    effects, errors : str
        How the province effects and the errors are modelled (:mod:`~resilience_jax.bayes.models`).
    chains, warmup, draws : int
        Chains, warm-up steps (NUTS) and kept draws per chain (per weight draw).
    weights : {"fixed", "bayesian_bootstrap"}
        The index's entropy weights fixed at the full-sample estimate, or drawn.
    n_weight_draws : int
        Bayesian-bootstrap weight draws.
    chain_method : {"vectorized", "sequential", "parallel"}
        Where the blocks of NUTS chains run (:func:`~resilience_jax.bayes.nuts.nuts_chains`: the
        same draws under each). With weight draws, every method runs on one device.
    chain_block : int
        Chains vmapped together in one compiled block (the draws depend on it).
    target_accept, max_tree_depth : float, int
        NUTS settings.
    mode : str
        The entropy weights' panel mode (weight draws).

    Returns
    -------
    Draws

    Raises
    ------
    EstimationError
        The conjugate engine with effects other than within or non-iid errors; an improper
        posterior (too few degrees of freedom).

    Example
    -------
    >>> import jax, resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, arr = posterior_design(rj.load_panel(), "baseline")
    >>> r = sample(jax.random.key(0), d, arr, prior=Prior(), engine="conjugate", draws=100)
    >>> r.samples["beta"].shape, r.loglik.shape
    ((4, 100, 6), (4, 100, 30))
    """
    if engine == "conjugate" and (effects != "within" or errors != "iid"):
        raise EstimationError("the conjugate engine is exact for effects='within' with errors='iid' only; use "
                              "engine='nuts' for dummies, mundlak, random or ar1 errors")
    G, T, _ = design.X.shape
    k_w, k_post = jax.random.split(key)
    scs = design_scales(design, prior)
    flat = prior.kind == "flat"
    iw = None
    if weights == "bayesian_bootstrap":
        iw, idx = weight_draws(k_w, arrays, n_weight_draws, n_entities=G, mode=mode)
        W = idx.shape[0]
        outcomes_b = tuple(idx if i == design.index_equation else jnp.broadcast_to(o, idx.shape)
                           for i, o in enumerate(design.outcomes))
        keys = jax.vmap(lambda w: replicate_key(k_post, w))(jnp.arange(W))
    else:
        outcomes_b = tuple(o[None] for o in design.outcomes)
        keys = k_post[None]
    model = design.model
    if engine == "conjugate":
        s, ok = _conjugate_batch(keys, outcomes_b, design.X, scs, model=model, flat=flat, chains=chains, draws=draws)
        if not bool(np.all(np.asarray(ok))):
            raise EstimationError("the conjugate posterior is improper or its design singular: too few degrees of freedom "
                                  f"({G} x ({T} - 1) within observations for {design.X.shape[2]} slopes) or collinear regressors")
        stats = None
    else:
        cfg = dict(chains=chains, warmup=warmup, draws=draws, chain_block=chain_block, target_accept=target_accept,
                   max_tree_depth=max_tree_depth)
        if iw is None:  # fixed weights: the chains run by the chain method (the draws are the same under each)
            mdl = bound_model(model, effects=effects, errors=errors, prior_kind=prior.kind, k0=design.k0)
            args = _model_args(model, design.X, scs, design.outcomes, effects=effects, errors=errors)
            s, info = jax.tree.map(lambda a: a[None], nuts_chains(k_post, mdl, args, chain_method=chain_method, **cfg))
        else:
            s, info = _nuts_batch(keys, design.X, scs, outcomes_b, model=model, effects=effects, errors=errors,
                                  prior_kind=prior.kind, k0=design.k0, **cfg)
        stats = {"diverging": info.diverging, "num_steps": info.num_steps, "energy": info.energy,
                 "accept_prob": info.accept_prob, "lp": -info.potential_energy,
                 "step_size": jnp.broadcast_to(info.step_size[..., None], info.diverging.shape)}
        s = {k: v for k, v in s.items() if not k.endswith(("log_sigma2", "theta"))}
    # (W, chains, draws, ...) -> (chains, W * draws, ...); the log-likelihood with each weight draw's outcome
    ll = _loglik_batch(s, design.X, outcomes_b, model=model, k0=design.k0, effects=effects, errors=errors)

    def merge(a):
        a = np.asarray(a)
        return np.moveaxis(a, 0, 1).reshape(a.shape[1], a.shape[0] * a.shape[2], *a.shape[3:])

    samples = {k: merge(v) for k, v in s.items()}
    return Draws(samples, None if stats is None else {k: merge(v) for k, v in stats.items()}, merge(ll), draws,
                 None if iw is None else np.asarray(iw), max_tree_depth)
