"""The public mediation bootstrap: :func:`bootstrap`."""

from __future__ import annotations

import jax
import numpy as np
import pandas as pd

from .. import _checks
from ..data.arrays import mediation_arrays
from ..errors import EstimationError
from ..estimators.record import column_names, to_columns
from ..inference.resample import Scheme
from ..results.bootstrap import BootstrapResult
from .driver import progress_bar
from .engine import Path, check, prepare


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
    if G < 2:
        raise EstimationError(f"the bootstrap needs at least 2 clusters ({panel.spec.entity}); the panel has {G}")
    symbol = index or panel.spec.index.symbol
    if symbol not in panel.spec.index.symbols:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(panel.spec.index.symbols)}")
    arrays, layout = mediation_arrays(panel, symbol)
    mode = panel.spec.index.panel_mode  # the entropy weights as the suite computes them (pooled, per_year, global)
    eng = prepare(arrays, n_entities=G, path=path, fixed_effects=fixed_effects, chunk=chunk_size, devices=devices,
                  scheme=scheme, mode=mode)
    update, close = progress_bar("bootstrap", n_boot) if progress else (None, lambda: None)
    try:
        weights, stats = eng.replicates(jax.random.key(seed), n_boot, progress=update)
    finally:
        close()
    check(stats)
    # the point estimate (all weights 1) and the entity jackknife (one weight 0) through the same
    # compiled chunk (the gathered-rows path cannot drop an entity: those use the weighted rows)
    eng_pj = eng if eng.path != "general" else prepare(arrays, n_entities=G, path="rows", fixed_effects=fixed_effects,
                                                        chunk=eng.chunk, devices=devices, scheme=scheme, mode=mode)
    pj = eng_pj.evaluate(np.vstack([np.ones((1, G)), 1.0 - np.eye(G)]))
    check(pj, "point-estimate or jackknife replicate")
    names = column_names(layout.indicators, layout.symbols)
    flat = to_columns(pj)
    return BootstrapResult(
        draws=pd.DataFrame(to_columns(stats), columns=names), multiplicities=weights,
        estimate=pd.Series(flat[0], index=names), jackknife=pd.DataFrame(flat[1:], columns=names),
        scheme=scheme, n_boot=n_boot, seed=seed,
    )
