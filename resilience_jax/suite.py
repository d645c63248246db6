"""The paper's suite from the specs: index -> derived variables -> one batched fit -> results.

``run_suite(panel)`` computes the entropy weights and the indices (REIC and one sub-index per
dimension), builds every regression of ``models/paper.toml`` (stepwise controls, regional
heterogeneity, robustness variants, both mediation variants), fits them all in one jitted, vmapped
call, and returns a :class:`~resilience_jax.results.SuiteResult` that ``report.paper_tables`` turns
into the paper's tables.

Robustness conventions (docs/method.md, section 3):
- ``winsorize``: the outcome, the regressor and the controls are each clipped at their pooled
  percentiles over the estimation sample (numpy's linear interpolation), the index being computed
  first from the raw indicators;
- ``lag = "outcome"``: the outcome is replaced by its one-year lag within province,
  ``lag = "regressor"``: the regressor by its lag (named ``L.<regressor>``); the first year of every
  province is lost (N = 390 on the 14-year panel, where the paper's table prints 420), and on an
  unbalanced panel every row whose previous period is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .api import RegSpec, fit_many, summarise_mediations
from .data.spec import RobustnessVariant
from .data.validate import Panel
from .errors import EstimationError
from .index.entropy import EntropyWeights, entropy_weights
from .results.suite import SuiteResult


def compute_indices(panel: Panel, *, shift: float = 0.0) -> tuple[EntropyWeights, dict[str, np.ndarray]]:
    """Entropy weights of the spec's indicators and the indices: overall symbol plus one per dimension.

    Parameters
    ----------
    panel : Panel
        A validated panel; its spec's index file names the indicators, directions, dimensions and
        panel mode.
    shift : float
        Translation added to the normalised values before the shares (see
        :func:`~resilience_jax.index.entropy.entropy_weights`).

    Returns
    -------
    weights : EntropyWeights
        The entropy weights and the normalised indicators.
    indices : dict of str to numpy.ndarray
        The (n,) index of each symbol: the overall index first, then one sub-index per dimension.

    Raises
    ------
    EstimationError
        A constant or non-finite indicator, or a bad ``shift``.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.suite import compute_indices
    >>> weights, indices = compute_indices(rj.load_panel())
    >>> list(indices), indices["REIC"].shape, round(float(weights.weights.sum()), 6)
    (['REIC', 'REICD', 'REICC'], (420,), 1.0)
    """
    idx = panel.spec.index
    X, bounds = panel.index_inputs()  # transformed and capped as the spec declares; fixed bounds or None
    res = entropy_weights(
        X,
        idx.directions,
        mode=idx.panel_mode,  # type: ignore[arg-type]
        shift=shift,
        time=panel.frame[panel.spec.time].to_numpy(),
        dimensions=[i.dimension for i in idx.indicators],
        names=idx.columns,
        bounds=bounds,
    )
    indices = {idx.symbol: np.asarray(res.index)}
    order = list(dict.fromkeys(i.dimension for i in idx.indicators))
    for d in idx.dimensions:
        indices[d.symbol] = np.asarray(res.sub_indices)[:, order.index(d.key)]
    return res, indices


def lag_within(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """One-period lag within entity on a panel sorted by entity then time; 0 on each entity's first
    period (``first``), which a regression must then mask out.

    Parameters
    ----------
    x : numpy.ndarray
        The (n,) values, sorted by entity then time.
    first : numpy.ndarray
        The (n,) booleans marking the rows without a previous period (each entity's first row, and
        on an unbalanced panel a row after a gap).

    Returns
    -------
    numpy.ndarray
        The lagged values, 0 where ``first``.

    Example
    -------
    >>> import numpy as np
    >>> from resilience_jax.suite import lag_within
    >>> x = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])
    >>> lag_within(x, np.array([True, False, False, True, False, False])).tolist()
    [0.0, 1.0, 2.0, 0.0, 10.0, 20.0]
    """
    out = np.empty_like(x)
    out[1:] = x[:-1]
    out[0] = 0.0
    return np.where(first, 0.0, out)


def winsorize(x: np.ndarray, limits: tuple[float, float] = (0.01, 0.99), mask: np.ndarray | None = None) -> np.ndarray:
    """Clip ``x`` at its ``limits`` quantiles (numpy's linear interpolation), computed over the rows
    where ``mask`` is positive (default: all rows).

    Parameters
    ----------
    x : numpy.ndarray
        The values to clip.
    limits : tuple of float
        The lower and upper quantiles, ``0 <= lower < upper <= 1``.
    mask : numpy.ndarray, optional
        Rows over which the quantiles are computed (positive: used); every row is clipped.

    Returns
    -------
    numpy.ndarray
        ``x`` clipped to the two quantiles (float).

    Raises
    ------
    EstimationError
        ``limits`` that are not two quantiles with ``0 <= lower < upper <= 1``.

    Example
    -------
    >>> import numpy as np
    >>> from resilience_jax.suite import winsorize
    >>> winsorize(np.arange(11.0), (0.1, 0.9)).tolist()
    [1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 9.0]
    """
    x = np.asarray(x, dtype=float)
    if not (len(limits) == 2 and 0 <= limits[0] < limits[1] <= 1):
        raise EstimationError(f"winsorize limits must be (lower, upper) quantiles with 0 <= lower < upper <= 1, got {limits}")
    lo, hi = np.quantile(x if mask is None else x[np.asarray(mask) > 0], limits)
    return np.clip(x, lo, hi)


class _Builder:
    """Collects RegSpecs and the derived columns they need on one DataFrame."""

    def __init__(self, panel: Panel, indices: dict[str, np.ndarray]):
        self.spec = panel.spec
        self.data = panel.frame.copy()
        for name, values in indices.items():
            self.data[name] = values
        # rows without a lag: an entity's first row, or a row whose previous period is missing (gaps)
        t = panel.period_ordinals()  # years, or the ordinals of quarters, months, ...: the previous period is t - 1
        same = np.r_[False, panel.entity_codes()[1:] == panel.entity_codes()[:-1]]
        self.first = ~(same & (np.r_[t[0] - 2, t[:-1]] == t - 1))
        self.keys: list[tuple[str, str, str]] = []
        self.specs: list[RegSpec] = []

    def derived(self, name: str, values: np.ndarray) -> str:
        self.data[name] = values
        return name

    def add(self, key, outcome, regressor, controls, fes, vcov, mask=None, outcome_label=None, reg_label=None, extra=(),
            context=None):
        regs = [(reg_label or regressor, regressor), *extra, *((c, c) for c in controls)]
        self.keys.append(key)
        self.specs.append(RegSpec(outcome, tuple(regs), tuple(fes), (vcov.kind, vcov.cluster), mask, outcome_label, context))

    def robustness(self, outcome: str, v: RobustnessVariant) -> None:
        b = self.spec.baseline
        regressor = v.regressor or b.regressor
        key = ("robustness", outcome, v.name)
        if v.lag is not None:
            mask = (~self.first).astype(float)
            if v.lag == "outcome":
                col = self.derived(f"L.{outcome}", lag_within(self.data[outcome].to_numpy(), self.first))
                self.add(key, col, regressor, b.controls, b.fixed_effects, b.vcov, mask, outcome_label=f"L.{outcome}")
            else:
                col = self.derived(f"L.{regressor}", lag_within(self.data[regressor].to_numpy(), self.first))
                self.add(key, outcome, col, b.controls, b.fixed_effects, b.vcov, mask)
        elif v.winsorize is not None:
            mask = np.ones(len(self.data))
            w = {c: self.derived(f"w.{c}", winsorize(self.data[c].to_numpy(dtype=float), v.winsorize, mask))
                 for c in (outcome, regressor, *b.controls)}
            regs = [(regressor, w[regressor]), *((c, w[c]) for c in b.controls)]
            self.keys.append(key)
            self.specs.append(RegSpec(w[outcome], tuple(regs), b.fixed_effects, (b.vcov.kind, b.vcov.cluster), None, outcome))
        else:
            if regressor not in self.data.columns:
                raise EstimationError(
                    f"robustness variant {v.name!r} needs the variable {regressor!r}, which the data does not have"
                )
            self.add(key, outcome, regressor, b.controls, b.fixed_effects, b.vcov)


def build_suite(panel: Panel, indices: dict[str, np.ndarray]) -> tuple[pd.DataFrame, list[tuple[str, str, str]], list[RegSpec]]:
    """Every regression of the spec as (keys, RegSpecs) over one DataFrame with the derived columns.

    Parameters
    ----------
    panel : Panel
        A validated panel; its spec lists the models.
    indices : dict of str to numpy.ndarray
        The indices by symbol, as returned by :func:`compute_indices`.

    Returns
    -------
    data : pandas.DataFrame
        The panel's frame with the indices and the derived columns (lags ``L.<name>``, winsorised
        copies ``w.<name>``).
    keys : list of tuple of str
        ``(table, outcome, column)`` of each regression (``table`` one of ``"stepwise"``,
        ``"heterogeneity"``, ``"robustness"``, ``"mediation"``).
    specs : list of RegSpec
        The regressions, in the order of ``keys``.

    Raises
    ------
    EstimationError
        Lag variants on a one-period panel, a heterogeneity group with no rows, or a robustness
        regressor the data does not have.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.suite import build_suite, compute_indices
    >>> panel = rj.load_panel()
    >>> data, keys, specs = build_suite(panel, compute_indices(panel)[1])
    >>> len(specs), keys[5], specs[5].formula
    (57, ('stepwise', 'REIC', '(6)'), 'REIC ~ LnAI + Incomegap + Finance + Open + LnRoad + LnPopulation | province')
    """
    spec = panel.spec
    bld = _Builder(panel, indices)
    lagged = [v.name for v in spec.robustness if v.lag is not None]
    if lagged and bld.first.all():
        raise EstimationError(
            f"robustness variant(s) {lagged} lag a variable, which needs at least two periods; the panel has one "
            f"({spec.time} {panel.periods[0]}). Remove the lag variants from the spec or use a longer panel."
        )
    b = spec.baseline
    for y in b.outcomes:
        for s in range(len(b.controls) + 1):
            bld.add(("stepwise", y, f"({s + 1})"), y, b.regressor, b.controls[:s], b.fixed_effects, b.vcov)
    region = bld.data[spec.region]
    for y in spec.heterogeneity.outcomes:
        for g in spec.heterogeneity.groups:
            mask = (region == g).to_numpy(dtype=float)
            if mask.sum() == 0:
                raise EstimationError(f"heterogeneity: no rows of region {g!r} in the data (column {spec.region!r})")
            bld.add(("heterogeneity", y, g), y, b.regressor, b.controls, b.fixed_effects, b.vcov, mask,
                    context=f"heterogeneity table, {spec.region} {g!r} subsample")
    for y in b.outcomes:
        for v in spec.robustness:
            bld.robustness(y, v)
    m = spec.mediation
    for y in m.outcomes:
        for v in m.variants:
            bld.add(("mediation", y, f"{v.name}:total"), y, m.regressor, m.controls, v.fixed_effects, v.vcov)
            bld.add(("mediation", y, f"{v.name}:a"), m.mediator, m.regressor, m.controls, v.fixed_effects, v.vcov)
            bld.add(("mediation", y, f"{v.name}:b"), y, m.regressor, m.controls, v.fixed_effects, v.vcov,
                    extra=((m.mediator, m.mediator),))
    return bld.data, bld.keys, bld.specs


def run_suite(panel: Panel, *, seed: int = 0, n_mc: int = 20_000) -> SuiteResult:
    """Compute the index and every model of the spec on ``panel`` (one batched fit).

    Parameters
    ----------
    panel : Panel
        A validated panel (:func:`~resilience_jax.data.validate.load_panel`); its spec lists the
        models.
    seed : int
        Seed of the mediations' Monte Carlo intervals.
    n_mc : int
        Number of Monte Carlo draws per mediation.

    Returns
    -------
    SuiteResult
        The entropy weights, the indices by symbol, the fits by ``(table, outcome, column)`` and the
        mediations by ``(outcome, variant)``.

    Raises
    ------
    EstimationError
        A constant indicator, a lag variant on a one-period panel, an empty heterogeneity group, a
        missing robustness regressor, or a regression that cannot be fitted (singular design, fewer
        than two clusters, no residual degrees of freedom).
    DataError
        A variable of a model with non-numeric or missing values.

    Warns
    -----
    FewClustersWarning
        A CRV1 regression with fewer than 10 clusters (on the embedded panel: the Central region's
        8 provinces).

    Example
    -------
    >>> import warnings
    >>> import resilience_jax as rj
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", rj.errors.FewClustersWarning)  # the 8 Central provinces
    ...     res = rj.run_suite(rj.load_panel())
    >>> len(res.fits), sorted(res.mediation)[:2]
    (57, [('REIC', 'as_printed'), ('REIC', 'province_fe')])
    >>> fit = res.fits[("stepwise", "REIC", "(6)")]
    >>> round(float(fit.params["LnAI"]), 4), fit.nobs, res.fits[("robustness", "REIC", "lag_outcome")].nobs
    (0.0921, 420, 390)
    """
    ent, indices = compute_indices(panel)
    data, keys, specs = build_suite(panel, indices)
    fits = dict(zip(keys, fit_many(data, specs)))
    m = panel.spec.mediation
    keys = [(y, v.name) for y in m.outcomes for v in m.variants]
    triples = [tuple(fits[("mediation", y, f"{v}:{step}")] for step in ("total", "a", "b")) for y, v in keys]
    med = dict(zip(keys, summarise_mediations(triples, m.regressor, m.mediator, n_mc=n_mc, seed=seed)))
    return SuiteResult(panel, ent, indices, fits, med)
