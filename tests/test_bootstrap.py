"""Bootstrap engine: fast path = gathered-rows reference = independent pyfixest refits; determinism
across runs and chunk sizes; interval formulas; bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from helpers import numpy_entropy, run_script
from resilience_jax import bootstrap
from resilience_jax.bootstrap.engine import run_replicates
from resilience_jax.data import load_panel
from resilience_jax.data.arrays import mediation_arrays
from resilience_jax.errors import EstimationError
from resilience_jax.estimators.record import MediationStats, to_columns
from resilience_jax.inference.intervals import bca_ci, percentile_ci
from resilience_jax.inference.resample import draw_weights

CONTROLS = ["Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]


@pytest.fixture(scope="module")
def panel():
    return load_panel()


@pytest.fixture(scope="module")
def data(panel):
    """Members: the mediation's index (REIC), then REIC, REICD, REICC for their baseline coefficients."""
    arrays, layout = mediation_arrays(panel)
    assert layout.symbols == ("REIC", "REICD", "REICC") and arrays.members.shape == (4, 15)
    return arrays


@pytest.mark.parametrize("fe, path", [(True, "fast"), (True, "rows"), (False, "fast")])
def test_fast_paths_equal_gathered_rows_replicate_by_replicate(data, fe, path):
    """fast (entity tables with fixed effects; weighted rows without) == gathered-rows reference."""
    key = jax.random.key(11)
    wf, sf = run_replicates(key, data, n_boot=40, n_entities=30, fixed_effects=fe, chunk_size=16, path=path)
    wg, sg = run_replicates(key, data, n_boot=40, n_entities=30, fixed_effects=fe, chunk_size=40, path="general")
    np.testing.assert_array_equal(wf, wg)
    for field in MediationStats._fields:
        np.testing.assert_allclose(getattr(sf, field), getattr(sg, field), rtol=1e-10, atol=1e-12, err_msg=field)


@pytest.mark.parametrize("path", ["fast", "general"])
def test_replicates_equal_independent_pyfixest_refits(panel, data, path):
    pf = pytest.importorskip("pyfixest")
    weights, stats = run_replicates(jax.random.key(5), data, n_boot=4, n_entities=30, chunk_size=4, path=path)
    frame, spec = panel.frame, panel.spec
    provinces = list(dict.fromkeys(frame["province"]))
    for r, w in enumerate(weights):
        s = MediationStats(*(np.asarray(x)[r] for x in stats))
        parts = []
        for g, count in enumerate(w.astype(int)):
            for copy in range(count):  # each draw is its own cluster with its own fixed effect
                parts.append(frame[frame["province"] == provinces[g]].assign(draw=f"{g}-{copy}"))
        rs = pd.concat(parts, ignore_index=True)
        X = rs[list(spec.index.columns)].to_numpy()
        wts, _, idx, _ = numpy_entropy(X, spec.index.directions)
        rs["REIC"] = idx
        for sym, key in (("REICD", "fracture"), ("REICC", "impact")):
            cols = list(spec.index.dimension_members(key))
            rs[sym] = numpy_entropy(X[:, cols], np.array(spec.index.directions)[cols])[2]
        rhs = " + ".join(CONTROLS)
        v = {"CRV1": "draw"}
        a = pf.feols(f"Upgra ~ LnAI + {rhs} | draw", rs, vcov=v)
        b = pf.feols(f"REIC ~ LnAI + Upgra + {rhs} | draw", rs, vcov=v)
        c = pf.feols(f"REIC ~ LnAI + {rhs} | draw", rs, vcov=v)
        np.testing.assert_allclose(s.weights, wts, rtol=1e-10)
        np.testing.assert_allclose([s.a, s.se_a], [a.coef()["LnAI"], a.se()["LnAI"]], rtol=1e-8)
        np.testing.assert_allclose([s.b, s.se_b], [b.coef()["Upgra"], b.se()["Upgra"]], rtol=1e-8)
        np.testing.assert_allclose([s.c, s.se_c, s.c_prime, s.se_c_prime],
                                   [c.coef()["LnAI"], c.se()["LnAI"], b.coef()["LnAI"], b.se()["LnAI"]], rtol=1e-8)
        betas = s.beta
        np.testing.assert_allclose(s.mean, [rs["REIC"].mean(), rs["REICD"].mean(), rs["REICC"].mean()], rtol=1e-10)
        assert betas[0] == pytest.approx(c.coef()["LnAI"], rel=1e-8)  # baseline REIC = total effect
        for beta, sym in zip(betas[1:], ("REICD", "REICC")):
            ref = pf.feols(f"{sym} ~ LnAI + {rhs} | draw", rs, vcov=v)
            assert beta == pytest.approx(ref.coef()["LnAI"], rel=1e-8), sym


def test_same_seed_same_numbers_across_runs_and_chunk_sizes(panel):
    a = bootstrap(panel, n_boot=60, seed=3, chunk_size=60)
    b = bootstrap(panel, n_boot=60, seed=3, chunk_size=7)
    c = bootstrap(panel, n_boot=60, seed=3, chunk_size=60)
    np.testing.assert_array_equal(a.multiplicities, b.multiplicities)
    np.testing.assert_allclose(a.draws.to_numpy(), b.draws.to_numpy(), rtol=1e-11, atol=1e-12)
    pd.testing.assert_frame_equal(a.draws, c.draws)
    d = bootstrap(panel, n_boot=60, seed=4, chunk_size=60)
    assert not np.allclose(a.draws["ab"], d.draws["ab"])
    # the gathered rows too (sub-batches padded differently)
    g1 = bootstrap(panel, n_boot=60, seed=3, chunk_size=60, path="general")
    g2 = bootstrap(panel, n_boot=60, seed=3, chunk_size=7, path="general")
    np.testing.assert_array_equal(g1.multiplicities, a.multiplicities)
    np.testing.assert_allclose(g1.draws.to_numpy(), g2.draws.to_numpy(), rtol=1e-11, atol=1e-12)


