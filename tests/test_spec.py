"""Spec loading and validation errors (models/*.toml)."""

import re
import shutil
from pathlib import Path

import pytest

from resilience_jax.data.spec import load_index, load_spec, models_dir
from resilience_jax.errors import SpecError


def test_bundled_specs_load(spec):
    idx = spec.index
    assert len(idx.indicators) == 15
    assert idx.symbols == ("REIC", "REICD", "REICC")
    assert idx.directions.count(-1) == 2
    assert {idx.indicators[j].column for j in range(15) if idx.directions[j] == -1} == {"engel", "unemployment"}
    assert len(idx.dimension_members("fracture")) == 8 and len(idx.dimension_members("impact")) == 7
    assert spec.baseline.controls == ("Incomegap", "Finance", "Open", "LnRoad", "LnPopulation")
    assert [len(p) for _, p in spec.regions] == [11, 8, 11]
    assert [r.name for r in spec.robustness] == ["alt_regressor", "winsorize", "lag_outcome", "lag_regressor"]
    assert spec.baseline.vcov.as_fixest() == {"CRV1": "province"}
    assert {v.name for v in spec.mediation.variants} == {"as_printed", "province_fe"}
    assert len(spec.paper_estimates) == 57


@pytest.fixture()
def spec_dir(tmp_path):
    for name in ("paper.toml", "index.toml"):
        shutil.copy(models_dir() / name, tmp_path / name)
    return tmp_path


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


@pytest.mark.parametrize(
    "file, old, new, pattern",
    [
        ("paper.toml", 'controls = ["Incomegap", "Finance"', 'controls = ["Incomegap", "Fnance"', r"paper\.toml: baseline\.controls: unknown variable 'Fnance'"),
        ("paper.toml", 'mediator = "Upgra"', 'mediator = "Upgrade"', r"paper\.toml: mediation\.mediator: unknown variable 'Upgrade'"),
        ("paper.toml", 'outcomes = ["REIC", "REICD", "REICC"]\nregressor', 'outcomes = ["REIC", "RIEC", "REICC"]\nregressor', r"baseline\.outcomes: unknown outcome 'RIEC'"),
        ("paper.toml", 'regressor = "LnAIPatent"', 'regressor = "LnAIPatents"', r"robustness\[0\]\.regressor: unknown variable 'LnAIPatents'"),
        ("paper.toml", 'regressor = "LnAI"\ncontrols', 'regressor_typo = "LnAI"\ncontrols', r"baseline\.regressor: missing required field"),
        ("paper.toml", 'label_zh = "金融发展水平"\n', 'label_zh = "金融发展水平"\ncolour = "red"\n', r"variables\.Finance\.colour: unknown field"),
        ("paper.toml", 'vcov = { CRV1 = "province" }\n\n# ---- heterogeneity', 'vcov = { CRV1 = "county" }\n\n# ---- heterogeneity', r"baseline\.vcov: unknown cluster variable 'county'"),
        ("paper.toml", 'vcov = { CRV1 = "province" }\n\n# ---- heterogeneity', 'vcov = "HC9"\n\n# ---- heterogeneity', r"baseline\.vcov: expected 'iid', 'HC1'"),
        ("paper.toml", "winsorize = [0.01, 0.99]", "winsorize = [0.99, 0.01]", r"robustness\[1\]\.winsorize"),
        ("paper.toml", 'lag = "outcome"', 'lag = "both"', r"robustness\[2\]\.lag: expected 'outcome' or 'regressor'"),
        ("paper.toml", 'groups = ["East", "Central", "West"]', 'groups = ["East", "North"]', r"heterogeneity\.groups: unknown region 'North'"),
        ("paper.toml", 'fixed_effects = ["province"]\nvcov', 'fixed_effects = ["county"]\nvcov', r"baseline\.fixed_effects: unknown fixed effect 'county'"),
        ("paper.toml", 'West = ["Inner Mongolia"', 'West = ["Beijing", "Inner Mongolia"', r"regions: duplicate name\(s\) 'Beijing'"),
        ("paper.toml", "[3, \"(1)\", \"REIC\", \"LnAI\", 0.116, 0.032]", "[3, \"(1)\", \"REIC\", \"LnAI\", 0.116]", r"paper_estimates\.rows\[0\]: expected 6 values"),
        ("index.toml", 'direction = "-"', 'direction = "down"', r"index\.toml: indicators\[13\]\.direction: expected '\+' or '-', got 'down'"),
        ("index.toml", 'column = "market_potential"', 'column = "profit"', r"index\.toml: indicators\.column: duplicate name\(s\) 'profit'"),
        ("index.toml", 'dimension = "impact"', 'dimension = "shock"', r"index\.toml: indicators\[8\]\.dimension: unknown dimension 'shock'"),
        ("index.toml", 'unit = "percent"\naliases = ["失业风险"', 'units = "percent"\naliases = ["失业风险"', r"indicators\[14\]\.units: unknown field"),
        ("index.toml", 'label_en = "Talent flow"\nlabel_zh = "人才流"\nmeasure = "High-tech industry R&D personnel"\ndimension = "fracture"\n',
         'label_en = "Talent flow"\nlabel_zh = "人才流"\nmeasure = "High-tech industry R&D personnel"\n',
         r"indicators\[3\]\.dimension: missing required field"),
        ("index.toml", 'panel_mode = "pooled"', 'panel_mode = "pooling"', r"index\.panel_mode: expected one of"),
        ("index.toml", 'normalisation = "minmax"', 'normalisation = "range"', r"index\.normalisation: expected one of"),
        ("index.toml", 'transform = "none"', 'transform = "sqrt"', r"index\.transform: expected one of"),
        ("index.toml", 'normalisation = "minmax"', 'normalisation = "goalposts"', r"indicators\[0\]\.goalposts: missing"),
        ("index.toml", 'normalisation = "minmax"', 'normalisation = "minmax"\ngoalposts_from = "panel"',
         r"index\.goalposts_from: applies to normalisation = 'goalposts' only"),
        ("index.toml", 'column = "profit"', 'column = "profit"\ngoalposts = [0, 10]', r"indicators\[0\]\.goalposts: given, but"),
    ],
)
def test_spec_errors_name_file_and_field(spec_dir, file, old, new, pattern):
    edit(spec_dir / file, old, new)
    with pytest.raises(SpecError, match=pattern) as info:
        load_spec(spec_dir / "paper.toml")
    assert str(spec_dir / file) in str(info.value)


