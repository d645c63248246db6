"""Bootstrap reports: the side-by-side interval table and the figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import ndtri, stdtrit

from .tables import rename_headers, se_words

EFFECTS = {"a": "a (X -> M)", "b": "b (M -> Y | X)", "c": "c (total effect)", "c_prime": "c' (direct effect)",
           "ab": "a*b (indirect effect)", "share": "share a*b/c"}
# the rows of a mediation table: the scale-free share first (the headline), then the effects
HEADLINE_ORDER = ("share", "ab", "c", "c_prime", "a", "b")


N_MC = 20_000  # Monte Carlo draws of the side-by-side table's a*b interval

# --lang zh: the tables' row labels, headers, cells and notes as a Chinese journal prints them (a*b is
# 中介效应 as in the paper; Tables 9-11 take these labels too)
EFFECTS_ZH = {"a": "a（X→M）", "b": "b（M→Y|X）", "c": "总效应 c", "c_prime": "直接效应 c'", "ab": "中介效应 a*b",
              "share": "中介效应占比 a*b/c"}
COLUMNS_ZH = {"effect": "效应", "paper": "原文", "estimate": "估计值", "lower": "默认区间下限", "upper": "默认区间上限",
              "method": "默认区间方法", "units": "单位", "analytic_lower": "解析区间下限", "analytic_upper": "解析区间上限",
              "mc_lower": "蒙特卡洛区间下限", "mc_upper": "蒙特卡洛区间上限", "jackknife_t_lower": "刀切t区间下限",
              "jackknife_t_upper": "刀切t区间上限", "boot_se": "自助法标准误", "percentile_lower": "百分位区间下限",
              "percentile_upper": "百分位区间上限", "bc_lower": "偏差校正区间下限", "bc_upper": "偏差校正区间上限",
              "bca_lower": "BCa区间下限", "bca_upper": "BCa区间上限"}
METHODS_ZH = {"percentile": "百分位", "bc": "偏差校正", "bca": "BCa", "jackknife_t": "刀切t", "bootstrap_t": "自助t",
              "bootstrap_t_symmetric": "对称自助t"}
UNITS_ZH = {"scale-free": "无量纲", "mediator units": "中介变量单位", "index units": "指数单位",
            "index units (sample min-max: scale-dependent)": "指数单位（按样本极差标准化，依赖样本）"}
SCHEMES_ZH = {"cluster": "聚类自助法", "bayesian": "贝叶斯自助法", "wild": "野聚类自助法"}
MINMAX_NOTE_ZH = ("b、c、c'、a*b及基准回归斜率以指数为单位，而样本极差标准化按各样本自身的取值范围度量指数：这些量随样本变化"
                  "（样本越小，数值越大），因此其区间为近似区间；中介效应占比a*b/c不受尺度影响。")
WILD_COLUMNS_ZH = {"sample": "样本", "outcome": "被解释变量", "G": "聚类数", "N": "样本量", "coef": "系数",
                   "se_crv1": "CRV1标准误", "t": "t值", "p_crv1_t(G-1)": "CRV1 p值（t(G-1)）", "ci_lower": "置信区间下限",
                   "ci_upper": "置信区间上限", "bootstrap_type": "自助法类型", "p_wild_rademacher": "野聚类p值（Rademacher）",
                   "rademacher_draws": "Rademacher抽样次数", "p_wild_webb": "野聚类p值（Webb）"}


def localize(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A :func:`side_by_side` or :func:`baseline_table` table as it is printed in ``lang``: for
    ``"zh"`` the row labels, headers and the ``method`` and ``units`` cells in Chinese; for
    ``"en"`` the table itself.

    Example
    -------
    >>> t = pd.DataFrame({"estimate": [0.25], "method": ["jackknife_t"], "units": ["scale-free"]},
    ...                  index=pd.Index([EFFECTS["share"]], name="effect"))
    >>> print(localize(t, "zh").to_csv().strip())
    效应,估计值,默认区间方法,单位
    中介效应占比 a*b/c,0.25,刀切t,无量纲
    >>> localize(pd.DataFrame(index=pd.Index(["LnAI (baseline, REIC)"])), "zh").index[0]
    'LnAI（基准回归，REIC）'
    """
    if lang != "zh":
        return table
    import re

    rows = {EFFECTS[k]: EFFECTS_ZH[k] for k in EFFECTS}
    out = table.rename(index=lambda r: rows.get(r, re.sub(r"^(.*) \(baseline, (.*)\)$", r"\1（基准回归，\2）", str(r))))
    for col, words in (("method", METHODS_ZH), ("units", UNITS_ZH)):
        if col in out:
            out[col] = out[col].map(lambda v: words.get(v, v))
    return rename_headers(out, COLUMNS_ZH)


