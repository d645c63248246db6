"""The notebooks of notebooks/ run at small sizes (RJ_NOTEBOOK_SMOKE=1), each in a fresh kernel of this
interpreter, through scripts/run_notebooks.py (the command that regenerates their committed outputs),
into a temporary folder: no cell errors, nothing written into $HOME (the kernel's HOME is an empty
folder that must stay empty) or next to the notebooks, and each notebook's key printed numbers equal
the library's (or, for the benchmark notebooks, the shipped JSON's)."""

import importlib.util
import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

for module in ("nbclient", "nbformat", "ipykernel"):
    pytest.importorskip(module, reason=f"{module} is needed to execute the notebooks (the test extra installs it)")

import resilience_jax as rj  # noqa: E402
from resilience_jax.errors import FewClustersWarning  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = ["01_paper_tables", "02_bootstrap", "03_posterior", "04_sensitivity", "05_other_study", "06_benchmarks"]
SMOKE_N_BOOT = 400  # the bootstrap notebook's replicates at smoke size (the share's jackknife-t interval does not depend on them)

if not NOTEBOOK_DIR.is_dir():
    pytest.skip("no notebooks/ folder here (an sdist or installed copy): nothing to execute", allow_module_level=True)


def _runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", ROOT / "scripts" / "run_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("run_notebooks", module)
    spec.loader.exec_module(module)
    return module


def _text(nb) -> str:
    """Everything the notebook printed or displayed as text (stdout, stderr, text/plain)."""
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.output_type == "stream":
                parts.append(out.text)
            elif "data" in out:
                parts.append(out.data.get("text/plain", ""))
    return "\n".join(parts)


def _count(nb, mime: str) -> int:
    return sum(mime in out.get("data", {}) for cell in nb.cells for out in cell.get("outputs", []))


def _numbers(pattern: str, text: str) -> list[float]:
    m = re.search(pattern, text)
    assert m, f"no line matching {pattern!r} in the notebook's output"
    return [float(g) for g in m.groups()]


def _run_suite(panel):
    with warnings.catch_warnings():  # a region with fewer than 10 clusters: the notebooks show the warning
        warnings.simplefilter("ignore", FewClustersWarning)
        return rj.run_suite(panel)


@pytest.fixture(scope="module")
def suite():
    return _run_suite(rj.load_panel())


def check_paper_tables(nb, text, request):
    suite = request.getfixturevalue("suite")
    beta, se = _numbers(r"Table 3, column \(6\): coefficient of LnAI on REIC = (-?[\d.]+) \(CRV1 SE ([\d.]+)", text)
    fit = suite.fits[("stepwise", "REIC", "(6)")]
    np.testing.assert_allclose([beta, se], [fit.params["LnAI"], fit.se["LnAI"]], atol=5e-7)
    ab, share = _numbers(r"Mediation with province fixed effects \(REIC\): a\*b = (-?[\d.]+), share a\*b/c = (-?[\d.]+)", text)
    e = suite.mediation[("REIC", "province_fe")].effects
    np.testing.assert_allclose([ab, share], [e.ab, e.share], atol=5e-7)
    assert "12 tables: entropy_weights, table2_descriptives" in text
    assert _count(nb, "image/png") >= 3 and _count(nb, "text/markdown") >= 1


def check_bootstrap(nb, text, request):
    est, lo, hi = _numbers(r"Headline: share a\*b/c = (-?[\d.]+), 95% jackknife_t interval \[(-?[\d.]+), (-?[\d.]+)\]", text)
    boot = rj.bootstrap(n_boot=SMOKE_N_BOOT, seed=0)
    ci = boot.ci().loc["share"]
    assert ci["method"] == "jackknife_t"
    np.testing.assert_allclose([est, lo, hi], [boot.estimate["share"], ci["lower"], ci["upper"]], atol=5e-5)
    study = json.loads((ROOT / "benchmarks" / "results" / "interval_study.json").read_text(encoding="utf-8"))
    lo_band, hi_band = study["band"]
    cov = [c["methods"]["share:jackknife_t"]["coverage"] for c in study["cells"]]
    inside = sum(lo_band <= v <= hi_band for v in cov)
    assert f"covered {lo_band}-{hi_band} in {inside} of {len(cov)} cells" in text
    assert _count(nb, "image/png") >= 5  # intervals by method, a*b, weights, coverage, misses


def check_posterior(nb, text, request):
    a, b, ab = _numbers(r"Frequentist \(province FE, CRV1\): a = (-?[\d.]+), b = (-?[\d.]+), a\*b = (-?[\d.]+)", text)
    panel = rj.load_panel()
    m = panel.spec.mediation
    med = rj.mediation(panel.frame.assign(REIC=rj.suite.compute_indices(panel)[1]["REIC"]), "REIC", m.regressor, m.mediator,
                       m.controls, fixed_effects=["province"], vcov={"CRV1": "province"})
    np.testing.assert_allclose([a, b, ab], [med.effects.a, med.effects.b, med.effects.ab], atol=5e-7)
    assert re.search(r"NUTS, 2 chains x 200 draws after 200 warm-up: \d+ divergences", text)
    assert "r_hat" in text and "ess_bulk" in text  # the summary with the diagnostics
    assert "Posterior of the mediation model (REIC)" in text and "engine conjugate" in text
    assert _count(nb, "image/png") >= 6  # trace, rank, posterior, forest, a*b and share, weights, coverage


