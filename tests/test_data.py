"""Panel data layer: every input format, column mapping, and each bad-input case."""

import numpy as np
import pandas as pd
import pytest

import resilience_jax as rj

from resilience_jax.data import load_panel, validate_panel
from resilience_jax.errors import DataError, InterpolationWarning


def _canonical(panel):
    return panel.frame.reset_index(drop=True)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet", ".dta"])
def test_round_trip_every_format(tmp_path, raw, spec, suffix):
    path = tmp_path / f"panel{suffix}"
    if suffix == ".csv":
        raw.to_csv(path, index=False)
    elif suffix == ".xlsx":
        raw.to_excel(path, index=False)
    elif suffix == ".parquet":
        raw.to_parquet(path, index=False)
    else:
        raw.to_stata(path, write_index=False)
    got = load_panel(path, spec)
    ref = validate_panel(raw, spec)
    assert got.source == str(path) and not got.synthetic
    # Excel stores doubles with 15 significant digits; the other formats keep every bit.
    rtol = 1e-14 if suffix == ".xlsx" else 0.0
    pd.testing.assert_frame_equal(_canonical(got), _canonical(ref), check_dtype=False, check_exact=rtol == 0, rtol=rtol, atol=0)


def test_embedded_panel_is_labelled_synthetic(spec):
    panel = load_panel(None, spec)
    assert panel.synthetic and "SYNTHETIC" in panel.provenance
    assert panel.shape == (30, 14) and panel.periods == tuple(range(2010, 2024))


def test_chinese_headers_are_mapped(raw, spec):
    zh = {ind.column: ind.aliases[0] for ind in spec.index.indicators}
    zh.update({v.name: v.aliases[0] for v in spec.variables}, province="省份", year="年份", region="区域")
    renamed = raw.rename(columns=zh)
    assert "省份" in renamed.columns and "profit" not in renamed.columns
    got = validate_panel(renamed, spec)
    pd.testing.assert_frame_equal(_canonical(got), _canonical(validate_panel(raw, spec)))


def test_gbk_csv_with_chinese_headers_loads(tmp_path, raw, spec):
    """A CSV saved by Excel on Chinese Windows (GBK) with Chinese headers and province names: read
    as GB18030 with a warning, equal to the UTF-8 file; a wrong --encoding names the encoding."""
    from resilience_jax.errors import NumberFormatWarning

    zh = {ind.column: ind.aliases[0] for ind in spec.index.indicators}
    zh.update({v.name: v.aliases[0] for v in spec.variables}, province="省份", year="年份", region="区域")
    renamed = raw.rename(columns=zh)
    gbk, utf8 = tmp_path / "gbk.csv", tmp_path / "utf8.csv"
    renamed.to_csv(gbk, index=False, encoding="gbk")
    renamed.to_csv(utf8, index=False, encoding="utf-8")
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")  # the file is not UTF-8
    with pytest.warns(NumberFormatWarning, match="read as GB18030"):
        got = load_panel(gbk, spec)
    pd.testing.assert_frame_equal(_canonical(got), _canonical(load_panel(utf8, spec)))
    pd.testing.assert_frame_equal(_canonical(load_panel(gbk, spec, encoding="gbk")), _canonical(got))
    with pytest.raises(DataError, match=r"not valid ASCII text \(first bad byte \d+\).*--encoding"):
        load_panel(gbk, spec, encoding="ascii")
    with pytest.raises(DataError, match="unknown encoding 'klingon'"):
        load_panel(gbk, spec, encoding="klingon")
    bad = tmp_path / "bad.csv"
    bad.write_bytes("province,year\n".encode() + b"a\x81 ,2010\n")
    with pytest.raises(DataError, match="not valid UTF-8 or GB18030 text"):
        load_panel(bad, spec)


def test_logged_variable_derived_from_raw_column(raw, spec):
    firms = np.exp(raw["LnAI"])
    got = validate_panel(raw.drop(columns="LnAI").assign(ai_firms=firms), spec)
    np.testing.assert_allclose(got.column("LnAI"), raw["LnAI"].to_numpy(), rtol=1e-14)


