"""Bootstrap confidence intervals from draws (host-side NumPy): percentile, BC and BCa."""

from __future__ import annotations

import numpy as np


def percentile_ci(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed percentile interval of each column of ``draws`` (B, p) (NumPy's linear
    interpolation between order statistics).

    Parameters
    ----------
    draws : numpy.ndarray
        (B, p) bootstrap statistics.
    level : float
        Coverage of the interval, e.g. 0.95.

    Returns
    -------
    (lower, upper), each (p,).

    Example
    -------
    >>> import numpy as np
    >>> lo, hi = percentile_ci(np.arange(101.0)[:, None], 0.9)
    >>> float(lo[0]), float(hi[0])
    (5.0, 95.0)
    """
    return tuple(np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0))


def bca_ci(draws: np.ndarray, estimate: np.ndarray, jack: np.ndarray | None, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected (``jack=None``) or bias-corrected and accelerated interval (Efron 1987).

    ``z0 = Phi^-1(share of draws below the estimate)`` (ties count half); acceleration from the
    jackknife ``a = sum (m - t_i)^3 / (6 (sum (m - t_i)^2)^1.5)``; the interval takes the draws'
    quantiles at ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for ``z = Phi^-1((1 -/+ level) / 2)``.

    Parameters
    ----------
    draws, level
        As :func:`percentile_ci`.
    estimate : numpy.ndarray
        (p,) the full-sample statistics.
    jack : numpy.ndarray or None
        (G, p) leave-one-cluster-out statistics, or None for BC.

    Returns
    -------
    (lower, upper), two (p,) arrays.

    Example
    -------
    >>> import numpy as np
    >>> d = np.random.default_rng(0).normal(size=(4001, 1))
    >>> lo, hi = bca_ci(d, np.median(d, axis=0), None, 0.9)  # median estimate: BC = percentile
    >>> bool(abs(lo[0] - np.quantile(d, 0.05)) < 1e-3)
    True
    """
    from scipy.special import ndtr, ndtri

    below = (draws < estimate).mean(axis=0) + 0.5 * (draws == estimate).mean(axis=0)
    z0 = ndtri(np.clip(below, 1e-12, 1 - 1e-12))
    if jack is None:
        acc = np.zeros_like(z0)
    else:
        dev = jack.mean(axis=0) - jack
        den = 6.0 * (dev**2).sum(axis=0) ** 1.5
        acc = np.where(den > 0, (dev**3).sum(axis=0) / np.where(den > 0, den, 1.0), 0.0)
    out = []
    for z in (ndtri((1 - level) / 2), ndtri((1 + level) / 2)):
        q = ndtr(z0 + (z0 + z) / (1 - acc * (z0 + z)))
        out.append(np.array([np.quantile(draws[:, j], q[j]) for j in range(draws.shape[1])]))
    return out[0], out[1]
