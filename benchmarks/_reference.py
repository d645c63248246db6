"""Plain-NumPy entropy index shared by the benchmark scripts (what a user's loop would compute)."""

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
