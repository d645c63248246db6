"""The sensitivity engine: the equations stage of the staged core evaluated for many indices
(weight vectors, constructions) and many regression models at once.

Two ways in, one equations stage:

- **A weight vector on a fixed normalisation** (:func:`weights_stage`). An arithmetic index
  ``y = Z w`` is linear in the normalised indicators ``Z``, so every coefficient of a regression
  of ``y`` is ``w`` times the coefficients of the same regression run on each column of ``Z``,
  and each cluster score is the same combination of the columns' scores: the CRV1 variance is a
  quadratic form ``w' Q w``. :func:`linear_targets` computes these forms once from per-entity
  moments of ``Z`` (:func:`basis_moments`); a vector then costs O(m^2), not a refit. This is
  what the weight-uncertainty study runs, 10^4-10^6 vectors a call.
- **An index given by its rows** (:func:`rows_stage`): any construction (another normalisation,
  a geometric mean, an indicator left out) gives an index as rows; each is demeaned with the
  model's fixed effects and its per-entity cross products formed in one batched product. This is
  what the multiverse and the Sobol design run.

Regression models (control set, one- or two-way fixed effects, a sample of entities, a
robustness variant) are stacked by :func:`model_stack` with common shapes, so every model of a
study runs in one compiled call:

- a control that a model leaves out keeps its column, set to zero, with an identity row and
  column in ``X'X``: its coefficient is 0 and the others are those of the model without it; K in
  the CRV1 small-sample factor is reduced by one for it;
- a sample of entities (a region) is a 0/1 mask of entities: the others are zero outside it, the
  clusters and observations are counted over it;
- a lagged regressor drops each entity's first period (a row mask); winsorising clips the
  regressor, the controls, the mediator and the index at their 1%/99% quantiles over the model's
  rows (the index inside the compiled call, per construction);
- two-way effects demean by entity then by period over the model's rows (exact on a balanced
  panel) and add ``T - 1`` to K (the period effects are not nested in the entity clusters, as
  fixest counts them).

Every model's baseline coefficient is the total effect of its mediation (the regressor's
coefficient in index ~ regressor + controls with the model's fixed effects), with its CRV1
standard error; the a-path, b-path, direct effect, a*b, the share and the Sobel z come from the
same call (:class:`~resilience_jax.estimators.equations.Equations`).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .. import _x64, status
from ..errors import EstimationError
from ..estimators.equations import Equations, equations_stage
from ..estimators.mediation import mediation_effects
from ..estimators.linalg import coefficients, equilibrate, inverse_rows, singular, solve_normal, sweep
from ..inference.vcov import DEFAULT_SSC, SSC, sandwich
from ..suite import lag_within, winsorize

WINSOR = (0.01, 0.99)


class ModelChoice(NamedTuple):
    """One regression model of a study: which controls, fixed effects, sample and variant."""

    controls: tuple[str, ...]  # the controls used (a subset of the study's, in their order)
    fixed_effects: str  # "entity" or "two_way"
    sample: str  # "all" or a region of the spec
    variant: str  # "none", "winsorize" or "lag_regressor"


class ModelStack(NamedTuple):
    """M regression models with common shapes (see the module doc); G entities, T periods, k
    others (regressor, every control of the study, mediator)."""

    O: jax.Array  # (M, G, T, k) the others, demeaned by the model's fixed effects, 0 outside its rows
    R: jax.Array  # (M, G, T) 1 on the model's rows
    g_oo: jax.Array  # (M, G, k, k) per-entity cross products of the others
    S_oo: jax.Array  # (M, k, k) their sum, identity on the left-out controls
    k_extra: jax.Array  # (M,) added to K: T - 1 for two-way effects, minus the left-out controls
    n_clusters: jax.Array  # (M,) entities in the sample
    nobs: jax.Array  # (M,) rows used
    two_way: jax.Array  # (M,) bool
    winsor: jax.Array  # (M,) bool: clip the index at its quantiles over the model's rows


def _demean_masked(D: np.ndarray, R: np.ndarray, two_way: bool) -> np.ndarray:
    """(G, T, ...) demeaned over the rows where R (G, T) is 1: entity means, then period means
    (exact when the rows form a balanced block); 0 outside."""
    Rx = R.reshape(R.shape + (1,) * (D.ndim - 2))
    ne = np.maximum(Rx.sum(axis=1, keepdims=True), 1)
    D = (D - (Rx * D).sum(axis=1, keepdims=True) / ne) * Rx
    if two_way:
        nt = np.maximum(Rx.sum(axis=0, keepdims=True), 1)
        D = (D - (Rx * D).sum(axis=0, keepdims=True) / nt) * Rx
    return D


def model_stack(panel, models: Sequence[ModelChoice], *, controls: Sequence[str] | None = None,
                regressor: str | None = None, mediator: str | None = None) -> ModelStack:
    """The arrays of M regression models on a balanced panel, stacked (see the module doc).

    Parameters
    ----------
    panel : Panel
        A validated, balanced panel sorted by entity then time.
    models : sequence of ModelChoice
        The models.
    controls : sequence of str, optional
        The study's controls, in order (default: the spec's mediation controls); every model's
        controls are a subset of them.
    regressor, mediator : str, optional
        Default: the spec's mediation regressor and mediator.

    Returns
    -------
    ModelStack
        The stacked arrays, in the active float dtype.

    Raises
    ------
    EstimationError
        A model's control that is not a study control, an unknown sample (region) or variant or
        fixed effects, a lag on a one-period panel, or a sample with fewer than 2 entities.

    Example
    -------
    >>> import resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> ctl = panel.spec.mediation.controls
    >>> st = model_stack(panel, [ModelChoice(ctl, "entity", "all", "none"), ModelChoice((), "two_way", "East", "lag_regressor")])
    >>> st.O.shape, st.n_clusters.tolist(), st.nobs.tolist(), st.k_extra.tolist()
    ((2, 30, 14, 7), [30.0, 11.0], [420.0, 143.0], [0.0, 7.0])
    """
    spec = panel.spec
    med = spec.mediation
    controls = tuple(med.controls if controls is None else controls)
    regressor = regressor or med.regressor
    mediator = mediator or med.mediator
    G, T = panel.shape
    entities = panel.entities
    region_of = spec.region_of()
    first = np.zeros((G, T), bool)
    first[:, 0] = True
    first = first.ravel()
    cols = [regressor, *controls, mediator]
    base = np.column_stack([panel.column(c) for c in cols])  # (n, k)
    out = {f: [] for f in ModelStack._fields}
    # the demeaned others with every control, once per (fixed effects, sample, variant): a control
    # set only zeroes columns, which commutes with the demeaning, the clipping and the lag
    full: dict = {}
    for mc in models:
        bad = [c for c in mc.controls if c not in controls]
        if bad:
            raise EstimationError(f"model controls {bad} are not among the study's controls {list(controls)}")
        key = (mc.fixed_effects, mc.sample, mc.variant)
        if key not in full:
            full[key] = _model_block(base, mc, spec, entities, region_of, first, G, T)
        O, R, g_oo, ent = full[key]
        used = np.array([True, *(c in mc.controls for c in controls), True])
        n_t = R.sum(axis=0)
        out["O"].append(O * used)
        out["R"].append(R)
        out["g_oo"].append(g_oo * np.outer(used, used))
        out["S_oo"].append((g_oo * np.outer(used, used)).sum(axis=0) + np.diag((~used).astype(float)))
        out["k_extra"].append((int((n_t > 0).sum()) - 1 if mc.fixed_effects == "two_way" else 0) - int((~used).sum()))
        out["n_clusters"].append(float(ent.sum()))
        out["nobs"].append(float(R.sum()))
        out["two_way"].append(mc.fixed_effects == "two_way")
        out["winsor"].append(mc.variant == "winsorize")
    dt = _x64.float_dtype()
    return ModelStack(**{f: jnp.asarray(np.stack(v), dtype=(bool if f in ("two_way", "winsor") else dt))
                         for f, v in out.items()})


def _largest(v: jax.Array, K: int) -> jax.Array:
    """The K largest values along the last axis, descending (ties kept): K rounds of max-and-remove
    for small K (several times faster than ``top_k`` on a CPU), ``top_k`` beyond."""
    if K > 16:
        return jax.lax.top_k(v, K)[0]
    pos = jnp.arange(v.shape[-1])
    out = []
    for _ in range(K):
        out.append(v.max(axis=-1))
        v = jnp.where(pos == jnp.argmax(v, axis=-1)[..., None], -jnp.inf, v)
    return jnp.stack(out, axis=-1)


def _quantile_pair(y: jax.Array, keep: jax.Array, q: tuple[float, float]) -> tuple[jax.Array, jax.Array]:
    """The ``q`` quantiles (NumPy's linear interpolation) of ``y`` (..., n) over the rows where
    ``keep`` (n,) is true, from the few order statistics each needs (not a sort)."""
    n = y.shape[-1]
    K = min(n, int(np.floor(min(q[0], 1 - q[1]) * (n - 1) + 1e-9)) + 2)
    n_r = keep.sum().astype(y.dtype)
    low = -_largest(jnp.where(keep, -y, -jnp.inf), K)  # (..., K) ascending: the smallest
    high = _largest(jnp.where(keep, y, -jnp.inf), K)  # (..., K) descending: the largest

    def at(h, stats, from_top):
        i = jnp.floor(h)
        t = h - i
        j = (n_r - 1 - i) if from_top else i  # position of order statistic i in stats
        j1 = j - 1 if from_top else j + 1
        a = jnp.take_along_axis(stats, jnp.broadcast_to(j.astype(jnp.int32), stats.shape[:-1] + (1,)), -1)[..., 0]
        b = jnp.take_along_axis(stats, jnp.broadcast_to(jnp.clip(j1, 0, K - 1).astype(jnp.int32), stats.shape[:-1] + (1,)), -1)[..., 0]
        return a + (b - a) * t

    return at(q[0] * (n_r - 1), low, False), at(q[1] * (n_r - 1), high, True)


def _model_block(base, mc: ModelChoice, spec, entities, region_of, first, G: int, T: int):
    """One (fixed effects, sample, variant)'s others with every control: demeaned over its rows
    (G, T, k), the row mask (G, T), the per-entity cross products (G, k, k) and the entity mask."""
    k = base.shape[1]
    if mc.fixed_effects not in ("entity", "two_way"):
        raise EstimationError(f"fixed_effects must be 'entity' or 'two_way', got {mc.fixed_effects!r}")
    if mc.sample == "all":
        ent = np.ones(G, bool)
    else:
        if mc.sample not in {r for r, _ in spec.regions}:
            raise EstimationError(f"unknown sample {mc.sample!r}; expected 'all' or one of "
                                  f"{[r for r, _ in spec.regions]}")
        ent = np.array([region_of.get(e) == mc.sample for e in entities])
    if ent.sum() < 2:
        raise EstimationError(f"sample {mc.sample!r} has {int(ent.sum())} entities; a cluster-robust fit needs 2 or more")
    R = np.repeat(ent[:, None], T, axis=1).astype(float)
    X = base.copy()
    if mc.variant == "lag_regressor":
        if T < 2:
            raise EstimationError("the lag_regressor variant needs at least two periods")
        X[:, 0] = lag_within(X[:, 0], first)
        R[:, 0] = 0.0
    elif mc.variant == "winsorize":
        mask = R.ravel()
        X = np.column_stack([winsorize(X[:, j], WINSOR, mask) for j in range(k)])
    elif mc.variant != "none":
        raise EstimationError(f"unknown variant {mc.variant!r}; expected 'none', 'winsorize' or 'lag_regressor'")
    O = _demean_masked(X.reshape(G, T, k), R, mc.fixed_effects == "two_way")
    return O, R, np.einsum("gtk,gtl->gkl", O, O), ent


def _index_moments(y: jax.Array, O, R, two_way, winsor) -> jax.Array:
    """Per-entity cross products (G, k, ...) of one model's others with indices given as rows
    ``y`` (G, T, ...), clipped at their quantiles over the model's rows (winsorised models).

    The others are demeaned by the model's fixed effects over its rows (a balanced block) and are
    0 outside them, so each entity's cross products with ``y`` equal those with ``y`` less its
    entity means; with two-way effects the period means (of the entity-demeaned ``y``) still
    have to go, since an entity's others need not sum to zero within a period."""
    if winsor is not None:
        G, T = y.shape[:2]
        rows = jnp.moveaxis(y.reshape((G * T,) + y.shape[2:]), 0, -1)  # (..., n)
        lo, hi = _quantile_pair(rows, R.reshape(-1) > 0, WINSOR)
        y = jnp.where(winsor, jnp.clip(y, lo, hi), y)
    Rx = R.reshape(R.shape + (1,) * (y.ndim - 2))
    ne = jnp.maximum(Rx.sum(axis=1, keepdims=True), 1.0)
    nt = jnp.maximum(Rx.sum(axis=0, keepdims=True), 1.0)
    period = (Rx * (y - (Rx * y).sum(axis=1, keepdims=True) / ne)).sum(axis=0, keepdims=True) / nt  # (1, T, ...)
    return jnp.einsum("gtk,gt...->gk...", O, y - jnp.where(two_way, period, 0.0))

def rows_stage(models: ModelStack, Y: jax.Array, *, ssc: SSC = DEFAULT_SSC) -> Equations:
    """The equations of every model for C indices given as rows: M x C fits in one call.

    Parameters
    ----------
    models : ModelStack
        M models (:func:`model_stack`).
    Y : jax.Array
        (n, C) the indices on the panel's rows (sorted by entity, then time).
    ssc : SSC, optional
        Small-sample correction of the CRV1 standard errors.

    Returns
    -------
    Equations
        Every field with leading axes (M, C) (``beta`` (M, 1, C)).

    Example
    -------
    >>> import numpy as np, resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> st = model_stack(panel, [ModelChoice(panel.spec.mediation.controls, "entity", "all", "none")])
    >>> from resilience_jax.suite import compute_indices
    >>> y = compute_indices(panel)[1]["REIC"]
    >>> eq = rows_stage_jit(st, np.column_stack([y, 2 * y]))
    >>> bool(np.isclose(eq.c[0, 1], 2 * eq.c[0, 0])), int(eq.status.max())
    (True, 0)
    """
    G, T = models.R.shape[1:]
    Yg = jnp.asarray(Y, models.O.dtype).reshape(G, T, -1)

    def one(O, R, g_oo, S_oo, k_extra, n_clusters, nobs, two_way, winsor):
        g_oy = _index_moments(Yg, O, R, two_way, winsor)  # (G, k, C)
        C = g_oy.shape[-1]
        S_oy = g_oy.sum(axis=0)[:, None, :]  # (k, 1, C)
        S = jnp.broadcast_to(S_oo[:, :, None], S_oo.shape + (C,))
        return equations_stage(S, S_oy, g_oo, g_oy, None, n_clusters, nobs, ssc=ssc, k_extra=k_extra)

    return jax.vmap(one)(*models)


rows_stage_jit = jax.jit(rows_stage, static_argnames=("ssc",))


class Targets(NamedTuple):
    """What a sensitivity study reports of each fit (batch axes as the Equations'); the p-value
    of beta (t with G - 1 degrees of freedom) is taken on the host."""

    beta: jax.Array  # the baseline coefficient: the total effect c of index ~ regressor + controls
    se_beta: jax.Array
    t_beta: jax.Array
    a: jax.Array
    b: jax.Array
    c: jax.Array
    c_prime: jax.Array
    ab: jax.Array
    share: jax.Array
    sobel_z: jax.Array
    status: jax.Array


def targets(eq: Equations) -> Targets:
    """The :class:`Targets` of an Equations record (a*b, the share and the Sobel z by
    :func:`~resilience_jax.estimators.mediation.mediation_effects`; a non-finite target that no
    flag explains is flagged ``NON_FINITE``).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> x = jnp.asarray
    >>> eq = Equations(c=x(0.3), se_c=x(0.1), a=x(0.4), se_a=x(0.1), c_prime=x(0.1), se_c_prime=x(0.1), b=x(0.5),
    ...                se_b=x(0.1), beta=x([0.3]), status=x(0))
    >>> t = targets(eq)
    >>> round(float(t.ab), 6), round(float(t.share), 4), round(float(t.t_beta), 6)
    (0.2, 0.6667, 3.0)
    """
    eff = mediation_effects(eq.a, eq.se_a, eq.b, eq.se_b, eq.c, eq.se_c, eq.c_prime, eq.se_c_prime)
    out = Targets(eq.c, eq.se_c, eq.c / eq.se_c, eq.a, eq.b, eq.c, eq.c_prime, eff.ab, eff.share, eff.tests.z,
                  eq.status.astype(jnp.int32))
    finite = jnp.isfinite(jnp.stack(out[:-1])).all(axis=0)
    return out._replace(status=out.status | jnp.where((out.status == 0) & ~finite, status.NON_FINITE, 0).astype(jnp.int32))


@partial(jax.jit, static_argnames=("ssc",))
def rows_targets(models: ModelStack, Y: jax.Array, *, ssc: SSC = DEFAULT_SSC) -> Targets:
    """:func:`targets` of :func:`rows_stage` (jitted): fields (M, C).

    Example
    -------
    >>> import numpy as np, resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> st = model_stack(panel, [ModelChoice(panel.spec.mediation.controls, "entity", "all", "none")])
    >>> rows_targets(st, np.random.default_rng(0).random((420, 2))).ab.shape
    (1, 2)
    """
    return targets(rows_stage(models, Y, ssc=ssc))


class BasisMoments(NamedTuple):
    """Per-entity cross products of one model's others with m basis columns (the normalised indicators)."""

    g_oz: jax.Array  # (G, k, m)
    g_oo: jax.Array  # (G, k, k)
    S_oo: jax.Array  # (k, k)
    k_extra: jax.Array
    n_clusters: jax.Array
    nobs: jax.Array


def basis_moments(models: ModelStack, Z, i: int = 0) -> BasisMoments:
    """The moments of model ``i`` with the columns of ``Z`` (n, m) as outcomes (no winsorising:
    a clipped index is not linear in the weights).

    Example
    -------
    >>> import numpy as np, resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> st = model_stack(panel, [ModelChoice(panel.spec.mediation.controls, "entity", "all", "none")])
    >>> basis_moments(st, np.ones((420, 15))).g_oz.shape
    (30, 7, 15)
    """
    if bool(models.winsor[i]):
        raise EstimationError("a winsorised model clips the index, which is then not linear in the weights; use the "
                              "multiverse or the Sobol study for it")
    G, T = models.R.shape[1:]
    Zg = jnp.asarray(Z, models.O.dtype).reshape(G, T, -1)
    g_oz = _index_moments(Zg, models.O[i], models.R[i], models.two_way[i], None)
    return BasisMoments(g_oz, models.g_oo[i], models.S_oo[i], models.k_extra[i], models.n_clusters[i], models.nobs[i])


class LinearTargets(NamedTuple):
    """Every target of an index ``Z w`` as a form in ``w`` (one model, m basis columns): the
    coefficients are linear, ``coef @ w``; each CRV1 variance is quadratic, ``factor * w' Q w``
    (the cluster scores of a linear combination of outcomes are that combination of their
    scores). The a-path does not involve the index."""

    coef: jax.Array  # (3, m) the total effect c, the direct effect c' and b of each basis column
    Q: jax.Array  # (3, m, m) sum_g t_g t_g' of the score projections of c, c', b
    factor: jax.Array  # (3,) their small-sample factors
    a: jax.Array  # the a-path and its SE
    se_a: jax.Array
    pivot: jax.Array  # the smaller pivot of the two systems (a singular design when tiny)


def linear_targets(mom: BasisMoments, *, ssc: SSC = DEFAULT_SSC) -> LinearTargets:
    """The forms of :class:`LinearTargets` from one model's moments with the basis columns.

    Parameters
    ----------
    mom : BasisMoments
        :func:`basis_moments` of the model and the normalised indicators.
    ssc : SSC, optional
        Small-sample correction of the CRV1 standard errors.

    Returns
    -------
    LinearTargets

    Example
    -------
    >>> import numpy as np, resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> st = model_stack(panel, [ModelChoice(panel.spec.mediation.controls, "entity", "all", "none")])
    >>> lt = linear_targets(basis_moments(st, np.random.default_rng(0).random((420, 15))))
    >>> lt.coef.shape, lt.Q.shape
    ((3, 15), (3, 15, 15))
    """
    G, k, m = mom.g_oz.shape
    k1 = k - 1
    S_oz = mom.g_oz.sum(axis=0)
    # first stage (regressor and controls): every basis column and the mediator (the a-path) as outcomes
    s1 = solve_normal(mom.S_oo[:k1, :k1], jnp.concatenate([S_oz[:k1], mom.S_oo[:k1, k1:]], axis=1))
    s2 = solve_normal(mom.S_oo, S_oz)  # with the mediator: c' and b
    u1, u2 = s1.inverse[0], s2.inverse[jnp.array([0, k1])]  # (k1,), (2, k)
    r1 = jnp.concatenate([mom.g_oz[:, :k1], mom.g_oo[:, :k1, k1:]], axis=2) - jnp.einsum("gkl,ln->gkn", mom.g_oo[:, :k1, :k1], s1.coef)
    r2 = mom.g_oz - jnp.einsum("gkl,lm->gkm", mom.g_oo, s2.coef)  # per-entity scores (G, k, m)
    t1 = jnp.einsum("k,gkn->gn", u1, r1)  # (G, m + 1)
    t2 = jnp.einsum("rk,gkm->rgm", u2, r2)  # (2, G, m)
    T = jnp.stack([t1[:, :m], t2[0], t2[1]])  # (3, G, m): c, c', b
    K = jnp.array([k1, k, k], S_oz.dtype) + 1.0 + mom.k_extra
    f = ssc.crv1_factor(mom.n_clusters, mom.nobs, K)
    coef = jnp.stack([s1.coef[0, :m], s2.coef[0], s2.coef[k1]])
    return LinearTargets(coef, jnp.einsum("egm,egl->eml", T, T), f, s1.coef[0, m],
                         jnp.sqrt(f[0] * (t1[:, m] ** 2).sum()), jnp.minimum(s1.pivot, s2.pivot))


linear_targets_jit = jax.jit(linear_targets, static_argnames=("ssc",))


def weights_stage(mom: BasisMoments | LinearTargets, W: jax.Array, *, ssc: SSC = DEFAULT_SSC) -> Equations:
    """The equations for V weight vectors of the arithmetic index ``Z w`` (batch axis last): the
    forms of :func:`linear_targets` evaluated at each vector, O(m^2) a vector, no refit.

    Parameters
    ----------
    mom : BasisMoments or LinearTargets
        One model's moments with the normalised indicators (or their forms, computed once).
    W : jax.Array
        (V, m) weight vectors.
    ssc : SSC, optional
        Small-sample correction of the CRV1 standard errors (with ``BasisMoments``).

    Returns
    -------
    Equations
        ``c``, ``a``, ``b``, ``c_prime`` and their SEs (V,), ``beta`` (1, V) (= ``c``), ``status`` (V,).

    Example
    -------
    >>> import numpy as np, resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> st = model_stack(panel, [ModelChoice(panel.spec.mediation.controls, "entity", "all", "none")])
    >>> Z = np.random.default_rng(0).random((420, 15))
    >>> eq = weights_stage(basis_moments(st, Z), np.full((2, 15), 1 / 15))
    >>> ref = rows_stage_jit(st, Z.mean(axis=1, keepdims=True))
    >>> eq.c.shape, bool(np.isclose(eq.c[0], ref.c[0, 0])), bool(np.isclose(eq.se_b[1], ref.se_b[0, 0]))
    ((2,), True, True)
    """
    lt = mom if isinstance(mom, LinearTargets) else linear_targets(mom, ssc=ssc)
    W = jnp.asarray(W, lt.coef.dtype)
    est = W @ lt.coef.T  # (V, 3)
    var = jnp.einsum("vm,eml,vl->ve", W, lt.Q, W) * lt.factor
    se = jnp.sqrt(var)
    V = W.shape[0]
    a = jnp.broadcast_to(lt.a, (V,))
    flag = jnp.where(singular(lt.pivot), status.SINGULAR, status.OK).astype(jnp.int32)
    return Equations(est[:, 0], se[:, 0], a, jnp.broadcast_to(lt.se_a, (V,)), est[:, 1], se[:, 1], est[:, 2], se[:, 2],
                     est[:, 0][None], jnp.broadcast_to(flag, (V,)))


def null_baseline(S_oo, g_oo, g_oy, cluster_weights, n_clusters, nobs, k_extra, *, ssc: SSC = DEFAULT_SSC):
    """The baseline coefficient and its CRV1 t statistic for C indices on entity-weighted data:
    what the multiverse's inference under the null refits in every resample.

    Parameters
    ----------
    S_oo : jax.Array
        (k, k) the model's summed cross products (its identity rows of left-out controls are kept).
    g_oo : jax.Array
        (G, k, k) per-entity cross products of the others.
    g_oy : jax.Array
        (G, k, C) per-entity cross products of the others with each index.
    cluster_weights : jax.Array
        (G,) entity multiplicities of the resample (0 outside the model's sample).
    n_clusters, nobs, k_extra : jax.Array
        The resample's clusters and rows, and the model's K adjustment.
    ssc : SSC, optional
        Small-sample correction.

    Returns
    -------
    beta, t, status : jax.Array
        (C,) the regressor's coefficient in index ~ regressor + controls, its CRV1 t statistic and
        a status flag (a singular design).

    Example
    -------
    >>> import numpy as np
    >>> g = np.stack([np.diag([1.0, 1.0, 0.0]) * (i + 1) for i in range(3)])
    >>> b, t, st = null_baseline(g.sum(0), g, np.ones((3, 3, 1)), np.ones(3), 3.0, 30.0, 0.0)
    >>> [round(float(v), 4) for v in b], int(st[0])
    ([0.5], 0)
    """
    k1 = g_oo.shape[1] - 1
    c = cluster_weights
    left_out = (S_oo - g_oo.sum(axis=0))[:k1, :k1]  # the identity of left-out controls
    S = jnp.tensordot(c, g_oo[:, :k1, :k1], axes=1) + left_out
    Sy = jnp.tensordot(c, g_oy[:, :k1], axes=1)  # (k1, C): every index an outcome of one sweep
    s1 = sweep(equilibrate(S, Sy), range(k1))
    b = coefficients(s1, k1)  # (k1, C)
    u = inverse_rows(s1, (0,), k1)[0]  # (k1,) the regressor's row of (X'X)^-1
    # the regressor's score projection u'X_g'u_g = u'X_g'y_g - (X_g'X_g u)'b, per entity and index
    t = jnp.einsum("k,gkc->gc", u, g_oy[:, :k1]) - jnp.einsum("gkl,l,kc->gc", g_oo[:, :k1, :k1], u, b)
    var = sandwich(jnp.ones((1, 1), t.dtype), t[:, None], ssc.crv1_factor(n_clusters, nobs, k1 + 1.0 + k_extra),
                   cluster_weights=c, diagonal=True)[0]
    flag = jnp.where(singular(s1.pivot), status.SINGULAR, status.OK).astype(jnp.int32)
    return b[0], b[0] / jnp.sqrt(var), jnp.broadcast_to(flag, b[0].shape)
