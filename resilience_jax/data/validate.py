"""Raw DataFrame -> validated :class:`Panel`.

Every check raises a :class:`~resilience_jax.errors.DataError` whose message names the column(s) and
the offending provinces/years, and says how to fix it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, InterpolationWarning, NumberFormatWarning
from .spec import StudySpec, load_spec

MAX_LISTED = 10
SYNTHETIC_NOTE = (
    "SYNTHETIC data: the embedded panel is simulated (resilience_jax.datasets.simulate_panel), "
    "calibrated to the paper's Table 2; it is not the paper's data."
)
SYNTHETIC_NOTE_ZH = "合成数据（SYNTHETIC）：内置面板为模拟生成的数据，按原文表2的描述性统计校准，并非原文数据。"


@dataclass(frozen=True, eq=False)
class Panel:
    """A validated entity-period panel in canonical column names, balanced or not (entities may
    have different periods; every computation uses the rows present).

    Attributes
    ----------
    frame : DataFrame sorted by entity (order of first appearance) then time; entity, time, region,
        the index's indicator columns and the spec's variables.
    spec : the study spec the panel was validated against.
    source : where the data came from (a path, or the embedded synthetic panel).
    synthetic : True for the embedded simulated panel.
    filled : one row per cell filled by interpolation (entity, time, column, value, method).
    """

    frame: pd.DataFrame
    spec: StudySpec
    source: str
    synthetic: bool
    filled: pd.DataFrame

    @property
    def entities(self) -> tuple[str, ...]:
        return tuple(pd.unique(self.frame[self.spec.entity]))

    @property
    def periods(self) -> tuple[int, ...]:
        return tuple(sorted(pd.unique(self.frame[self.spec.time]).tolist()))

    @property
    def shape(self) -> tuple[int, int]:
        """(number of entities, number of periods)."""
        return len(self.entities), len(self.periods)

    @property
    def balanced(self) -> bool:
        """Whether every entity has a row in every period."""
        G, T = self.shape
        return len(self.frame) == G * T

    def present(self) -> np.ndarray:
        """(G, T) booleans: whether entity g (order of :attr:`entities`) has a row in period t
        (order of :attr:`periods`)."""
        G, T = self.shape
        out = np.zeros((G, T), dtype=bool)
        out[self.entity_codes(), self.period_codes()] = True
        return out

    def require_balanced(self, what: str) -> None:
        """Raise an :class:`~resilience_jax.errors.EstimationError` naming ``what`` when the panel is
        unbalanced (for the computations written for a full entity-period grid)."""
        if not self.balanced:
            from ..errors import EstimationError

            G, T = self.shape
            raise EstimationError(f"{what} needs a balanced panel; this one has {len(self.frame)} of the {G * T} "
                                  f"{self.spec.entity}-{self.spec.time} rows. The suite (describe, reproduce), the "
                                  "bootstraps and the wild bootstrap take unbalanced panels; for this, keep the "
                                  f"{self.spec.entity}s with every {self.spec.time} or add the missing rows (values "
                                  "may be empty and filled with --interpolate)")

    def period_ordinals(self) -> np.ndarray:
        """(n,) each row's period as an integer on which the previous period is one less (the year
        itself, or a pandas period's ordinal): what lags use."""
        t = self.frame[self.spec.time]
        if isinstance(t.dtype, pd.PeriodDtype):
            return t.array.asi8.astype(np.int64)
        return t.to_numpy(dtype=np.int64)

    def period_codes(self) -> np.ndarray:
        """(n,) each row's position among :attr:`periods`."""
        return np.searchsorted(np.asarray(self.periods), self.frame[self.spec.time].to_numpy()).astype(np.int32)

    @property
    def provenance(self) -> str:
        """One line for table notes and CLI headers."""
        return SYNTHETIC_NOTE if self.synthetic else f"Data: {self.source}"

    def provenance_in(self, lang: str = "en") -> str:
        """:attr:`provenance` in the language of a table (``"en"``: the same sentence; ``"zh"``:
        ``数据来源：...``, or the synthetic panel's sentence in Chinese, still marked SYNTHETIC).

        Example
        -------
        >>> from resilience_jax.data.validate import load_panel
        >>> panel = load_panel()
        >>> panel.provenance_in("en") == panel.provenance
        True
        >>> panel.provenance_in("zh")[:16]
        '合成数据（SYNTHETIC）：'
        """
        if lang != "zh":
            return self.provenance
        if self.synthetic:
            return SYNTHETIC_NOTE_ZH
        source = "用户传入的数据框" if self.source == "DataFrame" else self.source
        return f"数据来源：{source}。"

    def entity_codes(self) -> np.ndarray:
        return pd.factorize(self.frame[self.spec.entity], sort=False)[0].astype(np.int32)

    def indicator_matrix(self) -> np.ndarray:
        """Raw indicators as an (n, m) float64 array in index-spec order."""
        return self.frame[list(self.spec.index.columns)].to_numpy(dtype=np.float64)

    def index_inputs(self) -> tuple[np.ndarray, np.ndarray | None]:
        """The indicators as the index uses them, and its fixed normalisation bounds.

        Each indicator is transformed as the index spec says (``transform = "log"``: its natural
        logarithm); under ``normalisation = "goalposts"`` the bounds are the indicator's own
        ``goalposts`` (in its raw units, transformed with it) or, for indicators without, the rule
        ``goalposts_from = "panel"`` (this panel's own minimum and maximum of the transformed values,
        fixed from then on: every resample, subsample and leave-one-out uses them), and values
        beyond the bounds are capped at them (COINr's goalpost method). Under ``"minmax"`` (the
        paper's) there are no fixed bounds: each sample normalises by its own minimum and maximum.

        Returns
        -------
        X : numpy.ndarray
            (n, m) float64, in index-spec order.
        bounds : numpy.ndarray or None
            (2, m) the lower and upper bounds, or None for the sample min-max.

        Raises
        ------
        DataError
            A log-transformed indicator with a value <= 0 (named, with its cells).

        Example
        -------
        >>> import resilience_jax as rj
        >>> X, bounds = rj.load_panel().index_inputs()
        >>> X.shape, bounds is None
        ((420, 15), True)
        """
        idx = self.spec.index
        X = self.indicator_matrix()
        for j, ind in enumerate(idx.indicators):
            if ind.transform == "log":
                bad = ~(X[:, j] > 0)
                if bad.any():
                    raise DataError(f"indicator {ind.column!r} is log-transformed (transform = 'log' in {idx.path}) but has "
                                    f"{int(bad.sum())} value(s) <= 0: "
                                    f"{_fmt_cells(self.frame, pd.Series(bad, index=self.frame.index), self.spec.entity, self.spec.time, ind.column)}; "
                                    "use transform = 'none' for it, or shift the column to positive values in the data")
                X[:, j] = np.log(X[:, j])
        if idx.normalisation == "minmax":
            return X, None
        bounds = np.empty((2, X.shape[1]))
        for j, ind in enumerate(idx.indicators):
            if ind.goalposts is not None:
                lo, hi = ind.goalposts
                bounds[:, j] = np.log([lo, hi]) if ind.transform == "log" else (lo, hi)
            else:  # goalposts_from = "panel"
                bounds[:, j] = X[:, j].min(), X[:, j].max()
        bad = [ind.column for j, ind in enumerate(idx.indicators) if not bounds[1, j] > bounds[0, j]]
        if bad:
            raise DataError(f"the goalposts of {bad} span no range (the panel's values of the indicator are constant); "
                            "give them goalposts = [lower, upper] in the index spec")
        return np.clip(X, bounds[0], bounds[1]), bounds

    def column(self, name: str) -> np.ndarray:
        if name not in self.frame.columns:
            raise DataError(f"column {name!r} is not in the panel (source: {self.source})")
        return self.frame[name].to_numpy(dtype=np.float64)


