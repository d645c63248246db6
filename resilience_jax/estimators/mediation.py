"""Three-step (Baron-Kenny) mediation from three fits: pure and jittable.

total effect ``c``:  Y ~ X + Z;  a-path:  M ~ X + Z;  b-path and direct effect ``c'``:  Y ~ X + M + Z.
Indirect effect ``a*b``, share ``a*b / c``, Sobel/Aroian/Goodman tests, and a Monte Carlo interval
for ``a*b`` (Selig & Preacher 2008): ``a ~ N(a, se_a^2)`` and ``b ~ N(b, se_b^2)`` drawn
independently (the two come from separate equations, so their estimated covariance is zero).
"""

from __future__ import annotations

from functools import cache, partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

from .._ops import TRACES
from ..inference.significance import SobelTest, sobel_core


class MediationEffects(NamedTuple):
    a: jax.Array
    se_a: jax.Array
    b: jax.Array
    se_b: jax.Array
    c: jax.Array
    se_c: jax.Array
    c_prime: jax.Array
    se_c_prime: jax.Array
    ab: jax.Array
    share: jax.Array
    tests: SobelTest


def mediation_effects(a, se_a, b, se_b, c, se_c, c_prime, se_c_prime) -> MediationEffects:
    """Indirect effect, share of the total effect and the three normal-theory tests.

    Pure and jittable, with no validation (arrays broadcast).

    Parameters
    ----------
    a, se_a : float or jax.Array
        The a-path coefficient (mediator on the regressor) and its standard error.
    b, se_b : float or jax.Array
        The b-path coefficient (outcome on the mediator, given the regressor) and its standard error.
    c, se_c : float or jax.Array
        The total effect and its standard error.
    c_prime, se_c_prime : float or jax.Array
        The direct effect and its standard error.

    Returns
    -------
    MediationEffects
        The inputs, the indirect effect ``ab = a * b``, its ``share = ab / c`` of the total effect
        and the Sobel, Aroian and Goodman tests in ``tests``
        (:func:`~resilience_jax.inference.significance.sobel_core`).

    Example
    -------
    >>> eff = mediation_effects(0.4, 0.1, 0.5, 0.1, 0.3, 0.1, 0.1, 0.1)
    >>> round(float(eff.ab), 6), round(float(eff.share), 4), round(float(eff.tests.z), 4)
    (0.2, 0.6667, 3.1235)
    """
    ab = a * b
    return MediationEffects(a, se_a, b, se_b, c, se_c, c_prime, se_c_prime, ab, ab / c, sobel_core(a, se_a, b, se_b))


@partial(jax.jit, static_argnames=("n_draws",))
def mc_interval_batch(key, a, se_a, b, se_b, level, *, n_draws: int = 20_000) -> jax.Array:
    """Monte Carlo interval (Selig & Preacher) of ``a*b`` for a batch of mediations, (batch, 2):
    ``a ~ N(a, se_a^2)`` and ``b ~ N(b, se_b^2)`` independently, percentiles with linear
    interpolation between order statistics (NumPy's default). One key: the standard normal draws
    are made once and shared, so each mediation gets exactly the draws it would get alone (and
    the RNG is not vmapped, which keeps compilation short).

    Parameters
    ----------
    key : jax.Array
        PRNG key (``jax.random.key``) of the standard normal draws.
    a, se_a, b, se_b : jax.Array
        (batch,) the a- and b-path coefficients and their standard errors.
    level : float
        Coverage of the interval, e.g. 0.95.
    n_draws : int, optional
        Number of Monte Carlo draws (static).

    Returns
    -------
    jax.Array
        (batch, 2) lower and upper bounds of each mediation's interval.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> ci = mc_interval_batch(jax.random.key(0), jnp.array([0.4, 0.0]), jnp.array([0.1, 0.1]),
    ...                        jnp.array([0.5, 0.5]), jnp.array([0.1, 0.1]), 0.95, n_draws=500)
    >>> ci.shape, bool(ci[0, 0] > 0), bool(ci[1, 0] < 0 < ci[1, 1])  # a = 0.4: away from 0; a = 0: around it
    ((2, 2), True, True)
    """
    ka, kb = jax.random.split(key)
    za, zb = jax.random.normal(ka, (n_draws,)), jax.random.normal(kb, (n_draws,))
    draws = jnp.sort((a[:, None] + se_a[:, None] * za) * (b[:, None] + se_b[:, None] * zb), axis=1)
    pos = jnp.stack([(1 - level) / 2, (1 + level) / 2]) * (n_draws - 1)
    lo_i = jnp.floor(pos).astype(jnp.int32)
    frac = pos - lo_i
    hi_i = jnp.minimum(lo_i + 1, n_draws - 1)
    return draws[:, lo_i] * (1 - frac) + draws[:, hi_i] * frac


