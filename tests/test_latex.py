"""Every LaTeX table compiles with a real engine (pdflatex with booktabs and graphicx, Debian's
texlive-latex-base and texlive-latex-recommended; .ci/run installs them, elsewhere the test is
skipped saying so), with the characters that broke or misprinted (< > | -> R² { } ~ ^) written as
LaTeX, and no table wider than the text (wide tables are scaled to fit)."""

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj
from resilience_jax.report.paper_tables import write_paper_tables
from resilience_jax.report.tables import write_table

PDFLATEX = shutil.which("pdflatex")
pytestmark = pytest.mark.skipif(PDFLATEX is None, reason="no pdflatex: install texlive-latex-base and "
                                                          "texlive-latex-recommended (.ci/run does) to compile the tables")
WRAP = r"""\documentclass{article}
\usepackage{booktabs}
\usepackage{graphicx}
\usepackage[T1]{fontenc}
\begin{document}
\input{%s}
\end{document}
"""


def compile_tex(tex, tmp_path):
    """pdflatex on a document that inputs ``tex``: (ok, widest overfull box in pt, first error)."""
    doc = tmp_path / f"doc_{tex.stem}.tex"
    doc.write_text(WRAP % tex.as_posix(), encoding="utf-8")
    run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = (tmp_path / f"{doc.stem}.log").read_text(encoding="latin-1")
    over = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    errors = re.findall(r"^! .*$", log, flags=re.M)
    return run.returncode == 0, max(over, default=0.0), errors[:1]


def test_paper_tables_compile_and_fit(tmp_path):
    written = write_paper_tables(rj.run_suite(rj.load_panel()), tmp_path / "t")
    texs = [p for paths in written.values() for p in paths if p.suffix == ".tex"]
    assert len(texs) == 11
    for tex in texs:
        ok, over, err = compile_tex(tex, tmp_path)
        assert ok, (tex.name, err)
        assert over <= 1.0, (tex.name, f"{over}pt wider than the text")


def test_special_characters_and_wide_tables(tmp_path):
    """The characters of the bootstrap, wild and posterior tables' headers and notes (|t*| >= |t|,
    a -> b, p < 0.05, R², 95% [lo, hi], a_b, x^2, ~, {}), in a table of 20 columns."""
    cols = {f"bca_lower_{i}": np.linspace(0, 1, 3) for i in range(19)}
    df = pd.DataFrame({"effect": ["a (X -> M)", "b (M -> Y | X)", "R² & N"], **cols}).set_index("effect")
    note = ("p = share of draws with |t*| >= |t|, '< 1/B' where none is; p < 0.05; R² 0.9; 95% [lo, hi]; "
            "a_b, x^2, ~tilde, {braces}, #1, $5, back\\slash")
    (tex,) = [p for p in write_table(df, tmp_path, "wide", formats=("tex",), note=note, caption="a -> b, R²")]
    text = tex.read_text(encoding="utf-8")
    assert r"$\rightarrow$" in text and "$<$" in text and r"$|$" in text and "$R^2$" in text
    ok, over, err = compile_tex(tex, tmp_path)
    assert ok, err
    assert over <= 1.0, f"{over}pt wider than the text"
