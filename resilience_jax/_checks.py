"""Checks of scalar arguments shared by the public functions (user input: errors, never asserts)."""

from __future__ import annotations

import numpy as np

from .errors import EstimationError


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise EstimationError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def seed(value) -> int:
    """An integer seed (``jax.random.key(seed)`` is made from it once, at the call site)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise EstimationError(f"seed must be an integer, got {value!r}")
    return int(value)
