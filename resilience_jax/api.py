"""Top-level estimation API in fixest/pyfixest syntax: validate, call the jitted core, wrap.

Every regression, a single :func:`feols` call or the paper's whole suite, goes through
:func:`fit_many`: one batched, jitted fit (``estimators.ols.fit_batch``) over regressions padded to a
common number of regressors and masked to their own rows, so a batch compiles once.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import jax
import numpy as np
import pandas as pd

from . import _checks
from .data.validate import Panel
from .design import codes_of, collinear_message, dof_k, expand_factors, numeric_column, parse_formula, parse_vcov
from .errors import DataError, EstimationError, FewClustersWarning
from .estimators.mediation import mediation_summary_batch, unpack_summary
from .estimators.ols import fit_batch
from .estimators.within import within
from .inference.vcov import DEFAULT_SSC, SSC, VCOV_CODES
from .results.regression import FeolsResult, MediationResult

FEW_CLUSTERS = 10


@dataclass(frozen=True)
class RegSpec:
    """One regression of a batch.

    ``regressors`` pairs a display name with the data column that holds it (they differ for derived
    columns such as a winsorised copy); ``mask`` selects rows (None: all).
    """

    outcome: str
    regressors: tuple[tuple[str, str], ...]
    fixed_effects: tuple[str, ...] = ()
    vcov: tuple[str, str | None] = ("iid", None)
    mask: np.ndarray | None = None
    outcome_label: str | None = None
    context: str | None = None  # where the regression comes from (a table, a subsample), for messages
    weights: str | None = None  # column of regression weights (analytic, as fixest's and Stata's aweights)
    drop_missing: bool = False  # rows with a missing or infinite value in a used column left out (fixest), else refused
    fixef_rm: str = "none"  # "singleton": fixed-effect groups of one row dropped, repeatedly (pyfixest's and reghdfe's default)

    @property
    def formula(self) -> str:
        fe = f" | {' + '.join(self.fixed_effects)}" if self.fixed_effects else ""
        return f"{self.outcome_label or self.outcome} ~ {' + '.join(n for n, _ in self.regressors)}{fe}"


def _frame(data) -> pd.DataFrame:
    if isinstance(data, Panel):
        return data.frame
    if isinstance(data, pd.DataFrame):
        return data
    raise DataError(f"data must be a pandas DataFrame or a resilience_jax Panel, got {type(data).__name__}")


def _check_clusters(G: int, cluster: str, where: str) -> None:
    if G < 2:
        raise EstimationError(f"{where}: CRV1 needs at least 2 clusters; {cluster!r} has {G}")
    if G < FEW_CLUSTERS:
        warnings.warn(
            f"{where}: only {G} clusters in {cluster!r}: CRV1 standard errors and t(G-1) p-values are unreliable "
            "with fewer than 10 clusters; prefer the wild cluster bootstrap",
            FewClustersWarning,
            stacklevel=4,
        )


class BatchDesign(NamedTuple):
    """The stacked arrays of a batch of regressions, ready for ``estimators.ols.fit_batch``."""

    y: np.ndarray
    X: np.ndarray
    mask: np.ndarray
    colmask: np.ndarray
    entity: np.ndarray
    time: np.ndarray
    cluster: np.ndarray
    use_entity: np.ndarray
    use_time: np.ndarray
    vcov_kind: np.ndarray
    df_k: np.ndarray
    weights: np.ndarray | None = None  # (R, n) regression weights (None: all 1)
    ssc: SSC = DEFAULT_SSC
    dropped: tuple = ()  # per regression: {"n_missing": rows left out for missing values, "n_singletons": ...}

    def fit(self):
        """The batch's fits (one jitted, vmapped call; see ``estimators.ols.fit_batch``)."""
        n = self.y.shape[1]
        w = np.ones_like(self.y) if self.weights is None else self.weights
        return fit_batch(self.y, self.X, self.mask, self.colmask, self.entity, self.time, self.cluster, self.use_entity,
                         self.use_time, self.vcov_kind, self.df_k, w, n_entities=n, n_periods=n, n_clusters_max=n,
                         two_way=bool((self.use_entity & self.use_time).any()), ssc=self.ssc)