def _fmt_cells(frame: pd.DataFrame, mask: pd.Series, entity: str, time: str, column: str | None = None) -> str:
    rows = frame.loc[mask]
    items = []
    for _, r in rows.head(MAX_LISTED).iterrows():
        cell = f"{r[entity]} {r[time]}"
        if column is not None:
            cell += f" ({r[column]!r})"
        items.append(cell)
    more = f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else ""
    return ", ".join(items) + more


def _rename(df: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Map user headers (aliases, case- and space-insensitive) onto the spec's canonical names."""
    targets: dict[str, str] = {}

    def add(canonical: str, aliases: tuple[str, ...]) -> None:
        for name in (canonical, *aliases):
            targets[name.strip().casefold()] = canonical

    add(spec.entity, spec.entity_aliases)
    add(spec.time, spec.time_aliases)
    add(spec.region, spec.region_aliases)
    for ind in spec.index.indicators:
        add(ind.column, ind.aliases)
    for v in spec.variables:
        add(v.name, v.aliases)
        if v.log_of:
            add(v.log_of, ())
    mapping: dict[str, str] = {}
    sources: dict[str, list[str]] = {}
    for col in df.columns:
        canonical = targets.get(str(col).strip().casefold())
        if canonical is not None:
            mapping[col] = canonical
            sources.setdefault(canonical, []).append(str(col))
    clashes = {k: v for k, v in sources.items() if len(v) > 1}
    if clashes:
        k, v = next(iter(clashes.items()))
        raise DataError(f"columns {v} all map to {k!r}; keep only one of them")
    return df.rename(columns=mapping)


def validate_panel(
    df: pd.DataFrame,
    spec: StudySpec | None = None,
    *,
    source: str = "user data",
    synthetic: bool = False,
    interpolate: bool = False,
    decimal: str = ".",
) -> Panel:
    """Validate a raw long panel against ``spec`` and return a :class:`Panel`.

    Parameters
    ----------
    df : pandas.DataFrame
        Long DataFrame, one row per entity-period, headers canonical or listed as aliases in the spec.
    spec : StudySpec, optional
        Study spec.
    source : str
        Where the data came from; it starts every error message and is kept in ``Panel.source``.
    synthetic : bool
        Mark the panel as the embedded simulated data (``Panel.synthetic``, ``Panel.provenance``).
    interpolate : bool
        Fill missing numeric cells by linear interpolation within each entity over time
        (as the paper did); cells before the first or after the last observed value take the nearest
        observed value. Every filled cell is listed in ``Panel.filled`` and an
        :class:`InterpolationWarning` is emitted. Default: missing values are an error.
    decimal : {".", ","}
        The decimal mark of numbers stored as text. With ``"."``, commas are read as thousands
        separators only where that is unambiguous (``12,345,678``, ``1,234.5``, or ``1,234`` in a
        column whose other cells group thousands the same way; listed in a
        :class:`NumberFormatWarning`); a decimal comma (``0,275``) or an ambiguous ``1,234`` is an
        error naming the cells. With ``","``, ``0,275`` is 0.275 and dots group thousands.

    Returns
    -------
    Panel
        The balanced panel in canonical column names, sorted by entity (order of first appearance)
        then time; logged variables given as raw columns are derived and the region is filled from
        the spec's ``[regions]`` when absent.

    Raises
    ------
    DataError
        Not a DataFrame or no rows; two headers mapping to one name; missing required column;
        non-numeric or non-finite value in a numeric column; missing entity or time; duplicate
        (entity, time) rows; missing values (unless ``interpolate``; with it, a
        column missing in every year of an entity); a non-positive value in a column that is logged.
    SpecError
        ``spec`` is None and the bundled spec cannot be loaded.

    Warns
    -----
    InterpolationWarning
        With ``interpolate``, when cells were filled.

    Example
    -------
    >>> import resilience_jax as rj
    >>> df = rj.datasets.paper_panel()
    >>> panel = rj.validate_panel(df)
    >>> panel.shape, panel.source, len(panel.filled)
    ((30, 14), 'user data', 0)
    >>> rj.validate_panel(df.drop(columns="Finance"))
    Traceback (most recent call last):
    ...
    resilience_jax.errors.DataError: user data: missing required column(s): Finance. Rename the column(s) ...
    """
    spec = spec if spec is not None else load_spec()
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}")
    if len(df) == 0:
        raise DataError(f"{source}: the data has no rows")
    frame = _rename(df, spec).copy()
    ent, tim, reg = spec.entity, spec.time, spec.region

    # -- required columns (a logged variable may come as its raw column)
    missing = [c for c in (ent, tim) if c not in frame.columns]
    missing += [c for c in spec.index.columns if c not in frame.columns]
    for v in spec.variables:
        if v.name not in frame.columns and v.required and not (v.log_of and v.log_of in frame.columns):
            missing.append(v.name if not v.log_of else f"{v.name} (or raw {v.log_of})")
    if missing:
        raise DataError(
            f"{source}: missing required column(s): {', '.join(missing)}. "
            f"Rename the column(s) or add the header as an alias in {spec.path} / {spec.index.path}."
        )

    # -- ids
    bad_ent = frame[ent].isna() | (frame[ent].astype(str).str.strip() == "")
    if bad_ent.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad_ent.to_numpy())[:MAX_LISTED])
        raise DataError(f"{source}: column {ent!r} is empty in row(s) {rows} (file line numbers)")
    frame[ent] = frame[ent].astype(str).str.strip()
    frame[tim] = _periods(frame, ent, tim, source)

    # -- numeric columns
    raw_logged = {v.log_of: v for v in spec.variables if v.log_of and v.log_of in frame.columns}
    numeric = [*spec.index.columns, *(v.name for v in spec.variables if v.name in frame.columns), *raw_logged]
    if decimal not in (".", ","):
        raise DataError(f"decimal must be '.' or ',', got {decimal!r}")
    grouped = []
    for col in numeric:
        values = frame[col]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            as_str, thousands = _number_text(frame, col, values, decimal, source, ent, tim)
            if thousands.any():
                grouped.append(f"{col!r} ({_fmt_cells(frame, thousands, ent, tim, col)})")
            coerced = pd.to_numeric(as_str, errors="coerce")
            bad = coerced.isna() & values.notna() & (as_str != "")
            if bad.any():
                raise DataError(
                    f"{source}: column {col!r} must be numeric; non-numeric value(s) at "
                    f"{_fmt_cells(frame, bad, ent, tim, col)}"
                )
            values = coerced
        frame[col] = values.astype(np.float64)
        inf = np.isinf(frame[col])
        if inf.any():
            raise DataError(f"{source}: column {col!r} has non-finite value(s) (inf) at {_fmt_cells(frame, inf, ent, tim, col)}")

    if grouped:
        warnings.warn(f"{source}: read commas as thousands separators in {'; '.join(grouped)}", NumberFormatWarning,
                      stacklevel=3)

    # -- duplicates and balance
    dup = frame.duplicated([ent, tim], keep=False)
    if dup.any():
        raise DataError(
            f"{source}: duplicate ({ent}, {tim}) rows: {_fmt_cells(frame, dup, ent, tim)}. "
            "Each province-year must appear once."
        )
    order = pd.factorize(frame[ent], sort=False)[0]
    frame = frame.assign(_order=order).sort_values(["_order", tim], kind="stable").drop(columns="_order").reset_index(drop=True)

    # -- missing values
    filled = _fill_missing(frame, numeric, ent, tim, source, interpolate)

    # -- logs
    for raw, v in raw_logged.items():
        nonpos = frame[raw] <= 0
        if nonpos.any():
            raise DataError(
                f"{source}: column {raw!r} is logged to make {v.name!r} and must be > 0; "
                f"non-positive value(s) at {_fmt_cells(frame, nonpos, ent, tim, raw)}"
            )
        if v.name not in frame.columns:
            frame[v.name] = np.log(frame[raw])

    # -- region: given, or from the spec's [regions]
    frame[reg] = _regions(frame, spec, source, ent, tim, reg)

    keep = [ent, tim, reg, *spec.index.columns, *(v.name for v in spec.variables if v.name in frame.columns)]
    extra = [c for c in frame.columns if c not in keep]
    return Panel(frame[keep + extra], spec, source, synthetic, filled)


