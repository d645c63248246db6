"""The result of a sensitivity study (:func:`resilience_jax.sensitivity`): tables by name, a
summary and a one-line verdict."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# the per-row targets, in the order of the tidy table
# (c = beta: the baseline is the mediation's total effect; df_beta: the t reference of p_beta)
TARGETS = ("beta", "se_beta", "p_beta", "a", "b", "c", "c_prime", "ab", "share", "sobel_z", "df_beta")


@dataclass
class SensitivityResult:
    """A sensitivity study's numbers.

    Attributes
    ----------
    study : str
        ``"weights"``, ``"multiverse"`` or ``"sobol"``.
    table : pandas.DataFrame
        One row per weight vector (in order), specification (the full factorial, the construction
        varying fastest) or design point, with the choices (or weights) and :data:`TARGETS`.
    base : dict
        The targets of the default construction and model (the paper's choices).
    ranks : pandas.DataFrame or None
        ``weights``: each entity's rank (1 = highest index averaged over the periods) under the
        default weights and its 5%, 50% and 95% quantiles over the weight vectors.
    leave_one_out : pandas.DataFrame or None
        ``weights``: each indicator left out in turn (``left_out``), its weight set to 0 and the
        others renormalised or the weighting re-run without it (``weights``), with the targets.
    anova : pandas.DataFrame or None
        ``multiverse``: the exact first and total indices of each choice on beta, ab, share, sobel_z.
    null : pandas.DataFrame or None
        ``multiverse``: the median effect and the share significant in the dominant sign in each
        resample under the null; ``attrs`` hold the observed values and their p-values.
    sobol : pandas.DataFrame or None
        ``sobol``: first and total indices with bootstrap intervals, per factor and target.
    convergence : pandas.DataFrame or None
        ``sobol``: the indices on the first N/8, N/4, N/2 and N base points.
    meta : dict
        Sizes, seed, timings, the space file.
    """

    study: str
    table: pd.DataFrame
    base: dict
    ranks: pd.DataFrame | None = None
    leave_one_out: pd.DataFrame | None = None
    anova: pd.DataFrame | None = None
    null: pd.DataFrame | None = None
    sobol: pd.DataFrame | None = None
    convergence: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """The per-row table (weights study: ``beta``, ``se_beta``, ``p_beta``, ``a``, ``b``, ``c``,
        ``c_prime``, ``ab``, ``share``, ``sobel_z``, then the weights ``w_<indicator>``).

        Example
        -------
        >>> import resilience_jax as rj
        >>> rj.sensitivity(n=16).tidy().shape[0]
        16
        """
        return self.table

    def summary(self) -> pd.DataFrame:
        """Per target: the default construction's value, the mean, the 5/50/95% quantiles over the
        rows, the share of rows with the default's sign, and (beta, sobel_z) the share significant
        at 5% (|z| > 1.96 for the Sobel z); per concentration for a grid of them.

        Example
        -------
        >>> import resilience_jax as rj
        >>> s = rj.sensitivity(n=64).summary()
        >>> list(s.index[:3]), "same_sign" in s.columns
        (['beta', 'ab', 'share'], True)
        """
        t = self._rows()
        if "concentration" in t.columns:  # a grid of Dirichlet concentrations: one summary each
            parts = {c: SensitivityResult(self.study, g.drop(columns="concentration"), self.base).summary()
                     for c, g in t.groupby("concentration", sort=True)}
            return pd.concat(parts, names=["concentration"])
        out = []
        for k in ("beta", "ab", "share", "sobel_z", "a", "b", "c_prime"):
            v = t[k].to_numpy()
            b = self.base[k]
            row = {"target": k, "default": b, "mean": v.mean(), "p5": np.percentile(v, 5), "median": np.median(v),
                   "p95": np.percentile(v, 95), "same_sign": float((np.sign(v) == np.sign(b)).mean())}
            if k == "beta":
                row["significant"] = float((t["p_beta"] < 0.05).mean())
            elif k == "sobel_z":
                row["significant"] = float((np.abs(v) > 1.96).mean())
            out.append(row)
        return pd.DataFrame(out).set_index("target")

    def _rows(self) -> pd.DataFrame:
        """The rows that sample the space (Sobol: the base points A and B, not the cross blocks)."""
        if self.study == "sobol":
            return self.table[self.table["block"].isin(["A", "B"])]
        return self.table

    def verdict_parts(self) -> dict:
        """The numbers of :meth:`verdict`: ``sign`` (">" or "<", that of the default a*b), ``kept``
        (share of the rows where a*b keeps that sign), ``significant`` (keeps it with
        |Sobel z| > 1.96), ``beta_kept`` (the baseline coefficient keeps its sign with p < 0.05) and,
        for the multiverse and Sobol studies, ``factor`` and ``first`` (the choice with the largest
        first-order share of the variance of the Sobel z, and that share); None where absent.

        Example
        -------
        >>> import resilience_jax as rj
        >>> sorted(rj.sensitivity(n=64).verdict_parts())
        ['beta_kept', 'factor', 'first', 'kept', 'sign', 'significant']
        """
        t = self._rows()
        ab, z = t["ab"].to_numpy(), t["sobel_z"].to_numpy()
        sign = ">" if self.base["ab"] >= 0 else "<"
        pos = (ab > 0) if sign == ">" else (ab < 0)
        out = {"sign": sign, "kept": float(pos.mean()), "significant": float((pos & (np.abs(z) > 1.96)).mean()),
               "beta_kept": float(((t["p_beta"] < 0.05) & (np.sign(t["beta"]) == np.sign(self.base["beta"]))).mean()),
               "factor": None, "first": None}
        tab = self.anova if self.study == "multiverse" else self.sobol
        if tab is not None:  # on the Sobel z: a*b itself is in index units, which differ between normalisations
            r = tab[tab["target"] == "sobel_z"].sort_values("first", ascending=False).iloc[0]
            out.update(factor=str(r["factor"]), first=float(r["first"]))
        return out

    def verdict(self) -> str:
        """One line: how often the indirect effect keeps its sign and significance, and (multiverse,
        Sobol) which choice explains most of the variance of its Sobel z (a scale-free statistic:
        a*b and beta are in units of the index, which differ between normalisations).

        Example
        -------
        >>> import resilience_jax as rj
        >>> rj.sensitivity(n=64).verdict().startswith("a*b > 0 in")
        True
        """
        v = self.verdict_parts()
        what = {"weights": "weight vectors", "multiverse": "specifications", "sobol": "sampled pipelines"}[self.study]
        line = (f"a*b {v['sign']} 0 in {v['kept']:.0%} of {what}, significant (|Sobel z| > 1.96) in "
                f"{v['significant']:.0%}; the baseline coefficient keeps its sign and p < 0.05 in {v['beta_kept']:.0%}")
        if v["factor"] is not None:
            kind = "exactly (ANOVA)" if self.study == "multiverse" else "as a first-order Sobol index"
            line += f"; the {v['factor'].replace('_', ' ')} explains {v['first']:.0%} of the variance of its Sobel z {kind}"
        return line + "."
