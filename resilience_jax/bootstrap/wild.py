"""Wild cluster bootstrap, restricted (WCR) or unrestricted (WCU), for one coefficient: pure,
vectorised over replicates, run by the shared chunk driver.

Model ``y = X b + e`` (already within-transformed when there are fixed effects nested in the
clusters), H0: ``b_j = 0``, CRV1 t statistic. The restricted fit (column j dropped) gives fitted
values ``y_r`` and residuals ``u_r``; replicate v (one weight per cluster) is
``y* = y_r + v_g(i) u_r``. Everything is linear in v, so with per-cluster ``A_g = X_g' y_r``,
``C_g = X_g' u_r`` and ``M_g = X_g' X_g``:

    b*(v) = (X'X)^-1 (X' y_r + sum_g v_g C_g),    s*_g(v) = A_g + v_g C_g - M_g b*(v),

and ``se*_j^2 = f sum_g ((X'X)^-1 s*_g)_j^2`` with the CRV1 factor f (the package's one sandwich);
no replicate refits. The unrestricted variant (WCU) perturbs the full fit's residuals instead and
centres the bootstrap t statistics on the estimate. Fixed effects nested in the clusters are
projected out first (the projection commutes with cluster-constant weights); others enter ``X`` as
dummies (a projection would mix the clusters' weights), so every replicate equals a refit. The two-sided p-value is the share of ``|t*| >= |t|`` (:func:`wild_pvalue`): as
in a randomization test the draws that reproduce the sample (all signs +1, and all -1, which gives
``-t``) count, and ties are judged to a relative tolerance so that rounding cannot flip them.
Weights: Rademacher (+-1), Webb's six points (+-sqrt(1/2), +-1, +-sqrt(3/2)) or Mammen's two
points, drawn replicate by replicate from ``fold_in(key, b)``; with Rademacher and G <= 12 every one of the 2^G sign vectors is
enumerated (replicate b's signs are the bits of b), which makes the p-value exact.
"""

from __future__ import annotations

import warnings
from functools import partial
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _checks, _x64
from .._backend import capped, tuned
from ..errors import EstimationError
from ..estimators.linalg import solve_normal
from ..inference.resample import replicate_key
from ..inference.vcov import DEFAULT_SSC, SSC, cluster_scores, sandwich
from ..results.bootstrap import WildResult
from .driver import make_driver, run

WildWeights = Literal["rademacher", "webb", "mammen"]
WEIGHTS = ("rademacher", "webb", "mammen")
BOOTSTRAP_TYPES = ("WCR", "WCU")
ENUMERATE_MAX_G = 12
WILD_CHUNK = (1024, 8192)  # replicates per compiled chunk, (CPU, accelerator) (:func:`~resilience_jax._backend.tuned`)
TIE_RTOL = 1e-9
MIN_DRAWS = 99  # random-weight draws below which a p-value cannot resolve the 5% and 1% levels
TIES = "|t*| >= |t| counts as at least as extreme (ties judged to a relative 1e-9)"
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_SQ5 = np.sqrt(5.0)
_MAMMEN = (-(_SQ5 - 1) / 2, (_SQ5 + 1) / 2, (_SQ5 + 1) / (2 * _SQ5))  # values and P(first value): mean 0, variance 1


class WildStats(NamedTuple):
    t: jax.Array  # observed CRV1 t statistic of coefficient j
    t_boot: jax.Array  # (B,) bootstrap t statistics under the null
    coef: jax.Array
    se: jax.Array


def sign_vectors(b: jax.Array, n_clusters: int) -> jax.Array:
    """(B, G) the Rademacher sign vectors of enumeration indices ``b`` (B,): cluster g's sign is
    ``-1`` where bit g of b is set (index 0: all +1).

    Parameters
    ----------
    b : jax.Array
        (B,) uint32 enumeration indices, ``0 <= b < 2**n_clusters``.
    n_clusters : int
        Number of clusters G.

    Returns
    -------
    jax.Array
        (B, G) signs +1.0 / -1.0 in the core's float dtype.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> sign_vectors(jnp.array([0, 5], jnp.uint32), 3).tolist()
    [[1.0, 1.0, 1.0], [-1.0, 1.0, -1.0]]
    """
    bits = (b[:, None] >> jnp.arange(n_clusters, dtype=jnp.uint32)[None]) & 1
    return 1.0 - 2.0 * bits.astype(_x64.float_dtype())


