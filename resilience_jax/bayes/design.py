"""The posterior models' data, assembled from the staged core: the panel's arrays
(:func:`~resilience_jax.data.arrays.mediation_arrays`) and the index stage on the rows
(:func:`~resilience_jax.estimators.staged.index_rows`), so the index the posterior regresses is
the one every other path computes; with ``weights="bayesian_bootstrap"`` the same index stage is
run once per Bayesian-bootstrap draw of the provinces (vmapped), nothing copied.
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _checks, status
from ..data.arrays import mediation_arrays
from ..errors import EstimationError
from ..estimators.staged import index_rows
from ..inference.resample import draw_weights, replicate_key

MODELS = ("mediation", "baseline")


class Design(NamedTuple):
    """The arrays and names of a posterior model on a balanced panel (G entities, T periods).

    ``X`` (G, T, k) holds the regressor first, then the controls, then (two-way effects) T - 1
    period dummies; the first ``k0`` columns get Mundlak terms. ``outcomes`` are the equations'
    outcomes, (G, T) each: ``(mediator, index)`` for the mediation (the outcome equation's
    regressors are X with the mediator inserted second), ``(index,)`` for the baseline.
    """

    model: str
    X: jax.Array
    outcomes: tuple[jax.Array, ...]
    outcome_names: tuple[str, ...]
    terms: tuple[tuple[str, ...], ...]  # each equation's regressor names
    k0: int
    index: str
    index_equation: int  # which outcome is the index (its values change with the weights)
    entities: tuple[str, ...]
    periods: tuple
    two_way: bool


def posterior_design(panel, model: str = "mediation", index: str | None = None, *, two_way: bool | None = None):
    """The :class:`Design` of ``model`` on ``panel`` with ``index`` as its outcome, and the
    panel's arrays (for weight draws).

    The mediation uses the spec's mediation variables (regressor, mediator, controls) with
    province effects (the bootstrap's equations); the baseline the spec's [baseline] regressor,
    controls and fixed effects (province, or province and year: ``two_way``).

    Parameters
    ----------
    panel : Panel
        A validated balanced panel.
    model : {"mediation", "baseline"}
        The model.
    index : str, optional
        The index symbol of the outcome (default: the overall index).
    two_way : bool, optional
        Year effects besides the province effects; None: the spec's (the baseline's fixed
        effects; none for the mediation).

    Returns
    -------
    design : Design
    arrays : MediationArrays
        The panel's arrays of the index stage.

    Raises
    ------
    EstimationError
        An unknown model or index, a baseline with no province effects.

    Example
    -------
    >>> import resilience_jax as rj
    >>> d, _ = posterior_design(rj.load_panel())
    >>> d.X.shape, d.terms[1][:2], d.outcome_names
    ((30, 14, 6), ('LnAI', 'Upgra'), ('Upgra', 'REIC'))
    """
    if model not in MODELS:
        raise EstimationError(f"model must be one of {list(MODELS)}, got {model!r}")
    spec = panel.spec
    symbol = index or spec.index.symbol
    if symbol not in spec.index.symbols:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(spec.index.symbols)}")
    panel.require_balanced("the posterior")
    arrays, layout = mediation_arrays(panel, symbol)
    G, _ = panel.shape
    med, base = spec.mediation, spec.baseline
    if model == "baseline":
        if spec.entity not in base.fixed_effects:
            raise EstimationError(f"the posterior baseline has {spec.entity} effects; [baseline] has {list(base.fixed_effects)}")
        names = (base.regressor, *base.controls)
        tw = (spec.time in base.fixed_effects) if two_way is None else bool(two_way)
        columns = layout.baseline.columns
    else:
        names = (med.regressor, *med.controls)
        tw = bool(two_way)
        columns = None
    d = design_from_arrays(arrays, model, n_entities=G, columns=columns, two_way=tw, mode=spec.index.panel_mode,
                           terms=names, mediator=med.mediator, index=symbol, entities=tuple(str(e) for e in panel.entities),
                           periods=tuple(panel.periods), time=spec.time)
    return d, arrays


def design_from_arrays(arrays, model: str = "mediation", *, n_entities: int, columns=None, two_way: bool = False,
                       mode: str = "pooled", terms=None, mediator: str = "M", index: str = "index", entities=None,
                       periods=None, time: str = "period") -> Design:
    """The :class:`Design` of ``model`` from the core's arrays (any balanced panel: a user's, or a
    simulated one in a validation study), the index from the index stage on its rows.

    Parameters
    ----------
    arrays : MediationArrays
        Sorted by entity, T rows each.
    model : {"mediation", "baseline"}
    n_entities : int
    columns : sequence of int, optional
        The baseline's regressor and controls as positions in ``arrays.others()`` (default: the
        mediation's regressor and controls).
    two_way : bool
        Append T - 1 period dummies.
    mode : str
        The entropy weights' panel mode.
    terms, mediator, index, entities, periods, time : optional
        Names (defaults: generic).

    Returns
    -------
    Design

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arr, _ = mediation_arrays(rj.load_panel())
    >>> design_from_arrays(arr, "baseline", n_entities=30).X.shape
    (30, 14, 6)
    """
    if model not in MODELS:
        raise EstimationError(f"model must be one of {list(MODELS)}, got {model!r}")
    G = n_entities
    n = arrays.X_ind.shape[0]
    T = n // G
    dt = arrays.X_ind.dtype
    k = 1 + arrays.controls.shape[1]
    cols = list(range(k)) if columns is None else list(columns)
    X = np.asarray(arrays.others())[:, cols].reshape(G, T, -1)
    names = tuple(terms) if terms is not None else ("x", *(f"control{j}" for j in range(1, len(cols))))
    periods = tuple(periods) if periods is not None else tuple(range(T))
    dummies = []
    if two_way:
        dummies = [f"{time}={p}" for p in periods[1:]]
        X = np.concatenate([X, np.broadcast_to(np.eye(T)[:, 1:], (G, T, T - 1))], axis=2)
    _, rows = index_rows(arrays, n_entities=G, mode=mode)
    idx = jnp.asarray(rows[:, 0].reshape(G, T), dt)
    if model == "baseline":
        outcomes, onames, tms, ie = (idx,), (index,), ((*names, *dummies),), 0
    else:
        m = jnp.asarray(arrays.mediator, dt).reshape(G, T)
        outcomes, onames, ie = (m, idx), (mediator, index), 1
        tms = ((*names, *dummies), (names[0], mediator, *names[1:], *dummies))
    return Design(model, jnp.asarray(X, dt), outcomes, onames, tms, len(names), index, ie,
                  tuple(entities) if entities is not None else tuple(str(g) for g in range(G)), periods, two_way)


@partial(jax.jit, static_argnames=("n_entities", "mode"))
def _weight_draws(key, arrays, draws, *, n_entities, mode):
    G = n_entities
    T = arrays.X_ind.shape[0] // G

    def one(i):
        c = draw_weights(replicate_key(key, i), G, "bayesian")
        st, rows = index_rows(arrays, c, n_entities=G, mode=mode)
        return st.weights[0], rows[:, 0].reshape(G, T), st.status

    return jax.vmap(one)(draws)


def weight_draws(key: jax.Array, arrays, n_draws: int, *, n_entities: int, mode: str = "pooled"):
    """``n_draws`` Bayesian-bootstrap draws of the entropy weights and of the index on the rows.

    Draw ``i`` weights the entities by ``G * Dirichlet(1, ..., 1)`` from
    ``replicate_key(key, i)`` (the bootstrap's per-replicate keys: the draws do not depend on how
    many are asked for) and runs the index stage on the weighted rows; the index is then evaluated
    on the panel's own rows (a cut posterior: the weights inform the regression, not the reverse).

    Returns
    -------
    weights : jax.Array
        (n_draws, m) the overall index's indicator weights.
    index : jax.Array
        (n_draws, G, T) the index (``arrays.members`` row 0) of each draw.

    Raises
    ------
    EstimationError
        An indicator constant on some draw's rows (cannot happen with positive Dirichlet weights
        unless it is constant in the panel).

    Example
    -------
    >>> import jax, resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arr, _ = mediation_arrays(rj.load_panel())
    >>> w, idx = weight_draws(jax.random.key(0), arr, 8, n_entities=30)
    >>> w.shape, idx.shape, bool(abs(float(w[0].sum()) - 1) < 1e-12)
    ((8, 15), (8, 30, 14), True)
    """
    n_draws = _checks.positive_int("weight draws", n_draws)
    w, idx, flags = _weight_draws(key, arrays, jnp.arange(n_draws), n_entities=n_entities, mode=mode)
    if np.asarray(flags).any():
        raise EstimationError(f"the index could not be computed on every weight draw: {status.describe(np.asarray(flags), 'weight draw')}")
    return w, idx
