"""Table 2: descriptive statistics of the study's variables."""

from __future__ import annotations

from typing import Literal, Mapping

import numpy as np
import pandas as pd

from ..data.validate import Panel
from .tables import rename_headers

STATS = ("mean", "median", "sd", "min", "max")
# the table's headers as a Chinese journal prints them (--lang zh)
HEADERS_ZH = {"variable": "变量", "label": "变量名称", "N": "样本量", "mean": "均值", "median": "中位数", "sd": "标准差",
              "min": "最小值", "max": "最大值"}
CAPTION = {"en": "Table 2. Descriptive statistics", "zh": "表2 描述性统计"}
NOTE_ZH = "注：标准差按n-1计算。"


def headers(table: pd.DataFrame, lang: Literal["en", "zh"] = "en") -> pd.DataFrame:
    """A :func:`describe` table with its column headers (and the index's name) in ``lang``; the
    table itself for ``"en"``.

    Parameters
    ----------
    table : pandas.DataFrame
        A table from :func:`describe`.
    lang : {"en", "zh"}
        Language of the headers.

    Returns
    -------
    pandas.DataFrame
        The same values, headers translated (``variable`` -> ``变量``, ``mean`` -> ``均值``, ...).

    Example
    -------
    >>> import resilience_jax as rj
    >>> t = headers(describe(rj.load_panel(), columns=("LnAI",), lang="zh"), "zh")
    >>> t.index.name, list(t.columns)
    ('变量', ['变量名称', '样本量', '均值', '中位数', '标准差', '最小值', '最大值'])
    """
    if lang != "zh":
        return table
    return rename_headers(table, HEADERS_ZH)


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
    panel : Panel
        A validated panel (:func:`~resilience_jax.load_panel`).
    extra : mapping of str to numpy.ndarray, optional
        Further columns to describe first (e.g. the indices REIC, REICD, REICC), name -> values.
    columns : tuple of str, optional
        Variables to describe; default the spec's variables present in the panel, in spec order.
    lang : {"en", "zh"}
        Language of the ``label`` column.

    Returns
    -------
    pandas.DataFrame
        One row per variable (index ``variable``: the ``extra`` names first, then ``columns``) with
        the columns ``label``, ``N``, ``mean``, ``median``, ``sd`` (with n-1), ``min`` and ``max``.

    Raises
    ------
    DataError
        when a name in ``columns`` is not a column of the panel.

    Example
    -------
    >>> import resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> table = describe(panel)
    >>> table.shape
    (8, 7)
    >>> list(table.columns)
    ['label', 'N', 'mean', 'median', 'sd', 'min', 'max']
    >>> print(table.loc[["LnAI", "Upgra"], ["label", "N", "mean", "sd"]].round(3))
                             label    N   mean     sd
    variable
    LnAI                        AI  420  2.059  0.201
    Upgra     Industrial upgrading  420  0.365  0.697
    >>> describe(panel, columns=("GDP",))
    Traceback (most recent call last):
        ...
    resilience_jax.errors.DataError: column 'GDP' is not in the panel (source: ...)
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