@partial(jax.jit, static_argnames=("n_draws",))
def mediation_summary_batch(key, a, se_a, b, se_b, c, se_c, c_prime, se_c_prime, level, *, n_draws: int = 20_000):
    """Effects, tests and the Monte Carlo interval of ``a*b`` (:func:`mc_interval_batch`) for a
    batch of mediations in one compiled call, packed as (batch, leaves of MediationEffects + [lo, hi])
    so that the host fetches a single array (unpack a row with :func:`unpack_summary`).

    Parameters
    ----------
    key, a, se_a, b, se_b, level, n_draws
        As :func:`mc_interval_batch`.
    c, se_c, c_prime, se_c_prime : jax.Array
        (batch,) the total and direct effects and their standard errors.

    Returns
    -------
    jax.Array
        (batch, 21) the 19 leaves of :class:`MediationEffects` (tests included), then the
        interval's lower and upper bounds.

    Example
    -------
    >>> import jax, jax.numpy as jnp
    >>> x = lambda v: jnp.array([v])
    >>> packed = mediation_summary_batch(jax.random.key(0), x(0.4), x(0.1), x(0.5), x(0.1), x(0.3), x(0.1),
    ...                                  x(0.1), x(0.1), 0.95, n_draws=500)
    >>> packed.shape
    (1, 21)
    >>> eff, lo, hi = unpack_summary(packed[0])
    >>> round(eff.ab, 6), lo < eff.ab < hi
    (0.2, True)
    """
    TRACES["mediation.summary_batch"] += 1
    q = mc_interval_batch(key, a, se_a, b, se_b, level, n_draws=n_draws)
    eff = mediation_effects(a, se_a, b, se_b, c, se_c, c_prime, se_c_prime)
    leaves = [jnp.broadcast_to(jnp.asarray(x, dtype=q.dtype), a.shape) for x in jax.tree_util.tree_leaves(eff)]
    return jnp.concatenate([jnp.stack(leaves, axis=1), q], axis=1)


@cache
def _effects_treedef():
    return jax.tree_util.tree_structure(MediationEffects(*([0.0] * 10), SobelTest(*([0.0] * 9))))


def unpack_summary(packed) -> tuple[MediationEffects, float, float]:
    """Inverse of the packing of :func:`mediation_summary_batch` (one row), as Python floats (and a bool).

    Parameters
    ----------
    packed : array_like
        (21,) one row of :func:`mediation_summary_batch`.

    Returns
    -------
    effects : MediationEffects
        The effects and tests as Python floats (``tests.goodman_defined`` a bool).
    lo, hi : float
        The Monte Carlo interval of ``a*b``.

    Example
    -------
    The layout of a row: the effects' fields in order, the tests', then the interval:

    >>> eff, lo, hi = unpack_summary([float(i) for i in range(21)])
    >>> eff.a, eff.share, eff.tests.z, eff.tests.goodman_defined, lo, hi
    (0.0, 9.0, 12.0, True, 19.0, 20.0)
    """
    values = [float(v) for v in packed]
    eff = jax.tree_util.tree_unflatten(_effects_treedef(), values[:-2])
    eff = eff._replace(tests=eff.tests._replace(goodman_defined=bool(eff.tests.goodman_defined)))
    return eff, values[-2], values[-1]
