"""Independent plain-NumPy references shared by the tests (written from SPEC.md, not from the package)."""

import numpy as np


def numpy_entropy(X, directions, shift=0.0):
    """Entropy weight method, eqs. 4-9, with 0 ln 0 = 0: returns (weights, entropy, index, normalised)."""
    X = np.asarray(X, dtype=float)
    d = np.asarray(directions)
    mn, mx = X.min(axis=0), X.max(axis=0)
    Z = np.where(d > 0, (X - mn) / (mx - mn), (mx - X) / (mx - mn)) + shift
    P = Z / Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / np.log(X.shape[0])
    w = (1 - e) / (1 - e).sum()
    return w, e, (Z - shift) @ w, Z - shift
