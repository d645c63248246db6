"""--lang zh: the tables that describe, reproduce, the bootstraps (cluster, Bayesian, wild), posterior
and the three sensitivity studies write have Chinese captions, header rows, row labels and notes: no
English word is left but the study's own symbols and a short list of technical names. Table cells
(numbers, stars) are not checked."""

import contextlib
import io
import re
import warnings

import pytest

from helpers import check_tables_compile, table_notes
from resilience_jax.cli import main
from resilience_jax.data import load_spec

COMMANDS = {
    "describe": ["describe"],
    "reproduce": ["reproduce"],
    "bootstrap": ["bootstrap", "--n-boot", "400"],
    # the Bayesian scheme and the baseline model's table (its own caption and note)
    "bayesian_baseline": ["bootstrap", "--scheme", "bayesian", "--model", "baseline", "--n-boot", "400"],
    "wild": ["bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "99"],
    # the conjugate engine (exact draws, no NUTS compilation); the side-by-side table's bootstrap small
    "posterior": ["posterior", "--engine", "conjugate", "--draws", "200", "--n-boot", "400"],
    # each study at the smallest size the command line accepts (the multiverse always runs its full
    # factorial: --n-null 1 keeps the null's table at one resample; Sobol: N = 2 base points)
    "sensitivity_weights": ["sensitivity", "--study", "weights", "--n", "64"],
    "sensitivity_multiverse": ["sensitivity", "--study", "multiverse", "--n-null", "1"],
    "sensitivity_sobol": ["sensitivity", "--study", "sobol", "--n", "2"],
}

# Names that Chinese journals print as they are, so the Chinese tables keep them:
# - CRV1: the cluster-robust variance estimator's name, e.g. "（CRV1，t(G-1)分布）";
# - Sobel, Aroian, Goodman: the mediation tests are named after their authors ("Sobel检验");
# - BCa: the bias-corrected and accelerated interval has no Chinese abbreviation;
# - OLS: "混合OLS" (the spec's own Chinese label of the as-printed mediation variant);
# - WCR, Rademacher, Webb: the restricted wild bootstrap and its weight distributions (authors' names);
# - SYNTHETIC: the embedded panel's notes keep this marker in every language (tests look for it);
# - NUTS: the No-U-Turn sampler's name ("NUTS抽样"), as Bayesian papers in Chinese print it;
# - ESS, HDI: the effective sample size and highest density interval, printed after the Chinese term
#   ("有效样本量 (ESS)", "最高密度区间（HDI）"); hat: of R-hat (the word pattern splits it at the hyphen),
#   the convergence diagnostic's name; ArviZ: the software that computes them (a name, like Stata);
# - Mundlak: the correlated random effects are named after their author ("Mundlak相关随机效应");
# - Dirichlet, Sobol, ANOVA: the weight draws' distribution, the variance-based indices and the
#   analysis of variance are printed by these names ("Dirichlet权重向量", "Sobol指数", "方差分解（ANOVA）");
# - Saltelli, Jansen, Simonsohn: the authors of the Sobol estimators and of the specification curve,
#   cited by name ("Saltelli（2010）估计量", "Simonsohn等，2020");
# - multiverse: the method's own name after its Chinese one on first use ("多重宇宙分析 (multiverse)");
# - CSV, Markdown, LaTeX: file formats, by their names ("表格已写为CSV、Markdown和LaTeX").
TECHNICAL = {"CSV", "Markdown", "LaTeX", "CRV1", "Sobel", "Aroian", "Goodman", "BCa", "OLS", "WCR", "Rademacher", "Webb", "SYNTHETIC",
             "NUTS", "ESS", "HDI", "hat", "ArviZ", "Mundlak", "Dirichlet", "Sobol", "ANOVA", "Saltelli", "Jansen",
             "Simonsohn", "multiverse"}
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _allowed():
    """The study's own symbols (variables, index symbols, indicator columns, entity/time/region
    columns), which the tables print as they are in every language, and the technical names."""
    spec = load_spec()
    return TECHNICAL | {spec.entity, spec.time, spec.region, *spec.variable_names, *spec.index.symbols,
                        *spec.index.columns}


def _english_words(text: str, allowed: set[str]) -> set[str]:
    """The ASCII words of 3 or more letters in ``text`` that are not allowed."""
    return {w for w in WORD.findall(text) if sum(c.isalpha() for c in w) >= 3 and w not in allowed}


def _checked_text(path) -> str:
    """What a file's reader sees as words: the whole sidecar (caption and note); of a Markdown table
    its caption, header row, row labels (first cells) and note."""
    text = path.read_text(encoding="utf-8-sig")
    if path.name.endswith(".note.txt"):
        return text
    lines = text.splitlines()
    table = [ln for ln in lines if ln.startswith("|")]
    rows = [ln.split(" | ")[0] for ln in table[2:]]
    return "\n".join([ln for ln in lines if not ln.startswith("|")] + table[:1] + rows)


# per command, what a Chinese journal prints: file -> lines or phrases it must contain
WORDING = {
    "describe": {"table2_descriptives.md": ["**表2 描述性统计**", "| 变量 | 变量名称 | 样本量 | 均值 | 中位数 | 标准差 |"]},
    "reproduce": {"table3_stepwise.md": ["**表3 基准回归（REIC）**", "| 固定效应 | 省份 |", "| 样本量 | 420 |",
                                         "括号内为按省份聚类的稳健标准误", "固定效应：省份。"],
                  "table5_heterogeneity.md": ["| REIC 全样本 | REIC 东部 |", "| 控制变量 | 是 |"],
                  "table9_mediation_REIC.md": ["**表9 中介效应检验（REIC", "总效应", "| 中介效应 a\\*b |"]},
    "bootstrap": {"bootstrap_cluster_mediation_REIC.md": ["| 效应 | 原文 | 估计值 |", "| 中介效应 a\\*b |", "BCa区间下限",
                                                          "注：聚类自助法"]},
    "bayesian_baseline": {"bootstrap_bayesian_baseline_REIC.md": ["| LnAI（基准回归，REIC） |", "注：贝叶斯自助法"]},
    "wild": {"wild_bootstrap_REIC.md": ["| 全样本 |", "| 中部 |", "野聚类自助法", "全部256种（穷举）"]},
    "posterior": {"posterior_mediation_within_REIC.md": ["**REIC的中介效应模型：", "| 效应 | 原文 | 估计值 |",
                                                         "| 后验中位数 | 可信区间下限 | 可信区间上限 |",
                                                         "| 中介效应 a\\*b |", "注：后验抽样：共轭先验", "组内变换"],
                  "posterior_mediation_within_REIC_summary.md": ["**后验分布摘要与收敛诊断**", "| 参数 | 后验均值 | 后验标准差 |",
                                                                 "主体有效样本量 (ESS)", "95%等尾可信区间下限",
                                                                 "| 中介方程残差标准差 σ_M |", "注：95%区间"]},
    "sensitivity_weights": {"sensitivity_weights_REIC_summary.md": ["敏感性分析（权重扰动）", "| 基准回归系数 β |",
                                                                    "| 目标量 | 默认设定 | 均值 |", "64组Dirichlet权重向量"],
                            "sensitivity_weights_REIC_ranks.md": ["| 省份 | 默认权重下的排名 |", "| 上海 |", "| 内蒙古 |"],
                            "sensitivity_weights_REIC_leave_one_out.md": ["| 剔除的指标 | 权重处理 |", "| 产业利润总额 | 其余权重重新归一化 |"]},
    "sensitivity_multiverse": {"sensitivity_multiverse_REIC_anova.md": ["多重宇宙分析 (multiverse)", "| 设定因素 | β一阶指数 |",
                                                                        "| 赋权方法 |", "| 标准化方法 |"],
                               "sensitivity_multiverse_REIC_null.md": ["| 统计量 | 实际值 |", "| β的中位数 |", "重抽样1次"]},
    "sensitivity_sobol": {"sensitivity_sobol_REIC_sobol.md": ["Sobol指数", "| 设定因素 | 目标量 | 一阶指数 |",
                                                              "| 虚拟因子（不进入模型，检验用） |", "| 剔除单项指标 |"],
                          "sensitivity_sobol_REIC_convergence.md": ["| 基点数 | 设定因素 | 目标量 |", "基点数N = 2"]},
}
# tables whose note states no data source in English either (the posterior's diagnostics)
NO_PROVENANCE = {"posterior_mediation_within_REIC_summary.md", "posterior_mediation_within_REIC_summary.note.txt"}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_chinese_tables_have_no_english_words(tmp_path, command):
    """One command per test (a folder of its own), so that the commands run on different workers."""
    with contextlib.redirect_stdout(io.StringIO()) as out, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # few clusters, short tails: other tests' business; glyphs: this one's
        assert main([*COMMANDS[command], "--lang", "zh", "--out", str(tmp_path)]) == 0
    # the console in Chinese too: what the files hold, the headline and the verdict; not checked: the
    # version line, the list of files written (paths), the prior's formulas and the probabilities' names
    console = [ln for ln in out.getvalue().splitlines()
               if not ln.startswith(("resilience_jax ", "已写入：", "  ", "P(")) and not ln.startswith("|---")]
    left = sorted(_english_words("\n".join(console), _allowed()))
    assert not left, f"English words on the console of {command} --lang zh: {left}"
    # the figures draw their Chinese labels with the shipped font: no glyph missing
    assert [str(w.message) for w in caught if "missing from font" in str(w.message)] == []
    check_tables_compile(tmp_path, "zh")  # the Chinese LaTeX tables compile (xelatex, xeCJK), where installed
    for stem in {p.name[: -len(".note.txt")] for p in tmp_path.glob("*.note.txt")}:  # one note in every format
        notes = table_notes(tmp_path, stem)
        notes["md"] = notes.get("md", notes["sidecar"]).removeprefix("注：")
        assert len({v.removeprefix("注：") for v in notes.values()}) == 1, (stem, notes)
    allowed = _allowed()
    files = sorted(tmp_path.glob("*.md")) + sorted(tmp_path.glob("*.note.txt"))
    assert files, f"{command} wrote no tables"
    left = {p.name: sorted(w) for p in files if (w := _english_words(_checked_text(p), allowed))}
    assert not left, f"English words left in the --lang zh tables of {command}: {left}"
    for p in files:
        text = p.read_text(encoding="utf-8-sig")
        assert "Note" not in text and "注：注" not in text and "注：" in text, p.name  # one Chinese note prefix
        assert "SYNTHETIC" in text or p.name in NO_PROVENANCE, p.name  # the embedded panel stays marked as synthetic
    for name, phrases in WORDING[command].items():
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert [x for x in phrases if x not in text] == [], name


def test_posterior_and_sensitivity_words_of_every_setting():
    """The settings the command-line runs above do not reach (the NUTS engine, the other entity
    effects, AR(1) errors, Bayesian-bootstrap weights, the flat prior; the random effects' and AR(1)
    quantities; the Sobol study's one-control-in-or-out factors, the user's and uniform weight
    vectors, a grid of concentrations, a multiverse without the null) in Chinese words too."""
    import pandas as pd

    from resilience_jax.bayes.api import ENGINES, WEIGHTS
    from resilience_jax.bayes.models import EFFECTS, ERRORS
    from resilience_jax.report import posterior_report as pr
    from resilience_jax.report import sensitivity_report as sr

    allowed = _allowed()
    texts = []
    for engine in ENGINES:
        for effects in EFFECTS:
            for errors in ERRORS:
                for weights in WEIGHTS:
                    for prior in ("nig", "flat"):
                        for model in ("mediation", "baseline"):
                            cfg = {"model": model, "engine": engine, "effects": effects, "errors": errors,
                                   "weights": weights, "prior": prior, "chains": 4, "draws": 1000, "seed": 0}
                            texts.append(pr.posterior_note_zh(cfg, n_boot=999, provenance=""))
                            texts.append(pr.posterior_caption(model, "REIC", "zh"))
    quantities = ["sigma", "sigma_M", "sigma_Y", "tau", "tau_M", "tau_Y", "rho", "rho_M", "rho_Y", "a", "b", "c",
                  "c_prime", "ab", "share"]
    summary = pd.DataFrame(0.0, index=pd.Index(quantities, name="quantity"),
                           columns=["mean", "sd", "median", "mcse_mean", "ess_bulk", "ess_tail", "r_hat", "eti90_lower",
                                    "eti90_upper", "hdi90_lower", "hdi90_upper"])
    variance = pd.DataFrame(0.0, index=summary.index, columns=["regression", "weights", "total", "share_weights"])
    for t in (pr.localize_summary(summary, "zh"), pr.localize_summary(variance, "zh")):
        texts += [t.index.name, *t.index, *t.columns]
    factors = ["weighting", "normalisation", "directions", "aggregation", "leave_one_out", "drop_mode", "control_Open",
               "control_LnRoad", "fixed_effects", "sample", "variant", "weights", "dummy"]
    sob = pd.DataFrame({"target": "sobel_z", "first": 0.0}, index=pd.Index(factors, name="factor"))
    texts += [*sr.localize_tables({"sobol": sob}, "zh")["sobol"].index]
    meta = {"n": 64, "concentration": [5.0, 50.0], "n_specifications": 8, "n_constructions": 2, "n_models": 4,
            "n_null": 0, "n_factors": 3, "n_pipelines": 40, "n_boot": 100}
    for study, draws in (("weights", "dirichlet"), ("weights", "uniform"), ("multiverse", None), ("sobol", None)):
        texts.append(sr.sensitivity_note_zh(study, "REIC", {**meta, "draws": draws}, seed=0))
    texts += sr.sensitivity_captions_zh("REIC", "省份").values()
    left = {w for t in texts for w in _english_words(str(t), allowed)}
    assert not left, f"English words left: {sorted(left)}"
    # the user's weight vectors and construction space: their file names, as given
    note = sr.sensitivity_note_zh("weights", "REIC", {"n": 3, "draws": "user"}, seed=0, weights_file="w.csv",
                                  space_file="space.toml")
    assert "用户提供的3组权重向量（w.csv）" in note and "指数构建空间：space.toml" in note


def _figure_text(fig) -> str:
    """Every piece of text a reader sees on a figure: the suptitle, and per axes the title, the axis
    labels, the tick labels, the legend and free text."""
    parts = [fig._suptitle.get_text() if fig._suptitle is not None else ""]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts),
                  *(t.get_text() for t in ax.get_yticklabels()), *(t.get_text() for t in ax.get_xticklabels())]
        if ax.get_legend() is not None:
            parts += [t.get_text() for t in ax.get_legend().get_texts()]
    return "\n".join(parts)