_PERIOD_FREQS = ("Y", "Q", "M", "W", "D")


def _periods(frame: pd.DataFrame, ent: str, tim: str, source: str) -> pd.Series:
    """The time column as whole numbers (years), or as pandas periods: quarters (``2020Q1``), months
    (``2020-03``) or dates, a date read at the coarsest frequency (year, quarter, month, week, day)
    that still gives each entity one row per period, so annual data dated 2020-12-31 lags by a year.
    Anything else is a DataError naming the cells."""
    col = frame[tim]
    years = pd.to_numeric(col, errors="coerce")
    if years.notna().all():  # numbers: whole years, or an error naming the others
        bad = years != np.round(years)
        if bad.any():
            raise DataError(f"{source}: column {tim!r} must hold whole years or periods (2020Q1, 2020-03, 2020-03-31); "
                            f"bad value(s) at {_fmt_cells(frame, bad, ent, tim)}")
        return years.astype(np.int64)
    text = col.astype("string").str.strip()
    per = None
    try:
        per = pd.Series(pd.PeriodIndex(text.tolist()), index=frame.index)  # 2020Q1, 2020-03 (the frequency read from the text)
    except (ValueError, TypeError):
        pass
    if per is None or per.array.freqstr.startswith("D"):
        dates = pd.to_datetime(text, errors="coerce")
        if dates.isna().any():
            raise DataError(f"{source}: column {tim!r} must hold whole years or periods (2020Q1, 2020-03, 2020-03-31); "
                            f"bad value(s) at {_fmt_cells(frame, dates.isna(), ent, tim)}")
        for freq in _PERIOD_FREQS:
            per = dates.dt.to_period(freq)
            if not pd.DataFrame({"e": frame[ent], "p": per}).duplicated().any():
                break
    return per


