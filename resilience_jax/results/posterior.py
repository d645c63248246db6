"""The posterior's result: an ArviZ InferenceData, its summary and diagnostics, tidy rows.

ArviZ is pinned below 1.0: this project supports Python 3.11, where ArviZ 0.x (InferenceData) is
what pip resolves; ArviZ 1.x (Python >= 3.12) replaced InferenceData with xarray.DataTree.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import PosteriorWarning

with warnings.catch_warnings():  # ArviZ 0.2x announces its 1.0 refactor on import
    warnings.simplefilter("ignore", FutureWarning)
    import arviz as az

RHAT_MAX, ESS_MIN, BFMI_MIN = 1.01, 400, 0.3


def _blocks(a: np.ndarray, block: int) -> np.ndarray:
    """(chains, W * block, ...) -> (W, chains, block, ...)."""
    c, n = a.shape[:2]
    return np.moveaxis(a.reshape(c, n // block, block, *a.shape[2:]), 1, 0)


@dataclass
class PosteriorResult:
    """A posterior of the mediation or baseline model.

    Attributes
    ----------
    idata : arviz.InferenceData
        Groups ``posterior`` (chain, draw), ``sample_stats`` (NUTS), ``log_likelihood`` (per
        province) and ``observed_data``.
    headline : list of str
        The quantities the summary reports (``a``, ``b``, ``c``, ``c_prime``, ``ab``, ``share`` or
        the baseline's slopes by name, then the residual sds).
    config : dict
        The run's settings (model, index, effects, errors, engine, weights, prior, seed, ...).
    prior : list of str
        The prior, one line per distribution.
    weight_block : int
        Draws per chain and weight draw (the chain's length with fixed weights).
    design : Design or None
        The model's arrays and names (:mod:`resilience_jax.bayes.design`).
    fits : list
        The frequentist within fits of the equations (CRV1 by province), and for the mediation
        the total effect's, beside the posterior.
    """

    idata: object
    headline: list
    config: dict
    prior: list
    weight_block: int
    max_tree_depth: int = 10
    index_weights: np.ndarray | None = None
    notes: list = field(default_factory=list)
    design: object = None
    fits: list = field(default_factory=list)
    _summaries: dict = field(default_factory=dict, repr=False)

    def _values(self, name: str) -> np.ndarray:
        return np.asarray(self.idata.posterior[name].values)

    def draws(self, name: str) -> np.ndarray:
        """All draws of one quantity, pooled over chains (and weight draws)."""
        v = self._values(name)
        return v.reshape(-1, *v.shape[2:])

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Per headline quantity: mean, sd, median, MCSE of the mean, bulk and tail ESS,
        rank-normalised split R-hat (ArviZ), and the equal-tailed and HDI intervals of mass
        ``level`` (columns say which). With Bayesian-bootstrap weights the diagnostics are computed
        per weight draw (its chains) and combined: the largest R-hat, the ESS summed.

        Example
        -------
        >>> import resilience_jax as rj
        >>> post = rj.posterior(engine="conjugate", draws=500)
        >>> list(post.summary().columns)[:4]
        ['mean', 'sd', 'median', 'mcse_mean']
        """
        if level in self._summaries:  # the draws do not change: computed once per level
            return self._summaries[level].copy()
        pct = f"{100 * level:g}"
        rows = {}
        for name in self.headline:
            v = self._values(name)
            flat = v.reshape(-1)
            blocks = _blocks(v, self.weight_block)
            rhat = max(float(az.rhat(b)) for b in blocks) if v.shape[0] > 1 else np.nan
            ess_b = sum(float(az.ess(b, method="bulk")) for b in blocks)
            ess_t = sum(float(az.ess(b, method="tail")) for b in blocks)
            lo, hi = np.quantile(flat, [0.5 - level / 2, 0.5 + level / 2])
            h = az.hdi(flat, hdi_prob=level)
            rows[name] = {"mean": flat.mean(), "sd": flat.std(ddof=1), "median": np.median(flat),
                          "mcse_mean": flat.std(ddof=1) / np.sqrt(ess_b), "ess_bulk": ess_b, "ess_tail": ess_t,
                          "r_hat": rhat, f"eti{pct}_lower": lo, f"eti{pct}_upper": hi,
                          f"hdi{pct}_lower": h[0], f"hdi{pct}_upper": h[1]}
        self._summaries[level] = pd.DataFrame(rows).T.rename_axis("quantity")
        return self._summaries[level].copy()

    def diagnostics(self) -> dict:
        """Sampler diagnostics: divergences, the lowest E-BFMI over chains (and weight draws),
        the share of draws whose tree hit the maximum depth; NaN for the conjugate engine (exact
        i.i.d. draws).

        Example
        -------
        >>> import resilience_jax as rj
        >>> rj.posterior(engine="conjugate", draws=200).diagnostics()["divergences"]
        0
        """
        if "sample_stats" not in self.idata.groups():
            return {"divergences": 0, "min_bfmi": np.nan, "tree_depth_saturation": np.nan}
        ss = self.idata.sample_stats
        e = _blocks(np.asarray(ss["energy"].values), self.weight_block)  # (W, chains, block)
        bfmi = (np.diff(e, axis=2) ** 2).mean(axis=2) / e.var(axis=2)
        steps = np.asarray(ss["n_steps"].values)
        return {"divergences": int(np.asarray(ss["diverging"].values).sum()), "min_bfmi": float(bfmi.min()),
                "tree_depth_saturation": float((steps >= 2**self.max_tree_depth - 1).mean())}

    def problems(self, summary: pd.DataFrame | None = None) -> list[str]:
        """The diagnostics that fail a threshold, in words (empty: none).

        Example
        -------
        >>> import resilience_jax as rj
        >>> rj.posterior(engine="conjugate").problems()
        []
        """
        s = self.summary() if summary is None else summary
        d = self.diagnostics()
        out = []
        exact = self.config.get("engine") == "conjugate"  # i.i.d. draws by construction: R-hat is noise
        bad = [] if exact else s.index[s["r_hat"] >= RHAT_MAX].tolist()
        if bad:
            out.append(f"R-hat >= {RHAT_MAX} for {bad} (chains disagree: run longer or more chains)")
        low = s.index[(s["ess_bulk"] < ESS_MIN) | (s["ess_tail"] < ESS_MIN)].tolist()
        if low:
            out.append(f"effective sample size < {ESS_MIN} for {low} (increase draws)")
        if d["divergences"]:
            out.append(f"{d['divergences']} divergent transitions (raise target_accept, or reparametrise)")
        if d["min_bfmi"] < BFMI_MIN:
            out.append(f"E-BFMI {d['min_bfmi']:.2f} < {BFMI_MIN} in some chain (poor energy exploration)")
        if d["tree_depth_saturation"] > 0:
            out.append(f"{100 * d['tree_depth_saturation']:.1f}% of draws hit the maximum tree depth {self.max_tree_depth}")
        return out

    def probabilities(self) -> dict:
        """P(a*b > 0) and P(share outside [0, 1]) (suppression) for the mediation; {} otherwise.

        Example
        -------
        >>> import resilience_jax as rj
        >>> p = rj.posterior(engine="conjugate")
        >>> sorted(p.probabilities())
        ['P(ab > 0)', 'P(share outside [0, 1])']
        """
        if "ab" not in self.idata.posterior:
            return {}
        share = self.draws("share")
        return {"P(ab > 0)": float((self.draws("ab") > 0).mean()),
                "P(share outside [0, 1])": float(((share < 0) | (share > 1)).mean())}

    def weights_variance(self) -> pd.DataFrame:
        """How much of each headline quantity's posterior variance comes from the index weights:
        the law of total variance over the weight draws, ``Var = E_w[Var(.|w)] + Var_w(E[.|w])``
        (columns ``regression``, ``weights``, ``total`` and ``share_weights``); empty with fixed
        weights.

        Example
        -------
        >>> import resilience_jax as rj
        >>> p = rj.posterior(engine="conjugate", weights="bayesian_bootstrap", n_weight_draws=20, draws=200)
        >>> bool(0 <= p.weights_variance().loc["ab", "share_weights"] <= 1)
        True
        """
        if self.index_weights is None:
            return pd.DataFrame(columns=["regression", "weights", "total", "share_weights"])
        rows = {}
        for name in self.headline:
            b = _blocks(self._values(name), self.weight_block)
            b = b.reshape(b.shape[0], -1)  # (W, chains * block)
            within, between = b.var(axis=1).mean(), b.mean(axis=1).var()
            rows[name] = {"regression": within, "weights": between, "total": within + between,
                          "share_weights": between / (within + between)}
        return pd.DataFrame(rows).T.rename_axis("quantity")

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per headline quantity: ``estimate`` (posterior median), ``sd``, the
        equal-tailed ``lower``/``upper`` interval of mass ``level``, ``r_hat`` and ``ess_bulk``."""
        s = self.summary(level)
        pct = f"{100 * level:g}"
        return s[["median", "sd", f"eti{pct}_lower", f"eti{pct}_upper", "r_hat", "ess_bulk"]].set_axis(
            ["estimate", "sd", "lower", "upper", "r_hat", "ess_bulk"], axis=1)

    def check(self, strict: bool = False) -> list[str]:
        """Warn (:class:`~resilience_jax.errors.PosteriorWarning`) for each failed diagnostic and
        for a share that is likely outside [0, 1]; return the failed diagnostics."""
        probs = self.problems()
        for p in probs:
            warnings.warn(p, PosteriorWarning, stacklevel=2)
        pr = self.probabilities()
        if pr and pr["P(share outside [0, 1])"] > 0.05:
            warnings.warn(f"P(share outside [0, 1]) = {pr['P(share outside [0, 1])']:.3f}: the direct and indirect "
                          "effects may have opposite signs (suppression), where a share of the total effect is not "
                          "a proportion", PosteriorWarning, stacklevel=2)
        return probs

    def __str__(self) -> str:
        c = self.config
        head = (f"Posterior of the {c['model']} model ({c['index']}), effects {c['effects']}, errors {c['errors']}, "
                f"engine {c['engine']}, weights {c['weights']}, {c['chains']} chains x {c['draws']} draws, seed {c['seed']}")
        return "\n".join([head, self.summary().round(4).to_string(), "Prior:", *("  " + p for p in self.prior),
                          *(f"{k} = {v:.4f}" for k, v in self.probabilities().items()), *self.notes])


def to_inference_data(samples: dict, stats: dict | None, loglik: np.ndarray, observed: dict, coords: dict, dims: dict):
    """The ArviZ InferenceData of a run (posterior, sample_stats, log_likelihood, observed_data).

    Example
    -------
    >>> import numpy as np
    >>> idata = to_inference_data({"b": np.zeros((2, 5))}, None, np.zeros((2, 5, 3)), {"y": np.zeros(3)},
    ...                           {"province": list("abc")}, {"y": ["province"]})
    >>> sorted(idata.groups())
    ['log_likelihood', 'observed_data', 'posterior']
    """
    kw = dict(posterior=samples, log_likelihood={"loglik": loglik}, observed_data=observed, coords=coords,
              dims={**dims, "loglik": ["province"]})
    if stats is not None:
        kw["sample_stats"] = stats
    return az.from_dict(**kw)
