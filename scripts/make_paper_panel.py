"""Regenerate the embedded synthetic panel and its truth file.

    python scripts/make_paper_panel.py           # rewrite resilience_jax/datasets/paper_panel.csv + truth
    python scripts/make_paper_panel.py --check   # exit 1 if the shipped panel differs from a fresh run

``--check`` compares the shipped CSV with a fresh run of the generator: the same columns, rows and
labels (province, region, year) exactly, and every numeric cell to a relative 1e-12. Not bit for
bit: XLA's CPU kernels for exp/log differ in the last bits between instruction sets (the file was
written on an AVX2 machine; an AVX-512 machine reproduces it to about 4e-15), which no study result
can feel.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import jax
import numpy as np
import pandas as pd

from resilience_jax.datasets import PAPER_PANEL_FILE, PAPER_PANEL_SEED, PAPER_PANEL_TRUTH
from resilience_jax.datasets.simulate import simulate_panel

HERE = Path(__file__).resolve().parent.parent / "resilience_jax" / "datasets"
RTOL = 1e-12


def differences(shipped: pd.DataFrame, fresh: pd.DataFrame, rtol: float = RTOL) -> list[str]:
    """What differs between two panels: column names, shape, non-numeric columns exactly, numeric
    columns beyond ``rtol`` (relative to each cell's magnitude); empty when they agree."""
    if list(shipped.columns) != list(fresh.columns) or shipped.shape != fresh.shape:
        return [f"columns/shape: {list(shipped.columns)} {shipped.shape} vs {list(fresh.columns)} {fresh.shape}"]
    out = []
    for col in shipped.columns:
        a, b = shipped[col], fresh[col]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            rel = np.abs(x - y) / np.maximum(np.abs(y), np.finfo(float).tiny)
            if not np.all(rel <= rtol):
                out.append(f"{col}: max relative difference {rel.max():.2e}")
        elif not a.astype(str).equals(b.astype(str)):
            out.append(f"{col}: labels differ")
    return out


def render() -> tuple[str, str]:
    sim = simulate_panel(jax.random.key(PAPER_PANEL_SEED))
    buf = io.StringIO()
    sim.data.to_csv(buf, index=False, lineterminator="\n")  # repr floats: exact round trip
    truth = {"seed": PAPER_PANEL_SEED, "jax_version": jax.__version__, **sim.truth}
    return buf.getvalue(), json.dumps(truth, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()
    csv, truth = render()
    if args.check:
        diff = differences(pd.read_csv(HERE / PAPER_PANEL_FILE), pd.read_csv(io.StringIO(csv)))
        print(f"paper_panel.csv matches a fresh run (labels exactly, numbers to a relative {RTOL:g})" if not diff
              else "paper_panel.csv DIFFERS from a fresh run: " + "; ".join(diff))
        return 0 if not diff else 1
    (HERE / PAPER_PANEL_FILE).write_text(csv, encoding="utf-8")
    (HERE / PAPER_PANEL_TRUTH).write_text(truth, encoding="utf-8")
    print(f"wrote {HERE / PAPER_PANEL_FILE} and {HERE / PAPER_PANEL_TRUTH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