def wild_weights(key: jax.Array, b: jax.Array, n_clusters: int, kind: WildWeights) -> jax.Array:
    """(B, G) random cluster weights of replicates ``b`` (B,), each from ``replicate_key(key, b)``.

    Parameters
    ----------
    key : jax.Array
        A ``jax.random.key``.
    b : jax.Array
        (B,) uint32 replicate indices; replicate b's weights depend only on ``key`` and b.
    n_clusters : int
        Number of clusters G.
    kind : {"rademacher", "webb", "mammen"}
        Rademacher (+-1 with probability 1/2), Webb's six points (+-sqrt(1/2), +-1,
        +-sqrt(3/2), each with probability 1/6) or Mammen's two points (-(sqrt(5)-1)/2 with
        probability (sqrt(5)+1)/(2 sqrt(5)), else (sqrt(5)+1)/2).

    Returns
    -------
    jax.Array
        (B, G) weights in the core's float dtype.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> import numpy as np
    >>> draw = jax.jit(wild_weights, static_argnums=(2, 3))
    >>> V = draw(jax.random.key(0), jnp.arange(50, dtype=jnp.uint32), 5, "webb")
    >>> V.shape, np.unique(np.abs(np.asarray(V)).round(4)).tolist()
    ((50, 5), [0.7071, 1.0, 1.2247])
    """
    keys = jax.vmap(lambda i: replicate_key(key, i))(b)
    if kind == "rademacher":
        return jax.vmap(lambda k: jax.random.rademacher(k, (n_clusters,)))(keys).astype(_x64.float_dtype())
    if kind == "mammen":
        low = jax.vmap(lambda k: jax.random.bernoulli(k, _MAMMEN[2], (n_clusters,)))(keys)
        return jnp.where(low, _MAMMEN[0], _MAMMEN[1]).astype(_x64.float_dtype())
    idx = jax.vmap(lambda k: jax.random.randint(k, (n_clusters,), 0, 6))(keys)
    return jnp.asarray(_WEBB, _x64.float_dtype())[idx]