def localize_wild(table: pd.DataFrame, region_labels=(), lang: str = "en") -> pd.DataFrame:
    """The wild cluster bootstrap table of ``bootstrap --scheme wild`` as it is printed in ``lang``:
    for ``"zh"`` the samples (``full sample``, the regions by ``region_labels``: pairs of region and
    its Chinese name), the headers and the enumeration cells in Chinese; for ``"en"`` the table itself.

    Example
    -------
    >>> t = pd.DataFrame({"G": [30, 8], "rademacher_draws": ["999", "all 256 (enumerated)"]},
    ...                  index=pd.Index(["full sample", "Central"], name="sample"))
    >>> print(localize_wild(t, [("Central", "中部")], "zh").to_csv().strip())
    样本,聚类数,Rademacher抽样次数
    全样本,30,999
    中部,8,全部256种（穷举）
    """
    if lang != "zh":
        return table
    import re

    names = {"full sample": "全样本"} | dict(region_labels)
    out = table.rename(index=lambda r: names.get(r, r))
    if "rademacher_draws" in out:
        out["rademacher_draws"] = out["rademacher_draws"].map(
            lambda v: re.sub(r"^all (\d+) \(enumerated\)$", r"全部\1种（穷举）", str(v)))
    return rename_headers(out, WILD_COLUMNS_ZH)


def mediation_note_zh(*, scheme: str, n_boot: int, seed: int, entity: str, as_printed: bool, published: bool,
                      minmax: bool, provenance: str) -> str:
    """The Chinese note of the mediation bootstrap table (``bootstrap --lang zh``); ``entity``: the
    printed name of the cluster column (e.g. ``省份``).

    Example
    -------
    >>> mediation_note_zh(scheme="cluster", n_boot=999, seed=0, entity="省份", as_printed=False, published=False,
    ...                   minmax=False, provenance="").split("；")[:2]
    ['注：聚类自助法，重复抽样999次，随机种子为0，每次重复抽样均重新估计熵权', '控制省份固定效应']
    """
    variant = "按原文设定估计混合OLS" if as_printed else f"控制{entity}固定效应"
    pub = "“原文”列为已发表的（混合OLS）估计值；" if published else ""
    return (f"注：{SCHEMES_ZH.get(scheme, scheme)}，重复抽样{n_boot}次，随机种子为{seed}，每次重复抽样均重新估计熵权；{variant}；"
            f"解析区间：按{entity}聚类的CRV1标准误与t(G-1)分布，a*b采用Sobel正态近似；{pub}"
            f"默认区间下限、上限为各行的默认区间（方法见“默认区间方法”列）。{MINMAX_NOTE_ZH if minmax else ''}{provenance}")


def baseline_note_zh(*, scheme: str, n_boot: int, seed: int, formula: str, fixed_effects: tuple[str, ...], vcov,
                     cluster: str | None, paper_column: str | None, provenance: str) -> str:
    """The Chinese note of the baseline bootstrap table (``bootstrap --model baseline --lang zh``):
    ``fixed_effects`` and ``cluster`` as printed (e.g. ``省份``), ``vcov`` the spec's
    :class:`~resilience_jax.data.spec.Vcov`, ``paper_column`` the paper's column (None: not printed).

    Example
    -------
    >>> from resilience_jax.data.spec import Vcov
    >>> baseline_note_zh(scheme="cluster", n_boot=999, seed=0, formula="REIC ~ LnAI | province", fixed_effects=("省份",),
    ...                  vcov=Vcov("CRV1", "province"), cluster="省份", paper_column=None, provenance="").split("；")[1:]
    ['基准模型为REIC ~ LnAI | province（省份固定效应）', '解析区间：按省份聚类的稳健标准误（CRV1，t(G-1)分布）。']
    """
    effects = f"{'、'.join(fixed_effects)}固定效应" if fixed_effects else "无固定效应"
    se = se_words(vcov, "zh", {vcov.cluster: cluster})
    paper = (f"“原文”列为原文报告的基准回归系数（第{paper_column}列，包含全部控制变量）。" if paper_column is not None else "")
    return (f"注：{SCHEMES_ZH.get(scheme, scheme)}，重复抽样{n_boot}次，随机种子为{seed}，每次重复抽样均重新估计熵权；"
            f"基准模型为{formula}（{effects}）；解析区间：{se}。{paper}{provenance}")


