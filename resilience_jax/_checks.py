"""Checks of scalar arguments shared by the public functions (user input: errors, never asserts)."""

from __future__ import annotations

import numpy as np

from .errors import EstimationError


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise EstimationError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1


def seed(value) -> int:
    """An integer seed in ``[-2^63, 2^64)`` (the key is made from it once, by :func:`key`)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise EstimationError(f"seed must be an integer, got {value!r}")
    if not SEED_MIN <= int(value) <= SEED_MAX:
        raise EstimationError(f"seed must be between -2**63 and 2**64 - 1 (a 64-bit seed), got {value}")
    return int(value)


def key(value):
    """The ``jax.random`` key of a seed: ``jax.random.key(seed)`` for seeds that fit in a signed
    64-bit integer; seeds from 2^63 to 2^64 - 1 (which ``jax.random.key`` refuses) are the key whose
    two 32-bit words are the seed's high and low halves, as ``jax.random.key`` makes it for the
    others (so a seed is read modulo 2^64: -1 and 2^64 - 1 are the same key, as in JAX)."""
    import jax

    s = seed(value)
    if s < 2**63:
        try:
            return jax.random.key(s)
        except OverflowError:  # float32 mode: no 64-bit integers
            pass
    u = s % 2**64
    return jax.random.wrap_key_data(np.array([u >> 32, u & 0xFFFFFFFF], dtype=np.uint32))