def test_duplicate_alias_across_indicators(spec_dir):
    edit(spec_dir / "index.toml", 'aliases = ["市场潜力"', 'aliases = ["利润总额", "市场潜力"')
    with pytest.raises(SpecError, match=r"indicators\.aliases: duplicate name\(s\) '利润总额'"):
        load_index(spec_dir / "index.toml")


def test_variable_clashing_with_indicator(spec_dir):
    edit(spec_dir / "paper.toml", "[variables.Open]", "[variables.trade]")
    with pytest.raises(SpecError, match=r"variables: \['trade'\] also name an indicator"):
        load_spec(spec_dir / "paper.toml")


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(SpecError, match=re.escape(str(tmp_path / "nope.toml")) + ": specification file not found"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\n", encoding="utf-8")
    with pytest.raises(SpecError, match="bad.toml: not valid TOML"):
        load_spec(bad)


def test_goalposts_and_log_transform(spec_dir):
    """Goalposts: explicit bounds must be ordered (and positive for a log-transformed indicator);
    the panel's inputs are log-transformed, capped at the goalposts, with the panel rule for the
    others; a log transform of a non-positive value is a DataError naming the indicator."""
    import numpy as np

    from resilience_jax.data import load_panel
    from resilience_jax.errors import DataError

    edit(spec_dir / "index.toml", 'normalisation = "minmax"', 'normalisation = "goalposts"\ngoalposts_from = "panel"')
    edit(spec_dir / "index.toml", 'column = "profit"', 'column = "profit"\ngoalposts = [5, 1]')
    with pytest.raises(SpecError, match=r"indicators\[0\]\.goalposts: expected \[lower, upper\]"):
        load_spec(spec_dir / "paper.toml")
    edit(spec_dir / "index.toml", "goalposts = [5, 1]", "goalposts = [0, 500]\ntransform = \"log\"")
    with pytest.raises(SpecError, match=r"indicators\[0\]\.goalposts: the indicator is log-transformed"):
        load_spec(spec_dir / "paper.toml")
    edit(spec_dir / "index.toml", "goalposts = [0, 500]", "goalposts = [5, 500]")
    panel = load_panel(spec=spec_dir / "paper.toml")
    raw = panel.indicator_matrix()
    X, bounds = panel.index_inputs()
    np.testing.assert_allclose(bounds[:, 0], np.log([5, 500]))
    np.testing.assert_allclose(X[:, 0], np.clip(np.log(raw[:, 0]), np.log(5), np.log(500)))
    np.testing.assert_allclose(bounds[:, 1], [raw[:, 1].min(), raw[:, 1].max()])  # the panel rule, untransformed
    np.testing.assert_allclose(X[:, 1:], raw[:, 1:])
    frame = panel.frame.copy()
    frame.loc[3, "profit"] = -1.0
    with pytest.raises(DataError, match=r"indicator 'profit' is log-transformed .* 1 value\(s\) <= 0"):
        load_panel(frame, spec=spec_dir / "paper.toml").index_inputs()
