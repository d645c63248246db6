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


def marsaglia_tsang(x, u, shape):
    """One Marsaglia & Tsang (2000) squeeze-and-reject proposal of a Gamma(shape, 1) variate, for
    shapes of at least 1 (callers boost smaller shapes: Gamma(a + 1) U^(1/a)): ``(accepted,
    value)`` from a standard normal ``x`` and a uniform ``u`` (elementwise, any shapes that
    broadcast). Shared by the conjugate sampler and the sensitivity study's Dirichlet draws.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> ok, g = marsaglia_tsang(jnp.array(0.0), jnp.array(0.5), jnp.array(3.0))
    >>> bool(ok), round(float(g), 4)
    (True, 2.6667)
    """
    import jax.numpy as jnp

    d = shape - 1.0 / 3.0
    c = 1.0 / jnp.sqrt(9.0 * d)
    v = (1.0 + c * x) ** 3
    ok = (v > 0) & (jnp.log(u) < 0.5 * x**2 + d - d * v + d * jnp.log(jnp.where(v > 0, v, 1.0)))
    return ok, d * v
