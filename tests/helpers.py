"""Independent plain-NumPy references shared by the tests (written from docs/method.md, section 2, not from the package)."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np


def numpy_entropy(X, directions, shift=0.0, bounds=None):
    """Entropy weight method, eqs. 4-9, with 0 ln 0 = 0: returns (weights, entropy, index, normalised).
    ``bounds`` (lo, hi): fixed normalisation bounds (goalposts), values beyond them capped."""
    X = np.asarray(X, dtype=float)
    d = np.asarray(directions)
    if bounds is None:
        mn, mx = X.min(axis=0), X.max(axis=0)
    else:
        mn, mx = (np.asarray(b, dtype=float) for b in bounds)
        X = np.minimum(np.maximum(X, mn), mx)
    Z = np.where(d > 0, (X - mn) / (mx - mn), (mx - X) / (mx - mn)) + shift
    P = Z / Z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = -plogp.sum(axis=0) / np.log(X.shape[0])
    w = (1 - e) / (1 - e).sum()
    return w, e, (Z - shift) @ w, Z - shift


def numpy_entropy_by_mode(X, directions, period, mode):
    """Entropy index in a panel mode, plain NumPy from docs/method.md, section 2: ``per_year`` normalises
    and weights each period's cross-section; ``global`` normalises over all rows and averages the
    periods' entropies. Returns (weights (m,), or (T, m) per_year; index (n,))."""
    X, d, period = np.asarray(X, float), np.asarray(directions), np.asarray(period)
    periods = np.unique(period)

    def norm(Z, lo, hi):
        return np.where(d > 0, (Z - lo) / (hi - lo), (hi - Z) / (hi - lo))

    def entropy(Z):
        P = Z / Z.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            plogp = np.where(P > 0, P * np.log(P), 0.0)
        return -plogp.sum(axis=0) / np.log(Z.shape[0])

    if mode == "per_year":
        W, index = [], np.empty(len(X))
        for t in periods:
            rows = period == t
            Z = norm(X[rows], X[rows].min(axis=0), X[rows].max(axis=0))
            e = entropy(Z)
            w = (1 - e) / (1 - e).sum()
            W.append(w)
            index[rows] = Z @ w
        return np.array(W), index
    Z = norm(X, X.min(axis=0), X.max(axis=0))
    e = np.mean([entropy(Z[period == t]) for t in periods], axis=0)
    w = (1 - e) / (1 - e).sum()
    return w, Z @ w


def run_script(script: str, out, timeout: int = 600, **env) -> np.lib.npyio.NpzFile:
    """Run ``script`` (which saves its arrays to ``sys.argv[1]``) in a fresh Python process with
    extra environment variables (set before JAX starts), and load what it saved."""
    import os
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", script, str(out)], env=dict(os.environ, **env), check=True, timeout=timeout)
    return np.load(out)


# --------------------------------------------------------------------------- LaTeX (tests/test_latex.py)
PDFLATEX, XELATEX = shutil.which("pdflatex"), shutil.which("xelatex")
HEAD = r"""\documentclass{article}
\usepackage{booktabs}
\usepackage{graphicx}
\usepackage[T1]{fontenc}
"""
# Chinese tables: xelatex with xeCJK and the package's own CJK font (resilience_jax/fonts)
HEAD_ZH = r"""\documentclass{article}
\usepackage{booktabs}
\usepackage{graphicx}
\usepackage{xeCJK}
\setCJKmainfont[Path=%s/]{ResilienceCJKSans-GB2312.otf}
"""


