"""Tests of indirect effects: Sobel, Aroian and Goodman (jittable).

For ``a`` (X -> M) and ``b`` (M -> Y | X) with standard errors ``sa``, ``sb``:

- Sobel (first-order delta):   ``z = ab / sqrt(b^2 sa^2 + a^2 sb^2)``
- Aroian (second-order):       ``z = ab / sqrt(b^2 sa^2 + a^2 sb^2 + sa^2 sb^2)``
- Goodman (unbiased variance): ``z = ab / sqrt(b^2 sa^2 + a^2 sb^2 - sa^2 sb^2)``, undefined when the
  variance is not positive (``goodman_defined`` is then False and its z and p are NaN)

two-sided p-values from the standard normal. The paper compares Sobel's z with 0.97, MacKinnon et
al.'s (2002) critical value for the product-of-coefficients statistic.
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax.scipy.stats import norm

from .. import _x64  # noqa: F401
from ..errors import EstimationError

class SobelTest(NamedTuple):
    ab: jnp.ndarray
    se: jnp.ndarray
    z: jnp.ndarray
    p: jnp.ndarray
    aroian_z: jnp.ndarray
    aroian_p: jnp.ndarray
    goodman_z: jnp.ndarray
    goodman_p: jnp.ndarray
    goodman_defined: jnp.ndarray


def _two_sided(z):
    return 2.0 * norm.sf(jnp.abs(z))


def sobel_core(a, se_a, b, se_b) -> SobelTest:
    """Jittable, vmappable Sobel/Aroian/Goodman statistics (no validation)."""
    ab = a * b
    first = b**2 * se_a**2 + a**2 * se_b**2
    second = se_a**2 * se_b**2
    se = jnp.sqrt(first)
    z = ab / se
    za = ab / jnp.sqrt(first + second)
    g_var = first - second
    ok = g_var > 0
    zg = jnp.where(ok, ab / jnp.sqrt(jnp.where(ok, g_var, 1.0)), jnp.nan)
    return SobelTest(ab, se, z, _two_sided(z), za, _two_sided(za), zg, jnp.where(ok, _two_sided(zg), jnp.nan), ok)


def sobel(a, se_a, b, se_b) -> SobelTest:
    """Sobel, Aroian and Goodman tests of the indirect effect ``a*b``.

    Works on estimates from :func:`resilience_jax.mediation` or on numbers printed in a paper.

    Example
    -------
    >>> t = sobel(0.409, 0.167, 0.093, 0.006)   # the paper's Table 9
    >>> round(float(t.z), 2)
    2.42
    """
    vals = [np.asarray(v, dtype=np.float64) for v in (a, se_a, b, se_b)]
    if not all(np.isfinite(v).all() for v in vals):
        raise EstimationError("sobel: a, se_a, b and se_b must be finite numbers")
    if (vals[1] <= 0).any() or (vals[3] <= 0).any():
        raise EstimationError("sobel: standard errors must be positive")
    return sobel_core(*vals)

