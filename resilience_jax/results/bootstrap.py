"""Bootstrap results: the mediation pipeline's replicates and the wild cluster bootstrap's test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import EstimationError
from ..inference.intervals import (
    bca_ci,
    bca_levels,
    bootstrap_t_ci,
    check_tails,
    jackknife_t_ci,
    percentile_ci,
)

METHODS = ("percentile", "bc", "bca", "jackknife_t", "bootstrap_t", "bootstrap_t_symmetric")
# statistics in units of the composite index (the outcome equation's and the baseline's): on the
# sample min-max scale they depend on the sample's ranges, so their intervals are approximate
INDEX_UNITS = ("b", "c", "c_prime", "ab")
MINMAX_NOTE = ("b, c, c', a*b and the baseline slope are in units of the index, which the sample min-max scale "
               "measures in each sample's own ranges: they change with the sample (smaller samples, larger values), "
               "so their intervals are approximate; the share a*b/c is free of the scale.")


LEVELS_NOTE = ("indicators in levels: in the validation study (benchmarks/interval_study.py) no interval method for "
               "a*b or c covered 0.93-0.97 across 8-60 entities with indicators in levels (on goalposts a*b never "
               "reached 0.93, and c only at 60 entities; they miss on one side: a few large entities carry the "
               "effect); the share's intervals did. Declare transform = 'log' in the index spec to build the index "
               "on logarithms.")


def scale_caveats(index_spec) -> list[str]:
    """The validation study's caveats that apply to an index spec's scale: the min-max note
    (effects in index units are approximate) and the levels note (no interval method for a*b
    or c covered across sample sizes with indicators in levels).

    Example
    -------
    >>> from resilience_jax.data import load_index
    >>> scale_caveats(load_index()) == [MINMAX_NOTE, LEVELS_NOTE]  # the paper's spec: min-max, levels
    True
    """
    out = [MINMAX_NOTE] if index_spec.normalisation == "minmax" else []
    if any(i.transform == "none" for i in index_spec.indicators):
        out.append(LEVELS_NOTE)
    return out


def default_method(name: str) -> str:
    """The interval method ``BootstrapResult.ci(method=None)`` gives statistic ``name``: the
    jackknife-t(G-1) for the effects, the share and the baseline slopes (t-type intervals covered
    their nominal level where percentile and BCa intervals did not, in the validation study of
    ``benchmarks/validation_coverage.py``; the share's jackknife-t covered 0.93-0.97 in every cell),
    the percentile interval for the rest (weights, means, standard errors, z).

    Example
    -------
    >>> default_method("share"), default_method("w_profit")
    ('jackknife_t', 'percentile')
    """
    return "jackknife_t" if name in ("a", *INDEX_UNITS, "share") or name.startswith("beta_") else "percentile"


def index_units(name: str) -> bool:
    """Whether statistic ``name`` is in the index's units (scale-dependent on the min-max scale).

    Example
    -------
    >>> index_units("ab"), index_units("share")
    (True, False)
    """
    return name in INDEX_UNITS or name.startswith("beta_")


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
    scale: str = "minmax"  # the index's normalisation ("minmax": the sample's own bounds)

    def se_draws(self, name: str) -> tuple[float, np.ndarray]:
        """The full-sample standard error of statistic ``name`` and its replicates' (``se_<name>``;
        for ``ab`` the Sobel SE ``|ab / sobel_z|``), for bootstrap-t.

        Raises
        ------
        EstimationError
            A statistic without a standard error in the record (the share, weights, means).
        """
        if f"se_{name}" in self.draws.columns:
            return float(self.estimate[f"se_{name}"]), self.draws[f"se_{name}"].to_numpy()
        if name == "ab":
            return (float(abs(self.estimate["ab"] / self.estimate["sobel_z"])),
                    np.abs(self.draws["ab"].to_numpy() / self.draws["sobel_z"].to_numpy()))
        raise EstimationError(f"bootstrap-t needs a standard error of {name!r} in every replicate, and the record has "
                              "none (it has se_a, se_b, se_c, se_c_prime and the Sobel SE of ab); use "
                              "method='jackknife_t' or 'percentile'")

    def ci(self, method: Literal["percentile", "bc", "bca", "jackknife_t", "bootstrap_t", "bootstrap_t_symmetric"] | None = None,
           level: float = 0.95, statistics: list[str] | None = None) -> pd.DataFrame:
        """Interval of the ``statistics`` (default: every column of ``draws``): ``percentile``,
        ``bc`` (bias-corrected), ``bca`` (with the jackknife's acceleration), ``jackknife_t``
        (estimate -/+ t(G-1) x the delete-one-cluster jackknife SE), ``bootstrap_t`` (studentised
        by each replicate's own SE) or ``bootstrap_t_symmetric``; ``None`` gives each statistic its
        default (:func:`default_method`). A DataFrame with ``lower``, ``upper``, the ``method`` of
        each row and ``approximate`` (True for statistics in the index's units on the sample
        min-max scale, :data:`MINMAX_NOTE`).

        Raises
        ------
        EstimationError
            An unknown method or statistic, a level outside (0, 1), too few replicates for the
            interval's tails (:func:`~resilience_jax.inference.intervals.check_tails`: 400 for 95%),
            bootstrap-t of a statistic without a standard error, or a non-finite studentised draw.

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
        if method is not None and method not in METHODS:
            raise EstimationError(f"method must be one of {METHODS} or None (each statistic's default), got {method!r}")
        methods = [default_method(n) if method is None else method for n in names]
        lo, hi = np.empty(len(names)), np.empty(len(names))
        for mth in dict.fromkeys(methods):
            cols = [n for n, m_ in zip(names, methods) if m_ == mth]
            where = [i for i, m_ in enumerate(methods) if m_ == mth]
            lo[where], hi[where] = self._interval(mth, level, cols)
        approx = [self.scale == "minmax" and index_units(n) for n in names]
        return pd.DataFrame({"lower": lo, "upper": hi, "method": methods, "approximate": approx}, index=pd.Index(names))

    def _interval(self, method: str, level: float, names: list[str]):
        D = self.draws[names].to_numpy()
        est = self.estimate[names].to_numpy()
        if method == "jackknife_t":
            return jackknife_t_ci(est, self.jackknife[names].to_numpy(), level)
        check_tails(len(D), level, method)
        if method == "percentile":
            return percentile_ci(D, level)
        if method in ("bc", "bca"):
            jack = self.jackknife[names].to_numpy() if method == "bca" else None
            check_tails(len(D), level, {"bc": "BC", "bca": "BCa"}[method], *bca_levels(D, est, jack, level), names)
            return bca_ci(D, est, jack, level)
        se, se_d = zip(*(self.se_draws(n) for n in names))
        se, se_d = np.asarray(se), np.column_stack(se_d)
        bad = [n for n, ok in zip(names, (np.isfinite(se_d) & (se_d > 0)).all(axis=0) & (se > 0)) if not ok]
        if bad:
            raise EstimationError(f"bootstrap-t of {bad}: a standard error is 0 or not finite in some replicate, so the "
                                  "studentised draws are undefined; use method='jackknife_t' or 'percentile'")
        return bootstrap_t_ci(D, se_d, est, se, level, symmetric=method == "bootstrap_t_symmetric")

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
    """Wild cluster bootstrap test (WCR or WCU) of H0: coefficient = 0 and its interval by test
    inversion, next to the CRV1 t(G-1) test (``p_crv1``)."""

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
    ci_lower: float = float("nan")  # the interval by inverting the test (the same draws, every null value)
    ci_upper: float = float("nan")
    level: float = 0.95
    bootstrap_type: str = "WCR"  # restricted (null imposed) or "WCU" (unrestricted)

    @property
    def pvalue(self) -> float:
        """The wild bootstrap's two-sided p-value (``p_wild``)."""
        return self.p_wild

    @property
    def ci(self) -> tuple[float, float]:
        """The ``level`` interval by test inversion, ``(ci_lower, ci_upper)``."""
        return (self.ci_lower, self.ci_upper)

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
                          "p_wild_text": self.p_wild_text, "ci_lower": self.ci_lower, "ci_upper": self.ci_upper,
                          "weights": self.weights, "replicates": self.n_boot, "enumerated": self.enumerated,
                          "bootstrap_type": self.bootstrap_type},
                         name=self.sample)
