"""Posterior reports: the side-by-side table with the posterior columns, and the figures."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.stats import norm

from .bootstrap_report import EFFECTS, EFFECTS_ZH, SCHEMES_ZH, localize

# --lang zh: the posterior tables' headers, row labels, captions and notes as a Chinese journal prints them
POSTERIOR_COLUMNS_ZH = {"posterior_median": "后验中位数", "credible_lower": "可信区间下限", "credible_upper": "可信区间上限"}
SUMMARY_COLUMNS_ZH = {"quantity": "参数", "mean": "后验均值", "sd": "后验标准差", "median": "后验中位数",
                      "mcse_mean": "后验均值的蒙特卡洛标准误", "ess_bulk": "主体有效样本量 (ESS)",
                      "ess_tail": "尾部有效样本量 (ESS)", "r_hat": "R-hat",
                      # the law of total variance over the weight draws (PosteriorResult.weights_variance)
                      "regression": "给定权重的后验方差均值", "weights": "权重导致的方差", "total": "后验总方差",
                      "share_weights": "权重导致的方差占比"}
# the interval columns of PosteriorResult.summary (eti95_lower, hdi95_upper, ... at any level)
_INTERVAL = re.compile(r"^(eti|hdi)([0-9.]+)_(lower|upper)$")
# the residual sds and the random effects' sd and AR(1) coefficient, per equation (suffix _M, _Y)
_NUISANCE_ZH = {"sigma": "残差标准差 σ", "tau": "个体效应标准差 τ", "rho": "误差自相关系数 ρ"}
_EQUATION_ZH = {"": "", "M": "中介方程", "Y": "结果方程"}
MODELS_ZH = {"mediation": "中介效应模型", "baseline": "基准回归模型"}
ENGINES_ZH = {"nuts": "NUTS抽样", "conjugate": "共轭先验下的精确独立抽样"}
FIXED_EFFECTS_ZH = {"within": "组内变换（个体固定效应）", "dummies": "个体虚拟变量（个体固定效应）",
                    "mundlak": "Mundlak相关随机效应", "random": "随机效应"}
ERRORS_ZH = {"iid": "独立同分布", "ar1": "服从AR(1)过程"}
WEIGHTS_ZH = {"fixed": "固定为全样本熵权", "bayesian_bootstrap": "按个体贝叶斯自助法抽取"}
PRIORS_ZH = {"nig": "随尺度调整的正态-逆伽马先验", "flat": "平坦先验"}
SUMMARY_CAPTION = {"en": "Posterior summary and diagnostics", "zh": "后验分布摘要与收敛诊断"}
SUMMARY_NOTE = {"en": "95% intervals: eti equal-tailed, hdi highest density; ESS bulk/tail and rank-normalised R-hat (ArviZ)",
                "zh": "注：95%区间为等尾可信区间与最高密度区间（HDI）；有效样本量 (ESS) 分主体与尾部两种，R-hat为秩标准化的"
                      "分裂R-hat（均由ArviZ计算）。"}


def quantity_label(name: str, lang: str = "en") -> str:
    """A posterior quantity (a row of :meth:`PosteriorResult.summary`) as a table prints it: for
    ``"zh"`` the mediation's effects as the bootstrap tables name them, the residual sd, the random
    effects' sd and the AR(1) coefficient in words (per equation); the baseline's slopes keep their
    variable's name; ``name`` itself for ``"en"``.

    Example
    -------
    >>> [quantity_label(q, "zh") for q in ("c_prime", "sigma_M", "tau", "LnAI")]
    ["直接效应 c'", '中介方程残差标准差 σ_M', '个体效应标准差 τ', 'LnAI']
    >>> quantity_label("sigma_M")
    'sigma_M'
    """
    if lang != "zh":
        return name
    if name in EFFECTS_ZH:
        return EFFECTS_ZH[name]
    head, _, eq = name.partition("_")
    if head in _NUISANCE_ZH and eq in _EQUATION_ZH:
        return _EQUATION_ZH[eq] + _NUISANCE_ZH[head] + (f"_{eq}" if eq else "")
    return name


def localize_summary(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """A :meth:`PosteriorResult.summary` or :meth:`PosteriorResult.weights_variance` table as it is
    printed in ``lang``: for ``"zh"`` the headers and the quantities (:func:`quantity_label`) in
    Chinese; for ``"en"`` the table itself.

    Example
    -------
    >>> t = pd.DataFrame({"mean": [0.1], "ess_bulk": [900.0], "eti95_lower": [0.0], "hdi90_upper": [0.2]},
    ...                  index=pd.Index(["ab"], name="quantity"))
    >>> print(localize_summary(t, "zh").to_csv().strip())
    参数,后验均值,主体有效样本量 (ESS),95%等尾可信区间下限,90%最高密度区间（HDI）上限
    中介效应 a*b,0.1,900.0,0.0,0.2
    >>> localize_summary(t) is t
    True
    """
    if lang != "zh":
        return table

    def column(c):
        m = _INTERVAL.match(str(c))
        if m is None:
            return SUMMARY_COLUMNS_ZH.get(c, c)
        kind = "等尾可信区间" if m[1] == "eti" else "最高密度区间（HDI）"
        return f"{m[2]}%{kind}{'下限' if m[3] == 'lower' else '上限'}"

    out = table.rename(index=lambda q: quantity_label(str(q), "zh"), columns=column)
    return out.rename_axis(SUMMARY_COLUMNS_ZH.get(table.index.name, table.index.name))


def localize_posterior(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The side-by-side table of ``posterior`` (the bootstrap's :func:`side_by_side` or
    :func:`baseline_table` columns joined with :func:`posterior_columns`) as it is printed in
    ``lang``: for ``"zh"`` the rows and the bootstrap's headers as
    :func:`~resilience_jax.report.bootstrap_report.localize` prints them, the posterior's headers in
    Chinese; for ``"en"`` the table itself.

    Example
    -------
    >>> t = pd.DataFrame({"estimate": [0.06], "posterior_median": [0.062], "credible_lower": [0.02]},
    ...                  index=pd.Index([EFFECTS["ab"]], name="effect"))
    >>> print(localize_posterior(t, "zh").to_csv().strip())
    效应,估计值,后验中位数,可信区间下限
    中介效应 a*b,0.06,0.062,0.02
    """
    if lang != "zh":
        return table
    return localize(table, "zh").rename(columns=POSTERIOR_COLUMNS_ZH)


