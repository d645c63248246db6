"""The paper's suite from the specs: index -> derived variables -> one batched fit -> results.

``run_suite(panel)`` computes the entropy weights and the indices (REIC and one sub-index per
dimension), builds every regression of ``models/paper.toml`` (stepwise controls, regional
heterogeneity, robustness variants, both mediation variants), fits them all in one jitted, vmapped
call, and returns a :class:`SuiteResult` that ``report.paper_tables`` turns into the paper's tables.

Robustness conventions (SPEC.md section 4):
- ``winsorize``: the outcome, the regressor and the controls are each clipped at their pooled
  percentiles over the estimation sample (numpy's linear interpolation), the index being computed
  first from the raw indicators;
- ``lag = "outcome"``: the outcome is replaced by its one-year lag within province,
  ``lag = "regressor"``: the regressor by its lag (named ``L.<regressor>``); the first year of every
  province is lost (N = 390 on the 14-year panel, where the paper's table prints 420).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .api import RegSpec, fit_many, summarise_mediations
from .data.spec import RobustnessVariant, StudySpec
from .data.validate import Panel
from .errors import EstimationError
from .estimators.mediation import MediationEffects, crv1_se, mediation_effects, solve_equations
from .estimators.ols import fit_batch_core
from .index.entropy import EntropyWeights, entropy_core, entropy_from_sums, entropy_weights, index_weights, log0
from .report.results import FeolsResult, MediationResult


@dataclass(frozen=True)
class SuiteResult:
    panel: Panel
    entropy: EntropyWeights
    indices: dict[str, np.ndarray]
    fits: dict[tuple[str, str, str], FeolsResult]
    mediation: dict[tuple[str, str], MediationResult]
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> StudySpec:
        return self.panel.spec


def compute_indices(panel: Panel, *, shift: float = 0.0) -> tuple[EntropyWeights, dict[str, np.ndarray]]:
    """Entropy weights of the spec's indicators and the indices: overall symbol plus one per dimension."""
    idx = panel.spec.index
    res = entropy_weights(
        panel.indicator_matrix(),
        idx.directions,
        mode=idx.panel_mode,  # type: ignore[arg-type]
        shift=shift,
        time=panel.frame[panel.spec.time].to_numpy(),
        dimensions=[i.dimension for i in idx.indicators],
        names=idx.columns,
    )
    indices = {idx.symbol: np.asarray(res.index)}
    order = list(dict.fromkeys(i.dimension for i in idx.indicators))
    for d in idx.dimensions:
        indices[d.symbol] = np.asarray(res.sub_indices)[:, order.index(d.key)]
    return res, indices


def lag_within(x: np.ndarray, first: np.ndarray) -> np.ndarray:
    """One-period lag within entity on a panel sorted by entity then time; 0 on each entity's first
    period (``first``), which a regression must then mask out."""
    out = np.empty_like(x)
    out[1:] = x[:-1]
    out[0] = 0.0
    return np.where(first, 0.0, out)


def winsorize(x: np.ndarray, limits: tuple[float, float] = (0.01, 0.99), mask: np.ndarray | None = None) -> np.ndarray:
    """Clip ``x`` at its ``limits`` quantiles (numpy's linear interpolation), computed over the rows
    where ``mask`` is positive (default: all rows)."""
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
        t = self.data[self.spec.time].to_numpy()
        self.first = t == t.min()
        self.keys: list[tuple[str, str, str]] = []
        self.specs: list[RegSpec] = []

    def derived(self, name: str, values: np.ndarray) -> str:
        self.data[name] = values
        return name

    def add(self, key, outcome, regressor, controls, fes, vcov, mask=None, outcome_label=None, reg_label=None, extra=()):
        regs = [(reg_label or regressor, regressor), *extra, *((c, c) for c in controls)]
        self.keys.append(key)
        self.specs.append(RegSpec(outcome, tuple(regs), tuple(fes), (vcov.kind, vcov.cluster), mask, outcome_label))

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
    """Every regression of the spec as (keys, RegSpecs) over one DataFrame with the derived columns."""
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
            bld.add(("heterogeneity", y, g), y, b.regressor, b.controls, b.fixed_effects, b.vcov, mask)
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
    """Compute the index and every model of the spec on ``panel`` (one batched fit)."""
    ent, indices = compute_indices(panel)
    data, keys, specs = build_suite(panel, indices)
    fits = dict(zip(keys, fit_many(data, specs)))
    m = panel.spec.mediation
    keys = [(y, v.name) for y in m.outcomes for v in m.variants]
    triples = [tuple(fits[("mediation", y, f"{v}:{step}")] for step in ("total", "a", "b")) for y, v in keys]
    med = dict(zip(keys, summarise_mediations(triples, m.regressor, m.mediator, n_mc=n_mc, seed=seed)))
    return SuiteResult(panel, ent, indices, fits, med)