def _regions(frame: pd.DataFrame, spec: StudySpec, source: str, ent: str, tim: str, reg: str) -> pd.Series:
    """Each row's region: the data's column (labels or their [region_labels] translations, one
    region per entity) or, without one, the spec's [regions]; anything else is a DataError that
    lists what was found and how to map it."""
    names = [r for r, _ in spec.regions]
    if reg not in frame.columns:
        region = frame[ent].map(spec.region_of())
        missing = list(dict.fromkeys(frame.loc[region.isna(), ent]))
        if missing and names:
            raise DataError(
                f"{source}: {len(missing)} {ent}(s) not listed in the spec's [regions] ({spec.path}): "
                f"{', '.join(map(repr, missing[:MAX_LISTED]))}{' ...' if len(missing) > MAX_LISTED else ''}. "
                f"Add them to [regions] ({', '.join(names)}) or give the data a {reg!r} column.")
        return region.astype(object).where(region.notna(), None)
    text = frame[reg].astype("string").str.strip()
    absent = text.isna() | (text == "")
    if absent.any():
        raise DataError(f"{source}: column {reg!r} is empty at {_fmt_cells(frame, absent, ent, tim)}; every row needs its region")
    if not names:
        region = text
    else:
        labels = {r: r for r in names} | {label: r for r, label in spec.region_labels}
        unknown = sorted(set(text) - set(labels))
        if unknown:
            raise DataError(
                f"{source}: column {reg!r} has region value(s) {unknown[:MAX_LISTED]} that the spec does not know; "
                f"found {sorted(set(text))[:MAX_LISTED]}, expected one of {sorted(labels)} ([regions] and "
                f"[region_labels] of {spec.path}). Rename the values, or map them in [region_labels] "
                f"(e.g. {unknown[0]} = ...).")
        region = text.map(labels)
    per = region.groupby(frame[ent], sort=False).nunique()
    split = per[per > 1].index.tolist()
    if split:
        raise DataError(f"{source}: column {reg!r} changes within {ent} {', '.join(map(repr, split[:MAX_LISTED]))}; "
                        f"each {ent} belongs to one region")
    return region.astype(object)