def fit_many(data, specs: Sequence[RegSpec], *, ssc: SSC = DEFAULT_SSC) -> list[FeolsResult]:
    """Fit a batch of regressions on one DataFrame with one jitted, vmapped call.

    Parameters
    ----------
    data : pandas.DataFrame or Panel
        The data every regression of the batch reads its columns from.
    specs : sequence of RegSpec
        The regressions: outcome, (display name, column) regressors, fixed effects, vcov and an
        optional row mask each.
    ssc : SSC, optional
        Small-sample correction shared by the batch (default fixest's).

    Returns
    -------
    list of FeolsResult
        One result per spec, in order.

    Raises
    ------
    DataError
        As :func:`feols`: an unknown, non-numeric or missing value in a used variable, or data with
        no rows; the message names the regression concerned.
    EstimationError
        As :func:`feols`: more than two fixed effects, a singular design, fewer than two clusters,
        no residual degrees of freedom or a two-way demeaning that did not converge.

    Warns
    -----
    FewClustersWarning
        A CRV1 regression with fewer than 10 clusters.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.api import RegSpec, fit_many
    >>> panel = rj.load_panel()
    >>> east = (panel.frame["region"] == "East").to_numpy(dtype=float)
    >>> spec = RegSpec("Upgra", (("LnAI", "LnAI"), ("Finance", "Finance")), ("province",), ("HC1", None), east)
    >>> [(fit.formula, fit.nobs) for fit in fit_many(panel, [spec])]
    [('Upgra ~ LnAI + Finance | province', 154)]
    """
    design = batch_design(data, specs, ssc=ssc)
    fits = jax.tree_util.tree_map(np.asarray, design.fit())
    return [_wrap(s, design, fits, r) for r, s in enumerate(specs)]


