"""`resilience-jax report`: one self-contained HTML file with the paper's tables, the bootstrap, the
posterior, the sensitivity study, the comparison with the paper and the run's provenance, in English
and in Chinese; it refers to nothing outside itself, and a real browser (headless Chromium) renders
it without an error, every image loaded."""

import base64
import contextlib
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from importlib import resources

import pytest

from resilience_jax.cli import main
from resilience_jax.data.spec import models_dir
from resilience_jax.datasets import PAPER_PANEL_FILE, paper_panel

SMALL = ["--n-boot", "400", "--draws", "100", "--n-weights", "64"]  # the smallest sizes the intervals allow
PAPER = ["entropy_weights", "table2_descriptives", "table3_stepwise", "table4_stepwise_dimensions", "table5_heterogeneity",
         "table6_robustness_REIC", "table7_robustness_REICD", "table8_robustness_REICC", "table9_mediation_REIC",
         "table10_mediation_REICD", "table11_mediation_REICC"]
TABLES = [*PAPER, "paper_comparison", "bootstrap", "posterior", "posterior_summary", "sensitivity_summary",
          "sensitivity_ranks", "sensitivity_leave_one_out", "provenance"]
FIGURES = ["bootstrap_indirect", "bootstrap_weights", "posterior_indirect", "posterior_rank", "sensitivity_draws",
           "sensitivity_ranks"]
