"""``rj.sensitivity``: how much do the findings depend on how the index was built?

Three studies on one engine (:mod:`~resilience_jax.sensitivity.engine`), chunked by the shared
driver (:mod:`~resilience_jax.bootstrap.driver`):

- ``"weights"`` (uncertainty analysis): many weight vectors, Dirichlet draws centred on the
  default construction's weights (``draws="dirichlet"``, concentration from the space) or uniform
  on the simplex (``draws="uniform"``), or the user's own (``weights=``); the default model.
  Each vector's baseline coefficient with its CRV1 SE and p-value, a, b, c, c', a*b, the share
  and the Sobel z; the entities' ranks (by their index averaged over the periods); and each
  indicator left out in turn (its weight set to 0 and the rest renormalised, or the weighting
  re-run without it).
- ``"multiverse"``: the full factorial of the space's discrete construction and model choices
  (a specification curve), with inference under the null after Simonsohn, Simmons & Nelson
  (2020): the effect is removed from every specification (``y - b x``), entities are resampled
  (``n_null`` times; the index construction is kept) and the median effect and the share of
  specifications significant in the dominant sign are recomputed. The full factorial also gives
  the exact ANOVA decomposition of each target over the choices.
- ``"sobol"``: first-order (Saltelli 2010) and total (Jansen) Sobol indices of every choice, the
  Dirichlet perturbation of the weights as one group factor and a dummy factor that the pipeline
  ignores, from a scrambled Sobol design of N = ``n`` (a power of 2) base points, N (d + 2)
  pipelines, with bootstrap intervals and the indices at N/8, N/4, N/2, N (convergence).

Every draw derives from ``seed`` through ``jax.random.fold_in`` by its index (the Dirichlet draws,
the null resamples), or from a seeded Sobol sequence: the same seed gives the same numbers
whatever the chunk size or device count.
"""

from __future__ import annotations

import itertools
import time as _time
import warnings
from functools import partial
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
from scipy import stats

from .. import _checks, _x64, status
from .._backend import capped, tuned
from ..bootstrap.driver import make_driver, progress_bar, run
from ..data.arrays import index_members
from ..errors import EstimationError, ResilienceWarning
from ..inference.resample import replicate_key
from ..inference.vcov import DEFAULT_SSC, SSC
from ..estimators.equations import equations_stage
from ..results.sensitivity import SensitivityResult, TARGETS
from .engine import (ModelChoice, basis_moments, linear_targets_jit, model_stack, null_baseline, rows_targets, targets,
                     weights_stage,
                     _index_moments)
from .sobol import (anova_factorial, convergence, dirichlet_from_uniform, discrete_from_uniform, saltelli_design,
                    sobol_bootstrap)
from .draws import dirichlet_rows
from .space import Builder, Construction, Space, load_space

Study = Literal["weights", "multiverse", "sobol"]
# items a compiled step (fixed, so that any n reuses one compiled step; the last chunk is padded)
# items per compiled chunk, (CPU, accelerator) (:func:`~resilience_jax._backend.tuned`)
WEIGHTS_CHUNK = (8192, 65536)  # weight vectors
POINTS_CHUNK = (2048, 16384)  # Sobol design points
SUB = (128, 512)  # Sobol design points sharing a model, a sub-batch (at most; fewer when models have fewer points)
NULL_CHUNK = (8, 64)  # null resamples (each refits every specification)


def _df(models, ssc: SSC) -> np.ndarray:
    """(M,) degrees of freedom of each model's t reference for beta: G - 1 (CRV1, fixest's
    default) or N - K (``ssc.t_df == "conventional"``)."""
    G, N = np.asarray(models.n_clusters), np.asarray(models.nobs)
    K = models.O.shape[-1] - 1 + 1.0 + np.asarray(models.k_extra)  # regressor and controls, the effects nested
    return G - 1 if ssc.t_df == "min" else N - K


def _targets(tg, df) -> dict[str, np.ndarray]:
    """The named targets of a :class:`~resilience_jax.sensitivity.engine.Targets` record as host
    arrays, with the two-sided p-value of beta from t(``df``)."""
    out = {f: np.asarray(getattr(tg, f)) for f in tg._fields if f != "status"}
    out["p_beta"] = 2 * stats.t.sf(np.abs(out["t_beta"]), np.asarray(df))
    out["df_beta"] = np.broadcast_to(np.asarray(df, float), out["beta"].shape)
    return out


