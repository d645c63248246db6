"""Sensitivity benchmark: the three studies of ``rj.sensitivity`` against the loops a user would
otherwise write with pyfixest.

Timed in one process on the embedded panel, post-compile, float64:

1. weight vectors: 100,000 given vectors (a seeded NumPy Dirichlet around the entropy weights)
   evaluated to the baseline coefficient with its CRV1 SE and a*b with its Sobel z:
   (a) the engine kernel alone (``engine.weights_stage`` jitted on the linear targets, as
   ``_weights_study`` builds them; inputs on the device, ``block_until_ready``); (b) the whole
   ``rj.sensitivity(weights=W)`` call (it builds the pandas table too); (c)
   ``rj.sensitivity(n=100000)`` with the Dirichlet draws made in JAX; (d) each first call
   (compilation). Reference: per vector the index ``Z @ w`` in NumPy (min-max normalised
   indicators) and three pyfixest ``feols`` (total effect with CRV1, a-path, b-path) and the Sobel z.
2. Sobol: ``models/sensitivity.toml`` copied with ``control_sets = "all_subsets"``,
   ``rj.sensitivity(study="sobol", n=4096, n_boot=1000)`` and ``n_boot=2`` (the pipelines with
   next to no bootstrap); the time inside the chunk driver (the pipelines' evaluation, compiled
   steps and the copy to the host), the bootstrap intervals and the rest measured by wrapping the
   study's module-level helpers at run time (the library's files are not changed). Reference:
   per pipeline, the index rebuilt in NumPy from the point's normalisation, directions,
   aggregation and weights (the weighting method is not recomputed: the loop is given the
   point's final weights, which favours it) and the three pyfixest equations of its model.
3. multiverse: ``rj.sensitivity(study="multiverse", n_null=500)`` and ``n_null=0`` (the fits
   alone). Reference: per specification the three pyfixest equations on the given index, and one
   pyfixest refit of the baseline under the null (index less b x) on an entity-resampled panel
   for each of the 500 resamples.

The pyfixest loops are timed on a sample (``--sample`` items, ``--sample-pipelines`` for 2 and
3) and extrapolated to every item (said so in the output); their numbers are checked against the
engine's on the same items. Writes ``benchmarks/results/sensitivity_<backend>.json``.

    python benchmarks/sensitivity.py [--quick] [--sample 20] [--sample-pipelines 10]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
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
import pandas as pd
from scipy import stats

import resilience_jax as rj
import resilience_jax.sensitivity.api as sapi
from _reference import numpy_entropy_index  # benchmarks/ is on sys.path when a script runs
from resilience_jax.data.arrays import index_members
from resilience_jax.sensitivity.engine import basis_moments, linear_targets, model_stack, weights_stage
from resilience_jax.sensitivity.sobol import sobol_bootstrap
from resilience_jax.sensitivity.space import Builder, load_space
from resilience_jax.data.spec import models_dir

HERE = Path(__file__).resolve().parent
warnings.simplefilter("ignore")
TARGET_KERNEL_S = 0.1  # 100,000 weight vectors, the engine kernel (2-core machine)
TARGET_SOBOL_PIPELINES_S = 2.0  # the pipelines of the Sobol design at N = 4,096
TARGET_MULTIVERSE_S = 30.0  # the multiverse with 500 null resamples
# the study's helpers whose time is reported apart (those the library has; none nests in another):
# module-level names of resilience_jax.sensitivity.api, and methods of its Builder
WRAPPED = ("_setup", "run", "rows_stage_jit", "rows_targets", "_moments_all", "model_stack", "dirichlet_from_uniform",
           "saltelli_design", "_targets", "sobol_bootstrap", "convergence", "anova_factorial")
WRAPPED_BUILDER = ("weights", "normalised")
COMPILED = ("rows_stage_jit", "rows_targets", "_moments_all")  # waited for (dispatch returns at once)


# --------------------------------------------------------------------------- timing helpers


def first_call(fn) -> float:
    t = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - t


def repeat(fn, calls: int) -> list[float]:
    """Seconds of ``calls`` post-compile calls (each waited for)."""
    out = []
    for _ in range(calls):
        t = time.perf_counter()
        jax.block_until_ready(fn())
        out.append(time.perf_counter() - t)
    return out


def summary(ts: list[float]) -> dict:
    return {"best_s": float(min(ts)), "median_s": float(np.median(ts)), "calls": len(ts), "all_s": [float(t) for t in ts]}


class Breakdown:
    """Wall time spent inside the study's helpers (:data:`WRAPPED`, :data:`WRAPPED_BUILDER`) during
    one call: wrapped at run time, restored after (the library's files are not changed). A compiled
    helper's result is waited for (it is read at once by the study anyway)."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._saved: list = []

    def _wrap(self, owner, name, label):
        if not hasattr(owner, name):
            return
        orig = getattr(owner, name)
        self._saved.append((owner, name, orig))

        def wrapper(*a, **k):
            t = time.perf_counter()
            out = orig(*a, **k)
            if name in COMPILED:
                jax.block_until_ready(out)
            self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - t
            return out

        setattr(owner, name, wrapper)

    def __enter__(self):
        for name in WRAPPED:
            self._wrap(sapi, name, name)
        for name in WRAPPED_BUILDER:
            self._wrap(sapi.Builder, name, f"Builder.{name}")
        return self

    def __exit__(self, *exc):
        for owner, name, orig in reversed(self._saved):
            setattr(owner, name, orig)


def timed_study(calls: int, **kw):
    """``calls`` post-compile calls of ``rj.sensitivity(**kw)``, each with its breakdown; the
    summary, the breakdown of the fastest call, every call's breakdown and the last result."""
    ts, bds, res = [], [], None
    for _ in range(calls):
        with Breakdown() as bd:
            t = time.perf_counter()
            res = rj.sensitivity(**kw)
            ts.append(time.perf_counter() - t)
        bds.append(bd.seconds)
    return summary(ts), bds[int(np.argmin(ts))], bds, res


# --------------------------------------------------------------------------- the user's loop


def numpy_normalise(X, d, method, years):
    """(n, m) the normalised indicators, direction-aware, as the space's normalisations define them."""
    if method == "minmax":
        lo, hi = X.min(0), X.max(0)
    elif method == "minmax_per_period":
        g = pd.DataFrame(X).groupby(years)
        lo, hi = g.transform("min").to_numpy(), g.transform("max").to_numpy()
    elif method == "zscore":
        return d * (X - X.mean(0)) / X.std(0)
    elif method == "rank":
        return stats.rankdata(d * X, method="average", axis=0) / X.shape[0]
    else:
        raise ValueError(method)
    return np.where(d > 0, (X - lo) / (hi - lo), (hi - X) / (hi - lo))


def model_frame(panel, frame, controls, sample, variant, y):
    """The model's estimation frame as a user builds it: the index as column ``Yidx``, the
    region's rows, the regressor lagged within entity (pandas) or every variable clipped at its
    1%/99% quantiles over the model's rows (NumPy)."""
    spec, med = panel.spec, panel.spec.mediation
    d = frame.assign(Yidx=y)
    if variant == "lag_regressor":
        d[med.regressor] = d.groupby(spec.entity)[med.regressor].shift(1)
    if sample != "all":
        d = d[d[spec.entity].map(spec.region_of()) == sample]
    if variant == "lag_regressor":
        d = d.dropna(subset=[med.regressor])
    if variant == "winsorize":
        d = d.copy()
        for v in (med.regressor, *controls, med.mediator, "Yidx"):
            x = d[v].to_numpy(float)
            d[v] = np.clip(x, *np.quantile(x, [0.01, 0.99]))
    return d


def fe_of(panel, fixed_effects, entity=None):
    return (entity or panel.spec.entity) + (f" + {panel.spec.time}" if fixed_effects == "two_way" else "")


def pyfixest_mediation(pf, panel, d, controls, fixed_effects):
    """The three equations with CRV1 by entity: beta (the total effect), its SE, a*b and the Sobel z."""
    x, m, ent = panel.spec.mediation.regressor, panel.spec.mediation.mediator, panel.spec.entity
    rhs = " + ".join([x, *controls])
    fe = fe_of(panel, fixed_effects)
    fc = pf.feols(f"Yidx ~ {rhs} | {fe}", d, vcov={"CRV1": ent})
    fa = pf.feols(f"{m} ~ {rhs} | {fe}", d, vcov={"CRV1": ent})
    fb = pf.feols(f"Yidx ~ {rhs} + {m} | {fe}", d, vcov={"CRV1": ent})
    a, sa, b, sb = fa.coef()[x], fa.se()[x], fb.coef()[m], fb.se()[m]
    return np.array([fc.coef()[x], fc.se()[x], a * b, a * b / np.sqrt(b**2 * sa**2 + a**2 * sb**2)])


def resampled(d, entity, rng):
    """Entities drawn with replacement; each drawn copy its own entity (``copy``)."""
    ents = d[entity].unique()
    parts = [d[d[entity] == ents[g]].assign(copy=i) for i, g in enumerate(rng.integers(0, len(ents), len(ents)))]
    return pd.concat(parts, ignore_index=True)


def rel_err(ref, ours):
    ref, ours = np.asarray(ref, float), np.asarray(ours, float)
    return float(np.max(np.abs(ref - ours) / np.maximum(np.abs(ref), 1e-300)))


def controls_of(row, controls):
    if "controls" in row:
        return () if row["controls"] == "none" else tuple(row["controls"].split("+"))
    return tuple(c for c in controls if row[f"control_{c}"] == "in")


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a smoke run: everything shrunk (seconds, plus compilation)")
    ap.add_argument("--sample", type=int, default=None, help="weight vectors timed for the pyfixest loop (default 20)")
    ap.add_argument("--sample-pipelines", type=int, default=None,
                    help="Sobol pipelines and multiverse specifications timed for the pyfixest loops (default 10)")
    args = ap.parse_args()
    q = args.quick
    V = 2_000 if q else 100_000
    N_SOBOL, N_BOOT = (64, 100) if q else (4096, 1000)
    N_NULL = 8 if q else 500
    sample = args.sample or (2 if q else 20)
    sample_p = args.sample_pipelines or (2 if q else 10)
    calls = {"kernel": 3 if q else 7, "api_weights": 2 if q else 5, "sobol": 2 if q else 3, "multiverse": 1 if q else 2,
             "multiverse_fits": 2 if q else 3}
    import pyfixest as pf

    panel = rj.load_panel()
    spec, med = panel.spec, panel.spec.mediation
    frame = panel.frame
    X_cols = list(spec.index.columns)
    X = frame[X_cols].to_numpy(float)
    d0 = np.array(spec.index.directions, float)
    years = frame[spec.time].to_numpy()
    res: dict = {"quick": q, "weights": {}, "sobol": {}, "multiverse": {}}
    load0 = os.getloadavg()

    # ---------------------------------------------------------------- 1. weight vectors
    sp = load_space(None, spec)
    builder = Builder(panel, sp, index_members(spec.index, sp.index or spec.index.symbol))
    base = sp.default_construction()
    mc0 = sp.default_model(med.controls)
    Z = builder.basis(base)
    w0 = builder.weights(base)
    lt = linear_targets(basis_moments(model_stack(panel, [mc0]), Z))  # as _weights_study does
    Z_np = numpy_normalise(X, d0, "minmax", years)  # the user's min-max table
    assert np.allclose(Z_np @ w0, numpy_entropy_index(X, d0), rtol=1e-10, atol=1e-12)  # same index as the reference
    W = np.random.default_rng(0).dirichlet(sp.concentration * w0, size=V)
    W /= W.sum(axis=1, keepdims=True)
    Wd = jax.device_put(jnp.asarray(W))
    kernel = jax.jit(weights_stage)
    rw = res["weights"]
    rw.update(n_vectors=V, concentration=sp.concentration)
    rw["kernel_compile_s"] = first_call(lambda: kernel(lt, Wd))
    rw["kernel"] = summary(repeat(lambda: kernel(lt, Wd), calls["kernel"]))
    rw["api_given_compile_s"] = first_call(lambda: rj.sensitivity(weights=W))
    rw["api_given"] = summary(repeat(lambda: rj.sensitivity(weights=W), calls["api_weights"]))
    rw["api_drawn_compile_s"] = first_call(lambda: rj.sensitivity(n=V))
    rw["api_drawn"] = summary(repeat(lambda: rj.sensitivity(n=V), calls["api_weights"]))
    table = rj.sensitivity(weights=W[:sample]).tidy()

    def user_vector(w):
        return pyfixest_mediation(pf, panel, model_frame(panel, frame, mc0.controls, "all", "none", Z_np @ w),
                                  mc0.controls, mc0.fixed_effects)

    user_vector(w0)  # warm-up
    t = time.perf_counter()
    ref = np.stack([user_vector(W[i]) for i in range(sample)])
    rw["pyfixest_per_vector_s"] = (time.perf_counter() - t) / sample
    rw["pyfixest_sample"] = sample
    rw["pyfixest_extrapolated_s"] = rw["pyfixest_per_vector_s"] * V
    rw["max_rel_err_vs_pyfixest"] = rel_err(ref, table[["beta", "se_beta", "ab", "sobel_z"]].to_numpy())
    rw["target_kernel_s"] = TARGET_KERNEL_S

    # ---------------------------------------------------------------- 2. Sobol
    rs = res["sobol"]
    tmp = Path(tempfile.mkdtemp(prefix="sens_bench_"))
    try:
        src = (models_dir() / "sensitivity.toml").read_text()
        toml, k = re.subn(r'^control_sets\s*=\s*"[a-z_]+"', 'control_sets = "all_subsets"', src, flags=re.M)
        assert k == 1, "control_sets not found in models/sensitivity.toml"
        space_file = tmp / "sensitivity.toml"
        space_file.write_text(toml)
        kw = dict(study="sobol", n=N_SOBOL, space=space_file)
        t = time.perf_counter()
        r = rj.sensitivity(**kw, n_boot=N_BOOT)
        rs["first_call_s"] = time.perf_counter() - t
        rs.update(n=N_SOBOL, n_boot=N_BOOT, factors=r.meta.get("factors"), n_factors=r.meta.get("n_factors"),
                  n_pipelines=r.meta.get("n_pipelines"))
        rs["full"], rs["full_breakdown_s"], rs["full_breakdowns_s"], r = timed_study(calls["sobol"], **kw, n_boot=N_BOOT)
        rs["boot2"], rs["boot2_breakdown_s"], rs["boot2_breakdowns_s"], _ = timed_study(calls["sobol"], **kw, n_boot=2)
        # the bootstrap intervals alone, on the study's own evaluations
        tab = r.tidy()
        keys = ["beta", "ab", "share", "sobel_z"]
        blocks = list(dict.fromkeys(tab["block"]))
        fA, fB = (tab.loc[tab["block"] == b, keys].to_numpy() for b in ("A", "B"))
        fAB = np.stack([tab.loc[tab["block"] == b, keys].to_numpy() for b in blocks[2:]])
        rs["sobol_bootstrap_direct"] = summary(repeat(lambda: sobol_bootstrap(fA, fB, fAB, n_resamples=N_BOOT, seed=0),
                                                      calls["sobol"]))
        pipes = [b.get("run", np.nan) for b in rs["full_breakdowns_s"] + rs["boot2_breakdowns_s"]]
        rs["pipelines_driver"] = summary(pipes)
        rs["target_pipelines_s"] = TARGET_SOBOL_PIPELINES_S

        # reference: sampled design points rebuilt in NumPy and refitted with pyfixest
        sps = load_space(space_file, spec)
        pts = tab.iloc[np.random.default_rng(1).choice(len(tab), sample_p, replace=False)]
        wcols = [f"w_{c}" for c in X_cols]

        def user_pipeline(row):
            d = d0.copy()
            if row["directions"] == "flipped":
                d[[X_cols.index(a) for a in sps.ambiguous]] *= -1
            Zp = numpy_normalise(X, d, row["normalisation"], years)
            w = row[wcols].to_numpy(float)
            y = np.exp(np.log(Zp - Zp.min(0) + 1.0) @ w) if row["aggregation"] == "geometric" else Zp @ w
            ctl = controls_of(row, med.controls)
            return pyfixest_mediation(pf, panel, model_frame(panel, frame, ctl, row["sample"], row["variant"], y), ctl,
                                      row["fixed_effects"])

        user_pipeline(pts.iloc[0])  # warm-up
        t = time.perf_counter()
        ref = np.stack([user_pipeline(row) for _, row in pts.iterrows()])
        rs["pyfixest_per_pipeline_s"] = (time.perf_counter() - t) / sample_p
        rs["pyfixest_sample"] = sample_p
        rs["pyfixest_extrapolated_s"] = rs["pyfixest_per_pipeline_s"] * rs["n_pipelines"]
        rs["max_rel_err_vs_pyfixest"] = rel_err(ref, pts[["beta", "se_beta", "ab", "sobel_z"]].to_numpy())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---------------------------------------------------------------- 3. multiverse
    rm = res["multiverse"]
    t = time.perf_counter()
    r = rj.sensitivity(study="multiverse", n_null=N_NULL)
    rm["first_call_s"] = time.perf_counter() - t
    rm.update(n_null=N_NULL, n_specifications=r.meta["n_specifications"], n_constructions=r.meta["n_constructions"],
              n_models=r.meta["n_models"])
    rm["null"], rm["null_breakdown_s"], _, r = timed_study(calls["multiverse"], study="multiverse", n_null=N_NULL)
    rm["fits"], rm["fits_breakdown_s"], _, _ = timed_study(calls["multiverse_fits"], study="multiverse", n_null=0)
    rm["target_s"] = TARGET_MULTIVERSE_S
    tab = r.tidy()
    pts = tab.iloc[np.random.default_rng(2).choice(len(tab), sample_p, replace=False)]
    from resilience_jax.sensitivity.space import Construction

    prepared = []
    for _, row in pts.iterrows():  # the indices are given (the fits alone are timed)
        y = builder.build(Construction(row["weighting"], row["normalisation"], row["directions"], row["aggregation"]))[1]
        ctl = controls_of(row, med.controls)
        dm = model_frame(panel, frame, ctl, row["sample"], row["variant"], y)
        dn = resampled(dm, spec.entity, np.random.default_rng(3)).assign(
            Ynull=lambda f, b=row["beta"]: f["Yidx"] - b * f[med.regressor])
        prepared.append((dm, dn, ctl, row["fixed_effects"]))

    def user_null(dn, ctl, fe):
        x = med.regressor
        f = pf.feols(f"Ynull ~ {' + '.join([x, *ctl])} | {fe_of(panel, fe, 'copy')}", dn, vcov={"CRV1": "copy"})
        return f.coef()[x], f.se()[x]

    pyfixest_mediation(pf, panel, *prepared[0][:1], *prepared[0][2:])  # warm-up
    user_null(*prepared[0][1:])
    t = time.perf_counter()
    ref = np.stack([pyfixest_mediation(pf, panel, dm, ctl, fe) for dm, _, ctl, fe in prepared])
    rm["pyfixest_per_spec_fits_s"] = (time.perf_counter() - t) / sample_p
    t = time.perf_counter()
    for _, dn, ctl, fe in prepared:
        user_null(dn, ctl, fe)
    rm["pyfixest_per_null_refit_s"] = (time.perf_counter() - t) / sample_p
    rm["pyfixest_sample"] = sample_p
    S = rm["n_specifications"]
    rm["pyfixest_fits_extrapolated_s"] = S * rm["pyfixest_per_spec_fits_s"]
    rm["pyfixest_null_extrapolated_s"] = S * (rm["pyfixest_per_spec_fits_s"] + N_NULL * rm["pyfixest_per_null_refit_s"])
    rm["max_rel_err_vs_pyfixest"] = rel_err(ref, pts[["beta", "se_beta", "ab", "sobel_z"]].to_numpy())

    # ---------------------------------------------------------------- machine, output
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--short", "--", "resilience_jax"], cwd=HERE, capture_output=True,
                               text=True).stdout.split("\n")
        dirty = [s.strip() for s in dirty if s.strip()]
    except OSError:
        head, dirty = None, []
    res["machine"] = {"backend": jax.default_backend(), "cpu_count": os.cpu_count(),
                      "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
                      "jax": jax.__version__, "pyfixest": pf.__version__, "python": sys.version.split()[0],
                      "loadavg_start": load0, "loadavg_end": os.getloadavg(), "git_head": head,
                      "library_uncommitted": dirty}
    res["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = HERE / "results" / f"sensitivity_{jax.default_backend()}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=float) + "\n")

    m = res["machine"]
    print(f"backend {m['backend']}, {m['cpu_count']} cores, jax {m['jax']}, pyfixest {m['pyfixest']}; git {m['git_head']}"
          f"{' + uncommitted library changes ' + str(dirty) if dirty else ''}; load average {load0[0]:.2f} at start, "
          f"{m['loadavg_end'][0]:.2f} at end{'; QUICK smoke run (shrunk sizes)' if q else ''}")
    mark = lambda ok: "PASS" if ok else "MISS"  # noqa: E731

    def where(bd, total):
        parts = sorted(bd.items(), key=lambda kv: -kv[1])
        return ", ".join(f"{k} {v:.3f}s" for k, v in parts) + f"; the rest (pandas tables, glue) {total - sum(bd.values()):.3f}s"

    def line(name, s, extra=""):
        print(f"  {name:58s} {s['best_s']:9.4f}s  (best of {s['calls']}; median {s['median_s']:.4f}s){extra}")

    print(f"1. weight vectors: {V:,} given vectors (NumPy Dirichlet, concentration {sp.concentration:g}, around the entropy "
          "weights) -> beta, SE (CRV1), a*b, Sobel z")
    line("engine kernel weights_stage (jitted, on device)", rw["kernel"],
         f"   target < {TARGET_KERNEL_S} s: {mark(rw['kernel']['best_s'] < TARGET_KERNEL_S)}")
    line("rj.sensitivity(weights=W) (with the pandas table)", rw["api_given"])
    line(f"rj.sensitivity(n={V}) (Dirichlet draws in JAX)", rw["api_drawn"])
    print(f"  first calls (compilation included): kernel {rw['kernel_compile_s']:.2f}s, weights=W {rw['api_given_compile_s']:.2f}s, "
          f"n={V} {rw['api_drawn_compile_s']:.2f}s")
    print(f"  pyfixest loop (3 feols + Sobel a vector), {rw['pyfixest_per_vector_s'] * 1e3:.1f} ms a vector on a sample of "
          f"{sample}, EXTRAPOLATED to {V:,}: {rw['pyfixest_extrapolated_s']:.0f}s = "
          f"{rw['pyfixest_extrapolated_s'] / rw['kernel']['best_s']:,.0f}x the kernel, "
          f"{rw['pyfixest_extrapolated_s'] / rw['api_given']['best_s']:,.0f}x the API call; max rel. difference "
          f"{rw['max_rel_err_vs_pyfixest']:.1e}")
    bd = rs["full_breakdown_s"]
    bd2 = rs["boot2_breakdown_s"]
    print(f"2. Sobol: all_subsets space, N = {N_SOBOL}: {rs['n_factors']} factors {rs['factors']}, "
          f"{rs['n_pipelines']:,} pipelines")
    line(f"rj.sensitivity(study='sobol', n={N_SOBOL}, n_boot={N_BOOT})", rs["full"],
         f"   first call {rs['first_call_s']:.2f}s")
    line(f"rj.sensitivity(study='sobol', n={N_SOBOL}, n_boot=2)", rs["boot2"])
    line("  of which the pipelines (inside the chunk driver)", rs["pipelines_driver"],
         f"   target < {TARGET_SOBOL_PIPELINES_S} s: {mark(rs['pipelines_driver']['best_s'] < TARGET_SOBOL_PIPELINES_S)}")
    line(f"  sobol_bootstrap alone, n_resamples={N_BOOT}", rs["sobol_bootstrap_direct"])
    print(f"  where the fastest n_boot={N_BOOT} call went: {where(bd, rs['full']['best_s'])}")
    print(f"  where the fastest n_boot=2 call went: {where(bd2, rs['boot2']['best_s'])}")
    print(f"  pyfixest loop (NumPy index + 3 feols a pipeline), {rs['pyfixest_per_pipeline_s'] * 1e3:.1f} ms a pipeline on a "
          f"sample of {sample_p}, EXTRAPOLATED to {rs['n_pipelines']:,}: {rs['pyfixest_extrapolated_s']:.0f}s = "
          f"{rs['pyfixest_extrapolated_s'] / rs['full']['best_s']:,.0f}x the whole call; max rel. difference "
          f"{rs['max_rel_err_vs_pyfixest']:.1e}")
    print(f"3. multiverse: {S:,} specifications ({rm['n_constructions']} constructions x {rm['n_models']} models)")
    line(f"rj.sensitivity(study='multiverse', n_null={N_NULL})", rm["null"],
         f"   target < {TARGET_MULTIVERSE_S} s: {mark(rm['null']['best_s'] < TARGET_MULTIVERSE_S)}; first call "
         f"{rm['first_call_s']:.2f}s")
    line("rj.sensitivity(study='multiverse', n_null=0) (the fits)", rm["fits"])
    print(f"  where the fastest n_null={N_NULL} call went: {where(rm['null_breakdown_s'], rm['null']['best_s'])}")
    print(f"  where the fastest n_null=0 call went: {where(rm['fits_breakdown_s'], rm['fits']['best_s'])}")
    print(f"  pyfixest (index given): 3 feols {rm['pyfixest_per_spec_fits_s'] * 1e3:.1f} ms a specification, one null refit "
          f"{rm['pyfixest_per_null_refit_s'] * 1e3:.1f} ms, on a sample of {sample_p}, EXTRAPOLATED to {S:,} specifications: "
          f"fits {rm['pyfixest_fits_extrapolated_s']:.0f}s ({rm['pyfixest_fits_extrapolated_s'] / rm['fits']['best_s']:,.0f}x), "
          f"fits + {N_NULL} null refits each {rm['pyfixest_null_extrapolated_s']:.0f}s "
          f"({rm['pyfixest_null_extrapolated_s'] / rm['null']['best_s']:,.0f}x); max rel. difference "
          f"{rm['max_rel_err_vs_pyfixest']:.1e}")
    print(f"peak RSS {res['peak_rss_mb']:.0f} MB")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
