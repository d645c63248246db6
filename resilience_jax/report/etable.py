"""``etable``: several fits side by side, as fixest's ``etable`` and pyfixest's ``etable`` show them."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from ..errors import EstimationError


def etable(fits: Sequence, *, names: Sequence[str] | None = None, lang: str = "en") -> pd.DataFrame:
    """Fits side by side: each coefficient with its stars (* 10%, ** 5%, *** 1%) and its standard
    error below in parentheses, then the constant, the fixed effects, N, R² and the within R²;
    a term absent from a fit is blank there.

    Parameters
    ----------
    fits : sequence of FeolsResult
        The fits (:func:`~resilience_jax.feols`), one column each.
    names : sequence of str, optional
        Column headers (default ``(1)``, ``(2)``, ...).
    lang : {"en", "zh"}, optional
        Language of the row labels.

    Returns
    -------
    pandas.DataFrame
        The table as strings, indexed by row label.

    Raises
    ------
    EstimationError
        No fits, or a number of names that differs from the number of fits.

    Example
    -------
    >>> import resilience_jax as rj
    >>> df = rj.load_panel().frame
    >>> t = rj.etable([rj.feols("Upgra ~ LnAI | province", df, {"CRV1": "province"}),
    ...                rj.feols("Upgra ~ LnAI + Finance | province + year", df, {"CRV1": "province"})])
    >>> list(t.columns), t.loc["LnAI"].tolist()
    (['(1)', '(2)'], ['0.942***', '1.007*'])
    """
    from .paper_tables import regression_table

    fits = list(fits)
    if not fits:
        raise EstimationError("etable needs at least one fit")
    names = [f"({i + 1})" for i in range(len(fits))] if names is None else list(names)
    if len(names) != len(fits):
        raise EstimationError(f"etable: {len(names)} names for {len(fits)} fits")
    terms = list(dict.fromkeys(n for f in fits for n in f.names if n != "Intercept"))
    return regression_table(list(zip(names, fits)), terms, lang=lang)
