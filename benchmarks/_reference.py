"""Shared by the benchmark scripts: the plain-NumPy entropy index (what a user's loop would compute)
and the synthetic county-sized panel of the scaling figures."""

import numpy as np


def numpy_entropy_index(X: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Entropy weight method (pooled, 0 ln 0 = 0) and the composite index of an (n, m) table."""
    mn, mx = X.min(0), X.max(0)
    Z = np.where(d > 0, (X - mn) / (mx - mn), (mx - X) / (mx - mn))
    P = Z / Z.sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e = -np.where(P > 0, P * np.log(P), 0).sum(0) / np.log(len(X))
    w = (1 - e) / (1 - e).sum()
    return Z @ w


def county_panel(G: int, T: int, directions: np.ndarray, dtype=float):
    """A synthetic G x T panel with the embedded panel's structure (len(directions) lognormal
    indicators, a regressor, a mediator, 5 controls) as MediationArrays: the scaling figures'
    2,800-entity (county-level) panel."""
    import jax.numpy as jnp

    from resilience_jax.data.arrays import MediationArrays

    m = len(directions)
    rng = np.random.default_rng(0)
    s = rng.normal(size=(G, 1))
    x = 0.6 * s + 0.8 * np.linspace(-1, 1, T)[None] + 0.3 * rng.normal(size=(G, T))
    u = 0.5 * x + 0.5 * s + 0.3 * rng.normal(size=(G, T))
    C = rng.normal(size=(G, 1, 5)) + 0.5 * rng.normal(size=(G, T, 5))
    X = np.exp(np.linspace(2, 8, m) + s[:, :, None] + 0.2 * x[:, :, None] + 0.1 * u[:, :, None]
               + 0.2 * rng.normal(size=(G, T, m)))
    return MediationArrays(*(jnp.asarray(a, dtype=dtype) for a in (
        X.reshape(-1, m), directions, np.ones((1, m)), x.ravel(), u.ravel(), C.reshape(-1, 5))))