def wild_t(X: jax.Array, y: jax.Array, cluster: jax.Array, V: jax.Array, j: int, *, n_clusters: int,
           ssc: SSC = DEFAULT_SSC, k_absorbed: int = 1, beta0=0.0, impose_null: bool = True) -> WildStats:
    """Observed and bootstrap CRV1 t statistics of coefficient ``j`` (static) for weights V (B, G).

    Parameters
    ----------
    X : jax.Array
        (n, k) regressors: within-transformed (fixed effects nested in the clusters), or the raw
        regressors with a column of ones (no fixed effects: the constant is re-estimated in the
        restricted and in every bootstrap fit).
    y : jax.Array
        (n,) outcome, transformed like ``X``.
    cluster : jax.Array
        (n,) integer cluster codes in ``0..n_clusters-1``.
    V : jax.Array
        (B, G) cluster weights of the replicates (:func:`sign_vectors`, :func:`wild_weights`).
    j : int
        The tested coefficient (H0: ``b_j = 0``); a Python int (static under ``jax.jit``).
    n_clusters : int
        Number of clusters G.
    ssc : SSC, optional
        Small-sample correction of the CRV1 factor.
    k_absorbed : int, optional
        Coefficients absorbed before ``X`` and counted in the CRV1 factor's K (1 for fixed effects
        nested in the clusters, 0 when ``X`` carries the constant).
    beta0 : float or jax.Array, optional
        The null value (H0: ``b_j = beta0``; traced): the restricted fit is that of
        ``y - beta0 x_j`` on the other columns, plus ``beta0 x_j``, and the t statistics are
        ``(b_j - beta0) / se``.
    impose_null : bool, optional
        True (static): the restricted bootstrap (WCR), replicates built from the restricted fit,
        ``t* = (b*_j - beta0) / se*``; False: the unrestricted one (WCU), from the full fit,
        ``t* = (b*_j - b_j) / se*``.

    Returns
    -------
    WildStats
        ``t`` the observed t statistic, ``t_boot`` (B,) the bootstrap t statistics under the null,
        ``coef`` and ``se`` the observed coefficient and its CRV1 standard error.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> cl = np.repeat(np.arange(4), 5)  # 4 clusters of 5 rows
    >>> X = rng.normal(size=(20, 2))
    >>> y = X @ np.array([0.5, 1.0]) + rng.normal(size=20)
    >>> V = sign_vectors(jnp.arange(2**4, dtype=jnp.uint32), 4)  # all 16 sign vectors
    >>> f = jax.jit(wild_t, static_argnames=("j", "n_clusters"))
    >>> s = f(jnp.asarray(X), jnp.asarray(y), jnp.asarray(cl), V, j=0, n_clusters=4)
    >>> s.t_boot.shape, round(float(s.t), 4)
    ((16,), 0.4057)
    >>> # all signs +1 reproduce the sample, all -1 give -t
    >>> bool(jnp.isclose(s.t_boot[0], s.t)), bool(jnp.isclose(s.t_boot[-1], -s.t))
    (True, True)
    """
    n, k = X.shape
    G = n_clusters
    full = solve_normal(X.T @ X, X.T @ y)
    bread, b = full.inverse, full.coef
    u = y - X @ b
    f = ssc.crv1_factor(G, n, k + k_absorbed)  # K counts the constant or the nested fixed effects (fixest)
    se = jnp.sqrt(sandwich(bread[j:j + 1], cluster_scores(X * u[:, None], cluster, G), f, diagonal=True)[0])
    if impose_null:
        keep = np.array([i for i in range(k) if i != j])
        Z = X[:, keep]
        y_r = Z @ solve_normal(Z.T @ Z, Z.T @ (y - beta0 * X[:, j])).coef + beta0 * X[:, j]
    else:
        y_r = X @ b
    u_r = y - y_r
    A = cluster_scores(X * y_r[:, None], cluster, G)
    C = cluster_scores(X * u_r[:, None], cluster, G)
    M = jax.ops.segment_sum(X[:, :, None] * X[:, None, :], cluster, G)  # (G, k, k)
    b_star = (bread @ A.sum(axis=0))[None, :] + V @ (C @ bread)  # (B, k): bread symmetric
    s_star = A[None] + V[:, :, None] * C[None] - jnp.einsum("gkl,bl->bgk", M, b_star)  # (B, G, k)
    se_star = jnp.sqrt(sandwich(bread[j:j + 1], jnp.moveaxis(s_star, 0, -1), f, diagonal=True)[0])
    centre = beta0 if impose_null else b[j]
    return WildStats((b[j] - beta0) / se, (b_star[:, j] - centre) / se_star, b[j], se)


@partial(jax.jit, static_argnames=("j", "n_clusters", "k_absorbed", "impose_null"))
def _p_at(beta0, X, y, cluster, V, *, j, n_clusters, k_absorbed, impose_null=True):
    s = wild_t(X, y, cluster, V, j, n_clusters=n_clusters, k_absorbed=k_absorbed, beta0=beta0, impose_null=impose_null)
    return extreme_share(s.t, s.t_boot)


def wild_ci(X, y, cluster, V, j: int, *, n_clusters: int, k_absorbed: int, coef: float, se: float,
            level: float = 0.95, tol: float = 1e-10, impose_null: bool = True) -> tuple[float, float]:
    """Confidence interval by inverting the wild cluster bootstrap test (restricted, or with
    ``impose_null=False`` unrestricted, whose t* do not depend on the null value): the null values
    ``beta0`` whose p-value (the same weights ``V`` (B, G) for every ``beta0``, the same tie
    convention) is at least ``1 - level``. Each end is found by bisection between the estimate
    (p = 1) and a point ``coef -/+ 2^i se`` where the p-value has fallen below ``1 - level``, to a
    width of ``tol`` times the SE (as ``boottest``'s inversion; the p-value is a step function of
    ``beta0``, so the end is the step's location to that precision).

    Returns
    -------
    (lower, upper)

    Raises
    ------
    EstimationError
        No null value far out (up to 2^40 SEs) is rejected: the interval is unbounded (too few
        clusters or sign vectors for the level).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> cl = np.repeat(np.arange(12), 5)
    >>> X = rng.normal(size=(60, 2))
    >>> y = X @ np.array([0.5, 1.0]) + rng.normal(size=60)
    >>> V = sign_vectors(jnp.arange(2**12, dtype=jnp.uint32), 12)
    >>> s = wild_t(jnp.asarray(X), jnp.asarray(y), jnp.asarray(cl), V[:1], 0, n_clusters=12)
    >>> lo, hi = wild_ci(jnp.asarray(X), jnp.asarray(y), jnp.asarray(cl), V, 0, n_clusters=12, k_absorbed=1,
    ...                  coef=float(s.coef), se=float(s.se))
    >>> bool(lo < float(s.coef) < hi)
    True
    """
    alpha = 1.0 - level
    args = (X, y, cluster, V)
    kw = dict(j=j, n_clusters=n_clusters, k_absorbed=k_absorbed, impose_null=impose_null)

    def p(b0: float) -> float:
        return float(_p_at(jnp.asarray(b0, X.dtype), *args, **kw))

    ends = []
    for sign in (-1.0, 1.0):
        inner = coef
        for i in range(1, 41):
            outer = coef + sign * 2.0**i * se
            if p(outer) < alpha:
                break
            inner = outer
        else:
            raise EstimationError(f"the wild bootstrap's {level:.0%} interval is unbounded on the {'lower' if sign < 0 else 'upper'} "
                                  "side: no null value is rejected (too few clusters or sign vectors for the level)")
        while abs(outer - inner) > tol * se:
            mid = 0.5 * (inner + outer)
            if p(mid) >= alpha:
                inner = mid
            else:
                outer = mid
        ends.append(inner)
    return ends[0], ends[1]