_THOUSANDS_SURE = r"^[+-]?[1-9]\d{0,2}(?:,\d{3}){2,}(?:\.\d*)?$|^[+-]?[1-9]\d{0,2},\d{3}\.\d*$"
_THOUSANDS_MAYBE = r"^[+-]?[1-9]\d{0,2},\d{3}$"  # 1,234: a thousands separator or a decimal comma


def _number_text(frame, col, values, decimal, source, ent, tim) -> tuple[pd.Series, pd.Series]:
    """Numbers stored as text made parseable: (text, cells read with thousands separators).

    Spaces (and no-break spaces) are dropped. With ``decimal="."`` a comma is a thousands separator
    where that is unambiguous, and an error otherwise (see :func:`validate_panel`)."""
    text = values.astype("string").str.strip().str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    has = text.str.contains(",", regex=False).fillna(False)
    if decimal == ",":
        return text.str.replace(r"\.(?=\d{3}(?:\D|$))", "", regex=True).str.replace(",", ".", regex=False), has & False
    sure = text.str.match(_THOUSANDS_SURE).fillna(False)
    maybe = text.str.match(_THOUSANDS_MAYBE).fillna(False)
    other = has & ~sure & ~maybe
    numeric_other = other & text.str.match(r"^[+-]?\d*,\d+$").fillna(False)
    if numeric_other.any():
        raise DataError(f"{source}: column {col!r} has decimal comma(s) at {_fmt_cells(frame, numeric_other, ent, tim, col)}; "
                        "write a decimal point, or pass decimal=',' (CLI: --decimal ,) if the file uses decimal commas")
    if (maybe & ~sure).any() and not sure.any():
        raise DataError(f"{source}: column {col!r} has value(s) such as {text[maybe].iloc[0]!r} at "
                        f"{_fmt_cells(frame, maybe, ent, tim, col)} that could be a thousands separator or a decimal "
                        "comma; write the number without the comma, or pass decimal=',' if commas are decimal marks")
    thousands = sure | maybe
    return text.where(~thousands, text.str.replace(",", "", regex=False)), thousands


