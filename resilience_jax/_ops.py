"""Small array helpers shared by every layer (no imports from the package)."""

from __future__ import annotations

from collections import Counter

# How many times each compiled function of the package has been traced (a trace is a compile), by
# name: incremented inside the function bodies, which run only while JAX traces. Read by the
# trace-count tests ("compiles once").
TRACES: Counter = Counter()


def add_up(terms):
    """Sum of a list of arrays as a chain of adds.

    XLA fuses the chain into one elementwise loop; a stacked reduction over a new axis is several
    times slower for the batch-last layouts of the bootstrap.

    Example
    -------
    >>> add_up([1.0, 2.0, 3.0])
    6.0
    """
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


def expand_trailing(w, ndim: int):
    """An array (G, *batch) reshaped to broadcast against (G, <other axes>, *batch) of ``ndim`` axes.

    Example
    -------
    >>> import numpy as np
    >>> expand_trailing(np.ones((30, 5)), 4).shape
    (30, 1, 1, 5)
    """
    return w.reshape(w.shape[:1] + (1,) * (ndim - w.ndim) + w.shape[1:])
