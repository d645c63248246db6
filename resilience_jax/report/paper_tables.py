"""The paper's tables (weights, Table 2-11) in its layout, from a :class:`~resilience_jax.results.SuiteResult`.

Regression tables: coefficient with stars (* 10%, ** 5%, *** 1%), standard error in parentheses
below, constant, N and R-squared, the SE type and the data's provenance in a note.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from ..data.spec import Vcov
from .describe import CAPTION as DESC_CAPTION, NOTE_ZH as DESC_NOTE_ZH, describe, headers as desc_headers
from ..results.regression import FeolsResult, MediationResult, stars
from .bootstrap_report import EFFECTS_ZH
from .tables import se_words, write_table

Lang = Literal["en", "zh"]
WORDS = {
    "en": {"const": "Constant", "n": "N", "r2": "R²", "r2w": "Within R²", "adjr2": "Adj. R²", "controls": "Controls",
           "yes": "Yes", "no": "No", "full": "Full sample", "sobel": "Sobel Z", "aroian": "Aroian Z", "goodman": "Goodman Z",
           "ab": "Indirect effect a*b", "share": "Share a*b/c", "mc": "Monte Carlo 95% CI of a*b", "joint": "Joint significance p",
           "total": "Total effect", "apath": "a-path", "bpath": "b-path", "fe": "Fixed effects", "undefined": "undefined"},
    "zh": {"const": "常数项", "n": "样本量", "r2": "R²", "r2w": "组内R²", "adjr2": "调整R²", "controls": "控制变量",
           "yes": "是", "no": "否", "full": "全样本", "sobel": "Sobel检验 Z", "aroian": "Aroian检验 Z",
           "goodman": "Goodman检验 Z", "ab": EFFECTS_ZH["ab"], "share": EFFECTS_ZH["share"], "mc": "a*b 蒙特卡洛95%置信区间",
           "joint": "联合显著性检验 p值", "total": "总效应", "apath": "a路径", "bpath": "b路径", "fe": "固定效应",
           "undefined": "无定义"},
}
# --lang zh: the headers of the weights and comparison tables, the panel modes of the entropy weights
WEIGHTS_HEADERS_ZH = {"indicator": "指标", "label": "指标名称", "dimension": "维度", "subdimension": "子维度",
                      "direction": "方向", "entropy": "信息熵", "divergence": "差异系数", "weight": "权重",
                      "weight_in_dimension": "维度内权重"}
COMPARISON_HEADERS_ZH = {"paper": "原文表格及列", "outcome": "被解释变量", "term": "变量", "paper_coef": "原文系数",
                         "paper_se": "原文标准误", "ours_coef": "本次估计系数", "ours_se": "本次估计标准误"}
PANEL_MODES_ZH = {"pooled": "混合面板（全部观测合并计算一组权重）",
                  "per_year": "逐期截面（每期分别标准化并计算权重，表中为各期均值）",
                  "global": "全局熵值（全部时期统一标准化，各期信息熵取均值）"}


def se_note(vcov: Vcov, fixed_effects: tuple[str, ...] | str, provenance: str, lang: Lang = "en",
            labels: dict[str, str] | None = None) -> str:
    """The note under a regression table: the stars' levels, the standard errors, the fixed effects
    and the data's provenance.

    Parameters
    ----------
    vcov : Vcov
        Variance estimator of the table's columns (``iid``, ``HC1`` or ``CRV1`` by a cluster).
    fixed_effects : tuple of str or str
        The columns' fixed effects (empty: pooled OLS with intercept), or a text that describes
        them column by column.
    provenance : str
        Sentence on the data's source, appended last (e.g. ``Panel.provenance``).
    lang : {"en", "zh"}
        Language of the note.
    labels : dict of str to str, optional
        Name printed for the cluster and fixed-effect columns in the Chinese note (e.g. ``province``
        -> ``省份``, :meth:`~resilience_jax.data.spec.StudySpec.id_label`); default the column names.

    Returns
    -------
    str
        The note, one line.

    Example
    -------
    >>> from resilience_jax.data.spec import Vcov
    >>> se_note(Vcov("HC1"), (), "Data: simulated.")
    '* p<0.10, ** p<0.05, *** p<0.01; heteroskedasticity-robust (HC1) standard errors (t(N-K)) in parentheses.
    Fixed effects: none (pooled OLS with intercept). Data: simulated.'
    >>> se_note(Vcov("CRV1", "province"), ("province",), "", lang="zh", labels={"province": "省份"})
    '注：*、**、***分别表示10%、5%和1%的显著性水平；括号内为按省份聚类的稳健标准误（CRV1，t(G-1)分布）；固定效应：省份。'
    """
    se = se_words(vcov, lang, labels)
    if lang == "zh":
        name = (labels or {}).get
        fe = (fixed_effects if isinstance(fixed_effects, str) else "、".join(name(f, f) for f in fixed_effects)
              if fixed_effects else "无")
        return f"注：*、**、***分别表示10%、5%和1%的显著性水平；括号内为{se}；固定效应：{fe}。{provenance}"
    fe = fixed_effects if isinstance(fixed_effects, str) else ", ".join(fixed_effects) if fixed_effects else "none (pooled OLS with intercept)"
    return f"* p<0.10, ** p<0.05, *** p<0.01; {se} in parentheses. Fixed effects: {fe}. {provenance}"


def _cluster_note(fits, spec, lang: Lang) -> str:
    """The subsample columns' cluster counts, and a pointer to the wild bootstrap where any has
    fewer than 10 clusters."""
    counts = sorted({f.n_clusters for f in fits if f.n_clusters})
    if not counts:
        return ""
    span = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
    if lang == "zh":
        return (f"分{spec.id_label(spec.region, 'zh')}子样本的聚类数为{span}个"
                + ("，聚类数少于10个时参见野聚类自助法检验。" if counts[0] < 10 else "。"))
    few = " (fewer than 10: see the wild cluster bootstrap)" if counts[0] < 10 else ""
    return f"Subsamples by {spec.region} have {span} clusters{few}."


def _robustness_note(spec, lang: Lang) -> str:
    """What the spec's robustness variants do to the sample, from the variants themselves."""
    parts = []
    if any(v.lag for v in spec.robustness):
        parts.append(f"滞后一期使每个{spec.id_label(spec.entity, 'zh')}损失首个{spec.id_label(spec.time, 'zh')}的观测值。"
                     if lang == "zh" else
                     f"Lags lose the first {spec.time} of each {spec.entity}.")
    for v in spec.robustness:
        if v.winsorize:
            lo, hi = (f"{100 * q:g}%" for q in v.winsorize)
            parts.append(f"{v.label_zh}：被解释变量、解释变量和控制变量按全样本{lo}/{hi}分位数缩尾。" if lang == "zh" else
                         f"Winsorised ({v.name}): outcome, regressor and controls at pooled {lo}/{hi} percentiles.")
    return ("" if lang == "zh" else " ").join(parts)


