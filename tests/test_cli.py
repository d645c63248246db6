"""Command line: describe/reproduce outputs, Table 2 moments, and clean errors on bad input."""

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from resilience_jax.cli import main
from resilience_jax.errors import InterpolationWarning
from test_datasets import TABLE2


def run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_describe_embedded_matches_table2(tmp_path, capsys):
    rc, out, err = run(capsys, "describe", "--out", str(tmp_path))
    assert rc == 0, err
    assert "SYNTHETIC" in out.splitlines()[1]
    table = pd.read_csv(tmp_path / "table2_descriptives.csv", index_col=0)
    for var, (mean, sd) in TABLE2.items():
        assert table.loc[var, "mean"] == pytest.approx(mean, rel=0.10)
        assert table.loc[var, "sd"] == pytest.approx(sd, rel=0.10)
        assert f"| {var} |" in out
    md = (tmp_path / "table2_descriptives.md").read_text(encoding="utf-8")
    assert "| LnAI | AI | 420 |" in md and "SYNTHETIC" in md


def test_describe_chinese_labels(tmp_path, capsys):
    rc, out, _ = run(capsys, "describe", "--lang", "zh", "--out", str(tmp_path))
    assert rc == 0 and "| LnAI | 人工智能 |" in out


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".dta"])
def test_describe_user_file_every_format(tmp_path, raw, capsys, suffix):
    path = tmp_path / f"p{suffix}"
    {".csv": lambda: raw.to_csv(path, index=False), ".xlsx": lambda: raw.to_excel(path, index=False),
     ".parquet": lambda: raw.to_parquet(path), ".dta": lambda: raw.to_stata(path, write_index=False)}[suffix]()
    rc, out, err = run(capsys, "describe", "--data", str(path), "--out", str(tmp_path / "o"))
    assert rc == 0, err
    assert f"Data: {path}" in out and "SYNTHETIC" not in out.splitlines()[1]
    got = pd.read_csv(tmp_path / "o" / "table2_descriptives.csv", index_col=0)
    assert got.loc["LnAI", "mean"] == pytest.approx(raw["LnAI"].mean(), rel=1e-12)


def test_reproduce_runs(tmp_path, capsys):
    rc, out, err = run(capsys, "reproduce", "--out", str(tmp_path))
    assert rc == 0, err
    assert (tmp_path / "table2_descriptives.csv").is_file()


def _bad_files(raw, tmp_path):
    missing = raw.drop(columns="Finance")
    nonnum = raw.astype({"Open": object})
    nonnum.loc[5, "Open"] = "abc"
    dup = pd.concat([raw, raw.iloc[[3]]])
    nan = raw.copy()
    nan.loc[30, "trade"] = np.nan
    inf = raw.copy()
    inf.loc[40, "profit"] = np.inf
    cases = {"missing": (missing, "Finance"), "nonnumeric": (nonnum, "Open"), "duplicate": (dup, "Beijing 2013"),
             "nan": (nan, "trade"), "inf": (inf, "profit")}
    out = {}
    for name, (df, needle) in cases.items():
        path = tmp_path / f"{name}.csv"
        df.to_csv(path, index=False)
        out[name] = (path, needle)
    return out


def test_bad_inputs_exit_nonzero_without_traceback(tmp_path, raw, capsys):
    for name, (path, needle) in _bad_files(raw, tmp_path).items():
        rc, out, err = run(capsys, "describe", "--data", str(path), "--out", str(tmp_path / "o"))
        assert rc == 2, name
        assert err.startswith("error: ") and needle in err, (name, err)
        assert "Traceback" not in err + out


def test_interpolate_flag_reports_cells(tmp_path, raw, capsys):
    nan = raw.copy()
    nan.loc[31, "trade"] = np.nan
    path = tmp_path / "nan.csv"
    nan.to_csv(path, index=False)
    with pytest.warns(InterpolationWarning, match="filled 1 missing cell"):  # in-process: Python's own warnings
        rc, out, err = run(capsys, "describe", "--data", str(path), "--interpolate", "--out", str(tmp_path / "o"))
    assert rc == 0 and "Interpolated cells: 1" in out
    cells = pd.read_csv(tmp_path / "o" / "interpolated_cells.csv")
    assert cells.loc[0, "column"] == "trade" and cells.loc[0, "method"] == "linear"


def test_bad_spec_exits_nonzero(tmp_path, capsys):
    bad = tmp_path / "paper.toml"
    bad.write_text("[study]\ntitle = 1\n", encoding="utf-8")
    rc, _, err = run(capsys, "describe", "--spec", str(bad))
    assert rc == 2 and "study.index: missing required field" in err


