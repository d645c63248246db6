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
    q_lo, q_hi = bca_levels(draws, estimate, jack, level)
    lo = np.array([np.quantile(draws[:, j], q_lo[j]) for j in range(draws.shape[1])])
    hi = np.array([np.quantile(draws[:, j], q_hi[j]) for j in range(draws.shape[1])])
    return lo, hi


def bca_levels(draws: np.ndarray, estimate: np.ndarray, jack: np.ndarray | None, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The quantile levels (lower, upper), each (p,), at which :func:`bca_ci` reads the draws.

    Example
    -------
    >>> import numpy as np
    >>> d = np.random.default_rng(0).normal(size=(4001, 1))
    >>> lo, hi = bca_levels(d, np.median(d, axis=0), None, 0.9)
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.05, 0.95)
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
    return tuple(ndtr(z0 + (z0 + z) / (1 - acc * (z0 + z))) for z in (ndtri((1 - level) / 2), ndtri((1 + level) / 2)))


MIN_TAIL_DRAWS = 10  # draws beyond each end of a nominal interval (400 replicates for a 95% interval)


def check_tails(n_draws: int, level: float, method: str, q_lo=None, q_hi=None, names=()) -> None:
    """Refuse too few replicates for an interval, and say where a BC/BCa interval reads beyond them.

    The nominal tails need at least ``MIN_TAIL_DRAWS`` draws beyond each end (a 95% interval: 400
    replicates), whatever the method. A BC/BCa interval reads its quantiles at bias- and
    acceleration-adjusted levels ``q_lo``, ``q_hi``; where fewer than one draw lies beyond one of
    them, the interval ends at an extreme draw: an :class:`~resilience_jax.errors.IntervalWarning`
    names the statistic and the number of replicates it would need.

    Raises
    ------
    EstimationError
        Fewer than ``MIN_TAIL_DRAWS / ((1 - level) / 2)`` replicates.

    Example
    -------
    >>> check_tails(1000, 0.95, "percentile")
    >>> check_tails(100, 0.95, "BCa")
    Traceback (most recent call last):
        ...
    resilience_jax.errors.EstimationError: 100 replicates are too few for a 95% BCa interval: each tail needs at least 10 draws beyond it, i.e. n_boot >= 400 (1,000 or more is the usual advice)
    """
    import math
    import warnings

    from ..errors import EstimationError, IntervalWarning

    need = math.ceil(MIN_TAIL_DRAWS / ((1 - level) / 2) - 1e-9)
    if n_draws < need:
        raise EstimationError(
            f"{n_draws} replicates are too few for a {level:.0%} {method} interval: each tail needs at least "
            f"{MIN_TAIL_DRAWS} draws beyond it, i.e. n_boot >= {need} (1,000 or more is the usual advice)")
    if q_lo is None:
        return
    tail = np.minimum(np.asarray(q_lo, float), 1.0 - np.asarray(q_hi, float))
    short = np.flatnonzero(~(n_draws * tail >= 1.0))
    if len(short):
        worst = short[np.argmin(tail[short])]
        more = math.ceil(1.0 / tail[worst]) if tail[worst] > 0 else "infinitely many"
        warnings.warn(
            f"the {level:.0%} {method} interval of {', '.join(repr(names[j]) for j in short)} reads a quantile beyond "
            f"the {n_draws} draws (for {names[worst]!r} at {tail[worst]:.2g}: the bias correction and acceleration push "
            f"it far into a tail), so it ends at an extreme draw; {more} replicates would reach it",
            IntervalWarning, stacklevel=3)


def jackknife_se(estimate: np.ndarray, jack: np.ndarray) -> np.ndarray:
    """(p,) the delete-one-cluster jackknife standard error of each statistic, centred at the
    full-sample ``estimate`` (p,): ``sqrt((G - 1) / G * sum_g (t_(g) - estimate)^2)`` for ``jack``
    (G, p) the leave-one-cluster-out statistics. For a regression coefficient this is the CV3 (CRV3)
    variance of MacKinnon, Nielsen & Webb (2023), as pyfixest's ``vcov="CRV3"`` computes it; centred
    at the estimate, it is at least the jackknife-mean-centred CV3J.

    Example
    -------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 4.0, 7.0])
    >>> jack = np.array([[np.delete(x, i).mean()] for i in range(4)])
    >>> bool(np.isclose(jackknife_se(np.array([x.mean()]), jack)[0], x.std(ddof=1) / 2))  # the mean's: s / sqrt(n)
    True
    """
    G = jack.shape[0]
    return np.sqrt((G - 1) / G * ((jack - estimate) ** 2).sum(axis=0))


def jackknife_t_ci(estimate: np.ndarray, jack: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Jackknife-t interval ``estimate -/+ t(G-1) * jackknife SE`` (:func:`jackknife_se`; G
    clusters left out one at a time, ``jack`` (G, p)); the reference is Student's t with G - 1
    degrees of freedom, as CRV1's small-sample convention (fixest, Stata).

    Example
    -------
    >>> import numpy as np
    >>> from scipy import stats
    >>> x = np.array([1.0, 2.0, 4.0, 7.0])
    >>> jack = np.array([[np.delete(x, i).mean()] for i in range(4)])
    >>> lo, hi = jackknife_t_ci(np.array([x.mean()]), jack, 0.95)
    >>> ref = stats.ttest_1samp(x, 0).confidence_interval(0.95)  # the mean's t interval
    >>> bool(np.isclose(lo[0], ref.low) and np.isclose(hi[0], ref.high))
    True
    """
    from scipy.stats import t as t_dist

    q = t_dist.ppf((1 + level) / 2, jack.shape[0] - 1)
    se = jackknife_se(estimate, jack)
    return estimate - q * se, estimate + q * se


def bootstrap_t_ci(draws: np.ndarray, se_draws: np.ndarray, estimate: np.ndarray, se: np.ndarray, level: float, *,
                   symmetric: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Studentised (bootstrap-t) interval: with ``t*_b = (theta*_b - theta) / se*_b``, the
    equal-tailed ``[theta - q_(1+l)/2(t*) se, theta - q_(1-l)/2(t*) se]`` or, ``symmetric``,
    ``theta -/+ q_l(|t*|) se`` (Hall 1992, ch. 3; Davison & Hinkley 1997, eq. 5.7).

    Parameters
    ----------
    draws, se_draws : numpy.ndarray
        (B, p) the replicates' statistics and their standard errors.
    estimate, se : numpy.ndarray
        (p,) the full-sample statistics and standard errors.
    level : float
        Coverage, e.g. 0.95.
    symmetric : bool
        The symmetric form.

    Example
    -------
    >>> import numpy as np
    >>> t = np.linspace(-2, 2, 401)[:, None]  # studentised draws, se* = 1 and theta* = t
    >>> lo, hi = bootstrap_t_ci(t, np.ones_like(t), np.zeros(1), np.full(1, 0.5), 0.9)
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (-0.9, 0.9)
    """
    t = (draws - estimate) / se_draws
    if symmetric:
        q = np.quantile(np.abs(t), level, axis=0)
        return estimate - q * se, estimate + q * se
    q_lo, q_hi = np.quantile(t, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return estimate - q_hi * se, estimate - q_lo * se
