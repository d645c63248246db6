"""The normal equations, solved one way for every estimator: an equilibrated Gauss-Jordan sweep.

XLA:CPU dispatches LAPACK calls (Cholesky, triangular solves) one small matrix at a time; for
the K <= ~10 systems of this project an unrolled in-place sweep is several times faster batched,
fuses with its neighbours, and sweeps nested models in one pass (the mediation's total-effect and
a-path equations share the regressor and controls; the b-path adds the mediator as one more pivot).

``[X'X | X'Y]`` is equilibrated (``d = 1 / sqrt(diag X'X)``), so the pivot of column j when it is
swept is ``1 - R^2`` of column j on the columns swept before it: a pivot below ``SINGULAR_TOL`` (or
not finite) flags a collinear or absorbed regressor, as pyfixest's ``collin_tol``.
Batch axes (replicates) trail the matrix axes.
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import jax
import jax.numpy as jnp

SINGULAR_TOL = 1e-10


class Swept(NamedTuple):
    """Equilibrated ``[X'X | X'Y]`` rows after sweeping some pivots (:func:`sweep`).

    After sweeping pivots ``0..s-1``: ``Z[:s, :s]`` is the inverse of the equilibrated leading block
    and ``Z[:s, k + e]`` the coefficients of outcome e on the first s columns (equilibrated units;
    :func:`coefficients` and :func:`inverse_rows` undo the scaling).
    """

    Z: jax.Array  # (k, k + E, *batch)
    d: jax.Array  # (k, *batch) equilibration 1 / sqrt(diag X'X)
    pivot: jax.Array  # (*batch,) smallest pivot swept so far (1 - R^2), +inf before any


def sweep_rows(Z: jax.Array, j: int) -> jax.Array:
    """One Gauss-Jordan sweep on pivot ``j`` of the top rows ``Z`` (k, K, ...) of a symmetric
    positive definite K x K matrix (batch axes last).

    After sweeping pivots S (in any order): ``Z[S, S]`` is the inverse of the S block and
    ``Z[S, T]`` the coefficients of columns T regressed on columns S; rows not yet swept hold the
    partialled-out cross products. No pivoting: valid for SPD matrices, equilibrated by the caller.

    Parameters
    ----------
    Z : jax.Array
        (k, K, ...) the top k rows of the matrix (K >= k: outcome columns may follow), batch axes
        last.
    j : int
        The pivot (static), ``0 <= j < k``.

    Returns
    -------
    jax.Array
        (k, K, ...) the rows after sweeping pivot ``j``.

    Example
    -------
    Sweeping pivot 0 of ``[[2, 1], [1, 2]]`` with one outcome column ``[3, 0]``: the inverse of the
    first block (0.5), the outcome's coefficient on column 0 (1.5), and what is left of column 1
    once column 0 is partialled out (1.5):

    >>> import jax.numpy as jnp
    >>> sweep_rows(jnp.array([[2.0, 1.0, 3.0], [1.0, 2.0, 0.0]]), 0).tolist()
    [[0.5, 0.5, 1.5], [-0.5, 1.5, -1.5]]
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


def equilibrate(XX: jax.Array, XY: jax.Array) -> Swept:
    """``[D X'X D | D X'Y]`` with ``D = diag(1 / sqrt(diag X'X))``; nothing swept yet.

    A column with a zero diagonal must be masked by the caller (a 1 on its diagonal and zeros
    elsewhere).

    Parameters
    ----------
    XX : jax.Array
        (k, k, ...) cross products ``X'X``, batch axes trailing.
    XY : jax.Array
        (k, E, ...) cross products ``X'Y`` with E outcomes.

    Returns
    -------
    Swept
        ``Z`` (k, k + E, ...) the equilibrated rows, ``d`` (k, ...) the scaling and ``pivot`` (...)
        +inf (no pivot swept yet).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> s = equilibrate(jnp.array([[4.0, 2.0], [2.0, 9.0]]), jnp.array([[2.0], [3.0]]))
    >>> s.d.tolist(), float(s.pivot)
    ([0.5, 0.3333], inf)
    >>> s.Z[0].tolist()  # unit diagonal
    [1.0, 0.3333, 1.0]
    """
    k = XX.shape[0]
    d = 1.0 / jnp.sqrt(jnp.stack([XX[i, i] for i in range(k)]))
    Z = jnp.concatenate([XX * d[:, None] * d[None, :], XY * d[:, None]], axis=1)
    return Swept(Z, d, jnp.full(d.shape[1:], jnp.inf, d.dtype))


def sweep(s: Swept, pivots: Sequence[int], *, unroll: bool = True) -> Swept:
    """Sweep the given pivots (static) of an equilibrated system, tracking the smallest pivot.

    ``unroll=False`` runs consecutive pivots as one loop (``lax.fori_loop``): the same arithmetic,
    compiled once instead of once a pivot, for callers whose compile time matters more than the
    last microsecond (the suite's single fits); the bootstrap's batched paths unroll.

    Parameters
    ----------
    s : Swept
        An equilibrated system (:func:`equilibrate`), possibly swept on other pivots already.
    pivots : sequence of int
        The pivots to sweep, in order (static).
    unroll : bool, optional
        Unroll the sweeps (default) or run consecutive pivots as one ``lax.fori_loop``.

    Returns
    -------
    Swept
        The swept rows, with ``pivot`` the smallest of its previous value and the pivots swept
        (each the ``1 - R^2`` of its column on the columns swept before it).

    Example
    -------
    The two columns have (uncentred) correlation 1/3, so the second pivot is ``1 - 1/9``:

    >>> import jax.numpy as jnp
    >>> s = equilibrate(jnp.array([[4.0, 2.0], [2.0, 9.0]]), jnp.array([[2.0], [3.0]]))
    >>> float(sweep(s, [0]).pivot)
    1.0
    >>> round(float(sweep(s, [0, 1]).pivot), 6)
    0.888889
    """
    Z, pivot = s.Z, s.pivot
    pivots = list(pivots)
    if not unroll and len(pivots) > 1 and pivots == list(range(pivots[0], pivots[0] + len(pivots))):
        def body(j, state):
            Z, pivot = state
            return sweep_rows(Z, j), jnp.minimum(pivot, jax.lax.dynamic_index_in_dim(
                jax.lax.dynamic_index_in_dim(Z, j, 0, keepdims=False), j, 0, keepdims=False))

        Z, pivot = jax.lax.fori_loop(pivots[0], pivots[-1] + 1, body, (Z, pivot))
        return Swept(Z, s.d, pivot)
    for j in pivots:
        pivot = jnp.minimum(pivot, Z[j, j])
        Z = sweep_rows(Z, j)
    return Swept(Z, s.d, pivot)


