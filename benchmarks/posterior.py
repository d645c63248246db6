"""Posterior benchmark: effective samples per second of a*b (mediation) and of the baseline slope,
resilience_jax's NUTS against PyMC's default NUTS on the same model, a plain NumPyro model with
province dummies (NumPyro's MCMC driver), and bambi (the baseline; it has no joint mediation)
where it imports; the conjugate engine's 10,000 draws; 1,000 SBC replications (conjugate, and
NUTS extrapolated from a batch); ``resilience-jax posterior`` as a fresh process.

Run: ``python benchmarks/posterior.py [--quick]``. Every sampler runs 4 chains x 1,000 warm-up +
1,000 draws on the embedded panel (the same data and the same within model: the likelihood of
the demeaned rows with the province effects' degrees of freedom, the NIG prior of
resilience_jax.bayes.priors), except the dummies models, which sample the province intercepts.
ESS is ArviZ's bulk ESS; the sampling time excludes compilation (reported apart). Writes
``benchmarks/results/posterior_<backend>.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import jax
import numpy as np

import resilience_jax as rj
from resilience_jax.bayes.design import posterior_design
from resilience_jax.bayes.fit import design_scales, equation_data
from resilience_jax.bayes.priors import Prior
from resilience_jax.bayes.sbc import sbc
from resilience_jax.results.posterior import az

HERE = Path(__file__).resolve().parent
warnings.simplefilter("ignore")


def ours(panel, model, draws):
    rj.posterior(panel, model=model, draws=draws, warmup=draws, seed=99)  # compile
    t = time.perf_counter()
    post = rj.posterior(panel, model=model, draws=draws, warmup=draws, seed=1)
    dt = time.perf_counter() - t
    name = "ab" if model == "mediation" else post.headline[0]
    return float(az.ess(post.idata, var_names=[name], method="bulk")[name]), dt


def _within_np(y, X):
    yw = y - y.mean(axis=1, keepdims=True)
    Xw = X - X.mean(axis=1, keepdims=True)
    return yw.reshape(-1), Xw.reshape(-1, X.shape[2])


def pymc_run(panel, model, draws):
    import pymc as pm

    d, _ = posterior_design(panel, model)
    scs = design_scales(d, Prior())
    G, T, _ = d.X.shape
    eqs = [(np.asarray(y), np.asarray(X)) for y, X in equation_data(d, d.outcomes)]
    with pm.Model():
        slopes = []
        for j, ((y, X), sc) in enumerate(zip(eqs, scs)):
            yw, Xw = _within_np(y, X)
            s2 = pm.InverseGamma(f"s2_{j}", float(sc.sigma2_shape), float(sc.sigma2_rate))
            beta = pm.Normal(f"beta_{j}", 0.0, pm.math.sqrt(s2) * np.asarray(sc.slope_sd), shape=X.shape[2])
            mu = pm.math.dot(Xw, beta)
            pm.Normal(f"y_{j}", mu, pm.math.sqrt(s2), observed=yw)
            pm.Potential(f"dof_{j}", 0.5 * G * pm.math.log(2 * np.pi * s2))  # the absorbed effects' dimensions
            slopes.append(beta)
        if model == "mediation":
            pm.Deterministic("ab", slopes[0][0] * slopes[1][1])
        t = time.perf_counter()
        idata = pm.sample(draws=draws, tune=draws, chains=4, random_seed=1, progressbar=False, compute_convergence_checks=False)
        dt = time.perf_counter() - t
    name = "ab" if model == "mediation" else "beta_0"
    ess = az.ess(idata, var_names=[name], method="bulk")[name].values
    return float(ess if model == "mediation" else ess[0]), dt


def numpyro_dummies(panel, model, draws):
    import numpyro
    import numpyro.distributions as dist
    from numpyro.infer import MCMC, NUTS

    d, _ = posterior_design(panel, model)
    eqs = [(np.asarray(y), np.asarray(X)) for y, X in equation_data(d, d.outcomes)]
    G, T, _ = d.X.shape
    prov = np.repeat(np.arange(G), T)

    def m():
        slopes = []
        for j, (y, X) in enumerate(eqs):
            alpha = numpyro.sample(f"alpha_{j}", dist.Normal(0, 10).expand([G]).to_event(1))
            beta = numpyro.sample(f"beta_{j}", dist.Normal(0, 10).expand([X.shape[2]]).to_event(1))
            sigma = numpyro.sample(f"sigma_{j}", dist.HalfNormal(1.0))
            numpyro.sample(f"y_{j}", dist.Normal(alpha[prov] + X.reshape(-1, X.shape[2]) @ beta, sigma), obs=y.reshape(-1))
            slopes.append(beta)
        if model == "mediation":
            numpyro.deterministic("ab", slopes[0][0] * slopes[1][1])

    mc = MCMC(NUTS(m), num_warmup=draws, num_samples=draws, num_chains=4, chain_method="vectorized", progress_bar=False)
    mc.run(jax.random.key(0))  # compile + run
    t = time.perf_counter()
    mc.run(jax.random.key(1))
    jax.block_until_ready(mc.get_samples())
    dt = time.perf_counter() - t
    s = mc.get_samples(group_by_chain=True)
    v = np.asarray(s["ab"] if model == "mediation" else s["beta_0"][..., 0])
    return float(az.ess(v, method="bulk")), dt


def bambi_run(panel, draws):
    import bambi as bmb

    d, _ = posterior_design(panel, "baseline")
    df = panel.frame.assign(**{d.index: np.asarray(d.outcomes[0]).ravel()})
    fml = f"{d.index} ~ {' + '.join(d.terms[0][: d.k0])} + C({panel.spec.entity})"
    mdl = bmb.Model(fml, df)
    t = time.perf_counter()
    idata = mdl.fit(draws=draws, tune=draws, chains=4, random_seed=1, progressbar=False)
    dt = time.perf_counter() - t
    name = d.terms[0][0]
    return float(az.ess(idata, var_names=[name], method="bulk")[name]), dt


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer SBC simulations, no PyMC/bambi")
    args = ap.parse_args()
    panel = rj.load_panel()
    draws = 1000
    res: dict = {"backend": jax.default_backend(), "draws": draws, "chains": 4, "ess_per_s": {}, "notes": []}
    for model in ("mediation", "baseline"):
        e, dt = ours(panel, model, draws)
        res["ess_per_s"][f"resilience_jax_{model}"] = {"ess": e, "seconds": dt, "ess_per_s": e / dt}
        runs = [("numpyro_dummies", lambda: numpyro_dummies(panel, model, draws))]
        if not args.quick:
            runs.append(("pymc", lambda: pymc_run(panel, model, draws)))
            if model == "baseline":
                runs.append(("bambi", lambda: bambi_run(panel, draws)))
        for name, fn in runs:
            try:
                e2, dt2 = fn()
                res["ess_per_s"][f"{name}_{model}"] = {"ess": e2, "seconds": dt2, "ess_per_s": e2 / dt2,
                                                        "ratio_ours_over": (e / dt) / (e2 / dt2)}
            except Exception as exc:  # noqa: BLE001  (a reference that does not import here is reported, not fatal)
                res["notes"].append(f"{name} ({model}) not run: {type(exc).__name__}: {exc}"[:300])
    # the conjugate engine: 10,000 draws after compilation (the engine's compiled call; and the
    # whole runner, with the per-province log-likelihood of every draw and the copy to numpy)
    from resilience_jax.bayes.fit import _conjugate_batch, sample

    for model in ("mediation", "baseline"):
        d, arr = posterior_design(panel, model)
        scs = design_scales(d, Prior())
        keys = jax.random.key(0)[None]
        outs = tuple(o[None] for o in d.outcomes)
        jax.block_until_ready(_conjugate_batch(keys, outs, d.X, scs, model=model, flat=False, chains=4, draws=2500))
        ts = []
        for _ in range(21):
            t = time.perf_counter()
            jax.block_until_ready(_conjugate_batch(keys, outs, d.X, scs, model=model, flat=False, chains=4, draws=2500))
            ts.append(time.perf_counter() - t)
        res[f"conjugate_engine_10000_draws_{model}_s"] = float(np.median(ts))

    for model in ("mediation", "baseline"):
        d, arr = posterior_design(panel, model)
        key = jax.random.key(0)
        sample(key, d, arr, prior=Prior(), engine="conjugate", chains=4, draws=2500)
        ts = []
        for _ in range(9):
            t = time.perf_counter()
            sample(key, d, arr, prior=Prior(), engine="conjugate", chains=4, draws=2500)
            ts.append(time.perf_counter() - t)
        res[f"conjugate_runner_10000_draws_{model}_s"] = float(np.median(ts))
    # SBC
    d, _ = posterior_design(panel, "mediation")
    n = 200 if args.quick else 1000
    sbc(0, d, Prior(), n_sims=n, draws=999)
    t = time.perf_counter()
    r = sbc(1, d, Prior(), n_sims=n, draws=999)
    res[f"sbc_conjugate_{n}_s"] = time.perf_counter() - t
    res["sbc_conjugate_table"] = r.table().reset_index().to_dict(orient="records")
    nb = 100 if args.quick else 1000
    sbc(0, d, Prior(), n_sims=8, draws=1000, warmup=1000, engine="nuts", batch=250)  # compile (batch shape 250)
    t = time.perf_counter()
    rn = sbc(2, d, Prior(), n_sims=nb, draws=1000, warmup=1000, engine="nuts", batch=250)
    dt = time.perf_counter() - t
    res["sbc_nuts"] = {"n_sims": nb, "warmup": 1000, "draws": 1000, "seconds": dt,
                       "table": rn.table().reset_index().to_dict(orient="records")}
    # the CLI as a fresh process
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "resilience_jax.cli", "posterior", "--out", tmp], check=True,
                       capture_output=True)
        res["cli_posterior_fresh_s"] = time.perf_counter() - t
    out = HERE / "results" / f"posterior_{jax.default_backend()}.json"
    out.write_text(json.dumps(res, indent=2, default=float) + "\n")
    print(json.dumps({k: v for k, v in res.items() if "table" not in k}, indent=2, default=float))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