SECTIONS = ["paper", "comparison", "bootstrap", "posterior", "sensitivity", "provenance"]
CHROMIUM = shutil.which("chromium")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The report at small sizes: in English on the embedded panel, in Chinese on a copy of it read
    from a CSV file (not marked synthetic then)."""
    tmp = tmp_path_factory.mktemp("report")
    data = tmp / "panel.csv"
    paper_panel().to_csv(data, index=False)
    runs = {"en": ["report", *SMALL, "--out", str(tmp / "en")],
            "zh": ["report", *SMALL, "--lang", "zh", "--data", str(data), "--out", str(tmp / "zh")]}
    out = {}
    for lang, argv in runs.items():
        with contextlib.redirect_stdout(io.StringIO()) as stdout, contextlib.redirect_stderr(io.StringIO()) as stderr:
            rc = main(argv)
        assert rc == 0, stderr.getvalue()
        folder = tmp / lang
        out[lang] = {"folder": folder, "path": folder / f"report_{lang}.html", "stdout": stdout.getvalue(),
                     "data": data if lang == "zh" else None}
        out[lang]["page"] = out[lang]["path"].read_text(encoding="utf-8")
    return out


class _Page(HTMLParser):
    """Every start tag with its attributes, the text of each element by id, and the texts of
    ``<style>`` and ``<script>``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.styles, self.scripts, self._open = [], {}, [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("img", "meta", "link", "br", "hr", "input"):
            return
        self._open.append((tag, attrs.get("id")))
        if attrs.get("id"):
            self.text[attrs["id"]] = ""

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, ident in self._open:
            if ident:
                self.text[ident] += data
        if self._open and self._open[-1][0] == "style":
            self.styles.append(data)
        if self._open and self._open[-1][0] == "script":
            self.scripts.append(data)


def _parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def test_one_file_and_the_console_says_so(reports):
    for lang, r in reports.items():
        assert sorted(os.listdir(r["folder"])) == [f"report_{lang}.html"]  # nothing else, no staging folder left
        if lang == "zh":  # the console in the report's language
            assert f"报告report_{lang}.html：" in r["stdout"] and f"已写入：{r['path']}" in r["stdout"]
        else:
            assert f"Report report_{lang}.html:" in r["stdout"] and f"Wrote: {r['path']}" in r["stdout"]


def test_no_external_reference(reports):
    """No URL outside the file: every src and href is a data: URI or an anchor in the page, no
    script, no style sheet or font fetched, no url() but data: ones."""
    for r in reports.values():
        page = r["page"]
        assert "http://" not in page and "https://" not in page and "ftp://" not in page
        p = _parse(page)
        assert p.scripts == [] and not any(tag in ("script", "iframe", "object", "embed", "base") for tag, _ in p.tags)
        for tag, attrs in p.tags:
            for name in ("src", "href", "srcset", "poster", "action", "data"):
                value = (attrs.get(name) or "").strip()
                if not value:
                    continue
                assert not value.startswith("//"), (tag, name, value[:80])
                assert value.startswith("data:") or (name == "href" and value.startswith("#")), (tag, name, value[:80])
            assert "url(" not in (attrs.get("style") or "")
        for css in [*p.styles, page]:
            for m in re.finditer(r"url\(\s*['\"]?([^'\")]*)", css):
                assert m.group(1).startswith("data:"), m.group(0)
            assert "@import" not in css and "@font-face" not in css
        imgs = [attrs["src"] for tag, attrs in p.tags if tag == "img"]
        assert len(imgs) == len(FIGURES)
        for src in imgs:
            assert src.startswith("data:image/png;base64,")
            assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        csp = [a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert csp and "default-src 'none'" in csp[0]  # the browser fetches nothing either


def test_every_table_figure_and_section(reports):
    for lang, r in reports.items():
        p = _parse(r["page"])
        ids = {a.get("id") for _, a in p.tags}
        for t in TABLES:
            assert f"tab-{t}" in ids, (lang, t)
        for f in FIGURES:
            assert f"fig-{f}" in ids, (lang, f)
        assert set(SECTIONS) <= ids
        captions = re.findall(r'<table[^>]*id="tab-([^"]+)">\n<caption>([^<]+)</caption>', r["page"])
        assert {t for t, c in captions if c.strip()} == set(TABLES), lang
        # the tables as reproduce, bootstrap, posterior and sensitivity print them: their notes included
        assert r["page"].count('<p class="note">') >= len(TABLES) - 1
    en, zh = (_parse(reports[k]["page"]).text for k in ("en", "zh"))
    assert en["tab-table3_stepwise"].lstrip().startswith("Table 3. Baseline regression, REIC")
    assert "0.092**" in en["tab-table3_stepwise"]  # the reproduce table's (6): LnAI on REIC with all controls
    assert "share a*b/c" in en["tab-bootstrap"] and "Headline: share a*b/c" in en["bootstrap"]
    assert "r_hat" in en["tab-posterior_summary"] and "Verdict: a*b > 0 in" in en["sensitivity"]


def test_chinese_report(reports):
    page = reports["zh"]["page"]
    text = _parse(page).text
    assert '<html lang="zh-CN">' in page
    assert text["tab-table3_stepwise"].lstrip().startswith("表3 基准回归（REIC）")
    assert "效应" in text["tab-bootstrap"] and "中介效应占比 a*b/c" in text["tab-bootstrap"]
    assert "后验中位数" in text["tab-posterior"] and "后验均值" in text["tab-posterior_summary"]
    assert "默认设定" in text["tab-sensitivity_summary"] and "省份" in text["tab-sensitivity_ranks"]
    assert "原文系数" in text["tab-paper_comparison"]
    assert "数据与运行信息" in text["provenance"] and "中介效应的自助法检验" in text["bootstrap"]
    for english in ("Bootstrap of the mediation", "Provenance", "Table 3.", "Headline:", "Verdict:"):
        assert english not in page, english


def _provenance(page: str) -> dict:
    """The provenance rows by key: {key: value}."""
    rows = re.findall(r'<tr id="prov-([^"]+)"><th scope="row">[^<]*</th><td>([^<]*)</td></tr>', page)
    return {key: html.unescape(value) for key, value in rows}


def test_provenance(reports):
    import jax

    import resilience_jax

    embedded = resources.files("resilience_jax.datasets").joinpath(PAPER_PANEL_FILE).read_bytes()
    for lang, r in reports.items():
        prov = _provenance(r["page"])
        expected = _sha256(embedded) if r["data"] is None else _sha256(r["data"].read_bytes())
        assert prov["data_sha256"] == expected, lang
        assert prov["version"] == resilience_jax.__version__
        for key, name in (("spec", "paper.toml"), ("index", "index.toml"), ("space", "sensitivity.toml")):
            assert prov[f"{key}_sha256"] == _sha256((models_dir() / name).read_bytes()), key
        assert prov["seed"] == "0" and prov["backend"] == jax.default_backend()
        assert str(jax.devices()[0]) in prov["devices"] and f"jax {jax.__version__}" in prov["jax"]
        for section in ("paper", "bootstrap", "posterior", "sensitivity", "total"):
            assert re.fullmatch(r"\d+\.\d\d s", prov[f"time_{section}"]), (section, prov)
        assert "400" in prov["sizes"] and "64" in prov["sizes"]
        if "git_commit" in prov:  # where the package runs from a git checkout
            assert re.match(r"^[0-9a-f]{40}\b", prov["git_commit"]), prov["git_commit"]


def test_synthetic_mark(reports):
    """The embedded panel is marked SYNTHETIC (the banner and every note), data read from a file is not."""
    en, zh = reports["en"]["page"], reports["zh"]["page"]
    banner = _parse(en).text["data-banner"]
    assert 'id="data-banner" class="banner synthetic"' in en and banner.startswith("SYNTHETIC data")
    assert _provenance(en)["data"].startswith("SYNTHETIC data")
    assert "SYNTHETIC" not in zh and 'class="banner synthetic"' not in zh
    assert _parse(zh).text["data-banner"].startswith("数据来源：")


def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    for argv, needle in ((["--n-boot", "10"], "too few for a 95% percentile interval"),
                         (["--data", str(tmp_path / "missing.csv")], "data file not found"),
                         (["--index", "REICX"], "unknown index 'REICX'")):
        rc = main(["report", *argv, "--out", str(out)])
        err = capsys.readouterr().err
        assert rc == 2 and err.startswith("error: ") and needle in err and "Traceback" not in err, (argv, err)
        assert not out.exists()


# --------------------------------------------------------------------------- a real browser
_PROBE = """<script>
(function () {
  var errors = [];
  console.error = function () { errors.push(Array.prototype.map.call(arguments, String).join(" ")); };
  window.addEventListener("error", function (e) {
    errors.push("error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "a resource"));
  }, true);
  document.addEventListener("securitypolicyviolation", function (e) {
    errors.push("csp: " + e.violatedDirective + " " + e.blockedURI);
  });
  window.addEventListener("load", function () {
    var images = Array.prototype.map.call(document.images, function (i) {
      return {figure: i.parentNode.id, complete: i.complete, width: i.naturalWidth, height: i.naturalHeight};
    });
    var tables = Array.prototype.map.call(document.querySelectorAll("table"), function (t) {
      return {id: t.id, rows: t.rows.length, width: t.getBoundingClientRect().width};
    });
    var out = document.createElement("pre");
    out.id = "probe-result";
    out.textContent = JSON.stringify({errors: errors, images: images, tables: tables,
                                      lang: document.documentElement.lang, title: document.title});
    document.body.appendChild(out);
  });
})();
</script>"""


def _browse(page: str, tmp_path):
    """Open a copy of ``page`` with the probe above in headless Chromium: (probe result, console lines).
    Chromium's profile, caches and $HOME stay in ``tmp_path``."""
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert page.count(csp) == 1
    probed = page.replace("<head>", "<head>\n" + _PROBE, 1).replace(csp, csp + "; script-src 'unsafe-inline'")
    path = tmp_path / "probed.html"
    path.write_text(probed, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_DATA_HOME": str(home / ".local")}
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000", "--enable-logging=stderr", "--v=0",
         "--window-size=1280,1024", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, flags=re.S)
    assert m, (done.returncode, done.stderr[-3000:])
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    return json.loads(html.unescape(m.group(1))), console


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run installs it)")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_headless_chromium_renders_it(reports, lang, tmp_path):
    result, console = _browse(reports[lang]["page"], tmp_path)
    assert result["errors"] == [] and console == [], (result["errors"], console)
    assert result["lang"] == ("zh-CN" if lang == "zh" else "en")
    assert [i["figure"] for i in result["images"]] == [f"fig-{f}" for f in FIGURES]
    for image in result["images"]:
        assert image["complete"] and image["width"] > 0 and image["height"] > 0, image
    tables = {t["id"]: t for t in result["tables"]}
    assert set(tables) == {f"tab-{t}" for t in TABLES}
    for t in tables.values():
        assert t["rows"] >= 2 and t["width"] > 0, t