def wild_note_zh(*, regressor: str, fixed_effects: tuple[str, ...], entity: str, n_boot: int, seed: int,
                 provenance: str) -> str:
    """The Chinese note of the wild cluster bootstrap table (``bootstrap --scheme wild --lang zh``):
    ``fixed_effects`` and ``entity`` (the cluster) as printed (e.g. ``省份``).

    Example
    -------
    >>> wild_note_zh(regressor="LnAI", fixed_effects=("省份",), entity="省份", n_boot=999, seed=0, provenance="").split("，")[:2]
    ['注：在包含全部控制变量及省份固定效应的基准模型中', '以限制性野聚类自助法（WCR）检验原假设H0: LnAI = 0']
    """
    effects = f"{'、'.join(fixed_effects)}固定效应" if fixed_effects else "常数项（无固定效应的OLS）"
    return (f"注：在包含全部控制变量及{effects}的基准模型中，以限制性野聚类自助法（WCR）检验原假设H0: {regressor} = 0，"
            f"按{entity}聚类；p值为满足|t*| ≥ |t|的抽样所占比例（相对误差1e-9以内视为相等），没有此类抽样时记为“< 1/B”；"
            f"聚类数G ≤ 12时穷举全部Rademacher权重，否则随机抽取{n_boot}次（随机种子为{seed}）；Webb权重随机抽取{n_boot}次；"
            f"置信区间下限、上限为反转Rademacher检验所得的95%置信区间（每个原假设取值使用同一组抽样）。{provenance}")


def baseline_table(boot, symbol: str, fit, paper: float | None, level: float = 0.95):
    """The baseline coefficient of ``symbol`` side by side: the paper's printed value, this run's
    estimate, the CRV1 t(G-1) interval of the full-sample fit ``fit`` (a FeolsResult of the spec's
    baseline), and the bootstrap SE and percentile, BC and BCa intervals.

    Example
    -------
    >>> import resilience_jax as rj
    >>> panel = rj.load_panel()
    >>> df = panel.frame.assign(**rj.suite.compute_indices(panel)[1])
    >>> fit = rj.feols("REIC ~ LnAI + Incomegap + Finance + Open + LnRoad + LnPopulation | province", df,
    ...                {"CRV1": "province"})
    >>> t = baseline_table(rj.bootstrap(n_boot=1000), "REIC", fit, 0.123)
    >>> round(float(t["estimate"].iloc[0]), 6) == round(float(fit.params["LnAI"]), 6), float(t["paper"].iloc[0])
    (True, 0.123)
    """
    col = f"beta_{symbol}"
    reg = next(name for name in fit.names if name != "Intercept")  # the baseline's regressor
    tidy = boot.tidy(level, [col]).loc[col]
    lo, hi = fit.conf_int(level).loc[reg]
    row = {"paper": np.nan if paper is None else paper, "estimate": boot.estimate[col], "analytic_lower": lo,
           "analytic_upper": hi, "boot_se": tidy["boot_se"]}
    for m in ("percentile", "bc", "bca"):
        row[f"{m}_lower"], row[f"{m}_upper"] = tidy[f"{m}_lower"], tidy[f"{m}_upper"]
    return pd.DataFrame([row], index=pd.Index([f"{reg} (baseline, {symbol})"], name="effect"))