def test_region_derived_from_spec_when_absent(raw, spec):
    got = validate_panel(raw.drop(columns="region"), spec)
    assert got.frame["region"].tolist() == raw["region"].tolist()


def test_missing_required_column(raw, spec):
    with pytest.raises(DataError, match=r"missing required column\(s\): rd_personnel, Finance"):
        validate_panel(raw.drop(columns=["rd_personnel", "Finance"]), spec)


def test_missing_logged_variable_mentions_raw_alternative(raw, spec):
    with pytest.raises(DataError, match=r"LnAI \(or raw ai_firms\)"):
        validate_panel(raw.drop(columns=["LnAI"]), spec)


def test_non_numeric_value_names_column_and_cell(raw, spec):
    bad = raw.astype({"Open": object})
    bad.loc[(bad.province == "Hubei") & (bad.year == 2015), "Open"] = "n/a"
    with pytest.raises(DataError, match=r"column 'Open' must be numeric; non-numeric value\(s\) at Hubei 2015 \('n/a'\)"):
        validate_panel(bad, spec)


def test_duplicate_rows(raw, spec):
    bad = pd.concat([raw, raw[(raw.province == "Gansu") & (raw.year == 2012)]])
    with pytest.raises(DataError, match=r"duplicate \(province, year\) rows: Gansu 2012, Gansu 2012"):
        validate_panel(bad, spec)


def test_unbalanced_panel_is_accepted_where_computed_on_the_rows_present(raw, spec):
    """An unbalanced panel is a panel (the suite and the bootstraps use the rows present); the
    layers written for a full grid (posterior, sensitivity) refuse it, saying how many rows miss."""
    from resilience_jax.errors import EstimationError

    gap = raw[~((raw.province == "Qinghai") & raw.year.isin([2013, 2014]))]
    panel = validate_panel(gap, spec)
    assert not panel.balanced and panel.shape == (30, 14) and len(panel.frame) == 418
    present = panel.present()
    q = panel.entities.index("Qinghai")
    assert present.sum() == 418 and not present[q, 3] and not present[q, 4] and present[q, 5]
    with pytest.raises(EstimationError, match="the posterior needs a balanced panel; this one has 418 of the 420"):
        rj.posterior(panel, engine="conjugate")
    with pytest.raises(EstimationError, match="the sensitivity study needs a balanced panel"):
        rj.sensitivity(panel, n=8)


def test_missing_values_error_by_default(raw, spec):
    bad = raw.copy()
    bad.loc[(bad.province == "Yunnan") & (bad.year == 2016), "trade"] = np.nan
    with pytest.raises(DataError, match=r"column 'trade' has 1 missing value\(s\) at Yunnan 2016.*interpolate=True"):
        validate_panel(bad, spec)


def test_interpolation_fills_linearly_and_reports(raw, spec):
    bad = raw.copy()
    yun = bad.province == "Yunnan"
    bad.loc[yun & bad.year.isin([2016, 2017]), "trade"] = np.nan  # interior gap of two years
    bad.loc[yun & (bad.year == 2010), "Finance"] = np.nan  # leading edge
    with pytest.warns(InterpolationWarning, match=r"filled 3 missing cell\(s\)"):
        got = validate_panel(bad, spec, interpolate=True)
    t = raw.loc[yun].set_index("year")["trade"]
    expected_2016 = t[2015] + (t[2018] - t[2015]) / 3  # closed-form linear interpolation
    expected_2017 = t[2015] + 2 * (t[2018] - t[2015]) / 3
    out = got.frame[got.frame.province == "Yunnan"].set_index("year")
    assert out.loc[2016, "trade"] == pytest.approx(expected_2016, rel=1e-14)
    assert out.loc[2017, "trade"] == pytest.approx(expected_2017, rel=1e-14)
    assert out.loc[2010, "Finance"] == raw.loc[yun & (raw.year == 2011), "Finance"].item()
    rep = got.filled.set_index(["year", "column"])
    assert set(got.filled.province) == {"Yunnan"}
    assert rep.loc[(2016, "trade"), "method"] == "linear" and rep.loc[(2010, "Finance"), "method"] == "nearest (edge)"


