"""From a DataFrame and a fixest-style formula to the arrays the estimation core takes.

This is the edge between pandas and the array core: it parses ``"y ~ x1 + x2 | fe1 + fe2"``,
checks every name and value, codes the fixed effects and clusters, and counts the degrees of
freedom as fixest's default ``ssc()`` does. Nothing here is jitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np
import pandas as pd

from .errors import DataError, EstimationError

VcovSpec = Literal["iid", "HC1"] | Mapping[str, str]
_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*$")
_FACTOR = re.compile(r"^(C|i)\(\s*([A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*)\s*\)$")


@dataclass(frozen=True)
class Formula:
    outcome: str
    regressors: tuple[str, ...]
    fixed_effects: tuple[str, ...]

    def __str__(self) -> str:
        rhs = " + ".join(self.regressors)
        fe = f" | {' + '.join(self.fixed_effects)}" if self.fixed_effects else ""
        return f"{self.outcome} ~ {rhs}{fe}"


def parse_formula(fml: str) -> Formula:
    """Parse ``"y ~ x1 + x2"`` (pooled OLS with intercept) or ``"y ~ x1 | fe1 + fe2"`` (fixed effects).

    Parameters
    ----------
    fml : str
        A fixest-style formula of plain variable names: outcome, ``~``, regressors joined by ``+``
        (a categorical regressor as ``C(x)``, formulaic's spelling, or ``i(x)``, fixest's: one dummy
        per level but the first) and, after an optional ``|``, at most two fixed effects.

    Returns
    -------
    Formula
        ``outcome``, ``regressors`` and ``fixed_effects`` (tuples of names).

    Raises
    ------
    EstimationError
        Not exactly one ``~``, more than one ``|``, a name that is not a plain variable name
        (transformations and interactions), a repeated regressor or fixed effect, the outcome
        among the regressors, or more than two fixed effects.

    Example
    -------
    >>> from resilience_jax.design import parse_formula
    >>> f = parse_formula("Upgra ~ LnAI + Finance | province + year")
    >>> f.outcome, f.regressors, f.fixed_effects
    ('Upgra', ('LnAI', 'Finance'), ('province', 'year'))
    >>> parse_formula("Upgra ~ log(LnAI)")
    Traceback (most recent call last):
    ...
    resilience_jax.errors.EstimationError: formula 'Upgra ~ log(LnAI)': 'log(LnAI)' is not a plain variable name ...
    """
    if not isinstance(fml, str) or fml.count("~") != 1:
        raise EstimationError(f"formula must look like 'y ~ x1 + x2 | fe', got {fml!r}")
    lhs, rhs = (s.strip() for s in fml.split("~"))
    parts = rhs.split("|")
    if len(parts) > 2:
        raise EstimationError(f"formula {fml!r} has more than one '|'")
    regs = tuple(s.strip() for s in parts[0].split("+"))
    fes = tuple(s.strip() for s in parts[1].split("+")) if len(parts) == 2 else ()
    for name in (lhs, *(r for r in regs if not _FACTOR.match(r)), *fes):
        if not _NAME.match(name):
            raise EstimationError(
                f"formula {fml!r}: {name!r} is not a plain variable name (transformations and "
                "interactions are not supported; create the column first)"
            )
    for group, what in ((regs, "regressor"), (fes, "fixed effect")):
        dup = sorted({v for v in group if group.count(v) > 1})
        if dup:
            raise EstimationError(f"formula {fml!r}: {what} {dup[0]!r} appears twice")
    if lhs in regs:
        raise EstimationError(f"formula {fml!r}: the outcome {lhs!r} is also a regressor")
    if len(fes) > 2:
        raise EstimationError(f"formula {fml!r}: at most two fixed effects are supported, got {len(fes)}")
    return Formula(lhs, regs, fes)


def expand_factors(data: pd.DataFrame, regressors: tuple[str, ...], where: str) -> tuple[pd.DataFrame, tuple]:
    """Categorical regressors ``C(x)`` / ``i(x)`` as dummy columns: one per level of ``x`` but the
    first (sorted; missing values stay missing), named ``C(x)[T.level]`` (pyfixest's and
    formulaic's names) or ``x::level`` (fixest's ``i()``).

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    regressors : tuple of str
        The formula's regressors (plain names or factor terms).
    where : str
        Context of error messages.

    Returns
    -------
    data : pandas.DataFrame
        ``data`` with the dummy columns added (a copy when there are any).
    pairs : tuple of (str, str)
        (display name, column) of every regressor, factors expanded in place.

    Raises
    ------
    DataError
        A factor variable that is not a column, or has fewer than two levels.

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["b", "a", "c", "a"], "x": [1.0, 2, 3, 4]})
    >>> _, pairs = expand_factors(df, ("x", "C(g)"), "y ~ x + C(g)")
    >>> [name for name, _ in pairs]
    ['x', 'C(g)[T.b]', 'C(g)[T.c]']
    """
    pairs, added = [], {}
    for term in regressors:
        m = _FACTOR.match(term)
        if not m:
            pairs.append((term, term))
            continue
        kind, var = m.groups()
        if var not in data.columns:
            raise DataError(f"{where}: variable {var!r} of {term} is not a column of the data")
        levels = sorted(data[var].dropna().unique().tolist())
        if len(levels) < 2:
            raise DataError(f"{where}: {term} needs at least two levels of {var!r}, found {levels}")
        for lv in levels[1:]:
            name = f"C({var})[T.{lv}]" if kind == "C" else f"{var}::{lv}"
            added[name] = (data[var] == lv).astype(float).where(data[var].notna())
            pairs.append((name, name))
    return (data.assign(**added) if added else data), tuple(pairs)


def parse_vcov(vcov: VcovSpec) -> tuple[str, str | None]:
    """``"iid"``, ``"HC1"`` (alias ``"hetero"``) or ``{"CRV1": "cluster_var"}`` -> (kind, cluster).

    Parameters
    ----------
    vcov : str or mapping
        ``"iid"``, ``"HC1"``, ``"hetero"`` or a one-key mapping ``{"CRV1": "<cluster variable>"}``.

    Returns
    -------
    tuple of (str, str or None)
        The canonical kind (``"iid"``, ``"HC1"`` or ``"CRV1"``) and the cluster variable (None
        unless CRV1).

    Raises
    ------
    EstimationError
        Any other value.

    Example
    -------
    >>> from resilience_jax.design import parse_vcov
    >>> parse_vcov("hetero"), parse_vcov({"CRV1": "province"})
    (('HC1', None), ('CRV1', 'province'))
    """
    if isinstance(vcov, str):
        kind = {"iid": "iid", "HC1": "HC1", "hetero": "HC1"}.get(vcov)
        if kind is None:
            raise EstimationError(f"Invalid vcov. Expecting 'iid', 'HC1' or {{'CRV1': '<cluster>'}}. Got {vcov!r}")
        return kind, None
    if isinstance(vcov, Mapping) and list(vcov) == ["CRV1"] and isinstance(vcov["CRV1"], str):
        return "CRV1", vcov["CRV1"]
    raise EstimationError(f"Invalid vcov. Expecting 'iid', 'HC1' or {{'CRV1': '<cluster>'}}. Got {vcov!r}")


def codes_of(values: pd.Series) -> tuple[np.ndarray, int]:
    """Integer codes of a fixed effect or cluster variable, its levels sorted.

    Parameters
    ----------
    values : pandas.Series
        The labels, one per row (no missing values).

    Returns
    -------
    codes : numpy.ndarray
        ``int32`` codes in ``0 .. n_levels - 1``, in the sorted order of the levels.
    n_levels : int
        The number of distinct levels.

    Example
    -------
    >>> import pandas as pd
    >>> from resilience_jax.design import codes_of
    >>> codes, n_levels = codes_of(pd.Series(["b", "a", "b", "c"]))
    >>> codes.tolist(), n_levels
    ([1, 0, 1, 2], 3)
    """
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int32), len(uniques)


def numeric_column(data: pd.DataFrame, name: str, where: str, *, missing_ok: bool = False) -> np.ndarray:
    """A numeric, finite column of ``data`` as a float64 array (booleans as 0/1).

    Parameters
    ----------
    data : pandas.DataFrame
        The data.
    name : str
        The column to take.
    where : str
        Context prefixed to error messages (usually the regression's formula).
    missing_ok : bool, optional
        Return missing and non-finite values as NaN/inf (the caller leaves their rows out)
        instead of refusing them.

    Returns
    -------
    numpy.ndarray
        The column as float64.

    Raises
    ------
    DataError
        ``name`` is not a column, is not numeric, or (unless ``missing_ok``) has missing or
        non-finite values (the first rows are listed).

    Example
    -------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from resilience_jax.design import numeric_column
    >>> df = pd.DataFrame({"x": [1, 2, 3], "z": [1.0, np.nan, 3.0]})
    >>> numeric_column(df, "x", "y ~ x").tolist()
    [1.0, 2.0, 3.0]
    >>> numeric_column(df, "z", "y ~ z")
    Traceback (most recent call last):
    ...
    resilience_jax.errors.DataError: y ~ z: variable 'z' has missing or non-finite values in row(s) 1; fill or drop them first
    """
    if name not in data.columns:
        raise DataError(f"{where}: variable {name!r} is not a column of the data; columns: {list(data.columns)[:40]}")
    col = data[name]
    if pd.api.types.is_bool_dtype(col):
        col = col.astype(float)
    if not pd.api.types.is_numeric_dtype(col):
        raise DataError(f"{where}: variable {name!r} is not numeric (dtype {col.dtype}); for a categorical regressor "
                        f"write C({name}) or i({name}) in the formula")
    x = col.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any() and not missing_ok:
        rows = ", ".join(map(str, data.index[bad][:10].tolist()))
        raise DataError(f"{where}: variable {name!r} has missing or non-finite values in row(s) {rows}; fill or drop them first")
    return x


def is_nested(inner: np.ndarray, outer: np.ndarray) -> bool:
    """True if every level of ``inner`` lies within a single level of ``outer``.

    Parameters
    ----------
    inner : numpy.ndarray
        Integer codes of the inner grouping (e.g. a fixed effect), one per row.
    outer : numpy.ndarray
        Integer codes of the outer grouping (e.g. the clusters), one per row.

    Returns
    -------
    bool
        Whether ``inner`` is nested in ``outer``.

    Example
    -------
    >>> import numpy as np
    >>> from resilience_jax.design import is_nested
    >>> is_nested(np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 0, 0, 1, 1]))
    True
    >>> is_nested(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]))
    False
    """
    inner, outer = np.asarray(inner, np.int64), np.asarray(outer, np.int64)
    pairs = np.unique(inner * (outer.max() + 1) + outer)
    return len(pairs) == len(np.unique(inner))


def dof_k(n_slopes: int, fe_codes: list[np.ndarray], mask: np.ndarray, cluster: np.ndarray | None,
          k_fixef: str = "nonnested") -> int:
    """Coefficients counted in (N-1)/(N-K), as fixest's ``ssc(k_fixef=...)``
    (:class:`~resilience_jax.inference.vcov.SSC`; default ``"nonnested"``).

    Without fixed effects K counts the slopes and the intercept. With fixed effects K adds the
    number of fixed-effect levels minus one per extra dimension (``"full"``, and ``"nonnested"``
    without clusters); under CRV1 with ``"nonnested"``, levels of a fixed effect nested in the
    clusters are not counted (one is added back per nested dimension); ``"none"`` counts no level.

    Parameters
    ----------
    n_slopes : int
        Number of slope coefficients.
    fe_codes : list of numpy.ndarray
        Integer codes of each fixed effect, one per row (empty: no fixed effects).
    mask : numpy.ndarray
        Row selection (non-zero: in the estimation sample).
    cluster : numpy.ndarray or None
        Integer cluster codes under CRV1, else None.
    k_fixef : {"nonnested", "full", "none"}
        How fixed-effect levels are counted, as fixest's ``ssc(k_fixef=...)``.

    Returns
    -------
    int
        The K of the small-sample factor (N-1)/(N-K).

    Example
    -------
    >>> import numpy as np
    >>> from resilience_jax.design import dof_k
    >>> g = np.repeat(np.arange(3), 4)
    >>> dof_k(2, [g], np.ones(12), g), dof_k(2, [g], np.ones(12), None), dof_k(2, [g], np.ones(12), g, "none")
    (3, 5, 2)
    """
    if not fe_codes:
        return n_slopes + 1
    if k_fixef == "none":
        return n_slopes
    sel = mask.astype(bool)
    levels = [len(np.unique(c[sel])) for c in fe_codes]
    k_fe = sum(levels) - (len(fe_codes) - 1)
    if cluster is None or k_fixef == "full":
        return n_slopes + k_fe
    nested = [lv for c, lv in zip(fe_codes, levels) if is_nested(c[sel], cluster[sel])]
    if not nested:
        return n_slopes + k_fe
    return n_slopes + k_fe - sum(nested) + len(nested)


def collinear_message(X: np.ndarray, names: tuple[str, ...], fe: tuple[str, ...], X_raw: np.ndarray | None = None) -> str:
    """Name the regressors that make the (within-transformed) design ``X`` singular.

    Columns are scaled by the raw columns' norms (``X_raw``, before the within transformation), so
    a regressor absorbed by the fixed effects shows up as a (numerically) zero column.

    Parameters
    ----------
    X : numpy.ndarray
        The (n, k) design without the intercept, within-transformed if there are fixed effects.
    names : tuple of str
        The k regressor names.
    fe : tuple of str
        The fixed effects (empty for pooled OLS); they are named in the message.
    X_raw : numpy.ndarray, optional
        The (n, k) design before the within transformation.

    Returns
    -------
    str
        A message naming each regressor that is constant or collinear with the earlier ones.

    Example
    -------
    >>> import numpy as np
    >>> from resilience_jax.design import collinear_message
    >>> X = np.column_stack([np.arange(6.0), 2 * np.arange(6.0), [1.0, 0, 0, 1, 1, 0]])
    >>> collinear_message(X, ("a", "b", "c"), ())
    "singular design: 'b' is collinear with 'a'. Drop the variable(s) or change the specification."
    """
    raw = X if X_raw is None else X_raw
    scale = np.maximum(np.linalg.norm(raw, axis=0), 1e-300)
    Xs = X / scale
    const = np.ones((X.shape[0], 1)) / np.sqrt(X.shape[0])
    kept: list[int] = []
    msgs = []
    for j, name in enumerate(names):
        cols = np.column_stack([const, Xs[:, kept + [j]]])
        if np.linalg.matrix_rank(cols, tol=1e-9) < cols.shape[1]:
            centred = Xs[:, j] - Xs[:, j].mean()
            if np.linalg.norm(centred) < 1e-9:
                why = "is constant" + (f" within {' and '.join(fe)} (absorbed by the fixed effects)" if fe else "")
            else:
                others = [names[k] for k in kept]
                why = "is collinear with " + (", ".join(repr(o) for o in others) if others else "the constant")
                why += " after removing the fixed effects" if fe else ""
            msgs.append(f"{name!r} {why}")
        else:
            kept.append(j)
    detail = "; ".join(msgs) if msgs else "the regressors are nearly collinear"
    return f"singular design: {detail}. Drop the variable(s) or change the specification."