def posterior_caption(model: str, symbol: str, lang: str = "en") -> str:
    """The caption of the side-by-side table of ``posterior``.

    Example
    -------
    >>> posterior_caption("mediation", "REIC")
    'mediation on REIC: the paper, CRV1, bootstrap BCa and the posterior side by side'
    >>> posterior_caption("baseline", "REIC", "zh")
    'REIC的基准回归模型：原文、CRV1区间、聚类自助法BCa区间与后验分布对比'
    """
    if lang == "zh":
        return f"{symbol}的{MODELS_ZH.get(model, model)}：原文、CRV1区间、聚类自助法BCa区间与后验分布对比"
    return f"{model} on {symbol}: the paper, CRV1, bootstrap BCa and the posterior side by side"


def posterior_note_zh(config: dict, *, n_boot: int, provenance: str) -> str:
    """The Chinese note of the side-by-side table of ``posterior --lang zh``: the run's settings
    (``config``, :attr:`PosteriorResult.config`; the Sobel interval of a*b named for the mediation
    model only), the intervals and the data's provenance.

    Example
    -------
    >>> cfg = {"engine": "nuts", "effects": "mundlak", "errors": "iid", "weights": "fixed", "prior": "nig",
    ...        "chains": 4, "draws": 1000, "seed": 0}
    >>> posterior_note_zh(cfg, n_boot=999, provenance="").split("；")[0].split("，")[:3]
    ['注：后验抽样：NUTS抽样', '个体效应采用Mundlak相关随机效应', '误差项独立同分布']
    """
    c = config
    sobel = "（a*b采用Sobel正态近似）" if c.get("model", "mediation") == "mediation" else ""
    return (f"注：后验抽样：{ENGINES_ZH.get(c['engine'], c['engine'])}，个体效应采用"
            f"{FIXED_EFFECTS_ZH.get(c['effects'], c['effects'])}，误差项{ERRORS_ZH.get(c['errors'], c['errors'])}，"
            f"指数权重{WEIGHTS_ZH.get(c['weights'], c['weights'])}，{PRIORS_ZH.get(c['prior'], c['prior'])}，"
            f"{c['chains']}条链×每条链{c['draws']}次抽样，随机种子为{c['seed']}；95%区间：后验分布为等尾可信区间，"
            f"解析区间为CRV1标准误与t(G-1)分布{sobel}，{SCHEMES_ZH['cluster']}（重复抽样{n_boot}次）"
            f"为BCa区间。{provenance}")


