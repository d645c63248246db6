"""The embedded default dataset: a seeded synthetic panel calibrated to the paper's Table 2.

:func:`paper_panel` reads the shipped CSV (no JAX run); :func:`simulate_panel` is the generator that
made it, and ``scripts/make_paper_panel.py`` regenerates the file bit for bit.
"""

from __future__ import annotations

import json
from importlib import resources

import pandas as pd

PAPER_PANEL_SEED = 2025
PAPER_PANEL_FILE = "paper_panel.csv"
PAPER_PANEL_TRUTH = "paper_panel_truth.json"


def paper_panel() -> pd.DataFrame:
    """The embedded SYNTHETIC panel: 30 provinces x 2010-2023, 15 indicators and the paper's variables.

    Simulated with ``simulate_panel(jax.random.key(PAPER_PANEL_SEED))``; its LnAI, Upgra and
    controls match the paper's Table 2 means and standard deviations. It is not the paper's data,
    which is not public. The true parameters are in :func:`paper_panel_truth`.

    Returns
    -------
    pandas.DataFrame
        420 rows (province-years) and 26 columns: province, year, region, the 15 indicators of
        ``models/index.toml``, LnAI, LnAIPatent, Upgra and the five controls; raw, not validated
        (see :func:`resilience_jax.load_panel`).

    Example
    -------
    >>> import resilience_jax as rj
    >>> df = rj.datasets.paper_panel()
    >>> df.shape, round(float(df["LnAI"].mean()), 3), round(float(df["LnAI"].std()), 3)
    ((420, 26), 2.059, 0.201)
    """
    with resources.files(__name__).joinpath(PAPER_PANEL_FILE).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh)


def paper_panel_truth() -> dict:
    """Data-generating parameters and calibration constants of :func:`paper_panel`.

    Returns
    -------
    dict
        The ``truth`` of :func:`~resilience_jax.datasets.simulate.simulate_panel` for the shipped
        panel (structural parameters, indicator DGP, calibration targets and constants, implied
        effects), plus the ``seed`` and the ``jax_version`` that made it.

    Example
    -------
    >>> import resilience_jax as rj
    >>> truth = rj.datasets.paper_panel_truth()
    >>> truth["seed"], truth["synthetic"], truth["n_provinces"], truth["years"]
    (2025, True, 30, [2010, 2023])
    """
    return json.loads(resources.files(__name__).joinpath(PAPER_PANEL_TRUTH).read_text(encoding="utf-8"))


def __getattr__(name: str):
    if name in ("simulate_panel", "SimParams", "Simulation"):
        from . import simulate

        return getattr(simulate, name)
    raise AttributeError(name)


__all__ = ["paper_panel", "paper_panel_truth", "simulate_panel", "SimParams", "Simulation", "PAPER_PANEL_SEED"]