def test_draw_weights():
    keys = jax.random.split(jax.random.key(0), 200)
    mult = jax.vmap(lambda k: draw_weights(k, 30, "cluster"))(keys)
    assert np.all(np.asarray(mult).sum(axis=1) == 30) and np.all(np.asarray(mult) == np.round(mult))
    dirich = jax.vmap(lambda k: draw_weights(k, 30, "bayesian"))(keys)
    np.testing.assert_allclose(np.asarray(dirich).sum(axis=1), 30.0, rtol=1e-12)
    assert (np.asarray(dirich) > 0).all()


def test_uniform_index_is_the_64_bit_multiply_shift():
    """floor(bits * n / 2^32) computed in 32-bit pieces equals the 64-bit product, edges included;
    each index is drawn with probability 1/n (chi-square on 30,000 draws)."""
    from scipy.stats import chisquare

    from resilience_jax.inference.resample import uniform_index

    words = np.concatenate([np.random.default_rng(0).integers(0, 2**32, 50_000, dtype=np.uint64),
                            np.array([0, 1, 2**16 - 1, 2**16, 2**31, 2**32 - 1], dtype=np.uint64)])
    for n in (1, 2, 3, 30, 2800, 2**16 - 1):
        got = np.asarray(uniform_index(jnp.asarray(words.astype(np.uint32)), n))
        np.testing.assert_array_equal(got, (words * np.uint64(n)) >> np.uint64(32))
    counts = np.asarray(jax.vmap(lambda k: draw_weights(k, 30, "cluster"))(jax.random.split(jax.random.key(1), 1000)))
    assert chisquare(counts.sum(axis=0)).pvalue > 1e-3
    with pytest.raises(EstimationError, match="65,536"):
        uniform_index(jnp.zeros(3, jnp.uint32), 2**16)


def test_float32_mode_draws_the_same_multiplicities(tmp_path):
    """RESILIENCE_JAX_FLOAT32=1 (no 64-bit integers) draws the same cluster multiplicities."""
    script = ("import sys, jax, numpy as np\n"
              "from resilience_jax.inference.resample import draw_weights\n"
              "w = jax.vmap(lambda k: draw_weights(k, 30, 'cluster'))(jax.random.split(jax.random.key(7), 50))\n"
              "np.savez(sys.argv[1], w=np.asarray(w))\n")
    got = run_script(script, tmp_path / "w32.npz", timeout=300, RESILIENCE_JAX_FLOAT32="1")
    w64 = jax.vmap(lambda k: draw_weights(k, 30, "cluster"))(jax.random.split(jax.random.key(7), 50))
    np.testing.assert_array_equal(got["w"], np.asarray(w64))


def test_float32_mode_bootstrap_agrees_with_float64(tmp_path, panel):
    """RESILIENCE_JAX_FLOAT32=1: the entropy weights and every bootstrap path are finite (0 ln 0
    must not become 0 * log(0) = NaN when 1e-300 rounds to 0) and agree with float64."""
    from resilience_jax import entropy_weights

    script = ("import sys, numpy as np\n"
              "from resilience_jax import bootstrap, entropy_weights, load_panel\n"
              "p = load_panel()\n"
              "w = np.asarray(entropy_weights(p.indicator_matrix(), p.spec.index.directions).weights)\n"
              "d = {path: bootstrap(n_boot=40, seed=1, path=path).draws.to_numpy() for path in ('fast', 'rows', 'general')}\n"
              "np.savez(sys.argv[1], weights=w, **d)\n")
    got = run_script(script, tmp_path / "f32.npz", RESILIENCE_JAX_FLOAT32="1")
    assert got["weights"].dtype == np.float32
    w64 = np.asarray(entropy_weights(panel.indicator_matrix(), panel.spec.index.directions).weights)
    np.testing.assert_allclose(got["weights"], w64, rtol=1e-4)
    ref = bootstrap(panel, n_boot=40, seed=1).draws.to_numpy()
    for path in ("fast", "rows", "general"):
        assert np.isfinite(got[path]).all(), path
        np.testing.assert_allclose(got[path], ref, rtol=2e-3, atol=1e-5, err_msg=path)


def test_bayesian_bootstrap_runs(panel):
    res = bootstrap(panel, n_boot=50, seed=0, scheme="bayesian")
    np.testing.assert_allclose(res.multiplicities.sum(axis=1), 30.0, rtol=1e-12)
    assert np.isfinite(res.draws.to_numpy()).all()
    np.testing.assert_allclose(res.draws.filter(like="w_").sum(axis=1), 1.0, rtol=1e-12)