def batch_design(data, specs: Sequence[RegSpec], *, ssc: SSC = DEFAULT_SSC) -> BatchDesign:
    """Validate a batch of regressions and stack their padded, masked arrays.

    Parameters
    ----------
    data : pandas.DataFrame or Panel
        The data every regression of the batch reads its columns from.
    specs : sequence of RegSpec
        The regressions; they are padded to the largest number of regressors.
    ssc : SSC, optional
        Small-sample correction used to count the degrees of freedom (default fixest's).

    Returns
    -------
    BatchDesign
        The stacked arrays (outcomes ``(R, n)``, regressors ``(R, n, kmax)``, masks, fixed-effect
        and cluster codes, vcov codes, degrees of freedom); ``.fit()`` fits them.

    Raises
    ------
    DataError
        Data that is not a DataFrame or Panel, has no rows, or lacks a used column; a non-numeric or
        missing value in a used variable, fixed effect or cluster variable.
    EstimationError
        More than two fixed effects, fewer than two clusters, or no residual degrees of freedom.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.api import RegSpec, batch_design
    >>> specs = [RegSpec("Upgra", (("LnAI", "LnAI"),)),
    ...          RegSpec("Upgra", (("LnAI", "LnAI"), ("Open", "Open")), ("province",), ("CRV1", "province"))]
    >>> design = batch_design(rj.load_panel(), specs)
    >>> design.X.shape, design.df_k.tolist()
    ((2, 420, 2), [2.0, 3.0])
    """
    df = _frame(data)
    n = len(df)
    if n == 0:
        raise DataError("the data has no rows")
    kmax = max(len(s.regressors) for s in specs)
    R = len(specs)
    Y, X, M, CM = np.zeros((R, n)), np.zeros((R, n, kmax)), np.zeros((R, n)), np.zeros((R, kmax))
    ENT, TIM, CL = (np.zeros((R, n), np.int32) for _ in range(3))
    UE, UT, VK, DK = np.zeros(R, bool), np.zeros(R, bool), np.zeros(R, np.int32), np.zeros(R)
    cache: dict[str, np.ndarray] = {}
    codes: dict[str, tuple[np.ndarray, int]] = {}

    def col(name: str, where: str, missing_ok: bool = False) -> np.ndarray:
        key = (name, missing_ok)
        if key not in cache:
            cache[key] = numeric_column(df, name, where, missing_ok=missing_ok)
        return cache[key]

    def code(name: str, where: str, what: str, missing_ok: bool = False) -> np.ndarray:
        if name not in df.columns:
            raise DataError(f"{where}: {what} {name!r} is not a column of the data")
        if name not in codes:
            if df[name].isna().any() and not missing_ok:
                raise DataError(f"{where}: {what} {name!r} has missing values")
            codes[name] = codes_of(df[name])  # missing values: code -1 (their rows are left out)
        return codes[name][0]

    W = np.ones((R, n)) if any(s.weights for s in specs) else None
    dropped = []

    for r, s in enumerate(specs):
        where = s.formula
        if len(s.fixed_effects) > 2:
            raise EstimationError(f"{where}: at most two fixed effects are supported")
        mask = np.ones(n) if s.mask is None else np.asarray(s.mask, dtype=np.float64)
        sel = mask > 0
        ok = s.drop_missing
        kind, cluster = s.vcov
        values = [col(s.outcome, where, ok), *(col(c, where, ok) for _, c in s.regressors)]
        fe = [code(f, where, "fixed effect", ok) for f in s.fixed_effects]
        cl = code(cluster, where, "cluster variable", ok) if kind == "CRV1" else None
        wv = None
        if s.weights is not None:
            wv = col(s.weights, where, ok)
            bad = np.isfinite(wv) & (wv < 0)
            if bad.any():
                raise DataError(f"{where}: weights {s.weights!r} are negative in row(s) "
                                f"{', '.join(map(str, df.index[bad][:10].tolist()))}; weights must be >= 0")
        missing = np.zeros(n, bool)
        if ok:  # rows with a missing or infinite value in any used column are left out, and counted
            for v in (*values, *([wv] if wv is not None else [])):
                missing |= ~np.isfinite(v)
            for c in (*fe, *([cl] if cl is not None else [])):
                missing |= c < 0
        n_missing = int((sel & missing).sum())
        sel &= ~missing
        if wv is not None:
            sel &= ~(wv == 0)  # zero weight: the row does not count (as fixest)
        n_single = 0
        if s.fixef_rm == "singleton" and fe:
            sel, n_single = _drop_singletons(sel, fe)
        elif s.fixef_rm not in ("none", "singleton"):
            raise EstimationError(f"{where}: fixef_rm must be 'none' or 'singleton', got {s.fixef_rm!r}")
        mask = np.where(sel, mask, 0.0)
        dropped.append({"n_missing": n_missing, "n_singletons": n_single})
        Y[r] = np.where(sel, values[0], 0.0)
        for j in range(len(s.regressors)):
            X[r, :, j] = np.where(sel, values[j + 1], 0.0)
        if W is not None:
            W[r] = np.where(sel, 1.0 if wv is None else wv, 1.0)
        CM[r, : len(s.regressors)] = 1.0
        M[r] = mask
        fe = [np.where(sel, c, 0).astype(np.int32) for c in fe]
        if fe:
            ENT[r], UE[r] = fe[0], True
        if len(fe) == 2:
            TIM[r], UT[r] = fe[1], True
        VK[r] = VCOV_CODES[kind]
        if kind == "CRV1":
            cl = np.where(sel, cl, 0).astype(np.int32)
            CL[r] = cl
            _check_clusters(len(np.unique(cl[sel])), cluster, f"{s.context}: {where}" if s.context else where)
        nobs = int(sel.sum())
        DK[r] = dof_k(len(s.regressors), fe, mask, cl, k_fixef=ssc.k_fixef)
        if nobs - DK[r] <= 0:
            raise EstimationError(f"{where}: {nobs} observations for {int(DK[r])} coefficients: no residual degrees of freedom")

    return BatchDesign(Y, X, M, CM, ENT, TIM, CL, UE, UT, VK, DK, W, ssc, tuple(dropped))