def side_by_side(boot, paper: dict[str, float], *, n_clusters: int, level: float = 0.95, n_mc: int = N_MC) -> pd.DataFrame:
    """Per effect, the share a*b/c first (the headline: free of the index's scale): the paper's
    printed value, this run's estimate, the default interval (``BootstrapResult.ci(method=None)``:
    its ``lower``, ``upper`` and ``method``), the units (``scale-free``, ``mediator units``, or
    ``index units``, which on the sample min-max scale depend on the sample:
    :data:`~resilience_jax.results.bootstrap.MINMAX_NOTE`), the analytic interval (CRV1 t(G-1)
    for a, b, c, c'; Sobel normal for a*b), the Monte Carlo interval of a*b (``n_mc`` draws from
    the bootstrap's seed), the jackknife-t(G-1) interval, and the bootstrap SE and percentile, BC
    and BCa intervals.

    Parameters
    ----------
    boot : BootstrapResult
        Replicates of the mediation pipeline (:func:`resilience_jax.bootstrap`).
    paper : dict of str to float
        The paper's printed values by effect key (``a``, ``b``, ``c``, ``c_prime``, ``ab``,
        ``share``); a missing key gives NaN.
    n_clusters : int
        Number of clusters G of the analytic intervals (their t(G-1) quantile).
    level : float
        Confidence level of every interval.
    n_mc : int
        Monte Carlo draws of the a*b interval.

    Returns
    -------
    pandas.DataFrame
        One row per effect in :data:`HEADLINE_ORDER` (index ``effect``, the labels of ``EFFECTS``)
        with the columns ``paper``, ``estimate``, ``lower``/``upper``/``method`` (the default
        interval), ``units``, ``analytic_lower``/``upper``, ``mc_lower``/``upper``,
        ``jackknife_t_lower``/``upper``, ``boot_se``, ``percentile_lower``/``upper``,
        ``bc_lower``/``upper`` and ``bca_lower``/``upper``; NaN where an interval does not apply
        (no analytic interval for the share, Monte Carlo for a*b only).

    Raises
    ------
    EstimationError
        when ``level`` is not in (0, 1).

    Example
    -------
    >>> import resilience_jax as rj
    >>> boot = rj.bootstrap(n_boot=2000)
    >>> table = side_by_side(boot, {"a": 0.409, "b": 0.167}, n_clusters=30, n_mc=2000)
    >>> table.shape
    (6, 19)
    >>> print(table[["paper", "estimate", "analytic_lower", "analytic_upper"]].round(3))
                           paper  estimate  analytic_lower  analytic_upper
    effect
    share a*b/c              NaN     0.693             NaN             NaN
    a*b (indirect effect)    NaN     0.064           0.013           0.115
    c (total effect)         NaN     0.092           0.009           0.175
    c' (direct effect)       NaN     0.028          -0.008           0.064
    a (X -> M)             0.409     0.797           0.164           1.430
    b (M -> Y | X)         0.167     0.080           0.061           0.099
    >>> table.loc["share a*b/c", "method"], table.loc["c (total effect)", "units"]
    ('jackknife_t', 'index units (sample min-max: scale-dependent)')
    >>> bool((table["percentile_lower"] <= table["percentile_upper"]).all())
    True
    """
    from .. import _checks
    from ..estimators.mediation import mc_interval_batch
    from ..results.bootstrap import index_units

    tidy = boot.tidy(level, list(HEADLINE_ORDER))
    dflt = boot.ci(None, level, list(HEADLINE_ORDER))
    jk = boot.ci("jackknife_t", level, list(HEADLINE_ORDER))
    e = boot.estimate
    q = stdtrit(n_clusters - 1, 0.5 + level / 2)
    z = ndtri(0.5 + level / 2)
    sobel_se = e["ab"] / e["sobel_z"]
    cols = [np.array([e[k]]) for k in ("a", "se_a", "b", "se_b")]
    mc_lo, mc_hi = np.asarray(mc_interval_batch(_checks.key(boot.seed), *cols, level, n_draws=n_mc))[0]
    rows = []
    for key in HEADLINE_ORDER:
        label, est = EFFECTS[key], e[key]
        lo = hi = m_lo = m_hi = np.nan
        if key in ("a", "b", "c", "c_prime"):
            lo, hi = est - q * e[f"se_{key}"], est + q * e[f"se_{key}"]
        elif key == "ab":
            lo, hi, m_lo, m_hi = est - z * sobel_se, est + z * sobel_se, mc_lo, mc_hi
        t = tidy.loc[key]
        units = ("scale-free" if key == "share" else "mediator units" if not index_units(key) else
                 "index units" + (" (sample min-max: scale-dependent)" if dflt.loc[key, "approximate"] else ""))
        rows.append({
            "effect": label, "paper": paper.get(key, np.nan), "estimate": est, "lower": dflt.loc[key, "lower"],
            "upper": dflt.loc[key, "upper"], "method": dflt.loc[key, "method"], "units": units,
            "analytic_lower": lo, "analytic_upper": hi, "mc_lower": m_lo, "mc_upper": m_hi,
            "jackknife_t_lower": jk.loc[key, "lower"], "jackknife_t_upper": jk.loc[key, "upper"],
            "boot_se": t["boot_se"], "percentile_lower": t["percentile_lower"], "percentile_upper": t["percentile_upper"],
            "bc_lower": t["bc_lower"], "bc_upper": t["bc_upper"], "bca_lower": t["bca_lower"], "bca_upper": t["bca_upper"],
        })
    return pd.DataFrame(rows).set_index("effect")