@partial(jax.jit, static_argnames=("chunk", "j", "n_clusters", "weights", "enumerate_all", "k_absorbed", "impose_null"))
def _wild_chunk(key, start, X, y, cluster, *, chunk, j, n_clusters, weights, enumerate_all, k_absorbed, impose_null):
    """Replicates ``start..start + chunk - 1`` (the observed statistics repeated on each)."""
    b = start + jnp.arange(chunk, dtype=jnp.uint32)
    V = sign_vectors(b, n_clusters) if enumerate_all else wild_weights(key, b, n_clusters, weights)
    s = wild_t(X, y, cluster, V, j, n_clusters=n_clusters, k_absorbed=k_absorbed, impose_null=impose_null)
    rep = lambda x: jnp.broadcast_to(x, (chunk,))  # noqa: E731  (the driver stacks items)
    return WildStats(rep(s.t), s.t_boot, rep(s.coef), rep(s.se))


def wild_pvalue(t: float, t_boot: np.ndarray) -> float:
    """Share of bootstrap statistics at least as extreme as ``t`` (ties to ``TIE_RTOL``).

    Parameters
    ----------
    t : float
        The observed t statistic.
    t_boot : numpy.ndarray
        (B,) bootstrap t statistics.

    Returns
    -------
    float
        The two-sided p-value: the share of ``|t*| >= |t|``, a tie counting when ``|t*|`` is
        within a relative ``TIE_RTOL`` of ``|t|``.

    Example
    -------
    >>> import numpy as np
    >>> wild_pvalue(2.0, np.array([0.5, -2.0, 3.0, 1.0]))
    0.5
    """
    return float(extreme_share(t, t_boot))


def extreme_share(t, t_boot):
    """The share of ``|t*| >= |t|`` with ties to ``TIE_RTOL`` (:func:`wild_pvalue`), as an array
    (traceable: the inversion and vectorised studies call it inside jitted code).

    Example
    -------
    >>> float(extreme_share(2.0, jnp.array([0.5, -2.0, 3.0, 1.0])))
    0.5
    """
    return jnp.mean(jnp.abs(t_boot) >= jnp.abs(t) * (1 - TIE_RTOL))


