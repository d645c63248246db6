"""--lang zh: the tables that describe, reproduce and the bootstraps (cluster, Bayesian, wild) write
have Chinese captions, header rows, row labels and notes: no English word is left but the study's
own symbols and a short list of technical names. Table cells (numbers, stars) are not checked."""

import contextlib
import io
import re
import warnings

import pytest

from resilience_jax.cli import main
from resilience_jax.data import load_spec

COMMANDS = {
    "describe": ["describe"],
    "reproduce": ["reproduce"],
    "bootstrap": ["bootstrap", "--n-boot", "400"],
    # the Bayesian scheme and the baseline model's table (its own caption and note)
    "bayesian_baseline": ["bootstrap", "--scheme", "bayesian", "--model", "baseline", "--n-boot", "400"],
    "wild": ["bootstrap", "--scheme", "wild", "--model", "baseline", "--n-boot", "99"],
}

# Names that Chinese journals print as they are, so the Chinese tables keep them:
# - CRV1: the cluster-robust variance estimator's name, e.g. "（CRV1，t(G-1)分布）";
# - Sobel, Aroian, Goodman: the mediation tests are named after their authors ("Sobel检验");
# - BCa: the bias-corrected and accelerated interval has no Chinese abbreviation;
# - OLS: "混合OLS" (the spec's own Chinese label of the as-printed mediation variant);
# - WCR, Rademacher, Webb: the restricted wild bootstrap and its weight distributions (authors' names);
# - SYNTHETIC: the embedded panel's notes keep this marker in every language (tests look for it).
TECHNICAL = {"CRV1", "Sobel", "Aroian", "Goodman", "BCa", "OLS", "WCR", "Rademacher", "Webb", "SYNTHETIC"}
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
    "bootstrap": {"bootstrap_cluster_mediation_REIC.md": ["| 效应 | 原文 | 估计值 |", "| 间接效应 a\\*b |", "BCa区间下限",
                                                          "注：聚类自助法"]},
    "bayesian_baseline": {"bootstrap_bayesian_baseline_REIC.md": ["| LnAI（基准回归，REIC） |", "注：贝叶斯自助法"]},
    "wild": {"wild_bootstrap_REIC.md": ["| 全样本 |", "| 中部 |", "野聚类自助法", "全部256种（穷举）"]},
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_chinese_tables_have_no_english_words(tmp_path, command):
    """One command per test (a folder of its own), so that the commands run on different workers."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few clusters, short tails: other tests' business
        assert main([*COMMANDS[command], "--lang", "zh", "--out", str(tmp_path)]) == 0
    allowed = _allowed()
    files = sorted(tmp_path.glob("*.md")) + sorted(tmp_path.glob("*.note.txt"))
    assert files, f"{command} wrote no tables"
    left = {p.name: sorted(w) for p in files if (w := _english_words(_checked_text(p), allowed))}
    assert not left, f"English words left in the --lang zh tables of {command}: {left}"
    for p in files:
        text = p.read_text(encoding="utf-8-sig")
        assert "Note" not in text and "注：注" not in text and "注：" in text, p.name  # one Chinese note prefix
        assert "SYNTHETIC" in text, p.name  # the embedded panel stays marked as synthetic
    for name, phrases in WORDING[command].items():
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert [x for x in phrases if x not in text] == [], name
