"""`resilience-jax sensitivity`: each study's outputs at small sizes, clean refusals of bad input
(exit 2, one line, nothing in --out), and the figure functions of report/sensitivity_report.py."""

import numpy as np
import pandas as pd
import pytest

import resilience_jax.sensitivity.api as sensitivity_api
from resilience_jax.cli import main
from resilience_jax.report import sensitivity_report as sr

STUDIES = {"weights": ["--n", "64"], "multiverse": ["--n-null", "20"], "sobol": ["--n", "32"]}
FIGURES = {"weights": ["draws", "ranks"], "multiverse": ["curve_beta", "curve_ab", "tornado_ab"],
           "sobol": ["sobol_ab", "sobol_beta", "sobol_sobel_z"]}
TABLES = {"weights": ["summary", "ranks", "leave_one_out"], "multiverse": ["summary", "anova", "null"],
          "sobol": ["summary", "sobol", "convergence"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each study run once through the command line; the SensitivityResult it computed is kept
    (a spy on the library call) for the figure tests."""
    import contextlib
    import io

    seen = {}
    real = sensitivity_api.sensitivity

    def spy(*args, **kwargs):
        res = real(*args, **kwargs)
        seen[kwargs["study"]] = res
        return res

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sensitivity_api, "sensitivity", spy)
        for study, extra in STUDIES.items():
            folder = tmp_path_factory.mktemp(study)
            with contextlib.redirect_stdout(io.StringIO()) as so, contextlib.redirect_stderr(io.StringIO()) as se:
                rc = main(["sensitivity", "--study", study, *extra, "--out", str(folder)])
            out[study] = (rc, so.getvalue(), se.getvalue(), folder)
    return out, seen


@pytest.mark.parametrize("study", list(STUDIES))
def test_each_study_writes_its_outputs(runs, study):
    (rc, stdout, err, folder), seen = runs[0][study], runs[1]
    assert rc == 0, err
    stem = f"sensitivity_{study}_REIC"
    res = seen[study]
    verdict = res.verdict()
    assert f"Verdict: {verdict}" in stdout and "Wrote: " in stdout
    assert (folder / f"{stem}_verdict.txt").read_text(encoding="utf-8").strip() == verdict
    for name in TABLES[study]:
        for ext in ("csv", "md", "tex"):
            assert (folder / f"{stem}_{name}.{ext}").stat().st_size > 0, (name, ext)
    tidy = pd.read_csv(folder / f"{stem}_table.csv")
    assert len(tidy) == len(res.table) and list(tidy.columns) == list(res.table.columns)
    for name in FIGURES[study]:
        png = folder / f"{stem}_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000, name
    written = {p.name for p in folder.iterdir()}
    assert written == {n.split("/")[-1] for n in stdout.split("Wrote: ")[1].strip().split(", ")}
    assert not any(n.startswith(".partial") for n in written)
    summary = pd.read_csv(folder / f"{stem}_summary.csv", index_col=0)
    assert summary.loc["beta", "default"] == pytest.approx(res.base["beta"], rel=1e-12)
    # the notes are true for the run, identical in every format: the study, the index, the seed,
    # the number of specifications the tidy table holds, the data's provenance
    from helpers import assert_one_note

    assert_one_note(folder)  # one note in every format: Markdown, LaTeX, the CSV's sidecar
    for name in TABLES[study]:
        side = (folder / f"{stem}_{name}.note.txt").read_text(encoding="utf-8").splitlines()
        assert f"Sensitivity study '{study}' of REIC" in side[-1] and "seed 0" in side[-1] and "SYNTHETIC" in side[-1]
    if study == "weights":
        assert f"{len(tidy)} Dirichlet weight vectors" in side[-1]
    from helpers import check_tables_compile

    check_tables_compile(folder)  # its LaTeX tables compile, where pdflatex is installed


def _weights_file(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _indicators(runs):
    return list(runs[1]["weights"].meta["weights0"])


def test_user_weight_vectors(runs, tmp_path, capsys):
    names = _indicators(runs)
    m = len(names)
    w0 = np.array(list(runs[1]["weights"].meta["weights0"].values()))
    W = pd.DataFrame([w0, np.full(m, 1 / m), np.eye(m)[0] * 0.5 + np.full(m, 0.5 / m)], columns=names)
    path = _weights_file(tmp_path, "w.csv", W[names[::-1]])  # any column order
    rc = main(["sensitivity", "--weights", str(path), "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    tidy = pd.read_csv(tmp_path / "o" / "sensitivity_weights_REIC_table.csv")
    assert len(tidy) == 3
    np.testing.assert_allclose(tidy[[f"w_{c}" for c in names]].to_numpy(), W.to_numpy(), atol=1e-12)
    assert tidy.loc[0, "beta"] == pytest.approx(runs[1]["weights"].base["beta"], rel=1e-9)
    assert "Verdict: a*b" in out


def test_bad_inputs_exit_2_and_write_nothing(runs, tmp_path, capsys):
    names = _indicators(runs)
    m = len(names)
    even = pd.DataFrame([np.full(m, 1 / m)], columns=names)
    wrong_cols = _weights_file(tmp_path, "cols.csv", even.drop(columns=names[0]).assign(nonsense=0.1))
    not_one = _weights_file(tmp_path, "sum.csv", pd.concat([even, even * 2], ignore_index=True))
    negative = _weights_file(tmp_path, "neg.csv", even.assign(**{names[0]: -1 / m, names[1]: 3 / m}))
    cases = [
        (["--study", "bootstrap"], "--study must be weights, multiverse or sobol"),
        (["--study", "sobol", "--n", "30"], "must be a power of 2"),
        (["--weights", str(wrong_cols)], f"missing ['{names[0]}']; unknown ['nonsense']"),
        (["--weights", str(not_one)], "row 2 (line 3) sums to 2, not 1"),
        (["--weights", str(negative)], "is not a finite non-negative number"),
        (["--weights", str(tmp_path / "none.csv")], "data file not found"),
        (["--study", "multiverse", "--weights", str(not_one)], "does not apply to --study multiverse"),
        (["--draws", "gamma"], "--draws must be dirichlet or uniform"),
        (["--index", "REICX"], "REICX"),
    ]
    for extra, needle in cases:
        out = tmp_path / "out"
        rc = main(["sensitivity", *extra, "--out", str(out)])
        stdout, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert rc == 2, (extra, err)
        assert lines[-1].startswith("error: ") and needle in lines[-1], (extra, err)
        assert "Traceback" not in err + stdout
        assert not out.exists(), extra  # nothing written, not even the folder


def _title(fig):
    sup = fig.get_suptitle() if hasattr(fig, "get_suptitle") else (fig._suptitle.get_text() if fig._suptitle else "")
    return sup or next((ax.get_title() for ax in fig.axes if ax.get_title()), "")


def test_figure_functions_return_titled_figures(runs):
    from matplotlib.figure import Figure

    seen = runs[1]
    figs = [sr.plot_weight_draws(seen["weights"]), sr.plot_rank_bands(seen["weights"]),
            sr.plot_specification_curve(seen["multiverse"]), sr.plot_specification_curve(seen["multiverse"], "share"),
            sr.plot_tornado(seen["multiverse"], "beta"), sr.plot_sobol(seen["sobol"], "sobel_z")]
    for fig in figs:
        assert isinstance(fig, Figure) and _title(fig)
    assert all(ax.get_xlabel() for ax in figs[0].axes)
    # drawn on a given axes
    fig = Figure()
    ax = fig.add_subplot()
    assert sr.plot_tornado(seen["multiverse"], ax=ax) is fig and ax.get_title()
    # the wrong study is refused with a message
    from resilience_jax.errors import EstimationError

    with pytest.raises(EstimationError, match="needs a multiverse study"):
        sr.plot_specification_curve(seen["weights"])
    tables = sr.sensitivity_tables(seen["multiverse"])
    assert list(tables) == ["summary", "anova", "null"] and tables["null"].shape[0] == 2


def test_specification_curve_intervals_match_p_values(runs):
    """The CRV1 interval with each row's degrees of freedom: it excludes 0 exactly where p < 0.05."""
    from resilience_jax.report.sensitivity_report import _crv1_quantile

    t = runs[1]["multiverse"].table
    q, how = _crv1_quantile(t)
    assert how == "CRV1 t(G-1)"
    excl = np.abs(t["beta"]) > q * t["se_beta"]
    sig = t["p_beta"] < 0.05
    assert (excl == sig).mean() > 0.999  # (a p-value within rounding of 0.05 may go either way)
