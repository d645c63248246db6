"""``posterior()``: the posterior of the mediation or baseline model on a panel, at the edge
(validation, the frequentist fits beside it, names on the draws, the diagnostics' warnings)."""

from __future__ import annotations

import numpy as np
from scipy.stats import chi2

from .. import _checks
from ..errors import EstimationError
from ..results.posterior import PosteriorResult, to_inference_data
from .design import posterior_design
from .fit import design_scales, sample
from .models import EFFECTS, ERRORS
from .priors import as_prior, prior_table

ENGINES = ("nuts", "conjugate")
WEIGHTS = ("fixed", "bayesian_bootstrap")
CHAIN_METHODS = ("vectorized", "sequential", "parallel")


def _choice(name, value, options):
    if value not in options:
        raise EstimationError(f"{name} must be one of {list(options)}, got {value!r}")
    return value


def frequentist_fits(panel, design, *, vcov=None):
    """The within (fixed-effects) fits of the design's equations with CRV1 errors by entity
    (``feols``): they check the design (singular, constant, too few clusters: named errors) and
    stand beside the posterior.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel())
    >>> [f.names[0] for f in frequentist_fits(rj.load_panel(), d)]
    ['LnAI', 'LnAI', 'LnAI']
    """
    from ..api import feols

    spec = panel.spec
    df = panel.frame.assign(**{design.index: np.asarray(design.outcomes[design.index_equation]).ravel()})
    fe = spec.entity + (f" + {spec.time}" if design.two_way else "")
    v = vcov or {"CRV1": spec.entity}
    k0 = design.k0
    fits = []
    for y, terms, extra in zip(design.outcome_names, design.terms, (0, 1)):
        fits.append(feols(f"{y} ~ {' + '.join(terms[: k0 + (extra if design.model == 'mediation' else 0)])} | {fe}", df, v))
    if design.model == "mediation":  # the total effect c, for the side-by-side table
        fits.append(feols(f"{design.index} ~ {' + '.join(design.terms[0][:k0])} | {fe}", df, v))
    return fits


def mundlak_test(panel, design) -> float:
    """p-value of the Mundlak test (pooled OLS of the index on the regressors and their province
    means, CRV1 by province; Wald test that the means' coefficients are 0): small values say plain
    random intercepts are biased.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> 0 <= mundlak_test(rj.load_panel(), d) <= 1
    True
    """
    from ..api import feols

    spec = panel.spec
    y = design.index
    terms = design.terms[design.index_equation][: design.k0 + (design.model == "mediation")]
    df = panel.frame.assign(**{y: np.asarray(design.outcomes[design.index_equation]).ravel()})
    means = {f"mean_{t}": df.groupby(spec.entity)[t].transform("mean") for t in terms}
    df = df.assign(**means)
    fe = f" | {spec.time}" if design.two_way else ""
    fit = feols(f"{y} ~ {' + '.join([*terms, *means])}{fe}", df, {"CRV1": spec.entity})
    g = fit.params[list(means)].to_numpy()
    V = fit.vcov.loc[list(means), list(means)].to_numpy()
    return float(chi2.sf(g @ np.linalg.solve(V, g), len(g)))


