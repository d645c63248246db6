"""The one named record of the staged core's statistics, for every path (the single fit, the
weighted rows, the per-entity tables, the gathered rows).

Fields have the replicate axis first (none for a single fit). Flat packing happens only at the
host boundary (:func:`to_columns`), with column names generated from the fields: the indicator
weights ``w_<indicator>``, the mediation statistics by name, ``beta_<index>`` and ``mean_<index>``
for each index symbol.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp
import numpy as np

from .. import status
from .._ops import add_up
from ..index.stage import IndexStage
from .equations import Equations
from .mediation import mediation_effects

# the scalar statistics, in the order of the columns
SCALARS = ("a", "se_a", "b", "se_b", "c", "se_c", "c_prime", "se_c_prime", "ab", "share", "sobel_z")


MediationStats = NamedTuple("MediationStats", [
    ("weights", jax.Array), *((name, jax.Array) for name in SCALARS), ("beta", jax.Array), ("mean", jax.Array),
    ("status", jax.Array)])
MediationStats.__doc__ = """Statistics of one mediation pipeline run (index stage, then equations stage).

``weights`` (..., m): the mediation index's indicator weights; the scalars of ``SCALARS`` (...,):
``a``, ``se_a``, ``b``, ``se_b``, ``c``, ``se_c``, ``c_prime``, ``se_c_prime``, ``ab``, ``share``,
``sobel_z``; ``beta`` (..., S) and ``mean`` (..., S): each index symbol's baseline coefficient on
the regressor and its mean; ``status`` (...,) int32 flags of :mod:`resilience_jax.status`.
"""


def mediation_stats(ist: IndexStage, eq: Equations, extra_status=0, *, batch_last: bool = False) -> MediationStats:
    """The record from the two stages (index 0 is the mediation's index, 1.. the symbols'), with
    the replicate axis moved first when the stages ran batch-last; a non-finite statistic that no
    flag explains is flagged ``NON_FINITE``.

    Parameters
    ----------
    ist : IndexStage
        The index stage (:func:`~resilience_jax.index.stage.index_stage`) of E indices: index 0 the
        mediation's, 1.. the index symbols'.
    eq : Equations
        The equations stage (:func:`~resilience_jax.estimators.equations.equations_stage`).
    extra_status : int or jax.Array, optional
        Further status flags to combine with the stages' (e.g. a demeaning that did not converge).
    batch_last : bool, optional
        The stages' replicate axis trails (moved first in the record).

    Returns
    -------
    MediationStats
        The record, replicate axis first (none for a single fit).

    Example
    -------
    Hand-made stages: an index over m = 2 indicators for the mediation and one index symbol:

    >>> import jax.numpy as jnp
    >>> from resilience_jax import status
    >>> from resilience_jax.index.stage import IndexStage
    >>> from resilience_jax.estimators.equations import Equations
    >>> w = jnp.array([[0.25, 0.75], [0.5, 0.5]])
    >>> ist = IndexStage(weights=w, divergence=jnp.array([0.2, 0.6]), lo=jnp.zeros(2), hi=jnp.ones(2), coef=w,
    ...                  mean=jnp.array([0.4, 0.5]), status=jnp.asarray(0))
    >>> x = jnp.asarray
    >>> eq = Equations(c=x(0.3), se_c=x(0.1), a=x(0.4), se_a=x(0.1), c_prime=x(0.1), se_c_prime=x(0.1), b=x(0.5),
    ...                se_b=x(0.1), beta=jnp.array([0.3, 0.2]), status=x(0))
    >>> st = mediation_stats(ist, eq)
    >>> st.weights.tolist(), round(float(st.ab), 6), st.beta.tolist(), st.mean.tolist(), int(st.status)
    ([0.25, 0.75], 0.2, [0.2], [0.5], 0)
    >>> status.names(int(mediation_stats(ist, eq._replace(c=x(0.0))).status))  # share = ab / 0
    ['non-finite statistic']
    """
    eff = mediation_effects(eq.a, eq.se_a, eq.b, eq.se_b, eq.c, eq.se_c, eq.c_prime, eq.se_c_prime)
    first = (lambda x: jnp.moveaxis(x, 0, -1)) if batch_last else (lambda x: x)
    out = MediationStats(
        first(ist.weights[0]), eff.a, eff.se_a, eff.b, eff.se_b, eff.c, eff.se_c, eff.c_prime, eff.se_c_prime,
        eff.ab, eff.share, eff.tests.z, first(eq.beta[1:]), first(ist.mean[1:]),
        # every flag int32 before combining (eager int32 | weak int64 crashes jaxlib 0.10.2 on CPU)
        ist.status.astype(jnp.int32) | eq.status.astype(jnp.int32) | jnp.asarray(extra_status, jnp.int32),
    )
    # 0 * v is 0 for a finite v and NaN otherwise: one sum finds any non-finite field
    zero = add_up([(0.0 * v).sum(axis=-1) if v.ndim > jnp.ndim(out.status) else 0.0 * v for v in out[:-1]])
    finite = jnp.isfinite(zero)
    flag = jnp.where((out.status == 0) & ~finite, status.NON_FINITE, status.OK).astype(jnp.int32)
    return out._replace(status=out.status | flag)


def column_names(indicators: Sequence[str], symbols: Sequence[str]) -> list[str]:
    """Column names of :func:`to_columns`: ``w_<indicator>``, the scalars, ``beta_<s>``, ``mean_<s>``.

    Parameters
    ----------
    indicators : sequence of str
        Names of the mediation index's indicators (one weight column each).
    symbols : sequence of str
        The index symbols (a ``beta_`` and a ``mean_`` column each).

    Returns
    -------
    list of str

    Example
    -------
    >>> column_names(["x1", "x2"], ["R"])
    ['w_x1', 'w_x2', 'a', 'se_a', 'b', 'se_b', 'c', 'se_c', 'c_prime', 'se_c_prime', 'ab', 'share',
     'sobel_z', 'beta_R', 'mean_R']
    """
    return [f"w_{c}" for c in indicators] + list(SCALARS) + [f"beta_{s}" for s in symbols] + [f"mean_{s}" for s in symbols]


def to_columns(stats: MediationStats) -> np.ndarray:
    """(R, columns) host array of a batch of records (the order of :func:`column_names`), status left out.

    Parameters
    ----------
    stats : MediationStats
        R records, replicate axis first.

    Returns
    -------
    numpy.ndarray
        (R, m + 11 + 2 S) the weights, the scalars of ``SCALARS``, the betas and the means.

    Example
    -------
    One record with m = 2 weights, the scalars 0, 1, ..., 10 and one index symbol:

    >>> import numpy as np
    >>> rec = MediationStats(np.array([[0.25, 0.75]]), *np.arange(11.0)[:, None], np.array([[0.2]]),
    ...                      np.array([[0.5]]), np.array([0]))
    >>> to_columns(rec).tolist()
    [[0.25, 0.75, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 0.2, 0.5]]
    """
    parts = [np.asarray(stats.weights)] + [np.asarray(getattr(stats, f))[:, None] for f in SCALARS]
    return np.concatenate(parts + [np.asarray(stats.beta), np.asarray(stats.mean)], axis=1)
