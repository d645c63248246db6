"""Golden bootstrap draws: every path, both schemes, fixed seeds, on the embedded panel.

Made once with the engine as it stood before the staged-core refactor (commit f7e36ec), so that
the refactored paths can be checked against the numbers they replaced:

    python scripts/make_bootstrap_golden.py           # (re)write tests/data/bootstrap_golden.npz
    python scripts/make_bootstrap_golden.py --check   # compare a fresh run with the file (rtol 1e-10)

Each case stores the replicates' statistics (``draws``), the entity weights (``mult``), the point
estimate and the province jackknife, with the column names, under ``<case>/<array>``. The file is
read by ``tests/test_golden.py``. Regenerate it only when a change of the numbers is intended, and
say why in the commit.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

import resilience_jax as rj

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "bootstrap_golden.npz"
RTOL, ATOL = 1e-10, 1e-12

# name: keyword arguments of rj.bootstrap
CASES = {
    "cluster_fast_fe": dict(scheme="cluster", path="fast", fixed_effects=True, seed=7, n_boot=64),
    "cluster_rows_fe": dict(scheme="cluster", path="rows", fixed_effects=True, seed=7, n_boot=64),
    "cluster_general_fe": dict(scheme="cluster", path="general", fixed_effects=True, seed=7, n_boot=64),
    "cluster_fast_pooled": dict(scheme="cluster", path="fast", fixed_effects=False, seed=8, n_boot=48),
    "cluster_general_pooled": dict(scheme="cluster", path="general", fixed_effects=False, seed=8, n_boot=48),
    "cluster_fast_fe_REICD": dict(scheme="cluster", path="fast", fixed_effects=True, seed=9, n_boot=40, index="REICD"),
    "cluster_general_fe_REICC": dict(scheme="cluster", path="general", fixed_effects=True, seed=9, n_boot=40, index="REICC"),
    "bayesian_fast_fe": dict(scheme="bayesian", path="fast", fixed_effects=True, seed=11, n_boot=64),
    "bayesian_rows_fe": dict(scheme="bayesian", path="rows", fixed_effects=True, seed=11, n_boot=64),
    "bayesian_fast_pooled": dict(scheme="bayesian", path="fast", fixed_effects=False, seed=12, n_boot=48),
}


def render() -> dict[str, np.ndarray]:
    panel = rj.load_panel()
    out: dict[str, np.ndarray] = {}
    for name, kw in CASES.items():
        res = rj.bootstrap(panel, **kw)
        cols = list(res.draws.columns)
        out[f"{name}/columns"] = np.array(cols)
        out[f"{name}/draws"] = res.draws[cols].to_numpy()
        out[f"{name}/mult"] = np.asarray(res.multiplicities)
        out[f"{name}/estimate"] = res.estimate[cols].to_numpy()
        out[f"{name}/jackknife"] = res.jackknife[cols].to_numpy()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare a fresh run with the file instead of writing it")
    args = ap.parse_args()
    fresh = render()
    if not args.check:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(OUT, **fresh)
        print(f"wrote {OUT} ({len(CASES)} cases)")
        return 0
    gold = np.load(OUT)
    bad = []
    for key, value in fresh.items():
        ref = gold[key]
        if value.dtype.kind in "US":
            ok = value.tolist() == ref.tolist()
        else:
            ok = value.shape == ref.shape and np.allclose(value, ref, rtol=RTOL, atol=ATOL)
        if not ok:
            bad.append(key)
    print("golden bootstrap draws match (rtol 1e-10)" if not bad else f"DIFFER: {bad}")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
