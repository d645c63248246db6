"""A study that is not the paper, end to end: Munnell's 48 US states (linearmodels), its own entity,
time and region names (STATE, YR, census regions), 5 indicators in 2 dimensions, no Chinese labels,
no published estimates, no robustness labels, and an unbalanced year pattern (three states start in
1973, Iowa lacks 1980). Its numbers against pyfixest on the index rebuilt in NumPy (1e-8), its
bootstrap replicates against pyfixest refits of the resampled panel; the command line through
describe, reproduce and the three bootstraps, with notes free of the paper's wording."""

import shutil
from pathlib import Path

import jax
import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj
from helpers import assert_one_note, numpy_entropy
from resilience_jax.bootstrap.engine import run_replicates
from resilience_jax.cli import main
from resilience_jax.data.arrays import mediation_arrays
from resilience_jax.estimators.record import MediationStats

pf = pytest.importorskip("pyfixest")
SPEC = Path(__file__).parent / "data" / "munnell_study"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from linearmodels.datasets import munnell

    d = munnell.load().drop(columns="ST_ABB")
    d = d.assign(LOG_GSP=np.log(d.GSP), LOG_PCAP=np.log(d.P_CAP))
    gaps = (d.STATE.isin(["ALABAMA", "OHIO", "TEXAS"]) & (d.YR < 1973)) | ((d.STATE == "IOWA") & (d.YR == 1980))
    d = d[~gaps].reset_index(drop=True)
    tmp = tmp_path_factory.mktemp("munnell")
    shutil.copytree(SPEC, tmp / "models")
    d.to_csv(tmp / "munnell.csv", index=False)
    return tmp, d


@pytest.fixture(scope="module")
def panel(study):
    tmp, _ = study
    return rj.load_panel(tmp / "munnell.csv", tmp / "models" / "study.toml")


def with_index(frame, spec):
    """The frame with the index and its two dimension sub-indices rebuilt in NumPy."""
    X = frame[list(spec.index.columns)].to_numpy()
    d = np.array(spec.index.directions)
    out = frame.assign(INFRA=numpy_entropy(X, d)[2])
    for dim in spec.index.dimensions:
        cols = list(spec.index.dimension_members(dim.key))
        out[dim.symbol] = numpy_entropy(X[:, cols], d[cols])[2]
    return out


def test_panel_is_unbalanced_and_named_by_the_study(panel):
    assert panel.shape == (48, 17) and not panel.balanced and len(panel.frame) == 816 - 10
    spec = panel.spec
    assert (spec.entity, spec.time, spec.region) == ("STATE", "YR", "REGION")
    assert spec.label("LOG_GSP", "zh") == "log GSP" and spec.label("HWY", "zh") == "HWY"  # labels fall back
    assert spec.paper_estimates == () and {r for r, _ in spec.regions} == {"Northeast", "Midwest", "South", "West"}


def test_suite_equals_pyfixest(panel):
    res = rj.run_suite(panel)
    d = with_index(panel.frame, panel.spec)
    v = {"CRV1": "STATE"}
    for y in ("INFRA", "PUB", "PRIV"):
        ref = pf.feols(f"{y} ~ LOG_GSP + UNEMP | STATE", d, vcov=v)
        fit = res.fits[("stepwise", y, "(2)")]
        np.testing.assert_allclose([fit.params["LOG_GSP"], fit.se["LOG_GSP"]], [ref.coef()["LOG_GSP"], ref.se()["LOG_GSP"]],
                                   rtol=1e-8)
        assert fit.nobs == 806
    for g in ("Northeast", "West"):
        sub = d[d.STATE.map(panel.spec.region_of()) == g]
        ref = pf.feols("INFRA ~ LOG_GSP + UNEMP | STATE", sub, vcov=v)
        assert res.fits[("heterogeneity", "INFRA", g)].params["LOG_GSP"] == pytest.approx(ref.coef()["LOG_GSP"], rel=1e-8)
    # the lag is missing after a gap, not taken from two years back: built here from the years themselves
    prev = d.assign(YR=d.YR + 1)[["STATE", "YR", "LOG_GSP"]].rename(columns={"LOG_GSP": "L_LOG_GSP"})
    lagged = d.merge(prev, on=["STATE", "YR"], how="inner")
    ref = pf.feols("INFRA ~ L_LOG_GSP + UNEMP | STATE", lagged, vcov=v)
    fit = res.fits[("robustness", "INFRA", "lag_regressor")]
    assert fit.nobs == len(lagged) == 806 - 48 - 1  # each state's first year, and Iowa's 1981
    assert fit.params["L.LOG_GSP"] == pytest.approx(ref.coef()["L_LOG_GSP"], rel=1e-8)
    assert fit.se["L.LOG_GSP"] == pytest.approx(ref.se()["L_LOG_GSP"], rel=1e-8)
    med = res.mediation[("INFRA", "fe")]
    a = pf.feols("LOG_PCAP ~ LOG_GSP + UNEMP | STATE", d, vcov=v)
    b = pf.feols("INFRA ~ LOG_GSP + LOG_PCAP + UNEMP | STATE", d, vcov=v)
    np.testing.assert_allclose([med.a_path.params["LOG_GSP"], med.b_path.params["LOG_PCAP"], med.b_path.params["LOG_GSP"]],
                               [a.coef()["LOG_GSP"], b.coef()["LOG_PCAP"], b.coef()["LOG_GSP"]], rtol=1e-8)


