"""The accelerator benchmark, in one short run: what JAX's default device does with this package's
replicated computations, each figure beside the CPU figure of the same code.

Timed, post-compile, best of ``--rounds`` calls (the compile, i.e. the first call, reported apart),
in float64 and in float32 (``RESILIENCE_JAX_FLOAT32=1``, one process each, since the precision is
fixed when the package is imported):

- the fast-path bootstrap (per-entity tables) of the mediation on the embedded panel at 10^4, 10^5
  and 10^6 replicates;
- the gathered-rows path (``path="general"``) at 10^4 replicates;
- the fast path on a synthetic 2,800-entity x 20-period panel (a county-level panel), 10^4
  replicates;
- the weights sensitivity study at 10^6 Dirichlet weight vectors;
- NUTS with 4 vectorised chains x 1,000 warm-up + 1,000 draws (the mediation posterior).

A bootstrap figure is one call of the engine as the library makes it, the per-entity tables
prepared on the host included. Each set runs in a fresh process (``--worker``) on the default backend and, where that is not the
CPU, again with ``JAX_PLATFORMS=cpu``; the ratio printed is CPU seconds / device seconds of the
same code and sizes. The chunk sizes and candidate counts in use are the backend's own
(``resilience_jax._backend.tuned``) and are written down with the figures. Writes
``benchmarks/results/device_<backend>.json`` (with the device's name).

    python benchmarks/device.py            # full sizes (about 3 minutes on a 2-core CPU)
    python benchmarks/device.py --smoke    # tiny sizes, seconds: what the test suite runs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = {"boot": [10_000, 100_000, 1_000_000], "general": 10_000, "big": (2800, 20, 10_000), "weights": 1_000_000,
        "nuts": (4, 1000, 1000), "rounds": 3}
SMOKE = {"boot": [200, 1_000], "general": 200, "big": (120, 8, 200), "weights": 2_000, "nuts": (2, 30, 30),
         "rounds": 1}


def _timed(fn, rounds: int) -> dict:
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    runs = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return {"first_call_s": first, "best_s": min(runs), "all_s": runs}


def _big_arrays(G: int, T: int):
    """The scaling figures' synthetic G x T panel (benchmarks/_reference.py), 15 indicators, 4 of
    them negative, in the run's precision."""
    import numpy as np

    from _reference import county_panel  # benchmarks/ is on sys.path when a script runs
    from resilience_jax import _x64

    d = np.ones(15)
    d[::4] = -1.0  # some negative indicators
    return county_panel(G, T, d, dtype=_x64.float_dtype())


def worker(sizes: dict) -> dict:
    """The figures of one process (its backend and precision)."""
    import warnings

    import jax

    import resilience_jax as rj
    from resilience_jax import _x64
    from resilience_jax._backend import tuned
    from resilience_jax.bootstrap.engine import default_chunk, run_replicates
    from resilience_jax.bootstrap.paths.gathered import sub_batch
    from resilience_jax.bootstrap.paths.tables import n_head
    from resilience_jax.data.arrays import mediation_arrays
    from resilience_jax.sensitivity.api import WEIGHTS_CHUNK

    warnings.simplefilter("ignore")
    rounds = sizes["rounds"]
    panel = rj.load_panel()
    arrays, _ = mediation_arrays(panel)
    G = panel.shape[0]
    out = {"backend": jax.default_backend(), "devices": [str(d) for d in jax.devices()],
           "device_kind": jax.devices()[0].device_kind, "dtype": str(_x64.float_dtype().__name__),
           "jax": jax.__version__, "tuning": {"fast_chunk": default_chunk("fast"), "rows_chunk": default_chunk("rows"),
                                              "general_chunk": default_chunk("general"), "gathered_sub_batch": sub_batch(),
                                              "tabulated_candidates": n_head(),
                                              "weights_chunk": tuned(*WEIGHTS_CHUNK)},
           "figures": {}}
    figs = out["figures"]

    def record(name, fn, **meta):
        try:
            figs[name] = {**_timed(fn, rounds), **meta}
        except Exception as exc:  # a figure that fails is reported, the others still run
            figs[name] = {"error": f"{type(exc).__name__}: {exc}"[:400], **meta}
        print(f"  {out['backend']} {out['dtype']} {name}: {figs[name].get('best_s', figs[name].get('error'))}",
              file=sys.stderr, flush=True)

    key = jax.random.key(0)
    for B in sizes["boot"]:
        record(f"bootstrap_fast_{B}", lambda B=B: run_replicates(key, arrays, n_boot=B, n_entities=G), replicates=B)
    B = sizes["general"]
    record(f"bootstrap_general_{B}", lambda: run_replicates(key, arrays, n_boot=B, n_entities=G, path="general"),
           replicates=B)
    Gb, Tb, Bb = sizes["big"]
    big = _big_arrays(Gb, Tb)
    record(f"bootstrap_fast_panel_{Gb}x{Tb}_{Bb}", lambda: run_replicates(key, big, n_boot=Bb, n_entities=Gb),
           replicates=Bb, entities=Gb, periods=Tb)
    n = sizes["weights"]
    record(f"sensitivity_weights_{n}", lambda: rj.sensitivity(panel, n=n, seed=1), vectors=n)
    chains, warmup, draws = sizes["nuts"]
    record(f"nuts_{chains}x{warmup}+{draws}_vectorized",
           lambda: rj.posterior(panel, chains=chains, warmup=warmup, draws=draws, seed=1, chain_method="vectorized"),
           chains=chains, warmup=warmup, draws=draws)
    return out


