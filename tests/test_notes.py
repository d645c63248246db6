"""Every written table carries its note in every format (Markdown, LaTeX, the CSV's sidecar), and
each note is true for the fits behind the table: their standard errors, their fixed effects (per
column where the columns differ), the subsamples' cluster counts, what the robustness variants did,
the data's provenance. No number is printed as -0.000."""

import re

import pytest

import resilience_jax as rj
from helpers import table_notes
from resilience_jax.report.paper_tables import write_paper_tables


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    suite = rj.run_suite(rj.load_panel())
    return suite, write_paper_tables(suite, tmp_path_factory.mktemp("tables"))


def notes_of(paths):
    """The note of a table in each of its formats (tests/helpers.table_notes)."""
    p = paths[0]
    return table_notes(p.parent, p.name.split(".")[0])


def se_phrase(fit):
    return {"iid": "iid standard errors", "HC1": "heteroskedasticity-robust (HC1)"}.get(
        fit.vcov_type, f"standard errors clustered by {fit.cluster} (CRV1")


def test_every_table_has_one_note_in_every_format(written):
    _, tables = written
    for stem, paths in tables.items():
        assert any(p.name == f"{stem}.note.txt" for p in paths), stem
        notes = notes_of(paths)
        assert set(notes) == {"md", "sidecar", "tex"} and len(set(notes.values())) == 1, (stem, notes)


def test_notes_are_true_for_their_fits(written):
    suite, tables = written
    spec, panel = suite.spec, suite.panel
    b = spec.baseline
    groups = {
        "table3_stepwise": [suite.fits[("stepwise", b.outcomes[0], f"({i})")] for i in range(1, len(b.controls) + 2)],
        "table5_heterogeneity": [suite.fits[("heterogeneity", y, g)] for y in spec.heterogeneity.outcomes
                                 for g in spec.heterogeneity.groups],
        **{f"table{6 + i}_robustness_{y}": [suite.fits[("robustness", y, v.name)] for v in spec.robustness]
           for i, y in enumerate(b.outcomes)},
    }
    for stem, fits in groups.items():
        note = notes_of(tables[stem])["md"]
        assert {se_phrase(f) for f in fits} == {se_phrase(fits[0])} and se_phrase(fits[0]) in note, stem
        fes = {", ".join(f.fixed_effects) or "none (pooled OLS with intercept)" for f in fits}
        assert len(fes) == 1 and f"Fixed effects: {fes.pop()}." in note, stem
        assert note.endswith(panel.provenance), stem
    het = notes_of(tables["table5_heterogeneity"])["md"]
    counts = sorted({f.n_clusters for f in groups["table5_heterogeneity"]})
    assert f"Subsamples by {spec.region} have {counts[0]}-{counts[-1]} clusters" in het
    rob = notes_of(tables["table6_robustness_REIC"])["md"]
    assert ("Lags lose the first year of each province" in rob) == any(v.lag for v in spec.robustness)
    for i, y in enumerate(spec.mediation.outcomes):
        note = notes_of(tables[f"table{9 + i}_mediation_{y}"])["md"]
        for v in spec.mediation.variants:
            res = suite.mediation[(y, v.name)]
            fe = ", ".join(res.total.fixed_effects) or "none"
            assert {tuple(f.fixed_effects) for f in (res.total, res.a_path, res.b_path)} == {tuple(v.fixed_effects)}
            assert f"{v.name}: {fe}" in note, (y, v.name, note)  # was 'Fixed effects: none' for every column


def test_no_negative_zero(written):
    _, tables = written
    for paths in tables.values():
        for p in paths:
            assert not re.search(r"(?<![\d.])-0\.0+(?![\d]*[1-9])\b", p.read_text(encoding="utf-8")), p.name
