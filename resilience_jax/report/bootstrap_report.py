"""Bootstrap reports: the side-by-side interval table and the figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit

from .results import MediationResult

EFFECTS = {"a": "a (X -> M)", "b": "b (M -> Y | X)", "c": "c (total effect)", "c_prime": "c' (direct effect)",
           "ab": "a*b (indirect effect)", "share": "share a*b/c"}


def side_by_side(boot, med: MediationResult, paper: dict[str, float], level: float = 0.95) -> pd.DataFrame:
    """Per effect: the paper's printed value, this run's estimate, the analytic interval (CRV1 t(G-1)
    for a, b, c, c'; Sobel normal for a*b), the Monte Carlo interval of a*b, and the bootstrap SE and
    percentile, BC and BCa intervals."""
    tidy = boot.tidy(level)
    e = med.effects
    z = ndtri(0.5 + level / 2)
    rows = []
    fits = {"a": (med.a_path, med.regressor), "b": (med.b_path, med.mediator), "c": (med.total, med.regressor),
            "c_prime": (med.b_path, med.regressor)}
    for key, label in EFFECTS.items():
        est = {"a": e.a, "b": e.b, "c": e.c, "c_prime": e.c_prime, "ab": e.ab, "share": e.share}[key]
        lo = hi = mc_lo = mc_hi = np.nan
        if key in fits:
            fit, term = fits[key]
            q = stdtrit(fit.df_t, 0.5 + level / 2)
            lo, hi = est - q * fit.se[term], est + q * fit.se[term]
        elif key == "ab":
            lo, hi = est - z * e.tests.se, est + z * e.tests.se
            mc_lo, mc_hi = med.mc_ci
        t = tidy.loc[key]
        rows.append({
            "effect": label, "paper": paper.get(key, np.nan), "estimate": est,
            "analytic_lower": lo, "analytic_upper": hi, "mc_lower": mc_lo, "mc_upper": mc_hi,
            "boot_se": t["boot_se"], "percentile_lower": t["percentile_lower"], "percentile_upper": t["percentile_upper"],
            "bc_lower": t["bc_lower"], "bc_upper": t["bc_upper"], "bca_lower": t["bca_lower"], "bca_upper": t["bca_upper"],
        })
    return pd.DataFrame(rows).set_index("effect")


def plot_indirect(boot, med: MediationResult, path: str | Path) -> Path:
    """Histogram of the bootstrap a*b with the Sobel normal approximation overlaid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ab = boot.draws["ab"].to_numpy()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    ax.hist(ab, bins=80, density=True, color="#4C72B0", alpha=0.7, label=f"bootstrap ({boot.scheme}, {boot.n_boot} replicates)")
    grid = np.linspace(np.quantile(ab, 0.001), np.quantile(ab, 0.999), 400)
    e = med.effects
    ax.plot(grid, np.exp(-0.5 * ((grid - e.ab) / e.tests.se) ** 2) / (e.tests.se * np.sqrt(2 * np.pi)), color="#C44E52",
            lw=2, label=f"Sobel normal approximation (z = {e.tests.z:.2f})")
    ax.axvline(e.ab, color="black", lw=1, ls="--", label=f"estimate {e.ab:.4f}")
    lo, hi = boot.ci("bca")["lower"]["ab"], boot.ci("bca")["upper"]["ab"]
    ax.axvspan(lo, hi, color="grey", alpha=0.15, label="95% BCa interval")
    ax.set_xlabel("indirect effect a*b")
    ax.set_ylabel("density")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path


def plot_weights(boot, labels: list[str], path: str | Path) -> Path:
    """The indicator weights with their 95% percentile bootstrap intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [c for c in boot.draws.columns if c.startswith("w_")]
    est = boot.estimate[cols].to_numpy()
    ci = boot.ci("percentile").loc[cols]
    order = np.argsort(est)
    fig, ax = plt.subplots(figsize=(6.4, 5.0))
    y = np.arange(len(cols))
    ax.errorbar(est[order], y, xerr=[est[order] - ci["lower"].to_numpy()[order], ci["upper"].to_numpy()[order] - est[order]],
                fmt="o", color="#4C72B0", ecolor="#8DA0CB", capsize=3)
    ax.set_yticks(y, [labels[i] for i in order], fontsize=8)
    ax.set_xlabel("entropy weight (95% percentile bootstrap interval)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