def _variant_fes(variants, lang: Lang, labels: dict[str, str] | None = None) -> str:
    """The fixed effects of each mediation variant, as the note's text (``labels``: the Chinese
    names of the fixed effects)."""
    if lang == "zh":
        name = (labels or {}).get
        return "，".join(f"{v.label_zh}列为{'、'.join(name(f, f) for f in v.fixed_effects) or '无'}" for v in variants)
    return "; ".join(f"{v.name}: {', '.join(v.fixed_effects) or 'none'}" for v in variants)


def _coef(v: float, p: float) -> str:
    return f"{v:.3f}{stars(p)}"


def regression_table(
    columns: list[tuple[str, FeolsResult]],
    terms: list[str],
    *,
    labels: dict[str, str] | None = None,
    controls: tuple[str, ...] = (),
    lang: Lang = "en",
    extra: dict[str, list[str]] | None = None,
    fe_labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Paper-layout table: a coefficient row and an SE row per term; controls collapsed to one row.

    Coefficients carry stars (* 10%, ** 5%, *** 1%) and three decimals, standard errors are in
    parentheses below; then the constant, a ``Controls`` Yes/No row (when ``controls`` is given),
    the fixed effects, N, R-squared, the within R-squared (when a column has fixed effects) and the
    ``extra`` rows. Terms in no column are left out; a term missing from a column leaves it blank.

    Parameters
    ----------
    columns : list of (str, FeolsResult)
        Column header and fit of each column, in order.
    terms : list of str
        Regressors to show, in order.
    labels : dict of str to str, optional
        Row label of a term (default the term's name).
    controls : tuple of str
        Control variables summarised in the ``Controls`` row (Yes when a column has them all).
    lang : {"en", "zh"}
        Language of the row labels.
    extra : dict of str to list of str, optional
        Further rows at the bottom: row label -> one cell per column.
    fe_labels : dict of str to str, optional
        Name printed for a fixed effect in the fixed-effects row (default its column name; e.g.
        ``{"province": "省份"}`` for Chinese tables).

    Returns
    -------
    pandas.DataFrame
        The table as strings, indexed by row label (the SE rows have an empty label), one column per
        entry of ``columns``.

    Example
    -------
    >>> import resilience_jax as rj
    >>> suite = rj.run_suite(rj.load_panel())
    >>> cols = [(c, suite.fits[("stepwise", "REIC", c)]) for c in ("(1)", "(6)")]
    >>> print(regression_table(cols, ["LnAI"], labels={"LnAI": "AI"}, controls=suite.spec.baseline.controls))
                         (1)       (6)
    <BLANKLINE>
    AI              0.184***   0.092**
                     (0.050)   (0.040)
    Constant       -0.292***     1.372
                     (0.103)   (1.352)
    Controls              No       Yes
    Fixed effects   province  province
    N                    420       420
    R²                 0.902     0.932
    Within R²          0.321     0.526
    """
    w = WORDS[lang]
    labels = labels or {}
    rows: list[tuple[str, list[str]]] = []
    for term in terms:
        if not any(term in f.names for _, f in columns):
            continue
        coef, se = [], []
        for _, f in columns:
            if term in f.names:
                i = f.names.index(term)
                coef.append(_coef(f.coef[i], float(f.pvalues.iloc[i])))
                se.append(f"({f.se_[i]:.3f})")
            else:
                coef.append("")
                se.append("")
        rows += [(labels.get(term, term), coef), ("", se)]
    rows += [
        (w["const"], [_coef(f.constant, f.constant_p) for _, f in columns]),
        ("", [f"({f.constant_se:.3f})" for _, f in columns]),
    ]
    if controls:
        rows.append((w["controls"], [w["yes"] if all(c in f.names for c in controls) else w["no"] for _, f in columns]))
    rows += [
        (w["fe"], [("、" if lang == "zh" else ", ").join((fe_labels or {}).get(e, e) for e in f.fixed_effects) or w["no"]
                   for _, f in columns]),
        (w["n"], [str(f.nobs) for _, f in columns]),
        (w["r2"], [f"{f.r2:.3f}" for _, f in columns]),
    ]
    if any(f.fixed_effects for _, f in columns):
        rows.append((w["r2w"], [f"{f.r2_within:.3f}" if f.fixed_effects else "" for _, f in columns]))
    for name, cells in (extra or {}).items():
        rows.append((name, cells))
    table = pd.DataFrame([cells for _, cells in rows], index=[name for name, _ in rows], columns=[h for h, _ in columns])
    table.index.name = ""
    return table


def weights_table(suite, lang: Lang = "en") -> pd.DataFrame:
    """Entropy, divergence and weight of every indicator, with its dimension and direction.

    With per-year weights (panel mode ``per_year``) the entropy, divergence and weight are their means
    over the years.

    Parameters
    ----------
    suite : SuiteResult
        The suite (:func:`resilience_jax.run_suite`).
    lang : {"en", "zh"}
        Language of the indicator and dimension labels.

    Returns
    -------
    pandas.DataFrame
        One row per indicator (index ``indicator``, the spec's order) with the columns ``label``,
        ``dimension``, ``subdimension``, ``direction`` (``+`` or ``-``), ``entropy``, ``divergence``,
        ``weight`` and ``weight_in_dimension`` (the weight's share of its dimension's total).

    Example
    -------
    >>> import resilience_jax as rj
    >>> table = weights_table(rj.run_suite(rj.load_panel()))
    >>> table.shape
    (15, 8)
    >>> print(table[["dimension", "direction", "weight"]].round(4).head(3))
                               dimension direction  weight
    indicator
    profit            Fracture toughness         +  0.1323
    market_potential  Fracture toughness         +  0.0222
    rd_expenditure    Fracture toughness         +  0.0867
    >>> round(float(table["weight"].sum()), 6)
    1.0
    """
    idx = suite.spec.index
    ent = suite.entropy
    w = np.asarray(ent.weights)
    if w.ndim == 2:  # per-year weights: report their mean over years
        w, e, d = w.mean(0), np.asarray(ent.entropy).mean(0), np.asarray(ent.divergence).mean(0)
    else:
        e, d = np.asarray(ent.entropy), np.asarray(ent.divergence)
    dims = {dd.key: dd for dd in idx.dimensions}
    rows = []
    for j, ind in enumerate(idx.indicators):
        members = idx.dimension_members(ind.dimension)
        rows.append({
            "indicator": ind.column,
            "label": ind.label_zh if lang == "zh" else ind.label_en,
            "dimension": dims[ind.dimension].label_zh if lang == "zh" else dims[ind.dimension].label_en,
            "subdimension": ind.subdimension,
            "direction": "+" if ind.direction > 0 else "-",
            "entropy": e[j],
            "divergence": d[j],
            "weight": w[j],
            "weight_in_dimension": w[j] / w[list(members)].sum(),
        })
    return pd.DataFrame(rows).set_index("indicator")


def paper_comparison(suite) -> pd.DataFrame:
    """Our estimate next to each of the paper's printed estimates (``[paper_estimates]`` of the spec).

    Mediation entries (Tables 9-11) are compared with the spec's first mediation variant (the
    paper's own, as printed, reading); an estimate this run does not have is NaN.

    Parameters
    ----------
    suite : SuiteResult
        The suite (:func:`resilience_jax.run_suite`).

    Returns
    -------
    pandas.DataFrame
        One row per printed estimate with the columns ``table``, ``column``, ``outcome``, ``term``,
        ``paper_coef``, ``paper_se``, ``ours_coef`` and ``ours_se``.

    Example
    -------
    >>> import resilience_jax as rj
    >>> table = paper_comparison(rj.run_suite(rj.load_panel()))
    >>> table.shape
    (57, 8)
    >>> print(table.loc[:1, ["table", "column", "term", "paper_coef", "ours_coef"]].round(3))
       table column  term  paper_coef  ours_coef
    0      3    (1)  LnAI       0.116      0.184
    1      3    (2)  LnAI       0.132      0.145
    """
    spec = suite.spec
    med_variant = spec.mediation.variants[0].name  # the paper's own (as printed) reading comes first
    rows = []
    for pe in spec.paper_estimates:
        ours, ours_se = np.nan, np.nan
        if pe.column in ("total", "a_path", "b_path"):
            y = pe.outcome if pe.column != "a_path" else None
            step = {"total": "total", "a_path": "a", "b_path": "b"}[pe.column]
            outcome = y or next(o for o in spec.mediation.outcomes if _table_of(spec, "mediation", o) == pe.table)
            fit = suite.fits.get(("mediation", outcome, f"{med_variant}:{step}"))
        elif pe.column in ("sobel", "share"):
            m = suite.mediation.get((pe.outcome, med_variant))
            ours = (m.effects.tests.z if pe.column == "sobel" else m.effects.share) if m else np.nan
            fit = None
        else:
            table = {3: "stepwise", 4: "stepwise", 5: "heterogeneity"}.get(pe.table, "robustness")
            fit = suite.fits.get((table, pe.outcome, pe.column))
        if fit is not None and pe.term in fit.names:
            ours, ours_se = float(fit.params[pe.term]), float(fit.se[pe.term])
        rows.append({"table": pe.table, "column": pe.column, "outcome": pe.outcome, "term": pe.term,
                     "paper_coef": pe.coef, "paper_se": pe.se, "ours_coef": ours, "ours_se": ours_se})
    return pd.DataFrame(rows)


def _table_of(spec, kind: str, outcome: str) -> int:
    if kind == "mediation":
        return 9 + spec.mediation.outcomes.index(outcome)
    return 6 + spec.baseline.outcomes.index(outcome)


def mediation_table(suite, outcome: str, lang: Lang = "en") -> pd.DataFrame:
    """Tables 9-11: the three-step mediation of one outcome, three columns (total effect, a-path,
    b-path) per mediation variant of the spec.

    Below the :func:`regression_table` rows: the Sobel, Aroian and Goodman tests, the indirect
    effect a*b, its share of the total effect, the Monte Carlo interval of a*b and the joint
    significance p (in the b-path column of each variant), and the adjusted R-squared.

    Parameters
    ----------
    suite : SuiteResult
        The suite (:func:`resilience_jax.run_suite`).
    outcome : str
        One of the spec's mediation outcomes (an index symbol such as ``REIC``).
    lang : {"en", "zh"}
        Language of the labels.

    Returns
    -------
    pandas.DataFrame
        The table as strings, indexed by row label, one column per variant and step.

    Raises
    ------
    KeyError
        when ``outcome`` is not one of the spec's mediation outcomes.

    Example
    -------
    >>> import resilience_jax as rj
    >>> table = mediation_table(rj.run_suite(rj.load_panel()), "REIC")
    >>> table.shape
    (19, 6)
    >>> list(table.columns[:3])
    ['as_printed: Total effect (REIC)', 'as_printed: a-path (Upgra)', 'as_printed: b-path (REIC)']
    >>> table.loc["LnAI"].tolist()
    ['0.367***', '2.006***', '0.078**', '0.092**', '0.797**', '0.028']
    >>> table.loc["Sobel Z"].tolist()
    ['', '', '3.057 (p=0.002)', '', '', '2.468 (p=0.014)']
    """
    spec = suite.spec
    m = spec.mediation
    w = WORDS[lang]
    head = "{}：{}（{}）" if lang == "zh" else "{}: {} ({})"
    cols, extra = [], {k: [] for k in ("sobel", "aroian", "goodman", "ab", "share", "mc", "joint")}
    for v in m.variants:
        res: MediationResult = suite.mediation[(outcome, v.name)]
        vl = v.label_zh if lang == "zh" else v.name
        cols += [(head.format(vl, w['total'], outcome), res.total), (head.format(vl, w['apath'], m.mediator), res.a_path),
                 (head.format(vl, w['bpath'], outcome), res.b_path)]
        t, e = res.effects.tests, res.effects
        lo, hi = res.mc_ci
        for k, val in (("sobel", f"{t.z:.3f} (p={t.p:.3f})"), ("aroian", f"{t.aroian_z:.3f} (p={t.aroian_p:.3f})"),
                       ("goodman", f"{t.goodman_z:.3f} (p={t.goodman_p:.3f})" if t.goodman_defined else w["undefined"]),
                       ("ab", f"{e.ab:.4f}"), ("share", f"{100 * e.share:.1f}%"), ("mc", f"[{lo:.4f}, {hi:.4f}]"),
                       ("joint", f"{res.joint_p:.3g}")):
            extra[k] += ["", "", val]
    return regression_table(
        cols, [m.regressor, m.mediator], controls=m.controls, lang=lang,
        extra={w[k]: cells for k, cells in extra.items()} | {w["adjr2"]: [f"{f.adj_r2:.3f}" for _, f in cols]},
        fe_labels=_id_labels(spec, lang),
    )


def _id_labels(spec, lang: Lang) -> dict[str, str]:
    """The printed names of the entity, time and region columns (``省份`` for ``province`` in Chinese)."""
    return {n: spec.id_label(n, lang) for n in (spec.entity, spec.time, spec.region)}


class PaperTable(NamedTuple):
    """One table of :func:`paper_tables`: the table as printed, its caption, its note and the format
    of its float cells."""

    table: pd.DataFrame
    caption: str
    note: str
    floatfmt: str = ".3f"


def paper_tables(suite, lang: Lang = "en") -> dict[str, PaperTable]:
    """Every table of the paper, in its layout, with its caption and note: what
    :func:`write_paper_tables` writes (and the HTML report shows), by file stem.

    The tables: the entropy weights, Table 2 (descriptives, the indices first), Tables 3-4
    (stepwise baseline), Table 5 (heterogeneity), Tables 6-8 (robustness), Tables 9-11 (mediation)
    and the comparison with the paper's printed estimates (when the spec has them); each note
    gives the SE type, the fixed effects and the data's provenance.

    Parameters
    ----------
    suite : SuiteResult
        The suite (:func:`resilience_jax.run_suite`).
    lang : {"en", "zh"}
        Language of the labels, captions and notes.

    Returns
    -------
    dict of str to PaperTable
        By table stem (``entropy_weights``, ``table2_descriptives``, ``table3_stepwise``, ...,
        ``paper_comparison``), in the paper's order.

    Example
    -------
    >>> import resilience_jax as rj
    >>> tables = paper_tables(rj.run_suite(rj.load_panel()))
    >>> list(tables)[:3], tables["table3_stepwise"].caption
    (['entropy_weights', 'table2_descriptives', 'table3_stepwise'], 'Table 3. Baseline regression, REIC')
    >>> paper_tables(rj.run_suite(rj.load_panel()), "zh")["table3_stepwise"].note.startswith("注：")
    True
    """
    spec, panel = suite.spec, suite.panel
    b = spec.baseline
    zh = lang == "zh"
    prov = panel.provenance_in(lang)
    ids = _id_labels(spec, lang)
    note = se_note(b.vcov, b.fixed_effects, prov, lang, ids)

    def noted(extra):  # the extra sentences before the provenance
        return se_note(b.vcov, b.fixed_effects, (f"{extra}{prov}" if zh else f"{extra} {prov}").strip(), lang, ids)

    out: dict[str, PaperTable] = {}

    def put(stem, table, caption, tnote=note, floatfmt=".3f"):
        out[stem] = PaperTable(table, caption, tnote, floatfmt)

    weights = weights_table(suite, lang)
    if zh:
        put("entropy_weights", weights.rename(columns=WEIGHTS_HEADERS_ZH).rename_axis(WEIGHTS_HEADERS_ZH["indicator"]),
            f"{spec.index.label_zh}评价指标的熵权",
            f"注：采用熵权法确定指标权重，面板处理方式为{PANEL_MODES_ZH.get(spec.index.panel_mode, spec.index.panel_mode)}。{prov}",
            floatfmt=".4f")
    else:
        put("entropy_weights", weights, "Entropy weights of the resilience indicators",
            f"Entropy weight method, panel mode '{spec.index.panel_mode}'. {prov}", floatfmt=".4f")
    put("table2_descriptives", desc_headers(describe(panel, extra=suite.indices, lang=lang), lang), DESC_CAPTION[lang],
        f"{DESC_NOTE_ZH}{prov}" if zh else f"sd with n-1. {prov}")
    terms = [b.regressor, *b.controls]
    step = lambda y: [(f"({i})", suite.fits[("stepwise", y, f"({i})")]) for i in range(1, len(b.controls) + 2)]  # noqa: E731
    main, *dims = b.outcomes
    put("table3_stepwise", regression_table(step(main), terms, lang=lang, fe_labels=ids),
        f"表3 基准回归（{main}）" if zh else f"Table 3. Baseline regression, {main}")
    if dims:
        put("table4_stepwise_dimensions",
            regression_table([(f"{y} {h}", f) for y in dims for h, f in step(y)], terms, lang=lang, fe_labels=ids),
            f"表4 基准回归（{'、'.join(dims)}）" if zh else f"Table 4. Baseline regression, {' and '.join(dims)}")
    regions = dict(spec.region_labels) if zh else {}
    if spec.heterogeneity.groups:
        het, groups = [], []
        for y in spec.heterogeneity.outcomes:
            het.append((f"{y} {WORDS[lang]['full']}", suite.fits[("stepwise", y, f"({len(b.controls) + 1})")]))
            groups += [(f"{y} {regions.get(g, g)}", suite.fits[("heterogeneity", y, g)]) for g in spec.heterogeneity.groups]
            het += groups[-len(spec.heterogeneity.groups):]
        put("table5_heterogeneity", regression_table(het, [b.regressor], controls=b.controls, lang=lang, fe_labels=ids),
            f"表5 异质性分析（按{ids[spec.region]}分组）" if zh else f"Table 5. Heterogeneity by {spec.region}",
            noted(_cluster_note([f for _, f in groups], spec, lang)))
    rob_terms = [b.regressor, *(v.regressor for v in spec.robustness if v.regressor), f"L.{b.regressor}"]
    for i, y in enumerate(b.outcomes if spec.robustness else ()):
        cols = [(v.label_zh if zh else v.name, suite.fits[("robustness", y, v.name)]) for v in spec.robustness]
        put(f"table{6 + i}_robustness_{y}", regression_table(cols, rob_terms, controls=b.controls, lang=lang, fe_labels=ids),
            f"表{6 + i} 稳健性检验（{y}）" if zh else f"Table {6 + i}. Robustness, {y}", noted(_robustness_note(spec, lang)))
    for i, y in enumerate(spec.mediation.outcomes):
        variants = spec.mediation.variants
        put(f"table{9 + i}_mediation_{y}", mediation_table(suite, y, lang),
            f"表{9 + i} 中介效应检验（{y}，中介变量：{spec.mediation.mediator}）" if zh else
            f"Table {9 + i}. Mediation through {spec.mediation.mediator}, {y}",
            se_note(variants[0].vcov, _variant_fes(variants, lang, ids), prov, lang, ids))
    if spec.paper_estimates:
        cmp = paper_comparison(suite)
        if zh:
            cells = {"total": WORDS["zh"]["total"], "a_path": WORDS["zh"]["apath"], "b_path": WORDS["zh"]["bpath"],
                     "sobel": "Sobel检验", "share": "中介效应占比"} | {v.name: v.label_zh for v in spec.robustness} | regions
            cmp.index = [f"表{t} {cells.get(c, c)}" for t, c in zip(cmp.pop("table"), cmp.pop("column"))]
            cmp.index.name = "paper"
            cmp = cmp.rename(columns=COMPARISON_HEADERS_ZH).rename_axis(COMPARISON_HEADERS_ZH["paper"])
            cnote = f"注：原文系数、原文标准误取自原文所印表格，本次估计系数、本次估计标准误为本次运行的结果。{prov}"
            caption = "原文估计值与本次估计值对比"
        else:
            cmp.index = [f"Table {t} {c}" for t, c in zip(cmp.pop("table"), cmp.pop("column"))]
            cmp.index.name = "paper"
            cnote = f"The printed estimates of {spec.authors or spec.title} beside ours. {prov}"
            caption = "Published vs. this run"
        put("paper_comparison", cmp, caption, cnote)
    return out


def write_paper_tables(suite, out_dir: str | Path, lang: Lang = "en") -> dict[str, list[Path]]:
    """Write every table of :func:`paper_tables` as CSV, Markdown and LaTeX; return {stem: paths}.

    Parameters
    ----------
    suite : SuiteResult
        The suite (:func:`resilience_jax.run_suite`).
    out_dir : str or pathlib.Path
        Folder of the files; created if missing.
    lang : {"en", "zh"}
        Language of the labels and notes.

    Returns
    -------
    dict of str to list of pathlib.Path
        The written files by table stem (e.g. ``table3_stepwise``: its ``.csv``, ``.md`` and ``.tex``).

    Example
    -------
    >>> import tempfile
    >>> import resilience_jax as rj
    >>> written = write_paper_tables(rj.run_suite(rj.load_panel()), tempfile.mkdtemp())
    >>> len(written), [p.name for p in written["table3_stepwise"]]
    (12, ['table3_stepwise.csv', 'table3_stepwise.note.txt', 'table3_stepwise.md', 'table3_stepwise.tex'])
    >>> [p.name for p in written["paper_comparison"]]
    ['paper_comparison.csv', 'paper_comparison.note.txt', 'paper_comparison.md', 'paper_comparison.tex']
    """
    return {stem: write_table(t.table, out_dir, stem, formats=("csv", "md", "tex"), note=t.note, caption=t.caption,
                              floatfmt=t.floatfmt, lang=lang)
            for stem, t in paper_tables(suite, lang).items()}