def test_interval_formulas():
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(20001, 1))
    est = np.array([np.median(draws)])
    lo, hi = percentile_ci(draws, 0.9)
    blo, bhi = bca_ci(draws, est, None, 0.9)  # median estimate: z0 = 0, so BC = percentile
    np.testing.assert_allclose([blo[0], bhi[0]], [lo[0], hi[0]], atol=1e-3)
    # acceleration: Efron's jackknife formula, written out here independently
    jack = rng.normal(size=(30, 1)) ** 2
    dev = jack.mean() - jack[:, 0]
    acc = (dev**3).sum() / (6 * ((dev**2).sum()) ** 1.5)
    from scipy.stats import norm

    z0 = norm.ppf((draws[:, 0] < 0.2).mean())
    q = norm.cdf(z0 + (z0 + norm.ppf(0.05)) / (1 - acc * (z0 + norm.ppf(0.05))))
    alo, _ = bca_ci(draws, np.array([0.2]), jack, 0.9)
    assert alo[0] == pytest.approx(np.quantile(draws[:, 0], q), rel=1e-12)


def test_results_object(panel):
    res = bootstrap(panel, n_boot=2000, seed=0)
    effects = ["a", "b", "c", "c_prime", "ab", "share"]
    tidy = res.tidy(statistics=effects)
    assert {"estimate", "boot_se", "percentile_lower", "bca_upper"} <= set(tidy.columns) and list(tidy.index) == effects
    assert tidy.loc["ab", "percentile_lower"] < tidy.loc["ab", "estimate"] < tidy.loc["ab", "percentile_upper"]
    assert res.multiplicities.shape == (2000, 30) and len(res.draws) == 2000
    assert {"beta_REIC", "beta_REICD", "beta_REICC", "mean_REIC", "mean_REICC"} <= set(res.draws.columns)
    np.testing.assert_allclose(res.draws["beta_REIC"], res.draws["c"], rtol=1e-12)
    with pytest.raises(EstimationError, match="method must be"):
        res.ci("studentized")
    with pytest.raises(EstimationError, match="unknown statistic"):
        res.ci(statistics=["abc"])


def test_too_few_replicates_for_an_interval_are_refused(panel):
    """A 95% interval needs 10 draws beyond each tail, so 400 replicates (the CLI crashed on its
    figure at n_boot 1-10 instead); a BC/BCa interval whose bias-adjusted quantile lies beyond the
    draws is computed, with a warning that names the statistic and the replicates it would need."""
    from resilience_jax.errors import IntervalWarning

    small = bootstrap(panel, n_boot=200, seed=0)
    with pytest.raises(EstimationError, match=r"200 replicates are too few for a 95% percentile interval: each tail needs "
                                              r"at least 10 draws beyond it, i.e. n_boot >= 400"):
        small.ci()
    # 200 x 0.1 = 20 draws beyond each end
    assert np.isfinite(small.ci("percentile", level=0.8, statistics=["ab"])[["lower", "upper"]].to_numpy()).all()
    res = bootstrap(panel, n_boot=2000, seed=0)
    with pytest.warns(IntervalWarning, match=r"95% BCa interval of .*'b'.* reads a quantile beyond the 2000 draws"):
        res.ci("bca", statistics=["ab", "b"])


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        (dict(n_boot=0), "n_boot must be a positive integer"),
        (dict(n_boot=-5), "n_boot must be a positive integer"),
        (dict(seed=1.5), "seed must be an integer"),
        (dict(scheme="wild"), "scheme must be 'cluster' or 'bayesian' for the mediation model"),
        (dict(scheme="bayesian", path="general"), "path must be"),
        (dict(path="turbo"), "path must be"),
        (dict(index="REICX"), "unknown index 'REICX'"),
    ],
)
def test_bad_input(panel, kwargs, msg):
    with pytest.raises(EstimationError, match=msg):
        bootstrap(panel, **{"n_boot": 10, **kwargs})


def test_gathered_rows_need_multiplicities(data):
    with pytest.raises(EstimationError, match="integer multiplicities"):
        run_replicates(jax.random.key(0), data, n_boot=4, n_entities=30, scheme="bayesian", path="general")


def test_fewer_than_two_clusters(panel):
    one = load_panel(panel.frame[panel.frame["province"] == "Beijing"])
    with pytest.raises(EstimationError, match="1 province\\(s\\) give only 1 distinct resamples"):
        bootstrap(one, n_boot=10)