def coefficients(s: Swept, n: int, outcome: int | None = None) -> jax.Array:
    """(n, E, ...) coefficients of the outcomes on the first ``n`` columns (swept: ``0..n-1``), or
    (n, ...) of one ``outcome``.

    Parameters
    ----------
    s : Swept
        A system swept on pivots ``0..n-1`` (:func:`sweep`).
    n : int
        Number of leading columns the outcomes are regressed on.
    outcome : int or None, optional
        One outcome, in ``0..E-1``; None (default) for all of them.

    Returns
    -------
    jax.Array
        (n, E, ...) coefficients in the original units, or (n, ...) for one ``outcome``.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> s = equilibrate(jnp.array([[4.0, 2.0], [2.0, 9.0]]), jnp.array([[2.0], [3.0]]))
    >>> coefficients(sweep(s, [0, 1]), 2).tolist()  # solve([[4, 2], [2, 9]], [2, 3])
    [[0.375], [0.25]]
    >>> coefficients(sweep(s, [0]), 1, 0).tolist()  # on the first column alone: 2 / 4
    [0.5]
    """
    k = s.d.shape[0]
    if outcome is not None:
        return s.Z[:n, k + outcome] * s.d[:n]
    return s.Z[:n, k:] * s.d[:n, None]


def inverse_rows(s: Swept, rows: Sequence[int], n: int) -> jax.Array:
    """(len(rows), n, ...) rows of ``(X_n'X_n)^-1`` for the first ``n`` columns (swept: ``0..n-1``).

    Parameters
    ----------
    s : Swept
        A system swept on pivots ``0..n-1`` (:func:`sweep`).
    rows : sequence of int
        The rows wanted, each in ``0..n-1``.
    n : int
        Number of leading columns of ``X_n``.

    Returns
    -------
    jax.Array
        (len(rows), n, ...) the rows of the inverse, in the original units.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> s = sweep(equilibrate(jnp.array([[4.0, 2.0], [2.0, 9.0]]), jnp.array([[2.0], [3.0]])), [0, 1])
    >>> inverse_rows(s, [0, 1], 2).tolist()  # inv([[4, 2], [2, 9]])
    [[0.28125, -0.0625], [-0.0625, 0.125]]
    """
    r = jnp.stack([s.Z[i, :n] for i in rows])
    return r * jnp.stack([s.d[i] for i in rows])[:, None] * s.d[None, :n]


def singular(pivot: jax.Array) -> jax.Array:
    """True where the smallest pivot says the design is (numerically) singular.

    Parameters
    ----------
    pivot : jax.Array
        (...) smallest pivots (``1 - R^2``), e.g. :attr:`Swept.pivot`.

    Returns
    -------
    jax.Array
        (...) bool: True where the pivot is below ``SINGULAR_TOL`` or not finite.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> singular(jnp.array([0.5, 1e-12, jnp.nan])).tolist()
    [False, True, True]
    """
    return ~(pivot >= SINGULAR_TOL)


class Solution(NamedTuple):
    coef: jax.Array  # (k, ...) or (k, E, ...)
    inverse: jax.Array  # (k, k, ...) (X'X)^-1
    pivot: jax.Array  # smallest pivot (1 - R^2)


def solve_normal(XX: jax.Array, Xy: jax.Array, *, unroll: bool = True) -> Solution:
    """Coefficients, ``(X'X)^-1`` and the smallest pivot of the normal equations ``X'X b = X'y``.

    Parameters
    ----------
    XX : jax.Array
        (k, k, ...) symmetric positive (semi)definite cross products.
    Xy : jax.Array
        (k, ...) one outcome, or (k, E, ...) several.
    unroll : bool, optional
        Unroll the sweep (see :func:`sweep`).

    Returns
    -------
    Solution
        ``coef`` (k, ...) or (k, E, ...), ``inverse`` (k, k, ...) ``(X'X)^-1`` and ``pivot`` (...) the
        smallest pivot (``1 - R^2``; see :func:`singular`).

    Example
    -------
    >>> import jax.numpy as jnp
    >>> sol = solve_normal(jnp.array([[2.0, 0.0], [0.0, 4.0]]), jnp.array([2.0, 2.0]))
    >>> sol.coef.tolist(), float(sol.pivot)
    ([1.0, 0.5], 1.0)
    """
    k = XX.shape[0]
    one = Xy.ndim == XX.ndim - 1
    s = sweep(equilibrate(XX, Xy[:, None] if one else Xy), range(k), unroll=unroll)
    coef = coefficients(s, k)
    return Solution(coef[:, 0] if one else coef, inverse_rows(s, range(k), k), s.pivot)