def test_interpolation_needs_one_observed_value(raw, spec):
    bad = raw.copy()
    bad.loc[bad.province == "Hainan", "engel"] = np.nan
    with pytest.raises(DataError, match=r"'engel' is missing in every year for Hainan"):
        validate_panel(bad, spec, interpolate=True)


def test_non_finite_values(raw, spec):
    bad = raw.copy()
    bad.loc[(bad.province == "Jilin") & (bad.year == 2020), "profit"] = np.inf
    with pytest.raises(DataError, match=r"column 'profit' has non-finite value\(s\) \(inf\) at Jilin 2020"):
        validate_panel(bad, spec)


def test_log_needs_positive_values(raw, spec):
    firms = np.exp(raw["LnAI"]).to_numpy().copy()
    firms[(raw.province == "Ningxia").to_numpy() & (raw.year == 2011).to_numpy()] = 0.0
    bad = raw.drop(columns="LnAI").assign(ai_firms=firms)
    with pytest.raises(DataError, match=r"'ai_firms' is logged to make 'LnAI' and must be > 0; non-positive value\(s\) at Ningxia 2011 \(0\.0\)"):
        validate_panel(bad, spec)


def test_non_integer_years(raw, spec):
    bad = raw.astype({"year": float})
    bad.loc[0, "year"] = 2010.5
    with pytest.raises(DataError, match=r"column 'year' must hold whole years or periods .*bad value\(s\) at Beijing 2010.5"):
        validate_panel(bad, spec)


def test_unsupported_and_missing_files(tmp_path, spec):
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(DataError, match=r"unsupported file type '.json'"):
        load_panel(tmp_path / "x.json", spec)
    with pytest.raises(DataError, match="data file not found"):
        load_panel(tmp_path / "nope.csv", spec)


def _as_text(raw, col, cells):
    """The panel with ``col`` stored as text and the given cells (row -> text) replaced."""
    df = raw.copy()
    df[col] = df[col].map(lambda v: f"{v!r}").astype(object)
    for row, text in cells.items():
        df.loc[row, col] = text
    return df


def test_unambiguous_thousands_separators_are_read_and_reported(raw):
    from resilience_jax.errors import NumberFormatWarning

    df = _as_text(raw, "profit", {0: "12,345,678", 1: "1,234.5", 2: "2,000"})  # 2,000 is clear beside the others
    with pytest.warns(NumberFormatWarning, match=r"thousands separators in 'profit' \(Beijing 2010 \('12,345,678'\), Beijing 2011 \('1,234.5'\), Beijing 2012 \('2,000'\)\)"):
        panel = load_panel(df)
    assert panel.frame["profit"].iloc[:3].tolist() == [12345678.0, 1234.5, 2000.0]


@pytest.mark.parametrize("cells, msg", [
    ({5: "0,275"}, r"column 'trade' has decimal comma\(s\) at Beijing 2015"),
    ({5: "1,5"}, r"decimal comma\(s\) at Beijing 2015"),
    ({5: "1,234"}, r"such as '1,234' at Beijing 2015 \('1,234'\) that could be a thousands separator or a decimal comma"),
])
def test_decimal_commas_and_ambiguous_commas_are_errors(raw, cells, msg):
    """'0,275' used to become 275 (one such cell moved a*b from 0.289 to 0.496)."""
    with pytest.raises(DataError, match=msg):
        load_panel(_as_text(raw, "trade", cells))