def wild_bootstrap(
    fml=None,
    data=None,
    *,
    param: str | None = None,
    cluster: str | None = None,
    bootstrap_type: str = "WCR",
    outcome: str | None = None,
    region: str | None = None,
    weights: WildWeights = "rademacher",
    n_boot: int = 9999,
    seed: int = 0,
    full_enumeration: bool | None = None,
    level: float = 0.95,
) -> WildResult:
    """Wild cluster bootstrap test of one coefficient (H0: coefficient = 0) and its confidence
    interval by test inversion, next to the CRV1 t(G-1) test: on any ``feols`` formula, or on the
    study's baseline.

    Two forms, as ``wildboottest`` and Stata's ``boottest`` are used:

    - ``wild_bootstrap("y ~ x1 + x2 | fe1 + fe2", df, param="x1", cluster="g")``: any formula of
      :func:`~resilience_jax.feols` (pooled, one- or two-way fixed effects) on a DataFrame or Panel,
      clustered by any column (default: the first fixed effect).
    - ``wild_bootstrap(panel, region=..., outcome=...)`` (or no argument: the embedded panel): the
      spec's [baseline] (regressor, all controls, fixed effects, clusters) with an index as the
      outcome (default the overall index, computed once on the whole panel), on the whole panel or
      one region.

    The restricted bootstrap (``"WCR"``, the default, as boottest's) imposes the null on the
    replicates; the unrestricted one (``"WCU"``) perturbs the full fit's residuals. Fixed effects
    nested in the clusters are projected out; others enter as dummies, so that every replicate is a
    refit of the model. ``full_enumeration`` (default: Rademacher weights and G <= 12) evaluates all
    2^G sign vectors: the p-value is then exact and ``n_boot``/``seed`` are not used. The p-value
    counts ``|t*| >= |t|`` (``WildResult.ties``); the t statistic is the CRV1 one of ``feols``.

    Parameters
    ----------
    fml : str, Panel, str or path-like, pandas.DataFrame or None, optional
        A formula ``"y ~ x1 + x2 | fe"`` (then ``data`` holds its columns), or the study's panel
        (a :class:`~resilience_jax.data.Panel`, a path or DataFrame validated against the spec, or
        None for the embedded synthetic panel).
    data : pandas.DataFrame or Panel, optional
        The data of a formula.
    param : str, optional
        The tested coefficient of a formula (default: its first regressor).
    cluster : str, optional
        The cluster column of a formula (default: its first fixed effect; required without one).
    bootstrap_type : {"WCR", "WCU"}, optional
        Restricted (null imposed) or unrestricted wild cluster bootstrap.
    outcome : str or None, optional
        Study form: index symbol of the outcome (default: the overall index).
    region : str or None, optional
        Study form: restrict the sample to one value of the spec's region column.
    weights : {"rademacher", "webb", "mammen"}, optional
        Cluster weights.
    n_boot : int, optional
        Number of random replicates (>= 99); not used under full enumeration.
    seed : int, optional
        Integer seed of ``jax.random.key``; not used under full enumeration.
    full_enumeration : bool or None, optional
        Evaluate all 2^G sign vectors (Rademacher only, G <= 20); default None: when the weights
        are Rademacher and G <= 12.
    level : float, optional
        Level of the confidence interval by test inversion (:func:`wild_ci`).

    Returns
    -------
    WildResult
        ``coef``, ``se`` (CRV1) and ``t``, the CRV1 t(G-1) p-value ``p_crv1``, the bootstrap p-value
        ``pvalue`` (``p_wild``), the interval ``ci``, the bootstrap statistics ``t_boot``, the tie
        convention ``ties``; ``tidy()``.

    Raises
    ------
    EstimationError
        Bad arguments, an unknown parameter, region or index, fewer than 2 clusters, a design
        ``feols`` refuses, full enumeration asked for with other than Rademacher weights or more
        than 20 clusters, or an unbounded interval.

    Example
    -------
    >>> import resilience_jax as rj
    >>> res = rj.wild_bootstrap(region="Central")  # 8 clusters: all 256 sign vectors
    >>> res.enumerated, res.n_boot, res.n_clusters
    (True, 256, 8)
    >>> df = rj.load_panel().frame
    >>> r = rj.wild_bootstrap("Upgra ~ LnAI + Finance | province + year", df, param="LnAI", cluster="province",
    ...                       bootstrap_type="WCU", n_boot=999, seed=1)
    >>> r.bootstrap_type, r.n_clusters, r.enumerated, 0 <= r.pvalue <= 1, r.ci[0] < r.coef < r.ci[1]
    ('WCU', 30, False, True, True)
    >>> rj.wild_bootstrap(weights="normal")
    Traceback (most recent call last):
        ...
    resilience_jax.errors.EstimationError: weights must be one of ('rademacher', 'webb', 'mammen'), got 'normal'
    """
    n_boot, seed = _checks.positive_int("n_boot", n_boot), _checks.seed(seed)
    if not 0 < level < 1:
        raise EstimationError(f"level must be in (0, 1), got {level}")
    if weights not in WEIGHTS:
        raise EstimationError(f"weights must be one of {WEIGHTS}, got {weights!r}")
    if bootstrap_type not in BOOTSTRAP_TYPES:
        raise EstimationError(f"bootstrap_type must be one of {BOOTSTRAP_TYPES}, got {bootstrap_type!r}")
    if isinstance(fml, str) and "~" in fml:
        if outcome is not None or region is not None:
            raise EstimationError("outcome= and region= belong to the study form; with a formula, name the outcome in it "
                                  "and select the rows of data")
        design = _formula_design(fml, data, param, cluster)
    else:
        if data is not None or param is not None or cluster is not None:
            raise EstimationError("data=, param= and cluster= go with a formula: wild_bootstrap('y ~ x | fe', df, param='x', "
                                  "cluster='g'); the study form takes the panel first")
        design = _study_design(fml, outcome, region)
    return _run(design, weights=weights, n_boot=n_boot, seed=seed, full_enumeration=full_enumeration, level=level,
                impose_null=bootstrap_type == "WCR")


