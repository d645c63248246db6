"""Core-engine benchmark: one mediation fit, the paper's whole suite, and the reproduce CLI.

Measured in one run, on the same data, against pyfixest doing the same regressions:

1. a single mediation fit (entropy index + the three equations) as one compiled call, versus the
   same three regressions with pyfixest (plus NumPy for the entropy index, reported separately);
2. the whole suite (57 regressions): the array core (one vmapped fit), the Python-level
   ``run_suite`` (index, assembly, fit, result objects, mediation summaries), versus pyfixest
   running the same regressions one by one;
3. ``resilience-jax reproduce`` as a fresh process with an empty and with a warm JAX
   persistent compilation cache.

Post-compile times: each function is called once to compile, then timed over repeats with
``block_until_ready``; the median is reported. Writes ``benchmarks/results/suite_<backend>.json``.

    python benchmarks/suite.py [--repeats 200] [--skip-cli]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

import resilience_jax  # noqa: F401  (float64)
from _reference import numpy_entropy_index  # benchmarks/ is on sys.path when a script runs
from resilience_jax.api import RegSpec, batch_design
from resilience_jax.data import load_panel
from resilience_jax.data.arrays import mediation_arrays
from resilience_jax.errors import FewClustersWarning
from resilience_jax.estimators.staged import fit_rows_jit
from resilience_jax.suite import build_suite, compute_indices, run_suite

HERE = Path(__file__).resolve().parent


def timeit(fn, repeats: int, stat=np.median) -> float:
    """Seconds per call after one warm-up call: the median (or ``stat``) over ``repeats`` calls."""
    jax.block_until_ready(fn())
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t)
    return float(stat(times))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=200)
    ap.add_argument("--pyfixest-repeats", type=int, default=5)
    ap.add_argument("--skip-cli", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore", FewClustersWarning)
    import pyfixest as pf

    panel = load_panel()
    spec = panel.spec
    df = panel.frame
    m = spec.mediation
    controls = list(m.controls)
    X_ind = panel.indicator_matrix()
    d = jnp.asarray(spec.index.directions, dtype=float)
    G = panel.shape[0]
    results: dict[str, dict] = {}

    # 1. single mediation fit: the staged core on the rows (index stage, then the equations stage
    #    from per-entity cross products; the mediation on REIC alone) and the general masked-design
    #    core of feols on the three equations (index given), inputs already on the device
    arrays, _ = mediation_arrays(panel)
    arrays = jax.device_put(arrays._replace(members=jnp.ones((1, X_ind.shape[1]))))
    t = time.perf_counter()
    jax.block_until_ready(fit_rows_jit(arrays, n_entities=G))
    compile_med = time.perf_counter() - t
    fast = lambda: fit_rows_jit(arrays, n_entities=G)  # noqa: E731
    ours_med, ours_med_min = timeit(fast, args.repeats), timeit(fast, args.repeats, np.min)
    _, idx = compute_indices(panel)
    data = df.assign(**idx)
    rhs = " + ".join(controls)
    v = ("CRV1", spec.entity)
    ctl = tuple((c, c) for c in controls)
    three = batch_design(data, [RegSpec("REIC", ((m.regressor, m.regressor), *ctl), (spec.entity,), v),
                                RegSpec(m.mediator, ((m.regressor, m.regressor), *ctl), (spec.entity,), v),
                                RegSpec("REIC", ((m.regressor, m.regressor), (m.mediator, m.mediator), *ctl),
                                        (spec.entity,), v)])
    general = timeit(three.fit, args.repeats)

    def pyfixest_three():
        for fml in (f"REIC ~ {m.regressor} + {rhs} | province", f"{m.mediator} ~ {m.regressor} + {rhs} | province",
                    f"REIC ~ {m.regressor} + {m.mediator} + {rhs} | province"):
            pf.feols(fml, data, vcov={"CRV1": "province"})

    pf_med = timeit(pyfixest_three, args.pyfixest_repeats)
    np_entropy = timeit(lambda: numpy_entropy_index(X_ind, np.asarray(d)), args.repeats)
    results["single_mediation_fit"] = {
        "ours_s": ours_med, "ours_min_s": ours_med_min, "ours_general_path_s": general,
        "compile_s": compile_med, "pyfixest_three_regressions_s": pf_med,
        "numpy_entropy_s": np_entropy, "speedup_vs_pyfixest": pf_med / ours_med, "target_s": 2e-4,
    }

    # 2. whole suite
    data_s, keys, specs = build_suite(panel, idx)
    design = batch_design(data_s, specs)
    t = time.perf_counter()
    jax.block_until_ready(design.fit())
    compile_suite = time.perf_counter() - t
    core_suite = timeit(design.fit, args.repeats)

    def index_and_fit():
        jax.block_until_ready(compute_indices(panel))
        return design.fit()

    index_fit = timeit(index_and_fit, args.repeats)
    python_suite = timeit(lambda: run_suite(panel), max(10, args.repeats // 10))
    safe = {c: c.replace(".", "_") for c in data_s.columns}
    data_pf = data_s.rename(columns=safe)

    def pyfixest_suite():
        for s in specs:
            rows = data_pf if s.mask is None else data_pf[np.asarray(s.mask) > 0]
            fml = f"{safe[s.outcome]} ~ {' + '.join(safe[c] for _, c in s.regressors)}"
            fml += f" | {' + '.join(s.fixed_effects)}" if s.fixed_effects else ""
            pf.feols(fml, rows, vcov={"CRV1": s.vcov[1]} if s.vcov[0] == "CRV1" else s.vcov[0])

    pf_suite = timeit(pyfixest_suite, max(1, args.pyfixest_repeats // 2))
    results["whole_suite"] = {
        "regressions": len(specs), "ours_core_s": core_suite, "ours_index_plus_core_s": index_fit,
        "ours_run_suite_python_s": python_suite, "compile_s": compile_suite, "pyfixest_s": pf_suite,
        "speedup_core_vs_pyfixest": pf_suite / core_suite, "speedup_run_suite_vs_pyfixest": pf_suite / python_suite,
        "target_s": 0.1,
    }

    # 3. the CLI as a fresh process
    if not args.skip_cli:
        exe = shutil.which("resilience-jax")
        cmd = [exe] if exe else [sys.executable, "-m", "resilience_jax.cli"]
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, RESILIENCE_JAX_CACHE_DIR=str(Path(tmp) / "cache"))
            walls = []
            for _ in range(3):
                t = time.perf_counter()
                subprocess.run([*cmd, "reproduce", "--out", str(Path(tmp) / "out")], env=env, check=True, capture_output=True)
                walls.append(time.perf_counter() - t)
        results["cli_reproduce"] = {"cold_cache_s": walls[0], "warm_cache_s": min(walls[1:]), "target_cold_s": 6.0, "target_warm_s": 3.0}

    results["machine"] = {
        "backend": jax.default_backend(), "devices": [str(x) for x in jax.devices()], "cpu_count": os.cpu_count(),
        "python": platform.python_version(), "jax": jax.__version__, "pyfixest": pf.__version__, "platform": platform.platform(),
    }
    out = HERE / "results" / f"suite_{jax.default_backend()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")

    r1, r2 = results["single_mediation_fit"], results["whole_suite"]
    print(f"backend: {jax.default_backend()}, {os.cpu_count()} CPU cores")
    print(f"{'task':54s} {'ours':>12s} {'pyfixest':>12s} {'ratio':>9s} {'target':>9s}")
    print(f"{'single mediation fit (index + 3 regressions)':54s} {r1['ours_s'] * 1e3:10.3f}ms {r1['pyfixest_three_regressions_s'] * 1e3:10.1f}ms "
          f"{r1['speedup_vs_pyfixest']:8.0f}x {'<0.2ms':>9s}")
    print(f"{'  fastest of the repeats':54s} {r1['ours_min_s'] * 1e3:10.3f}ms")
    print(f"{'  the 3 equations by the masked-design feols core':54s} {r1['ours_general_path_s'] * 1e3:10.3f}ms")
    print(f"{'  (NumPy entropy index alone)':54s} {r1['numpy_entropy_s'] * 1e3:10.3f}ms")
    print(f"{'whole suite, array core (' + str(r2['regressions']) + ' regressions)':54s} {r2['ours_core_s'] * 1e3:10.3f}ms "
          f"{r2['pyfixest_s'] * 1e3:10.1f}ms {r2['speedup_core_vs_pyfixest']:8.0f}x {'<100ms':>9s}")
    print(f"{'whole suite, index + array core':54s} {r2['ours_index_plus_core_s'] * 1e3:10.3f}ms")
    print(f"{'whole suite, run_suite() incl. pandas and results':54s} {r2['ours_run_suite_python_s'] * 1e3:10.3f}ms "
          f"{r2['pyfixest_s'] * 1e3:10.1f}ms {r2['speedup_run_suite_vs_pyfixest']:8.1f}x")
    print(f"compile: mediation {r1['compile_s']:.2f}s, suite {r2['compile_s']:.2f}s")
    if "cli_reproduce" in results:
        c = results["cli_reproduce"]
        print(f"resilience-jax reproduce (fresh process): empty cache {c['cold_cache_s']:.2f}s (target <6s), "
              f"warm cache {c['warm_cache_s']:.2f}s (target <3s)")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
