"""The one place that decides floating-point precision.

Importing :mod:`resilience_jax` enables JAX's 64-bit mode, so every array the core creates is float64
(the numbers then agree with pyfixest/Stata to ~1e-10). To run in float32 (faster on GPUs), set the
environment variable ``RESILIENCE_JAX_FLOAT32=1`` before the first import.
"""

from __future__ import annotations

import os

import jax

FLOAT32 = os.environ.get("RESILIENCE_JAX_FLOAT32", "").strip().lower() in {"1", "true", "yes"}

if not FLOAT32:
    jax.config.update("jax_enable_x64", True)


def float_dtype():
    """The active floating dtype of the core (float64 unless the float32 opt-out is set)."""
    import jax.numpy as jnp

    return jnp.float32 if FLOAT32 else jnp.float64