def test_library_calls_leave_global_state_alone(tmp_path, capsys):
    """The CLI's in-process entry point (as a notebook or a test calls it) sets no compilation
    cache, keeps the warnings hook and matplotlib's backend as they were."""
    import warnings

    import jax
    import matplotlib

    from resilience_jax.cli import main

    hook, backend, cache = warnings.showwarning, matplotlib.get_backend(), jax.config.jax_compilation_cache_dir
    assert main(["bootstrap", "--n-boot", "2000", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert warnings.showwarning is hook and matplotlib.get_backend() == backend
    assert jax.config.jax_compilation_cache_dir == cache


def test_console_script_subprocess(tmp_path, raw):
    exe = shutil.which("resilience-jax")
    cmd = [exe] if exe else [sys.executable, "-m", "resilience_jax.cli"]
    # the executable: warnings as one line on stderr, the compilation cache where it is told
    nan = raw.copy()
    nan.loc[31, "trade"] = np.nan
    nan.to_csv(tmp_path / "nan.csv", index=False)
    env = dict(os.environ, RESILIENCE_JAX_CACHE_DIR=str(tmp_path / "xla"))
    warned = subprocess.run([*cmd, "describe", "--data", str(tmp_path / "nan.csv"), "--interpolate", "--out",
                             str(tmp_path / "o")], capture_output=True, text=True, timeout=120, env=env)
    assert warned.returncode == 0 and warned.stderr.startswith("warning: ") and "filled 1 missing cell" in warned.stderr
    assert any((tmp_path / "xla").iterdir())
    helped = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "describe" in helped.stdout and "reproduce" in helped.stdout
    path = tmp_path / "dup.csv"
    pd.concat([raw, raw.iloc[[0]]]).to_csv(path, index=False)
    bad = subprocess.run([*cmd, "describe", "--data", str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert bad.returncode == 2 and "duplicate (province, year) rows: Beijing 2010" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_fast_compile_flags(monkeypatch):
    """The CLI process lowers XLA:CPU's codegen level and, on jaxlib versions that have the flag,
    uses its legacy loop emitters; flags the user set are left alone."""
    from resilience_jax import cli

    monkeypatch.delenv("XLA_FLAGS", raising=False)
    cli.fast_compile(0)
    flags = os.environ["XLA_FLAGS"].split()
    assert "--xla_backend_optimization_level=0" in flags
    assert ("--xla_cpu_use_fusion_emitters=false" in flags) == cli._has_emitter_flag()
    monkeypatch.setenv("XLA_FLAGS", "--xla_backend_optimization_level=3 --xla_cpu_use_fusion_emitters=true")
    cli.fast_compile(0)
    assert os.environ["XLA_FLAGS"] == "--xla_backend_optimization_level=3 --xla_cpu_use_fusion_emitters=true"


def test_console_bootstrap_equals_library(tmp_path):
    """`resilience-jax bootstrap` (its own XLA compile flags) draws what the library draws, and its
    statistics agree to rounding."""
    from resilience_jax import bootstrap

    exe = shutil.which("resilience-jax")
    cmd = [exe] if exe else [sys.executable, "-m", "resilience_jax.cli"]
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["RESILIENCE_JAX_CACHE_DIR"] = "off"
    done = subprocess.run([*cmd, "bootstrap", "--n-boot", "2000", "--seed", "4", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    draws = pd.read_parquet(tmp_path / "bootstrap_cluster_mediation_REIC_draws.parquet")
    lib = bootstrap(n_boot=2000, seed=4)
    np.testing.assert_array_equal(np.load(tmp_path / "bootstrap_cluster_mediation_REIC_weights.npz")["multiplicities"], lib.multiplicities)
    np.testing.assert_allclose(draws.to_numpy(), lib.draws.to_numpy(), rtol=1e-10, atol=1e-12)


def test_outputs_named_by_scheme_model_and_index(tmp_path, capsys):
    """The Bayesian bootstrap used to overwrite the cluster run's files in the same folder. With
    --lang zh the weights figure's Chinese indicator labels are drawn with the shipped CJK font:
    matplotlib warns of no missing glyph (it warned 98 times before the font was shipped)."""
    import warnings

    assert main(["bootstrap", "--n-boot", "2000", "--out", str(tmp_path)]) == 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["bootstrap", "--n-boot", "2000", "--scheme", "bayesian", "--index", "REICD", "--lang", "zh",
                     "--out", str(tmp_path)]) == 0
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    import matplotlib as mpl

    assert "Resilience CJK Sans" not in mpl.rcParams["font.family"]  # the command's settings do not leak
    capsys.readouterr()
    names = {p.name for p in tmp_path.iterdir()}
    assert {"bootstrap_cluster_mediation_REIC.csv", "bootstrap_bayesian_mediation_REICD.csv",
            "bootstrap_bayesian_mediation_REICD_weights.npz"} <= names


@pytest.mark.parametrize("cmd", [["describe"], ["reproduce"], ["bootstrap", "--n-boot", "2000"]])
def test_bad_output_folders_fail_before_computing(tmp_path, capsys, cmd):
    """--out naming a file, a path under a file or an unwritable folder: exit 2 with a message,
    before the computation (it used to exit 1 with 'internal error' after it), nothing written."""
    import time

    a_file = tmp_path / "file.txt"
    a_file.write_text("x", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    bad = [(a_file, "is a file, not a folder"), (a_file / "sub", "is a file, not a folder")]
    if not os.access(locked, os.W_OK):  # (root can write anywhere)
        bad.append((locked, "not writable"))
    for out, needle in bad:
        start = time.perf_counter()
        rc, _, err = run(capsys, *cmd, "--out", str(out))
        assert rc == 2 and needle in err and "Traceback" not in err, err
        assert time.perf_counter() - start < 5  # refused before computing
    assert a_file.read_text(encoding="utf-8") == "x" and not any(locked.iterdir())
    locked.chmod(0o700)


def test_an_error_leaves_nothing_in_out(tmp_path, capsys, raw):
    """A failure during the computation (here: the wild bootstrap refusing too few random draws)
    leaves --out as it was: the folder this run would have created is removed again."""
    out = tmp_path / "new"
    rc, _, err = run(capsys, "bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "10", "--out", str(out))
    assert rc == 2 and "at least 99 draws" in err
    assert not out.exists()


def _more_bad_inputs(raw, tmp_path):
    """(extra arguments, needle in the message) of user mistakes beyond the data files'."""
    comma = raw.astype({"trade": object})
    comma.loc[5, "trade"] = "0,275"
    comma.to_csv(tmp_path / "comma.csv", index=False)
    raw.to_csv(tmp_path / "csv_named.xlsx", index=False)
    one_year = raw[raw["year"] == 2015]
    one_year.to_csv(tmp_path / "one_year.csv", index=False)
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    bad_spec = tmp_path / "bad.toml"
    bad_spec.write_text("[study]\ntitle = 1\n", encoding="utf-8")
    return [
        (["--data", str(tmp_path / "comma.csv")], "decimal comma"),
        (["--data", str(tmp_path / "csv_named.xlsx")], "content looks like text (CSV)"),
        (["--data", str(tmp_path / "nothing.csv")], "data file not found"),
        (["--spec", str(bad_spec)], "study.index: missing required field"),
        (["--out", str(tmp_path / "afile")], "is a file, not a folder"),
    ], one_year


def test_every_subcommand_refuses_bad_input_with_exit_2(tmp_path, raw, capsys):
    """No CLI path exits 1 on user input: every subcommand, on every bad input, exits 2 with a
    message naming the problem, no traceback, and leaves nothing in --out."""
    cases, _ = _more_bad_inputs(raw, tmp_path)
    files = _bad_files(raw, tmp_path)
    cases += [(["--data", str(path)], needle) for path, needle in files.values()]
    commands = {"describe": ["describe"], "reproduce": ["reproduce"],
                "bootstrap": ["bootstrap", "--n-boot", "400"],
                "wild": ["bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "99"]}
    specific = {"bootstrap": [(["--n-boot", "10"], "too few for a 95% percentile interval"),
                              (["--seed", str(2**70)], "seed must be between"),
                              (["--index", "REICX"], "unknown index 'REICX'")],
                "wild": [(["--n-boot", "10"], "at least 99 draws"), (["--seed", str(2**70)], "seed must be between")],
                "reproduce": [(["--seed", str(2**70)], "seed must be between")]}
    for name, cmd in commands.items():
        for extra, needle in [*cases, *specific.get(name, [])]:
            out = tmp_path / f"out_{name}"
            argv = [*cmd, *extra] if "--out" in extra else [*cmd, *extra, "--out", str(out)]
            rc, stdout, err = run(capsys, *argv)
            assert rc == 2, (argv, err)
            assert err.strip().splitlines()[-1].startswith("error: ") and needle in err, (argv, err)
            assert "Traceback" not in err + stdout, argv
            assert not out.exists(), argv  # nothing written, not even the folder


def test_single_year_panel_is_refused_by_every_subcommand(tmp_path, raw, capsys):
    """A single-year panel: the fixed effects absorb every regressor. reproduce and both
    bootstraps refuse it (exit 2) instead of reporting p = 0 or NaN."""
    _, one_year = _more_bad_inputs(raw, tmp_path)
    path = tmp_path / "one.csv"
    one_year.to_csv(path, index=False)
    for cmd in (["reproduce"], ["bootstrap", "--n-boot", "400"],
                ["bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "99"]):
        rc, _, err = run(capsys, *cmd, "--data", str(path), "--out", str(tmp_path / "o"))
        assert rc == 2 and err.startswith("error: ") and "Traceback" not in err, (cmd, err)
        assert not (tmp_path / "o").exists()
