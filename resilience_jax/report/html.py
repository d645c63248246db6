"""One self-contained HTML report: tables (pandas DataFrames), figures (PNG images) and the run's
provenance rendered into a single string.

The page references nothing outside itself: figures are inline ``data:image/png;base64`` URIs, the
style sheet is an inline ``<style>``, there is no script and no web font (the browser's own fonts,
CJK included, render the text), and a Content-Security-Policy in the page forbids any fetch, so
opening the file never touches the network. Every text is escaped (:func:`html.escape`).

These are pure functions: they compute nothing and write no file (``resilience-jax report`` runs
the analyses, then writes what :func:`render_report` returns).
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass

import pandas as pd

from .tables import _cell

# --lang zh: the report's own words (the tables bring their own captions and notes, localised)
WORDS = {
    "en": {"title": "resilience_jax report", "contents": "Contents", "paper": "The paper's tables",
           "comparison": "The paper's printed estimates beside this run's", "bootstrap": "Bootstrap of the mediation",
           "posterior": "Posterior", "sensitivity": "Sensitivity of the findings to the index weights",
           "provenance": "Provenance", "interpolated": "Interpolated cells", "seconds": "computed in {:.1f} s",
           "figure": "Figure", "table": "Table", "skipped": "Not computed: {}",
           "fig_bootstrap_indirect": "Bootstrap distribution of the indirect effect a*b beside Sobel's normal approximation",
           "fig_bootstrap_weights": "The entropy weights with their 95% percentile bootstrap intervals",
           "fig_posterior_indirect": "Posterior of a*b beside the bootstrap and the Sobel normal; posterior of the share",
           "fig_posterior_rank": "Rank plots by chain (uniform bars: the chains agree)",
           "fig_sensitivity_draws": "Baseline coefficient and indirect effect over the weight vectors",
           "fig_sensitivity_ranks": "Ranks under the default weights and their 5-95% bands over the weight vectors",
           "diagnostics": "Diagnostics failed", "prior": "Prior", "probabilities": "Posterior probabilities",
           "no_comparison": "The study spec has no [paper_estimates]: nothing to compare.",
           "unbalanced": "the posterior and the sensitivity study need a balanced panel"},
    "zh": {"title": "resilience_jax 分析报告", "contents": "目录", "paper": "原文表格",
           "comparison": "原文估计值与本次估计值对比", "bootstrap": "中介效应的自助法检验", "posterior": "贝叶斯后验分析",
           "sensitivity": "研究结论对指数权重的敏感性", "provenance": "数据与运行信息（可复现性）",
           "interpolated": "插值填补的单元格", "seconds": "用时{:.1f}秒", "figure": "图", "table": "表",
           "skipped": "未计算：{}",
           "fig_bootstrap_indirect": "中介效应a*b的自助法分布与Sobel正态近似",
           "fig_bootstrap_weights": "各指标熵权及其95%百分位自助法区间",
           "fig_posterior_indirect": "a*b的后验分布、自助法分布与Sobel正态近似；中介效应占比的后验分布",
           "fig_posterior_rank": "各条链的秩图（各柱高度均匀表示各链一致）",
           "fig_sensitivity_draws": "各组权重下的基准回归系数与中介效应",
           "fig_sensitivity_ranks": "默认权重下的排名及各组权重下排名的5%-95%区间",
           "diagnostics": "收敛诊断未通过", "prior": "先验分布", "probabilities": "后验概率",
           "no_comparison": "研究设定中没有[paper_estimates]（原文估计值），无可对比。",
           "unbalanced": "后验分析与敏感性分析需要平衡面板"},
}

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC", "PingFang SC",
       "Microsoft YaHei", sans-serif; margin: 0 auto; max-width: 78rem; padding: 1rem 2rem 4rem; color: #1a1a1a;
       line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #4C72B0; padding-bottom: 0.2rem; margin-top: 2.5rem; }
.seconds { font-size: 0.8rem; font-weight: normal; color: #666; }
.banner { border: 1px solid #d9a400; background: #fff6d5; padding: 0.6rem 0.9rem; margin: 1rem 0; }
.banner.synthetic { border-color: #c44e52; background: #fdecea; font-weight: 600; }
nav ol { font-size: 0.9rem; }
nav ol ol { columns: 2; column-gap: 2rem; }
nav li { break-inside: avoid; }
.table-wrap { overflow-x: auto; margin: 1.4rem 0 0.4rem; }
table { border-collapse: collapse; font-size: 0.82rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.4rem; font-size: 0.92rem; }
thead th { border-top: 2px solid #333; border-bottom: 1px solid #333; }
tbody tr:last-child > * { border-bottom: 2px solid #333; }
th, td { padding: 0.18rem 0.6rem; white-space: nowrap; }
td { text-align: right; }
td.text { text-align: left; }
tbody th { text-align: left; font-weight: normal; }
p.note { font-size: 0.78rem; color: #444; margin: 0.3rem 0 1rem; max-width: 70rem; }
figure { margin: 1.6rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #333; margin-top: 0.3rem; }
table.provenance td { text-align: left; white-space: normal; font-family: ui-monospace, "SFMono-Regular", Menlo,
                      Consolas, monospace; word-break: break-all; }
table.provenance th { text-align: left; vertical-align: top; }
""".strip()

