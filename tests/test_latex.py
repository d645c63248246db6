"""Every LaTeX table compiles with a real engine (pdflatex with booktabs and graphicx, Debian's
texlive-latex-base and texlive-latex-recommended; the Chinese tables with xelatex, xeCJK and the
package's CJK font, texlive-xetex and texlive-lang-chinese; .ci/run installs them, elsewhere the
tests are skipped saying so), with the characters that broke or misprinted (< > | -> R² { } ~ ^) written as
LaTeX, and no table wider than the text (wide tables are scaled to fit)."""

import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj
from resilience_jax.report.paper_tables import write_paper_tables
from helpers import HEAD_ZH, PDFLATEX, XELATEX, compile_tex, has_xecjk
from resilience_jax.report.tables import write_table

needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="no pdflatex: install texlive-latex-base and "
                                                             "texlive-latex-recommended (.ci/run does) to compile the tables")


@needs_pdflatex
def test_paper_tables_compile_and_fit(tmp_path):
    written = write_paper_tables(rj.run_suite(rj.load_panel()), tmp_path / "t")
    texs = [p for paths in written.values() for p in paths if p.suffix == ".tex"]
    assert len(texs) == 12  # Tables 2-11, the weights and the comparison with the published estimates
    ok, over, missing, err = compile_tex(texs, tmp_path)
    assert ok, err
    assert "Output written on doc.pdf (12 pages" in (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert over <= 1.0, f"a table is {over}pt wider than the text"


@pytest.mark.skipif(not has_xecjk(), reason="no xelatex with xeCJK: install texlive-xetex and texlive-lang-chinese "
                                             "(.ci/run does) to compile the Chinese tables")
def test_chinese_tables_compile_with_xecjk(tmp_path):
    from resilience_jax.report.fonts import FONT

    written = write_paper_tables(rj.run_suite(rj.load_panel()), tmp_path / "t", lang="zh")
    texs = [p for paths in written.values() for p in paths if p.suffix == ".tex"]
    assert len(texs) == 12 and any("表3" in t.read_text(encoding="utf-8") for t in texs)
    ok, over, missing, err = compile_tex(texs, tmp_path, XELATEX, HEAD_ZH % FONT.parent.as_posix())
    assert "Output written on doc.pdf (12 pages" in (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert ok, err
    assert missing == [], f"characters missing from the fonts: {sorted(set(missing))}"
    assert over <= 1.0, f"a table is {over}pt wider than the text"


@needs_pdflatex
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
    ok, over, missing, err = compile_tex([tex], tmp_path)
    assert ok, err
    assert over <= 1.0, f"{over}pt wider than the text"