def posterior_columns(post, keys, level: float = 0.95) -> pd.DataFrame:
    """The posterior median and equal-tailed credible interval of ``keys`` (labelled as the
    side-by-side table labels them).

    Example
    -------
    >>> import resilience_jax as rj
    >>> cols = posterior_columns(rj.posterior(engine="conjugate", draws=300), ["a", "ab"])
    >>> list(cols.columns)
    ['posterior_median', 'credible_lower', 'credible_upper']
    """
    t = post.tidy(level)
    rows = {EFFECTS.get(k, k): {"posterior_median": t.loc[k, "estimate"], "credible_lower": t.loc[k, "lower"],
                                "credible_upper": t.loc[k, "upper"]} for k in keys}
    return pd.DataFrame(rows).T.rename_axis("effect")


def plot_rank(post, lang: str = "en"):
    """Rank plots of the headline quantities (ArviZ): uniform bars per chain mean the chains agree;
    the titles in ``lang`` ("en" or "zh").

    Example
    -------
    >>> import resilience_jax as rj
    >>> fig = plot_rank(rj.posterior(model="baseline", engine="conjugate", draws=200))
    >>> fig.axes[0].get_title()
    'LnAI'
    """
    import matplotlib.pyplot as plt

    from ..results.posterior import az

    names = post.headline
    fig, axes = plt.subplots(int(np.ceil(len(names) / 4)), min(4, len(names)), figsize=(13, 2.8 * np.ceil(len(names) / 4)),
                             squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        az.plot_rank(post.idata, var_names=[name], ax=ax)
        ax.set_title(quantity_label(name, lang))
        if lang == "zh":
            ax.set(xlabel="秩（全部链合并）", ylabel="链")
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"各链的秩图（{ENGINES_ZH.get(post.config['engine'], post.config['engine'])}，{post.config['chains']}条链）"
                 if lang == "zh" else
                 f"Rank plots by chain ({post.config['engine']}, {post.config['chains']} chains)")
    fig.tight_layout()
    return fig


def plot_indirect_posterior(post, boot=None, sobel: tuple[float, float] | None = None, lang: str = "en"):
    """The posterior of a*b beside the bootstrap distribution and the Sobel normal, and the
    posterior of the share a*b/c. ``sobel`` (mean, SE) defaults to the bootstrap's point estimate
    of a*b and its Sobel SE when ``boot`` is given. The text in ``lang`` ("en" or "zh").

    Example
    -------
    >>> import resilience_jax as rj
    >>> fig = plot_indirect_posterior(rj.posterior(engine="conjugate", draws=300), sobel=(0.064, 0.026))
    >>> [ax.get_title() for ax in fig.axes]
    ['Indirect effect a*b', 'Share a*b/c']
    >>> post = rj.posterior(engine="conjugate", draws=300)
    >>> [ax.get_title() for ax in plot_indirect_posterior(post, sobel=(0.064, 0.026), lang="zh").axes]
    ['中介效应 a*b', '中介效应占比 a*b/c']
    """
    import matplotlib.pyplot as plt

    zh = lang == "zh"
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ab = post.draws("ab")
    lo, hi = np.quantile(ab, [0.001, 0.999])
    bins = np.linspace(lo, hi, 80)
    ax.hist(ab, bins=bins, density=True, alpha=0.5, label="后验分布" if zh else "posterior")
    if boot is not None:
        ax.hist(np.clip(boot.draws["ab"], lo, hi), bins=bins, density=True, alpha=0.4,
                label="自助法分布" if zh else "bootstrap")
        if sobel is None:
            e = boot.estimate
            sobel = (float(e["ab"]), float(abs(e["ab"] / e["sobel_z"])))
    if sobel is not None:
        x = np.linspace(lo, hi, 400)
        ax.plot(x, norm.pdf(x, *sobel), "k--", label="Sobel正态近似" if zh else "Sobel normal")
    ax.axvline(0, color="grey", lw=0.8)
    ax.set(title=EFFECTS_ZH["ab"] if zh else "Indirect effect a*b", xlabel="a*b", ylabel="密度" if zh else "density")
    ax.legend()
    share = post.draws("share")
    q = np.quantile(share, [0.005, 0.995])
    ax2.hist(np.clip(share, *q), bins=80, density=True, alpha=0.6)
    for v in (0, 1):
        ax2.axvline(v, color="grey", lw=0.8)
    ax2.set(title=EFFECTS_ZH["share"] if zh else "Share a*b/c",
            xlabel="a*b / c（抽样的0.5%-99.5%）" if zh else "a*b / c (0.5%-99.5% of draws)", ylabel="密度" if zh else "density")
    fig.tight_layout()
    return fig