def run_worker(sizes_name: str, platform_name: str | None, float32: bool) -> dict:
    env = dict(os.environ)
    if sizes_name == "smoke" and "xla_backend_optimization_level" not in env.get("XLA_FLAGS", ""):
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()  # compiles quicker
    env.pop("RESILIENCE_JAX_FLOAT32", None)
    if float32:
        env["RESILIENCE_JAX_FLOAT32"] = "1"
    if platform_name:
        env["JAX_PLATFORMS"] = platform_name
    proc = subprocess.run([sys.executable, __file__, "--worker", sizes_name], env=env, stdout=subprocess.PIPE, text=True,
                          timeout=1800)
    if proc.returncode != 0:
        raise SystemExit(f"device.py: the worker ({platform_name or 'default'}, {'float32' if float32 else 'float64'}) "
                         f"failed with exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--smoke", action="store_true", help="tiny sizes (seconds): the test suite's run")
    ap.add_argument("--out", type=Path, default=HERE / "results", help="folder of the JSON (default: %(default)s)")
    ap.add_argument("--dtypes", nargs="+", choices=("float64", "float32"), default=["float64", "float32"],
                    help="precisions to time (default: both)")
    ap.add_argument("--worker", choices=("full", "smoke"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(SMOKE if args.worker == "smoke" else FULL)))
        return 0
    sizes = "smoke" if args.smoke else "full"
    t0 = time.perf_counter()
    runs = {dt: run_worker(sizes, None, dt == "float32") for dt in args.dtypes}
    first = runs[args.dtypes[0]]
    backend = first["backend"]
    cpu = runs if backend == "cpu" else {dt: run_worker(sizes, "cpu", dt == "float32") for dt in args.dtypes}
    rows = []
    for dtype in args.dtypes:
        for name, f in runs[dtype]["figures"].items():
            c = cpu[dtype]["figures"].get(name, {})
            ratio = c["best_s"] / f["best_s"] if "best_s" in f and "best_s" in c and f["best_s"] > 0 else None
            rows.append({"figure": name, "dtype": dtype, "device_s": f.get("best_s"), "device_first_call_s": f.get("first_call_s"),
                         "cpu_s": c.get("best_s"), "cpu_over_device": ratio, "error": f.get("error") or c.get("error")})
    result = {"smoke": args.smoke, "backend": backend, "device_kind": first["device_kind"],
              "devices": first["devices"], "jax": first["jax"],
              "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
              "tuning": {"device": first["tuning"], "cpu": cpu[args.dtypes[0]]["tuning"]},
              "rounds": (SMOKE if args.smoke else FULL)["rounds"], "rows": rows, "runs": runs,
              "cpu_runs": None if backend == "cpu" else cpu, "wall_s": time.perf_counter() - t0}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"device_{backend}{'_smoke' if args.smoke else ''}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"device: {result['device_kind']} ({backend}), {len(result['devices'])} device(s); JAX {result['jax']}")
    print(f"{'figure':46s} {'dtype':8s} {'device s':>10s} {'CPU s':>10s} {'CPU/device':>10s}")
    for r in rows:
        fmt = lambda v, spec: format(v, spec) if v is not None else "-"  # noqa: E731
        print(f"{r['figure']:46s} {r['dtype']:8s} {fmt(r['device_s'], '10.4f')} {fmt(r['cpu_s'], '10.4f')} "
              f"{fmt(r['cpu_over_device'], '10.1f')}" + (f"  error: {r['error']}" if r["error"] else ""))
    print(f"wrote {path} ({result['wall_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
