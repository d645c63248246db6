"""Simulation-based calibration (Talts et al. 2018; Säilynoja, Bürkner & Vehtari 2022), vectorised
over datasets.

Each simulation draws the parameters from the prior and a dataset from the model (the model
function itself, run with the outcome ``None``, at the design's regressors and size), fits the
posterior, and records the rank of the true value among the posterior draws of every quantity
(the slope(s), a, b, a*b, the share, the residual sds and the log-likelihood of the simulated
data). With a correct fit the ranks are uniform. Datasets are simulated and fitted in one vmapped
call per batch; the conjugate engine's draws are independent, NUTS draws are thinned to about
their effective sample size (the smallest bulk ESS over the quantities, per simulation) before
ranking. Uniformity is judged two ways: a chi-square test on ``bins`` equal bins, and the ECDF of
the fractional ranks against a simultaneous band for the ECDF difference (the band's width
simulated from uniform ranks of the same size: the largest absolute ECDF difference over the 99
evaluation points j/100 is compared with its quantile under uniformity). Both are corrected for
the number of quantities Q (Bonferroni: the band at 1 - 0.05/Q, the chi-square at p >= 0.01/Q), so
a calibrated model passes every quantity with probability at least about 0.95.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import chi2 as chi2_dist

from .. import _checks
from .fit import (
    _loglik,
    bound_model,
    conjugate_sample,
    design_scales,
    model_args,
    simulate_from_prior,
)
from .nuts import nuts_chains


class SBCResult(NamedTuple):
    """Ranks and uniformity tests of an SBC run."""

    ranks: dict  # quantity -> (n_sims,) fractional ranks in [0, 1]
    chi2: dict  # quantity -> chi-square statistic over the bins
    chi2_p: dict
    ecdf_max: dict  # quantity -> largest |ECDF difference|
    band: float  # its simultaneous 95% threshold under uniformity
    bins: int
    n_sims: int

    def passed(self) -> dict:
        """quantity -> True where the ECDF difference stays in the band and the chi-square p >=
        0.01 / Q (Q quantities: Bonferroni, like the band)."""
        return {q: bool(self.ecdf_max[q] <= self.band and self.chi2_p[q] >= 0.01 / len(self.ranks)) for q in self.ranks}

    def table(self):
        """The tests as a DataFrame (one row per quantity)."""
        import pandas as pd

        ok = self.passed()
        return pd.DataFrame({"chi2": self.chi2, "chi2_p": self.chi2_p, "ecdf_max": self.ecdf_max,
                             "band": self.band, "passed": ok}).rename_axis("quantity")


def _quantities(s: dict, model: str) -> dict:
    if model == "mediation":
        return {k: s[k] for k in ("a", "b", "c_prime", "ab", "share")} | {"sigma2_M": s["M_sigma2"], "sigma2_Y": s["Y_sigma2"]}
    return {"slope": s["beta"][..., 0], "sigma2": s["sigma2"]}


@partial(jax.jit, static_argnames=("model", "sim_errors", "prior_kind", "k0", "draws", "engine", "warmup"))
def _batch(keys, X, sim_scs, scs, *, model, sim_errors, prior_kind, k0, draws, engine, warmup):
    """Simulate with the priors' numbers ``sim_scs``, fit with ``scs``: the true and the posterior
    quantities of every simulation (leading axis of ``keys``)."""
    def one(key):
        k_sim, k_fit = jax.random.split(key)
        truth, outs = simulate_from_prior(k_sim, X, sim_scs, model=model, effects="within", errors=sim_errors,
                                          prior_kind=prior_kind, k0=k0)
        if engine == "conjugate":
            s, _ = conjugate_sample(k_fit, outs, X, scs, model=model, flat=prior_kind == "flat", draws=draws)
        else:
            mdl = bound_model(model, effects="within", errors="iid", prior_kind=prior_kind, k0=k0)
            s, _ = nuts_chains(k_fit, mdl, model_args(model, X, scs, outs, effects="within", errors="iid"), chains=1,
                               warmup=warmup, draws=draws)
            s = jax.tree.map(lambda a: a[0], s)
        q_true = _quantities(truth, model)
        q_post = _quantities(s, model)
        tl = {k: v for k, v in truth.items() if k.endswith(("beta", "sigma2"))}
        ll = partial(_loglik, X=X, outcomes=outs, model=model, k0=k0, effects="within", errors="iid")
        q_true["loglik"] = ll(jax.tree.map(lambda a: a[None], tl))[0].sum()
        q_post["loglik"] = ll({k: s[k] for k in tl}).sum(-1)
        return q_true, q_post

    return jax.vmap(one)(keys)


def sbc(key, design, prior, *, n_sims: int = 1000, draws: int = 999, engine: str = "conjugate", warmup: int = 500,
        batch: int = 250, bins: int = 20, simulator_errors: str = "iid", simulator_prior=None) -> SBCResult:
    """Simulation-based calibration of the within model (iid errors) on ``design``'s regressors.

    Parameters
    ----------
    key : jax.Array or int
        Key (or seed) of the run; simulation ``i`` uses ``jax.random.fold_in(key, i)``.
    design : Design
        The model and regressors (:func:`~resilience_jax.bayes.design.posterior_design`).
    prior : Prior
        The fitted prior (also the simulator's unless ``simulator_prior``).
    n_sims, draws : int
        Simulations, and posterior draws per simulation (ranks run from 0 to the kept draws).
    engine : {"conjugate", "nuts"}
        The fitting engine.
    warmup : int
        NUTS warm-up steps.
    batch : int
        Simulations per vmapped call (memory bound).
    bins : int
        Bins of the chi-square test and rank histogram.
    simulator_errors : {"iid", "ar1"}
        The simulator's errors: ``"ar1"`` (fitted with iid errors) is a deliberately wrong model.
    simulator_prior : Prior, optional
        A different prior for the simulator (another deliberately wrong model).

    Returns
    -------
    SBCResult

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> r = sbc(0, d, rj.bayes.Prior(), n_sims=100, draws=99)
    >>> sorted(r.ranks)
    ['loglik', 'sigma2', 'slope']
    """
    key = _checks.key(key) if not isinstance(key, jax.Array) else key
    scs = design_scales(design, prior)
    sim_scs = scs if simulator_prior is None else design_scales(design, simulator_prior)
    if simulator_prior is not None and simulator_prior.kind != prior.kind:
        raise ValueError("the simulator's prior must be of the fitted prior's kind")
    if prior.kind == "flat":
        raise ValueError("SBC needs a proper prior to simulate from; the flat prior has none")
    ranks: dict = {}
    batch = min(batch, n_sims)
    for start in range(0, n_sims, batch):
        # every batch has the same shape (one compilation): the last is padded with simulations
        # past n_sims, computed and dropped (simulation i's key depends on i only)
        idx = jnp.arange(start, start + batch)
        n_in = min(batch, n_sims - start)
        keys = jax.vmap(lambda i: jax.random.fold_in(key, i))(idx)
        qt, qp = _batch(keys, design.X, sim_scs, scs, model=design.model, sim_errors=simulator_errors,
                        prior_kind=prior.kind, k0=design.k0, draws=draws, engine=engine, warmup=warmup)
        qt = {k: np.asarray(v)[:n_in] for k, v in qt.items()}
        qp = {k: np.asarray(v)[:n_in] for k, v in qp.items()}
        idx = idx[:n_in]
        if engine == "nuts":
            from ..results.posterior import az

            ess = np.array([[az.ess(qp[q][i][None], method="bulk") for q in qp] for i in range(len(idx))]).min(axis=1)
        for q in qp:
            t = np.asarray(qt[q])
            if engine == "nuts":
                fr = []
                for i in range(len(idx)):
                    step = max(1, int(np.ceil(draws / max(ess[i], 1.0))))
                    fr.append((qp[q][i][::step] < t[i]).mean())
            else:
                fr = (qp[q] < t[:, None]).mean(axis=1).tolist()
            ranks.setdefault(q, []).extend(fr)
    ranks = {q: np.asarray(v) for q, v in ranks.items()}
    band = _ecdf_band(n_sims, key, 0.05 / len(ranks))
    c2, p2, em = {}, {}, {}
    for q, r in ranks.items():
        counts = np.histogram(r, bins=bins, range=(0.0, 1.0))[0]
        e = n_sims / bins
        c2[q] = float(((counts - e) ** 2 / e).sum())
        p2[q] = float(chi2_dist.sf(c2[q], bins - 1))
        em[q] = _ecdf_max(r)
    return SBCResult(ranks, c2, p2, em, band, bins, n_sims)


_GRID = np.linspace(0.0, 1.0, 101)[1:-1]


def _ecdf_dev(r: np.ndarray) -> np.ndarray:
    """(..., ) the largest |ECDF(x) - x| over the grid of fractional ranks r (..., n)."""
    n = r.shape[-1]
    cells = np.clip(np.ceil(r * 100).astype(int), 0, 100)  # r <= j/100 iff cell <= j
    counts = np.apply_along_axis(lambda c: np.bincount(c, minlength=101), -1, cells)
    ecdf = np.cumsum(counts, axis=-1)[..., 1:100] / n
    return np.abs(ecdf - _GRID).max(axis=-1)


def _ecdf_max(r: np.ndarray) -> float:
    return float(_ecdf_dev(r))


def _ecdf_band(n: int, key, alpha: float = 0.05, n_rep: int = 4000) -> float:
    """The 1 - alpha quantile of the largest |ECDF difference| of n uniform fractional ranks
    (simultaneous over the grid; alpha split over the quantities by the caller)."""
    u = np.asarray(jax.random.uniform(jax.random.fold_in(key, 2**31 - 1), (n_rep, n)))
    return float(np.quantile(_ecdf_dev(u), 1 - alpha))
