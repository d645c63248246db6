"""Read a user's panel file (CSV, Excel, Parquet, Stata) into a raw pandas DataFrame.

Nothing is validated here; :func:`resilience_jax.data.validate.validate_panel` does that.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError

READERS = {
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xls": "excel",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".dta": "stata",
}


def read_table(path: str | Path) -> pd.DataFrame:
    """Read ``path`` by its suffix: .csv (or .txt), .xlsx/.xls, .parquet/.pq or .dta.

    CSV files are read as UTF-8 (a byte-order mark is skipped). Nothing is validated here; pass the
    result to :func:`~resilience_jax.data.validate.validate_panel`.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to read; its suffix (case-insensitive) chooses the reader.

    Returns
    -------
    pandas.DataFrame
        The raw table, headers as in the file.

    Raises
    ------
    DataError
        If the file does not exist, the suffix is not supported, or the reader fails (the message
        carries the reader's own explanation).

    Example
    -------
    >>> import pathlib
    >>> import tempfile
    >>> import resilience_jax as rj
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "panel.csv"
    ...     rj.datasets.paper_panel().head(28).to_csv(path, index=False)
    ...     rj.read_table(path).shape
    (28, 26)
    >>> rj.read_table("no_such_file.csv")
    Traceback (most recent call last):
    ...
    resilience_jax.errors.DataError: no_such_file.csv: data file not found
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: data file not found")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(f"{path}: unsupported file type {path.suffix!r}; expected one of {sorted(READERS)}")
    with path.open("rb") as fh:
        head = fh.read(8)
    looks = ("Excel" if head[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0") else "Parquet" if head[:4] == b"PAR1"
             else "text (CSV)" if head and all(32 <= c < 127 or c in (9, 10, 13) or c >= 128 for c in head) else None)
    expected = {"csv": "text (CSV)", "excel": "Excel", "parquet": "Parquet"}.get(kind)
    if expected and looks and looks != expected:
        raise DataError(f"{path}: the file is named {path.suffix!r} but its content looks like {looks}; rename it to "
                        f"match its content ({'.csv' if looks.startswith('text') else '.xlsx' if looks == 'Excel' else '.parquet'})")
    try:
        if kind == "csv":
            return pd.read_csv(path, encoding="utf-8-sig")
        if kind == "excel":
            return pd.read_excel(path)
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_stata(path)
    except Exception as exc:  # reader errors come in many classes; give the user the reason
        raise DataError(f"{path}: could not read as {kind}: {type(exc).__name__}: {exc}") from None
