"""Tuning constants chosen per backend.

The chunk sizes, sub-batch sizes and candidate counts of the replicated computations were measured
on a 2-core CPU, where a chunk's arrays should stay in cache; an accelerator wants far larger
batches to fill its cores. :func:`tuned` picks the value of the backend JAX computes on (read when
a computation is prepared, after the backend has started). The accelerator values are not measured
yet (no accelerator was available; ``benchmarks/device.py`` is the script that will measure them):
they are the CPU's scaled up, and :func:`capped` keeps a chunk no larger than the next power of two
above the number of items, so a small job does not pay (or allocate) for a large chunk. None of
them changes a number: an item depends only on its index.
"""

from __future__ import annotations

import os

import jax

#: distributions whose presence means JAX will start an accelerator backend (unless JAX_PLATFORMS says cpu)
ACCELERATOR_PLUGINS = ("jax-cuda12-plugin", "jax-cuda13-plugin", "jax-rocm60-plugin", "jax-rocm7-plugin", "libtpu",
                       "jax-metal")


def on_cpu() -> bool:
    """Whether JAX computes on the CPU (starts the backend if it has not started).

    Example
    -------
    >>> isinstance(on_cpu(), bool)
    True
    """
    return jax.default_backend() == "cpu"


def tuned(cpu, accelerator):
    """``cpu`` on the CPU backend, ``accelerator`` on a GPU or TPU.

    Example
    -------
    >>> tuned(1000, 8192) == (1000 if on_cpu() else 8192)
    True
    """
    return cpu if on_cpu() else accelerator


def cpu_expected() -> bool:
    """Whether the backend that will start is the CPU, judged before it starts (for XLA:CPU flags,
    which must be set before): ``$JAX_PLATFORMS`` naming cpu first, or no accelerator plugin
    installed.

    Example
    -------
    >>> isinstance(cpu_expected(), bool)
    True
    """
    platforms = os.environ.get("JAX_PLATFORMS", "").strip().lower()
    if platforms:
        return platforms.split(",")[0] == "cpu"
    from importlib.metadata import PackageNotFoundError, version

    for name in ACCELERATOR_PLUGINS:
        try:
            version(name)
            return False
        except PackageNotFoundError:
            continue
    return True


def capped(chunk: int, n: int) -> int:
    """``chunk`` on a CPU; on an accelerator, at most the next power of two at or above ``n`` items
    (a few compiled shapes, and no chunk many times the job).

    Example
    -------
    >>> capped(65536, 1000) == (65536 if on_cpu() else 1024)
    True
    """
    return chunk if on_cpu() else min(int(chunk), 1 << max(0, int(n) - 1).bit_length())
