"""Bootstrap results: the mediation pipeline's replicates and the wild cluster bootstrap's test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..inference.intervals import bca_ci, bca_levels, check_tails, percentile_ci


@dataclass(frozen=True)
class BootstrapResult:
    """Replicates of the pipeline: ``draws`` (one row per replicate, columns by name: ``w_<indicator>``,
    ``a``, ``se_a``, ``b``, ``se_b``, ``c``, ``se_c``, ``c_prime``, ``se_c_prime``, ``ab``, ``share``,
    ``sobel_z``, ``beta_<index>``, ``mean_<index>``), the replicates' entity weights
    (``multiplicities``, so that any replicate can be re-run alone), the point estimate and the
    entity jackknife (for BCa)."""

    draws: pd.DataFrame
    multiplicities: np.ndarray
    estimate: pd.Series
    jackknife: pd.DataFrame
    scheme: str
    n_boot: int
    seed: int

    def ci(self, method: Literal["percentile", "bc", "bca"] = "percentile", level: float = 0.95,
           statistics: list[str] | None = None) -> pd.DataFrame:
        """Interval of the ``statistics`` (default: every column of ``draws``): ``percentile``,
        ``bc`` (bias-corrected) or ``bca`` (with the jackknife's acceleration); a DataFrame with
        ``lower`` and ``upper``.

        Raises
        ------
        EstimationError
            An unknown method or statistic, a level outside (0, 1), or too few replicates for the
            interval's tails (:func:`~resilience_jax.inference.intervals.check_tails`: 400 for 95%).

        Warns
        -----
        IntervalWarning
            A BC/BCa interval whose adjusted quantile lies beyond the draws (it ends at an extreme
            draw), naming the statistics and the replicates they would need.
        """
        if not 0 < level < 1:
            raise EstimationError(f"level must be in (0, 1), got {level}")
        names = list(self.draws.columns) if statistics is None else list(statistics)
        unknown = [n for n in names if n not in self.draws.columns]
        if unknown:
            raise EstimationError(f"unknown statistic(s) {unknown}; the draws have {list(self.draws.columns)}")
        D = self.draws[names].to_numpy()
        if method == "percentile":
            check_tails(len(D), level, method)
            lo, hi = percentile_ci(D, level)
        elif method in ("bc", "bca"):
            est = self.estimate[names].to_numpy()
            jack = self.jackknife[names].to_numpy() if method == "bca" else None
            check_tails(len(D), level, {"bc": "BC", "bca": "BCa"}[method], *bca_levels(D, est, jack, level), names)
            lo, hi = bca_ci(D, est, jack, level)
        else:
            raise EstimationError(f"method must be 'percentile', 'bc' or 'bca', got {method!r}")
        return pd.DataFrame({"lower": lo, "upper": hi}, index=pd.Index(names))

    def tidy(self, level: float = 0.95, statistics: list[str] | None = None) -> pd.DataFrame:
        """Per statistic (default: every column of ``draws``): estimate, bootstrap mean and SE,
        p-values (percentile inversion and normal), and the percentile, BC and BCa intervals
        (:meth:`ci`, whose errors it raises)."""
        from scipy.special import ndtr

        names = list(self.draws.columns) if statistics is None else list(statistics)
        D = self.draws[names]
        out = pd.DataFrame({"estimate": self.estimate[names], "boot_mean": D.mean(), "boot_se": D.std(ddof=1)})
        # two-sided p-value of "statistic = 0" from the bootstrap distribution (percentile inversion)
        share_pos = (D > 0).mean()
        out["p_value"] = np.minimum(1.0, 2 * np.minimum(share_pos, 1 - share_pos))
        out["p_normal"] = 2 * ndtr(-np.abs(out["estimate"] / out["boot_se"]))
        for m in ("percentile", "bc", "bca"):
            ci = self.ci(m, level, names)
            out[f"{m}_lower"], out[f"{m}_upper"] = ci["lower"], ci["upper"]
        out.index.name = "statistic"
        return out


@dataclass(frozen=True)
class WildResult:
    """Wild cluster bootstrap (WCR) test of H0: coefficient = 0, next to the CRV1 t(G-1) test."""

    sample: str
    outcome: str
    regressor: str
    n_clusters: int
    nobs: int
    coef: float
    se: float
    t: float
    p_crv1: float
    p_wild: float
    weights: str
    n_boot: int
    enumerated: bool
    t_boot: np.ndarray

    # the tie convention of p_wild: the draws that reproduce the sample (all signs +1, all -1) count
    ties = "|t*| >= |t| counts as at least as extreme (ties judged to a relative 1e-9)"

    @property
    def p_wild_text(self) -> str:
        """``p_wild`` for a table: ``"< 1/B"`` when no draw is as extreme (a p-value of 0 would claim
        more than B draws can show), else to four decimals."""
        if round(self.p_wild * self.n_boot) == 0:
            return f"< {1 / self.n_boot:.2g}"
        return f"{self.p_wild:.4f}"

    def tidy(self) -> pd.Series:
        """The test as one labelled row (``p_wild`` numeric, ``p_wild_text`` as a table shows it)."""
        return pd.Series({"outcome": self.outcome, "G": self.n_clusters, "N": self.nobs, "coef": self.coef,
                          "se_crv1": self.se, "t": self.t, "p_crv1_t(G-1)": self.p_crv1, "p_wild": self.p_wild,
                          "p_wild_text": self.p_wild_text, "weights": self.weights, "replicates": self.n_boot,
                          "enumerated": self.enumerated}, name=self.sample)
