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


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read ``path`` by its suffix: .csv (or .txt), .xlsx/.xls, .parquet/.pq or .dta.

    CSV files are read as UTF-8 (a byte-order mark is skipped) or, when they are not valid UTF-8, as
    GB18030 (the superset of GBK and GB2312 in which Excel on Chinese Windows saves CSV), with a
    :class:`~resilience_jax.errors.NumberFormatWarning` saying so; ``encoding`` names another.
    Nothing is validated here; pass the result to
    :func:`~resilience_jax.data.validate.validate_panel`.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to read; its suffix (case-insensitive) chooses the reader.
    encoding : str, optional
        The text encoding of a CSV file (e.g. ``"gbk"``, ``"big5"``, ``"latin-1"``); default: UTF-8,
        else GB18030.

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
    if kind == "csv":
        return _read_csv(path, encoding)
    try:
        if kind == "excel":
            return pd.read_excel(path)
        if kind == "parquet":
            return pd.read_parquet(path)
        return pd.read_stata(path)
    except Exception as exc:  # reader errors come in many classes; give the user the reason
        raise DataError(f"{path}: could not read as {kind}: {type(exc).__name__}: {exc}") from None


def _read_csv(path: Path, encoding: str | None) -> pd.DataFrame:
    """A CSV in ``encoding``, or UTF-8 then GB18030; a DataError naming the encodings tried."""
    import codecs
    import warnings

    from ..errors import NumberFormatWarning

    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(f"unknown encoding {encoding!r} (e.g. utf-8, gbk, gb18030, big5, latin-1)") from None
    tried = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    for enc in tried:
        try:
            df = pd.read_csv(path, encoding=enc)
        except UnicodeDecodeError as exc:
            where = f"byte {exc.start}"
            continue
        except Exception as exc:  # noqa: BLE001  (reader errors come in many classes)
            raise DataError(f"{path}: could not read as csv: {type(exc).__name__}: {exc}") from None
        if enc == "gb18030":
            warnings.warn(f"{path}: not UTF-8; read as GB18030 (GBK), the encoding of Excel's CSV on Chinese Windows. "
                          "Pass the encoding (--encoding) if that is wrong.", NumberFormatWarning, stacklevel=4)
        return df
    names = " or ".join("UTF-8" if e == "utf-8-sig" else e.upper() for e in tried)
    raise DataError(f"{path}: the file is not valid {names} text (first bad {where}); save it as UTF-8 CSV, or name its "
                    "encoding (--encoding, e.g. gbk, big5, latin-1)")