def test_chinese_figures_have_no_english_words():
    """Every figure the command line draws, drawn with lang="zh": titles, axis labels, ticks and
    legends in Chinese (the same allowed names as the tables), and the English figures unchanged."""
    import matplotlib
    import numpy as np
    import pandas as pd

    import resilience_jax as rj
    from resilience_jax.report import bootstrap_report as br
    from resilience_jax.report.fonts import cjk_rc
    from resilience_jax.report import posterior_report as pr
    from resilience_jax.report import sensitivity_report as sr
    from resilience_jax.results.sensitivity import SensitivityResult

    panel = rj.load_panel()
    boot = rj.bootstrap(panel, n_boot=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the posterior's share warning: another test's business
        post = rj.posterior(panel, engine="conjugate", draws=100, weights="bayesian_bootstrap", n_weight_draws=5)
    weights = rj.sensitivity(panel, n=64)
    labels = {lang: [panel.spec.label(i.column, lang) for i in panel.spec.index.indicators] for lang in ("en", "zh")}
    multi = SensitivityResult("multiverse", pd.DataFrame({
        "sample": ["all", "all", "East", "East"], "weighting": ["entropy", "equal"] * 2, "beta": [0.2, 0.1, 0.4, -0.1],
        "se_beta": [0.05, 0.05, 0.2, 0.2], "p_beta": [0.0004, 0.056, 0.07, 0.63], "df_beta": [29, 29, 10, 10],
        "ab": [0.05, 0.02, 0.09, 0.0], "sobel_z": [2.5, 1.0, 2.2, 0.1]}), {"beta": 0.2, "ab": 0.05})
    sob = pd.DataFrame({"factor": ["weighting", "dummy"], "target": ["ab", "ab"], "first": [0.6, 0.0],
                        "first_lo": [0.4, -0.1], "first_hi": [0.8, 0.1], "total": [0.7, 0.01], "total_lo": [0.5, 0.0],
                        "total_hi": [0.9, 0.02]})
    sobol = SensitivityResult("sobol", pd.DataFrame({"ab": [0.1]}), {"ab": 0.1}, sobol=sob, meta={"n": 64})
    draw = {"indirect": lambda lang: br.plot_indirect(boot, lang=lang),
            "baseline": lambda lang: br.plot_baseline(boot, "REIC", 0.03, "LnAI", lang=lang),
            "weights": lambda lang: br.plot_weights(boot, labels[lang], lang=lang),
            "rank": lambda lang: pr.plot_rank(post, lang=lang),
            "indirect_posterior": lambda lang: pr.plot_indirect_posterior(post, boot, lang=lang),
            "weights_contribution": lambda lang: pr.plot_weights_contribution(post, lang=lang),
            "prior_predictive": lambda lang: pr.plot_prior_predictive({"REIC": (np.abs(np.arange(1.0, 50.0)), 5.0)},
                                                                      lang=lang),
            "weight_draws": lambda lang: sr.plot_weight_draws(weights, lang=lang),
            "rank_bands": lambda lang: sr.plot_rank_bands(weights, lang=lang, spec=panel.spec),
            "curve_beta": lambda lang: sr.plot_specification_curve(multi, "beta", lang=lang),
            "curve_ab": lambda lang: sr.plot_specification_curve(multi, "ab", lang=lang),
            "tornado": lambda lang: sr.plot_tornado(multi, "ab", lang=lang),
            "sobol": lambda lang: sr.plot_sobol(sobol, "ab", lang=lang)}
    # the multiverse's levels are the codes of the user's construction space (models/sensitivity.toml),
    # printed as they are in every language, like the variables' names (the multiverse table's cells too)
    allowed = _allowed() | {str(v) for c in ("sample", "weighting") for v in multi.table[c]}
    left, chinese, texts = {}, {}, {}
    for name, make in draw.items():
        with matplotlib.rc_context(cjk_rc()), warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*missing from font")  # every glyph drawn
            fig = make("zh")
            fig.savefig(io.BytesIO(), format="png", dpi=40)  # drawn: a missing glyph warns at draw time
            zh = texts[name] = _figure_text(fig)
        en = _figure_text(make("en"))
        if words := _english_words(zh, allowed):
            left[name] = sorted(words)
        chinese[name] = any("\u4e00" <= ch <= "\u9fff" for ch in zh)
        assert _english_words(en, allowed), name  # the English figure keeps its words
    assert not left, f"English words left in the zh figures: {left}"
    assert all(chinese.values()), chinese
    # the embedded panel's provinces by their Chinese names on the rank figure
    assert "上海" in texts["rank_bands"]