def _check_status(flags, what: str, labels) -> None:
    """Raise an error naming every flag set (:func:`resilience_jax.status.describe`) and, for the
    first item concerned, what it is (``labels(i)``)."""
    flags = np.asarray(flags).ravel()
    bad = np.flatnonzero(flags)
    if bad.size:
        raise EstimationError(f"{status.describe(flags, what)}; the first is {labels(int(bad[0]))}")


def _setup(data, space, index):
    from ..data.validate import load_panel

    panel = load_panel() if data is None else (data if hasattr(data, "spec") else load_panel(data))
    panel.require_balanced("the sensitivity study")
    sp = space if isinstance(space, Space) else load_space(space, panel.spec)
    if panel.spec.index.normalisation == "goalposts":  # the spec's declared scale is the study's base
        import dataclasses

        sp = dataclasses.replace(sp, normalisation=("goalposts", *(n for n in sp.normalisation if n != "goalposts")))
    symbol = index or sp.index or panel.spec.index.symbol
    members = index_members(panel.spec.index, symbol)
    return panel, sp, symbol, Builder(panel, sp, members)


def sensitivity(data=None, *, study: Study = "weights", n: int | None = None, weights=None, seed: int = 0,
                space=None, index: str | None = None, draws: Literal["dirichlet", "uniform"] = "dirichlet",
                concentration: float | None = None, n_null: int = 500, n_boot: int = 1000,
                chunk_size: int | None = None, devices: int | None = None, progress: bool = False,
                ssc: SSC = DEFAULT_SSC) -> SensitivityResult:
    """Sensitivity of the baseline coefficient and the mediation to how the index is built.

    Parameters
    ----------
    data : Panel, DataFrame, path or None, optional
        The panel (None: the embedded synthetic panel).
    study : {"weights", "multiverse", "sobol"}, optional
        The analysis (see the module doc).
    n : int, optional
        ``weights``: the number of weight vectors drawn (default 10,000); ``sobol``: the base
        sample N, a power of 2 (default 1,024); ignored by ``multiverse`` (the factorial's size).
    weights : array_like, optional
        ``weights`` study only: a (V, m) array of the user's own weight vectors (non-negative,
        each summing to 1) on the index's m indicators, evaluated in order instead of draws.
    seed : int, optional
        Seed of every draw.
    space : Space, path or None, optional
        The construction space (default: the bundled ``models/sensitivity.toml``).
    index : str, optional
        The index symbol (default: the space's, else the study's overall index).
    draws : {"dirichlet", "uniform"}, optional
        ``weights`` study: Dirichlet(concentration * w0) around the default weights w0, or
        uniform on the simplex.
    concentration : float or sequence of float, optional
        Overrides the space's Dirichlet concentration. ``weights`` study: a grid (a list) draws
        ``n`` vectors at each value (the table's ``concentration`` column says which; value j's
        vectors come from the key ``fold_in(fold_in(key, 2), j)``, a single number's from the key).
    n_null : int, optional
        ``multiverse``: resamples under the null (0 to skip the inference).
    n_boot : int, optional
        ``sobol``: bootstrap resamples of the design's rows for the intervals.
    chunk_size, devices : int, optional
        Items a compiled step, and local devices to shard them over (the driver's).
    progress : bool, optional
        Show a progress bar.
    ssc : SSC, optional
        Small-sample correction of the CRV1 standard errors.

    Returns
    -------
    SensitivityResult
        ``tidy()`` (one row per weight vector, specification or design point), ``summary()``,
        ``verdict()`` and the study's own tables (null distribution, ANOVA, Sobol indices, ranks).

    Raises
    ------
    EstimationError
        Weight vectors of the wrong shape, negative or not summing to 1; an ``n`` that is not a
        power of 2 (Sobol); a construction or model that cannot be computed (named).
    SpecError
        A malformed construction space.

    Example
    -------
    >>> import resilience_jax as rj
    >>> res = rj.sensitivity(study="weights", n=200, seed=1)
    >>> res.tidy().shape[0], list(res.tidy().columns[:4])
    (200, ['beta', 'se_beta', 'p_beta', 'a'])
    """
    if study not in ("weights", "multiverse", "sobol"):
        raise EstimationError(f"study must be 'weights', 'multiverse' or 'sobol', got {study!r}")
    seed = _checks.seed(seed)
    if n is not None:
        n = _checks.positive_int("n", n)
    if not isinstance(n_null, (int, np.integer)) or isinstance(n_null, bool) or n_null < 0:
        raise EstimationError(f"n_null must be a non-negative integer, got {n_null!r}")
    panel, sp, symbol, builder = _setup(data, space, index)
    kappa = sp.concentration if concentration is None else concentration
    kappa = tuple(np.atleast_1d(np.asarray(kappa, dtype=float)).tolist()) if np.ndim(kappa) else float(kappa)
    if not np.all(np.isfinite(kappa)) or np.any(np.asarray(kappa) <= 0) or np.size(kappa) == 0:
        raise EstimationError(f"concentration must be positive (a number or a grid of numbers), got {concentration!r}")
    if study == "sobol" and isinstance(kappa, tuple):
        raise EstimationError("the Sobol study perturbs the weights with one concentration; give a number")
    t0 = _time.perf_counter()
    fn = {"weights": _weights_study, "multiverse": _multiverse, "sobol": _sobol}[study]
    res = fn(panel, sp, builder, n=n, weights=weights, seed=int(seed), draws=draws, kappa=kappa, n_null=n_null,
             n_boot=n_boot, chunk_size=chunk_size, devices=devices, progress=progress, ssc=ssc)
    res.meta.update(study=study, index=symbol, seed=int(seed), space=sp.path, seconds=_time.perf_counter() - t0,
                    entity=panel.spec.entity, synthetic=panel.synthetic)
    return res