def test_bootstrap_replicates_equal_pyfixest_refits(panel):
    arrays, _ = mediation_arrays(panel)
    runs = {p: run_replicates(jax.random.key(3), arrays, n_boot=3, n_entities=48, chunk_size=3, path=p)
            for p in ("fast", "rows", "general")}
    weights = runs["general"][0]
    frame, spec = panel.frame, panel.spec
    states = list(panel.entities)
    v = {"CRV1": "draw"}
    for r, w in enumerate(weights):
        parts = [frame[frame.STATE == states[g]].assign(draw=f"{g}-{copy}")
                 for g, count in enumerate(w.astype(int)) for copy in range(count)]
        rs = with_index(pd.concat(parts, ignore_index=True), spec)
        a = pf.feols("LOG_PCAP ~ LOG_GSP + UNEMP | draw", rs, vcov=v)
        b = pf.feols("INFRA ~ LOG_GSP + UNEMP + LOG_PCAP | draw", rs, vcov=v)
        c = pf.feols("INFRA ~ LOG_GSP + UNEMP | draw", rs, vcov=v)
        wts = numpy_entropy(rs[list(spec.index.columns)].to_numpy(), spec.index.directions)[0]
        for path, (wp, st) in runs.items():
            np.testing.assert_array_equal(wp, weights)
            s = MediationStats(*(np.asarray(x)[r] for x in st))
            assert int(s.status) == 0, path
            np.testing.assert_allclose(s.weights, wts, rtol=1e-10, err_msg=path)
            np.testing.assert_allclose([s.a, s.se_a, s.b, s.se_b, s.c, s.se_c, s.c_prime],
                                       [a.coef()["LOG_GSP"], a.se()["LOG_GSP"], b.coef()["LOG_PCAP"], b.se()["LOG_PCAP"],
                                        c.coef()["LOG_GSP"], c.se()["LOG_GSP"], b.coef()["LOG_GSP"]], rtol=1e-8, err_msg=path)
            np.testing.assert_allclose(s.mean[0], rs["INFRA"].mean(), rtol=1e-10)


def spec_regions(spec_path):
    return rj.load_spec(spec_path).regions


PAPER_WORDS = ("province", "provinces", "paper", "8-11", "first year", "printed", "REIC", "LnAI")


