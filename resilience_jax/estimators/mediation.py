"""Three-step (Baron-Kenny) mediation from three fits: pure and jittable.

total effect ``c``:  Y ~ X + Z;  a-path:  M ~ X + Z;  b-path and direct effect ``c'``:  Y ~ X + M + Z.
Indirect effect ``a*b``, share ``a*b / c``, Sobel/Aroian/Goodman tests, and a Monte Carlo interval
for ``a*b`` (Selig & Preacher 2008): ``a ~ N(a, se_a^2)`` and ``b ~ N(b, se_b^2)`` drawn
independently (the two come from separate equations, so their estimated covariance is zero).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp

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
    """Indirect effect, share of the total effect and the three normal-theory tests."""
    ab = a * b
    return MediationEffects(a, se_a, b, se_b, c, se_c, c_prime, se_c_prime, ab, ab / c, sobel_core(a, se_a, b, se_b))


def monte_carlo_ab(key: jax.Array, a, se_a, b, se_b, n_draws: int = 20_000) -> jax.Array:
    """Draws of ``a*b`` for the Monte Carlo confidence interval (percentiles of the draws)."""
    ka, kb = jax.random.split(key)
    return (a + se_a * jax.random.normal(ka, (n_draws,))) * (b + se_b * jax.random.normal(kb, (n_draws,)))


@partial(jax.jit, static_argnames=("n_draws",))
def mediation_summary_core(key, a, se_a, b, se_b, c, se_c, c_prime, se_c_prime, level, *, n_draws: int = 20_000):
    """Effects, tests and the Monte Carlo interval ``(lo, hi)`` of ``a*b`` in one compiled call."""
    eff = mediation_effects(a, se_a, b, se_b, c, se_c, c_prime, se_c_prime)
    draws = monte_carlo_ab(key, a, se_a, b, se_b, n_draws)
    lo, hi = jnp.quantile(draws, jnp.stack([(1 - level) / 2, (1 + level) / 2]))
    return eff, lo, hi