def _drop_singletons(sel: np.ndarray, fe: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """Leave out the rows whose level of some fixed effect has no other row, repeatedly (a removal
    can make new singletons), as fixest's ``fixef.rm = "singleton"`` and reghdfe; the count removed."""
    sel = sel.copy()
    start = int(sel.sum())
    while True:
        drop = np.zeros_like(sel)
        for c in fe:
            counts = np.bincount(c[sel], minlength=int(c.max()) + 1)
            drop |= sel & (counts[np.maximum(c, 0)] == 1)
        if not drop.any():
            return sel, start - int(sel.sum())
        sel &= ~drop


def _wrap(s: RegSpec, d: BatchDesign, fits, r: int) -> FeolsResult:
    """Regression ``r`` of a fitted batch as a FeolsResult; a singular design raises, naming columns."""
    names = tuple(nm for nm, _ in s.regressors)
    k = len(names)
    if fits.singular[r]:
        raw = d.X[r, :, :k]
        Xr = raw
        if s.fixed_effects:
            n = d.y.shape[1]
            Xr = np.asarray(within(raw, d.mask[r], d.entity[r], d.time[r], True, len(s.fixed_effects) == 2, n_entities=n,
                                   n_periods=n).values)
        sel = d.mask[r] > 0
        raise EstimationError(f"{s.formula}: " + collinear_message(Xr[sel], names, s.fixed_effects, raw[sel]))
    if not fits.converged[r]:
        raise EstimationError(f"{s.formula}: the two-way demeaning did not converge ({' and '.join(s.fixed_effects)}); "
                              "check for singletons or very unbalanced cells")
    kind, cluster = s.vcov
    # pooled OLS reports its intercept as a coefficient (pyfixest, statsmodels, Stata); with fixed
    # effects the constant (Stata's xtreg, fe one) is kept apart, for the tables
    first = 0 if not s.fixed_effects else 1
    names = ("Intercept", *names) if first == 0 else names
    return FeolsResult(
        formula=s.formula,
        names=names,
        coef=fits.coef[r, first : k + 1],
        se_=fits.se[r, first : k + 1],
        vcov_matrix=fits.vcov[r, first : k + 1, first : k + 1],
        df_t=float(fits.df_t[r]),
        nobs=int(fits.nobs[r]),
        n_clusters=int(fits.n_clusters[r]) if kind == "CRV1" else None,
        r2=float(fits.r2[r]),
        r2_within=float(fits.r2_within[r]),
        df_k=int(d.df_k[r]),
        vcov_type=kind,
        cluster=cluster,
        fixed_effects=s.fixed_effects,
        constant=float(fits.coef[r, 0]),
        constant_se=float(fits.se[r, 0]),
        extra={**d.dropped[r], "weights": s.weights, "fixef_rm": s.fixef_rm},
    )


def feols(fml: str, data, vcov="iid", *, ssc: SSC | None = None, weights: str | None = None,
          fixef_rm: str = "none") -> FeolsResult:
    """Linear regression with up to two absorbed fixed effects, in fixest/pyfixest syntax.

    Parameters
    ----------
    fml : str
        ``"y ~ x1 + x2"`` (pooled OLS with intercept), ``"y ~ x1 + x2 | province"`` (entity fixed
        effects) or ``"y ~ x1 | province + year"`` (two-way).
    data : pandas.DataFrame or :class:`~resilience_jax.data.Panel`
        The data holding every variable of the formula.
    vcov : str or dict
        ``"iid"``, ``"HC1"`` (alias ``"hetero"``) or ``{"CRV1": "cluster_variable"}``.
    ssc : SSC, optional
        Small-sample correction (:class:`~resilience_jax.inference.vcov.SSC`); default fixest's and
        Stata's ``vce(cluster)`` factors and t(G-1) for CRV1.
    weights : str, optional
        Column of regression weights (analytic weights, as fixest's ``weights`` and Stata's
        ``aweight``: weighted least squares, N the number of rows); rows with weight 0 are left out.
    fixef_rm : {"none", "singleton"}, optional
        ``"none"`` (fixest's default, Stata's ``xtreg``): every row is kept; ``"singleton"``
        (pyfixest's and reghdfe's default): rows alone in their level of a fixed effect are left
        out, repeatedly; their number is ``n_singletons``.

    Rows with a missing or infinite value in a variable, fixed effect, cluster or weight of the
    model are left out, as fixest does; their number is ``n_missing`` (printed in the summary).

    Returns
    -------
    FeolsResult
        ``params``, ``se``, ``pvalues`` (Series), ``tidy()``, ``summary()``, ``nobs``, ``n_clusters``,
        ``r2``, ``r2_within``, ``n_missing``, ``n_singletons``; with fixed effects also Stata's
        constant ``constant``.

    Raises
    ------
    EstimationError
        Bad formula, vcov or ``ssc``, singular or collinear design (the columns are named), fewer
        than two clusters, no residual degrees of freedom.
    DataError
        Data that is not a DataFrame or Panel; unknown, non-numeric or missing values in a used
        variable.

    Warns
    -----
    FewClustersWarning
        Fewer than 10 clusters.

    Example
    -------
    >>> import resilience_jax as rj
    >>> fit = rj.feols("Upgra ~ LnAI + Finance | province", rj.load_panel(), vcov={"CRV1": "province"})
    >>> fit.nobs, fit.n_clusters
    (420, 30)
    >>> round(float(fit.params["LnAI"]), 3)
    1.089
    """
    f = parse_formula(fml)
    df, pairs = expand_factors(_frame(data), f.regressors, fml)
    spec = RegSpec(f.outcome, pairs, f.fixed_effects, parse_vcov(vcov), weights=weights, drop_missing=True,
                   fixef_rm=fixef_rm)
    if ssc is not None and not isinstance(ssc, SSC):
        raise EstimationError(f"ssc must be a resilience_jax.inference.vcov.SSC, got {type(ssc).__name__}")
    return fit_many(df, [spec], ssc=ssc or DEFAULT_SSC)[0]


def mediation(
    data,
    outcome: str,
    regressor: str,
    mediator: str,
    controls: Sequence[str] = (),
    *,
    fixed_effects: Sequence[str] = (),
    vcov="iid",
    level: float = 0.95,
    n_mc: int = 20_000,
    seed: int = 0,
    mask: np.ndarray | None = None,
) -> MediationResult:
    """Three-step mediation (paper eqs. 2-3): total effect, a-path, b-path and direct effect.

    Runnable "as printed" (pooled OLS, ``fixed_effects=()``) or with ``fixed_effects=("province",)``.
    The three equations (total effect ``Y ~ X``, a-path ``M ~ X``, b-path ``Y ~ X + M``, each with
    the controls) are fitted in one batched call.

    Parameters
    ----------
    data : pandas.DataFrame or :class:`~resilience_jax.data.Panel`
        The data holding the outcome, regressor, mediator and controls.
    outcome : str
        The outcome ``Y`` (e.g. the resilience index).
    regressor : str
        The regressor ``X`` whose effect is decomposed.
    mediator : str
        The mediator ``M``.
    controls : sequence of str
        Control variables added to all three equations.
    fixed_effects : sequence of str
        At most two fixed effects absorbed in all three equations.
    vcov : str or dict
        ``"iid"``, ``"HC1"`` (alias ``"hetero"``) or ``{"CRV1": "cluster_variable"}``, as in :func:`feols`.
    level : float
        Confidence level of the Monte Carlo interval, in (0, 1).
    n_mc : int
        Number of Monte Carlo draws of ``a*b``.
    seed : int
        Seed of the Monte Carlo draws (``jax.random.key(seed)``).
    mask : numpy.ndarray, optional
        Row weights selecting the estimation sample (rows with a positive value are used; None: all).

    Returns
    -------
    MediationResult
        The three fits; ``a``, ``b``, ``c``, ``c'``, ``a*b``, share ``a*b/c``; Sobel, Aroian and Goodman
        z and p; the joint-significance p (``max(p_a, p_b)``); a Monte Carlo interval for ``a*b``
        (``n_mc`` draws from ``jax.random.key(seed)``).

    Raises
    ------
    EstimationError
        ``level`` outside (0, 1), a seed that is not an integer, a bad vcov, more than two fixed
        effects, a singular design, fewer than two clusters or no residual degrees of freedom.
    DataError
        As :func:`feols`, for any of the three equations.

    Warns
    -----
    FewClustersWarning
        CRV1 with fewer than 10 clusters.

    Example
    -------
    >>> import resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> reic = rj.entropy_weights(panel.indicator_matrix(), panel.spec.index.directions).index
    >>> med = rj.mediation(panel.frame.assign(REIC=reic), "REIC", "LnAI", "Upgra",
    ...                    fixed_effects=("province",), vcov={"CRV1": "province"})
    >>> round(med.effects.ab, 4), round(med.effects.share, 3)
    (0.0869, 0.471)
    >>> bool(med.mc_ci[0] < med.effects.ab < med.mc_ci[1])
    True
    """
    if not 0 < level < 1:
        raise EstimationError(f"level must be in (0, 1), got {level}")
    seed = _checks.seed(seed)
    v = parse_vcov(vcov)
    # one name may be given as a string (not split into its characters)
    controls = (controls,) if isinstance(controls, str) else tuple(controls)
    fes = (fixed_effects,) if isinstance(fixed_effects, str) else tuple(fixed_effects)
    roles = {"outcome": outcome, "regressor": regressor, "mediator": mediator}
    for name, value in roles.items():
        if not isinstance(value, str):
            raise EstimationError(f"mediation: the {name} must be one column name, got {value!r}")
    for (r1, v1), (r2, v2) in ((("outcome", outcome), ("mediator", mediator)), (("regressor", regressor), ("mediator", mediator)),
                               (("outcome", outcome), ("regressor", regressor))):
        if v1 == v2:
            raise EstimationError(f"mediation: the {r1} and the {r2} are the same variable {v1!r}; a mediation needs three "
                                  "different variables (X -> M -> Y)")
    clash = [c for c in controls if c in roles.values()]
    if clash:
        raise EstimationError(f"mediation: {clash[0]!r} is both a control and the "
                              f"{next(r for r, v in roles.items() if v == clash[0])}; drop it from the controls")
    ctl = tuple((c, c) for c in controls)
    specs = [
        RegSpec(outcome, ((regressor, regressor), *ctl), fes, v, mask),
        RegSpec(mediator, ((regressor, regressor), *ctl), fes, v, mask),
        RegSpec(outcome, ((regressor, regressor), (mediator, mediator), *ctl), fes, v, mask),
    ]
    total, a_path, b_path = fit_many(data, specs)
    return summarise_mediation(total, a_path, b_path, regressor, mediator, level=level, n_mc=n_mc, seed=seed)


def summarise_mediation(total, a_path, b_path, regressor, mediator, *, level=0.95, n_mc=20_000, seed=0) -> MediationResult:
    """Indirect effect, tests and Monte Carlo interval from three fitted equations.

    Parameters
    ----------
    total : FeolsResult
        The total-effect equation ``Y ~ X (+ controls)``.
    a_path : FeolsResult
        The a-path ``M ~ X (+ controls)``.
    b_path : FeolsResult
        The b-path ``Y ~ X + M (+ controls)``.
    regressor : str
        The name of ``X`` in the fits.
    mediator : str
        The name of ``M`` in the fits.
    level : float
        Confidence level of the Monte Carlo interval.
    n_mc : int
        Number of Monte Carlo draws of ``a*b``.
    seed : int
        Seed of the Monte Carlo draws (``jax.random.key(seed)``).

    Returns
    -------
    MediationResult
        As :func:`mediation`.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.api import summarise_mediation
    >>> panel = rj.load_panel()
    >>> reic = rj.entropy_weights(panel.indicator_matrix(), panel.spec.index.directions).index
    >>> med = rj.mediation(panel.frame.assign(REIC=reic), "REIC", "LnAI", "Upgra",
    ...                    fixed_effects=("province",), vcov={"CRV1": "province"})
    >>> again = summarise_mediation(med.total, med.a_path, med.b_path, "LnAI", "Upgra")
    >>> again.effects == med.effects, again.mc_ci == med.mc_ci
    (True, True)
    """
    return summarise_mediations([(total, a_path, b_path)], regressor, mediator, level=level, n_mc=n_mc, seed=seed)[0]


def summarise_mediations(triples, regressor, mediator, *, level=0.95, n_mc=20_000, seed=0) -> list[MediationResult]:
    """:func:`summarise_mediation` for many (total, a-path, b-path) triples in one compiled call.

    Parameters
    ----------
    triples : sequence of tuple of FeolsResult
        ``(total, a_path, b_path)`` fits, one triple per mediation.
    regressor, mediator, level, n_mc, seed
        As :func:`summarise_mediation` (one ``jax.random.key(seed)`` for the whole batch).

    Returns
    -------
    list of MediationResult
        One result per triple, in order.

    Example
    -------
    Two mediations in one call, the REIC and REICD readings of the same model:

    >>> import resilience_jax as rj
    >>> from resilience_jax.api import summarise_mediations
    >>> frame = rj.suite.compute_indices(rj.load_panel())[1]
    >>> df = rj.load_panel().frame.assign(**frame)
    >>> meds = [rj.mediation(df, y, "LnAI", "Upgra", fixed_effects=("province",)) for y in ("REIC", "REICD")]
    >>> res = summarise_mediations([(m.total, m.a_path, m.b_path) for m in meds], "LnAI", "Upgra")
    >>> [round(r.effects.ab, 12) == round(m.effects.ab, 12) for r, m in zip(res, meds)]
    [True, True]
    """
    cols = np.array([
        [a.params[regressor], a.se[regressor], b.params[mediator], b.se[mediator],
         t.params[regressor], t.se[regressor], b.params[regressor], b.se[regressor]]
        for t, a, b in triples
    ])
    packed = np.asarray(mediation_summary_batch(_checks.key(seed), *cols.T, level, n_draws=n_mc))
    out = []
    for (total, a_path, b_path), row in zip(triples, packed):
        eff, lo, hi = unpack_summary(row)
        out.append(MediationResult(
            total=total, a_path=a_path, b_path=b_path, regressor=regressor, mediator=mediator, effects=eff,
            p_a=float(a_path.pvalues[regressor]), p_b=float(b_path.pvalues[mediator]),
            mc_ci=(lo, hi), level=level, n_mc=n_mc,
        ))
    return out