def headline(table: pd.DataFrame, level: float = 0.95, lang: str = "en") -> str:
    """The mediation's headline sentence from a :func:`side_by_side` table: the share with its
    default interval, in ``lang`` ("en" or "zh").

    Example
    -------
    >>> t = pd.DataFrame({"estimate": [0.25], "lower": [0.1], "upper": [0.4], "method": ["jackknife_t"]},
    ...                  index=pd.Index([EFFECTS["share"]], name="effect"))
    >>> headline(t)
    'Headline: share a*b/c = 0.2500, 95% jackknife_t interval [0.1000, 0.4000] (scale-free: the share of the total effect that runs through the mediator)'
    >>> headline(t, lang="zh")
    '主要结果：中介效应占比 a*b/c = 0.2500，95%刀切t区间 [0.1000, 0.4000]（不受尺度影响：总效应中经由中介变量传导的比例）'
    """
    r = table.loc[EFFECTS["share"]]
    if lang == "zh":
        return (f"主要结果：{EFFECTS_ZH['share']} = {r['estimate']:.4f}，{level:.0%}{METHODS_ZH.get(r['method'], r['method'])}区间 "
                f"[{r['lower']:.4f}, {r['upper']:.4f}]（不受尺度影响：总效应中经由中介变量传导的比例）")
    return (f"Headline: share a*b/c = {r['estimate']:.4f}, {level:.0%} {r['method']} interval [{r['lower']:.4f}, "
            f"{r['upper']:.4f}] (scale-free: the share of the total effect that runs through the mediator)")


def _axes(ax, figsize):
    """The given axes, or a new figure's (matplotlib's object API: no pyplot, no backend switch)."""
    if ax is not None:
        return ax.figure, ax
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot()


def plot_indirect(boot, ax=None, lang: str = "en"):
    """Histogram of the bootstrap a*b with the Sobel normal approximation overlaid, the estimate and
    the 95% BCa interval; drawn on ``ax`` (or a new figure), returns the Figure; its text in
    ``lang`` ("en" or "zh").

    Parameters
    ----------
    boot : BootstrapResult
        Replicates of the mediation pipeline (:func:`resilience_jax.bootstrap`).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new :class:`matplotlib.figure.Figure` (6.4 x 4.0 inches, no pyplot).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot (that of ``ax`` when given).

    Example
    -------
    >>> import resilience_jax as rj
    >>> boot = rj.bootstrap(n_boot=1000)
    >>> plot_indirect(boot).axes[0].get_xlabel(), plot_indirect(boot, lang="zh").axes[0].get_xlabel()
    ('indirect effect a*b', '中介效应 a*b')
    """
    fig, ax = _axes(ax, (6.4, 4.0))
    ab0, z0 = boot.estimate["ab"], boot.estimate["sobel_z"]
    if lang == "zh":
        return _plot_distribution(boot, "ab", abs(ab0 / z0), f"Sobel正态近似（z = {z0:.2f}）",
                                  "中介效应a*b：自助法分布与Sobel正态近似", EFFECTS_ZH["ab"], ax, lang)
    return _plot_distribution(boot, "ab", abs(ab0 / z0), f"Sobel normal approximation (z = {z0:.2f})",
                              "Indirect effect a*b: bootstrap distribution and Sobel's normal approximation",
                              "indirect effect a*b", ax, lang)


def plot_baseline(boot, symbol: str, se: float, regressor: str, ax=None, lang: str = "en"):
    """The bootstrap distribution of the baseline coefficient ``beta_<symbol>`` with the normal
    approximation of its CRV1 standard error ``se``, the estimate and the 95% BCa interval;
    drawn on ``ax`` (or a new figure), returns the Figure; its text in ``lang``.

    Example
    -------
    >>> import resilience_jax as rj
    >>> fig = plot_baseline(rj.bootstrap(n_boot=1000), "REIC", 0.03, "LnAI")
    >>> fig.axes[0].get_xlabel()
    'baseline coefficient of LnAI on REIC'
    """
    if lang == "zh":
        return _plot_distribution(boot, f"beta_{symbol}", se, "CRV1正态近似", f"{regressor}对{symbol}的基准回归系数：自助法分布",
                                  f"{regressor}对{symbol}的基准回归系数", ax, lang)
    return _plot_distribution(boot, f"beta_{symbol}", se, "CRV1 normal approximation",
                              f"Baseline coefficient of {regressor} on {symbol}: bootstrap distribution",
                              f"baseline coefficient of {regressor} on {symbol}", ax, lang)


