"""Small dense linear algebra for the estimators: pure jnp, cheap to compile and to run batched.

XLA:CPU dispatches LAPACK calls (Cholesky, triangular solves) one small matrix at a time; for
the K <= ~10 systems of this project an unrolled in-place Gauss-Jordan sweep is several times
faster and fuses with its neighbours.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def spd_inverse(A: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Inverse of a symmetric positive definite (..., k, k) matrix and its smallest pivot.

    Gauss-Jordan without pivoting (valid for SPD matrices). For an equilibrated matrix (unit
    diagonal) pivot j is ``1 - R^2`` of column j on the columns before it, so a pivot near zero
    (or not finite) flags a singular design.
    """
    k = A.shape[-1]
    Z = jnp.moveaxis(A, (-2, -1), (0, 1))  # the sweep's layout: matrix axes first
    pivots = []
    for j in range(k):
        pivots.append(Z[j, j])
        Z = sweep_rows(Z, j)
    return jnp.moveaxis(Z, (0, 1), (-2, -1)), jnp.min(jnp.stack(pivots, axis=-1), axis=-1)


def sweep_rows(Z: jax.Array, j: int) -> jax.Array:
    """One Gauss-Jordan sweep on pivot ``j`` of the top rows ``Z`` (k, K, ...) of a symmetric
    positive definite K x K matrix (batch axes last, where XLA vectorises them).

    After sweeping pivots S (in any order): ``Z[S, S]`` is the inverse of the S block and
    ``Z[S, T]`` the coefficients of columns T regressed on columns S; rows not yet swept hold the
    partialled-out cross products. No pivoting: valid for SPD matrices, equilibrated by the caller.
    """
    k, K = Z.shape[:2]
    piv = Z[j, j]
    row = Z[j] / piv
    col = Z[:, j]
    pad = (1,) * (Z.ndim - 2)
    on_row = (jnp.arange(k) == j).reshape(k, 1, *pad)
    on_col = (jnp.arange(K) == j).reshape(1, K, *pad)
    Z = jnp.where(on_row, row[None], Z - col[:, None] * row[None])
    Z = jnp.where(on_col, (-col / piv)[:, None], Z)
    return jnp.where(on_row & on_col, 1.0 / piv, Z)