class _Design(NamedTuple):
    """A wild bootstrap problem: transformed arrays, the tested column, and what the result names."""

    X: np.ndarray  # (n, k) regressors after projecting out the nested fixed effects (dummies of the others)
    y: np.ndarray
    cl: np.ndarray  # (n,) cluster codes
    G: int
    j: int  # the tested column of X
    k_absorbed: int  # feols' K minus X's columns (the CRV1 factor's K equals feols')
    fml: str
    sample: str
    outcome: str
    regressor: str


def _run(d: _Design, *, weights, n_boot, seed, full_enumeration, level, impose_null) -> WildResult:
    from scipy.special import stdtr

    enumerate_all = full_enumeration if full_enumeration is not None else (weights == "rademacher" and d.G <= ENUMERATE_MAX_G)
    if enumerate_all and (weights != "rademacher" or d.G > 20):
        raise EstimationError("full enumeration needs Rademacher weights and at most 20 clusters")
    if not enumerate_all and n_boot < MIN_DRAWS:
        raise EstimationError(f"the wild bootstrap with random weights needs at least {MIN_DRAWS} draws for p-values at "
                              f"the 5% and 1% levels; got n_boot={n_boot} (9999 is the usual choice)")
    B = 2**d.G if enumerate_all else n_boot
    key = _checks.key(seed)
    args = tuple(jnp.asarray(a) for a in (d.X, d.y, d.cl))
    driver = make_driver(capped(tuned(*WILD_CHUNK), B), devices=1)
    res = run(driver,
              lambda start: _wild_chunk(key, np.uint32(start), *args, chunk=driver.chunk, j=d.j, n_clusters=d.G, weights=weights,
                                        enumerate_all=bool(enumerate_all), k_absorbed=d.k_absorbed,
                                        impose_null=impose_null), B)
    t, tb = float(res.t[0]), np.asarray(res.t_boot)
    if not (np.isfinite(t) and np.isfinite(tb).all()):
        raise EstimationError(f"{d.fml}: the wild bootstrap's t statistics are not finite (a cluster's scores vanish in "
                              "the restricted model?); no p-value is reported")
    # the interval: the same replicates' weights (replicate b's from b, as the p-value's), inverted
    bidx = jnp.arange(B, dtype=jnp.uint32)
    V = sign_vectors(bidx, d.G) if enumerate_all else wild_weights(key, bidx, d.G, weights)
    lo, hi = wild_ci(*args, V, d.j, n_clusters=d.G, k_absorbed=d.k_absorbed, coef=float(res.coef[0]), se=float(res.se[0]),
                     level=level, impose_null=impose_null)
    return WildResult(
        sample=d.sample, outcome=d.outcome, regressor=d.regressor, n_clusters=d.G, nobs=len(d.y),
        coef=float(res.coef[0]), se=float(res.se[0]), t=t, p_crv1=float(2 * stdtr(d.G - 1, -abs(t))),
        p_wild=wild_pvalue(t, tb), weights=weights, n_boot=len(tb), enumerated=bool(enumerate_all),
        t_boot=tb, ci_lower=lo, ci_upper=hi, level=level, bootstrap_type="WCR" if impose_null else "WCU",
    )