# --------------------------------------------------------------------------- compiled kernels
# module-level, data as arguments: one compile per shape and static configuration, not per call


def _evaluate_weights(lt, Zbar, W):
    eq = targets(weights_stage(lt, W))
    score = Zbar @ W.T  # (G, V) each entity's index averaged over the periods
    ranks = (score[None, :, :] > score[:, None, :]).sum(axis=1) + 1  # (G, V): 1 = highest
    return eq, ranks.T, W


_given_chunk = jax.jit(_evaluate_weights)


@jax.jit
def _drawn_chunk(lt, Zbar, key, alpha, indices):
    return _evaluate_weights(lt, Zbar, dirichlet_rows(key, indices, alpha))


@partial(jax.jit, static_argnames=("ssc",))
def _null_chunk(models, g_null, samples, sample_of, t_used, tcrit, key, indices, *, ssc: SSC):
    """Resamples ``indices`` under the null: per resample the median effect over every
    specification and the share significant in the dominant sign."""
    dt = g_null.dtype

    def one_resample(r):
        c = _null_multiplicities(key, r, samples).astype(dt)[sample_of]  # (M, G)
        nc = c.sum(axis=1)
        b, t, st = jax.vmap(lambda S, g, gy, cw, n_, tu, ke: null_baseline(S, g, gy, cw, n_, n_ * tu, ke, ssc=ssc))(
            models.S_oo, models.g_oo, g_null, c, nc, t_used, models.k_extra)
        med, dom = _curve(b, t, tcrit[:, None])
        return med, dom, (st != 0).any()

    return jax.vmap(one_resample)(indices)


def _null_multiplicities(key, r, samples):
    """(S, G) entity multiplicities of null resample ``r`` for each of S samples ((S, G) 0/1 masks):
    G_s draws with replacement among the sample's G_s entities, keyed by resample and sample."""

    def draw(s, mask):
        G = mask.shape[0]
        d = jax.random.choice(jax.random.fold_in(replicate_key(key, r), s), G, (G,), p=mask / mask.sum())
        return jnp.zeros(G, mask.dtype).at[d].add((jnp.arange(G) < mask.sum()).astype(mask.dtype))  # the first G_s

    return jax.vmap(draw)(jnp.arange(samples.shape[0]), samples)


def _curve(b, t, tc):
    """Median effect and the share of specifications significant in the dominant sign."""
    med = jnp.median(b)
    sig = jnp.abs(t) > tc
    return med, jnp.where(med >= 0, (sig & (b > 0)).mean(), (sig & (b < 0)).mean())


