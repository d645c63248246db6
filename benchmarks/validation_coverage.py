"""Validation study: coverage of 95% intervals for the indirect effect a*b at the paper's size.

Data-generating process (30 provinces x 14 years, one JAX key per dataset): province size
``s_g ~ N(0, 1)``, a common trend, AI ``x = 0.6 s + 0.8 trend + 0.3 e``, upgrading
``u = 0.5 x + 0.5 s + 0.3 e``, five controls (province effect + trend + noise), and 15 lognormal
indicators ``log y_j = mu_j + s + beta_j x + gamma_j u + 0.2 e`` (13 raised by AI and upgrading,
2 lowered, like the Engel coefficient and unemployment). The index is min-max normalised, so its
scale depends on each sample's extremes and a*b has no closed form: the estimand is the mean of the
estimator over 4,000 datasets of the paper's size (the pseudo-true value; its Monte Carlo error is
reported). For each of ``--datasets`` datasets: the province-fixed-effects mediation estimate, the
Sobel normal interval, and percentile, BC and BCa intervals from a ``--n-boot`` cluster bootstrap
with the weights re-estimated in every replicate; the same for the baseline slope (the total effect
c of the index on AI: CRV1 t(G-1), percentile, BCa). Beside them the 95% equal-tailed credible
intervals of the posterior layer (``resilience_jax.bayes``, default prior): the within model with
iid errors and fixed index weights (conjugate engine), the same with Bayesian-bootstrapped weights
(20 weight draws), and the within model with AR(1) errors within province (NUTS, 2 chains x 500 +
500, the first ``--nuts-datasets`` datasets in one vmapped call; ``--no-nuts`` skips it). Writes
``benchmarks/results/coverage.json``.

    python benchmarks/validation_coverage.py [--datasets 200] [--n-boot 999] [--no-nuts]
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

import resilience_jax  # noqa: F401
from resilience_jax.bootstrap.engine import jackknife, run_replicates
from resilience_jax.data.arrays import MediationArrays
from resilience_jax.estimators.staged import fit_rows
from resilience_jax.inference.intervals import bca_ci, percentile_ci

sys.path.insert(0, str(Path(__file__).resolve().parent))
from interval_study import DIRECTIONS, M  # noqa: E402  (the one DGP, shared with the interval study)
from interval_study import simulate as simulate_panel  # noqa: E402

HERE = Path(__file__).resolve().parent
G = 30


def simulate(key):
    """A panel of the paper's size, indicators in levels (:func:`interval_study.simulate`)."""
    return simulate_panel(key, G, False)


def arrays(X, x, u, C) -> MediationArrays:
    return MediationArrays(X, jnp.asarray(DIRECTIONS), jnp.ones((1, M)), x, u, C)


@jax.jit
def point(key):
    st = fit_rows(arrays(*simulate(key)), n_entities=G)
    return st.ab, st.ab / st.sobel_z, st.c, st.se_c  # a*b and its Sobel SE, the baseline slope c and its CRV1 SE


def _eti(v):
    return tuple(np.quantile(np.asarray(v).ravel(), [0.025, 0.975]))


def posterior_intervals(key, bd):
    """95% credible intervals of a*b (mediation) and of the slope (baseline): conjugate with fixed
    and with Bayesian-bootstrapped weights."""
    from resilience_jax.bayes.design import design_from_arrays
    from resilience_jax.bayes.fit import sample
    from resilience_jax.bayes.priors import Prior

    out = {}
    k1, k2 = jax.random.split(key)
    for model, k in (("mediation", k1), ("baseline", k2)):
        d = design_from_arrays(bd, model, n_entities=G)
        for w, draws in (("fixed", 1000), ("bayesian_bootstrap", 100)):
            r = sample(k, d, bd, prior=Prior(), engine="conjugate", chains=4, draws=draws, weights=w, n_weight_draws=20)
            v = r.samples["ab"] if model == "mediation" else r.samples["beta"][..., 0]
            out[(model, w)] = _eti(v)
    return out


