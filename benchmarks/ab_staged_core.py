"""Same-process A/B of the bootstrap paths: this checkout against the engine before the staged-core
refactor (default: commit d3ca9d9, whose numbers tests/data/bootstrap_golden.npz holds).

The base revision's package is exported with ``git archive`` to a temporary folder under the name
``resilience_jax_base`` (its absolute module names rewritten), so both engines run in one process
on the same arrays, timed in alternating rounds (a slow spell of a shared machine falls on both):
10,000 cluster replicates of what ``bootstrap()`` draws (the mediation on REIC plus the baselines of
REIC, REICD and REICC), default chunk sizes, post-compile, on the fast (tables) and general
(gathered rows) paths, and the rows path at 2,000. Prints best and median per path and the ratio
new / base, and writes ``benchmarks/results/ab_staged_core_<backend>.json``.

    python benchmarks/ab_staged_core.py [--base d3ca9d9] [--rounds 7]
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import jax
import numpy as np

import resilience_jax as rj
from resilience_jax.bootstrap.engine import run_replicates
from resilience_jax.data.arrays import mediation_arrays

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def import_base(rev: str, where: Path):
    """The package as it was at ``rev``, importable as ``resilience_jax_base``."""
    blob = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "resilience_jax"], check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(where)
    (where / "resilience_jax").rename(where / "resilience_jax_base")
    for path in (where / "resilience_jax_base").rglob("*.py"):
        path.write_text(path.read_text(encoding="utf-8").replace("resilience_jax.", "resilience_jax_base."), encoding="utf-8")
    sys.path.insert(0, str(where))
    return importlib.import_module("resilience_jax_base.bootstrap_engine")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", default="d3ca9d9")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    arrays, _ = mediation_arrays(rj.load_panel())
    with tempfile.TemporaryDirectory() as tmp:
        old = import_base(args.base, Path(tmp))
        old_data = old.BootData(*arrays[:6])  # the same arrays, in the same field order (no extra baseline columns)
        runners = {
            "new": lambda key, path, B: run_replicates(key, arrays, n_boot=B, n_entities=30, path=path),
            "base": lambda key, path, B: old.run_replicates(key, old_data, n_boot=B, n_entities=30, path=path),
        }
        cases = {"fast": 10_000, "general": 10_000, "rows": 2_000}
        for run in runners.values():  # compile both
            for path in cases:
                jax.block_until_ready(run(jax.random.key(0), path, 1000))
        times = {(who, path): [] for who in runners for path in cases}
        for rnd in range(args.rounds):
            for path, B in cases.items():
                for who in (("new", "base") if rnd % 2 else ("base", "new")):
                    t = time.perf_counter()
                    jax.block_until_ready(runners[who](jax.random.key(rnd + 1), path, B))
                    times[(who, path)].append(time.perf_counter() - t)
        # the two engines draw the same replicates: a check that they compute the same thing
        w_new, s_new = runners["new"](jax.random.key(3), "fast", 200)
        w_old, s_old = runners["base"](jax.random.key(3), "fast", 200)
        same = bool(np.array_equal(w_new, w_old) and np.allclose(np.asarray(s_new.ab), s_old[:, 15 + 8], rtol=1e-10))
    out = {"base": args.base, "rounds": args.rounds, "replicates": cases, "same_draws_and_ab": same,
           "best_s": {f"{w}_{p}": min(t) for (w, p), t in times.items()},
           "median_s": {f"{w}_{p}": float(np.median(t)) for (w, p), t in times.items()},
           "machine": {"backend": jax.default_backend(), "jax": jax.__version__}}
    print(f"same-process A/B, {args.rounds} alternating rounds; base {args.base}; same draws and a*b: {same}")
    print(f"{'path':10s} {'replicates':>10s} {'base best':>10s} {'new best':>10s} {'base median':>12s} {'new median':>11s} {'new/base (median)':>18s}")
    for path, B in cases.items():
        b, n = times[("base", path)], times[("new", path)]
        print(f"{path:10s} {B:10d} {min(b):9.3f}s {min(n):9.3f}s {np.median(b):11.3f}s {np.median(n):10.3f}s "
              f"{np.median(n) / np.median(b):17.2f}x")
    dest = HERE / "results" / f"ab_staged_core_{jax.default_backend()}.json"
    dest.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
