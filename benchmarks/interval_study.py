"""The interval validation study: which 95% intervals cover, for which estimand, on which scale.

Data-generating process (one JAX key per dataset; ``G`` provinces x 14 years): province size
``s_g ~ N(0, 1)``, a common trend, AI ``x = 0.6 s + 0.8 trend + 0.3 e``, upgrading
``u = 0.5 x + 0.5 s + 0.3 e``, five controls (province effect + trend + noise), and 15 lognormal
indicators ``log y_j = mu_j + s + beta_j x + gamma_j u + 0.2 e`` (13 raised by AI and upgrading, 2
lowered). The index is built from the indicators in levels or in logs, with one of two scales:

- ``minmax``: each sample's own minimum and maximum (the paper's). a*b and c are then in units of
  the sample's ranges, so their estimand moves with the sample size: it is the mean of the
  estimator over ``--truth-datasets`` datasets of the same size (a pseudo-truth; the study reports
  how it moves with G).
- ``goalposts``: bounds fixed in advance, the 0.5% and 99.5% quantiles of each indicator's
  distribution under the DGP (from one reference panel of ``--reference`` provinces; values beyond
  them capped). The estimands are population quantities: the estimator on ``--population``
  provinces (the mean over 4 such panels).

The share a*b/c is scale-free; its estimand is the population one (``--population`` provinces) on
both scales.

Cells: G in {8, 11, 30, 60} x {levels, logs} x {minmax, goalposts}; in each, ``--datasets``
datasets, each with a ``--n-boot`` cluster bootstrap (entity resampling, entropy weights
re-estimated in every replicate, the fast path) and the delete-one-province jackknife. Methods
(the package's own functions, :mod:`resilience_jax.inference.intervals`):

- a*b: Sobel (normal), percentile, BCa, bootstrap-t and symmetric bootstrap-t (studentised by the
  Sobel SE), jackknife-t(G-1);
- c (the baseline slope, the total effect): CRV1 t(G-1), percentile, BCa, bootstrap-t and its
  symmetric form (by the CRV1 SE), jackknife-t(G-1), and the restricted wild cluster bootstrap's
  interval by test inversion (Rademacher: all 2^G sign vectors up to 12 provinces, 399 draws
  above; the index held at the dataset's own, as the wild bootstrap keeps the regressors fixed);
- the share: percentile, BCa, jackknife-t(G-1);
- all three: the posterior's 95% equal-tailed credible interval (the package's mediation posterior:
  the conjugate engine, its default weakly informative prior, within province effects, iid errors,
  the index at the dataset's own weights; 4 x 1,000 draws).

Null rejection rates at 5% of CRV1 t(G-1) and the restricted wild cluster bootstrap (all 2^G
Rademacher sign vectors) at 8 and 11 provinces, under H0: c = 0 (indicators unrelated to AI and
upgrading; log indicators, min-max), ``--null-datasets`` datasets each. The pass rule: coverage in [0.93, 0.97] (95% nominal); misses below and
above the estimand are reported apart. Writes ``benchmarks/results/interval_study.json``.

    python benchmarks/interval_study.py [--datasets 400] [--n-boot 999] [--sizes 8 11 30 60]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from scipy.stats import t as student_t

import resilience_jax  # noqa: F401
from resilience_jax.bootstrap.engine import jackknife, run_replicates
from resilience_jax.data.arrays import MediationArrays
from resilience_jax.estimators.staged import fit_rows
from resilience_jax.inference.intervals import bca_ci, bootstrap_t_ci, jackknife_t_ci, percentile_ci

HERE = Path(__file__).resolve().parent
_fit = jax.jit(fit_rows, static_argnames=("n_entities",))
T, M, K = 14, 15, 5
DIRECTIONS = np.array([1.0] * 13 + [-1.0] * 2)
MU = np.linspace(2.0, 8.0, M)
BETA = np.concatenate([np.linspace(0.1, 0.4, 13), [-0.1, -0.05]])
GAMMA = np.concatenate([np.linspace(0.05, 0.3, 13), [-0.05, -0.1]])
BAND = (0.93, 0.97)
ALL_METHODS = ("sobel", "crv1", "percentile", "bca", "bootstrap_t", "bootstrap_t_symmetric", "jackknife_t", "wild",
               "posterior")
POSTERIOR_DRAWS = 1000  # conjugate draws per chain, 4 chains
WILD_DRAWS = 399  # Rademacher draws of the wild bootstrap's inversion above 12 provinces (all 2^G sign vectors below)
Z = 1.959963984540054
ESTIMANDS = {"ab": ("sobel", "percentile", "bca", "bootstrap_t", "bootstrap_t_symmetric", "jackknife_t", "posterior"),
             "c": ("crv1", "percentile", "bca", "bootstrap_t", "bootstrap_t_symmetric", "jackknife_t", "wild",
                   "posterior"),
             "share": ("percentile", "bca", "jackknife_t", "posterior")}


def simulate(key, G: int, logs: bool, beta=BETA, gamma=GAMMA):
    """One panel: the index's indicators (n, M) in levels or logs, AI, upgrading, controls
    (``beta``, ``gamma``: the indicators' loadings on AI and upgrading; zeros for the null)."""
    ks = jax.random.split(key, 8)
    s = jax.random.normal(ks[0], (G, 1))
    trend = jnp.linspace(-1.0, 1.0, T)[None, :]
    x = 0.6 * s + 0.8 * trend + 0.3 * jax.random.normal(ks[1], (G, T))
    u = 0.5 * x + 0.5 * s + 0.3 * jax.random.normal(ks[2], (G, T))
    C = jax.random.normal(ks[3], (G, 1, K)) + 0.3 * trend[:, :, None] + 0.5 * jax.random.normal(ks[4], (G, T, K))
    logy = (MU + s[:, :, None] + beta * x[:, :, None] + gamma * u[:, :, None]
            + 0.2 * jax.random.normal(ks[5], (G, T, M)))
    n = G * T
    Y = logy if logs else jnp.exp(logy)
    return Y.reshape(n, M), x.reshape(n), u.reshape(n), C.reshape(n, K)


def make_arrays(Y, x, u, C, bounds) -> MediationArrays:
    if bounds is not None:
        Y = jnp.clip(Y, bounds[0], bounds[1])
    return MediationArrays(Y, jnp.asarray(DIRECTIONS), jnp.ones((1, M)), x, u, C, bounds=bounds)


def goalposts(key, logs: bool, G: int) -> jnp.ndarray:
    """(2, M) the 0.5% and 99.5% quantiles of every indicator under the DGP (one panel of G provinces)."""
    Y = np.asarray(simulate(key, G, logs)[0])
    return jnp.asarray(np.quantile(Y, [0.005, 0.995], axis=0))


def point_fn(G: int, logs: bool):
    @jax.jit
    def point(key, bounds):
        st = _fit(make_arrays(*simulate(key, G, logs), bounds), n_entities=G)
        return st.ab, st.c, st.ab / st.c
    return point


def wild_design(G: int):
    """The baseline's within-transformed design (index on AI and the controls, province effects) of
    a dataset, for the wild bootstrap's inversion."""
    from resilience_jax.estimators.staged import index_rows
    from resilience_jax.estimators.within import demean_balanced

    @jax.jit
    def design(arr):
        _, rows = index_rows(arr, n_entities=G)
        D = jnp.column_stack([rows[:, 0], arr.regressor, arr.controls]).reshape(G, T, -1)
        Dw = demean_balanced(D, None, "entity").reshape(G * T, -1)
        return Dw[:, 1:], Dw[:, 0]
    return design


def posterior_fn():
    """The package's posterior of the mediation (the conjugate engine, default weakly informative
    prior, within province effects, iid errors, the index at the dataset's own entropy weights),
    4 chains x ``POSTERIOR_DRAWS`` draws: a*b, c = c' + a*b and the share of every draw. The
    package's conjugate engine (what ``rj.posterior(engine="conjugate")`` and ``bayes.fit.sample``
    run), without the per-draw log-likelihood that ``sample`` adds for ArviZ (ten times the cost,
    16,000 times in a run)."""
    from resilience_jax.bayes.fit import conjugate_sample

    @jax.jit
    def draws(key, outcomes, X, scs):
        s, ok = conjugate_sample(key, outcomes, X, scs, model="mediation", flat=False, draws=POSTERIOR_DRAWS, chains=4)
        return s["ab"].ravel(), s["c"].ravel(), s["share"].ravel(), ok
    return draws


def credible_intervals(post, key, bd, G):
    """95% equal-tailed credible intervals of a*b, c and the share of one dataset."""
    from resilience_jax.bayes.design import design_from_arrays
    from resilience_jax.bayes.fit import design_scales
    from resilience_jax.bayes.priors import Prior

    d = design_from_arrays(bd, "mediation", n_entities=G)
    ab, c, share, ok = post(key, d.outcomes, d.X, design_scales(d, Prior()))
    if not bool(ok):
        raise ValueError("improper posterior")
    return {e: tuple(np.quantile(np.asarray(v), [0.025, 0.975])) for e, v in (("ab", ab), ("c", c), ("share", share))}


def cell(G, logs, scale, args, keys, bounds, truths):
    """Coverage, misses below/above and mean widths of every method in one cell."""
    from resilience_jax.bootstrap.wild import sign_vectors, wild_ci, wild_weights

    q = float(student_t.ppf(0.975, G - 1))
    design = wild_design(G)
    clusters = jnp.repeat(jnp.arange(G), T)
    V_all = sign_vectors(jnp.arange(2**G, dtype=jnp.uint32), G) if G <= 12 else None
    post = posterior_fn()
    hits = {e: {m: [] for m in ms} for e, ms in ESTIMANDS.items()}
    below = {e: {m: 0 for m in ms} for e, ms in ESTIMANDS.items()}
    above = {e: {m: 0 for m in ms} for e, ms in ESTIMANDS.items()}
    widths = {e: {m: [] for m in ms} for e, ms in ESTIMANDS.items()}
    k_data, k_boot = keys
    b = bounds if scale == "goalposts" else None
    skipped = 0
    for i in range(args.datasets):
        bd = make_arrays(*simulate(jax.random.fold_in(k_data, i), G, logs), b)
        try:
            _, st = run_replicates(jax.random.fold_in(k_boot, i), bd, n_boot=args.n_boot, n_entities=G,
                                   chunk_size=args.n_boot)
            jk = jackknife(bd, n_entities=G)
            cred = credible_intervals(post, jax.random.fold_in(k_boot, 2 * 10**6 + i), bd, G)
        except Exception:  # a replicate or jackknife fit that cannot be computed (a small sample): counted
            skipped += 1
            continue
        full = _fit(bd, n_entities=G)
        ok = np.asarray(st.status) == 0  # replicates that cannot be computed (flagged) are left out
        est = {"ab": float(full.ab), "c": float(full.c), "share": float(full.ab / full.c)}
        se = {"ab": abs(float(full.ab / full.sobel_z)), "c": float(full.se_c)}
        sab, sc, sz, ssc = (np.asarray(v)[ok] for v in (st.ab, st.c, st.sobel_z, st.se_c))
        draws = {"ab": sab, "c": sc, "share": sab / sc}
        se_d = {"ab": np.abs(sab / sz), "c": ssc}
        jack = {"ab": np.asarray(jk.ab), "c": np.asarray(jk.c), "share": np.asarray(jk.ab) / np.asarray(jk.c)}
        Xw, yw = design(bd)
        V = V_all if V_all is not None else wild_weights(jax.random.fold_in(k_boot, 10**6 + i),
                                                         jnp.arange(WILD_DRAWS, dtype=jnp.uint32), G, "rademacher")
        wild = wild_ci(Xw, yw, clusters, V, 0, n_clusters=G, k_absorbed=1, coef=est["c"], se=float(full.se_c), tol=1e-6)
        for e, methods in ESTIMANDS.items():
            d, th = draws[e][:, None], np.array([est[e]])
            for m in methods:
                if m == "wild":
                    lo, hi = wild
                elif m == "posterior":
                    lo, hi = cred[e]
                elif m == "sobel":
                    lo, hi = est[e] - Z * se[e], est[e] + Z * se[e]
                elif m == "crv1":
                    lo, hi = est[e] - q * se[e], est[e] + q * se[e]
                elif m == "percentile":
                    lo, hi = (v[0] for v in percentile_ci(d, 0.95))
                elif m == "bca":
                    lo, hi = (v[0] for v in bca_ci(d, th, jack[e][:, None], 0.95))
                elif m == "jackknife_t":
                    lo, hi = (v[0] for v in jackknife_t_ci(th, jack[e][:, None], 0.95))
                else:
                    lo, hi = (v[0] for v in bootstrap_t_ci(d, se_d[e][:, None], th, np.array([se[e]]), 0.95,
                                                          symmetric=m == "bootstrap_t_symmetric"))
                truth = truths[e]
                hits[e][m].append(lo <= truth <= hi)
                below[e][m] += truth < lo  # the interval lies above the estimand
                above[e][m] += truth > hi
                widths[e][m].append(hi - lo)
    n_ok = args.datasets - skipped
    out = {"G": G, "indicators": "logs" if logs else "levels", "scale": scale, "datasets": n_ok, "skipped": skipped,
           "truth": truths, "methods": {}}
    for e, methods in ESTIMANDS.items():
        for m in methods:
            cov = float(np.mean(hits[e][m])) if hits[e][m] else float("nan")
            out["methods"][f"{e}:{m}"] = {
                "coverage": cov, "mc_se": float(np.sqrt(cov * (1 - cov) / max(n_ok, 1))),
                "interval_above_truth": below[e][m] / max(n_ok, 1), "interval_below_truth": above[e][m] / max(n_ok, 1),
                "mean_width": float(np.mean(widths[e][m])) if widths[e][m] else float("nan"),
                "passes": bool(BAND[0] <= cov <= BAND[1]),
            }
    return out


def null_rates(args, key) -> dict:
    """Rejection rates at 5% under H0: c = 0 (the indicators do not depend on AI or upgrading) of
    CRV1 t(G-1) and of the restricted wild cluster bootstrap (Rademacher, all 2^G sign vectors; the
    package's own :func:`~resilience_jax.bootstrap.wild.wild_t`), at the sizes of ``--sizes`` up to 12
    provinces (8 and 11 by default)."""
    from scipy.stats import t as st

    from resilience_jax.bootstrap.wild import extreme_share, sign_vectors, wild_t

    out = {}
    for G in [g for g in args.sizes if g <= 12]:  # the small samples (all 2^G sign vectors)
        V = sign_vectors(jnp.arange(2**G, dtype=jnp.uint32), G)
        design = wild_design(G)

        @jax.jit
        def one(k, G=G, V=V, design=design):
            Xw, yw = design(make_arrays(*simulate(k, G, True, np.zeros(M), np.zeros(M)), None))
            s = wild_t(Xw, yw, jnp.repeat(jnp.arange(G), T), V, 0, n_clusters=G, k_absorbed=1)
            return s.t, extreme_share(s.t, s.t_boot)

        t, p_wild = jax.lax.map(one, jax.random.split(jax.random.fold_in(key, G), args.null_datasets), batch_size=50)
        p_crv1 = 2 * st.sf(np.abs(np.asarray(t)), G - 1)
        out[f"G{G}"] = {"datasets": args.null_datasets, "crv1_t(G-1)": float(np.mean(p_crv1 < 0.05)),
                        "wild_rademacher_enumerated": float(np.mean(np.asarray(p_wild) < 0.05))}
        print(f"null, G={G}: rejection at 5%: CRV1 t(G-1) {out[f'G{G}']['crv1_t(G-1)']:.3f}, "
              f"wild {out[f'G{G}']['wild_rademacher_enumerated']:.3f}", flush=True)
    return out


def plot(result: dict, path: Path) -> None:
    """Coverage against the number of provinces, one panel per estimand x indicator scale, a line
    per method (solid: minmax, dashed: goalposts); the band [0.93, 0.97] shaded."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    cells = result["cells"]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5), sharey=True)
    for row, ind in enumerate(("levels", "logs")):
        for col, est in enumerate(ESTIMANDS):
            ax = axes[row, col]
            ax.axhspan(*BAND, color="#DDEEDD", label="pass band 0.93-0.97")
            for m in ESTIMANDS[est]:
                j = ALL_METHODS.index(m)  # one colour per method in every panel
                for scale, ls in (("minmax", "-"), ("goalposts", "--")):
                    pts = sorted((c["G"], c["methods"][f"{est}:{m}"]["coverage"]) for c in cells
                                 if c["indicators"] == ind and c["scale"] == scale)
                    if pts:
                        ax.plot(*zip(*pts), ls, marker="o", color=f"C{j}", label=f"{m} ({scale})")
            ax.set_xscale("log")
            ax.minorticks_off()
            ax.set_xticks(sorted({c["G"] for c in cells}))
            ax.set_xticklabels([str(g) for g in sorted({c["G"] for c in cells})])
            ax.set_title(f"{est}, indicators in {ind}")
            ax.set_xlabel("provinces G")
            if col == 0:
                ax.set_ylabel("coverage of the 95% interval")
            ax.set_ylim(0.0, 1.02)
    seen = {}
    for ax in axes.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels()):
            seen.setdefault(lab, h)
    labels, handles = list(seen), list(seen.values())
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8)
    fig.suptitle(f"Interval coverage ({result['datasets']} datasets a cell, {result['n_boot']} replicates each)")
    fig.tight_layout(rect=(0, 0.12, 1, 0.97))
    fig.savefig(path, dpi=110)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=400)
    ap.add_argument("--n-boot", type=int, default=999)
    ap.add_argument("--sizes", type=int, nargs="+", default=[8, 11, 30, 60])
    ap.add_argument("--truth-datasets", type=int, default=2000, help="datasets per pseudo-truth (min-max a*b and c)")
    ap.add_argument("--population", type=int, default=5000, help="provinces of the population panels")
    ap.add_argument("--reference", type=int, default=20000, help="provinces of the goalposts' reference panel")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", default=str(HERE / "results" / "interval_study.json"))
    ap.add_argument("--indicators", nargs="+", choices=["levels", "logs"], default=["levels", "logs"])
    ap.add_argument("--scales", nargs="+", choices=["minmax", "goalposts"], default=["minmax", "goalposts"])
    ap.add_argument("--null-datasets", type=int, default=2000, help="datasets per size of the null rejection rates")
    ap.add_argument("--null-only", action="store_true", help="add the null rejection rates to an existing --out")
    args = ap.parse_args()
    if args.null_only:
        out = Path(args.out)
        result = json.loads(out.read_text())
        result["null_rejection_5pct"] = null_rates(args, jax.random.fold_in(jax.random.key(args.seed), 99))
        result["not_measured"] = []
        out.write_text(json.dumps(result, indent=2) + "\n")
        return 0
    start = time.perf_counter()
    root = jax.random.key(args.seed)
    k_gp, k_pop, k_truth, k_cells = jax.random.split(root, 4)
    cells, truths_by_g = [], {}
    for logs in [ind == "logs" for ind in args.indicators]:
        label = "logs" if logs else "levels"
        bounds = goalposts(jax.random.fold_in(k_gp, logs), logs, args.reference)
        pop = point_fn(args.population, logs)
        population = {}
        for scale in ("minmax", "goalposts"):
            b = bounds if scale == "goalposts" else None
            vals = np.array([[float(v) for v in pop(jax.random.fold_in(k_pop, 10 * logs + r), b)] for r in range(4)])
            population[scale] = dict(zip(("ab", "c", "share"), vals.mean(axis=0).tolist()))
        for G in args.sizes:
            point = point_fn(G, logs)
            # the min-max estimand of a*b and c at this size: the estimator's mean over datasets of size G
            keys = jax.random.split(jax.random.fold_in(k_truth, 100 * G + logs), args.truth_datasets)
            pt = jax.lax.map(lambda k: point(k, None), keys, batch_size=250)
            mm_mean = {"ab": float(np.mean(pt[0])), "c": float(np.mean(pt[1])), "share": float(np.mean(pt[2]))}
            truths_by_g[f"{label}:G{G}"] = {"minmax_mean_of_estimator": mm_mean, "population": population}
            for scale in args.scales:
                truths = dict(population[scale])
                if scale == "minmax":
                    truths["ab"], truths["c"] = mm_mean["ab"], mm_mean["c"]
                kc = jax.random.fold_in(k_cells, 1000 * G + 10 * logs + (scale == "goalposts"))
                t0 = time.perf_counter()
                r = cell(G, logs, scale, args, jax.random.split(kc), bounds, truths)
                r["seconds"] = time.perf_counter() - t0
                cells.append(r)
                row = "  ".join(f"{k}={v['coverage']:.3f}" for k, v in r["methods"].items())
                print(f"G={G:3d} {label:6s} {scale:9s} ({r['datasets']} datasets, {r['seconds']:.0f} s): {row}", flush=True)
    result = {"datasets": args.datasets, "n_boot": args.n_boot, "band": BAND, "truths": truths_by_g, "cells": cells,
              "null_rejection_5pct": null_rates(args, jax.random.fold_in(root, 99)),
              "seconds": time.perf_counter() - start,
              "not_measured": []}
    out = Path(args.out)
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    plot(result, out.with_suffix(".png"))
    print(f"{result['seconds']:.0f} s; wrote {out} and {out.with_suffix('.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