def plot_weights_contribution(post, lang: str = "en"):
    """The share of each headline quantity's posterior variance due to the index weights; the text
    in ``lang`` ("en" or "zh").

    Example
    -------
    >>> import resilience_jax as rj
    >>> post = rj.posterior(engine="conjugate", weights="bayesian_bootstrap", n_weight_draws=10, draws=100)
    >>> tuple(float(x) for x in plot_weights_contribution(post).axes[0].get_xlim())
    (0.0, 1.0)
    """
    import matplotlib.pyplot as plt

    wv = post.weights_variance()
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh([quantity_label(q, lang) for q in wv.index], wv["share_weights"].astype(float))
    if lang == "zh":
        ax.set(xlim=(0, 1), xlabel="后验方差中来自指数权重的比例（全方差公式）",
               title=f"指数权重对后验方差的贡献（{post.config['n_weight_draws']}组贝叶斯自助法权重）")
    else:
        ax.set(xlim=(0, 1), xlabel="share of posterior variance from the weights (law of total variance)",
               title=f"Index weights' contribution ({post.config['n_weight_draws']} Bayesian-bootstrap weight draws)")
    fig.tight_layout()
    return fig


def plot_sbc(result):
    """Rank histograms and ECDF-difference plots (with the simultaneous band) of an SBC run.

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.bayes.design import posterior_design
    >>> from resilience_jax.bayes.sbc import sbc
    >>> d, _ = posterior_design(rj.load_panel(), "baseline")
    >>> fig = plot_sbc(sbc(0, d, rj.bayes.Prior(), n_sims=50, draws=49))
    >>> len(fig.axes)
    6
    """
    import matplotlib.pyplot as plt

    qs = list(result.ranks)
    fig, axes = plt.subplots(2, len(qs), figsize=(2.6 * len(qs), 5), squeeze=False)
    grid = np.linspace(0, 1, 101)[1:-1]
    for j, q in enumerate(qs):
        r = result.ranks[q]
        axes[0, j].hist(r, bins=result.bins, range=(0, 1))
        axes[0, j].axhline(result.n_sims / result.bins, color="k", lw=0.8)
        axes[0, j].set_title(q)
        axes[1, j].plot(grid, (r[:, None] <= grid).mean(axis=0) - grid)
        axes[1, j].fill_between(grid, -result.band, result.band, color="grey", alpha=0.3)
        axes[1, j].set_xlabel("fractional rank")
    axes[0, 0].set_ylabel("count")
    axes[1, 0].set_ylabel("ECDF - uniform")
    fig.suptitle(f"Simulation-based calibration: {result.n_sims} simulations")
    fig.tight_layout()
    return fig


def plot_prior_predictive(pp: dict, lang: str = "en"):
    """The prior predictive check: each outcome's within-province sd in datasets simulated from
    the prior, and the observed one (:func:`resilience_jax.bayes.fit.prior_predictive`); the text
    in ``lang`` ("en" or "zh").

    Example
    -------
    >>> import numpy as np
    >>> fig = plot_prior_predictive({"REIC": (np.abs(np.random.default_rng(0).normal(size=200)), 0.5)})
    >>> fig.axes[0].get_title()
    'REIC'
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(pp), figsize=(5 * len(pp), 3.5), squeeze=False)
    for ax, (name, (sims, obs)) in zip(axes.ravel(), pp.items()):
        hi = np.quantile(sims, 0.99)
        zh = lang == "zh"
        ax.hist(np.clip(sims, 0, hi), bins=60, density=True, alpha=0.6, label="先验预测分布" if zh else "prior predictive")
        ax.axvline(obs, color="k", lw=1.5, label="观测值" if zh else "observed")
        ax.set(title=name, xlabel="被解释变量的省内标准差" if zh else "within-province sd of the outcome",
               ylabel="密度" if zh else "density")
        ax.legend()
    fig.suptitle("先验预测检验" if lang == "zh" else "Prior predictive check")
    fig.tight_layout()
    return fig