def _plot_distribution(boot, column: str, se: float, normal_label: str, title: str, xlabel: str, ax, lang: str):
    fig, ax = _axes(ax, (6.4, 4.0))
    x = boot.draws[column].to_numpy()
    zh = lang == "zh"
    # one filled outline, not 80 bar patches (a quarter of the figure's drawing time)
    ax.hist(x, bins=80, density=True, histtype="stepfilled", color="#4C72B0", alpha=0.7,
            label=(f"{SCHEMES_ZH.get(boot.scheme, boot.scheme)}（{boot.n_boot}次重复抽样）" if zh else
                   f"bootstrap ({boot.scheme}, {boot.n_boot} replicates)"))
    x0 = boot.estimate[column]
    # the normal curve over its own +-4 SE as well as the draws' range (not cut off mid-air)
    grid = np.linspace(min(np.quantile(x, 0.001), x0 - 4 * se), max(np.quantile(x, 0.999), x0 + 4 * se), 400)
    ax.plot(grid, np.exp(-0.5 * ((grid - x0) / se) ** 2) / (se * np.sqrt(2 * np.pi)), color="#C44E52", lw=2,
            label=normal_label)
    ax.axvline(x0, color="black", lw=1, ls="--", label=f"{'估计值' if zh else 'estimate'} {x0:.4f}")
    lo, hi = boot.ci("bca", statistics=[column]).loc[column, ["lower", "upper"]]
    ax.axvspan(lo, hi, color="grey", alpha=0.15, label="95% BCa区间" if zh else "95% BCa interval")
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("密度" if zh else "density")
    ax.legend(fontsize=8)
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.92)  # fixed margins: no layout pass
    return fig


def plot_weights(boot, labels: list[str], ax=None, lang: str = "en"):
    """The indicator weights with their 95% percentile bootstrap intervals; drawn on ``ax`` (or a
    new figure), returns the Figure; its text in ``lang`` (the indicators' labels as given).

    Parameters
    ----------
    boot : BootstrapResult
        Replicates of the mediation pipeline (:func:`resilience_jax.bootstrap`), with ``w_<indicator>``
        columns.
    labels : list of str
        Axis label of each indicator, in the order of the ``w_`` columns (the spec's indicators).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; default a new :class:`matplotlib.figure.Figure` (6.4 x 5.0 inches, no pyplot).

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the plot (that of ``ax`` when given); indicators sorted by weight.

    Example
    -------
    >>> import resilience_jax as rj
    >>> labels = [i.label_en for i in rj.load_spec().index.indicators]
    >>> fig = plot_weights(rj.bootstrap(n_boot=1000), labels)
    >>> ax = fig.axes[0]
    >>> ax.get_title(), len(ax.get_yticklabels())
    ('Entropy weights of the indicators', 15)
    >>> ax.get_yticklabels()[-1].get_text()  # the largest weight comes last
    'R&D capability'
    """
    fig, ax = _axes(ax, (6.4, 5.0))
    cols = [c for c in boot.draws.columns if c.startswith("w_")]
    est = boot.estimate[cols].to_numpy()
    ci = boot.ci("percentile", statistics=cols).loc[cols]
    order = np.argsort(est)
    y = np.arange(len(cols))
    # the interval as a segment and the estimate as a point: a full-sample weight may lie outside
    # its own percentile interval (error bars would need negative lengths there)
    zh = lang == "zh"
    ax.hlines(y, ci["lower"].to_numpy()[order], ci["upper"].to_numpy()[order], color="#8DA0CB", lw=2,
              label="95%百分位区间" if zh else "95% percentile interval")
    ax.plot(est[order], y, "o", color="#4C72B0", label="全样本权重" if zh else "full-sample weight")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_yticks(y, [labels[i] for i in order], fontsize=8)
    ax.set_title("各指标的熵值法权重" if zh else "Entropy weights of the indicators", fontsize=9)
    ax.set_xlabel("熵值法权重（95%百分位自助法区间）" if zh else "entropy weight (95% percentile bootstrap interval)")
    fig.tight_layout()
    return fig
