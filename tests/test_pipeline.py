"""The paper's suite: every regression against pyfixest on the same rows; tables; reproduce CLI."""

import re
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from resilience_jax.cli import main
from resilience_jax.data import load_panel
from resilience_jax.errors import EstimationError, FewClustersWarning
from resilience_jax.suite import build_suite, compute_indices, run_suite

pf = pytest.importorskip("pyfixest")


@pytest.fixture(scope="module")
def suite():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)  # regional subsamples have 8-11 clusters
        return run_suite(load_panel())


def test_suite_size_and_keys(suite, spec):
    kinds = pd.Series([k[0] for k in suite.fits]).value_counts().to_dict()
    assert kinds == {"stepwise": 18, "heterogeneity": 9, "robustness": 12, "mediation": 18}
    assert suite.fits[("robustness", "REIC", "lag_regressor")].names[0] == "L.LnAI"
    assert suite.fits[("robustness", "REIC", "lag_outcome")].nobs == 390
    assert suite.fits[("heterogeneity", "REIC", "Central")].nobs == 112
    assert suite.fits[("heterogeneity", "REIC", "Central")].n_clusters == 8


def test_every_suite_regression_matches_pyfixest(suite):
    panel = suite.panel
    data, keys, specs = build_suite(panel, suite.indices)
    safe = {c: re.sub(r"\W", "_", c) for c in data.columns}
    data = data.rename(columns=safe)
    for key, s in zip(keys, specs):
        rows = data if s.mask is None else data[np.asarray(s.mask) > 0]
        regs = [safe[c] for _, c in s.regressors]
        fml = f"{safe[s.outcome]} ~ {' + '.join(regs)}" + (f" | {' + '.join(s.fixed_effects)}" if s.fixed_effects else "")
        vcov = {"CRV1": s.vcov[1]} if s.vcov[0] == "CRV1" else s.vcov[0]
        ref = pf.feols(fml, rows.reset_index(drop=True), vcov=vcov)
        ours = suite.fits[key]
        if not s.fixed_effects:  # pooled OLS: the intercept is a coefficient, first
            regs = ["Intercept", *regs]
        np.testing.assert_allclose(ours.coef, ref.coef()[regs].to_numpy(), rtol=1e-8, err_msg=str(key))
        np.testing.assert_allclose(ours.se_, ref.se()[regs].to_numpy(), rtol=1e-8, err_msg=str(key))
        np.testing.assert_allclose(ours.pvalues.to_numpy(), ref.pvalue()[regs].to_numpy(), rtol=1e-7, atol=1e-12, err_msg=str(key))
        assert ours.nobs == ref._N, key


def test_winsorised_variables_are_clipped_at_pooled_percentiles(suite):
    data, keys, specs = build_suite(suite.panel, suite.indices)
    x = data["LnAI"].to_numpy()
    lo, hi = np.percentile(x, [1, 99])  # numpy's default linear interpolation, as documented
    np.testing.assert_array_equal(data["w.LnAI"].to_numpy(), np.clip(x, lo, hi))


def test_lags_are_within_province(suite):
    data, _, _ = build_suite(suite.panel, suite.indices)
    ref = data.groupby("province", sort=False)["LnAI"].shift(1)
    first = data["year"] == data["year"].min()
    np.testing.assert_array_equal(data.loc[~first, "L.LnAI"].to_numpy(), ref[~first].to_numpy())


