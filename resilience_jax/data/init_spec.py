"""A starting spec from a user's data file (``resilience-jax init``): the columns listed, the entity,
time and region columns guessed, roles proposed, every guess marked ``REVIEW`` in the written TOML,
so that a user edits a spec rather than writing one.

The guesses:

- time: a column named like a period (``year``, ``yr``, ``年份``, ``time``, ``period``, ...), else
  the first integer column whose values all lie in 1800-2200;
- entity: a text column that, with the time column, identifies the rows (no duplicate pairs),
  preferring a name like ``province``, ``state``, ``city``, ``firm``, ``省份``, ``地区``, ``id``;
- region: another text column constant within each entity, with fewer values than entities
  (preferring a name like ``region``, ``区域``); without one, every entity is put in one region
  ``All`` (and no regional table is written);
- roles: of the numeric columns, the last three become the regressor, the mediator and a control
  of the models, the others the indicators of the index (all in one dimension, direction ``+``).
  The roles are placeholders: the written spec says so next to each one.

Column headers that are not plain names (spaces, brackets, a leading digit) get a plain name, the
header kept as an alias, so the data file is read as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, OutputError

_TIME = re.compile(r"^(year|yr|years|年份|年度|年|time|period|date|quarter|month|t)$", re.I)
_ENTITY = re.compile(r"(province|state|city|county|country|firm|company|entity|region_?id|^id$|name|code|省|市|县|地区|企业|公司)", re.I)
_REGION = re.compile(r"(region|area|zone|区域|地区划分|片区|大区)", re.I)
_PLAIN = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff]*$")


def _plain(name: str, taken: set[str]) -> str:
    """A plain variable name for a header (letters, digits, underscores; not starting with a digit)."""
    base = re.sub(r"\W+", "_", str(name)).strip("_") or "col"
    if not _PLAIN.match(base):
        base = f"v_{base}"
    out, i = base, 2
    while out in taken:
        out, i = f"{base}_{i}", i + 1
    taken.add(out)
    return out


def guess_columns(df: pd.DataFrame) -> dict:
    """The entity, time and region columns of a raw table, and its numeric columns.

    Parameters
    ----------
    df : pandas.DataFrame
        The raw table (headers as in the file).

    Returns
    -------
    dict
        ``entity``, ``time``, ``region`` (a column name or None) and ``numeric`` (the other
        numeric columns, in file order).

    Raises
    ------
    DataError
        No time column or no entity column can be found (the message lists the columns).

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"省份": ["A", "A", "B", "B", "C", "C"], "年份": [2020, 2021] * 3,
    ...                    "区域": ["East", "East", "East", "East", "West", "West"], "x": [1.0, 2, 3, 4, 5, 6],
    ...                    "y": [2.0, 1, 0, 3, 1, 1]})
    >>> g = guess_columns(df)
    >>> g["entity"], g["time"], g["region"], g["numeric"]
    ('省份', '年份', '区域', ['x', 'y'])
    """
    cols = list(df.columns)
    numeric = [c for c in cols if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])]
    text = [c for c in cols if c not in numeric]

    def yearlike(c):
        v = df[c].dropna()
        return len(v) > 0 and pd.api.types.is_numeric_dtype(v) and bool(((v == np.round(v)) & (v >= 1800) & (v <= 2200)).all())

    time = next((c for c in cols if _TIME.match(str(c).strip())), None) or next((c for c in numeric if yearlike(c)), None)
    if time is None:
        raise DataError(f"no time column found (a column named year, yr, 年份, period, ... or of whole years); columns: "
                        f"{cols}. Name it so, or write the spec by hand (see models/paper.toml)")
    candidates = [c for c in text + [c for c in numeric if c != time]
                  if c != time and df[c].notna().all() and not df.duplicated([c, time]).any() and df[c].nunique() > 1]
    if not candidates:
        raise DataError(f"no entity column found: no column identifies the rows together with {time!r}; columns: {cols}")
    candidates.sort(key=lambda c: (not _ENTITY.search(str(c)), c in numeric, -df[c].nunique()))
    entity = candidates[0]
    G = df[entity].nunique()
    regions = [c for c in text if c not in (entity, time) and df[c].notna().all()
               and 1 < df[c].nunique() < G and (df.groupby(entity)[c].nunique() == 1).all()]
    regions.sort(key=lambda c: (not _REGION.search(str(c)), df[c].nunique()))
    region = regions[0] if regions else None
    return {"entity": entity, "time": time, "region": region,
            "numeric": [c for c in numeric if c not in (entity, time, region)]}


def _q(text) -> str:
    """A TOML basic string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_starting_spec(df: pd.DataFrame, out: str | Path, *, source: str = "the data") -> list[Path]:
    """Write ``index.toml`` and ``study.toml`` for ``df`` under ``out`` (see the module doc).

    Parameters
    ----------
    df : pandas.DataFrame
        The user's raw table.
    out : str or pathlib.Path
        The folder of the two files (created if missing; existing spec files are never replaced).
    source : str, optional
        The data's name, quoted in the files' header.

    Returns
    -------
    list of pathlib.Path
        The two files written.

    Raises
    ------
    DataError
        No entity or time column, or fewer than 5 numeric columns (2 indicators and 3 variables).
    OutputError
        ``out`` already holds an ``index.toml`` or ``study.toml``.

    Example
    -------
    >>> import tempfile
    >>> import numpy as np, pandas as pd
    >>> import resilience_jax as rj
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"city": np.repeat(["a", "b", "c"], 4), "year": np.tile([2001, 2002, 2003, 2004], 3),
    ...                    **{f"x{i}": rng.uniform(1, 2, 12) for i in range(6)}})
    >>> paths = write_starting_spec(df, tempfile.mkdtemp())
    >>> spec = rj.load_spec(paths[1])
    >>> spec.entity, spec.time, spec.index.columns, spec.mediation.regressor, spec.mediation.mediator
    ('city', 'year', ('x0', 'x1', 'x2'), 'x3', 'x4')
    """
    g = guess_columns(df)
    num = g["numeric"]
    if len(num) < 5:
        raise DataError(f"{source}: init needs at least 5 numeric columns (2 or more indicators, a regressor, a mediator and "
                        f"a control); found {len(num)}: {num}")
    out = Path(out)
    files = [out / "index.toml", out / "study.toml"]
    clash = [str(p) for p in files if p.exists()]
    if clash:
        raise OutputError(f"{', '.join(clash)} already exist(s); init never replaces a spec: choose another --out")
    taken = {"region"}
    names = {c: _plain(c, taken) for c in num}
    *indicators, regressor, mediator, control = num
    entities = list(pd.unique(df[g["entity"]].astype(str).str.strip()))

    def alias(c):
        return f"\naliases = [{_q(c)}]" if names[c] != c else ""

    ind = [f"# Index spec written by `resilience-jax init` from {source}. Edit it: every line marked REVIEW is a guess.",
           "# The fields are documented in the package's models/index.toml (`resilience-jax init` without --data copies it).", "",
           "[index]", 'symbol = "INDEX"                 # REVIEW: the index symbol used in tables',
           'label_en = "Composite index"', 'method = "entropy"', 'panel_mode = "pooled"',
           'normalisation = "minmax"          # or "goalposts" with goalposts = [lo, hi] per indicator (see docs/intervals.md)',
           'transform = "none"                # or "log" (strictly positive indicators)', "",
           "[[dimensions]]                    # REVIEW: group the indicators into dimensions (each gets a sub-index)",
           'key = "all"', 'symbol = "INDEX_ALL"', 'label_en = "All indicators"', ""]
    for c in indicators:
        ind += ["[[indicators]]", f"column = {_q(names[c])}{alias(c)}", 'dimension = "all"',
                'direction = "+"                   # REVIEW: "+" if more is better, "-" if less is', ""]
    ids = {}
    for key in ("entity", "time", "region"):  # id columns with a plain name; a header that is not one becomes an alias
        header = g[key]
        ids[key] = header if header is None or _PLAIN.match(str(header)) else _plain(header, taken)
    ent, tim = ids["entity"], ids["time"]
    region = ids["region"] or "region"
    id_aliases = [f"{key}_aliases = [{_q(g[key])}]" for key in ("entity", "time", "region")
                  if g[key] is not None and ids[key] != g[key]]
    st = [f"# Study spec written by `resilience-jax init` from {source}. Edit it: every line marked REVIEW is a guess.",
          "# The fields: the package's models/paper.toml (`resilience-jax init` without --data copies it).",
          f"# Numeric columns found: {', '.join(map(str, num))}", "",
          "[study]", f"title = {_q('Study of ' + source)}", 'index = "index.toml"',
          f"entity = {_q(ent)}                # REVIEW: the entity column", f"time = {_q(tim)}                # REVIEW: the period column",
          f"region = {_q(region)}" + ("                # REVIEW: the region column" if g["region"] else
                                      "                # no region column found: every entity in region All"),
          *id_aliases, ""]
    for c in (regressor, mediator, control):
        st += [f"[variables.{names[c]}]", f"label_en = {_q(c)}" + alias(c), ""]
    st += ["[regions]                          # REVIEW: regions of the heterogeneity table"]
    if g["region"]:
        by = df.assign(_e=df[g["entity"]].astype(str).str.strip()).groupby(g["region"], sort=True)["_e"]
        for r, ents in by:
            st.append(f"{_q(r)} = [{', '.join(_q(e) for e in pd.unique(ents))}]")
    else:
        st.append(f"All = [{', '.join(_q(e) for e in entities)}]")
    out_sym = "INDEX"
    st += ["", "[baseline]", f'outcomes = ["{out_sym}", "INDEX_ALL"]',
           f"regressor = {_q(names[regressor])}        # REVIEW: the regressor of interest",
           f"controls = [{_q(names[control])}]       # REVIEW: controls, in the order of the stepwise columns",
           f"fixed_effects = [{_q(ent)}]", f"vcov = {{ CRV1 = {_q(ent)} }}", ""]
    if g["region"]:
        groups = sorted(pd.unique(df[g["region"]].astype(str)))
        st += ["[heterogeneity]", f'outcomes = ["{out_sym}"]', f"groups = [{', '.join(_q(r) for r in groups)}]", ""]
    st += ["[mediation]", f'outcomes = ["{out_sym}"]', f"regressor = {_q(names[regressor])}",
           f"mediator = {_q(names[mediator])}        # REVIEW: the mediator", f"controls = [{_q(names[control])}]", "",
           "[[mediation.variants]]", 'name = "fe"', f"label_en = {_q(ent + ' fixed effects')}",
           f"fixed_effects = [{_q(ent)}]", f"vcov = {{ CRV1 = {_q(ent)} }}", "",
           "# Optional: [[robustness]] variants (regressor = ..., winsorize = [0.01, 0.99], lag = \"outcome\" or \"regressor\")",
           "# and [paper_estimates] (published numbers to set beside this run's); see models/paper.toml."]
    out.mkdir(parents=True, exist_ok=True)
    files[0].write_text("\n".join(ind) + "\n", encoding="utf-8")
    files[1].write_text("\n".join(st) + "\n", encoding="utf-8")
    return files