# no fetch of any kind: images only from data: URIs, styles only inline
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Table:
    """A table of the report: its id (the HTML element is ``tab-<id>``), caption, the DataFrame as
    printed, its note and the format of its float cells."""

    id: str
    caption: str
    frame: pd.DataFrame
    note: str = ""
    floatfmt: str = ".3f"


@dataclass(frozen=True)
class Figure:
    """A figure of the report: its id (the HTML element is ``fig-<id>``), caption and PNG bytes
    (:func:`png`)."""

    id: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class Section:
    """A section of the report: its id, title, items (:class:`Table`, :class:`Figure`, a string: a
    paragraph, or a list of strings: a bulleted list) and the seconds it took to compute (None: not
    shown)."""

    id: str
    title: str
    items: tuple = ()
    seconds: float | None = None


def word(key: str, lang: str = "en") -> str:
    """The report's own text ``key`` (a section title, a figure caption) in ``lang``.

    Example
    -------
    >>> word("provenance"), word("provenance", "zh")
    ('Provenance', '数据与运行信息（可复现性）')
    """
    return WORDS["zh" if lang == "zh" else "en"][key]


def png(fig, dpi: int = 100) -> bytes:
    """A matplotlib figure as PNG bytes (nothing written to disk; the figure stays open).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    dpi : int
        Resolution.

    Returns
    -------
    bytes
        The PNG file's content.

    Example
    -------
    >>> from matplotlib.figure import Figure as MplFigure
    >>> fig = MplFigure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> png(fig)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def data_uri(data: bytes, mime: str = "image/png") -> str:
    """``data`` as a ``data:`` URI (base64), for an ``<img src>``.

    Example
    -------
    >>> data_uri(b"abc")
    'data:image/png;base64,YWJj'
    """
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _slug(text: str) -> str:
    """An id made of ASCII letters, digits, ``-`` and ``_`` only."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "x"


def _label(value) -> str:
    if isinstance(value, tuple):
        return " / ".join(str(v) for v in value)
    return "" if value is None else str(value)


# a number as the tables print it: a coefficient with stars, an SE in parentheses, an interval
_NUMBER = re.compile(r"^[\s(\[]*[-+−]?(\d|\.\d|(?:inf|nan)\b)", re.IGNORECASE)


def _td(text: str) -> str:
    """A body cell: numbers right-aligned (the default), words left-aligned (``class="text"``)."""
    return f"<td>{_e(text)}</td>" if text == "" or _NUMBER.match(text) else f'<td class="text">{_e(text)}</td>'