@partial(jax.jit, static_argnames=("ssc", "winsor"))
def _points_chunk(models, basis, geometric, W, bid, mid, *, ssc: SSC, winsor: bool):
    """Design points in sub-batches that share a model: weights W (S, P, m) and basis ids (S, P)
    of S sub-batches of P points, the model id of each sub-batch (S,); ``winsor``: the chunk
    holds winsorised models (False: none, the quantiles are not computed). Each sub-batch is the
    equations stage of one model with its points as the trailing batch axis (the model's arrays
    gathered once, not once a point)."""
    G, T = models.R.shape[1:]
    NB, n, m = basis.shape
    S, P = bid.shape
    b = bid.reshape(-1)
    # every point's index as one matrix product: its weights in its basis' block, zeros elsewhere
    Wx = (jax.nn.one_hot(b, NB, dtype=W.dtype)[:, :, None] * W.reshape(-1, m)[:, None, :]).reshape(-1, NB * m)
    lin = Wx @ basis.transpose(0, 2, 1).reshape(NB * m, n)
    y = jnp.where(geometric[b][:, None], jnp.exp(lin), lin).reshape(S, P, G, T)

    def one(ys, i):
        mdl = jax.tree_util.tree_map(lambda a: a[i], models)
        g_oy = _index_moments(jnp.moveaxis(ys, 0, -1), mdl.O, mdl.R, mdl.two_way, mdl.winsor if winsor else None)
        k = g_oy.shape[1]
        return targets(equations_stage(jnp.broadcast_to(mdl.S_oo[:, :, None], (k, k, P)), g_oy.sum(axis=0)[:, None],
                                       mdl.g_oo, g_oy, None, mdl.n_clusters, mdl.nobs, ssc=ssc, k_extra=mdl.k_extra))

    return jax.vmap(one)(y, mid)  # fields (S, P)


_moments_all = jax.jit(jax.vmap(_index_moments, in_axes=(None, 0, 0, 0, 0)))


def _bar(progress, desc, total):
    if not progress:
        return None, lambda: None
    return progress_bar(desc, total)


# --------------------------------------------------------------------------- weights study


def _check_weights(W, m, names):
    W = np.asarray(W, dtype=float)
    if W.ndim == 1:
        W = W[None]
    if W.ndim != 2 or W.shape[1] != m:
        raise EstimationError(f"weights must be a (V, {m}) array (one column per indicator: {list(names)}), got shape "
                              f"{np.shape(W)}")
    if not np.isfinite(W).all() or (W < 0).any():
        raise EstimationError("weights must be finite and non-negative")
    bad = np.flatnonzero(np.abs(W.sum(axis=1) - 1) > 1e-8)
    if bad.size:
        raise EstimationError(f"each weight vector must sum to 1; row {int(bad[0])} sums to {W[bad[0]].sum():.6g} "
                              "(divide each row by its sum if that is what you mean)")
    return W


