"""The accelerator benchmark (benchmarks/device.py) runs on the CPU at smoke sizes: every figure
timed in a fresh worker process, none failed, the JSON written with the backend, the device's
name and the tuning constants in use (the CPU's), and the ratio column the README reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_device_script_smoke_on_cpu(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "device.py"), "--smoke", "--dtypes", "float64",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    res = json.loads((tmp_path / "device_cpu_smoke.json").read_text())
    assert res["smoke"] and res["backend"] == "cpu" and res["device_kind"] and res["devices"]
    names = [r["figure"] for r in res["rows"]]
    assert names == ["bootstrap_fast_200", "bootstrap_fast_1000", "bootstrap_general_200",
                     "bootstrap_fast_panel_120x8_200", "sensitivity_weights_2000", "nuts_2x30+30_vectorized"]
    for r in res["rows"]:
        assert r["error"] is None, r
        assert r["device_s"] > 0 and r["cpu_s"] == r["device_s"] and r["cpu_over_device"] == 1.0
    t = res["tuning"]["device"]
    # the CPU's constants (resilience_jax._backend.tuned), as measured on 2 cores
    assert (t["fast_chunk"], t["rows_chunk"], t["gathered_sub_batch"], t["tabulated_candidates"]) == (1000, 250, 48, 12)
    assert "CPU/device" in proc.stdout and "bootstrap_fast_1000" in proc.stdout