def test_reproduce_writes_every_table(tmp_path, capsys):
    rc = main(["reproduce", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    stems = ["entropy_weights", "table2_descriptives", "table3_stepwise", "table4_stepwise_dimensions", "table5_heterogeneity",
             "table6_robustness_REIC", "table7_robustness_REICD", "table8_robustness_REICC",
             "table9_mediation_REIC", "table10_mediation_REICD", "table11_mediation_REICC"]
    for stem in stems:
        for ext in ("csv", "md", "tex"):
            assert (tmp_path / f"{stem}.{ext}").is_file(), (stem, ext)
        assert stem in out
        assert "SYNTHETIC" in (tmp_path / f"{stem}.md").read_text(encoding="utf-8")
    assert str(tmp_path.resolve()) in out and "57 regressions" in out
    t3 = pd.read_csv(tmp_path / "table3_stepwise.csv", index_col=0, keep_default_na=False)
    assert list(t3.columns) == ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"]
    assert t3.index[0] == "LnAI" and t3.iloc[1, 0].startswith("(")
    t2 = pd.read_csv(tmp_path / "table2_descriptives.csv", index_col=0)
    assert list(t2.index[:3]) == ["REIC", "REICD", "REICC"]
    weights = pd.read_csv(tmp_path / "entropy_weights.csv", index_col=0)
    assert weights["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (tmp_path / "paper_comparison.csv").is_file()


def test_reproduce_chinese_labels(tmp_path, capsys):
    assert main(["reproduce", "--lang", "zh", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    t3 = (tmp_path / "table3_stepwise.md").read_text(encoding="utf-8")
    assert "常数项" in t3 and "样本量" in t3


def _csv(tmp_path, df, name):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return str(path)


def test_reproduce_bad_inputs(tmp_path, raw, capsys):
    flat = raw.assign(trade=5.0)
    collinear = raw.assign(LnRoad=2 * raw["Finance"] + 3 * raw["Open"])
    one_year = raw[raw["year"] == 2015]
    cases = [
        (["--data", _csv(tmp_path, flat, "flat.csv")], "indicator(s) 'trade' constant across all rows"),
        (["--data", _csv(tmp_path, collinear, "col.csv")], "'LnRoad' is collinear with"),
        (["--data", _csv(tmp_path, one_year, "one.csv")], "lag a variable, which needs at least two periods"),
    ]
    spec_dir = tmp_path / "spec"
    spec_dir.mkdir()
    from resilience_jax.data.spec import models_dir

    for name in ("paper.toml", "index.toml"):
        shutil.copy(models_dir() / name, spec_dir / name)
    text = (spec_dir / "paper.toml").read_text(encoding="utf-8").replace('mediator = "Upgra"', 'mediator = "Upgrade"')
    (spec_dir / "paper.toml").write_text(text, encoding="utf-8")
    cases.append((["--spec", str(spec_dir / "paper.toml")], "mediation.mediator: unknown variable 'Upgrade'"))
    for args, needle in cases:
        rc = main(["reproduce", *args, "--out", str(tmp_path / "o")])
        out, err = capsys.readouterr()
        assert rc == 2, (args, err)
        assert needle in err, (needle, err)
        assert "Traceback" not in out + err


def test_lag_on_one_year_panel_python_api(raw):
    panel = load_panel(raw[raw["year"] == 2015])
    _, idx = compute_indices(panel)
    with pytest.raises(EstimationError, match="needs at least two periods"):
        build_suite(panel, idx)


def test_winsorize_helper_against_scipy():
    from scipy.stats.mstats import winsorize as sp_winsorize

    from resilience_jax.suite import winsorize

    x = np.random.default_rng(0).standard_t(3, size=1001)
    # scipy clips a count of order statistics; on 1001 points 1% = 10 values each side, and numpy's
    # 1%/99% quantiles fall exactly on the 11th smallest and largest values: the two agree
    np.testing.assert_array_equal(winsorize(x), np.asarray(sp_winsorize(x, limits=(0.01, 0.01))))
    with pytest.raises(EstimationError, match="winsorize limits"):
        winsorize(x, (0.9, 0.1))


def test_run_suite_compiles_once():
    """The whole suite is one compiled fit and one compiled mediation summary: a first run traces
    each once (after clearing JAX's caches), a second run with another seed traces nothing."""
    import jax

    from resilience_jax._ops import TRACES

    panel = load_panel()
    jax.clear_caches()
    before = TRACES.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        run_suite(panel)
        first = TRACES.copy()
        run_suite(panel, seed=5)
    assert first["ols.fit_batch"] - before["ols.fit_batch"] == 1
    assert first["mediation.summary_batch"] - before["mediation.summary_batch"] == 1
    assert TRACES == first


def test_few_cluster_warnings_name_the_table_and_subsample():
    """The three 'only 8 clusters' warnings of every reproduce now say where they come from."""
    with pytest.warns(FewClustersWarning) as caught:
        run_suite(load_panel())
    messages = [str(w.message) for w in caught if issubclass(w.category, FewClustersWarning)]
    assert len(messages) == 3 and all(m.startswith("heterogeneity table, region 'Central' subsample: ") for m in messages)
