"""Render DataFrames as Markdown and LaTeX and write table files (CSV, Markdown, LaTeX)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

_NEGATIVE_ZERO = re.compile(r"(?<![\d.])-(0(?:\.0+)?)(?![\d.]*[1-9])(?=\D|$)")


def no_negative_zero(text: str) -> str:
    """``text`` without the minus sign of a number that rounds to zero (``-0.000`` -> ``0.000``,
    also inside a cell such as ``-0.000***`` or ``(-0.00, 1.2)``).

    Example
    -------
    >>> no_negative_zero("-0.000***"), no_negative_zero("[-0.00, -0.01]"), no_negative_zero("-0.5")
    ('0.000***', '[0.00, -0.01]', '-0.5')
    """
    return _NEGATIVE_ZERO.sub(r"\1", text)


def rename_headers(table: pd.DataFrame, names: dict) -> pd.DataFrame:
    """``table`` with its column headers and its index's name renamed by ``names`` (those it does
    not name kept): how a table's headers are put into another language.

    Example
    -------
    >>> t = pd.DataFrame({"coef": [1.0]}, index=pd.Index(["x"], name="term"))
    >>> r = rename_headers(t, {"coef": "系数", "term": "变量"})
    >>> r.index.name, list(r.columns)
    ('变量', ['系数'])
    """
    return table.rename(columns=names).rename_axis(names.get(table.index.name, table.index.name))


def se_words(vcov, lang: str = "en", labels: dict[str, str] | None = None) -> str:
    """A table's standard errors and the t reference of its p-values and intervals, in words: the
    one wording of every note (t(G-1) for CRV1, t(N-K) for iid and HC1, as the estimates use).

    Parameters
    ----------
    vcov : Vcov
        The variance estimator (``iid``, ``HC1`` or ``CRV1`` by a cluster).
    lang : {"en", "zh"}
        Language.
    labels : dict of str to str, optional
        Name printed for the cluster column in Chinese (e.g. ``province`` -> ``省份``).

    Example
    -------
    >>> from resilience_jax.data.spec import Vcov
    >>> se_words(Vcov("iid")), se_words(Vcov("CRV1", "province"), "zh", {"province": "省份"})
    ('iid standard errors (t(N-K))', '按省份聚类的稳健标准误（CRV1，t(G-1)分布）')
    """
    if lang == "zh":
        cluster = (labels or {}).get(vcov.cluster, vcov.cluster)
        return {"iid": "同方差标准误（t(N-K)分布）", "HC1": "异方差稳健标准误（HC1，t(N-K)分布）"}.get(
            vcov.kind, f"按{cluster}聚类的稳健标准误（CRV1，t(G-1)分布）")
    return {"iid": "iid standard errors (t(N-K))", "HC1": "heteroskedasticity-robust (HC1) standard errors (t(N-K))"}.get(
        vcov.kind, f"standard errors clustered by {vcov.cluster} (CRV1, small-sample factor G/(G-1)(N-1)/(N-K), t(G-1))")


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else no_negative_zero(format(value, floatfmt))
    return "" if value is None else no_negative_zero(str(value))


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("*", "\\*")


def to_markdown(df: pd.DataFrame, *, floatfmt: str = ".3f", index: bool = True, note: str | None = None,
                lang: str = "en") -> str:
    r"""A GitHub-flavoured Markdown table; ``note`` goes below it (after a blank line, as ``Note: ...``,
    or ``注：...`` for ``lang="zh"``; a note that starts with ``注`` gets no prefix).

    Floats are written with ``floatfmt``, NaN and None as empty cells; ``|`` and ``*`` in the cells
    and the note are escaped.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to render.
    floatfmt : str
        Format specification of the float cells.
    index : bool
        Write the index as the first column (its name heads it).
    note : str, optional
        Text written below the table, after ``Note:`` (``注：`` for ``lang="zh"``; nothing when the
        note starts with ``注``).
    lang : {"en", "zh"}
        Language of the note's prefix.

    Returns
    -------
    str
        The Markdown table, ending with a newline.

    Example
    -------
    >>> import numpy as np
    >>> import pandas as pd
    >>> df = pd.DataFrame({"coef": [0.1234, np.nan], "stars": ["**", ""]},
    ...                   index=pd.Index(["LnAI", "Open"], name="term"))
    >>> print(to_markdown(df, note="p < 0.05"))
    | term | coef | stars |
    |---|---|---|
    | LnAI | 0.123 | \*\* |
    | Open |  |  |
    <BLANKLINE>
    Note: p < 0.05
    >>> to_markdown(df, note="注：括号内为标准误", lang="zh").splitlines()[-1]
    '注：括号内为标准误'
    """
    header = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    rows = []
    for idx, row in df.iterrows():
        cells = [_cell(v, floatfmt) for v in row.tolist()]
        rows.append(([str(idx)] if index else []) + cells)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    if note:
        prefix = "" if note.startswith("注") else "注：" if lang == "zh" else "Note: "
        lines += ["", prefix + _md_escape(note)]
    return "\n".join(lines) + "\n"


_TEX = str.maketrans({"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "_": r"\_", "#": r"\#", "$": r"\$",
                      "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                      "<": r"$<$", ">": r"$>$", "|": r"$|$", "²": r"$^2$", "≤": r"$\leq$", "≥": r"$\geq$",
                      "±": r"$\pm$", "×": r"$\times$", "−": r"$-$"})


def _tex_escape(s: str) -> str:
    """Text for LaTeX: its special characters escaped, and the symbols that text fonts misprint
    (< > | in OT1, R², arrows, <=, >=) set in math."""
    s = s.replace("->", "\x00").replace(">=", "\x01").replace("<=", "\x02").replace("R²", "\x03")
    s = s.translate(_TEX)
    return s.replace("\x00", r"$\rightarrow$").replace("\x01", r"$\geq$").replace("\x02", r"$\leq$").replace("\x03", "$R^2$")


def to_latex(df: pd.DataFrame, *, floatfmt: str = ".3f", index: bool = True, note: str | None = None, caption: str | None = None) -> str:
    r"""A booktabs LaTeX table (tabular inside a table environment), with ``note`` under the rule.

    Floats are written with ``floatfmt``, NaN and None as empty cells; LaTeX's special characters
    (``\ & % _ # $ { } ~ ^``) in the cells, the caption and the note are escaped, and ``<``, ``>``,
    ``|``, ``->``, ``>=``, ``<=`` and ``R²`` are set in math. A table wider than the text is scaled
    to fit it (``\resizebox``; narrower ones keep their size).

    Parameters
    ----------
    df : pandas.DataFrame
        The table to render.
    floatfmt : str
        Format specification of the float cells.
    index : bool
        Write the index as the first column (its name heads it).
    note : str, optional
        Text set in ``\footnotesize`` below the bottom rule.
    caption : str, optional
        The table's ``\caption``.

    Returns
    -------
    str
        The LaTeX ``table`` environment, ending with a newline (needs ``\usepackage{booktabs}`` and
        ``\usepackage{graphicx}``).

    Example
    -------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"coef": [0.1234]}, index=pd.Index(["LnAI"], name="term"))
    >>> print(to_latex(df, caption="R&D", note="5% level"))
    \begin{table}[htbp]
    \centering
    \caption{R\&D}
    \resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%
    \begin{tabular}{lc}
    \toprule
    term & coef \\
    \midrule
    LnAI & 0.123 \\
    \bottomrule
    \end{tabular}}
    \par\footnotesize 5\% level
    \end{table}
    <BLANKLINE>
    """
    header = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    body = []
    for idx, row in df.iterrows():
        cells = ([str(idx)] if index else []) + [_cell(v, floatfmt) for v in row.tolist()]
        body.append(" & ".join(_tex_escape(c) for c in cells) + r" \\")
    ncol = len(header)
    lines = [r"\begin{table}[htbp]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{_tex_escape(caption)}}}")
    lines += [
        r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",  # wider than the text: scaled to fit
        r"\begin{tabular}{l" + "c" * (ncol - 1) + "}",
        r"\toprule",
        " & ".join(_tex_escape(h) for h in header) + r" \\",
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}}",
    ]
    if note:
        lines.append(rf"\par\footnotesize {_tex_escape(note)}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def write_table(
    df: pd.DataFrame,
    out_dir: str | Path,
    stem: str,
    *,
    formats: tuple[str, ...] = ("csv", "md"),
    floatfmt: str = ".3f",
    note: str | None = None,
    caption: str | None = None,
    bom: bool | None = None,
    lang: str = "en",
) -> list[Path]:
    """Write ``df`` as ``stem.csv`` / ``stem.md`` / ``stem.tex`` under ``out_dir``; return the paths.

    The CSV holds the full-precision values (UTF-8; with ``bom`` a byte-order mark first, which
    Excel on Chinese Windows needs to read UTF-8), and its caption and note go to a sidecar
    ``stem.note.txt`` (a CSV stays a plain table); the Markdown file is :func:`to_markdown` with
    ``caption`` in bold above it; the LaTeX file is :func:`to_latex`. A number that rounds to zero
    is never printed with a minus sign.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to write.
    out_dir : str or pathlib.Path
        Folder of the files; created (with its parents) if missing.
    stem : str
        File name without the extension.
    formats : tuple of str
        Any of ``"csv"``, ``"md"`` and ``"tex"``, written in this order.
    floatfmt : str
        Format specification of the float cells (Markdown and LaTeX).
    note : str, optional
        Note below the table (Markdown and LaTeX).
    caption : str, optional
        Caption of the table (Markdown and LaTeX; the CSV's sidecar).
    bom : bool or None, optional
        Start the CSV (and its sidecar) with a UTF-8 byte-order mark; default: for ``lang="zh"``
        (Excel on Chinese Windows reads UTF-8 only then).
    lang : {"en", "zh"}, optional
        Language of the Markdown note's prefix (:func:`to_markdown`).

    Returns
    -------
    list of pathlib.Path
        The written files in the order of ``formats``, the CSV's sidecar after the CSV.

    Raises
    ------
    ValueError
        when a format is not ``csv``, ``md`` or ``tex`` (the formats before it are already written).

    Example
    -------
    >>> import tempfile
    >>> import pandas as pd
    >>> df = pd.DataFrame({"coef": [0.1234]}, index=pd.Index(["LnAI"], name="term"))
    >>> out = tempfile.mkdtemp()
    >>> paths = write_table(df, out, "table1", formats=("csv", "md", "tex"), caption="Table 1")
    >>> [p.name for p in paths]
    ['table1.csv', 'table1.note.txt', 'table1.md', 'table1.tex']
    >>> print(paths[2].read_text(encoding="utf-8"))
    **Table 1**
    <BLANKLINE>
    | term | coef |
    |---|---|
    | LnAI | 0.123 |
    <BLANKLINE>
    >>> write_table(df, out, "table1", formats=("xlsx",))
    Traceback (most recent call last):
        ...
    ValueError: unknown table format 'xlsx'; expected csv, md or tex
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt == "csv":
            enc = "utf-8-sig" if (lang == "zh" if bom is None else bom) else "utf-8"
            text = df.map(lambda v: no_negative_zero(v) if isinstance(v, str) else v)
            text.to_csv(path, encoding=enc)
            if note or caption:
                paths.append(path)
                path = out / f"{stem}.note.txt"
                path.write_text("\n".join(x for x in (caption, note) if x) + "\n", encoding=enc)
        elif fmt == "md":
            head = f"**{caption}**\n\n" if caption else ""
            path.write_text(head + to_markdown(df, floatfmt=floatfmt, note=note, lang=lang), encoding="utf-8")
        elif fmt == "tex":
            path.write_text(to_latex(df, floatfmt=floatfmt, note=note, caption=caption), encoding="utf-8")
        else:
            raise ValueError(f"unknown table format {fmt!r}; expected csv, md or tex")
        paths.append(path)
    return paths
