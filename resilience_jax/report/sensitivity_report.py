"""Sensitivity reports: the figures of a :class:`~resilience_jax.results.sensitivity.SensitivityResult`
(specification curve, tornado, Sobol indices, weight draws, rank bands) and its tables by name.

Every figure is built with matplotlib's object API (no pyplot, no backend switch) and returned as a
:class:`matplotlib.figure.Figure`; functions with a single axes draw on ``ax=`` when given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EstimationError
from .bootstrap_report import EFFECTS_ZH, _axes

LABELS = {"beta": "baseline coefficient beta", "c": "total effect c", "ab": "indirect effect a*b",
          "share": "share a*b/c", "sobel_z": "Sobel z", "a": "a (X -> M)", "b": "b (M -> Y | X)",
          "c_prime": "direct effect c'", "se_beta": "CRV1 SE of beta", "p_beta": "p-value of beta"}

# --lang zh: the tables' headers, row labels, cells, captions and notes as a Chinese journal prints them
# the targets as row labels and cells (the mediation's effects as the bootstrap tables name them) ...
TARGETS_ZH = {**EFFECTS_ZH, "beta": "基准回归系数 β", "sobel_z": "Sobel z值", "se_beta": "β的CRV1标准误",
              "p_beta": "β的p值", "df_beta": "β的t分布自由度"}
# ... and as the short symbols of the headers (leave_one_out's columns, anova's beta_first, ...)
SYMBOLS_ZH = {"beta": "β", "se_beta": "β的标准误", "p_beta": "β的p值", "ab": "a*b", "share": "a*b/c",
              "sobel_z": "Sobel z", "a": "a", "b": "b", "c": "c", "c_prime": "c'"}
# the choices of the multiverse and the factors of the Sobol study (models/sensitivity.toml)
FACTORS_ZH = {"weighting": "赋权方法", "normalisation": "标准化方法", "directions": "指标方向", "aggregation": "合成方式",
              "leave_one_out": "剔除单项指标", "drop_mode": "剔除指标后的权重处理", "controls": "控制变量组合",
              "fixed_effects": "固定效应", "sample": "样本", "variant": "稳健性处理", "weights": "权重扰动",
              "dummy": "虚拟因子（不进入模型，检验用）"}
COLUMNS_ZH = {"target": "目标量", "concentration": "集中度参数", "default": "默认设定", "mean": "均值", "p5": "5%分位数",
              "median": "中位数", "p95": "95%分位数", "same_sign": "与默认设定同号的比例", "significant": "显著的比例",
              "rank_base": "默认权重下的排名", "rank_p5": "排名5%分位数", "rank_median": "排名中位数",
              "rank_p95": "排名95%分位数", "left_out": "剔除的指标", "weights": "权重处理", "factor": "设定因素",
              "statistic": "统计量", "observed": "实际值", "null_median": "零假设下的中位数",
              "null_p95": "零假设下的95%分位数", "p_value": "p值", "first": "一阶指数", "first_lo": "一阶指数95%区间下限",
              "first_hi": "一阶指数95%区间上限", "total": "总效应指数", "total_lo": "总效应指数95%区间下限",
              "total_hi": "总效应指数95%区间上限", "n": "基点数"}
_INDEX_KIND_ZH = {"first": "一阶指数", "total": "总效应指数"}
DROP_MODES_ZH = {"renormalise": "其余权重重新归一化", "reestimate": "重新估计权重"}
NULL_ZH = {"median_beta": "β的中位数", "share_significant": "显著设定的比例"}
STUDIES_ZH = {"weights": "权重扰动", "multiverse": "多重宇宙分析 (multiverse)", "sobol": "Sobol全局敏感性分析"}


def verdict_zh(res) -> str:
    """:meth:`SensitivityResult.verdict` in Chinese (``sensitivity --lang zh``).

    Example
    -------
    >>> import resilience_jax as rj
    >>> verdict_zh(rj.sensitivity(n=64)).startswith("各组权重中，a*b > 0的比例为")
    True
    """
    v = res.verdict_parts()
    what = {"weights": "各组权重", "multiverse": "各设定", "sobol": "抽样的各条分析流程"}[res.study]
    line = (f"{what}中，a*b {v['sign']} 0的比例为{v['kept']:.0%}，且显著（|Sobel z| > 1.96）的比例为{v['significant']:.0%}；"
            f"基准回归系数保持符号且p < 0.05的比例为{v['beta_kept']:.0%}")
    if v["factor"] is not None:
        kind = "（方差分解，精确）" if res.study == "multiverse" else "（一阶Sobol指数）"
        line += f"；{factor_label(v['factor'], 'zh')}解释了Sobel z方差的{v['first']:.0%}{kind}"
    return line + "。"


def _has_chinese(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def factor_label(factor: str, lang: str = "en") -> str:
    """A choice of the multiverse or a factor of the Sobol study as a table prints it: for ``"zh"``
    in Chinese (``control_<name>``, one control in or out, keeps the control's name); ``factor``
    itself for ``"en"``.

    Example
    -------
    >>> factor_label("normalisation", "zh"), factor_label("control_Open", "zh"), factor_label("sample")
    ('标准化方法', '控制变量Open（纳入或剔除）', 'sample')
    """
    if lang != "zh":
        return factor
    if factor.startswith("control_") and factor not in FACTORS_ZH:
        return f"控制变量{factor[len('control_'):]}（纳入或剔除）"
    return FACTORS_ZH.get(factor, factor)


def localize_tables(tables: dict[str, pd.DataFrame], lang: str = "en", spec=None) -> dict[str, pd.DataFrame]:
    """The tables of :func:`sensitivity_tables` as they are printed in ``lang``: for ``"zh"`` the
    headers, the row labels (targets, entities, indicators, choices, statistics) and the cells that
    are words (the targets and factors of the Sobol tables, the leave-one-out's weight handling) in
    Chinese; the entity named by ``spec``'s Chinese alias (:meth:`StudySpec.id_label`, ``省份``;
    without ``spec``: ``个体``), the entities by ``spec``'s ``[entity_labels]`` (the paper's spec:
    the provinces' Chinese names; an entity without an entry keeps its name), the indicators by
    ``spec``'s Chinese labels. For ``"en"`` the tables themselves.

    Example
    -------
    >>> anova = pd.DataFrame({"beta_first": [0.3], "sobel_z_total": [0.8]}, index=pd.Index(["weighting"], name="factor"))
    >>> print(localize_tables({"anova": anova}, "zh")["anova"].to_csv().strip())
    设定因素,β一阶指数,Sobel z总效应指数
    赋权方法,0.3,0.8
    >>> from resilience_jax.data import load_spec
    >>> ranks = pd.DataFrame({"rank_base": [1, 2]}, index=pd.Index(["Inner Mongolia", "Macau"], name="province"))
    >>> print(localize_tables({"ranks": ranks}, "zh", load_spec())["ranks"].to_csv().strip())
    省份,默认权重下的排名
    内蒙古,1
    Macau,2
    """
    if lang != "zh":
        return tables

    def target(v):
        return TARGETS_ZH.get(v, v)

    def column(c):
        if c in COLUMNS_ZH:
            return COLUMNS_ZH[c]
        if c in SYMBOLS_ZH:
            return SYMBOLS_ZH[c]
        head, _, kind = str(c).rpartition("_")  # anova: <target>_first, <target>_total
        if kind in _INDEX_KIND_ZH and head in SYMBOLS_ZH:
            return SYMBOLS_ZH[head] + _INDEX_KIND_ZH[kind]
        return c

    def indicator(c):
        label = spec.label(c, "zh") if spec is not None else c
        return label if _has_chinese(label) else c

    out = {}
    for name, table in tables.items():
        t = table.copy()
        index_name = t.index.name
        if name == "ranks":
            t.index = t.index.map(lambda e: spec.entity_label(e, "zh") if spec is not None else e)
            index_name = spec.id_label(index_name, "zh") if spec is not None else "个体"
            if not _has_chinese(index_name):
                index_name = "个体"
        elif name == "leave_one_out":
            t.index = t.index.map(indicator)
        elif name == "null":
            t.index = t.index.map(lambda s: NULL_ZH.get(s, s))
        elif index_name == "target":
            t.index = t.index.map(target)
        elif index_name == "factor":
            t.index = t.index.map(lambda f: factor_label(f, "zh"))
        if "factor" in t.columns:
            t["factor"] = t["factor"].map(lambda f: factor_label(f, "zh"))
        if "target" in t.columns:
            t["target"] = t["target"].map(target)
        if name == "leave_one_out" and "weights" in t.columns:
            t["weights"] = t["weights"].map(lambda v: DROP_MODES_ZH.get(v, v))
        t = t.rename(columns=column)
        t.index.name = COLUMNS_ZH.get(index_name, index_name)
        out[name] = t
    return out


def sensitivity_captions_zh(symbol: str, entity: str) -> dict[str, str]:
    """The Chinese captions of the tables of ``sensitivity --lang zh`` by name; ``entity`` as
    printed (e.g. ``省份``).

    Example
    -------
    >>> sensitivity_captions_zh("REIC", "省份")["ranks"]
    '默认权重下及各组权重下各省份的REIC排名'
    """
    return {"summary": f"研究结论对{symbol}构建方式的敏感性：默认设定的估计值及其分布",
            "ranks": f"默认权重下及各组权重下各{entity}的{symbol}排名",
            "leave_one_out": f"依次剔除{symbol}的单项指标（其余权重重新归一化，或重新估计权重）",
            "anova": "多重宇宙分析 (multiverse) 的精确方差分解（ANOVA）：各设定因素的一阶指数与总效应指数",
            "null": "零假设下的设定曲线检验（Simonsohn等，2020）",
            "sobol": "Sobol指数（一阶指数：Saltelli（2010）估计量；总效应指数：Jansen估计量）及其95%自助法区间",
            "convergence": "前N/8、N/4、N/2与N个基点上的Sobol指数"}


def sensitivity_note_zh(study: str, symbol: str, meta: dict, *, seed: int, weights_file: str | None = None,
                        space_file: str | None = None, provenance: str = "") -> str:
    """The Chinese note of the tables of ``sensitivity --lang zh``: the study and its sizes
    (``meta``, :attr:`SensitivityResult.meta`), the seed, the construction space (``space_file``;
    None: the bundled one), the user's weight vectors (``weights_file``) and the data's provenance.

    Example
    -------
    >>> meta = {"n": 64, "draws": "dirichlet", "concentration": 100.0}
    >>> sensitivity_note_zh("weights", "REIC", meta, seed=0).split("；")[0]
    '注：REIC的敏感性分析（权重扰动）：以默认权重为中心抽取的64组Dirichlet权重向量（集中度参数为100.0）'
    """
    if study == "weights":
        conc = meta.get("concentration")
        conc = "、".join(str(c) for c in conc) if isinstance(conc, (list, tuple)) else conc
        how = {"user": f"用户提供的{meta['n']}组权重向量（{weights_file}）",
               "uniform": f"在单纯形上均匀抽取的{meta['n']}组权重向量"}.get(
            meta.get("draws"), f"以默认权重为中心抽取的{meta['n']}组Dirichlet权重向量（集中度参数为{conc}）")
    elif study == "multiverse":
        how = (f"共{meta['n_specifications']}个设定（{meta['n_constructions']}种指数构建方式×{meta['n_models']}个模型），"
               + (f"零假设下重抽样{meta['n_null']}次" if meta["n_null"] else "未进行零假设下的推断"))
    else:
        how = (f"基点数N = {meta['n']}，{meta['n_factors']}个设定因素，共{meta['n_pipelines']}条分析流程，95%区间基于"
               f"{meta['n_boot']}次自助重抽样")
    where = space_file or "程序内置的默认构建空间"
    return (f"注：{symbol}的敏感性分析（{STUDIES_ZH.get(study, study)}）：{how}；随机种子为{seed}；指数构建空间：{where}；"
            f"显著性：β以p < 0.05为准（CRV1标准误，t(G-1)分布），Sobel z以|z| > 1.96为准。{provenance}")

# significance colours: positive, negative, not significant
_POS, _NEG, _NS = "#2C7BB6", "#D7191C", "#A0A0A0"
_DEFAULT = "#E66101"  # the default specification


def _need(res, study: str, what: str) -> None:
    if res.study != study:
        raise EstimationError(f"{what} needs a {study} study, got a {res.study} study")


def _target(res, target: str, what: str) -> None:
    if target not in res.table.columns:
        raise EstimationError(f"{what}: unknown target {target!r}; expected one of {list(LABELS)}")


def _factors(res) -> dict[str, list]:
    """The choices of a multiverse table and their levels, the default (first) level first."""
    known = res.meta.get("factors") or {}
    cols = [c for c in ("controls", "fixed_effects", "sample", "variant", "weighting", "normalisation",
                        "directions", "aggregation") if c in res.table.columns]
    out = {}
    for c in cols:
        seen = list(pd.unique(res.table[c]))
        levels = [v for v in known.get(c, []) if v in seen]
        out[c] = levels + [v for v in seen if v not in levels]
    return out


def _crv1_quantile(table: pd.DataFrame, level: float = 0.95) -> tuple[np.ndarray, str]:
    """Per row, the t quantile of the CRV1 interval of beta with the row's own degrees of freedom
    (``df_beta``, G - 1 for the model's clusters); the normal quantile for a table without them
    (the label then says so)."""
    if "df_beta" not in table.columns:
        return np.full(len(table), stats.norm.ppf(0.5 + level / 2)), "normal 1.96 SE"
    return stats.t.ppf(0.5 + level / 2, table["df_beta"].to_numpy(float)), "CRV1 t(G-1)"


def _label(target: str, lang: str) -> str:
    """A target as a figure names it: :data:`LABELS` in English, :data:`TARGETS_ZH` in Chinese."""
    return TARGETS_ZH.get(target, target) if lang == "zh" else LABELS.get(target, target)


def _short(label, width: int = 30) -> str:
    s = str(label)
    return s if len(s) <= width else s[: width // 2 - 1] + "..." + s[-(width // 2 - 2):]


def plot_specification_curve(res, target: str = "beta", lang: str = "en"):
    """The specification curve of a multiverse study (Simonsohn, Simmons & Nelson 2020): every
    specification's estimate, sorted, with its 95% interval and coloured by significance, the
    default specification marked; below it the panel of choices, one row per level of each
    factor, marked where a specification uses it.

    Intervals: beta (and c) the CRV1 interval ``beta +- t(df) se_beta`` with each row's
    ``df_beta`` (the reference of its ``p_beta``: it excludes 0 exactly when p < 0.05); a*b the Sobel normal
    interval ``ab +- 1.96 |ab / sobel_z|``; other targets none. Significance: ``p_beta < 0.05``
    for beta and c, ``|sobel_z| > 1.96`` for a*b and the Sobel z. With many specifications the
    choice panel shows, per pixel column, the share of specifications using the level (grey).

    Parameters
    ----------
    res : SensitivityResult
        A ``multiverse`` study (:func:`resilience_jax.sensitivity`).
    target : str, optional
        The column of the table to plot (``beta``, ``ab``, ``share``, ``sobel_z``, ...).
    lang : {"en", "zh"}, optional
        The language of the figure's text.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the curve (with the title) and the choice panel.

    Raises
    ------
    EstimationError
        A study other than the multiverse, or an unknown target.

    Example
    -------
    >>> import pandas as pd
    >>> from resilience_jax.results.sensitivity import SensitivityResult
    >>> table = pd.DataFrame({"sample": ["all", "all", "East", "East"], "weighting": ["entropy", "equal"] * 2,
    ...                       "beta": [0.2, 0.1, 0.4, -0.1], "se_beta": [0.05, 0.05, 0.2, 0.2],
    ...                       "p_beta": [0.0004, 0.056, 0.07, 0.63], "df_beta": [29, 29, 10, 10]})
    >>> fig = plot_specification_curve(SensitivityResult("multiverse", table, {"beta": 0.2}))
    >>> fig.axes[0].get_title().startswith("Specification curve"), len(fig.axes[1].get_yticks())
    (True, 4)
    >>> plot_specification_curve(SensitivityResult("multiverse", table, {"beta": 0.2}), lang="zh").axes[0].get_title()
    '基准回归系数 β的设定曲线：共4个设定，25%显著（p < 0.05）'
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    _need(res, "multiverse", "plot_specification_curve")
    _target(res, target, "plot_specification_curve")
    t = res.table
    n = len(t)
    y = t[target].to_numpy(float)
    order = np.argsort(y, kind="stable")
    ys = y[order]
    x = np.arange(n)
    lo = hi = None
    zh = lang == "zh"
    none = "无区间" if zh else "no interval"
    if target in ("beta", "c"):
        q, how = _crv1_quantile(t)
        half = (q * t["se_beta"].to_numpy(float))[order]
        lo, hi = ys - half, ys + half
        sig = (t["p_beta"].to_numpy(float) < 0.05)[order]
        what, sig_label = (f"95% {how}区间" if zh else f"95% {how} interval"), "p < 0.05"
    elif target in ("ab", "sobel_z"):
        z = t["sobel_z"].to_numpy(float)[order]
        sig = np.abs(z) > 1.96
        sig_label = "|Sobel z| > 1.96"
        if target == "ab":
            half = 1.96 * np.abs(ys / np.where(z == 0, np.nan, z))
            lo, hi = ys - half, ys + half
            what = "95% Sobel正态区间" if zh else "95% Sobel normal interval"
        else:
            what = none
    else:
        sig, sig_label, what = None, "", none
    colours = (np.full(n, "#4C72B0", dtype=object) if sig is None
               else np.where(sig & (ys > 0), _POS, np.where(sig & (ys < 0), _NEG, _NS)))

    fig = Figure(figsize=(10.0, 8.0))
    gs = fig.add_gridspec(2, 1, height_ratios=[2.0, 3.0], hspace=0.06, left=0.24, right=0.98, top=0.93, bottom=0.07)
    ax = fig.add_subplot(gs[0])
    axc = fig.add_subplot(gs[1], sharex=ax)
    many = n > 2000
    if lo is not None:
        ax.vlines(x, lo, hi, colors=list(colours), lw=0.4 if many else 1.0, alpha=0.25 if many else 0.6,
                  rasterized=many)
    ax.scatter(x, ys, c=list(colours), s=2 if many else 12, lw=0, rasterized=many, zorder=3)
    base = int(np.flatnonzero(order == 0)[0])
    for a in (ax, axc):
        a.axvline(base, color=_DEFAULT, lw=1.0, ls="--", zorder=4)
    ax.plot([base], [ys[base]], "D", color=_DEFAULT, mec="black", ms=7, zorder=5)
    ax.axhline(0, color="black", lw=0.6)
    if lo is not None and n > 20:  # every estimate on the axis; intervals of the extreme few may be cut
        ends = np.concatenate([lo[np.isfinite(lo)], hi[np.isfinite(hi)]])
        if ends.size:
            bottom = min(np.nanmin(ys), np.quantile(ends, 0.01), 0.0)
            top = max(np.nanmax(ys), np.quantile(ends, 0.99), 0.0)
            pad = 0.05 * (top - bottom or 1.0)
            ax.set_ylim(bottom - pad, top + pad)
            cut = int(((lo < bottom - pad) | (hi > top + pad)).sum())
            if cut:
                what += f"；{cut}个区间超出坐标轴" if zh else f"; {cut} cut at the axis"
    ax.set_ylabel(f"{_label(target, lang)}\n（{what}）" if zh else f"{_label(target, lang)}\n({what})", fontsize=8)
    if zh:
        share = f"，{sig.mean():.0%}显著（{sig_label}）" if sig is not None else ""
        ax.set_title(f"{_label(target, lang)}的设定曲线：共{n:,}个设定{share}", fontsize=10)
    else:
        share = f", {sig.mean():.0%} with {sig_label}" if sig is not None else ""
        ax.set_title(f"Specification curve of the {_label(target, lang)}: {n:,} specifications{share}", fontsize=10)
    handles = [Line2D([], [], ls="", marker="D", color=_DEFAULT, mec="black",
                      label="默认设定（虚线）" if zh else "default specification (dashed line)")]
    if sig is not None:
        handles = [Line2D([], [], ls="", marker="o", color=_POS, label=f"{sig_label}，正" if zh else f"{sig_label}, positive"),
                   Line2D([], [], ls="", marker="o", color=_NEG, label=f"{sig_label}，负" if zh else f"{sig_label}, negative"),
                   Line2D([], [], ls="", marker="o", color=_NS, label="不显著" if zh else "not significant"), *handles]
    ax.legend(handles=handles, fontsize=7, loc="upper left")
    ax.tick_params(labelbottom=False)

    factors = _factors(res)
    rows, labels, bounds = [], [], []
    for f, levels in factors.items():
        col = t[f].to_numpy()[order]
        for lev in levels:
            rows.append(col == lev)
            labels.append(f"{factor_label(f, 'zh')}：{_short(lev)}" if zh else f"{f.replace('_', ' ')}: {_short(lev)}")
        bounds.append(len(rows))
    if rows:
        m = np.vstack(rows).astype(float)
        if many:  # the share of the specifications using each level, in 1,000 bins of sorted specifications
            edges = np.linspace(0, n, 1001).astype(int)
            m = np.add.reduceat(m, edges[:-1], axis=1) / np.diff(edges)
        axc.imshow(m, aspect="auto", cmap="Greys", vmin=0, vmax=1, extent=(-0.5, n - 0.5, len(rows) - 0.5, -0.5),
                   interpolation="nearest")
        for b in bounds[:-1]:
            axc.axhline(b - 0.5, color="#4C72B0", lw=0.6)
        axc.set_yticks(np.arange(len(rows)), labels, fontsize=6 if len(rows) > 20 else 8)
    axc.set_xlim(-0.5, n - 0.5)
    if zh:
        axc.set_xlabel(f"设定（按{_label(target, lang)}排序）" + ("（灰度：每1,000组设定中采用该选项的比例）" if many else ""),
                       fontsize=8)
    else:
        axc.set_xlabel(f"specification, sorted by the {_label(target, lang)}"
                       + (" (grey: share of the specifications using the level, in 1,000 bins)" if many else ""),
                       fontsize=8)
    axc.set_ylabel("设定选项" if zh else "choices", fontsize=8)
    return fig


def plot_tornado(res, target: str = "ab", ax=None, lang: str = "en"):
    """One-at-a-time sensitivity of a multiverse study: for each factor, the range of ``target``
    over its levels with every other factor at its default (first) level; bars sorted by length,
    the longest on top, the levels at both ends named, the default specification's value dashed.

    Parameters
    ----------
    res : SensitivityResult
        A ``multiverse`` study (the full factorial; its first row has every factor at its default).
    target : str, optional
        The column of the table (default the indirect effect ``ab``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new Figure (7.0 x 4.5 inches).
    lang : {"en", "zh"}, optional
        The language of the figure's text.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EstimationError
        A study other than the multiverse, or an unknown target.

    Example
    -------
    >>> import pandas as pd
    >>> from resilience_jax.results.sensitivity import SensitivityResult
    >>> table = pd.DataFrame({"sample": ["all", "all", "East", "East"], "weighting": ["entropy", "equal"] * 2,
    ...                       "ab": [0.05, 0.02, 0.09, 0.0]})
    >>> ax = plot_tornado(SensitivityResult("multiverse", table, {"ab": 0.05})).axes[0]
    >>> ax.get_title().startswith("One-at-a-time"), [t.get_text() for t in ax.get_yticklabels()]
    (True, ['weighting', 'sample'])
    """
    _need(res, "multiverse", "plot_tornado")
    _target(res, target, "plot_tornado")
    fig, ax = _axes(ax, (7.0, 4.5))
    t = res.table
    factors = list(_factors(res))
    default = {f: t[f].iloc[0] for f in factors}
    at_default = np.column_stack([t[f].to_numpy() == default[f] for f in factors])
    others = at_default.sum(axis=1)
    y0 = float(t[target].iloc[0])
    bars = []
    for i, f in enumerate(factors):
        rows = (others - at_default[:, i]) == len(factors) - 1  # every other factor at its default
        v = t.loc[rows, target].to_numpy(float)
        lev = t.loc[rows, f].to_numpy()
        j, k = int(np.nanargmin(v)), int(np.nanargmax(v))
        bars.append((f, v[j], v[k], lev[j], lev[k]))
    bars.sort(key=lambda b: b[2] - b[1])
    yy = np.arange(len(bars))
    lows, highs = np.array([b[1] for b in bars]), np.array([b[2] for b in bars])
    ax.barh(yy, highs - lows, left=lows, height=0.6, color="#8DA0CB", edgecolor="#4C72B0")
    zh = lang == "zh"
    ax.axvline(y0, color="black", lw=1, ls="--", label=f"{'默认设定' if zh else 'default specification'} {y0:.4g}")
    span = float(np.nanmax(highs) - np.nanmin(lows)) or 1.0
    for yi, (_, a, b, la, lb) in zip(yy, bars):
        if la != lb:
            ax.text(a - 0.01 * span, yi, _short(la, 22), ha="right", va="center", fontsize=6)
            ax.text(b + 0.01 * span, yi, _short(lb, 22), ha="left", va="center", fontsize=6)
    ax.set_xlim(np.nanmin(lows) - 0.3 * span, np.nanmax(highs) + 0.3 * span)
    ax.set_yticks(yy, [factor_label(b[0], "zh") if zh else b[0].replace("_", " ") for b in bars], fontsize=8)
    if zh:
        ax.set_xlabel(f"{_label(target, lang)}（该因素各取值下的范围）")
        ax.set_title(f"{_label(target, lang)}的单因素敏感性：其余设定均取默认值", fontsize=9)
    else:
        ax.set_xlabel(f"{_label(target, lang)} (range over the factor's levels)")
        ax.set_title(f"One-at-a-time sensitivity of the {_label(target, lang)}: every other choice at its default",
                     fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_sobol(res, target: str = "ab", ax=None, lang: str = "en"):
    """First-order and total Sobol indices of every factor on ``target`` with their bootstrap
    intervals (sorted by the total index, the largest on top; the dummy factor, which the pipeline
    ignores, reads exactly 0 with these estimators: a check of the bookkeeping, while the noise at
    this N is in the intervals).

    Parameters
    ----------
    res : SensitivityResult
        A ``sobol`` study.
    target : str, optional
        One of ``beta``, ``ab``, ``share``, ``sobel_z``.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new Figure (7.0 x 5.0 inches).
    lang : {"en", "zh"}, optional
        The language of the figure's text.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EstimationError
        A study other than Sobol, or a target without indices.

    Example
    -------
    >>> import pandas as pd
    >>> from resilience_jax.results.sensitivity import SensitivityResult
    >>> sob = pd.DataFrame({"factor": ["weighting", "dummy"], "target": ["ab", "ab"], "first": [0.6, 0.0],
    ...                     "first_lo": [0.4, -0.1], "first_hi": [0.8, 0.1], "total": [0.7, 0.01],
    ...                     "total_lo": [0.5, 0.0], "total_hi": [0.9, 0.02]})
    >>> res = SensitivityResult("sobol", pd.DataFrame({"ab": [0.1]}), {"ab": 0.1}, sobol=sob, meta={"n": 64})
    >>> ax = plot_sobol(res).axes[0]
    >>> ax.get_title().startswith("Sobol indices"), ax.get_yticklabels()[-1].get_text()
    (True, 'weighting')
    """
    _need(res, "sobol", "plot_sobol")
    s = res.sobol[res.sobol["target"] == target]
    if s.empty:
        raise EstimationError(f"plot_sobol: no Sobol indices for {target!r}; expected one of "
                              f"{sorted(res.sobol['target'].unique())}")
    fig, ax = _axes(ax, (7.0, 5.0))
    s = s.sort_values("total", kind="stable", ignore_index=True)
    yy = np.arange(len(s))
    zh = lang == "zh"
    for key, off, colour, name in (("first", 0.2, "#4C72B0", "一阶指数（Saltelli 2010）" if zh else "first order (Saltelli 2010)"),
                                   ("total", -0.2, "#DD8452", "总效应指数（Jansen）" if zh else "total (Jansen)")):
        ax.barh(yy + off, s[key], height=0.38, color=colour, alpha=0.85, label=name)
        ax.hlines(yy + off, s[f"{key}_lo"], s[f"{key}_hi"], color="black", lw=1.2)
    ax.hlines([], 0, 0, color="black", lw=1.2, label="95%自助法区间" if zh else "95% bootstrap interval")
    ax.axvline(0, color="black", lw=0.6)
    ax.set_yticks(yy, [factor_label(f, "zh") if zh else f.replace("_", " ") + (" (ignored)" if f == "dummy" else "")
                       for f in s["factor"]], fontsize=8)
    n = res.meta.get("n")
    if zh:
        ax.set_xlabel(f"{_label(target, lang)}的方差中由该因素解释的比例")
        ax.set_title(f"{_label(target, lang)}的Sobol指数" + (f"（N = {n:,}个基点）" if n else ""), fontsize=9)
    else:
        ax.set_xlabel(f"share of the variance of the {_label(target, lang)}")
        ax.set_title(f"Sobol indices of the {_label(target, lang)}" + (f" (N = {n:,} base points)" if n else ""),
                     fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_weight_draws(res, lang: str = "en"):
    """Weights study: histograms of the baseline coefficient and of the indirect effect a*b over
    the weight vectors, the default construction's value marked.

    Parameters
    ----------
    res : SensitivityResult
        A ``weights`` study.
    lang : {"en", "zh"}, optional
        The language of the figure's text.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes side by side (beta, a*b), each titled; the figure has a suptitle.

    Raises
    ------
    EstimationError
        A study other than the weights study.

    Example
    -------
    >>> import resilience_jax as rj
    >>> res = rj.sensitivity(n=64)
    >>> [ax.get_xlabel() for ax in plot_weight_draws(res).axes]
    ['baseline coefficient beta', 'indirect effect a*b']
    >>> [ax.get_xlabel() for ax in plot_weight_draws(res, lang="zh").axes]
    ['基准回归系数 β', '中介效应 a*b']
    """
    from matplotlib.figure import Figure

    _need(res, "weights", "plot_weight_draws")
    fig = Figure(figsize=(10.0, 4.0))
    axes = fig.subplots(1, 2)
    n = len(res.table)
    zh = lang == "zh"
    for ax, key in zip(axes, ("beta", "ab")):
        v = res.table[key].to_numpy(float)
        ax.hist(v, bins=int(np.clip(np.sqrt(n), 10, 80)), histtype="stepfilled", color="#4C72B0", alpha=0.7,
                label=f"{n:,}组权重" if zh else f"{n:,} weight vectors")
        ax.axvline(res.base[key], color="black", lw=1.2, ls="--",
                   label=f"{'默认权重' if zh else 'default weights'} {res.base[key]:.4g}")
        p5, p95 = np.percentile(v, [5, 95])
        ax.axvspan(p5, p95, color="grey", alpha=0.15, label="抽样的5%-95%" if zh else "5-95% of the draws")
        label = _label(key, lang)
        ax.set_title(label if zh else label[0].upper() + label[1:], fontsize=9)
        ax.set_xlabel(label)
        ax.set_ylabel("权重组数" if zh else "weight vectors")
        ax.legend(fontsize=7)
    draws = res.meta.get("draws", "")
    if zh:
        how = {"dirichlet": f"围绕默认权重的狄利克雷抽样（集中度参数{res.meta.get('concentration')}）",
               "uniform": "单纯形上的均匀抽样", "user": "用户给定的权重"}.get(draws, "各组权重")
        fig.suptitle(f"{how}下的基准回归系数与中介效应", fontsize=10)
    else:
        how = {"dirichlet": f"Dirichlet draws around the default weights (concentration {res.meta.get('concentration')})",
               "uniform": "uniform draws on the simplex", "user": "the user's weight vectors"}.get(draws, "weight vectors")
        fig.suptitle(f"Baseline coefficient and indirect effect over {how}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_rank_bands(res, ax=None, lang: str = "en", spec=None):
    """Weights study: each entity's rank under the default weights (points) with its 5-95% band
    over the weight vectors (segments) and the median rank; rank 1 (the highest index averaged
    over the periods) on top.

    Parameters
    ----------
    res : SensitivityResult
        A ``weights`` study (its ``ranks`` table).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new Figure (6.4 x 0.2 inches per entity, at least 4).
    lang : {"en", "zh"}, optional
        The language of the figure's text.
    spec : StudySpec, optional
        For ``"zh"``, the entities by their ``[entity_labels]`` (the paper's spec: the provinces'
        Chinese names); without it, or without an entry, an entity keeps its name.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    EstimationError
        A study other than the weights study.

    Example
    -------
    >>> import pandas as pd
    >>> from resilience_jax.results.sensitivity import SensitivityResult
    >>> ranks = pd.DataFrame({"province": ["A", "B"], "rank_base": [1, 2], "rank_p5": [1.0, 1.0],
    ...                       "rank_median": [1.0, 2.0], "rank_p95": [2.0, 2.0]})
    >>> res = SensitivityResult("weights", pd.DataFrame(), {}, ranks=ranks, meta={"n": 10, "entity": "province"})
    >>> ax = plot_rank_bands(res).axes[0]
    >>> ax.get_title().startswith("Ranks of the provinces"), ax.get_xlabel()
    (True, 'rank (1 = highest index averaged over the periods)')
    """
    _need(res, "weights", "plot_rank_bands")
    r = res.ranks.sort_values("rank_base", kind="stable", ignore_index=True)
    entity = res.meta.get("entity") or r.columns[0]
    fig, ax = _axes(ax, (6.4, max(4.0, 0.2 * len(r) + 1.2)))
    yy = np.arange(len(r))
    zh = lang == "zh"
    ax.hlines(yy, r["rank_p5"], r["rank_p95"], color="#8DA0CB", lw=3,
              label="各组权重下的5%-95%" if zh else "5-95% over the weight vectors")
    ax.plot(r["rank_median"], yy, "|", color="#4C72B0", ms=8, label="排名中位数" if zh else "median rank")
    ax.plot(r["rank_base"], yy, "o", color="black", ms=4, label="默认权重" if zh else "default weights")
    names = r[entity].astype(str)
    ax.set_yticks(yy, names.map(lambda e: spec.entity_label(e, "zh")) if zh and spec is not None else names, fontsize=7)
    ax.invert_yaxis()
    n = res.meta.get("n")
    if zh:
        ax.set_xlabel("排名（1 = 各期平均指数最高）")
        ax.set_title("默认权重下与" + (f"{n:,}组权重下" if n else "各组权重下") + "的排名", fontsize=9)
    else:
        ax.set_xlabel("rank (1 = highest index averaged over the periods)")
        ax.set_title(f"Ranks of the {entity}s under the default weights and over "
                     + (f"{n:,} weight vectors" if n else "the weight vectors"), fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    return fig


def sensitivity_tables(res) -> dict[str, pd.DataFrame]:
    """The tables of a sensitivity study to write, by name.

    ``summary`` (every study: :meth:`SensitivityResult.summary`); weights: ``ranks`` (by entity);
    multiverse: ``anova`` (one row per factor, the first and total index of each target) and
    ``null`` (observed median effect and share significant, their null distribution's median and
    95th percentile, p-values; only when the null was run); Sobol: ``sobol`` (indices with their
    intervals, per factor and target) and ``convergence`` (indices at N/8, N/4, N/2, N).

    Parameters
    ----------
    res : SensitivityResult
        Any study.

    Returns
    -------
    dict of str to pandas.DataFrame

    Example
    -------
    >>> import resilience_jax as rj
    >>> list(sensitivity_tables(rj.sensitivity(n=64)))
    ['summary', 'ranks', 'leave_one_out']
    >>> localize_tables(sensitivity_tables(rj.sensitivity(n=64)), "zh", rj.load_spec())["ranks"].index.name
    '省份'
    """
    summary = res.summary()
    if isinstance(summary.index, pd.MultiIndex):  # a grid of concentrations: a column, not a tuple label
        summary = summary.reset_index(level=0)
    out = {"summary": summary}
    if res.ranks is not None:
        entity = res.meta.get("entity") or res.ranks.columns[0]
        out["ranks"] = res.ranks.set_index(entity)
    if res.leave_one_out is not None:
        out["leave_one_out"] = res.leave_one_out.set_index("left_out")[
            ["weights", "beta", "se_beta", "p_beta", "ab", "share", "sobel_z"]]
    if res.anova is not None:
        a = res.anova
        wide = a.pivot(index="factor", columns="target", values=["first", "total"])
        targets = list(pd.unique(a["target"]))
        wide = wide.reindex(index=list(pd.unique(a["factor"])))
        wide.columns = [f"{tg}_{k}" for k, tg in wide.columns]
        out["anova"] = wide[[f"{tg}_{k}" for tg in targets for k in ("first", "total")]]
    if res.null is not None:
        at = res.null.attrs
        rows = []
        for stat, obs, p in (("median_beta", at.get("observed_median"), at.get("p_median")),
                             ("share_significant", at.get("observed_share"), at.get("p_share"))):
            v = res.null[stat].to_numpy(float)
            rows.append({"statistic": stat, "observed": obs, "null_median": np.median(v),
                         "null_p95": np.percentile(v, 95), "p_value": p})
        out["null"] = pd.DataFrame(rows).set_index("statistic")
    if res.sobol is not None:
        out["sobol"] = res.sobol.set_index("factor")
    if res.convergence is not None:
        out["convergence"] = res.convergence.set_index("n")
    return out