def _checked_fit(fml: str, frame, cluster: str):
    """feols' fit with its full-sample design checks (an absorbed regressor, collinear columns, a
    single period, fewer than 2 clusters), refused with feols' message; few clusters are not
    warned about (the wild bootstrap is the remedy)."""
    from ..api import feols
    from ..errors import FewClustersWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        return feols(fml, frame, {"CRV1": cluster})


def _formula_design(fml, data, param, cluster) -> _Design:
    from ..api import RegSpec, _frame, batch_design
    from ..design import expand_factors, is_nested, parse_formula
    from ..errors import FewClustersWarning
    from ..estimators.within import within

    f = parse_formula(fml)
    frame, pairs = expand_factors(_frame(data), f.regressors, fml)
    names = [name for name, _ in pairs]
    param = param if param is not None else names[0]
    if param not in names:
        raise EstimationError(f"param {param!r} is not a regressor of {fml!r}; regressors: {names}")
    if cluster is None:
        if not f.fixed_effects:
            raise EstimationError(f"{fml}: name the cluster column (cluster=...); the formula has no fixed effect to default to")
        cluster = f.fixed_effects[0]
    fit = _checked_fit(fml, frame, cluster)
    # feols' own design: its rows (missing values left out as feols leaves them), columns and codes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        d = batch_design(frame, [RegSpec(f.outcome, pairs, f.fixed_effects, ("CRV1", cluster), drop_missing=True)])
    sel = d.mask[0] > 0
    y, X = d.y[0][sel], d.X[0][sel][:, : len(pairs)]
    recode = lambda c: np.unique(c[sel], return_inverse=True)[1].astype(np.int32)  # noqa: E731  (levels of the rows kept)
    cl = recode(d.cluster[0])
    G = int(cl.max()) + 1
    fes = [(c, int(c.max()) + 1) for c in map(recode, (d.entity[0], d.time[0])[: len(f.fixed_effects)])]
    nested = [c for c, _ in fes if is_nested(c, cl)]
    dummies = []
    for (c, n), name in zip(fes, f.fixed_effects):
        if not is_nested(c, cl):
            if n > 2000:
                raise EstimationError(f"{fml}: the fixed effect {name!r} ({n} levels) is not nested in the clusters "
                                      f"{cluster!r}; it would enter the wild bootstrap as {n} dummies (at most 2000)")
            dummies.append(np.eye(n)[c][:, 1 if (nested or dummies) else 0:])  # one level dropped after the first set
    if not nested:
        dummies.insert(0, np.ones((len(y), 1)))  # no projection: the constant is a column
    Z = np.column_stack([X, *dummies]) if dummies else X
    if nested:
        ones = np.ones(len(y))
        two = len(nested) == 2
        ent, tim = nested[0], nested[-1]
        n_g = max(int(ent.max()), int(tim.max())) + 1
        D = within(np.column_stack([y, Z]), ones, ent, tim, True, two, n_entities=n_g, n_periods=n_g, two_way=two)
        W = np.asarray(D.values)
        y, Z = W[:, 0], W[:, 1:]
    return _Design(Z, y, cl, G, names.index(param), fit.df_k - Z.shape[1], fml, "data", f.outcome, param)


def _study_design(data, outcome, region) -> _Design:
    from ..data.validate import Panel, load_panel
    from ..suite import compute_indices

    panel = data if isinstance(data, Panel) else load_panel(data)
    spec = panel.spec
    b = spec.baseline
    if b.vcov.kind != "CRV1" or tuple(b.fixed_effects) not in ((), (spec.entity,)) or b.vcov.cluster != spec.entity:
        raise EstimationError("the wild cluster bootstrap of the baseline needs CRV1 by entity and no or entity fixed effects "
                              "in [baseline]; for other designs call wild_bootstrap with a formula")
    _, idx = compute_indices(panel)
    symbol = outcome or spec.index.symbol
    if symbol not in idx:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(idx)}")
    frame = panel.frame.assign(**idx)
    if region is not None:
        if region not in set(frame[spec.region].dropna()):
            raise EstimationError(f"no rows of region {region!r} in column {spec.region!r}")
        frame = frame[frame[spec.region] == region].reset_index(drop=True)
    fml = f"{symbol} ~ {' + '.join([b.regressor, *b.controls])}" + (f" | {spec.entity}" if b.fixed_effects else "")
    d = _formula_design(fml, frame, b.regressor, spec.entity)
    return d._replace(sample=region or "full sample")
