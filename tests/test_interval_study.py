"""A smoke run of the shipped interval validation study (benchmarks/interval_study.py): one cell
(11 provinces, log indicators, goalposts), few datasets, a wide tolerance; the full run's numbers
are in benchmarks/results/interval_study.json."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_interval_study_smoke(tmp_path):
    out = tmp_path / "study.json"
    args = ["--datasets", "40", "--n-boot", "199", "--sizes", "11", "--indicators", "logs", "--scales", "goalposts",
            "--truth-datasets", "50", "--population", "500", "--reference", "2000", "--null-datasets", "40",
            "--out", str(out)]
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "interval_study.py"), *args], check=True, timeout=600,
                   capture_output=True)
    r = json.loads(out.read_text())
    (cell,) = r["cells"]
    assert (cell["G"], cell["indicators"], cell["scale"], cell["datasets"]) == (11, "logs", "goalposts", 40)
    m = cell["methods"]
    assert set(m) >= {"share:jackknife_t", "ab:jackknife_t", "ab:bootstrap_t", "c:bootstrap_t_symmetric", "c:crv1",
                      "ab:posterior", "c:posterior", "share:posterior"}
    for v in m.values():
        assert 0 <= v["coverage"] <= 1
        assert abs(v["interval_above_truth"] + v["interval_below_truth"] + v["coverage"] - 1) < 1e-12
    # the defaults on a declared scale with log indicators: near 0.95 (40 datasets: a wide tolerance)
    for k in ("share:jackknife_t", "ab:jackknife_t", "c:jackknife_t"):
        assert m[k]["coverage"] >= 0.8, (k, m[k])
    assert set(r["null_rejection_5pct"]) == {"G11"}
    assert (tmp_path / "study.png").stat().st_size > 10_000