@partial(jax.jit, static_argnames=("n_groups", "mode"))
def mediation_core(
    X_ind, directions, membership, obs_weights, time_codes, regressor, mediator, controls, entity, cluster,
    use_fe, vcov_kind, df_k, *, n_groups: int, mode: str = "pooled",
) -> tuple[EntropyWeights, MediationEffects]:
    """Entropy index plus the three mediation equations (outcome = the overall index) in one
    compiled call: the unit the bootstrap replicates. ``df_k`` holds the three equations' K."""
    ent = entropy_core(X_ind, directions, obs_weights, membership, time_codes, 0.0, mode=mode, n_periods=n_groups)
    y = ent.index
    n, kc = controls.shape
    X = jnp.concatenate([regressor[:, None], mediator[:, None], controls], axis=1)
    ones = jnp.ones(kc)
    colmask = jnp.stack([jnp.concatenate([jnp.array([1.0, 0.0]), ones]), jnp.concatenate([jnp.array([1.0, 0.0]), ones]),
                         jnp.concatenate([jnp.array([1.0, 1.0]), ones])])
    rep = lambda v: jnp.broadcast_to(v, (3, *jnp.shape(v)))  # noqa: E731
    fits = fit_batch_core(
        jnp.stack([y, mediator, y]), rep(X), rep(jnp.ones(n)), colmask, rep(entity), rep(jnp.zeros_like(entity)), rep(cluster),
        rep(use_fe), rep(False), rep(vcov_kind), df_k, n_entities=n_groups, n_periods=n_groups, n_clusters_max=n_groups,
        two_way=False,
    )
    eff = mediation_effects(fits.coef[1, 1], fits.se[1, 1], fits.coef[2, 2], fits.se[2, 2],
                            fits.coef[0, 1], fits.se[0, 1], fits.coef[2, 1], fits.se[2, 1])
    return ent, eff


class FastMediation(NamedTuple):
    """Arrays of :func:`mediation_fast`. Rows of ``coef``: total effect, a-path, b-path equations,
    then the baseline (total-effect) equation of each extra index; rows of ``se``: the three
    mediation equations; columns: regressor, mediator, controls (the mediator's entry is 0 except
    in the b-path)."""

    weights: jax.Array
    coef: jax.Array
    se: jax.Array
    index_mean: jax.Array  # (1 + extra,) mean of each index over the (weighted) rows

    def effects(self) -> MediationEffects:
        """a, b, c, c', a*b, share and the Sobel/Aroian/Goodman tests (jittable)."""
        c, s = self.coef, self.se
        return mediation_effects(c[1, 0], s[1, 0], c[2, 1], s[2, 1], c[0, 0], s[0, 0], c[2, 0], s[2, 0])


@partial(jax.jit, static_argnames=("n_entities", "fixed_effects"))
def mediation_fast(
    X_ind, directions, members, regressor, mediator, controls, entity_weights=None, *, n_entities: int,
    fixed_effects: bool = True,
) -> FastMediation:
    """The fast path of :func:`mediation_core`: a balanced panel sorted by entity, CRV1 by entity.
    Returns the entropy weights and the three equations' coefficients and standard errors
    (``.effects()`` gives the mediation effects and tests).

    The index, the regressor, the mediator and the controls are stacked into one (n, 3 + k) matrix
    D, demeaned within entity (or, ``fixed_effects=False``, the paper's pooled "as printed" reading,
    around the grand mean, which is OLS with an intercept); every equation's ``X'X`` and ``X'y`` are
    blocks of ``D'D``, the three systems are solved as one batch, and cluster scores are sums over
    each entity's T rows. ``members`` (m,) 0/1 selects the indicators of the index (all: REIC; one
    dimension: its sub-index, weights renormalised within it); a (1 + D, m) ``members`` adds the
    baseline equation (index on regressor and controls) of D more indices, as extra rows.

    ``entity_weights`` (G,) are frequency weights per entity: an entity with weight 2 counts as two
    entities, each with its own fixed effect and its own cluster (SPEC.md section 6), so a cluster
    bootstrap replicate is this function with the replicate's multiplicities, no rows gathered;
    weight 0 leaves an entity out (the province jackknife). Default: all ones.
    """
    n, m = X_ind.shape
    G, T = n_entities, n // n_entities
    weighted = entity_weights is not None  # static: the unweighted single fit compiles without weights
    c = jnp.asarray(entity_weights, X_ind.dtype) if weighted else jnp.ones(G, X_ind.dtype)
    r = jnp.repeat(c, T, total_repeat_length=n)[:, None] if weighted else 1.0  # row weights
    if weighted:
        lo = jnp.where(r > 0, X_ind, jnp.inf).min(axis=0)
        hi = jnp.where(r > 0, X_ind, -jnp.inf).max(axis=0)
    else:
        lo, hi = X_ind.min(axis=0), X_ind.max(axis=0)
    z = jnp.where(directions > 0, X_ind - lo, hi - X_ind) / (hi - lo)
    S = (r * z).sum(axis=0)
    # sum_i r_i p ln p with p = z / S equals (sum_i r_i z ln z) / S - ln S  (sum_i r_i = n_eff)
    n_eff = T * c.sum() if weighted else n
    e = entropy_from_sums(S, (r * z * log0(z)).sum(axis=0), n_eff)  # r * z shared with S
    W = index_weights(e, members)
    idx = z @ W.T  # (n, 1 + extra)
    D = jnp.concatenate([idx[:, :1], regressor[:, None], mediator[:, None], controls, idx[:, 1:]], axis=1)
    Dg = D.reshape(G, T, -1)
    if fixed_effects:
        Dg = Dg - Dg.mean(axis=1, keepdims=True)
    else:
        Dg = Dg - (c[:, None, None] * Dg).sum(axis=(0, 1), keepdims=True) / (T * c.sum())
    D = Dg.reshape(n, -1)
    DD = D.T @ (r * D) if weighted else D.T @ D
    k = 2 + controls.shape[1]
    b, bread, outcome, on = solve_equations(DD, k, W.shape[0] - 1)
    # standard errors of the three mediation equations only (the extra indices' baseline equations
    # contribute coefficients)
    resid = D[:, outcome[:3]] - D[:, 1 : k + 1] @ b[:3].T
    scores = (D[:, None, 1 : k + 1] * resid[:, :, None]).reshape(G, T, 3, k).sum(axis=1) * on[:3]
    means = (r * idx).sum(axis=0) / n_eff
    se = crv1_se(bread[:3], scores, c if weighted else None, on[:3], c.sum(), T * c.sum())
    return FastMediation(W[0], b, se, means)
