"""Entity draws from keys: the resampling schemes of the bootstrap, replicate by replicate.

Replicate ``b`` of a run with key ``key`` uses ``replicate_key(key, b)`` (``jax.random.fold_in``),
so its draw depends only on its own index: the same key gives the same numbers whatever the chunk
size, the device count or the process count.
"""

from __future__ import annotations

from typing import Literal

import jax
import jax.numpy as jnp

from ..errors import EstimationError

Scheme = Literal["cluster", "bayesian"]


def replicate_key(key: jax.Array, b) -> jax.Array:
    """The key of replicate ``b``: its entity weights are ``draw_weights(replicate_key(key, b), ...)``.

    Parameters
    ----------
    key : jax.Array
        The run's PRNG key.
    b : int or jax.Array
        The replicate's index.

    Returns
    -------
    jax.Array
        The replicate's key, ``jax.random.fold_in(key, b)``.

    Example
    -------
    >>> import jax
    >>> k = jax.random.key(0)
    >>> bool((jax.random.key_data(replicate_key(k, 3)) == jax.random.key_data(jax.random.fold_in(k, 3))).all())
    True
    """
    return jax.random.fold_in(key, b)


def uniform_index(bits: jax.Array, n: int) -> jax.Array:
    """``floor(bits * n / 2^32)`` for 32-bit random words: an index in ``[0, n)``, each value with
    probability 1/n within 2^-32. Exact in 32-bit integer arithmetic (the high and low 16 bits
    apart), so float32 mode (no 64-bit integers) draws the same indices as float64 mode.

    Parameters
    ----------
    bits : jax.Array
        uint32 random words, any shape.
    n : int
        Number of values to draw among (static), ``1 <= n < 65536``.

    Returns
    -------
    jax.Array
        int32 indices in ``[0, n)``, the shape of ``bits``.

    Raises
    ------
    EstimationError
        ``n`` outside ``[1, 65536)``.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> uniform_index(jnp.array([0, 2**31, 2**32 - 1], jnp.uint32), 30).tolist()
    [0, 15, 29]
    """
    if not 1 <= n < 2**16:
        raise EstimationError(f"the cluster bootstrap draws among fewer than 65,536 entities; got {n}")
    hi, lo = bits >> 16, bits & 0xFFFF
    return ((hi * n + ((lo * n) >> 16)) >> 16).astype(jnp.int32)


def draw_weights(key: jax.Array, n_clusters: int, scheme: Scheme) -> jax.Array:
    """Entity weights of one replicate: multiplicities (``cluster``: G draws with replacement) or
    ``G * Dirichlet(1, ..., 1)`` (``bayesian``: Rubin's Bayesian bootstrap).

    Cluster draws take one threefry word per draw (:func:`uniform_index`; half of
    ``jax.random.randint``'s cost) and are counted by scatter-add (O(G)).

    Parameters
    ----------
    key : jax.Array
        The replicate's PRNG key (:func:`replicate_key`).
    n_clusters : int
        Number of entities G (static).
    scheme : {"cluster", "bayesian"}
        The resampling scheme.

    Returns
    -------
    jax.Array
        (G,) entity weights summing to G: integer multiplicities (``cluster``) or positive
        continuous weights (``bayesian``).

    Raises
    ------
    EstimationError
        ``scheme="cluster"`` with ``n_clusters`` outside ``[1, 65536)`` (:func:`uniform_index`).

    Example
    -------
    >>> import jax
    >>> float(draw_weights(jax.random.key(0), 30, "cluster").sum())
    30.0
    """
    if scheme == "cluster":
        draws = uniform_index(jax.random.bits(key, (n_clusters,), jnp.uint32), n_clusters)
        return jnp.zeros(n_clusters).at[draws].add(1.0)
    return n_clusters * jax.random.dirichlet(key, jnp.ones(n_clusters))