def _weights_study(panel, sp, builder, *, n, weights, seed, draws, kappa, chunk_size, devices, progress, ssc, **_):
    base = sp.default_construction()
    if base.aggregation != "arithmetic":
        raise EstimationError("the weights study needs an arithmetic index (a geometric one is not linear in the weights); "
                              "use the multiverse or the Sobol study")
    med = panel.spec.mediation
    models = model_stack(panel, [sp.default_model(med.controls)])
    w0 = builder.weights(base)
    Z = builder.basis(base)
    lt = linear_targets_jit(basis_moments(models, Z), ssc=ssc)
    G, T = panel.shape
    Zbar = jnp.asarray(Z.reshape(G, T, -1).mean(axis=1))  # entity means: the index averaged over the periods
    dt = _x64.float_dtype()
    user = weights is not None
    if user:
        W_all = _check_weights(weights, builder.m, builder.names)
        V = W_all.shape[0]
    else:
        V = 10_000 if n is None else int(n)
        if V < 1:
            raise EstimationError(f"n must be at least 1, got {V}")
        if draws not in ("dirichlet", "uniform"):
            raise EstimationError(f"draws must be 'dirichlet' or 'uniform', got {draws!r}")
    key = _checks.key(seed)
    driver = make_driver(chunk_size or capped(tuned(*WEIGHTS_CHUNK), V), devices)
    grid = isinstance(kappa, tuple) and not user and draws == "dirichlet"
    levels = kappa if grid else (kappa,)
    parts = []
    upd, close = _bar(progress, "weight vectors", V * len(levels))
    try:
        for j, kj in enumerate(levels):
            if user:
                Wpad = jnp.asarray(np.concatenate([W_all, np.repeat(W_all[-1:], (-V) % driver.chunk, axis=0)]), dt)
                step = lambda s: _given_chunk(lt, Zbar, driver.put(Wpad[s:s + driver.chunk]))  # noqa: E731
            else:
                alpha = jnp.asarray(kj * w0 if draws == "dirichlet" else np.ones(builder.m), dt)
                kj_key = jax.random.fold_in(jax.random.fold_in(key, 2), j) if grid else key
                step = lambda s: _drawn_chunk(lt, Zbar, kj_key, alpha, driver.put(s + jnp.arange(driver.chunk)))  # noqa: E731
            parts.append(run(driver, step, V, progress=upd and (lambda d, j=j: upd(j * V + d))))
    finally:
        close()
    eq, ranks, W = jax.tree_util.tree_map(lambda *xs: np.concatenate(xs), *parts)
    _check_status(eq.status, "weight vector", lambda i: f"weight vector {i}")
    df = _df(models, ssc)[0]
    tg = _targets(eq, df)
    table = pd.DataFrame({k: tg[k] for k in TARGETS})
    if grid:
        table.insert(0, "concentration", np.repeat(levels, V))
    table = pd.concat([table, pd.DataFrame(W, columns=[f"w_{c}" for c in builder.names])], axis=1)
    eq0, r0, _ = _given_chunk(lt, Zbar, jnp.asarray(w0[None], dt))
    base_t = {k: float(v[0]) for k, v in _targets(eq0, df).items()}
    ent = panel.entities
    q = np.percentile(ranks, [5, 50, 95], axis=0)
    rank_table = pd.DataFrame({panel.spec.entity: ent, "rank_base": np.asarray(r0)[0], "rank_p5": q[0],
                               "rank_median": q[1], "rank_p95": q[2]}).sort_values("rank_base", ignore_index=True)
    # leave one indicator out, both ways, with the default model (one compiled call for all)
    drops = [Construction(*base[:4], drop=c, drop_mode=mode) for c in builder.names for mode in sp.leave_one_out]
    loo_t = _targets(rows_targets(models, np.column_stack([builder.build(c)[1] for c in drops]), ssc=ssc), df)
    loo = pd.DataFrame({"left_out": [c.drop for c in drops], "weights": [c.drop_mode for c in drops],
                        **{k: loo_t[k][0] for k in TARGETS}})
    return SensitivityResult("weights", table, base_t, ranks=rank_table, leave_one_out=loo,
                             meta={"n": V, "draws": "user" if user else draws,
                                   "concentration": list(kappa) if isinstance(kappa, tuple) else kappa,
                                   "construction": base._asdict(), "weights0": dict(zip(builder.names, w0.tolist()))})


# --------------------------------------------------------------------------- multiverse


def _factor_frame(factors: dict[str, tuple]) -> pd.DataFrame:
    rows = list(itertools.product(*factors.values()))
    return pd.DataFrame(rows, columns=list(factors))


def _label(v):
    return "+".join(v) if isinstance(v, tuple) and v else ("none" if isinstance(v, tuple) else v)


