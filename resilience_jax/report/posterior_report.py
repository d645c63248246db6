"""Posterior reports: the side-by-side table with the posterior columns, and the figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from .bootstrap_report import EFFECTS


def posterior_columns(post, keys, level: float = 0.95) -> pd.DataFrame:
    """The posterior median and equal-tailed credible interval of ``keys`` (labelled as the
    side-by-side table labels them).

    Example
    -------
    >>> import resilience_jax as rj
    >>> cols = posterior_columns(rj.posterior(engine="conjugate", draws=300), ["a", "ab"])
    >>> list(cols.columns)
    ['posterior_median', 'credible_lower', 'credible_upper']
    """
    t = post.tidy(level)
    rows = {EFFECTS.get(k, k): {"posterior_median": t.loc[k, "estimate"], "credible_lower": t.loc[k, "lower"],
                                "credible_upper": t.loc[k, "upper"]} for k in keys}
    return pd.DataFrame(rows).T.rename_axis("effect")


def plot_rank(post):
    """Rank plots of the headline quantities (ArviZ): uniform bars per chain mean the chains agree.

    Example
    -------
    >>> import resilience_jax as rj
    >>> fig = plot_rank(rj.posterior(model="baseline", engine="conjugate", draws=200))
    >>> fig.axes[0].get_title()
    'LnAI'
    """
    import matplotlib.pyplot as plt

    from ..results.posterior import az

    names = post.headline
    fig, axes = plt.subplots(int(np.ceil(len(names) / 4)), min(4, len(names)), figsize=(13, 2.8 * np.ceil(len(names) / 4)),
                             squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        az.plot_rank(post.idata, var_names=[name], ax=ax)
        ax.set_title(name)
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"Rank plots by chain ({post.config['engine']}, {post.config['chains']} chains)")
    fig.tight_layout()
    return fig


def plot_indirect_posterior(post, boot=None, sobel: tuple[float, float] | None = None):
    """The posterior of a*b beside the bootstrap distribution and the Sobel normal, and the
    posterior of the share a*b/c.

    Example
    -------
    >>> import resilience_jax as rj
    >>> fig = plot_indirect_posterior(rj.posterior(engine="conjugate", draws=300), sobel=(0.064, 0.026))
    >>> [ax.get_title() for ax in fig.axes]
    ['Indirect effect a*b', 'Share a*b/c']
    """
    import matplotlib.pyplot as plt

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ab = post.draws("ab")
    lo, hi = np.quantile(ab, [0.001, 0.999])
    bins = np.linspace(lo, hi, 80)
    ax.hist(ab, bins=bins, density=True, alpha=0.5, label="posterior")
    if boot is not None:
        ax.hist(np.clip(boot.draws["ab"], lo, hi), bins=bins, density=True, alpha=0.4, label="bootstrap")
    if sobel is not None:
        x = np.linspace(lo, hi, 400)
        ax.plot(x, norm.pdf(x, *sobel), "k--", label="Sobel normal")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set(title="Indirect effect a*b", xlabel="a*b", ylabel="density")
    ax.legend()
    share = post.draws("share")
    q = np.quantile(share, [0.005, 0.995])
    ax2.hist(np.clip(share, *q), bins=80, density=True, alpha=0.6)
    for v in (0, 1):
        ax2.axvline(v, color="grey", lw=0.8)
    ax2.set(title="Share a*b/c", xlabel="a*b / c (0.5%-99.5% of draws)", ylabel="density")
    fig.tight_layout()
    return fig


def plot_weights_contribution(post):
    """The share of each headline quantity's posterior variance due to the index weights.

    Example
    -------
    >>> import resilience_jax as rj
    >>> post = rj.posterior(engine="conjugate", weights="bayesian_bootstrap", n_weight_draws=10, draws=100)
    >>> tuple(float(x) for x in plot_weights_contribution(post).axes[0].get_xlim())
    (0.0, 1.0)
    """
    import matplotlib.pyplot as plt

    wv = post.weights_variance()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(wv.index, wv["share_weights"].astype(float))
    ax.set(xlim=(0, 1), xlabel="share of posterior variance from the weights (law of total variance)",
           title=f"Index weights' contribution ({post.config['n_weight_draws']} Bayesian-bootstrap weight draws)")
    fig.tight_layout()
    return fig


def plot_sbc(result):
    """Rank histograms and ECDF-difference plots (with the simultaneous band) of an SBC run.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> from resilience_jax.bayes.sbc import sbc
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> fig = plot_sbc(sbc(0, d, rj.bayes.Prior(), n_sims=50, draws=49))
    >>> len(fig.axes)
    6
    """
    import matplotlib.pyplot as plt

    qs = list(result.ranks)
    fig, axes = plt.subplots(2, len(qs), figsize=(2.6 * len(qs), 5), squeeze=False)
    grid = np.linspace(0, 1, 101)[1:-1]
    for j, q in enumerate(qs):
        r = result.ranks[q]
        axes[0, j].hist(r, bins=result.bins, range=(0, 1))
        axes[0, j].axhline(result.n_sims / result.bins, color="k", lw=0.8)
        axes[0, j].set_title(q)
        axes[1, j].plot(grid, (r[:, None] <= grid).mean(axis=0) - grid)
        axes[1, j].fill_between(grid, -result.band, result.band, color="grey", alpha=0.3)
        axes[1, j].set_xlabel("fractional rank")
    axes[0, 0].set_ylabel("count")
    axes[1, 0].set_ylabel("ECDF - uniform")
    fig.suptitle(f"Simulation-based calibration: {result.n_sims} simulations")
    fig.tight_layout()
    return fig


def plot_prior_predictive(pp: dict):
    """The prior predictive check: each outcome's within-province sd in datasets simulated from
    the prior, and the observed one (:func:`resilience_jax.bayes.fit.prior_predictive`).

    Example
    -------
    >>> import numpy as np
    >>> fig = plot_prior_predictive({"REIC": (np.abs(np.random.default_rng(0).normal(size=200)), 0.5)})
    >>> fig.axes[0].get_title()
    'REIC'
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(pp), figsize=(5 * len(pp), 3.5), squeeze=False)
    for ax, (name, (sims, obs)) in zip(axes.ravel(), pp.items()):
        hi = np.quantile(sims, 0.99)
        ax.hist(np.clip(sims, 0, hi), bins=60, density=True, alpha=0.6, label="prior predictive")
        ax.axvline(obs, color="k", lw=1.5, label="observed")
        ax.set(title=name, xlabel="within-province sd of the outcome", ylabel="density")
        ax.legend()
    fig.suptitle("Prior predictive check")
    fig.tight_layout()
    return fig