def test_decimal_comma_option(raw):
    df = _as_text(raw, "trade", {5: "0,275", 6: "1.234,5"})
    df["trade"] = df["trade"].astype(str).str.replace(r"^(\d+)\.(\d+)$", r"\1,\2", regex=True)  # the file's convention
    panel = load_panel(df, decimal=",")
    assert panel.frame["trade"].iloc[5:7].tolist() == [0.275, 1234.5]
    np.testing.assert_allclose(panel.frame["trade"].drop(index=[5, 6]), raw["trade"].drop(index=[5, 6]), rtol=1e-15)
    with pytest.raises(DataError, match="decimal must be"):
        load_panel(raw, decimal=";")


@pytest.mark.parametrize("change, msg", [
    (lambda d: d.assign(region=d["region"].where(d["province"] != "Hebei", "North")),
     r"region value\(s\) \['North'\] that the spec does not know; found \['Central', 'East', 'North', 'West'\]"),
    (lambda d: d.assign(region=d["region"].where(~((d["province"] == "Hebei") & (d["year"] == 2015)), "West")),
     r"column 'region' changes within province 'Hebei'"),
    (lambda d: d.assign(region=d["region"].where(d.index != 3, None)), r"column 'region' is empty at Beijing 2013"),
    (lambda d: d.drop(columns="region").assign(province=d["province"].replace({"Beijing": "北京", "Tianjin": "天津"})),
     r"2 province\(s\) not listed in the spec's \[regions\].*'北京', '天津'"),
])
def test_regions_are_validated(raw, change, msg):
    """An unknown label used to drop a province from Table 5 silently, a region varying within a
    province split it, a missing one was accepted, unknown entities got no region."""
    with pytest.raises(DataError, match=msg):
        load_panel(change(raw))


def test_chinese_region_labels_are_accepted(raw):
    zh = raw.assign(region=raw["region"].map({"East": "东部", "Central": "中部", "West": "西部"}))
    panel = load_panel(zh)
    assert panel.frame["region"].tolist() == load_panel(raw).frame["region"].tolist()


def test_load_panel_bad_types_and_misnamed_files(tmp_path, raw):
    """load_panel([...]) raised a TypeError; a CSV saved as .xlsx gave pandas' 'specify an engine'."""
    with pytest.raises(DataError, match="data must be a file path, a pandas DataFrame or None .*got list"):
        load_panel([1, 2, 3])
    fake = tmp_path / "panel.xlsx"
    raw.to_csv(fake, index=False)
    with pytest.raises(DataError, match=r"named '.xlsx' but its content looks like text \(CSV\); rename it .*\.csv"):
        load_panel(fake)


def test_ordered_periods_quarters_and_dates(raw, spec):
    """Time may be quarters (2010Q1, ...) or dates (annual data dated 2010-12-31 is read by year):
    the suite equals the one on integer years, lags included; a missing quarter loses its own row
    and the next row's lag."""
    years = rj.run_suite(validate_panel(raw, spec))
    quarters = raw.assign(year=[str(pd.Period("2010Q1", "Q") + (y - 2010)) for y in raw.year])
    dates = raw.assign(year=[f"{y}-12-31" for y in raw.year])
    for df, freq in ((quarters, "Q"), (dates, "Y")):
        panel = validate_panel(df, spec)
        assert panel.frame["year"].array.freqstr.startswith(freq) and panel.shape == (30, 14)
        res = rj.run_suite(panel)
        for key in (("robustness", "REIC", "lag_regressor"), ("robustness", "REIC", "lag_outcome"), ("stepwise", "REIC", "(6)")):
            np.testing.assert_allclose(res.fits[key].coef, years.fits[key].coef, rtol=1e-12)
            assert res.fits[key].nobs == years.fits[key].nobs
    gap = validate_panel(quarters[~((quarters.province == "Beijing") & (quarters.year == "2012Q3"))], spec)
    assert rj.run_suite(gap).fits[("robustness", "REIC", "lag_regressor")].nobs == 390 - 2
    with pytest.raises(DataError, match=r"must hold whole years or periods \(2020Q1, 2020-03, 2020-03-31\); bad value"):
        validate_panel(raw.assign(year=raw.year.astype(str).where(raw.index != 7, "soon")), spec)
