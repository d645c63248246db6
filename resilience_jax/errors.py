"""Exception and warning classes.

Every error a user can provoke with bad input is a subclass of :class:`ResilienceError`; the CLI
prints its message and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations


class ResilienceError(Exception):
    """Base class of all user-facing errors raised by resilience_jax."""


class SpecError(ResilienceError):
    """A specification file in ``models/`` is malformed (missing field, unknown variable, ...)."""


class DataError(ResilienceError):
    """The input panel is unusable (missing column, duplicate rows, unbalanced, ...)."""


class OutputError(ResilienceError):
    """The output folder cannot be used (a file, not writable, under a file)."""


class EstimationError(ResilienceError):
    """An estimator cannot be computed on the given data (singular design, constant indicator, ...)."""


class ResilienceWarning(UserWarning):
    """Base class of warnings raised by resilience_jax."""


class InterpolationWarning(ResilienceWarning):
    """Missing cells were filled by within-province linear interpolation."""


class NumberFormatWarning(ResilienceWarning):
    """Numbers stored as text were read with thousands separators (the cells are listed)."""


class IntervalWarning(ResilienceWarning):
    """A bootstrap interval reads a quantile beyond its draws (it ends at an extreme draw)."""


class FewClustersWarning(ResilienceWarning):
    """Cluster-robust inference with fewer than 10 clusters is unreliable."""


class PosteriorWarning(ResilienceWarning):
    """The posterior's diagnostics fail a threshold (R-hat >= 1.01, an ESS below 400, divergent
    transitions, low E-BFMI, saturated trees), or its share a*b/c suggests suppression."""