def nuts_ar1_intervals(key, datasets):
    """a*b and slope credible intervals of the AR(1)-errors within model, every dataset in one vmapped NUTS call."""
    from resilience_jax.bayes.design import design_from_arrays
    from resilience_jax.bayes.fit import bound_model, design_scales
    from resilience_jax.bayes.nuts import nuts_chains
    from resilience_jax.bayes.priors import Prior

    res = {}
    for model in ("mediation", "baseline"):
        ds = [design_from_arrays(bd, model, n_entities=G) for bd in datasets]
        X = jnp.stack([d.X for d in ds])
        outs = tuple(jnp.stack([d.outcomes[j] for d in ds]) for j in range(len(ds[0].outcomes)))
        scs = jax.tree.map(lambda *a: jnp.stack(a), *[design_scales(d, Prior()) for d in ds])
        mdl = bound_model(model, effects="within", errors="ar1", prior_kind="nig", k0=ds[0].k0)
        run = jax.jit(jax.vmap(lambda k, X, sc, o: nuts_chains(k, mdl, (X, *sc, *o), chains=2, warmup=500, draws=500)))
        keys = jax.random.split(jax.random.fold_in(key, model == "baseline"), len(ds))
        s, info = run(keys, X, scs, outs)
        v = np.asarray(s["ab"] if model == "mediation" else s["beta"][..., 0])
        res[model] = [_eti(v[i]) for i in range(len(ds))]
        res[f"{model}_divergences"] = int(np.asarray(info.diverging).sum())
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=int, default=200)
    ap.add_argument("--n-boot", type=int, default=999)
    ap.add_argument("--truth-datasets", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--no-nuts", action="store_true", help="skip the AR(1) NUTS posterior")
    ap.add_argument("--nuts-datasets", type=int, default=60, help="datasets (the first ones) of the AR(1) NUTS posterior")
    args = ap.parse_args()
    start = time.perf_counter()
    k_truth, k_data, k_boot = jax.random.split(jax.random.key(args.seed), 3)
    ab_all, _, c_all, _ = jax.lax.map(point, jax.random.split(k_truth, args.truth_datasets), batch_size=500)
    ab_all, c_all = np.asarray(ab_all), np.asarray(c_all)
    truth, truth_mcse = float(ab_all.mean()), float(ab_all.std(ddof=1) / np.sqrt(len(ab_all)))
    truth_c = float(c_all.mean())

    hits = {"sobel": [], "percentile": [], "bc": [], "bca": [], "posterior_iid_fixed_weights": [],
            "posterior_iid_bootstrapped_weights": []}
    widths = {k: [] for k in hits}
    hits_c = {"crv1": [], "percentile": [], "bca": [], "posterior_iid_fixed_weights": [],
              "posterior_iid_bootstrapped_weights": []}
    widths_c = {k: [] for k in hits_c}
    from scipy.stats import t as student_t

    q = float(student_t.ppf(0.975, G - 1))
    k_post = jax.random.fold_in(k_boot, 7)
    datasets = []
    z = 1.959963984540054
    data_keys = jax.random.split(k_data, args.datasets)
    boot_keys = jax.random.split(k_boot, args.datasets)
    for i in range(args.datasets):
        bd = arrays(*simulate(data_keys[i]))
        datasets.append(bd)
        est, se, c_est, c_se = (float(v) for v in point(data_keys[i]))
        _, stats = run_replicates(boot_keys[i], bd, n_boot=args.n_boot, n_entities=G, chunk_size=args.n_boot)
        draws = np.asarray(stats.ab)[:, None]
        jk = jackknife(bd, n_entities=G)
        jack = np.asarray(jk.ab)[:, None]
        post = posterior_intervals(jax.random.fold_in(k_post, i), bd)
        intervals = {
            "sobel": (est - z * se, est + z * se),
            "percentile": tuple(v[0] for v in percentile_ci(draws, 0.95)),
            "bc": tuple(v[0] for v in bca_ci(draws, np.array([est]), None, 0.95)),
            "bca": tuple(v[0] for v in bca_ci(draws, np.array([est]), jack, 0.95)),
            "posterior_iid_fixed_weights": post[("mediation", "fixed")],
            "posterior_iid_bootstrapped_weights": post[("mediation", "bayesian_bootstrap")],
        }
        for name, (lo, hi) in intervals.items():
            hits[name].append(lo <= truth <= hi)
            widths[name].append(hi - lo)
        cd = np.asarray(stats.c)[:, None]
        intervals_c = {
            "crv1": (c_est - q * c_se, c_est + q * c_se),
            "percentile": tuple(v[0] for v in percentile_ci(cd, 0.95)),
            "bca": tuple(v[0] for v in bca_ci(cd, np.array([c_est]), np.asarray(jk.c)[:, None], 0.95)),
            "posterior_iid_fixed_weights": post[("baseline", "fixed")],
            "posterior_iid_bootstrapped_weights": post[("baseline", "bayesian_bootstrap")],
        }
        for name, (lo, hi) in intervals_c.items():
            hits_c[name].append(lo <= truth_c <= hi)
            widths_c[name].append(hi - lo)
    divergences = {}
    if not args.no_nuts:
        nn = min(args.nuts_datasets, n_data := len(datasets))
        ar1 = nuts_ar1_intervals(jax.random.fold_in(k_post, 2**31 - 1), datasets[:nn])
        for target, h, w, model in ((truth, hits, widths, "mediation"), (truth_c, hits_c, widths_c, "baseline")):
            h["posterior_ar1"] = [lo <= target <= hi for lo, hi in ar1[model]]
            w["posterior_ar1"] = [hi - lo for lo, hi in ar1[model]]
            divergences[model] = ar1[f"{model}_divergences"]
        del n_data
    n = args.datasets
    result = {
        "datasets": n, "n_boot": args.n_boot, "truth_ab": truth, "truth_mc_se": truth_mcse,
        "coverage": {k: float(np.mean(v)) for k, v in hits.items()},
        "coverage_mc_se": {k: float(np.sqrt(np.mean(v) * (1 - np.mean(v)) / len(v))) for k, v in hits.items()},
        "datasets_per_method": {k: len(v) for k, v in hits.items()},
        "mean_width": {k: float(np.mean(v)) for k, v in widths.items()},
        "baseline_slope": {
            "truth": truth_c,
            "coverage": {k: float(np.mean(v)) for k, v in hits_c.items()},
            "coverage_mc_se": {k: float(np.sqrt(np.mean(v) * (1 - np.mean(v)) / len(v))) for k, v in hits_c.items()},
            "mean_width": {k: float(np.mean(v)) for k, v in widths_c.items()},
        },
        "nuts_ar1_divergences": divergences,
        "seconds": time.perf_counter() - start,
    }
    out = HERE / "results" / "coverage.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"pseudo-true a*b = {truth:.5f} (Monte Carlo SE {truth_mcse:.5f}); {n} datasets, {args.n_boot} replicates each")
    for k in hits:
        print(f"  {k:36s} coverage {result['coverage'][k]:.3f} (+/- {result['coverage_mc_se'][k]:.3f})   mean width {result['mean_width'][k]:.4f}")
    bs = result["baseline_slope"]
    print(f"baseline slope c: pseudo-true {truth_c:.5f}")
    for k in hits_c:
        print(f"  {k:36s} coverage {bs['coverage'][k]:.3f} (+/- {bs['coverage_mc_se'][k]:.3f})   mean width {bs['mean_width'][k]:.4f}")
    print(f"{result['seconds']:.0f} s; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