def _fill_missing(frame: pd.DataFrame, numeric: list[str], ent: str, tim: str, source: str, interpolate: bool) -> pd.DataFrame:
    """Check for missing cells; with ``interpolate`` fill them in place and return the report."""
    report = []
    for col in numeric:
        na = frame[col].isna()
        if not na.any():
            continue
        if not interpolate:
            raise DataError(
                f"{source}: column {col!r} has {int(na.sum())} missing value(s) at {_fmt_cells(frame, na, ent, tim)}. "
                "Fill them, or pass interpolate=True (CLI: --interpolate) for linear interpolation within each province."
            )
        for name, idx in frame.groupby(ent, sort=False).groups.items():
            s = frame.loc[idx, col]
            if not s.isna().any():
                continue
            if s.isna().all():
                raise DataError(f"{source}: column {col!r} is missing in every year for {name}; cannot interpolate")
            tt = frame.loc[idx, tim]
            t = (tt.array.asi8 if isinstance(tt.dtype, pd.PeriodDtype) else tt.to_numpy()).astype(np.float64)
            obs = s.notna().to_numpy()
            new = np.interp(t, t[obs], s.to_numpy()[obs])  # linear inside, nearest value at the edges
            for k in np.flatnonzero(~obs):
                inside = t[obs].min() < t[k] < t[obs].max()
                label = tt.iloc[k] if isinstance(tt.dtype, pd.PeriodDtype) else int(t[k])
                report.append((name, label, col, float(new[k]), "linear" if inside else "nearest (edge)"))
            frame.loc[idx, col] = new
    filled = pd.DataFrame(report, columns=[ent, tim, "column", "value", "method"])
    if len(filled):
        warnings.warn(
            f"{source}: filled {len(filled)} missing cell(s) by interpolation within province "
            f"(columns: {', '.join(sorted(filled['column'].unique()))}); see Panel.filled",
            InterpolationWarning,
            stacklevel=3,
        )
    return filled


def load_panel(
    data: str | Path | pd.DataFrame | None = None,
    spec: StudySpec | str | Path | None = None,
    *,
    interpolate: bool = False,
    decimal: str = ".",
    encoding: str | None = None,
) -> Panel:
    """Load and validate a panel: a file path, a DataFrame, or (``None``) the embedded synthetic panel.

    Parameters
    ----------
    data : str, pathlib.Path, pandas.DataFrame or None
        A file read by :func:`~resilience_jax.data.io.read_table`, a raw DataFrame, or None for the
        embedded synthetic panel (:func:`~resilience_jax.datasets.paper_panel`).
    spec : StudySpec, str, pathlib.Path or None
        A loaded spec, or the path of a study TOML file (None: the bundled ``paper.toml``).
    interpolate : bool
        Fill missing cells by within-entity linear interpolation (see :func:`validate_panel`);
        not used for the embedded panel, which has none.
    decimal : {".", ","}
        The decimal mark of numbers stored as text (see :func:`validate_panel`).
    encoding : str, optional
        Text encoding of a CSV file (default: UTF-8, else GB18030; see
        :func:`~resilience_jax.data.io.read_table`).

    Returns
    -------
    Panel
        The validated panel; ``source`` is the path, ``"DataFrame"`` or ``"embedded synthetic
        panel"``.

    Raises
    ------
    SpecError
        The spec file is missing or invalid.
    DataError
        The file cannot be read (missing, unsupported type, reader failure) or the data fails
        validation (see :func:`validate_panel`).

    Warns
    -----
    InterpolationWarning
        With ``interpolate``, when cells were filled.
    NumberFormatWarning
        When commas were read as thousands separators.

    Example
    -------
    >>> import resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> panel.shape, panel.synthetic, panel.source
    ((30, 14), True, 'embedded synthetic panel')
    >>> rj.load_panel(rj.datasets.paper_panel().rename(columns={"year": "年份"})).periods[:3]
    (2010, 2011, 2012)
    """
    from .io import read_table

    if not isinstance(spec, StudySpec):
        spec = load_spec(spec)
    if data is None:
        from ..datasets import paper_panel

        return validate_panel(paper_panel(), spec, source="embedded synthetic panel", synthetic=True)
    if isinstance(data, pd.DataFrame):
        return validate_panel(data, spec, source="DataFrame", interpolate=interpolate, decimal=decimal)
    if not isinstance(data, (str, Path)):
        raise DataError(f"data must be a file path, a pandas DataFrame or None (the embedded panel), got "
                        f"{type(data).__name__}")
    return validate_panel(read_table(data, encoding), spec, source=str(data), interpolate=interpolate, decimal=decimal)