def posterior(data=None, *, model: str = "mediation", index: str | None = None, fixed_effects: str = "within",
              errors: str = "iid", weights: str = "fixed", engine: str = "nuts", prior="default", chains: int = 4,
              warmup: int = 1000, draws: int = 1000, seed: int = 0, n_weight_draws: int = 20,
              two_way: bool | None = None, chain_method: str = "vectorized", chain_block: int = 4,
              target_accept: float = 0.8, max_tree_depth: int = 10) -> PosteriorResult:
    """The posterior of the baseline or the mediation model, NumPyro NUTS or the exact conjugate
    sampler, with the index's entropy weights fixed or drawn by a Bayesian bootstrap of provinces.

    Parameters
    ----------
    data : DataFrame, Panel, path or None
        The panel (None: the embedded synthetic panel).
    model : {"mediation", "baseline"}
        The joint mediation model (mediator and outcome equations; ``a``, ``b``, ``c``,
        ``c_prime``, ``ab``, ``share``) or the spec's baseline (each slope by its name).
    index : str, optional
        The index symbol of the outcome (default: the overall index).
    fixed_effects : {"within", "dummies", "mundlak", "random"}
        How the province effects enter (:mod:`resilience_jax.bayes.models`).
    errors : {"iid", "ar1"}
        Independent errors, or a stationary AR(1) within each province (``within`` only): the
        model of within-province dependence (the iid posterior, like iid standard errors,
        ignores it).
    weights : {"fixed", "bayesian_bootstrap"}
        The index weights at the full-sample estimate, or ``n_weight_draws`` Bayesian-bootstrap
        draws, each with its own regression posterior (pooled: a cut posterior).
    engine : {"nuts", "conjugate"}
        NUTS, or the exact conjugate sampler (within, iid).
    prior : "default", "flat" or Prior
        The scale-aware Normal-inverse-gamma prior, its flat limit, or one's own
        (:class:`resilience_jax.bayes.Prior`); printed with the results.
    chains, warmup, draws : int
        Chains, NUTS warm-up steps and kept draws per chain (per weight draw).
    seed : int
        Seed of ``jax.random.key``.
    n_weight_draws : int
        Weight draws of the Bayesian bootstrap.
    two_way : bool, optional
        Year effects too (None: the spec's; the mediation has province effects only).
    chain_method : {"vectorized", "sequential", "parallel"}
        Where the chains run: in blocks of ``chain_block`` vmapped chains, one block after another
        on one device (``vectorized``, ``sequential``: the same thing; at the defaults one block
        of all 4 chains), or the blocks spread over the local devices (``parallel``). Every method
        runs each block with the same compiled program, so the same seed gives the same draws,
        bit for bit, whatever the method and the number of devices
        (:func:`resilience_jax.bayes.nuts.nuts_chains`).
    chain_block : int
        Chains vmapped together in one block. Smaller blocks use less memory and put fewer
        chains on each device (``chain_block=1`` with ``parallel``: one chain per device); the
        draws depend on the seed and ``chain_block`` (a different block is a different compiled
        program, with other last bits, which NUTS amplifies into other draws of the same posterior).
    target_accept, max_tree_depth : float, int
        NUTS settings.

    Returns
    -------
    PosteriorResult

    Raises
    ------
    EstimationError
        A bad option, a singular design, too few degrees of freedom.

    Warns
    -----
    PosteriorWarning
        R-hat >= 1.01, an ESS < 400, divergences, low E-BFMI or saturated trees; a share likely
        outside [0, 1]; random intercepts the Mundlak test rejects.

    Example
    -------
    >>> import resilience_jax as rj
    >>> post = rj.posterior(engine="conjugate", prior="flat")
    >>> print(post.tidy().loc[["a", "b", "ab"], ["estimate", "lower", "upper"]].round(3))
              estimate  lower  upper
    quantity
    a            0.801  0.270  1.320
    b            0.080  0.073  0.088
    ab           0.064  0.021  0.107
    """
    from ..data.validate import Panel, load_panel

    for name, value, options in (("model", model, ("mediation", "baseline")), ("fixed_effects", fixed_effects, EFFECTS),
                                 ("errors", errors, ERRORS), ("weights", weights, WEIGHTS), ("engine", engine, ENGINES),
                                 ("chain_method", chain_method, CHAIN_METHODS)):
        _choice(name, value, options)
    if errors == "ar1" and fixed_effects != "within":
        raise EstimationError("errors='ar1' is offered with fixed_effects='within' only")
    seed = _checks.seed(seed)
    chains = _checks.positive_int("chains", chains)
    chain_block = _checks.positive_int("chain_block", chain_block)
    draws = _checks.positive_int("draws", draws)
    warmup = _checks.positive_int("warmup", warmup) if engine == "nuts" else warmup
    if not 0 < target_accept < 1:
        raise EstimationError(f"target_accept must be in (0, 1), got {target_accept}")
    pr = as_prior(prior)
    panel = data if isinstance(data, Panel) else load_panel(data)
    design, arrays = posterior_design(panel, model, index, two_way=two_way)
    fits = frequentist_fits(panel, design)
    G, T, _ = design.X.shape
    notes = []
    if fixed_effects == "random":
        p = mundlak_test(panel, design)
        if p < 0.05:
            import warnings

            from ..errors import PosteriorWarning

            msg = (f"the Mundlak terms (province means of the regressors) are jointly non-zero (p = {p:.3g}): plain "
                   "random intercepts give biased slopes here; use fixed_effects='mundlak' or 'within'")
            warnings.warn(msg, PosteriorWarning, stacklevel=2)
            notes.append(msg)
    r = sample(_checks.key(seed), design, arrays, prior=pr, engine=engine, effects=fixed_effects, errors=errors,
               chains=chains, warmup=warmup, draws=draws, weights=weights, n_weight_draws=n_weight_draws,
               chain_method=chain_method, chain_block=chain_block, target_accept=target_accept,
               max_tree_depth=max_tree_depth, mode=panel.spec.index.panel_mode)
    samples, dims, coords, headline = _named(r.samples, design, panel)
    stats = None
    if r.stats is not None:
        st = r.stats
        stats = {"diverging": st["diverging"], "n_steps": st["num_steps"], "energy": st["energy"],
                 "acceptance_rate": st["accept_prob"], "lp": st["lp"], "step_size": st["step_size"]}
    observed = {n: np.asarray(o) for n, o in zip(design.outcome_names, design.outcomes)}
    dims.update({n: ["province", "period"] for n in observed})
    coords.update(province=list(design.entities), period=list(design.periods))
    idata = to_inference_data(samples, stats, r.loglik, observed, coords, dims)
    scs = design_scales(design, pr)
    prior_rows = [row for sc, t, y in zip(scs, design.terms, design.outcome_names) for row in prior_table(pr, sc, t, y)]
    config = {"model": model, "index": design.index, "effects": fixed_effects, "errors": errors, "engine": engine,
              "weights": weights, "prior": pr.kind, "chains": chains, "warmup": warmup if engine == "nuts" else 0,
              "draws": draws, "seed": seed, "n_weight_draws": n_weight_draws if weights != "fixed" else 0,
              "two_way": design.two_way, "n_entities": G, "n_periods": T}
    res = PosteriorResult(idata, headline, config, prior_rows, r.weight_block, max_tree_depth, r.index_weights, notes,
                          design=design, fits=fits)
    res.check()
    return res