def test_command_line_runs_the_study(study, capsys):
    """init writes a starting spec that loads and runs as it is (entity and time guessed); the
    edited spec (tests/data/munnell_study) runs through describe, reproduce and the bootstraps."""
    tmp, _ = study
    spec, data = str(tmp / "models" / "study.toml"), str(tmp / "munnell.csv")
    assert main(["init", "--data", data, "--out", str(tmp / "start")]) == 0
    assert "Guessed: entity = 'STATE', time = 'YR', region = None" in capsys.readouterr().out
    start = rj.load_spec(tmp / "start" / "study.toml")
    assert (start.entity, start.time, start.mediation.regressor, start.mediation.mediator) == ("STATE", "YR", "UNEMP", "LOG_GSP")
    assert "REVIEW" in (tmp / "start" / "index.toml").read_text(encoding="utf-8")
    assert main(["describe", "--data", data, "--spec", str(tmp / "start" / "study.toml"), "--out", str(tmp / "o0")]) == 0
    assert main(["init", "--data", data, "--out", str(tmp / "start")]) == 2  # never replaces a spec
    assert "already exist" in capsys.readouterr().err
    runs = {"describe": ["describe"], "reproduce": ["reproduce"],
            "cluster": ["bootstrap", "--n-boot", "400"], "bayesian": ["bootstrap", "--scheme", "bayesian", "--n-boot", "400"],
            "wild": ["bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "99"]}
    for name, argv in runs.items():
        out = tmp / f"out_{name}"
        assert main([*argv, "--data", data, "--spec", spec, "--out", str(out)]) == 0, capsys.readouterr().err
        stdout = capsys.readouterr().out
        assert "48 STATE x 17 YR (1970-1986), N = 806 (unbalanced: 10 STATE-YR rows absent)" in stdout
        notes = [p.read_text(encoding="utf-8") for p in out.iterdir() if p.suffix in (".md", ".txt")]
        assert notes
        for text in notes:
            for word in PAPER_WORDS:
                assert word not in text, (name, word, text[-400:])
    assert not (tmp / "out_reproduce" / "paper_comparison.csv").exists()  # no published estimates: no comparison
    het = (tmp / "out_reproduce" / "table5_heterogeneity.note.txt").read_text(encoding="utf-8")
    assert "Subsamples by REGION have 9-16 clusters (fewer than 10: see the wild cluster bootstrap)" in het
    lag = (tmp / "out_reproduce" / "table6_robustness_INFRA.note.txt").read_text(encoding="utf-8")
    assert "Lags lose the first YR of each STATE" in lag
    # the bootstraps' notes are true for their runs: scheme, replicates, seed, effects, clusters, scale
    for scheme in ("cluster", "bayesian"):
        note = (tmp / f"out_{scheme}" / f"bootstrap_{scheme}_mediation_INFRA.note.txt").read_text(encoding="utf-8")
        assert f"{scheme} bootstrap, 400 replicates, seed 0" in note and "STATE fixed effects" in note
        assert "CRV1 by STATE" in note and "sample min-max scale" in note and note.rstrip().endswith(f"Data: {data}")
    wild = pd.read_csv(tmp / "out_wild" / "wild_bootstrap_INFRA.csv", index_col=0)
    sizes = {"full sample": 48, **{r: len(ents) for r, ents in spec_regions(spec)}}
    assert wild["G"].to_dict() == sizes
    for sample, g in sizes.items():  # enumerated where the note says (G <= 12), the 99 draws elsewhere
        assert wild.loc[sample, "rademacher_draws"] == (f"all {2**g} (enumerated)" if g <= 12 else "99")
    note = (tmp / "out_wild" / "wild_bootstrap_INFRA.note.txt").read_text(encoding="utf-8")
    assert "STATE fixed effects, clusters = STATE" in note and "otherwise 99 draws (seed 0); Webb: 99 draws" in note
    for out in tmp.glob("out_*"):  # one note in every format: Markdown, LaTeX, the CSV's sidecar
        assert_one_note(out)
    draws = pd.read_parquet(tmp / "out_cluster" / "bootstrap_cluster_mediation_INFRA_draws.parquet")
    lib = rj.bootstrap(rj.load_panel(data, spec), n_boot=400, seed=0)
    np.testing.assert_allclose(draws.to_numpy(), lib.draws.to_numpy(), rtol=1e-10, atol=1e-12)


def test_bundled_sensitivity_space_adapts_to_another_study(panel, tmp_path):
    """The bundled space flips the paper's ambiguous indicator; on another study that indicator is
    absent, so the default space has none to flip (an explicit space naming it is still refused)."""
    from resilience_jax.data.spec import models_dir
    from resilience_jax.errors import SpecError
    from resilience_jax.sensitivity.space import load_space

    sp = load_space(spec=panel.spec)
    assert sp.ambiguous == () and sp.directions == ("paper",)
    assert sp.samples == ("all", "Northeast", "Midwest", "South", "West")
    mine = tmp_path / "space.toml"
    shutil.copy(models_dir() / "sensitivity.toml", mine)
    with pytest.raises(SpecError, match=r"sensitivity.ambiguous: \['foreign_investment'\] are not indicators"):
        load_space(mine, spec=panel.spec)
