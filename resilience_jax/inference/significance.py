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
    """Jittable, vmappable Sobel/Aroian/Goodman statistics (no validation).

    Parameters
    ----------
    a, se_a : float or jax.Array
        The a-path coefficient (X -> M) and its standard error.
    b, se_b : float or jax.Array
        The b-path coefficient (M -> Y | X) and its standard error.

    Returns
    -------
    SobelTest
        ``ab``, Sobel's ``se``, ``z`` and ``p``, Aroian's and Goodman's z and p, and
        ``goodman_defined`` (arrays broadcast).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> t = sobel_core(jnp.array([0.409, 0.2]), jnp.array([0.167, 0.1]), jnp.array([0.093, 0.3]),
    ...                jnp.array([0.006, 0.1]))
    >>> [round(float(z), 4) for z in t.z], t.goodman_defined.tolist()
    ([2.4191, 1.6641], [True, True])
    >>> bool(sobel_core(0.1, 1.0, 0.1, 1.0).goodman_defined)  # Goodman's variance is negative
    False
    """
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

    Parameters
    ----------
    a, se_a : float or array_like
        The a-path coefficient (X -> M) and its standard error.
    b, se_b : float or array_like
        The b-path coefficient (M -> Y | X) and its standard error.

    Returns
    -------
    SobelTest
        ``ab``, Sobel's ``se``, ``z`` and two-sided ``p``, ``aroian_z`` and ``aroian_p``,
        ``goodman_z`` and ``goodman_p`` (NaN where ``goodman_defined`` is False); arrays broadcast.

    Raises
    ------
    EstimationError
        A value is not finite, or a standard error is not positive.

    Example
    -------
    >>> t = sobel(0.409, 0.167, 0.093, 0.006)   # the paper's Table 9
    >>> round(float(t.z), 2)
    2.42
    >>> round(float(t.p), 4), round(float(t.aroian_z), 2), bool(t.goodman_defined)
    (0.0156, 2.41, True)
    >>> sobel(0.409, 0.0, 0.093, 0.006)
    Traceback (most recent call last):
    ...
    resilience_jax.errors.EstimationError: sobel: standard errors must be positive
    """
    vals = [np.asarray(v, dtype=np.float64) for v in (a, se_a, b, se_b)]
    if not all(np.isfinite(v).all() for v in vals):
        raise EstimationError("sobel: a, se_a, b and se_b must be finite numbers")
    if (vals[1] <= 0).any() or (vals[3] <= 0).any():
        raise EstimationError("sobel: standard errors must be positive")
    return sobel_core(*vals)