def compile_tex(texs, tmp_path, engine=None, head=HEAD):
    """One document that inputs every table of ``texs`` (a page each), through ``engine``:
    (ok, widest overfull box in pt, characters missing from the fonts, first error)."""
    doc = tmp_path / "doc.tex"
    body = "\n\\clearpage\n".join(f"\\input{{{t.as_posix()}}}" for t in texs)
    doc.write_text(head + "\\begin{document}\n" + body + "\n\\end{document}\n", encoding="utf-8")
    # TeX's font caches (mktexpk, fontconfig) in the work folder, not in $HOME (.ci/run checks it stays empty)
    env = {**os.environ, "TEXMFVAR": str(tmp_path / "texmf-var"), "TEXMFCONFIG": str(tmp_path / "texmf-config"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    run = subprocess.run([engine or PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env=env)
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    over = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide", log)]
    missing = re.findall(r"Missing character: There is no (.) in font", log)
    errors = re.findall(r"^! .*$", log, flags=re.M)
    return run.returncode == 0, max(over, default=0.0), missing, errors[:1]


def has_xecjk():
    """xelatex with the xeCJK package (texlive-xetex, texlive-lang-chinese)."""
    if XELATEX is None:
        return False
    found = subprocess.run(["kpsewhich", "xeCJK.sty"], capture_output=True, text=True)
    return found.returncode == 0 and found.stdout.strip() != ""


def check_tables_compile(folder, lang="en"):
    """Compile every .tex table of ``folder`` (pdflatex; xelatex with xeCJK for ``lang="zh"``) in a
    folder of its own and assert it compiles, fits the text and misses no character. Where the
    engine is not installed nothing is compiled (tests/test_latex.py reports that skip)."""
    texs = sorted(Path(folder).glob("*.tex"))
    if not texs:
        return
    tmp_path = Path(tempfile.mkdtemp(prefix="latex-"))
    if lang == "zh":
        if not has_xecjk():
            return
        from resilience_jax.report.fonts import FONT

        ok, over, missing, err = compile_tex(texs, tmp_path, XELATEX, HEAD_ZH % FONT.parent.as_posix())
    else:
        if PDFLATEX is None:
            return
        ok, over, missing, err = compile_tex(texs, tmp_path)
    assert ok, (folder, err)
    assert missing == [] and over <= 1.0, (folder, sorted(set(missing)), over)
    shutil.rmtree(tmp_path, ignore_errors=True)


def table_notes(folder, stem):
    """A written table's note in each of its formats, unescaped: the Markdown's last line (after
    its 'Note: ' prefix), the CSV sidecar's last line, the LaTeX footnote."""
    folder = Path(folder)
    out = {}
    md = folder / f"{stem}.md"
    if md.exists():
        line = md.read_text(encoding="utf-8-sig").rstrip("\n").splitlines()[-1]
        out["md"] = line.removeprefix("Note: ").replace("\\*", "*").replace("\\|", "|")
    side = folder / f"{stem}.note.txt"
    if side.exists():
        out["sidecar"] = side.read_text(encoding="utf-8-sig").rstrip("\n").splitlines()[-1]
    tex = folder / f"{stem}.tex"
    if tex.exists():
        line = re.search(r"\\footnotesize (.*)\n", tex.read_text(encoding="utf-8")).group(1)
        for a, b in (("$<$", "<"), ("$>$", ">"), ("$|$", "|"), (r"$\rightarrow$", "->"), (r"$\geq$", ">="),
                     (r"$\leq$", "<="), ("$R^2$", "R²"), ("$^2$", "²"), (r"\_", "_"), (r"\%", "%"), (r"\&", "&"),
                     (r"\#", "#"), (r"\$", "$"), (r"\{", "{"), (r"\}", "}"), (r"\textasciitilde{}", "~"),
                     (r"\textasciicircum{}", "^"), (r"$\times$", "×"), (r"$\pm$", "±"), ("$-$", "−")):
            line = line.replace(a, b)
        out["tex"] = line
    # >= and the sign ≥ both read $\geq$ in LaTeX: compared as one
    return {k: v.replace("≥", ">=").replace("≤", "<=") for k, v in out.items()}


def assert_one_note(folder):
    """Every table of ``folder`` has the same note in every format it was written in."""
    stems = {p.name[: -len(".note.txt")] for p in Path(folder).glob("*.note.txt")}
    assert stems, folder
    for stem in stems:
        notes = table_notes(folder, stem)
        assert len(set(notes.values())) == 1, (stem, notes)