def table_html(table: Table) -> str:
    """A :class:`Table` as an HTML ``<table id="tab-<id>">`` with its ``<caption>``, a header row
    (the index's name, then the columns), one row per DataFrame row (the index as a row header)
    and the note in a ``<p class="note">`` below it. Cells are formatted as the Markdown tables
    (:func:`~resilience_jax.report.tables.to_markdown`: ``floatfmt``, NaN empty, no ``-0.000``),
    numbers right-aligned and words left-aligned, every text escaped.

    Parameters
    ----------
    table : Table
        The table.

    Returns
    -------
    str
        The HTML fragment.

    Example
    -------
    >>> df = pd.DataFrame({"coef": [0.1234, float("nan")], "stars": ["(0.05)**", "none"]},
    ...                   index=pd.Index(["LnAI", "a<b"], name="term"))
    >>> print(table_html(Table("t1", "Table 1 & more", df, note="p < 0.05")))
    <div class="table-wrap"><table id="tab-t1">
    <caption>Table 1 &amp; more</caption>
    <thead><tr><th scope="col">term</th><th scope="col">coef</th><th scope="col">stars</th></tr></thead>
    <tbody>
    <tr><th scope="row">LnAI</th><td>0.123</td><td>(0.05)**</td></tr>
    <tr><th scope="row">a&lt;b</th><td></td><td class="text">none</td></tr>
    </tbody>
    </table></div>
    <p class="note">p &lt; 0.05</p>
    """
    df = table.frame
    head = "".join(f'<th scope="col">{_e(_label(c))}</th>' for c in [df.index.name, *df.columns])
    rows = []
    for idx, values in zip(df.index, df.itertuples(index=False, name=None)):
        cells = "".join(_td(_cell(v, table.floatfmt)) for v in values)
        rows.append(f'<tr><th scope="row">{_e(_label(idx))}</th>{cells}</tr>')
    out = [f'<div class="table-wrap"><table id="tab-{_slug(table.id)}">', f"<caption>{_e(table.caption)}</caption>",
           f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table></div>"]
    if table.note:
        out.append(f'<p class="note">{_e(table.note)}</p>')
    return "\n".join(out)


def figure_html(figure: Figure) -> str:
    """A :class:`Figure` as ``<figure id="fig-<id>">`` with the PNG inline (a ``data:`` URI) and its
    caption.

    Example
    -------
    >>> print(figure_html(Figure("f1", "a*b <draws>", b"abc")))
    <figure id="fig-f1"><img src="data:image/png;base64,YWJj" alt="a*b &lt;draws&gt;">
    <figcaption>a*b &lt;draws&gt;</figcaption></figure>
    """
    return (f'<figure id="fig-{_slug(figure.id)}"><img src="{data_uri(figure.png)}" alt="{_e(figure.caption)}">\n'
            f"<figcaption>{_e(figure.caption)}</figcaption></figure>")


def provenance_html(rows, lang: str = "en") -> str:
    """The provenance block: a ``<table class="provenance" id="tab-provenance">`` of
    ``(key, label, value)`` rows, each ``<tr id="prov-<key>">``.

    Parameters
    ----------
    rows : iterable of (str, str, str)
        Key (the row's id), label and value of each entry (a version, a SHA-256, a seed, ...).
    lang : {"en", "zh"}
        Language of the caption.

    Returns
    -------
    str
        The HTML fragment.

    Example
    -------
    >>> print(provenance_html([("seed", "Seed", 0)]))
    <div class="table-wrap"><table class="provenance" id="tab-provenance">
    <caption>Provenance</caption>
    <tbody>
    <tr id="prov-seed"><th scope="row">Seed</th><td>0</td></tr>
    </tbody>
    </table></div>
    """
    body = [f'<tr id="prov-{_slug(key)}"><th scope="row">{_e(label)}</th><td>{_e(value)}</td></tr>'
            for key, label, value in rows]
    return "\n".join(['<div class="table-wrap"><table class="provenance" id="tab-provenance">',
                      f"<caption>{_e(word('provenance', lang))}</caption>", "<tbody>", *body, "</tbody>",
                      "</table></div>"])


def _section_html(section: Section, lang: str) -> str:
    took = (f' <span class="seconds">({_e(word("seconds", lang).format(section.seconds))})</span>'
            if section.seconds is not None else "")
    parts = [f'<section id="{_slug(section.id)}">', f"<h2>{_e(section.title)}{took}</h2>"]
    for item in section.items:
        if isinstance(item, Table):
            parts.append(table_html(item))
        elif isinstance(item, Figure):
            parts.append(figure_html(item))
        elif isinstance(item, (list, tuple)):
            parts.append("<ul>" + "".join(f"<li>{_e(x)}</li>" for x in item) + "</ul>")
        else:
            parts.append(f"<p>{_e(item)}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def render_report(sections, provenance, *, lang: str = "en", title: str | None = None, banner: str | None = None,
                  synthetic: bool = False) -> str:
    """The whole report as one self-contained HTML page: a title, the data banner, a table of
    contents, the sections in order, then the provenance block.

    Parameters
    ----------
    sections : sequence of Section
        The report's sections.
    provenance : iterable of (str, str, str)
        The provenance rows (:func:`provenance_html`).
    lang : {"en", "zh"}
        Language of the page (``<html lang="en">`` or ``"zh-CN"``) and of the report's own words.
    title : str, optional
        The page title (default: the report's title in ``lang``).
    banner : str, optional
        A sentence shown above the contents (the data's provenance), in a ``<div id="data-banner">``.
    synthetic : bool
        The data is the embedded synthetic panel: the banner is marked (``class="banner synthetic"``).

    Returns
    -------
    str
        The HTML document. It refers to no URL: images are ``data:`` URIs, the style is inline,
        there is no script, and its Content-Security-Policy forbids fetching anything.

    Example
    -------
    >>> df = pd.DataFrame({"weight": [0.6, 0.4]}, index=pd.Index(["x1", "x2"], name="indicator"))
    >>> page = render_report([Section("weights", "Weights", (Table("w", "Entropy weights", df), "A paragraph."),
    ...                               seconds=0.5)], [("seed", "Seed", 0)], banner="SYNTHETIC data", synthetic=True)
    >>> page.startswith("<!DOCTYPE html>"), '<html lang="en">' in page, 'id="tab-w"' in page, "//" in page
    (True, True, True, False)
    >>> '<html lang="zh-CN">' in render_report([], [], lang="zh")
    True
    """
    zh = lang == "zh"
    title = title or word("title", lang)
    toc = []
    for s in sections:
        subs = [f'<li><a href="#tab-{_slug(i.id)}">{_e(i.caption)}</a></li>' for i in s.items if isinstance(i, Table)]
        sub = f"<ol>{''.join(subs)}</ol>" if len(subs) > 1 else ""
        toc.append(f'<li><a href="#{_slug(s.id)}">{_e(s.title)}</a>{sub}</li>')
    toc.append(f'<li><a href="#provenance">{_e(word("provenance", lang))}</a></li>')
    body = [f"<h1>{_e(title)}</h1>"]
    if banner:
        body.append(f'<div id="data-banner" class="banner{" synthetic" if synthetic else ""}">{_e(banner)}</div>')
    body.append(f'<nav id="contents"><h2>{_e(word("contents", lang))}</h2><ol>{"".join(toc)}</ol></nav>')
    body += [_section_html(s, lang) for s in sections]
    body += ['<section id="provenance">', f"<h2>{_e(word('provenance', lang))}</h2>", provenance_html(provenance, lang),
             "</section>"]
    head = ["<!DOCTYPE html>", f'<html lang="{"zh-CN" if zh else "en"}">', "<head>", '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<link rel="icon" href="data:,">',  # no favicon request
            f"<title>{_e(title)}</title>", f"<style>\n{_STYLE}\n</style>", "</head>", "<body>"]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"
