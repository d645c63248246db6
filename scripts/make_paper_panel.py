"""Regenerate the embedded synthetic panel and its truth file, bit for bit.

    python scripts/make_paper_panel.py           # rewrite resilience_jax/datasets/paper_panel.csv + truth
    python scripts/make_paper_panel.py --check   # exit 1 if the shipped files differ from a fresh run
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import jax

from resilience_jax.datasets import PAPER_PANEL_FILE, PAPER_PANEL_SEED, PAPER_PANEL_TRUTH
from resilience_jax.datasets.simulate import simulate_panel

HERE = Path(__file__).resolve().parent.parent / "resilience_jax" / "datasets"


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
        same = (HERE / PAPER_PANEL_FILE).read_text(encoding="utf-8") == csv
        print("paper_panel.csv matches a fresh run" if same else "paper_panel.csv DIFFERS from a fresh run")
        return 0 if same else 1
    (HERE / PAPER_PANEL_FILE).write_text(csv, encoding="utf-8")
    (HERE / PAPER_PANEL_TRUTH).write_text(truth, encoding="utf-8")
    print(f"wrote {HERE / PAPER_PANEL_FILE} and {HERE / PAPER_PANEL_TRUTH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
