"""Independent plain-NumPy references shared by the tests (written from docs/method.md, section 2, not from the package)."""

import numpy as np


def numpy_entropy(X, directions, shift=0.0, bounds=None):
    """Entropy weight method, eqs. 4-9, with 0 ln 0 = 0: returns (weights, entropy, index, normalised).
    ``bounds`` (lo, hi): fixed normalisation bounds (goalposts), values beyond them capped."""
    X = np.asarray(X, dtype=float)
    d = np.asarray(directions)
    if bounds is None:
        mn, mx = X.min(axis=0), X.max(axis=0)
    else:
        mn, mx = (np.asarray(b, dtype=float) for b in bounds)
        X = np.minimum(np.maximum(X, mn), mx)
    Z = np.where(d > 0, (X - mn) / (mx - mn), (mx - X) / (mx - mn)) + shift
    P = Z / Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / np.log(X.shape[0])
    w = (1 - e) / (1 - e).sum()
    return w, e, (Z - shift) @ w, Z - shift


def numpy_entropy_by_mode(X, directions, period, mode):
    """Entropy index in a panel mode, plain NumPy from docs/method.md, section 2: ``per_year`` normalises
    and weights each period's cross-section; ``global`` normalises over all rows and averages the
    periods' entropies. Returns (weights (m,), or (T, m) per_year; index (n,))."""
    X, d, period = np.asarray(X, float), np.asarray(directions), np.asarray(period)
    periods = np.unique(period)

    def norm(Z, lo, hi):
        return np.where(d > 0, (Z - lo) / (hi - lo), (hi - Z) / (hi - lo))

    def entropy(Z):
        P = Z / Z.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(P > 0, P * np.log(P), 0.0)
        return -plogp.sum(axis=0) / np.log(Z.shape[0])

    if mode == "per_year":
        W, index = [], np.empty(len(X))
        for t in periods:
            rows = period == t
            Z = norm(X[rows], X[rows].min(axis=0), X[rows].max(axis=0))
            e = entropy(Z)
            w = (1 - e) / (1 - e).sum()
            W.append(w)
            index[rows] = Z @ w
        return np.array(W), index
    Z = norm(X, X.min(axis=0), X.max(axis=0))
    e = np.mean([entropy(Z[period == t]) for t in periods], axis=0)
    w = (1 - e) / (1 - e).sum()
    return w, Z @ w


def run_script(script: str, out, timeout: int = 600, **env) -> np.lib.npyio.NpzFile:
    """Run ``script`` (which saves its arrays to ``sys.argv[1]``) in a fresh Python process with
    extra environment variables (set before JAX starts), and load what it saved."""
    import os
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", script, str(out)], env=dict(os.environ, **env), check=True, timeout=timeout)
    return np.load(out)
