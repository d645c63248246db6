"""Table 2: descriptive statistics of the study's variables."""

from __future__ import annotations

from typing import Literal, Mapping

import numpy as np
import pandas as pd

from ..data.validate import Panel

STATS = ("mean", "median", "sd", "min", "max")


def describe(
    panel: Panel,
    *,
    extra: Mapping[str, np.ndarray] | None = None,
    columns: tuple[str, ...] | None = None,
    lang: Literal["en", "zh"] = "en",
) -> pd.DataFrame:
    """Table-2-style descriptives: N, mean, median, sd (n-1), min, max for each variable.

    Parameters
    ----------
    panel : a validated panel.
    extra : further columns to describe first (e.g. the indices REIC, REICD, REICC), name -> values.
    columns : variables to describe; default the spec's variables present in the panel, in spec order.
    lang : label language.
    """
    spec = panel.spec
    if columns is None:
        columns = tuple(v.name for v in spec.variables if v.name in panel.frame.columns)
    series = {**(extra or {}), **{c: panel.column(c) for c in columns}}
    rows = []
    for name, x in series.items():
        x = np.asarray(x, dtype=np.float64)
        rows.append(
            {
                "variable": name,
                "label": spec.label(name, lang),
                "N": int(x.size),
                "mean": x.mean(),
                "median": float(np.median(x)),
                "sd": x.std(ddof=1),
                "min": x.min(),
                "max": x.max(),
            }
        )
    return pd.DataFrame(rows).set_index("variable")
