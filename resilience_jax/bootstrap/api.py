"""The public mediation bootstrap: :func:`bootstrap`."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .. import _checks, status
from .._backend import capped, on_cpu
from ..data.arrays import mediation_arrays
from ..errors import EstimationError, FewClustersWarning
from ..estimators.record import MediationStats, column_names, to_columns
from ..inference.resample import Scheme
from ..results.bootstrap import BootstrapResult
from .driver import progress_bar
from .engine import Path, check, default_chunk, prepare

MIN_CLUSTERS = 5  # below: too few distinct resamples (126 at 5); refused, the wild bootstrap named
FEW_CLUSTERS = 10  # below: a warning


def _resamples(G: int) -> int:
    """Distinct cluster-bootstrap resamples of G entities (multisets of size G): C(2G - 1, G)."""
    from math import comb

    return comb(2 * G - 1, G)


def _name_full_sample_problem(panel, symbol: str, fixed_effects: bool) -> None:
    """Raise the error describe/reproduce give for the full sample (a constant indicator, a
    collinear or absorbed regressor), naming the columns; return if they find nothing."""
    from ..api import mediation
    from ..suite import compute_indices

    spec = panel.spec
    _, indices = compute_indices(panel)
    m = spec.mediation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        mediation(panel.frame.assign(**indices), symbol, m.regressor, m.mediator, list(m.controls),
                  fixed_effects=(spec.entity,) if fixed_effects else (), vcov={"CRV1": spec.entity})


def bootstrap(
    data=None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    scheme: Scheme = "cluster",
    index: str | None = None,
    fixed_effects: bool = True,
    chunk_size: int | None = None,
    path: Path = "fast",
    progress: bool = False,
    devices: int | None = None,
) -> BootstrapResult:
    """Bootstrap the mediation pipeline (index weights re-estimated in every replicate).

    Parameters
    ----------
    data : Panel, str, path-like, pandas.DataFrame or None, optional
        A :class:`~resilience_jax.data.Panel`, a path or DataFrame (validated), or None (default)
        for the embedded synthetic panel. The panel's spec gives indicators, regressor, mediator
        and controls (``models/paper.toml`` [mediation]).
    n_boot : int, optional
        Number of replicates (>= 1).
    seed : int, optional
        Integer seed of ``jax.random.key``.
    scheme : {"cluster", "bayesian"}, optional
        ``"cluster"`` (entities drawn with replacement; one drawn twice is two clusters
        with their own fixed effects) or ``"bayesian"`` (Rubin's ``G * Dirichlet(1)`` entity
        weights).
    index : str or None, optional
        Index symbol of the mediation's outcome (default: the overall index).
    fixed_effects : bool, optional
        Entity fixed effects or the pooled "as printed" reading.
    chunk_size : int or None, optional
        Replicates per compiled chunk (memory bound; results do not depend on it); default
        :func:`~resilience_jax.bootstrap.engine.default_chunk` of the path. One compiled chunk
        serves every ``n_boot``.
    path : {"fast", "rows", "general"}, optional
        ``"fast"``, ``"rows"``, or ``"general"`` (gathered rows; the reference; cluster
        only).
    progress : bool, optional
        Show a progress bar.
    devices : int or None, optional
        Local devices to shard the replicates over (default: all); same numbers on any count.

    Returns
    -------
    BootstrapResult
        ``draws`` (one row per replicate, columns by name), ``multiplicities``, ``estimate``,
        ``jackknife``; ``ci()`` and ``tidy()``.

    Raises
    ------
    EstimationError
        Bad arguments, fewer than 2 entities, an unknown index, or replicates that cannot be
        computed (the message names the status flag and the first replicate concerned).

    Example
    -------
    >>> import resilience_jax as rj
    >>> res = rj.bootstrap(n_boot=50, seed=1, chunk_size=32)
    >>> res.draws.shape, bool((res.draws["share"] == res.draws["ab"] / res.draws["c"]).all())
    ((50, 32), True)
    >>> res.jackknife.shape, round(float(res.estimate["a"]), 4)
    ((30, 32), 0.7966)
    >>> rj.bootstrap(n_boot=20, scheme="wild")
    Traceback (most recent call last):
        ...
    resilience_jax.errors.EstimationError: scheme must be 'cluster' or 'bayesian' for the mediation model, got 'wild'
    """
    from ..data.validate import Panel, load_panel

    n_boot, seed = _checks.positive_int("n_boot", n_boot), _checks.seed(seed)
    if scheme not in ("cluster", "bayesian"):
        raise EstimationError(f"scheme must be 'cluster' or 'bayesian' for the mediation model, got {scheme!r}")
    if path not in ("fast", "rows", "general") or (path == "general" and scheme != "cluster"):
        raise EstimationError("path must be 'fast' or 'rows', or 'general' with scheme='cluster'")
    if chunk_size is not None:
        chunk_size = _checks.positive_int("chunk_size", chunk_size)
    panel = data if isinstance(data, Panel) else load_panel(data)
    G, _ = panel.shape
    ent = panel.spec.entity
    if G < MIN_CLUSTERS:
        raise EstimationError(
            f"the cluster bootstrap resamples {ent}s, and {G} {ent}(s) give only {_resamples(G)} distinct resamples; it "
            f"needs at least {MIN_CLUSTERS}. With few clusters use the wild cluster bootstrap (rj.wild_bootstrap; "
            "CLI: bootstrap --scheme wild --model baseline), which enumerates every sign vector")
    if G < FEW_CLUSTERS:
        warnings.warn(f"the cluster bootstrap with {G} {ent}s ({_resamples(G)} distinct resamples) is unreliable below "
                      f"{FEW_CLUSTERS} clusters; prefer the wild cluster bootstrap (rj.wild_bootstrap)",
                      FewClustersWarning, stacklevel=2)
    symbol = index or panel.spec.index.symbol
    if symbol not in panel.spec.index.symbols:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(panel.spec.index.symbols)}")
    arrays, layout = mediation_arrays(panel, symbol)
    mode = panel.spec.index.panel_mode  # the entropy weights as the suite computes them (pooled, per_year, global)
    if chunk_size is None and not on_cpu():  # an accelerator's default: no larger than the job needs
        chunk_size = capped(default_chunk(path, fixed_effects), max(n_boot, G + 1))
    eng = prepare(arrays, n_entities=G, path=path, fixed_effects=fixed_effects, chunk=chunk_size, devices=devices,
                  scheme=scheme, mode=mode, baseline=layout.baseline)
    # the point estimate (all weights 1) and the entity jackknife (one weight 0) first, through the
    # same compiled chunk (the gathered-rows path cannot drop an entity: those use the weighted
    # rows): a flag on the full sample is the data's problem, named as describe and reproduce name it
    eng_pj = eng if eng.path != "general" else prepare(arrays, n_entities=G, path="rows", fixed_effects=fixed_effects,
                                                        chunk=eng.chunk, devices=devices, scheme=scheme, mode=mode,
                                                        baseline=layout.baseline)
    pj = eng_pj.evaluate(np.vstack([np.ones((1, G)), 1.0 - np.eye(G)]))
    if pj.status[0]:
        _name_full_sample_problem(panel, symbol, fixed_effects)
        check(MediationStats(*(np.asarray(x)[:1] for x in pj)), "full-sample fit")
    jack = np.asarray(pj.status)[1:]
    if jack.any():
        g = int(np.flatnonzero(jack)[0])
        raise EstimationError(f"the jackknife (for BCa) cannot leave out {ent} {panel.entities[g]!r}: "
                              f"{', '.join(status.names(jack[g]))} without it ({status.describe(jack, 'jackknife replicate')})")
    update, close = progress_bar("bootstrap", n_boot) if progress else (None, lambda: None)
    try:
        weights, stats = eng.replicates(_checks.key(seed), n_boot, progress=update)
    finally:
        close()
    check(stats)
    names = column_names(layout.indicators, layout.symbols)
    flat = to_columns(pj)
    return BootstrapResult(
        draws=pd.DataFrame(to_columns(stats), columns=names), multiplicities=weights,
        estimate=pd.Series(flat[0], index=names), jackknife=pd.DataFrame(flat[1:], columns=names),
        scheme=scheme, n_boot=n_boot, seed=seed, scale=panel.spec.index.normalisation,
    )