def check_sensitivity(nb, text, request):
    suite = request.getfixturevalue("suite")
    beta, ab = _numbers(r"Default construction \(the paper's index and model\): beta = (-?[\d.]+), a\*b = (-?[\d.]+)", text)
    np.testing.assert_allclose([beta, ab], [suite.fits[("stepwise", "REIC", "(6)")].params["LnAI"],
                                            suite.mediation[("REIC", "province_fe")].effects.ab], atol=5e-7)
    assert text.count("a*b > 0 in") >= 3  # the verdicts of the three studies
    assert re.search(r"\d+ specifications, 50 resamples under the null", text)
    assert _count(nb, "image/png") >= 5  # weight draws, rank bands, specification curve, tornado, Sobol


def check_other_study(nb, text, request):
    pytest.importorskip("linearmodels")
    from linearmodels.datasets import munnell

    tmp = request.getfixturevalue("tmp_path")
    raw = munnell.load()
    data = raw.drop(columns="ST_ABB").assign(LOG_GSP=np.log(raw["GSP"]), LOG_PCAP=np.log(raw["P_CAP"]))
    data.to_csv(tmp / "munnell.csv", index=False)
    panel = rj.load_panel(tmp / "munnell.csv", ROOT / "tests" / "data" / "munnell_study" / "study.toml")
    fit = _run_suite(panel).fits[("stepwise", "INFRA", "(2)")]
    beta, se = _numbers(r"INFRA ~ LOG_GSP \+ UNEMP \| STATE: coefficient of LOG_GSP = (-?[\d.]+) \(CRV1 SE ([\d.]+)", text)
    np.testing.assert_allclose([beta, se], [fit.params["LOG_GSP"], fit.se["LOG_GSP"]], atol=5e-7)
    assert "Guessed: entity = 'STATE', time = 'YR'" in text  # init's guesses
    assert "$ resilience-jax reproduce" in text and "Headline: share a*b/c" in text
    assert str(tmp) not in text and "/tmp/" not in text  # the scratch folder's path is not printed


def check_benchmarks(nb, text, request):
    results = ROOT / "benchmarks" / "results"
    boot = json.loads((results / "bootstrap_cpu.json").read_text(encoding="utf-8"))
    (fast,) = _numbers(r"Fast path, 10,000 replicates: ([\d.]+) s", text)
    assert fast == round(boot["ours"]["fast_10000_s"], 4)
    gpu = [p for p in results.glob("device_*.json")
           if not p.stem.endswith("_smoke") and json.loads(p.read_text(encoding="utf-8")).get("backend", "cpu") != "cpu"]
    assert ("GPU figures: not measured yet" in text) == (not gpu)
    assert _count(nb, "image/png") >= 4 + len(gpu)


CHECKS = {"01_paper_tables": check_paper_tables, "02_bootstrap": check_bootstrap, "03_posterior": check_posterior,
          "04_sensitivity": check_sensitivity, "05_other_study": check_other_study, "06_benchmarks": check_benchmarks}


def test_every_notebook_is_tested():
    assert sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")) == NOTEBOOKS == list(CHECKS)


def test_kernel_is_this_interpreter(tmp_path):
    km = _runner()._kernel_manager(tmp_path)
    assert km.kernel_spec.argv[0] == sys.executable


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name, tmp_path, request):
    if name == "05_other_study":
        pytest.importorskip("linearmodels", reason="the other-study notebook reads Munnell's panel from linearmodels")
    home = tmp_path / "home"
    home.mkdir()
    before = sorted(p.name for p in NOTEBOOK_DIR.iterdir())
    nb, seconds = _runner().execute(NOTEBOOK_DIR / f"{name}.ipynb", tmp_path / f"{name}.ipynb", smoke=True, timeout=300,
                                    work=tmp_path / "work", env={"HOME": str(home)})
    print(f"{name}: {seconds:.1f} s at smoke size")
    errors = [out for cell in nb.cells for out in cell.get("outputs", []) if out.output_type == "error"]
    assert not errors, errors
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code"), "a code cell did not run"
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert "RJ_NOTEBOOK_SMOKE" in first.source and "parameters" in first.metadata.get("tags", [])
    assert not list(home.iterdir()), f"the notebook wrote into $HOME: {list(home.rglob('*'))}"
    assert sorted(p.name for p in NOTEBOOK_DIR.iterdir()) == before, "the notebook wrote next to the notebooks"
    CHECKS[name](nb, _text(nb), request)
