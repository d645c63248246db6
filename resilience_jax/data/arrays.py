"""The one array assembly of the staged core: a validated panel -> the arrays of the mediation
pipeline (used by the bootstrap paths, the tests, the benchmarks and the coming layers).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .. import _x64
from ..errors import EstimationError


class MediationArrays(NamedTuple):
    """Arrays of a panel on its (entity, period) grid, sorted by entity (T rows each), in the
    active float dtype. On an unbalanced panel ``present`` (n,) marks the rows of the data (1) and
    the grid's empty cells (0, holding finite placeholders that every stage weights by 0).

    ``members`` (E, m): 0/1 indicator membership of the indices the pipeline builds: row 0 the
    mediation's index, then one row per index symbol of the spec (for their baseline coefficients
    and means). Names travel beside the arrays in :class:`Layout`.
    """

    X_ind: jax.Array  # (n, m) raw indicators
    directions: jax.Array  # (m,) +1 / -1
    members: jax.Array  # (E, m)
    regressor: jax.Array  # (n,)
    mediator: jax.Array  # (n,)
    controls: jax.Array  # (n, k - 2)
    extra: jax.Array | None = None  # (n, q) the baseline's variables that the mediation does not use, or None
    bounds: jax.Array | None = None  # (2, m) fixed normalisation bounds (goalposts), or None: each sample's min-max
    present: jax.Array | None = None  # (n,) 1 for a row of the data, 0 for an empty cell of the grid; None: balanced

    def others(self) -> jax.Array:
        """(n, k + q) the regression variables in their fixed order: regressor, controls, mediator,
        then the baseline's extra variables."""
        parts = [self.regressor[:, None], self.controls, self.mediator[:, None]]
        return jnp.concatenate(parts if self.extra is None else [*parts, self.extra], axis=1)


class Baseline(NamedTuple):
    """The baseline equation of every index (static: hashable), over the regression variables of
    :meth:`MediationArrays.others`: ``columns`` the positions of its regressor (first) and
    controls; ``fixed_effects`` ``"entity"``, ``"two_way"`` (entity and period) or ``"none"`` (OLS
    with a constant). ``None`` where a baseline is asked for means the mediation's own total-effect
    equation (its regressor and controls, its fixed effects)."""

    columns: tuple[int, ...]
    fixed_effects: str


class Layout(NamedTuple):
    """What the arrays of :func:`mediation_arrays` hold, by name."""

    indicators: tuple[str, ...]  # the m indicator columns
    symbols: tuple[str, ...]  # the index symbols of members rows 1..
    index: str  # the mediation's index symbol (members row 0)
    n_entities: int
    n_periods: int
    baseline: Baseline  # the spec's baseline equation


def index_members(idx, symbol: str) -> np.ndarray:
    """0/1 indicator membership (m,) of an index symbol of an index spec (the overall index or a
    dimension's sub-index).

    Parameters
    ----------
    idx : IndexSpec
        The index spec (:func:`~resilience_jax.data.spec.load_index`).
    symbol : str
        The overall index symbol or a dimension's symbol.

    Returns
    -------
    numpy.ndarray
        The (m,) float memberships, in the index spec's indicator order.

    Raises
    ------
    EstimationError
        An unknown symbol (the message lists the spec's).

    Example
    -------
    >>> from resilience_jax.data import load_index
    >>> from resilience_jax.data.arrays import index_members
    >>> index_members(load_index(), "REICC").astype(int).tolist()
    [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    """
    if symbol == idx.symbol:
        return np.ones(len(idx.indicators))
    keys = [d.key for d in idx.dimensions if d.symbol == symbol]
    if not keys:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(idx.symbols)}")
    return np.array([float(i.dimension == keys[0]) for i in idx.indicators])


def mediation_arrays(panel, index: str | None = None) -> tuple[MediationArrays, Layout]:
    """The arrays of the spec's mediation model on ``panel`` with ``index`` (default: the overall
    index) as its outcome, and their :class:`Layout`.

    Parameters
    ----------
    panel : Panel
        A validated, balanced panel (sorted by entity then time).
    index : str, optional
        The index symbol used as the mediation's outcome (default: the overall index).

    Returns
    -------
    arrays : MediationArrays
        The indicators (as the index spec declares them: transformed, capped), directions, index
        memberships, regressor, mediator and controls, and the fixed bounds (or None), in the
        active float dtype.
    layout : Layout
        The names of what the arrays hold and the panel's (entities, periods).

    Raises
    ------
    EstimationError
        ``index`` is not a symbol of the spec's index.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arrays, layout = mediation_arrays(rj.load_panel(), "REICD")
    >>> arrays.X_ind.shape, arrays.members.shape, layout.symbols
    ((420, 15), (4, 15), ('REIC', 'REICD', 'REICC'))
    """
    spec = panel.spec
    idx = spec.index
    symbol = index or idx.symbol
    members = np.array([index_members(idx, s) for s in (symbol, *idx.symbols)])
    m = spec.mediation
    f = panel.frame
    dt = _x64.float_dtype()
    baseline, extra = _baseline(spec)
    X, bounds = panel.index_inputs()  # as the index spec declares: transformed, capped at fixed bounds or not
    G, T = panel.shape
    grid = _grid(panel)
    arrays = MediationArrays(*(jnp.asarray(a, dtype=dt) for a in (
        grid(X), idx.directions, members, grid(f[m.regressor].to_numpy()), grid(f[m.mediator].to_numpy()),
        grid(f[list(m.controls)].to_numpy()))), extra=jnp.asarray(grid(f[extra].to_numpy()), dtype=dt) if extra else None,
        bounds=None if bounds is None else jnp.asarray(bounds, dtype=dt),
        present=None if panel.balanced else jnp.asarray(panel.present().reshape(-1), dtype=dt))
    return arrays, Layout(tuple(idx.columns), tuple(idx.symbols), symbol, G, T, baseline)


def _grid(panel):
    """The panel's rows placed on its (entity, period) grid (n = G T rows, sorted by entity): the
    identity on a balanced panel; on an unbalanced one the empty cells hold each column's smallest
    value (finite, inside the data's range: weighted by 0 everywhere, they change nothing)."""
    if panel.balanced:
        return lambda a: a
    G, T = panel.shape
    at = panel.entity_codes().astype(np.int64) * T + panel.period_codes()

    def place(a):
        a = np.asarray(a, dtype=np.float64)
        out = np.empty((G * T, *a.shape[1:]))
        out[:] = a.min(axis=0) if len(a) else 0.0
        out[at] = a
        return out
    return place


def _baseline(spec) -> tuple[Baseline, list[str]]:
    """The spec's [baseline] as positions among the regression variables, and the variables it
    adds to the mediation's (appended after the mediator)."""
    m, b = spec.mediation, spec.baseline
    names = [m.regressor, *m.controls, m.mediator]
    extra = [v for v in (b.regressor, *b.controls) if v not in names]
    names += extra
    fes = tuple(b.fixed_effects)
    if fes == ():
        kind = "none"
    elif fes == (spec.entity,):
        kind = "entity"
    elif set(fes) == {spec.entity, spec.time} and len(fes) == 2:
        kind = "two_way"
    else:
        raise EstimationError(f"the bootstrap re-estimates the baseline with {spec.entity} and/or {spec.time} fixed "
                              f"effects; [baseline] has {list(fes)}")
    return Baseline(tuple(names.index(v) for v in (b.regressor, *b.controls)), kind), extra