def test_cli_bootstrap_outputs(tmp_path, capsys):
    from resilience_jax.cli import main

    from resilience_jax.errors import IntervalWarning

    # the paper's spec (levels, min-max) falls where no interval for a*b or c covered: said
    with pytest.warns(IntervalWarning, match="indicators in levels: in the validation study"):
        rc = main(["bootstrap", "--n-boot", "2000", "--seed", "2", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Headline: share a*b/c = " in out and "jackknife_t interval" in out
    table = pd.read_csv(tmp_path / "bootstrap_cluster_mediation_REIC.csv", index_col=0)
    assert {"paper", "estimate", "analytic_lower", "mc_lower", "percentile_lower", "bc_lower", "bca_upper"} <= set(table.columns)
    assert table.loc["a (X -> M)", "paper"] == pytest.approx(0.409)
    stem = "bootstrap_cluster_mediation_REIC"
    names = [f"{stem}{suffix}" for suffix in (".csv", ".note.txt", ".md", ".tex", "_draws.parquet", "_weights.npz", "_indirect.png",
                                              "_weights.png")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)  # nothing else, no staging folder left
    from helpers import check_tables_compile

    check_tables_compile(tmp_path)  # its LaTeX table compiles, where pdflatex is installed
    wrote = next(line for line in out.splitlines() if line.startswith("Wrote: "))
    assert sorted(wrote[len("Wrote: "):].split(", ")) == sorted(str(tmp_path / n) for n in names)  # every file listed
    draws = pd.read_parquet(tmp_path / "bootstrap_cluster_mediation_REIC_draws.parquet")
    assert len(draws) == 2000 and "SYNTHETIC" in out
    # the analytic and Monte Carlo columns equal the step-by-step mediation API's (CRV1, t(G-1))
    from scipy.stats import t as student

    from resilience_jax.api import mediation
    from resilience_jax.suite import compute_indices

    panel = load_panel()
    _, idx = compute_indices(panel)
    med = mediation(panel.frame.assign(**idx), "REIC", "LnAI", "Upgra", CONTROLS, fixed_effects=("province",),
                    vcov={"CRV1": "province"}, seed=2)
    q = student.ppf(0.975, 29)
    row = table.loc["a (X -> M)"]
    assert row["analytic_lower"] == pytest.approx(med.effects.a - q * med.effects.se_a, rel=1e-8)
    ab = table.loc["a*b (indirect effect)"]
    assert (ab["mc_lower"], ab["mc_upper"]) == pytest.approx(med.mc_ci, rel=1e-8)


@pytest.mark.parametrize(
    "args, needle",
    [(["--n-boot", "0"], "expected a positive integer"), (["--n-boot", "-3"], "expected a positive integer"),
     (["--seed", "1.5"], "invalid int value"), (["--scheme", "wild"], "use --scheme wild --model baseline"),
     (["--index", "REICX"], "unknown index 'REICX'")],
)
def test_cli_bootstrap_bad_input(tmp_path, capsys, args, needle):
    from resilience_jax.cli import main

    small = [] if "--n-boot" in args else ["--n-boot", "10"]
    try:
        rc = main(["bootstrap", *args, *small, "--out", str(tmp_path)])
    except SystemExit as exc:  # argparse rejects malformed numbers itself, with exit code 2
        rc = exc.code
    out, err = capsys.readouterr()
    assert rc == 2 and needle in err and "Traceback" not in err


def test_top_level_exports_are_the_functions():
    import resilience_jax as rj
    import resilience_jax.bootstrap.engine  # noqa: F401  (importing submodules must not shadow the API)
    import resilience_jax.suite  # noqa: F401

    for name in ("feols", "mediation", "sobel", "entropy_weights", "run_suite", "load_panel", "wild_bootstrap"):
        assert callable(getattr(rj, name)) and not isinstance(getattr(rj, name), type(rj)), name
    # `bootstrap` is the package, callable as the function (the call reaches bootstrap.api.bootstrap)
    import types

    assert isinstance(rj.bootstrap, types.ModuleType) and rj.bootstrap.bootstrap is rj.bootstrap.api.bootstrap
    with pytest.raises(EstimationError, match="n_boot must be a positive integer"):
        rj.bootstrap(n_boot=0)


def test_same_numbers_on_one_and_four_devices(panel, tmp_path):
    """Replicates sharded over 4 forced host devices equal the 1-device run (same draws; statistics
    to floating-point summation order, ~1e-14), on the tables path and on the gathered rows."""
    script = (
        "import sys, numpy as np, jax\n"
        "from resilience_jax import bootstrap\n"
        "assert len(jax.devices()) == 4\n"
        "r = bootstrap(n_boot=53, seed=9, chunk_size=20, devices=4)\n"
        "g = bootstrap(n_boot=53, seed=9, chunk_size=20, devices=4, path='general')\n"
        "np.savez(sys.argv[1], draws=r.draws.to_numpy(), mult=r.multiplicities, general=g.draws.to_numpy())\n"
    )
    four = run_script(script, tmp_path / "four.npz", XLA_FLAGS="--xla_force_host_platform_device_count=4",
                      JAX_PLATFORMS="cpu")
    one = bootstrap(panel, n_boot=53, seed=9, chunk_size=20, devices=1)
    np.testing.assert_array_equal(four["mult"], one.multiplicities)
    np.testing.assert_allclose(four["draws"], one.draws.to_numpy(), rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(four["general"], one.draws.to_numpy(), rtol=1e-10, atol=1e-12)  # sharded gathered rows


def test_candidate_tables_cover_or_flag(data):
    """With fewer tabulated candidates, covered replicates equal the default tables and uncovered
    ones are flagged NOT_TABULATED (never silently wrong)."""
    from resilience_jax import status
    from resilience_jax.bootstrap.paths.tables import entity_tables, replicates_from_tables

    full = entity_tables(data, n_entities=30)
    few = entity_tables(data, n_entities=30, n_candidates=4)
    keys = jax.random.split(jax.random.key(3), 300)
    C = jax.vmap(lambda k: draw_weights(k, 30, "cluster"))(keys)
    tables = jax.jit(replicates_from_tables)  # (eager, op by op, it takes seconds)
    f = tables(full, C, data.directions, data.members)
    c = tables(few, C, data.directions, data.members)
    ok = np.asarray(c.status) == 0
    assert 0 < ok.sum() < len(ok)  # some covered, some not, at R = 4 of 30
    assert (np.asarray(c.status)[~ok] == status.NOT_TABULATED).all()
    assert (np.asarray(f.status) == 0).all()  # covered by the default candidates
    np.testing.assert_allclose(to_columns(c)[ok], to_columns(f)[ok], rtol=1e-10, atol=1e-13)


def test_low_ranked_minimisers_are_recovered_exactly(data):
    """Replicates whose min (max) of an indicator is attained below the first HEAD candidates are
    flagged by the tables and re-evaluated with re-ranked tables: equal to the weighted-rows path,
    a few such replicates or all of them."""
    from resilience_jax import status
    from resilience_jax.bootstrap.engine import prepare
    from resilience_jax.bootstrap.paths.tables import entity_tables, n_head, promote_candidates, replicates_from_tables

    G = 30
    Xg = np.asarray(data.X_ind).reshape(G, -1, 15)
    keys = jax.random.split(jax.random.key(4), 200)
    C = np.array(jax.vmap(lambda k: draw_weights(k, G, "cluster"))(keys))
    # drop the n_head() + 2 entities with the smallest minima of indicator 0 in 3 replicates, and those
    # with the largest maxima of indicator 7 in 3 others
    C[:3, np.argsort(Xg[:, :, 0].min(axis=1))[: n_head() + 2]] = 0.0
    C[3:6, np.argsort(-Xg[:, :, 7].max(axis=1))[: n_head() + 2]] = 0.0
    tab = entity_tables(data, n_entities=G)
    tables = jax.jit(replicates_from_tables)  # (eager, op by op, it takes seconds)
    first = tables(tab, jnp.asarray(C), data.directions, data.members)
    assert (np.asarray(first.status)[:6] == status.NOT_TABULATED).all()  # flagged, not wrong
    promoted, chosen = promote_candidates(tab, data.X_ind, C[:6])
    np.testing.assert_array_equal(chosen, np.arange(6))
    again = tables(promoted, jnp.asarray(C), data.directions, data.members)
    assert (np.asarray(again.status)[:6] == 0).all()
    # every replicate drops the top n_head() + 2 candidates of every indicator's min: recovered in passes
    bad = C.copy()
    for j in range(15):
        bad[:, np.argsort(Xg[:, :, j].min(axis=1))[: n_head() + 2]] = 0.0
    bad[:, :2] = np.maximum(bad[:, :2], 1.0)  # keep two entities in every replicate
    W = np.vstack([C, bad])
    fast = prepare(data, n_entities=G, path="fast", chunk=100, devices=1).evaluate(W)
    rows = prepare(data, n_entities=G, path="rows", chunk=100, devices=1).evaluate(W)
    assert (np.asarray(fast.status) == 0).all()
    np.testing.assert_allclose(to_columns(fast), to_columns(rows), rtol=1e-10, atol=1e-12)


def test_one_compiled_chunk_serves_replicates_estimate_jackknife_and_recovery(panel, data):
    """Other seeds and replicate counts (n_boot 100, 200, 300 and 1000 with the default chunk), the
    point estimate, the jackknife and the re-ranked tables of the recovery all run through the
    chunk compiled once for these shapes (the engine's trace counter, incremented when JAX traces)."""
    from resilience_jax._ops import TRACES
    from resilience_jax.bootstrap.engine import prepare
    from resilience_jax.bootstrap.paths.tables import n_head

    before = TRACES["bootstrap.chunk"]
    for n_boot, seed in ((100, 1), (200, 2), (300, 3), (1000, 4)):
        bootstrap(panel, n_boot=n_boot, seed=seed)
    assert TRACES["bootstrap.chunk"] - before <= 1  # one compile (none if an earlier test compiled these shapes)
    eng = prepare(data, n_entities=30, devices=1)
    W = np.ones((40, 30))
    W[:, np.argsort(np.asarray(data.X_ind).reshape(30, -1, 15)[:, :, 0].min(axis=1))[: n_head() + 1]] = 0.0
    compiled = TRACES["bootstrap.chunk"]
    from resilience_jax import status

    assert (np.asarray(eng.evaluate_unrecovered(W).status) == status.NOT_TABULATED).all()  # the head candidates do not cover these
    assert (np.asarray(eng.evaluate(W).status) == 0).all()  # the re-ranked tables do
    assert TRACES["bootstrap.chunk"] == compiled


@pytest.fixture(scope="module", params=["per_year", "global"])
def mode_panel(request, tmp_path_factory):
    """The embedded panel under an index spec whose panel_mode is per_year or global."""
    import shutil

    from resilience_jax.data.spec import models_dir

    where = tmp_path_factory.mktemp(request.param)
    for name in ("paper.toml", "index.toml"):
        shutil.copy(models_dir() / name, where / name)
    text = (where / "index.toml").read_text(encoding="utf-8")
    assert 'panel_mode = "pooled"' in text
    (where / "index.toml").write_text(text.replace('panel_mode = "pooled"', f'panel_mode = "{request.param}"'), encoding="utf-8")
    return load_panel(None, where / "paper.toml")


def test_entropy_modes_are_bootstrapped_as_specified(mode_panel):
    """per_year and global entropy weights are re-estimated in every replicate as the spec says
    (the bootstrap used to re-estimate pooled weights whatever the mode: a*b off by 70%): each
    replicate equals pyfixest on the resampled panel with the index rebuilt in NumPy in that mode,
    and the point estimate equals the suite's mediation."""
    from helpers import numpy_entropy_by_mode

    pf = pytest.importorskip("pyfixest")

    mode = mode_panel.spec.index.panel_mode
    res = bootstrap(mode_panel, n_boot=4, seed=3)
    frame, spec = mode_panel.frame, mode_panel.spec
    provinces = list(dict.fromkeys(frame["province"]))
    rhs = " + ".join(CONTROLS)
    v = {"CRV1": "draw"}
    for w, (_, row) in zip(res.multiplicities, res.draws.iterrows()):
        rs = pd.concat([frame[frame["province"] == provinces[g]].assign(draw=f"{g}-{c}")
                        for g, count in enumerate(w.astype(int)) for c in range(count)], ignore_index=True)
        wts, rs["REIC"] = numpy_entropy_by_mode(rs[list(spec.index.columns)].to_numpy(), spec.index.directions,
                                                rs["year"].to_numpy(), mode)
        a = pf.feols(f"Upgra ~ LnAI + {rhs} | draw", rs, vcov=v)
        b = pf.feols(f"REIC ~ LnAI + Upgra + {rhs} | draw", rs, vcov=v)
        c = pf.feols(f"REIC ~ LnAI + {rhs} | draw", rs, vcov=v)
        np.testing.assert_allclose(row.filter(like="w_").to_numpy(), wts.mean(axis=0) if wts.ndim == 2 else wts, rtol=1e-10)
        np.testing.assert_allclose([row["a"], row["se_a"], row["b"], row["se_b"], row["c"], row["c_prime"]],
                                   [a.coef()["LnAI"], a.se()["LnAI"], b.coef()["Upgra"], b.se()["Upgra"],
                                    c.coef()["LnAI"], b.coef()["LnAI"]], rtol=1e-8)
    from resilience_jax.api import mediation
    from resilience_jax.suite import compute_indices

    med = mediation(frame.assign(**compute_indices(mode_panel)[1]), "REIC", "LnAI", "Upgra", CONTROLS,
                    fixed_effects=("province",), vcov={"CRV1": "province"}).effects
    assert res.estimate["ab"] == pytest.approx(med.ab, rel=1e-9)
    with pytest.raises(EstimationError, match="pooled entropy mode only"):
        bootstrap(mode_panel, n_boot=4, path="general")


def test_seeds_cover_the_64_bit_range(panel, tmp_path, capsys):
    """A seed of 2**63 or more used to raise an internal OverflowError (CLI exit 1): accepted up to
    2**64 - 1 and read modulo 2**64 as JAX reads seeds (-1 and 2**64 - 1 are the same key), refused
    beyond, in the API and the CLI."""
    from resilience_jax import _checks
    from resilience_jax.cli import main

    big = bootstrap(panel, n_boot=8, seed=2**64 - 1)
    np.testing.assert_array_equal(big.multiplicities, bootstrap(panel, n_boot=8, seed=-1).multiplicities)
    assert not np.array_equal(big.multiplicities, bootstrap(panel, n_boot=8, seed=2**63).multiplicities)
    k = jax.random.key_data(_checks.key(2**40 + 5))
    np.testing.assert_array_equal(k, jax.random.key_data(jax.random.key(2**40 + 5)))  # unchanged below 2**63
    with pytest.raises(EstimationError, match="seed must be between"):
        bootstrap(panel, n_boot=8, seed=2**64)
    assert main(["bootstrap", "--n-boot", "400", "--seed", str(2**63), "--out", str(tmp_path)]) == 0
    assert main(["bootstrap", "--n-boot", "400", "--seed", str(2**70), "--out", str(tmp_path / "x")]) == 2
    assert "seed must be between" in capsys.readouterr().err


def _baseline_panel(tmp_path, controls, fixed_effects):
    import shutil

    from resilience_jax.data.spec import models_dir

    for name in ("paper.toml", "index.toml"):
        shutil.copy(models_dir() / name, tmp_path / name)
    text = (tmp_path / "paper.toml").read_text(encoding="utf-8")
    old = ('controls = ["Incomegap", "Finance", "Open", "LnRoad", "LnPopulation"]   # stepwise order, columns (1)-(6)\n'
           'fixed_effects = ["province"]')
    assert old in text
    new = f"controls = {list(controls)!r}\nfixed_effects = {list(fixed_effects)!r}".replace("'", '"')
    (tmp_path / "paper.toml").write_text(text.replace(old, new), encoding="utf-8")
    return load_panel(None, tmp_path / "paper.toml")


@pytest.mark.parametrize("controls, fes", [(("Incomegap", "Finance", "LnAIPatent"), ("province",)),
                                           (("Incomegap", "Open"), ("province", "year"))])
def test_bootstrap_baseline_is_the_specs_baseline(tmp_path, controls, fes):
    """beta_<index> is the spec's [baseline] (its controls, its fixed effects, two-way included) in
    every replicate and on every path: equal to pyfixest on the resampled panel (it used the
    mediation's controls and entity effects whatever the spec said)."""
    pf = pytest.importorskip("pyfixest")
    panel = _baseline_panel(tmp_path, controls, fes)
    frame, spec = panel.frame, panel.spec
    provinces = list(dict.fromkeys(frame["province"]))
    runs = {path: bootstrap(panel, n_boot=3, seed=5, path=path) for path in ("fast", "rows", "general")}
    for path, res in runs.items():
        for w, (_, row) in zip(res.multiplicities, res.draws.iterrows()):
            rs = pd.concat([frame[frame["province"] == provinces[g]].assign(draw=f"{g}-{c}")
                            for g, count in enumerate(w.astype(int)) for c in range(count)], ignore_index=True)
            X = rs[list(spec.index.columns)].to_numpy()
            rs["REIC"] = numpy_entropy(X, spec.index.directions)[2]
            cols = list(spec.index.dimension_members("impact"))
            rs["REICC"] = numpy_entropy(X[:, cols], np.array(spec.index.directions)[cols])[2]
            fe = " + ".join("draw" if f == "province" else f for f in fes)
            for sym in ("REIC", "REICC"):
                ref = pf.feols(f"{sym} ~ LnAI + {' + '.join(controls)} | {fe}", rs, vcov={"CRV1": "draw"})
                assert row[f"beta_{sym}"] == pytest.approx(ref.coef()["LnAI"], rel=1e-8), (path, sym)
            # the mediation keeps its own specification
            c = pf.feols(f"REIC ~ LnAI + {' + '.join(CONTROLS)} | draw", rs, vcov={"CRV1": "draw"})
            assert row["c"] == pytest.approx(c.coef()["LnAI"], rel=1e-8), path


def test_cli_baseline_reports_the_specs_baseline(tmp_path, capsys):
    """bootstrap --model baseline: the spec's baseline (here two-way), its estimate equal to feols,
    the paper's column from the stepwise table's last column (Table 3 (6): 0.123, not Table 9's
    pooled total effect), baseline caption and figure."""
    from resilience_jax.cli import main
    from resilience_jax.suite import compute_indices

    assert main(["bootstrap", "--model", "baseline", "--n-boot", "2000", "--out", str(tmp_path / "a")]) == 0
    table = pd.read_csv(tmp_path / "a" / "bootstrap_cluster_baseline_REIC.csv", index_col=0)
    assert table["paper"].iloc[0] == pytest.approx(0.123) and "baseline" in table.index[0]
    panel = load_panel()
    df = panel.frame.assign(**compute_indices(panel)[1])
    fit = rj_feols("REIC ~ LnAI + " + " + ".join(CONTROLS) + " | province", df)
    assert table["estimate"].iloc[0] == pytest.approx(fit.params["LnAI"], rel=1e-9)
    md = (tmp_path / "a" / "bootstrap_cluster_baseline_REIC.md").read_text(encoding="utf-8")
    assert "Baseline coefficient of LnAI on REIC" in md and (tmp_path / "a" / "bootstrap_cluster_baseline_REIC_baseline.png").is_file()
    two = _baseline_panel(tmp_path, CONTROLS, ("province", "year"))
    assert main(["bootstrap", "--model", "baseline", "--n-boot", "2000", "--spec", str(two.spec.path),
                 "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    t2 = pd.read_csv(tmp_path / "b" / "bootstrap_cluster_baseline_REIC.csv", index_col=0)
    fit2 = rj_feols("REIC ~ LnAI + " + " + ".join(CONTROLS) + " | province + year", df)
    assert t2["estimate"].iloc[0] == pytest.approx(fit2.params["LnAI"], rel=1e-9)
    assert t2["estimate"].iloc[0] != pytest.approx(fit.params["LnAI"], rel=1e-6)  # not the one-way number


def rj_feols(fml, df):
    import warnings

    from resilience_jax.api import feols

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return feols(fml, df, {"CRV1": "province"})


def test_weights_figure_when_an_estimate_lies_outside_its_interval(panel):
    """The weights figure drew error bars of length estimate - lower, negative (a crash: "'xerr'
    must not contain negative values") whenever a full-sample weight lies outside its percentile
    interval; it draws the interval and the estimate apart now."""
    from dataclasses import replace

    from resilience_jax.report.bootstrap_report import plot_weights

    res = bootstrap(panel, n_boot=400, seed=0)
    cols = [c for c in res.draws.columns if c.startswith("w_")]
    shifted = res.estimate.copy()
    shifted[cols] = res.draws[cols].max() + 0.01  # every estimate above its whole interval
    fig = plot_weights(replace(res, estimate=shifted), [c[2:] for c in cols])
    assert len(fig.axes[0].get_yticklabels()) == 15


def test_t_type_intervals(panel):
    """jackknife-t: the coefficient -/+ t(G-1) x the CV3 jackknife SE, which is pyfixest's CRV3
    (centred at the estimate, no small-sample factor) times sqrt((G-1)/G); bootstrap-t: the
    studentised draws' quantiles; ci(None): each statistic's default, labelled."""
    pf = pytest.importorskip("pyfixest")
    from scipy import stats

    res = bootstrap(panel, n_boot=400, seed=2)
    G = 30
    rhs = " + ".join(CONTROLS)
    a = pf.feols(f"Upgra ~ LnAI + {rhs} | province", panel.frame, vcov={"CRV3": "province"},
                 ssc=pf.ssc(k_adj=False, G_adj=False))
    se = a.se()["LnAI"] * np.sqrt((G - 1) / G)
    q = stats.t.ppf(0.975, G - 1)
    ci = res.ci("jackknife_t", statistics=["a"]).loc["a"]
    np.testing.assert_allclose([ci["lower"], ci["upper"]], [a.coef()["LnAI"] - q * se, a.coef()["LnAI"] + q * se], rtol=1e-8)
    # bootstrap-t of ab, studentised by each replicate's Sobel SE |ab / z|
    est, d = res.estimate, res.draws
    se_ab, se_d = abs(est["ab"] / est["sobel_z"]), np.abs(d["ab"] / d["sobel_z"])
    t = np.sort(((d["ab"] - est["ab"]) / se_d).to_numpy())
    lo, hi = np.quantile(t, [0.025, 0.975])
    bt = res.ci("bootstrap_t", statistics=["ab"]).loc["ab"]
    np.testing.assert_allclose([bt["lower"], bt["upper"]], [est["ab"] - hi * se_ab, est["ab"] - lo * se_ab], rtol=1e-12)
    sym = res.ci("bootstrap_t_symmetric", statistics=["ab"]).loc["ab"]
    qa = np.quantile(np.abs(t), 0.95)
    np.testing.assert_allclose([sym["lower"], sym["upper"]], [est["ab"] - qa * se_ab, est["ab"] + qa * se_ab], rtol=1e-12)
    with pytest.raises(EstimationError, match="bootstrap-t needs a standard error of 'share'"):
        res.ci("bootstrap_t", statistics=["share"])
    dflt = res.ci(statistics=["share", "ab", "a", "w_profit"])
    assert list(dflt["method"]) == ["jackknife_t", "jackknife_t", "jackknife_t", "percentile"]
    assert list(dflt["approximate"]) == [False, True, False, False]  # a*b in index units on the min-max scale


def _goalposts_spec(tmp_path, panel):
    """The study with a declared scale: every indicator log-transformed, goalposts from the panel's
    own (log) range, and the first two indicators with explicit goalposts inside their range (so
    that capping bites)."""
    from resilience_jax.data.spec import models_dir

    raw = panel.indicator_matrix()
    text = (models_dir() / "index.toml").read_text(encoding="utf-8")
    text = text.replace('normalisation = "minmax"', 'normalisation = "goalposts"\ngoalposts_from = "panel"', 1)
    text = text.replace('transform = "none"', 'transform = "log"', 1)
    cols = list(panel.spec.index.columns)
    explicit = {}
    for j in (0, 1):
        lo, hi = (float(q) for q in np.quantile(raw[:, j], [0.1, 0.9]))
        explicit[cols[j]] = (lo, hi)
        text = text.replace(f'column = "{cols[j]}"', f'column = "{cols[j]}"\ngoalposts = [{lo!r}, {hi!r}]', 1)
    (tmp_path / "index.toml").write_text(text, encoding="utf-8")
    (tmp_path / "paper.toml").write_text((models_dir() / "paper.toml").read_text(encoding="utf-8"), encoding="utf-8")
    logs = np.log(raw)
    lo, hi = logs.min(axis=0), logs.max(axis=0)
    for j, c in enumerate(cols):
        if c in explicit:
            lo[j], hi[j] = np.log(explicit[c])
    return tmp_path / "paper.toml", (lo, hi)


def test_goalposts_and_log_indicators_equal_pyfixest_refits(panel, tmp_path):
    """A declared scale (log indicators, fixed goalposts, values capped): the full-sample fit and
    every path's replicates equal pyfixest on the resampled panel with the index rebuilt in NumPy
    on the fixed bounds (the bounds do not move with the replicate)."""
    pf = pytest.importorskip("pyfixest")
    spec_path, bounds = _goalposts_spec(tmp_path, panel)
    gp = load_panel(spec=spec_path)
    assert gp.spec.index.normalisation == "goalposts"
    arrays, _ = mediation_arrays(gp)
    runs = {p: run_replicates(jax.random.key(7), arrays, n_boot=3, n_entities=30, chunk_size=3, path=p)
            for p in ("fast", "rows", "general")}
    weights = runs["general"][0]
    frame, spec = gp.frame, gp.spec
    provinces = list(dict.fromkeys(frame["province"]))
    rhs = " + ".join(CONTROLS)
    for r, w in enumerate(weights):
        parts = [frame[frame["province"] == provinces[g]].assign(draw=f"{g}-{copy}")
                 for g, count in enumerate(w.astype(int)) for copy in range(count)]
        rs = pd.concat(parts, ignore_index=True)
        wts, _, idx, _ = numpy_entropy(np.log(rs[list(spec.index.columns)].to_numpy()), spec.index.directions,
                                       bounds=bounds)
        rs["REIC"] = idx
        v = {"CRV1": "draw"}
        a = pf.feols(f"Upgra ~ LnAI + {rhs} | draw", rs, vcov=v)
        b = pf.feols(f"REIC ~ LnAI + Upgra + {rhs} | draw", rs, vcov=v)
        c = pf.feols(f"REIC ~ LnAI + {rhs} | draw", rs, vcov=v)
        for path, (wp, st) in runs.items():
            np.testing.assert_array_equal(wp, weights)
            s = MediationStats(*(np.asarray(x)[r] for x in st))
            assert int(s.status) == 0, path
            np.testing.assert_allclose(s.weights, wts, rtol=1e-10, err_msg=path)
            np.testing.assert_allclose([s.a, s.b, s.se_b, s.c, s.se_c, s.c_prime],
                                       [a.coef()["LnAI"], b.coef()["Upgra"], b.se()["Upgra"], c.coef()["LnAI"],
                                        c.se()["LnAI"], b.coef()["LnAI"]], rtol=1e-10, err_msg=path)
    # the suite's index on the full panel: the same NumPy index
    from resilience_jax.suite import compute_indices

    _, ind = compute_indices(gp)
    ref = numpy_entropy(np.log(gp.indicator_matrix()), spec.index.directions, bounds=bounds)[2]
    np.testing.assert_allclose(ind["REIC"], ref, rtol=1e-12)
    res = bootstrap(gp, n_boot=400, seed=1)
    assert res.scale == "goalposts"
    assert not res.ci(statistics=["ab", "c"])["approximate"].any()  # a declared scale: not approximate