def _named(s: dict, design, panel):
    """The draws by user-facing names: each baseline slope by its variable's name, the mediation's
    effects, residual sds; coefficient vectors keep their term coordinates."""
    out, dims, coords = {}, {}, {}
    k0 = design.k0
    if design.model == "baseline":
        eqs = [("", "", design.terms[0])]
    else:
        eqs = [("M_", "_M", design.terms[0]), ("Y_", "_Y", design.terms[1])]
    for p, suf, terms in eqs:
        out[f"beta{suf}"] = s[f"{p}beta"]
        dims[f"beta{suf}"] = [f"term{suf}"]
        coords[f"term{suf}"] = list(terms)
        out[f"sigma{suf}"] = np.sqrt(s[f"{p}sigma2"])
        for extra in ("tau", "rho"):
            if f"{p}{extra}" in s:
                out[f"{extra}{suf}"] = s[f"{p}{extra}"]
        if f"{p}alpha" in s:
            out[f"alpha{suf}"] = s[f"{p}alpha"]
            if s[f"{p}alpha"].ndim == 3:
                dims[f"alpha{suf}"] = ["province"]
        if f"{p}gamma" in s:
            out[f"gamma{suf}"] = s[f"{p}gamma"]
            dims[f"gamma{suf}"] = [f"mundlak_term{suf}"]
            coords[f"mundlak_term{suf}"] = list(terms[: k0 + (p == "Y_")])
    if design.model == "baseline":
        for j, t in enumerate(design.terms[0][:k0]):
            out[t] = s["beta"][..., j]
        headline = [*design.terms[0][:k0], "sigma"]
    else:
        for k in ("a", "b", "c", "c_prime", "ab", "share"):
            out[k] = s[k]
        headline = ["a", "b", "c", "c_prime", "ab", "share", "sigma_M", "sigma_Y"]
    headline += [k for k in out if k.split("_")[0] in ("tau", "rho") and k not in headline]
    return out, dims, coords, headline
