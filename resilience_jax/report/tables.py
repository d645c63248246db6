"""Render DataFrames as Markdown and LaTeX and write table files (CSV, Markdown, LaTeX)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def _cell(value, floatfmt: str) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else format(value, floatfmt)
    return "" if value is None else str(value)


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("*", "\\*")


def to_markdown(df: pd.DataFrame, *, floatfmt: str = ".3f", index: bool = True, note: str | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``note`` goes below it in italics."""
    header = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    rows = []
    for idx, row in df.iterrows():
        cells = [_cell(v, floatfmt) for v in row.tolist()]
        rows.append(([str(idx)] if index else []) + cells)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    if note:
        lines += ["", "Note: " + _md_escape(note)]
    return "\n".join(lines) + "\n"


def _tex_escape(s: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"), ("#", r"\#"), ("$", r"\$")):
        s = s.replace(a, b)
    return s


def to_latex(df: pd.DataFrame, *, floatfmt: str = ".3f", index: bool = True, note: str | None = None, caption: str | None = None) -> str:
    """A booktabs LaTeX table (tabular inside a table environment), with ``note`` under the rule."""
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
        r"\begin{tabular}{l" + "c" * (ncol - 1) + "}",
        r"\toprule",
        " & ".join(_tex_escape(h) for h in header) + r" \\",
        r"\midrule",
        *body,
        r"\bottomrule",
        r"\end{tabular}",
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
) -> list[Path]:
    """Write ``df`` as ``stem.csv`` / ``stem.md`` / ``stem.tex`` under ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out / f"{stem}.{fmt}"
        if fmt == "csv":
            df.to_csv(path, encoding="utf-8")
        elif fmt == "md":
            head = f"**{caption}**\n\n" if caption else ""
            path.write_text(head + to_markdown(df, floatfmt=floatfmt, note=note), encoding="utf-8")
        elif fmt == "tex":
            path.write_text(to_latex(df, floatfmt=floatfmt, note=note, caption=caption), encoding="utf-8")
        else:
            raise ValueError(f"unknown table format {fmt!r}; expected csv, md or tex")
        paths.append(path)
    return paths