def _multiverse(panel, sp, builder, *, seed, n_null, chunk_size, devices, progress, ssc, **_):
    med = panel.spec.mediation
    cf = sp.construction_factors()
    mf = sp.model_factors(tuple(med.controls))
    cons = [Construction(*c) for c in itertools.product(*cf.values())]
    mods = [ModelChoice(*m) for m in itertools.product(*mf.values())]
    Y = np.column_stack([builder.build(c)[1] for c in cons])  # (n, C)
    models = model_stack(panel, mods)
    eq = rows_targets(models, Y, ssc=ssc)
    C, M = len(cons), len(mods)
    _check_status(eq.status, "specification", lambda i: f"{mods[i // C]} with {cons[i % C]}")
    tg = _targets(eq, _df(models, ssc)[:, None])
    # one row per (model, construction), the construction varying fastest: the factorial's C order
    grid = pd.DataFrame([(*[_label(v) for v in m], *c[:4]) for m in mods for c in cons],
                        columns=[*mf, *cf])
    table = pd.concat([grid, pd.DataFrame({k: tg[k].ravel() for k in TARGETS})], axis=1)
    levels = [len(v) for v in mf.values()] + [len(v) for v in cf.values()]
    targets = np.column_stack([table[t].to_numpy() for t in ("beta", "ab", "share", "sobel_z")])
    an = anova_factorial(targets, levels)
    names = [*mf, *cf]
    anova = pd.DataFrame([{"factor": f, "target": t, "first": an.first[i, j], "total": an.total[i, j]}
                          for i, f in enumerate(names) for j, t in enumerate(("beta", "ab", "share", "sobel_z"))])
    base_row = table.index[0]  # every factor at its first (default) level
    base_t = {k: float(table.loc[base_row, k]) for k in TARGETS}
    null = _null(panel, models, Y, tg, seed, n_null, chunk_size, devices, progress, ssc) if n_null else None
    return SensitivityResult("multiverse", table, base_t, anova=anova, null=null,
                             meta={"n_specifications": C * M, "n_constructions": C, "n_models": M, "n_null": n_null,
                                   "factors": {k: [_label(v) for v in vs] for k, vs in {**mf, **cf}.items()}})


def _null(panel, models, Y, tg, seed, n_null, chunk_size, devices, progress, ssc):
    """The specification curve's statistics under the null (see the module doc)."""
    G, T = panel.shape
    g_oy = _moments_all(jnp.asarray(Y, models.O.dtype).reshape(G, T, -1), models.O, models.R, models.two_way,
                        models.winsor)  # (M, G, k, C)
    beta = jnp.asarray(tg["beta"], g_oy.dtype)  # (M, C)
    g_null = g_oy - models.g_oo[:, :, :, 0][..., None] * beta[:, None, None, :]  # y - b x: no effect in any spec
    ent = np.asarray(models.R.max(axis=2))  # (M, G) entities of each model's sample
    samples, sample_of = np.unique(ent, axis=0, return_inverse=True)
    t_used = jnp.asarray(np.asarray(models.nobs) / np.asarray(models.n_clusters))
    tcrit = jnp.asarray(stats.t.ppf(0.975, _df(models, ssc)))
    key = jax.random.fold_in(_checks.key(seed), 1)  # the null's stream
    driver = make_driver(chunk_size or capped(tuned(*NULL_CHUNK), n_null), devices)
    args = (models, g_null, jnp.asarray(samples), jnp.asarray(sample_of.ravel()), t_used, tcrit, key)
    step = lambda s: _null_chunk(*args, driver.put(s + jnp.arange(driver.chunk)), ssc=ssc)  # noqa: E731
    upd, close = _bar(progress, "null resamples", n_null)
    try:
        med, dom, bad = run(driver, step, n_null, progress=upd)
    finally:
        close()
    b_obs = np.asarray(tg["beta"])
    t_obs = np.asarray(tg["t_beta"])
    m_obs, d_obs = (float(v) for v in _curve(jnp.asarray(b_obs), jnp.asarray(t_obs), tcrit[:, None]))
    out = pd.DataFrame({"median_beta": med, "share_significant": dom, "degenerate": bad})
    ok = ~np.asarray(bad, bool)  # a resample in which some specification is singular counts for neither p-value
    if not ok.any():
        raise EstimationError(f"every one of the {n_null} resamples under the null has a specification that cannot be "
                              "computed (a singular design in the drawn entities); use fewer, larger samples")
    if (~ok).any():
        warnings.warn(f"{int((~ok).sum())} of {n_null} resamples under the null have a specification that cannot be "
                      "computed (a singular design in the drawn entities) and are left out of the p-values",
                      ResilienceWarning, stacklevel=4)
    out.attrs.update(observed_median=m_obs, observed_share=d_obs, n_valid=int(ok.sum()),
                     p_median=float((np.abs(med[ok]) >= abs(m_obs)).mean()), p_share=float((dom[ok] >= d_obs).mean()))
    return out


# --------------------------------------------------------------------------- Sobol


