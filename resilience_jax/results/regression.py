"""Regression results: one fit (:class:`FeolsResult`) and a three-step mediation (:class:`MediationResult`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.special


def t_pvalues(tstat: np.ndarray, df: float) -> np.ndarray:
    """Two-sided p-values of a t(df) statistic: ``2 * P(T_df < -|t|)``.

    Parameters
    ----------
    tstat : numpy.ndarray
        t statistics (any shape).
    df : float
        Degrees of freedom of the t distribution (``N - K``, or ``G - 1`` under CRV1).

    Returns
    -------
    numpy.ndarray
        The p-values, of the shape of ``tstat``.

    Example
    -------
    >>> import numpy as np
    >>> t_pvalues(np.array([0.0, 2.0, -2.0]), 29).round(4).tolist()
    [1.0, 0.0549, 0.0549]
    """
    return 2.0 * scipy.special.stdtr(df, -np.abs(tstat))


def stars(p: float) -> str:
    """Significance stars of a p-value: * 10%, ** 5%, *** 1% (the paper's convention).

    Parameters
    ----------
    p : float
        The p-value.

    Returns
    -------
    str
        ``"***"`` if p < 0.01, ``"**"`` if p < 0.05, ``"*"`` if p < 0.10, else ``""``.

    Example
    -------
    >>> [stars(p) for p in (0.005, 0.03, 0.07, 0.2)]
    ['***', '**', '*', '']
    """
    return "***" if p < 0.01 else "**" if p < 0.05 else "*" if p < 0.10 else ""


@dataclass(frozen=True)
class FeolsResult:
    """One fitted regression.

    ``params``, ``se``, ``tstat``, ``pvalues`` are Series over the coefficients: without fixed
    effects ``Intercept`` first, then the regressors (as pyfixest, statsmodels and Stata report
    them); with fixed effects the regressors only, the constant being Stata's ``xtreg, fe``
    constant ``mean(y) - mean(X)'b`` in ``constant`` / ``constant_se``, for tables. (``constant``
    is set in both cases.) ``vcov_type`` is ``iid``, ``HC1`` or ``CRV1``.
    """

    formula: str
    names: tuple[str, ...]
    coef: np.ndarray
    se_: np.ndarray
    vcov_matrix: np.ndarray
    df_t: float
    nobs: int
    n_clusters: int | None
    r2: float
    r2_within: float
    df_k: int
    vcov_type: str
    cluster: str | None
    fixed_effects: tuple[str, ...]
    constant: float
    constant_se: float
    extra: dict = field(default_factory=dict)

    @property
    def params(self) -> pd.Series:
        return pd.Series(self.coef, index=list(self.names), name="coef")

    @property
    def n_missing(self) -> int:
        """Rows left out for a missing or infinite value in a used column (``feols``)."""
        return int(self.extra.get("n_missing", 0))

    @property
    def n_singletons(self) -> int:
        """Rows left out as fixed-effect singletons (``fixef_rm="singleton"``)."""
        return int(self.extra.get("n_singletons", 0))

    @property
    def se(self) -> pd.Series:
        return pd.Series(self.se_, index=list(self.names), name="se")

    @property
    def tstat(self) -> pd.Series:
        return pd.Series(self.coef / self.se_, index=list(self.names), name="t")

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(t_pvalues(self.coef / self.se_, self.df_t), index=list(self.names), name="p")

    @property
    def vcov(self) -> pd.DataFrame:
        return pd.DataFrame(self.vcov_matrix, index=list(self.names), columns=list(self.names))

    @property
    def adj_r2(self) -> float:
        return 1.0 - (1.0 - self.r2) * (self.nobs - 1) / (self.nobs - self.df_k)

    @property
    def constant_p(self) -> float:
        return float(t_pvalues(np.array([self.constant / self.constant_se]), self.df_t)[0])

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = scipy.special.stdtrit(self.df_t, 0.5 + level / 2)
        lo, hi = self.coef - q * self.se_, self.coef + q * self.se_
        pct = f"{100 * (1 - level) / 2:g}%", f"{100 * (1 + level) / 2:g}%"
        return pd.DataFrame({pct[0]: lo, pct[1]: hi}, index=list(self.names))

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        ci = self.conf_int(level)
        out = pd.DataFrame(
            {"estimate": self.params, "std_error": self.se, "t_value": self.tstat, "p_value": self.pvalues}
        )
        out[ci.columns] = ci
        out.index.name = "term"
        return out

    def summary(self) -> str:
        se_desc = {"iid": "iid", "HC1": "heteroskedasticity-robust (HC1)"}.get(
            self.vcov_type, f"clustered by {self.cluster} (CRV1, {self.n_clusters} clusters, t({self.n_clusters - 1 if self.n_clusters else ''}))"
        )
        fe = ", ".join(self.fixed_effects) if self.fixed_effects else "none"
        left = [f"{self.n_missing} with missing values"] if self.n_missing else []
        left += [f"{self.n_singletons} fixed-effect singletons"] if self.n_singletons else []
        wts = f"   weights: {self.extra['weights']}" if self.extra.get("weights") else ""
        lines = [
            f"{'WLS' if wts else 'OLS'}: {self.formula}",
            f"Fixed effects: {fe}   N = {self.nobs}{' (rows left out: ' + ', '.join(left) + ')' if left else ''}   "
            f"SE: {se_desc}{wts}",
            "",
            self.tidy().to_string(float_format=lambda v: f"{v:.6g}"),
            "",
            f"R2 = {self.r2:.4f}   within R2 = {self.r2_within:.4f}   adj. R2 = {self.adj_r2:.4f}",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<pre>{self.summary()}</pre>"


@dataclass(frozen=True)
class MediationResult:
    """Three-step mediation: fits, effects, tests and the Monte Carlo interval of ``a*b``."""

    total: FeolsResult
    a_path: FeolsResult
    b_path: FeolsResult
    regressor: str
    mediator: str
    effects: object  # MediationEffects of floats
    p_a: float
    p_b: float
    mc_ci: tuple[float, float]
    level: float
    n_mc: int

    @property
    def joint_p(self) -> float:
        """Joint-significance test: both paths significant; p = max(p_a, p_b)."""
        return max(self.p_a, self.p_b)

    def tidy(self) -> pd.DataFrame:
        e, t = self.effects, self.effects.tests
        rows = [
            ("c (total effect)", e.c, e.se_c, self.total.pvalues[self.regressor]),
            ("a (X -> M)", e.a, e.se_a, self.p_a),
            ("b (M -> Y | X)", e.b, e.se_b, self.p_b),
            ("c' (direct effect)", e.c_prime, e.se_c_prime, self.b_path.pvalues[self.regressor]),
            ("a*b (indirect effect)", e.ab, t.se, t.p),
            ("share a*b/c", e.share, np.nan, np.nan),
        ]
        out = pd.DataFrame(rows, columns=["effect", "estimate", "std_error", "p_value"]).set_index("effect")
        return out

    def tests(self) -> pd.DataFrame:
        t = self.effects.tests
        return pd.DataFrame(
            {
                "z": [t.z, t.aroian_z, t.goodman_z, np.nan],
                "p_value": [t.p, t.aroian_p, t.goodman_p, self.joint_p],
            },
            index=pd.Index(["Sobel", "Aroian", "Goodman", "joint significance"], name="test"),
        )

    def summary(self) -> str:
        lo, hi = self.mc_ci
        return "\n".join(
            [
                f"Mediation of {self.regressor} -> {self.total.formula.split(' ~ ')[0]} through {self.mediator}",
                f"Fixed effects: {', '.join(self.total.fixed_effects) or 'none'}   N = {self.total.nobs}   SE: {self.total.vcov_type}",
                "",
                self.tidy().to_string(float_format=lambda v: f"{v:.6g}"),
                "",
                self.tests().to_string(float_format=lambda v: f"{v:.6g}"),
                f"Monte Carlo {100 * self.level:g}% interval for a*b ({self.n_mc} draws): [{lo:.6g}, {hi:.6g}]",
            ]
        )

    def __str__(self) -> str:
        return self.summary()
