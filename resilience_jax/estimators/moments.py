"""Per-entity cross products of the within-demeaned raw indicators and the other variables.

After the within transformation a min-max index is linear in the raw indicators
(``y = X alpha`` with ``alpha_j = sign_j w_j / range_j``, docs/method.md, section 6), so every moment the
equations stage needs is a weighted sum of these tables times ``alpha``: a new weight vector, or an
entity-weighted bootstrap replicate, costs matrix products, not a refit. Built once on the host
(float64 NumPy), returned as device arrays of the input's dtype.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class EntityMoments(NamedTuple):
    """Cross products of the demeaned [indicators | others] of every entity g (others: regressor,
    controls, mediator; k of them; m indicators)."""

    m_oi: jax.Array  # (k * m, G) others x indicators, for entity-weighted sums (one matrix product)
    m_oo: jax.Array  # (k * k, G) others x others
    g_oi: jax.Array  # (G * k, m) the same per entity, rows for the cluster scores
    g_oo: jax.Array  # (G, k, k)


def entity_moments(X_ind, others, *, n_entities: int, present=None) -> EntityMoments:
    """Moments of a panel on its grid sorted by entity (rows of entity g are the g-th block of T),
    each entity's rows demeaned (over the rows ``present`` of an unbalanced panel).

    Parameters
    ----------
    X_ind : array_like
        (n, m) raw indicators, ``n = n_entities * T`` rows sorted by entity.
    others : array_like
        (n, k) regressor, controls, mediator.
    n_entities : int
        Number of entities G.
    present : array_like or None, optional
        (n,) 1 for the rows of an unbalanced panel's grid, 0 for its empty cells; None: balanced.

    Returns
    -------
    EntityMoments
        ``m_oi`` (k * m, G), ``m_oo`` (k * k, G), ``g_oi`` (G * k, m) and ``g_oo`` (G, k, k), device
        arrays of the dtype of ``X_ind``.

    Example
    -------
    >>> import numpy as np
    >>> mom = entity_moments(np.arange(8.0).reshape(4, 2), np.ones((4, 1)), n_entities=2)
    >>> mom.m_oi.shape, mom.g_oo.shape
    ((2, 2), (2, 1, 1))
    """
    dtype = jnp.asarray(X_ind).dtype
    X_ind, others = np.asarray(X_ind, dtype=np.float64), np.asarray(others, dtype=np.float64)
    n, m = X_ind.shape
    G = n_entities
    W = np.concatenate([X_ind, others], axis=1).reshape(G, n // G, -1)
    if present is None:
        W = W - W.mean(axis=1, keepdims=True)
    else:
        P = np.asarray(present, np.float64).reshape(G, n // G, 1)
        W = (W - (P * W).sum(axis=1, keepdims=True) / P.sum(axis=1, keepdims=True)) * P
    M = np.einsum("gtp,gtq->pqg", W, W)
    k = M.shape[0] - m
    f = lambda a: jnp.asarray(a, dtype=dtype)  # noqa: E731
    return EntityMoments(f(M[m:, :m].reshape(k * m, G)), f(M[m:, m:].reshape(k * k, G)),
                         f(M[m:, :m].transpose(2, 0, 1).reshape(G * k, m)), f(M[m:, m:].transpose(2, 0, 1)))