def _sobol(panel, sp, builder, *, n, seed, kappa, n_boot, chunk_size, devices, progress, ssc, **_):
    N = 1024 if n is None else int(n)
    med = panel.spec.mediation
    cf = sp.construction_factors()
    drops = (None, *builder.names)
    cf = {**cf, "leave_one_out": drops, "drop_mode": sp.leave_one_out}
    controls = tuple(med.controls)
    mf = sp.model_factors(controls)
    if sp.control_sets == "all_subsets":  # each control its own factor: in (the paper's) or out
        mf = {**{f"control_{c}": ("in", "out") for c in controls}, **{f: v for f, v in mf.items() if f != "controls"}}
    discrete = {**cf, **mf}
    m = builder.m
    names = [*discrete, "weights", "dummy"]
    groups = [*range(len(discrete)), *([len(discrete)] * m), len(discrete) + 1]
    design = saltelli_design(N, len(groups), seed=seed % 2**64, groups=groups)
    P = np.concatenate([design.A, design.B, design.AB.reshape(-1, design.A.shape[1])])  # (N (k + 2), d)
    nd = len(discrete)
    lv = {f: discrete_from_uniform(P[:, i], len(v)) for i, (f, v) in enumerate(discrete.items())}
    U = P[:, nd:nd + m]
    # every distinct construction once: weights, basis (normalised or log-shifted values)
    ckey = np.column_stack([lv[f] for f in cf])
    uniq, cid = np.unique(ckey, axis=0, return_inverse=True)
    cid = cid.ravel()
    cons = [Construction(*(cf[f][j] for f, j in zip(cf, row))) for row in uniq]
    W0 = np.stack([builder.weights(c) for c in cons])  # (Cu, m)
    bkey = [(c.normalisation, c.directions, c.aggregation) for c in cons]
    bases = sorted(set(bkey))
    bid = np.array([bases.index(b) for b in bkey])
    basis = jnp.asarray(np.stack([builder.basis(Construction(normalisation=b[0], directions=b[1], aggregation=b[2]))
                                  for b in bases]))  # (NB, n, m)
    geometric = jnp.asarray(np.array([b[2] == "geometric" for b in bases]))
    # Dirichlet(kappa w0) around each point's construction weights (left out: 0). A cross block of a
    # model factor or the dummy has A's weight uniforms and construction, so A's weights: copied
    same = [2 + i for i, f in enumerate(names) if f in mf or f == "dummy"]
    need = np.ones(P.shape[0], bool)
    for b in same:
        need[b * N:(b + 1) * N] = False
    W = np.empty_like(U)
    W[need] = dirichlet_from_uniform(U[need], kappa * W0[cid[need]])
    for b in same:
        W[b * N:(b + 1) * N] = W[:N]
    mkey = np.column_stack([lv[f] for f in mf])
    muniq, mid = np.unique(mkey, axis=0, return_inverse=True)
    def model_of(row):
        ch = dict(zip(mf, row))
        ctl = tuple(c for c in controls if ch[f"control_{c}"] == 0) if "controls" not in mf else mf["controls"][ch["controls"]]
        return ModelChoice(ctl, *(mf[f][ch[f]] for f in ("fixed_effects", "sample", "variant")))

    mods = [model_of(row) for row in muniq]
    models = model_stack(panel, mods)
    pb = bid[cid]
    npts = P.shape[0]
    # sub-batches of SUB points sharing a model (each model's points padded to whole sub-batches),
    # the winsorised models' sub-batches apart and padded to whole chunks: only their chunks
    # compute the index's quantiles (a static switch of the compiled step)
    mid = mid.ravel()
    wins = np.asarray(models.winsor)[mid]
    order = np.lexsort((mid, wins))
    runs = np.flatnonzero(np.r_[True, mid[order][1:] != mid[order][:-1]])
    slots, sb_mid = [], []
    sub = min(tuned(*SUB), 1 << int(np.ceil(np.log2(max(npts / len(runs), 1)))))  # about a model's points (a power of 2)
    for a, e in zip(runs, np.r_[runs[1:], npts]):
        rows = np.full(-(-(e - a) // sub) * sub, -1)
        rows[: e - a] = order[a:e]
        slots.append(rows.reshape(-1, sub))
        sb_mid += [mid[order[a]]] * len(slots[-1])
    slots, sb_mid = np.concatenate(slots), np.array(sb_mid, np.int32)
    driver = make_driver(max(1, (chunk_size or capped(tuned(*POINTS_CHUNK), len(slots) * sub)) // sub), devices)  # sub-batches a chunk
    n0 = int((~np.asarray(models.winsor)[sb_mid]).sum())
    gap = (-n0) % driver.chunk  # empty sub-batches closing the last chunk without winsorised models
    split = n0 + gap
    slots = np.concatenate([slots[:n0], np.full((gap, sub), -1), slots[n0:]])
    sb_mid = np.concatenate([sb_mid[:n0], np.repeat(sb_mid[:1], gap), sb_mid[n0:]])
    src = np.maximum(slots, 0)
    last = (-len(slots)) % driver.chunk  # the last chunk padded (one compiled shape)
    src = np.concatenate([src, np.repeat(src[-1:], last, axis=0)])
    host = [W[src], pb.astype(np.int32)[src], np.r_[sb_mid, np.repeat(sb_mid[-1:], last)]]
    step = lambda s: _points_chunk(models, basis, geometric, *(driver.put(jnp.asarray(h[s:s + driver.chunk]))  # noqa: E731
                                                               for h in host), ssc=ssc, winsor=s >= split)
    upd, close = _bar(progress, "design points", npts)
    try:
        ev = run(driver, step, len(slots), progress=upd and (lambda d: upd(min(d * sub, npts))))
    finally:
        close()
    valid = slots >= 0
    dest = slots[valid]

    def scatter(a):
        out = np.empty((npts,) + a.shape[2:], a.dtype)
        out[dest] = a[valid]
        return out

    eq = jax.tree_util.tree_map(scatter, ev)
    _check_status(eq.status, "design point", lambda i: f"{mods[int(mid[i])]} with {cons[int(cid[i])]}")
    tg = _targets(eq, _df(models, ssc)[mid])
    keys = ("beta", "ab", "share", "sobel_z")
    Yt = np.column_stack([tg[k] for k in keys])  # (npts, t)
    k = len(names)
    fA, fB, fAB = Yt[:N], Yt[N:2 * N], Yt[2 * N:].reshape(k, N, -1)
    bs = sobol_bootstrap(fA, fB, fAB, n_resamples=n_boot, seed=seed % 2**64)
    sob = pd.DataFrame([{"factor": f, "target": t, "first": bs.first[i, j], "first_lo": bs.first_ci[0, i, j],
                         "first_hi": bs.first_ci[1, i, j], "total": bs.total[i, j], "total_lo": bs.total_ci[0, i, j],
                         "total_hi": bs.total_ci[1, i, j]}
                        for i, f in enumerate(names) for j, t in enumerate(keys)])
    sizes = [s for s in (N // 8, N // 4, N // 2, N) if s >= 2]
    cv = convergence(fA, fB, fAB, sizes)
    conv = pd.DataFrame([{"n": int(cv.sizes[s]), "factor": f, "target": t, "first": cv.first[s, i, j],
                          "total": cv.total[s, i, j]}
                         for s in range(len(cv.sizes)) for i, f in enumerate(names) for j, t in enumerate(keys)])
    lvl = pd.DataFrame({f: np.array([_label(v) if v is not None else "none" for v in discrete[f]], dtype=object)[lv[f]]
                        for f in discrete})
    table = pd.concat([lvl, pd.DataFrame({t: tg[t] for t in TARGETS}),
                       pd.DataFrame(W, columns=[f"w_{c}" for c in builder.names])], axis=1)
    table.insert(0, "block", np.repeat(["A", "B", *[f"AB_{f}" for f in names]], N))
    base = sp.default_construction()
    base_models = model_stack(panel, [sp.default_model(med.controls)])
    eqb = rows_targets(base_models, builder.build(base)[1][:, None], ssc=ssc)
    base_t = {k_: float(np.ravel(v)[0]) for k_, v in _targets(eqb, _df(base_models, ssc)[0]).items()}
    return SensitivityResult("sobol", table, base_t, sobol=sob, convergence=conv,
                             meta={"n": N, "n_factors": k, "n_pipelines": npts, "concentration": kappa, "n_boot": n_boot,
                                   "factors": names})
