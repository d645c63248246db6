"""Command-line entry point: ``resilience-jax {describe,reproduce} [...]``.

The CLI converts arguments once, runs the library, prints where outputs went, and turns every
:class:`~resilience_jax.errors.ResilienceError` into a one-line message and a non-zero exit code
(no traceback unless ``--debug``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import OutputError, ResilienceError, ResilienceWarning

EXIT_USER_ERROR = 2
EXIT_INTERNAL_ERROR = 1


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", metavar="FILE", help="panel file (.csv, .xlsx, .parquet, .dta); default: the embedded synthetic panel")
    p.add_argument("--spec", metavar="FILE", help="study spec TOML (default: the bundled models/paper.toml)")
    p.add_argument("--out", metavar="DIR", default="results", help="output directory (default: %(default)s)")
    p.add_argument("--interpolate", action="store_true", help="fill missing cells by linear interpolation within each entity")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="label language; zh also writes CSV with a byte-order mark for Excel (default: %(default)s)")
    p.add_argument("--decimal", choices=(".", ","), default=".",
                   help="decimal mark of numbers stored as text in --data (default: %(default)s)")
    p.add_argument("--encoding", default=None,
                   help="text encoding of a CSV --data file, e.g. gbk (default: UTF-8, else GB18030)")


def _distributed(p: argparse.ArgumentParser) -> None:
    p.add_argument("--distributed", action="store_true",
                   help="one of several processes sharing the replicates (JAX's multi-process runtime): the "
                        "coordinator address, process count and rank from $JAX_COORDINATOR_ADDRESS, "
                        "$JAX_NUM_PROCESSES and $JAX_PROCESS_ID, or detected under SLURM; process 0 writes "
                        "the outputs, the others nothing")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``resilience-jax`` command line (commands ``describe``,
    ``reproduce`` and ``bootstrap``, each with the common ``--data``, ``--spec``, ``--out``,
    ``--interpolate`` and ``--lang`` options).

    Returns
    -------
    argparse.ArgumentParser
        A new parser; its ``parse_args`` exits (``SystemExit``) on a bad command line, on
        ``--help`` and on ``--version``.

    Example
    -------
    >>> args = build_parser().parse_args(["bootstrap", "--n-boot", "20", "--scheme", "bayesian"])
    >>> args.command, args.n_boot, args.scheme, args.out
    ('bootstrap', 20, 'bayesian', 'results')
    """
    parser = argparse.ArgumentParser(
        prog="resilience-jax",
        description=(
            "Entropy-weighted resilience index, fixed-effects regressions and mediation for "
            "Yao, Lu & Li (2025), AI and the resilience of China's high-tech industries. "
            "Without --data every command runs on the embedded SYNTHETIC panel."
        ),
    )
    parser.add_argument("--version", action="version", version=f"resilience_jax {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    p = sub.add_parser("init", help="write a starting study spec (index and model files) from your data file, to edit")
    p.add_argument("--data", metavar="FILE", help="your panel file (.csv, .xlsx, .parquet, .dta); without it, a copy of "
                                                  "the bundled specs of the paper")
    p.add_argument("--out", metavar="DIR", default="spec", help="folder of the spec files (default: %(default)s)")
    p.add_argument("--encoding", default=None,
                   help="text encoding of a CSV --data file, e.g. gbk (default: UTF-8, else GB18030)")
    p = sub.add_parser("describe", help="Table 2: descriptive statistics (CSV and Markdown)")
    _common(p)
    p = sub.add_parser("reproduce", help="the paper's tables (weights, Tables 2-11) on the embedded or a user's panel")
    _common(p)
    p.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo interval for a*b (default: %(default)s)")
    p = sub.add_parser("bootstrap", help="full-pipeline bootstrap of the mediation model (weights re-estimated per replicate)")
    _common(p)
    p.add_argument("--scheme", choices=("cluster", "bayesian", "wild"), default="cluster", help="(default: %(default)s)")
    p.add_argument("--n-boot", type=_positive_int, default=10_000, help="replicates (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="integer seed of jax.random.key (default: %(default)s)")
    p.add_argument("--model", choices=("mediation", "baseline"), default="mediation", help="(default: %(default)s)")
    p.add_argument("--index", default=None, help="index symbol (default: the overall index of the spec; the paper's REIC, REICD or REICC)")
    p.add_argument("--as-printed", action="store_true", help="pooled OLS, as the paper's eqs. 2-3 print it (default: the entity fixed effects)")
    p.add_argument("--chunk-size", type=_positive_int, default=None, help="replicates per compiled chunk (memory bound)")
    _distributed(p)
    p = sub.add_parser("posterior", help="posterior of the mediation or baseline model (NumPyro NUTS or the conjugate sampler)")
    _common(p)
    p.add_argument("--model", choices=("mediation", "baseline"), default="mediation", help="(default: %(default)s)")
    p.add_argument("--index", default=None, help="index symbol (default: the overall index of the spec; the paper's REIC, REICD or REICC)")
    p.add_argument("--fixed-effects", choices=("within", "dummies", "mundlak", "random"), default="within",
                   help="how the entity effects enter (default: %(default)s)")
    p.add_argument("--errors", choices=("iid", "ar1"), default="iid", help="(default: %(default)s)")
    p.add_argument("--weights", choices=("fixed", "bayesian_bootstrap"), default="fixed",
                   help="index weights fixed, or drawn by a Bayesian bootstrap of the entities (default: %(default)s)")
    p.add_argument("--weight-draws", type=_positive_int, default=20, help="Bayesian-bootstrap weight draws (default: %(default)s)")
    p.add_argument("--engine", choices=("nuts", "conjugate"), default="nuts", help="(default: %(default)s)")
    p.add_argument("--prior", choices=("default", "flat"), default="default", help="(default: %(default)s)")
    p.add_argument("--chains", type=_positive_int, default=4, help="(default: %(default)s)")
    p.add_argument("--warmup", type=_positive_int, default=1000, help="(default: %(default)s)")
    p.add_argument("--draws", type=_positive_int, default=1000, help="kept draws per chain (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="integer seed of jax.random.key (default: %(default)s)")
    p.add_argument("--n-boot", type=_positive_int, default=10_000,
                   help="cluster-bootstrap replicates of the side-by-side table (default: %(default)s)")
    p.add_argument("--strict", action="store_true", help="exit 3 when a diagnostic fails (R-hat, ESS, divergences)")
    p = sub.add_parser("sensitivity", help="how the findings depend on how the index is built: weight draws, a multiverse "
                                           "of construction and model choices, or Sobol indices")
    _common(p)
    p.add_argument("--study", default="weights", metavar="{weights,multiverse,sobol}", help="(default: %(default)s)")
    p.add_argument("--n", type=_positive_int, default=None,
                   help="weights: weight vectors drawn (default 10,000); sobol: base points N, a power of 2 (default 1,024); "
                        "the multiverse runs its full factorial")
    p.add_argument("--seed", type=int, default=0, help="integer seed of every draw (default: %(default)s)")
    p.add_argument("--space", metavar="FILE", default=None,
                   help="construction space TOML (default: the bundled models/sensitivity.toml)")
    p.add_argument("--index", default=None, help="index symbol (default: the space's, else the study's overall index)")
    p.add_argument("--draws", default="dirichlet", metavar="{dirichlet,uniform}",
                   help="weights study: Dirichlet draws around the default weights, or uniform on the simplex "
                        "(default: %(default)s)")
    p.add_argument("--concentration", type=_positive_float, nargs="+", default=None,
                   help="Dirichlet concentration, or several (weights study: draws at each; default: the space's)")
    p.add_argument("--n-null", type=_nonnegative_int, default=500,
                   help="multiverse: resamples under the null, 0 to skip (default: %(default)s)")
    p.add_argument("--weights", metavar="FILE.csv", default=None,
                   help="weights study: your own weight vectors, one per row, one column per indicator of the index "
                        "(each row sums to 1); replaces the draws")
    p.add_argument("--chunk-size", type=_positive_int, default=None, help="items per compiled chunk (memory bound)")
    _distributed(p)
    p = sub.add_parser("report", help="one self-contained HTML file: the paper's tables, the bootstrap, the posterior, the "
                                      "sensitivity of the findings to the weights, and the run's provenance")
    _common(p)
    p.add_argument("--seed", type=int, default=0,
                   help="seed of every draw (Monte Carlo interval, bootstrap, posterior, weight vectors) (default: %(default)s)")
    p.add_argument("--index", default=None, help="index symbol (default: the overall index of the spec; the paper's REIC, REICD or REICC)")
    p.add_argument("--n-boot", type=_positive_int, default=999, help="cluster-bootstrap replicates (default: %(default)s)")
    p.add_argument("--engine", choices=("conjugate", "nuts"), default="conjugate",
                   help="posterior sampler (default: %(default)s, exact and fast)")
    p.add_argument("--chains", type=_positive_int, default=4, help="posterior chains (default: %(default)s)")
    p.add_argument("--warmup", type=_positive_int, default=1000, help="NUTS warm-up draws per chain (default: %(default)s)")
    p.add_argument("--draws", type=_positive_int, default=1000, help="posterior draws per chain (default: %(default)s)")
    p.add_argument("--n-weights", type=_positive_int, default=1000,
                   help="sensitivity: Dirichlet weight vectors drawn around the entropy weights (default: %(default)s)")
    p.add_argument("--chunk-size", type=_positive_int, default=None, help="items per compiled chunk (memory bound)")
    return parser


def _int_at_least(low: int, what: str):
    """An argparse type: an integer of at least ``low`` (``what`` names it in the message)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1, "a positive integer")
_nonnegative_int = _int_at_least(0, "a non-negative integer")


def _positive_float(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def enable_compile_cache() -> Path | None:
    """JAX's persistent compilation cache, so a second CLI run skips XLA compilation.

    Location: ``$RESILIENCE_JAX_CACHE_DIR`` or ``~/.cache/resilience_jax/xla``; set
    ``RESILIENCE_JAX_CACHE_DIR=off`` (or ``0``, ``none``, empty) to disable. Sets JAX's
    process-wide configuration, which is why only the executable's entry point
    (:func:`console_main`) calls it.

    Returns
    -------
    pathlib.Path or None
        The cache directory (created if needed), or None when the cache is disabled or the
        directory cannot be created (no error is raised: the run goes on without the cache).

    Example
    -------
    >>> import os
    >>> old = os.environ.get("RESILIENCE_JAX_CACHE_DIR")
    >>> os.environ["RESILIENCE_JAX_CACHE_DIR"] = "off"
    >>> enable_compile_cache() is None
    True
    >>> if old is None:
    ...     del os.environ["RESILIENCE_JAX_CACHE_DIR"]
    ... else:
    ...     os.environ["RESILIENCE_JAX_CACHE_DIR"] = old
    """
    import os

    import jax

    where = os.environ.get("RESILIENCE_JAX_CACHE_DIR", str(Path.home() / ".cache" / "resilience_jax" / "xla"))
    if where.lower() in ("off", "0", "none", ""):
        return None
    try:
        Path(where).mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    jax.config.update("jax_compilation_cache_dir", where)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return Path(where)


# XLA:CPU compile settings of the `resilience-jax` process (a cold CLI run is mostly compilation).
# - Codegen optimisation level per command. describe/reproduce: arrays are tiny, so LLVM's
#   optimisation buys nothing at run time. bootstrap: level 0 compiles the replicate chunk in
#   ~0.4 s instead of ~1 s at level 1 but runs a replicate in ~25 us instead of ~5 us, so level 1
#   pays from ~30,000 replicates.
# - XLA:CPU's legacy loop emitters instead of its MLIR fusion emitters
#   (--xla_cpu_use_fusion_emitters=false): the same kernels at run time here (within noise), compiled
#   in half the time (the bootstrap chunk: 0.4 s instead of 1.0 s at level 0, 1.0-1.2 s instead of
#   1.8-2.4 s at the default level). Set only on jaxlib versions known to have the flag (an unknown
#   flag in XLA_FLAGS aborts the process).
# Numbers agree with the library's default build to ~1e-12: only the order of floating-point
# operations changes.
OPT_LEVEL = {"describe": 0, "reproduce": 0, "bootstrap": 0, "report": 0}
BOOTSTRAP_OPT1_FROM = 30_000  # replicates from which `bootstrap` compiles at level 1
LEGACY_EMITTERS_JAXLIB = ((0, 6), (0, 11))  # jaxlib [from, to) that has --xla_cpu_use_fusion_emitters


def opt_level(args: argparse.Namespace) -> int | None:
    """The XLA optimisation level for a parsed command line (None: leave XLA's default).

    Parameters
    ----------
    args : argparse.Namespace
        A parsed command line (:func:`build_parser`).

    Returns
    -------
    int or None
        ``OPT_LEVEL`` of the command, 1 for a ``bootstrap`` of at least ``BOOTSTRAP_OPT1_FROM``
        replicates; None for a command without a level.

    Example
    -------
    >>> p = build_parser()
    >>> opt_level(p.parse_args(["describe"])), opt_level(p.parse_args(["bootstrap", "--n-boot", "30000"]))
    (0, 1)
    """
    if args.command not in OPT_LEVEL:
        return None
    if args.command == "bootstrap" and args.n_boot >= BOOTSTRAP_OPT1_FROM:
        return 1
    return OPT_LEVEL[args.command]


def _has_emitter_flag() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        major_minor = tuple(int(p) for p in version("jaxlib").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    lo, hi = LEGACY_EMITTERS_JAXLIB
    return lo <= major_minor < hi


def fast_compile(level: int = 0) -> None:
    """Set XLA:CPU's codegen optimisation level and, where the installed jaxlib has the flag, its
    legacy loop emitters, unless the user set them; call before any JAX computation (the backend
    reads ``XLA_FLAGS`` when it starts).

    Parameters
    ----------
    level : int, optional
        ``--xla_backend_optimization_level``, added to ``XLA_FLAGS`` unless the
        variable already sets a level.

    Returns
    -------
    None
        ``os.environ["XLA_FLAGS"]`` is updated in place.

    Example
    -------
    >>> import os
    >>> old = os.environ.get("XLA_FLAGS")
    >>> os.environ["XLA_FLAGS"] = ""
    >>> fast_compile(0)
    >>> "--xla_backend_optimization_level=0" in os.environ["XLA_FLAGS"]
    True
    >>> os.environ["XLA_FLAGS"] = "--xla_backend_optimization_level=2"
    >>> fast_compile(0)  # the user's level is kept
    >>> os.environ["XLA_FLAGS"].split()[0], os.environ["XLA_FLAGS"].count("optimization_level")
    ('--xla_backend_optimization_level=2', 1)
    >>> if old is None:
    ...     del os.environ["XLA_FLAGS"]
    ... else:
    ...     os.environ["XLA_FLAGS"] = old
    """
    import os

    flags = os.environ.get("XLA_FLAGS", "")
    add = []
    if "xla_backend_optimization_level" not in flags:
        add.append(f"--xla_backend_optimization_level={int(level)}")
    if "xla_cpu_use_fusion_emitters" not in flags and _has_emitter_flag():
        add.append("--xla_cpu_use_fusion_emitters=false")
    os.environ["XLA_FLAGS"] = " ".join([flags, *add]).strip()


def _header(panel, lang: str = "en") -> None:
    """The console's first lines: version, provenance, the panel's size (in ``lang``)."""
    print(f"resilience_jax {__version__}")
    print(panel.provenance_in(lang))
    n_ent, n_t = panel.shape
    missing, period = n_ent * n_t - len(panel.frame), f"{panel.periods[0]}-{panel.periods[-1]}"
    if lang == "zh":
        ent, tim = panel.spec.id_label(panel.spec.entity, "zh"), panel.spec.id_label(panel.spec.time, "zh")
        gaps = "" if panel.balanced else f"（非平衡面板：缺少{missing}个{ent}-{tim}观测）"
        print(f"面板：{n_ent}个{ent} × {n_t}期{tim}（{period}），样本量 = {len(panel.frame)}{gaps}")
        if len(panel.filled):
            print(f"插值单元格：{len(panel.filled)}个（见interpolated_cells.csv）")
    else:
        gaps = "" if panel.balanced else f" (unbalanced: {missing} {panel.spec.entity}-{panel.spec.time} rows absent)"
        print(f"Panel: {n_ent} {panel.spec.entity} x {n_t} {panel.spec.time} ({period}), N = {len(panel.frame)}{gaps}")
        if len(panel.filled):
            print(f"Interpolated cells: {len(panel.filled)} (listed in interpolated_cells.csv)")
    print()


def _cmd_describe(args: argparse.Namespace) -> int:
    from .data.validate import load_panel
    from .report.describe import CAPTION, NOTE_ZH, describe, headers
    from .report.tables import to_markdown, write_table

    from .suite import compute_indices

    panel = load_panel(args.data, args.spec, interpolate=args.interpolate, decimal=args.decimal, encoding=args.encoding)
    _header(panel, args.lang)
    _, indices = compute_indices(panel)
    table = describe(panel, extra=indices, lang=args.lang)
    note = f"{NOTE_ZH}{panel.provenance_in('zh')}" if args.lang == "zh" else f"Table 2 layout: sd with n-1. {panel.provenance}"
    print(CAPTION[args.lang] if args.lang == "zh" else "Descriptive statistics (Table 2)")
    print(to_markdown(headers(table, args.lang) if args.lang == "zh" else table, note=note))
    write_table(headers(table, args.lang), args.work, "table2_descriptives", note=note, caption=CAPTION[args.lang],
                lang=args.lang)
    if len(panel.filled):
        panel.filled.to_csv(args.work / "interpolated_cells.csv", index=False)
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    import time

    from .data.validate import load_panel
    from .suite import run_suite
    from .report.paper_tables import write_paper_tables

    start = time.perf_counter()
    panel = load_panel(args.data, args.spec, interpolate=args.interpolate, decimal=args.decimal, encoding=args.encoding)
    _header(panel, args.lang)
    suite = run_suite(panel, seed=args.seed)
    write_paper_tables(suite, args.work, lang=args.lang)
    if len(panel.filled):
        panel.filled.to_csv(args.work / "interpolated_cells.csv", index=False)
    table3 = args.work / "table3_stepwise.md"
    print(table3.read_text(encoding="utf-8"))
    spec = panel.spec
    for y in spec.mediation.outcomes:
        for v in spec.mediation.variants:
            m = suite.mediation[(y, v.name)]
            t = m.effects.tests
            if args.lang == "zh":
                print(f"中介效应 {y}［{v.label_zh}］：a*b = {m.effects.ab:.4f}，中介效应占比 = {100 * m.effects.share:.1f}%，"
                      f"Sobel z = {t.z:.3f}（p = {t.p:.3g}），蒙特卡洛95%置信区间 [{m.mc_ci[0]:.4f}, {m.mc_ci[1]:.4f}]")
            else:
                print(f"Mediation {y} [{v.name}]: a*b = {m.effects.ab:.4f}, share = {100 * m.effects.share:.1f}%, "
                      f"Sobel z = {t.z:.3f} (p = {t.p:.3g}), MC 95% CI [{m.mc_ci[0]:.4f}, {m.mc_ci[1]:.4f}]")
    print()
    took = time.perf_counter() - start
    print(f"共{len(suite.fits)}个回归，用时{took:.2f}秒；表格已写为CSV、Markdown和LaTeX。" if args.lang == "zh" else
          f"{len(suite.fits)} regressions in {took:.2f} s; tables as CSV, Markdown and LaTeX.")
    return 0


def _warm_reports(seed: int) -> None:
    """matplotlib's import and the side-by-side table's Monte Carlo compilation, in a thread beside
    the bootstrap's XLA compilation (which does not hold the GIL). A warm-up only: a failure here
    is left for the real call to report."""
    try:
        import matplotlib.figure  # noqa: F401
        import numpy as np

        from . import _checks
        from .estimators.mediation import mc_interval_batch
        from .report.bootstrap_report import N_MC

        one = np.ones(1)
        mc_interval_batch(_checks.key(seed), one, one, one, one, 0.95, n_draws=N_MC)
    except Exception:  # noqa: BLE001
        pass


def _published(table):
    """The side-by-side table without its ``paper`` column when the study has no published values."""
    return table.drop(columns="paper") if "paper" in table and table["paper"].isna().all() else table


def _paper_mediation(spec, symbol: str) -> dict[str, float]:
    """The paper's printed mediation estimates for ``symbol`` (its Tables 9-11) by effect key
    (``a``, ``b``, ``c``, ``c_prime``, ``share``, and ``ab = a * b``); keys it does not print are absent."""
    m = spec.mediation
    table_no = 9 + list(m.outcomes).index(symbol) if symbol in m.outcomes else None
    printed = {(pe.column, pe.term): pe.coef for pe in spec.paper_estimates if pe.table == table_no}
    paper = {"a": printed.get(("a_path", m.regressor)), "b": printed.get(("b_path", m.mediator)),
             "c": printed.get(("total", m.regressor)), "c_prime": printed.get(("b_path", m.regressor)),
             "share": printed.get(("share", "ab/c"))}
    paper = {k: v for k, v in paper.items() if v is not None}
    if "a" in paper and "b" in paper:
        paper["ab"] = paper["a"] * paper["b"]
    return paper


def _paper_baseline(spec, symbol: str) -> tuple[float | None, str]:
    """The paper's printed baseline coefficient for ``symbol`` (its stepwise column with all
    controls; None where not printed) and that column's label."""
    b = spec.baseline
    column = f"({len(b.controls) + 1})"
    printed = [pe.coef for pe in spec.paper_estimates if pe.outcome == symbol and pe.term == b.regressor and pe.column == column]
    return (printed[0] if printed else None), column


def _mediation_bootstrap_table(panel, boot, symbol: str, *, scheme: str, n_boot: int, seed: int, as_printed: bool,
                               lang: str):
    """The mediation bootstrap's side-by-side table (:func:`~resilience_jax.report.bootstrap_report.side_by_side`,
    in English), its note and its caption in ``lang``: what ``bootstrap`` writes and ``report`` shows."""
    from .report.bootstrap_report import mediation_note_zh, side_by_side
    from .results.bootstrap import MINMAX_NOTE

    spec = panel.spec
    m = spec.mediation
    table = side_by_side(boot, _paper_mediation(spec, symbol), n_clusters=panel.shape[0])
    variant = "pooled OLS as printed" if as_printed else f"{spec.entity} fixed effects"
    if lang == "zh":
        note = mediation_note_zh(scheme=scheme, n_boot=n_boot, seed=seed, entity=spec.id_label(spec.entity, "zh"),
                                 as_printed=as_printed, published=bool(spec.paper_estimates),
                                 minmax=boot.scale == "minmax", provenance=panel.provenance_in("zh"))
    else:
        note = (f"{scheme} bootstrap, {n_boot} replicates, seed {seed}, entropy weights re-estimated in every "
                f"replicate; {variant}; analytic intervals: CRV1 by {spec.entity}, t(G-1), Sobel normal for a*b; "
                f"{'the paper column is the published (pooled) estimate; ' if spec.paper_estimates else ''}"
                f"lower/upper: each row's default interval (method column). "
                f"{MINMAX_NOTE if boot.scale == 'minmax' else ''} {panel.provenance}")
    caption = (f"{m.regressor}经由{m.mediator}影响{symbol}的中介效应：各类置信区间对比" if lang == "zh" else
               f"Mediation of {m.regressor} through {m.mediator} on {symbol}: intervals side by side")
    return table, note, caption


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    import threading
    import warnings

    import numpy as np

    from .bootstrap.api import bootstrap
    from .data.validate import load_panel
    from .errors import EstimationError, IntervalWarning
    from .report.bootstrap_report import headline, localize, plot_indirect, plot_weights
    from .report.tables import to_markdown, write_table
    from .results.bootstrap import LEVELS_NOTE, scale_caveats

    if args.scheme == "wild" and args.model != "baseline":
        raise EstimationError("the wild cluster bootstrap tests the baseline coefficient: use --scheme wild --model baseline")
    panel = load_panel(args.data, args.spec, interpolate=args.interpolate, decimal=args.decimal, encoding=args.encoding)
    _header(panel, args.lang)
    spec = panel.spec
    symbol = args.index or spec.index.symbol
    if symbol not in spec.index.symbols:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(spec.index.symbols)}")
    if args.scheme == "wild":
        return _wild_report(panel, symbol, args)
    fe = not args.as_printed
    from .inference.intervals import check_tails

    check_tails(args.n_boot, 0.95, "percentile")  # the table's intervals: refused before, not after, the run
    threading.Thread(target=_warm_reports, args=(args.seed,), daemon=True).start()
    boot = bootstrap(panel, n_boot=args.n_boot, seed=args.seed, scheme=args.scheme, index=symbol, fixed_effects=fe,
                     chunk_size=args.chunk_size, progress=True)
    if LEVELS_NOTE in scale_caveats(spec.index):
        warnings.warn(LEVELS_NOTE, IntervalWarning, stacklevel=1)
    out = args.work
    stem = f"bootstrap_{args.scheme}_{args.model}_{symbol}" + ("_as_printed" if args.as_printed else "")
    labels = [i.label_zh if args.lang == "zh" else i.label_en for i in spec.index.indicators]
    if args.model == "baseline":
        return _baseline_report(panel, boot, symbol, stem, labels, args)
    table, note, caption = _mediation_bootstrap_table(panel, boot, symbol, scheme=args.scheme, n_boot=args.n_boot,
                                                      seed=args.seed, as_printed=args.as_printed, lang=args.lang)
    written = localize(_published(table), args.lang)
    write_table(written, out, stem, formats=("csv", "md", "tex"), floatfmt=".4f", note=note, caption=caption, lang=args.lang)
    boot.draws.to_parquet(out / f"{stem}_draws.parquet")
    np.savez_compressed(out / f"{stem}_weights.npz", multiplicities=boot.multiplicities, seed=str(args.seed))
    plot_indirect(boot, lang=args.lang).savefig(out / f"{stem}_indirect.png", dpi=150)
    plot_weights(boot, labels, lang=args.lang).savefig(out / f"{stem}_weights.png", dpi=150)
    print(to_markdown(written if args.lang == "zh" else table, floatfmt=".4f", note=note))
    print(headline(table, lang=args.lang))
    return 0


EXIT_DIAGNOSTICS = 3


def _posterior_table(panel, post, boot, *, model: str, n_boot: int, lang: str):
    """The posterior's side-by-side table (the paper, the estimate, CRV1 and cluster-bootstrap BCa
    intervals of ``boot`` beside the posterior median and credible interval; in English) and its
    note in ``lang``: what ``posterior`` writes and ``report`` shows."""
    from .report.bootstrap_report import baseline_table, side_by_side
    from .report.posterior_report import posterior_columns, posterior_note_zh

    spec = panel.spec
    symbol = post.config["index"]
    cfg = post.config
    if lang == "zh":
        note = posterior_note_zh(cfg, n_boot=n_boot, provenance=panel.provenance_in("zh"))
    else:
        note = (f"Posterior: {cfg['engine']}, effects {cfg['effects']}, errors {cfg['errors']}, weights {cfg['weights']}, "
                f"prior {cfg['prior']}, {cfg['chains']} chains x {cfg['draws']} draws, seed {cfg['seed']}; intervals 95%: "
                f"credible equal-tailed, CRV1 t(G-1), Sobel normal, cluster bootstrap ({n_boot} replicates) BCa. "
                f"{panel.provenance}")
    if model == "mediation":
        sbs = side_by_side(boot, _paper_mediation(spec, symbol), n_clusters=panel.shape[0])
        sbs = sbs[["paper", "estimate", "analytic_lower", "analytic_upper", "bca_lower", "bca_upper"]]
        table = sbs.join(posterior_columns(post, ["a", "b", "c", "c_prime", "ab", "share"]))
    else:
        reg = post.headline[0]
        bt = baseline_table(boot, symbol, post.fits[0], _paper_baseline(spec, symbol)[0])
        bt = bt[["paper", "estimate", "analytic_lower", "analytic_upper", "bca_lower", "bca_upper"]]
        table = bt.join(posterior_columns(post, [reg]).set_axis(bt.index))
    return table, note


def _cmd_posterior(args: argparse.Namespace) -> int:
    import warnings

    from tqdm import tqdm

    from .bayes.api import posterior
    from .bootstrap.api import bootstrap
    from .data.validate import load_panel
    from .errors import PosteriorWarning
    from .inference.intervals import check_tails
    from .report.posterior_report import (SUMMARY_CAPTION, SUMMARY_NOTE, localize_posterior, localize_summary,
                                         plot_indirect_posterior, plot_prior_predictive, plot_rank,
                                         plot_weights_contribution, posterior_caption)
    from .report.tables import to_markdown, write_table

    check_tails(args.n_boot, 0.95, "percentile")
    panel = load_panel(args.data, args.spec, interpolate=args.interpolate, decimal=args.decimal, encoding=args.encoding)
    _header(panel, args.lang)
    bar = tqdm(total=4, desc="posterior", unit="stage")
    bar.set_postfix_str("sampling (compile, warm-up, draws)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PosteriorWarning)
        post = posterior(panel, model=args.model, index=args.index, fixed_effects=args.fixed_effects, errors=args.errors,
                         weights=args.weights, engine=args.engine, prior=args.prior, chains=args.chains,
                         warmup=args.warmup, draws=args.draws, seed=args.seed, n_weight_draws=args.weight_draws)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    bar.update()
    bar.set_postfix_str("diagnostics")
    summary = post.summary()
    problems = post.problems(summary)
    bar.update()
    bar.set_postfix_str("bootstrap for the side-by-side table")
    symbol = post.config["index"]
    boot = bootstrap(panel, n_boot=args.n_boot, seed=args.seed, index=symbol)
    out = args.work
    stem = f"posterior_{args.model}_{args.fixed_effects}_{symbol}"
    table, note = _posterior_table(panel, post, boot, model=args.model, n_boot=args.n_boot, lang=args.lang)
    write_table(localize_posterior(_published(table), args.lang), out, stem, formats=("csv", "md", "tex"), floatfmt=".4f",
                note=note, caption=posterior_caption(args.model, symbol, args.lang), lang=args.lang)
    write_table(localize_summary(summary, args.lang), out, f"{stem}_summary", formats=("csv", "md"), floatfmt=".4f",
                note=SUMMARY_NOTE[args.lang], caption=SUMMARY_CAPTION[args.lang], lang=args.lang)
    post.idata.to_netcdf(str(out / f"{stem}.nc"))
    bar.update()
    bar.set_postfix_str("figures")
    plot_rank(post, lang=args.lang).savefig(out / f"{stem}_rank.png", dpi=120)
    if args.prior != "flat":
        import jax

        from .bayes.fit import prior_predictive
        from .bayes.priors import as_prior

        pp = prior_predictive(jax.random.key(args.seed), post.design, as_prior(args.prior), effects=args.fixed_effects,
                              errors=args.errors)
        plot_prior_predictive(pp, lang=args.lang).savefig(out / f"{stem}_prior_predictive.png", dpi=120)
    if args.model == "mediation":
        plot_indirect_posterior(post, boot, lang=args.lang).savefig(out / f"{stem}_indirect.png", dpi=120)
    if args.weights == "bayesian_bootstrap":
        plot_weights_contribution(post, lang=args.lang).savefig(out / f"{stem}_weights.png", dpi=120)
        write_table(localize_summary(post.weights_variance(), args.lang), out, f"{stem}_weights_variance", formats=("csv",),
                    floatfmt=".6g", lang=args.lang)
    bar.update()
    bar.close()
    zh = args.lang == "zh"
    print(to_markdown(localize_posterior(_published(table), "zh") if zh else table, floatfmt=".4f", note=note))
    print(("先验：" if zh else "Prior:") + "\n" + "\n".join("  " + p for p in post.prior))
    for k, v in post.probabilities().items():
        print(f"{k} = {v:.4f}")
    if problems:
        print(("诊断未通过：" if zh else "Diagnostics failed: ") + "; ".join(problems), file=sys.stderr)
        return EXIT_DIAGNOSTICS if args.strict else 0
    return 0


def _baseline_report(panel, boot, symbol: str, stem: str, labels: list[str], args: argparse.Namespace) -> int:
    """``bootstrap --model baseline``: the spec's baseline coefficient (its controls and fixed
    effects), the paper's value for it (its stepwise table's column with all controls)."""
    import warnings

    import numpy as np

    from .api import feols
    from .errors import FewClustersWarning
    from .report.bootstrap_report import baseline_note_zh, baseline_table, localize, plot_baseline, plot_weights
    from .report.tables import se_words, to_markdown, write_table
    from .suite import compute_indices

    spec = panel.spec
    b = spec.baseline
    rhs = " + ".join([b.regressor, *b.controls])
    fml = f"{symbol} ~ {rhs}" + (f" | {' + '.join(b.fixed_effects)}" if b.fixed_effects else "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewClustersWarning)
        fit = feols(fml, panel.frame.assign(**compute_indices(panel)[1]), b.vcov.as_fixest())
    printed, column = _paper_baseline(spec, symbol)
    table = baseline_table(boot, symbol, fit, printed)
    se = float(fit.se[b.regressor])
    effects = f"{' and '.join(b.fixed_effects)} fixed effects" if b.fixed_effects else "no fixed effects"
    paper = f"the paper's column is its printed baseline (column {column} with all controls). " if printed is not None else ""
    if args.lang == "zh":
        note = baseline_note_zh(scheme=args.scheme, n_boot=args.n_boot, seed=args.seed, formula=fml,
                                fixed_effects=tuple(spec.id_label(f, "zh") for f in b.fixed_effects), vcov=b.vcov,
                                cluster=spec.id_label(b.vcov.cluster, "zh") if b.vcov.cluster else None,
                                paper_column=column if printed is not None else None, provenance=panel.provenance_in("zh"))
    else:
        note = (f"{args.scheme} bootstrap, {args.n_boot} replicates, seed {args.seed}, entropy weights re-estimated in every "
                f"replicate; the baseline {fml} ({effects}); analytic interval: {se_words(b.vcov)}. "
                f"{paper}{panel.provenance}")
    out = args.work
    written = localize(_published(table), args.lang)
    write_table(written, out, stem, formats=("csv", "md", "tex"), floatfmt=".4f", note=note,
                caption=f"{b.regressor}对{symbol}的基准回归系数：各类置信区间对比" if args.lang == "zh" else
                f"Baseline coefficient of {b.regressor} on {symbol}: intervals side by side",
                lang=args.lang)
    boot.draws.to_parquet(out / f"{stem}_draws.parquet")
    np.savez_compressed(out / f"{stem}_weights.npz", multiplicities=boot.multiplicities, seed=str(args.seed))
    plot_baseline(boot, symbol, se, b.regressor, lang=args.lang).savefig(out / f"{stem}_baseline.png", dpi=150)
    plot_weights(boot, labels, lang=args.lang).savefig(out / f"{stem}_weights.png", dpi=150)
    print(to_markdown(written if args.lang == "zh" else table, floatfmt=".4f", note=note))
    return 0


def _wild_report(panel, symbol: str, args: argparse.Namespace) -> int:
    """Wild cluster bootstrap p-values of the baseline coefficient: whole panel and each region."""
    import pandas as pd

    from .bootstrap.wild import wild_bootstrap
    from .report.bootstrap_report import localize_wild, wild_note_zh
    from .report.tables import to_markdown, write_table

    spec = panel.spec
    rows = []
    for region in (None, *spec.heterogeneity.groups):
        rad = wild_bootstrap(panel, outcome=symbol, region=region, weights="rademacher", n_boot=args.n_boot, seed=args.seed)
        webb = wild_bootstrap(panel, outcome=symbol, region=region, weights="webb", n_boot=args.n_boot, seed=args.seed)
        row = rad.tidy().drop(["weights", "replicates", "enumerated", "p_wild", "p_wild_text"])
        row["p_wild_rademacher"] = rad.p_wild_text
        row["rademacher_draws"] = f"all {rad.n_boot} (enumerated)" if rad.enumerated else str(rad.n_boot)
        row["p_wild_webb"] = webb.p_wild_text
        rows.append(row)
    table = pd.DataFrame(rows)
    table.index.name = "sample"
    fe = spec.baseline.fixed_effects
    effects = f"{' and '.join(fe)} fixed effects" if fe else "no fixed effects (OLS with a constant)"
    if args.lang == "zh":
        note = wild_note_zh(regressor=spec.baseline.regressor, fixed_effects=tuple(spec.id_label(f, "zh") for f in fe),
                            entity=spec.id_label(spec.entity, "zh"), n_boot=args.n_boot, seed=args.seed,
                            provenance=panel.provenance_in("zh"))
    else:
        note = (f"Wild cluster bootstrap (restricted, WCR) of H0: {spec.baseline.regressor} = 0 in the baseline model with all "
                f"controls and {effects}, clusters = {spec.entity}; p = share of draws with {rad.ties}, "
                f"'< 1/B' where none is; Rademacher weights enumerated when G <= 12, otherwise {args.n_boot} draws "
                f"(seed {args.seed}); Webb: {args.n_boot} draws; ci_lower/ci_upper: the 95% interval by inverting the "
                f"Rademacher test (every null value tested with the same draws). {panel.provenance}")
    written = localize_wild(table, spec.region_labels, args.lang)
    write_table(written, args.work, f"wild_bootstrap_{symbol}",
                formats=("csv", "md", "tex"), floatfmt=".4f", note=note,
                caption=f"{spec.baseline.regressor}对{symbol}的基准回归系数：CRV1与野聚类自助法p值及置信区间"
                if args.lang == "zh" else f"Baseline coefficient of {spec.baseline.regressor} on {symbol}: CRV1 and wild "
                                          f"cluster bootstrap p-values and interval", lang=args.lang)
    print(to_markdown(written if args.lang == "zh" else table, floatfmt=".4f", note=note))
    return 0


STUDIES = ("weights", "multiverse", "sobol")


def _read_weight_vectors(path: str, names: list[str], symbol: str):
    """``--weights FILE``: a (V, m) array of weight vectors, columns in the index's indicator order,
    each row rescaled to sum exactly 1 (rows off by more than 1e-6 are refused)."""
    import numpy as np
    import pandas as pd

    from .data.io import read_table
    from .errors import DataError

    df = read_table(path)
    cols = [str(c).strip() for c in df.columns]
    missing = [c for c in names if c not in cols]
    unknown = [c for c in cols if c not in names]
    if missing or unknown or len(cols) != len(names):
        what = "; ".join(x for x in (f"missing {missing}" if missing else "", f"unknown {unknown}" if unknown else "",
                                     "duplicated columns" if not (missing or unknown) else "") if x)
        raise DataError(f"--weights {path}: the columns must be the {len(names)} indicators of {symbol} {names}; {what}")
    if df.empty:
        raise DataError(f"--weights {path}: no rows (one weight vector per row)")
    df = df.set_axis(cols, axis=1)[names]
    values = df.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(float)) | (values < 0)
    if bad.to_numpy().any():
        i, j = np.argwhere(bad.to_numpy())[0]
        raise DataError(f"--weights {path}: row {i + 1} (line {i + 2}), column {names[j]}: {df.iat[i, j]!r} is not a "
                        "finite non-negative number")
    W = values.to_numpy(float)
    sums = W.sum(axis=1)
    off = np.flatnonzero(np.abs(sums - 1) > 1e-6)
    if off.size:
        i = int(off[0])
        raise DataError(f"--weights {path}: row {i + 1} (line {i + 2}) sums to {sums[i]:.6g}, not 1 ({off.size} of "
                        f"{len(W)} rows do not); each row is one weight vector (divide each row by its sum if that is "
                        "what you mean)")
    return W / sums[:, None]


def _sensitivity_texts(panel, res, symbol: str, *, study: str, seed: int, weights_file: str | None,
                       space_file: str | None, lang: str):
    """The note and the captions (by table name) of a sensitivity study's tables in ``lang``: what
    ``sensitivity`` writes and ``report`` shows."""
    from .report.sensitivity_report import sensitivity_captions_zh, sensitivity_note_zh

    spec = panel.spec
    meta = res.meta
    if lang == "zh":
        note = sensitivity_note_zh(study, symbol, meta, seed=seed, weights_file=weights_file,
                                   space_file=space_file, provenance=panel.provenance_in("zh"))
        captions = sensitivity_captions_zh(symbol, spec.id_label(spec.entity, "zh"))
    else:
        if study == "weights":
            how = {"user": f"the {meta['n']} weight vectors of {weights_file}",
                   "uniform": f"{meta['n']} weight vectors uniform on the simplex"}.get(
                meta["draws"], f"{meta['n']} Dirichlet weight vectors around the default weights (concentration "
                               f"{meta['concentration']})")
        elif study == "multiverse":
            how = (f"{meta['n_specifications']} specifications ({meta['n_constructions']} constructions x "
                   f"{meta['n_models']} models), " + (f"{meta['n_null']} resamples under the null" if meta["n_null"]
                                                       else "no inference under the null"))
        else:
            how = (f"N = {meta['n']} base points, {meta['n_factors']} factors, {meta['n_pipelines']} pipelines, "
                   f"{meta['n_boot']} bootstrap resamples for the 95% intervals")
        where = space_file or "the bundled models/sensitivity.toml"
        note = (f"Sensitivity study '{study}' of {symbol}: {how}; seed {seed}; construction space {where}; "
                f"significant: p < 0.05 for beta (CRV1, t(G-1)), |z| > 1.96 for the Sobel z. {panel.provenance}")
        captions = {"summary": f"Sensitivity of the findings to the construction of {symbol}: the default and the spread",
                    "ranks": f"Ranks of the {spec.entity}s by {symbol} under the default weights and over the weight vectors",
                    "leave_one_out": f"Each indicator of {symbol} left out in turn (weights renormalised, or re-estimated)",
                    "anova": "Exact ANOVA decomposition over the multiverse: first-order and total indices of each choice",
                    "null": "Specification curve under the null (Simonsohn, Simmons & Nelson 2020)",
                    "sobol": "Sobol indices (first order: Saltelli 2010; total: Jansen) with 95% bootstrap intervals",
                    "convergence": "Sobol indices on the first N/8, N/4, N/2 and N base points"}
    return note, captions


def _sensitivity_figures(res, study: str, lang: str = "en", spec=None) -> dict:
    """The figures of a sensitivity study by name, each a function that draws it (a matplotlib
    Figure), their text in ``lang``."""
    from .report.sensitivity_report import (plot_rank_bands, plot_sobol, plot_specification_curve, plot_tornado,
                                            plot_weight_draws)

    return {"weights": {"draws": lambda: plot_weight_draws(res, lang=lang), "ranks": lambda: plot_rank_bands(res, lang=lang, spec=spec)},
            "multiverse": {"curve_beta": lambda: plot_specification_curve(res, "beta", lang=lang),
                           "curve_ab": lambda: plot_specification_curve(res, "ab", lang=lang),
                           "tornado_ab": lambda: plot_tornado(res, "ab", lang=lang)},
            "sobol": {"sobol_ab": lambda: plot_sobol(res, "ab", lang=lang), "sobol_beta": lambda: plot_sobol(res, "beta", lang=lang),
                      "sobol_sobel_z": lambda: plot_sobol(res, "sobel_z", lang=lang)}}[study]


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from .data.arrays import index_members
    from .data.validate import load_panel
    from .errors import EstimationError
    from .report.sensitivity_report import localize_tables, sensitivity_tables, verdict_zh
    from .report.tables import to_markdown, write_table
    from .sensitivity.api import sensitivity
    from .sensitivity.space import load_space

    if args.study not in STUDIES:
        raise EstimationError(f"--study must be weights, multiverse or sobol, got {args.study!r}")
    if args.draws not in ("dirichlet", "uniform"):
        raise EstimationError(f"--draws must be dirichlet or uniform, got {args.draws!r}")
    if args.weights is not None and args.study != "weights":
        raise EstimationError(f"--weights gives the weight vectors of the weights study; it does not apply to --study "
                              f"{args.study}")
    panel = load_panel(args.data, args.spec, interpolate=args.interpolate, decimal=args.decimal, encoding=args.encoding)
    _header(panel, args.lang)
    spec = panel.spec
    space = load_space(args.space, spec)
    symbol = args.index or space.index or spec.index.symbol
    members = index_members(spec.index, symbol)
    names = [c for c, k in zip(spec.index.columns, members) if k > 0]
    W = _read_weight_vectors(args.weights, names, symbol) if args.weights is not None else None
    res = sensitivity(panel, study=args.study, n=args.n, weights=W, seed=args.seed, space=space, index=symbol,
                      draws=args.draws, n_null=args.n_null,
                      concentration=None if args.concentration is None else (
                          args.concentration[0] if len(args.concentration) == 1 else args.concentration),
                      chunk_size=args.chunk_size, progress=True)
    out = args.work
    stem = f"sensitivity_{args.study}_{symbol}"
    note, captions = _sensitivity_texts(panel, res, symbol, study=args.study, seed=args.seed, weights_file=args.weights,
                                        space_file=args.space, lang=args.lang)
    tables = sensitivity_tables(res)
    localized = localize_tables(tables, args.lang, spec)
    for name, table in localized.items():
        write_table(table, out, f"{stem}_{name}", formats=("csv", "md", "tex"), floatfmt=".4f", note=note,
                    caption=captions.get(name, name), lang=args.lang)
    res.tidy().to_csv(out / f"{stem}_table.csv", index=False, encoding="utf-8")
    verdict = res.verdict()
    (out / f"{stem}_verdict.txt").write_text(verdict + "\n", encoding="utf-8")
    for name, make in _sensitivity_figures(res, args.study, args.lang, spec).items():
        make().savefig(out / f"{stem}_{name}.png", dpi=150)
    if args.lang == "zh":
        print(to_markdown(localized["summary"], floatfmt=".4f", note=note))
        print(f"结论：{verdict_zh(res)}")
    else:
        print(to_markdown(tables["summary"], floatfmt=".4f", note=note))
        print(f"Verdict: {verdict}")
    return 0


def _sha256(path) -> str:
    """The SHA-256 of a file, a path or a package resource (``importlib.resources``), read in blocks."""
    import hashlib

    digest = hashlib.sha256()
    with (path.open("rb") if hasattr(path, "open") else open(path, "rb")) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _git_commit() -> str | None:
    """The git commit of the package's source when it runs from a git checkout of this repository
    (with a mark when files differ from it); None otherwise, silently (an installed copy, no git)."""
    import subprocess

    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=10)
        lines = done.stdout.splitlines()
        if done.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() / here.name != here:
            return None  # not a checkout, or a copy installed inside another repository's tree
        # the package and its specs only (a benchmark's result being rewritten is not the code's change)
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", str(here), str(here.parent / "models")], cwd=here,
                               capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return lines[1] + (" (with uncommitted changes)" if dirty.returncode == 1 else "")


def _report_provenance(args: argparse.Namespace, panel, space, seconds: dict[str, tuple[str, float]],
                       lang: str) -> list[tuple[str, str, str]]:
    """The report's provenance rows ``(key, label, value)``: versions, the git commit where known,
    the SHA-256 of the data and spec files, the seed and sizes, JAX's backend and devices, timings."""
    import datetime
    import platform
    from importlib import resources
    from importlib.metadata import PackageNotFoundError, version

    import jax

    from .datasets import PAPER_PANEL_FILE

    zh = lang == "zh"

    def v(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    spec = panel.spec
    if args.data is None:
        data_file = f"resilience_jax/datasets/{PAPER_PANEL_FILE} " + ("（内置合成面板）" if zh else "(the embedded panel)")
        data_sha = _sha256(resources.files("resilience_jax.datasets").joinpath(PAPER_PANEL_FILE))
    else:
        data_file, data_sha = str(args.data), _sha256(args.data)
    n_ent, n_t = panel.shape
    rows = [("version", "resilience_jax", __version__)]
    commit = _git_commit()
    if commit:
        rows.append(("git_commit", "Git commit", commit))
    rows += [
        ("data", "数据" if zh else "Data", panel.provenance_in(lang)),
        ("data_file", "数据文件" if zh else "Data file", data_file),
        ("data_sha256", "数据文件的SHA-256" if zh else "SHA-256 of the data file", data_sha),
        ("panel", "面板" if zh else "Panel", f"{n_ent} {spec.entity} x {n_t} {spec.time} ({panel.periods[0]}-"
                                             f"{panel.periods[-1]}), N = {len(panel.frame)}"),
    ]
    for key, label, path in (("spec", "研究设定文件" if zh else "Study spec", spec.path),
                             ("index", "指标体系文件" if zh else "Index spec", spec.index.path),
                             ("space", "敏感性分析构建空间文件" if zh else "Sensitivity space", space.path)):
        rows += [(f"{key}_file", label, str(path)), (f"{key}_sha256", f"{label} SHA-256", _sha256(path))]
    if zh:
        sizes = (f"自助法：聚类自助法重复抽样{args.n_boot}次；后验：{args.engine}，{args.chains}条链×每条链{args.draws}次抽样"
                 + (f"（预热{args.warmup}次）" if args.engine == "nuts" else "") + f"；敏感性分析：{args.n_weights}组权重向量")
    else:
        sizes = (f"bootstrap: {args.n_boot} cluster replicates; posterior: {args.engine}, {args.chains} chains x "
                 f"{args.draws} draws" + (f" after {args.warmup} warm-up" if args.engine == "nuts" else "")
                 + f"; sensitivity: {args.n_weights} weight vectors")
    rows += [
        ("seed", "随机种子（全部抽样）" if zh else "Seed (every draw)", str(args.seed)),
        ("sizes", "抽样规模" if zh else "Sizes", sizes),
        ("jax", "JAX", f"jax {jax.__version__}, jaxlib {v('jaxlib')}, numpyro {v('numpyro')}"),
        ("precision", "精度" if zh else "Precision", "float64" if jax.config.jax_enable_x64 else "float32"),
        ("backend", "计算后端" if zh else "Backend", jax.default_backend()),
        ("devices", "设备" if zh else "Devices", ", ".join(f"{d} ({d.device_kind})" for d in jax.devices())),
        ("python", "Python", f"{platform.python_version()} ({platform.platform()})"),
    ]
    for key, (title, secs) in seconds.items():
        rows.append((f"time_{key}", f"{'用时：' if zh else 'Time: '}{title}", f"{secs:.2f} s"))
    rows.append(("time_total", "总用时" if zh else "Time: total", f"{sum(s for _, s in seconds.values()):.2f} s"))
    rows.append(("created", "生成时间（UTC）" if zh else "Created (UTC)",
                 datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")))
    return rows


def _cmd_report(args: argparse.Namespace) -> int:
    import time
    import warnings

    from tqdm import tqdm

    from .bayes.api import posterior
    from .bootstrap.api import bootstrap
    from .data.validate import load_panel
    from .errors import EstimationError, IntervalWarning
    from .inference.intervals import check_tails
    from .report import html as rh
    from .report.bootstrap_report import headline, localize, plot_indirect, plot_weights
    from .report.paper_tables import paper_tables
    from .report.posterior_report import (SUMMARY_CAPTION, SUMMARY_NOTE, localize_posterior, localize_summary,
                                         plot_indirect_posterior, plot_rank, posterior_caption)
    from .report.sensitivity_report import localize_tables, sensitivity_tables, verdict_zh
    from .results.bootstrap import LEVELS_NOTE, scale_caveats
    from .sensitivity.api import sensitivity
    from .sensitivity.space import load_space
    from .suite import run_suite

    check_tails(args.n_boot, 0.95, "percentile")  # the bootstrap table's intervals: refused before the run
    panel = load_panel(args.data, args.spec, interpolate=args.interpolate, decimal=args.decimal, encoding=args.encoding)
    _header(panel, args.lang)
    spec = panel.spec
    lang = args.lang
    symbol = args.index or spec.index.symbol
    if symbol not in spec.index.symbols:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(spec.index.symbols)}")
    space = load_space(None, spec)
    W = lambda key: rh.word(key, lang)  # noqa: E731
    sections, seconds = [], {}
    bar = tqdm(total=4, desc="report", unit="section")

    def done(key, start, items):  # a section computed: its time, its place in the report
        secs = time.perf_counter() - start
        seconds[key] = (W(key), secs)
        sections.append(rh.Section(key, W(key), tuple(items), secs))
        bar.update()

    def figure(key, fig):
        data = rh.png(fig)
        if fig.canvas.manager is not None:  # a pyplot figure (ArviZ's plots): closed once drawn
            import matplotlib.pyplot as plt

            plt.close(fig)
        return rh.Figure(key, W(f"fig_{key}"), data)

    # the paper's tables: those of `reproduce`
    start = time.perf_counter()
    bar.set_postfix_str("the paper's tables")
    tables = paper_tables(run_suite(panel, seed=args.seed), lang)
    comparison = tables.pop("paper_comparison", None)
    items = [rh.Table(stem, t.caption, t.table, t.note, t.floatfmt) for stem, t in tables.items()]
    if len(panel.filled):
        items.insert(0, rh.Table("interpolated_cells", W("interpolated"), panel.filled))
    done("paper", start, items)
    sections.append(rh.Section("comparison", W("comparison"), (
        rh.Table("paper_comparison", comparison.caption, comparison.table, comparison.note, comparison.floatfmt)
        if comparison is not None else W("no_comparison"),)))
    # the mediation bootstrap: that of `bootstrap` (cluster, entity fixed effects)
    start = time.perf_counter()
    bar.set_postfix_str("bootstrap")
    boot = bootstrap(panel, n_boot=args.n_boot, seed=args.seed, scheme="cluster", index=symbol, fixed_effects=True,
                     chunk_size=args.chunk_size, progress=True)
    if LEVELS_NOTE in scale_caveats(spec.index):
        warnings.warn(LEVELS_NOTE, IntervalWarning, stacklevel=1)
    table, note, caption = _mediation_bootstrap_table(panel, boot, symbol, scheme="cluster", n_boot=args.n_boot,
                                                      seed=args.seed, as_printed=False, lang=lang)
    labels = [i.label_zh if lang == "zh" else i.label_en for i in spec.index.indicators]
    items = [rh.Table("bootstrap", caption, localize(_published(table), lang), note, ".4f"),
             headline(table, lang=lang),
             figure("bootstrap_indirect", plot_indirect(boot, lang=lang)),
             figure("bootstrap_weights", plot_weights(boot, labels, lang=lang))]
    done("bootstrap", start, items)
    balanced = panel.balanced
    # the posterior: that of `posterior` (mediation, within, iid), beside the bootstrap above
    start = time.perf_counter()
    bar.set_postfix_str("posterior")
    if balanced:
        post = posterior(panel, model="mediation", index=symbol, engine=args.engine, chains=args.chains,
                         warmup=args.warmup, draws=args.draws, seed=args.seed)
        summary = post.summary()
        problems = post.problems(summary)
        table, note = _posterior_table(panel, post, boot, model="mediation", n_boot=args.n_boot, lang=lang)
        items = [rh.Table("posterior", posterior_caption("mediation", symbol, lang),
                          localize_posterior(_published(table), lang), note, ".4f"),
                 f"{W('probabilities')}: " + "; ".join(f"{k} = {p:.4f}" for k, p in post.probabilities().items()),
                 f"{W('prior')}:", list(post.prior),
                 rh.Table("posterior_summary", SUMMARY_CAPTION[lang], localize_summary(summary, lang), SUMMARY_NOTE[lang],
                          ".4f"),
                 *([f"{W('diagnostics')}: " + "; ".join(problems)] if problems else []),
                 figure("posterior_indirect", plot_indirect_posterior(post, boot, lang=lang)),
                 figure("posterior_rank", plot_rank(post, lang=lang))]
    else:
        items = [W("skipped").format(W("unbalanced"))]
    done("posterior", start, items)
    # the sensitivity of the findings to the weights: the weights study of `sensitivity`
    start = time.perf_counter()
    bar.set_postfix_str("sensitivity")
    if balanced:
        res = sensitivity(panel, study="weights", n=args.n_weights, seed=args.seed, space=space, index=symbol,
                          chunk_size=args.chunk_size, progress=True)
        note, captions = _sensitivity_texts(panel, res, symbol, study="weights", seed=args.seed, weights_file=None,
                                            space_file=None, lang=lang)
        items = [rh.Table(f"sensitivity_{name}", captions.get(name, name), t, note, ".4f")
                 for name, t in localize_tables(sensitivity_tables(res), lang, spec).items()]
        items.append(f"结论：{verdict_zh(res)}" if lang == "zh" else f"Verdict: {res.verdict()}")
        items += [figure(f"sensitivity_{name}", make()) for name, make in _sensitivity_figures(res, "weights", lang, spec).items()]
    else:
        items = [W("skipped").format(W("unbalanced"))]
    done("sensitivity", start, items)
    bar.close()
    page = rh.render_report(sections, _report_provenance(args, panel, space, seconds, lang), lang=lang,
                            banner=panel.provenance_in(lang), synthetic=panel.synthetic)
    name = f"report_{lang}.html"
    (args.work / name).write_text(page, encoding="utf-8")
    n_tables = sum(isinstance(i, rh.Table) for s in sections for i in s.items)
    n_figures = sum(isinstance(i, rh.Figure) for s in sections for i in s.items)
    size = len(page.encode()) / 1024
    if lang == "zh":
        print(f"报告{name}：{n_tables}个表格、{n_figures}幅图，{size:.0f} kB，单个自包含HTML文件；"
              + "，".join(f"{label}用时{secs:.1f}秒" for label, secs in seconds.values()))
    else:
        print(f"Report {name}: {n_tables} tables, {n_figures} figures, {size:.0f} kB, one self-contained HTML file; "
              + ", ".join(f"{key} {secs:.1f} s" for key, (_, secs) in seconds.items()))
    return 0


def _check_output_folder(out: Path) -> None:
    """Before any computation: ``out`` is, or can be created as, a folder this process can write into."""
    import os

    for parent in (out, *out.parents):
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"--out {out}: {parent} is a file, not a folder; choose another --out")
            break
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot create the folder ({exc.strerror}); choose another --out") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: the folder is not writable; choose another --out")


@contextmanager
def _staged_output(out: Path):
    """A staging folder inside ``out``: the command writes there, and only when it succeeds are its
    files moved into ``out`` (their names then in ``.written``); on an error nothing is left behind
    (a folder this run created is removed again)."""
    import os
    import shutil
    import tempfile

    existed = out.exists()
    _check_output_folder(out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=".partial-", dir=out))
    except OSError as exc:
        raise OutputError(f"--out {out}: cannot write into the folder ({exc.strerror})") from None
    staged = _Stage(stage, [])
    try:
        yield staged
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if not existed and not any(out.iterdir()):
            out.rmdir()
        raise
    names = sorted(p.name for p in stage.iterdir())
    for name in names:
        os.replace(stage / name, out / name)
    stage.rmdir()
    staged.written[:] = names


@contextmanager
def _process_role(args: argparse.Namespace):
    """With ``--distributed``: join the multi-process run before any computation; a process other
    than 0 computes its share with the others but writes nothing (its outputs go to a temporary
    folder, removed after, and its console output is dropped).

    Process 0 checks its ``--out`` first and tells the others, so a folder it cannot write stops
    every process with the same error before any work. At the end every process waits for the
    others and leaves the runtime together (the executable ends with ``os._exit``, which would
    otherwise take process 0's coordinator away from processes still finishing). A failure inside
    one process's computation alone stops the others through JAX's runtime, with its message."""
    if not getattr(args, "distributed", False):
        yield
        return
    import os
    import shutil
    import tempfile

    import jax
    import numpy as np
    from jax.experimental import multihost_utils

    from .bootstrap.driver import init_distributed, is_writer

    init_distributed()
    problem = ""
    if is_writer():
        out = Path(args.out)
        existed = out.exists()
        try:
            _check_output_folder(out)
            if not existed:
                out.rmdir()  # made by the check only; the command's own staging makes it again
        except OutputError as exc:
            problem = str(exc)
    if int(multihost_utils.broadcast_one_to_all(np.int32(bool(problem)))):
        raise OutputError(problem or "process 0 cannot write into its --out (its own message says why); nothing was "
                                     "computed")
    if is_writer():
        yield
    else:
        args.out = tempfile.mkdtemp(prefix="resilience-jax-rank-")
        try:
            with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
                yield
        finally:
            shutil.rmtree(args.out, ignore_errors=True)
    multihost_utils.sync_global_devices("resilience-jax: every process done")
    jax.distributed.shutdown()


@dataclass
class _Stage:
    path: Path  # where the command writes
    written: list[str]  # the files moved into --out when it succeeded


def _cmd_init(args: argparse.Namespace) -> int:
    import shutil

    from .data.init_spec import guess_columns, write_starting_spec
    from .data.io import read_table
    from .data.spec import models_dir

    out = Path(args.out)
    names = ("paper.toml", "index.toml", "sensitivity.toml") if args.data is None else ("index.toml", "study.toml")
    clash = [str(out / n) for n in names if (out / n).exists()]
    if clash:
        raise OutputError(f"{', '.join(clash)} already exist(s); init never replaces a spec: choose another --out")
    if args.data is None:
        for n in names:
            shutil.copy(models_dir() / n, args.work / n)
        print(f"The paper's specs, to edit: {out / 'paper.toml'} (models), {out / 'index.toml'} (indicators), "
              f"{out / 'sensitivity.toml'} (sensitivity space). Use them with --spec {out / 'paper.toml'}.")
        return 0
    df = read_table(args.data, args.encoding)
    g = guess_columns(df)
    write_starting_spec(df, args.work, source=Path(args.data).name)
    print(f"Columns of {args.data}: {', '.join(map(str, df.columns))}")
    print(f"Guessed: entity = {g['entity']!r}, time = {g['time']!r}, region = {g['region']!r}; "
          f"{len(g['numeric'])} numeric columns (the last three: regressor, mediator, control; the others: indicators)")
    print(f"Next: edit {out / 'study.toml'} and {out / 'index.toml'} (every line marked REVIEW is a guess), then\n"
          f"  resilience-jax describe --data {args.data} --spec {out / 'study.toml'}")
    return 0


COMMANDS = {"init": _cmd_init, "describe": _cmd_describe, "reproduce": _cmd_reproduce, "bootstrap": _cmd_bootstrap,
            "posterior": _cmd_posterior, "sensitivity": _cmd_sensitivity, "report": _cmd_report}


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Parse a command line and run it in this process (:func:`run`).

    Parameters
    ----------
    argv : list of str or None, optional
        The arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0, ``EXIT_USER_ERROR`` (2) for bad input, ``EXIT_INTERNAL_ERROR`` (1) for a
        bug, 130 when interrupted.

    Raises
    ------
    SystemExit
        From argparse, on a command line that does not parse, ``--help`` or ``--version``.
    ResilienceError
        With ``--debug``, the error that would otherwise be reported in one line (as any other
        exception).

    Example
    -------
    >>> import contextlib, io, os, shutil, tempfile
    >>> out = tempfile.mkdtemp()
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     code = main(["describe", "--out", out])
    >>> code, sorted(os.listdir(out))
    (0, ['table2_descriptives.csv', 'table2_descriptives.md', 'table2_descriptives.note.txt'])
    >>> shutil.rmtree(out)
    """
    return run(build_parser().parse_args(argv))


FIGURE_COMMANDS = ("bootstrap", "posterior", "sensitivity", "report")


def _figure_fonts(command: str):
    """For the commands that draw: the shipped CJK font as a fallback (Chinese labels render on a
    machine without CJK fonts), within the command only (matplotlib's settings restored after)."""
    if command not in FIGURE_COMMANDS:
        return contextlib.nullcontext()
    import matplotlib

    from .report.fonts import cjk_rc

    return matplotlib.rc_context(cjk_rc())


def run(args: argparse.Namespace) -> int:
    """Run a parsed command line and return its exit code (``EXIT_USER_ERROR`` for bad input,
    ``EXIT_INTERNAL_ERROR`` for a bug; no traceback unless ``--debug``).

    No process-wide side effects: the persistent compilation cache and the one-line warning format
    are set by the executable's entry point (:func:`console_main`) only, so an in-process caller
    (a test, a notebook) keeps its own settings.

    Parameters
    ----------
    args : argparse.Namespace
        A parsed command line (:func:`build_parser`).

    Returns
    -------
    int
        The command's exit code (0), ``EXIT_USER_ERROR`` after a
        :class:`~resilience_jax.errors.ResilienceError` (its message printed to stderr as
        ``error: ...``), ``EXIT_INTERNAL_ERROR`` after any other exception, 130 when interrupted.

    Raises
    ------
    ResilienceError
        With ``args.debug``, the error is raised instead of reported (as any other exception).

    Example
    -------
    >>> import contextlib, io, os, shutil, tempfile
    >>> out = tempfile.mkdtemp()
    >>> args = build_parser().parse_args(["describe", "--data", os.path.join(out, "missing.csv"), "--out", out])
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:
    ...     code = run(args)
    >>> code == EXIT_USER_ERROR, err.getvalue().startswith("error: ")
    (True, True)
    >>> shutil.rmtree(out)
    """
    try:
        with _process_role(args):
            with _staged_output(Path(args.out)) as stage, _figure_fonts(args.command):
                args.work = stage.path
                code = COMMANDS[args.command](args)
            print(("已写入：" if getattr(args, "lang", "en") == "zh" else "Wrote: ")
                  + ", ".join(str(Path(args.out) / name) for name in stage.written))
        return code
    except ResilienceError as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # last resort: never a raw traceback for the user
        if args.debug:
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in resilience_jax; rerun with --debug for the traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR


def console_main() -> int:
    """Entry point of the ``resilience-jax`` executable: a fresh process, so the XLA flags of
    :func:`fast_compile` (:func:`opt_level`) can be set before the backend starts (in-process
    callers of :func:`main`, such as tests and notebooks, keep their own flags).

    Reads ``sys.argv``, sets the XLA flags, ``MPLBACKEND=Agg``, the one-line warning format and
    the persistent compilation cache (:func:`enable_compile_cache`), runs the command
    (:func:`run`) and ends the process with its exit code through ``os._exit`` (skipping the
    interpreter's teardown). Run it as the executable (``resilience-jax describe --out results``),
    never in a process that has to go on.

    Returns
    -------
    int
        Never returns: the process exits with the code of :func:`run`.

    Raises
    ------
    SystemExit
        From argparse, on a command line that does not parse, ``--help`` or ``--version``.

    Example
    -------
    >>> callable(console_main)  # the `resilience-jax` executable; calling it ends the process
    True
    """
    import os

    from ._backend import cpu_expected

    args = build_parser().parse_args(sys.argv[1:])
    level = opt_level(args)
    if level is not None and cpu_expected():  # XLA:CPU's flags; an accelerator keeps its defaults
        fast_compile(level)
    os.environ.setdefault("MPLBACKEND", "Agg")  # figures are written to files; no display is needed
    if not args.debug:
        warnings.showwarning = _show_warning
        warnings.simplefilter("default", ResilienceWarning)
    enable_compile_cache()
    code = run(args)
    # The work is done and every output file is closed: skip the interpreter's teardown of JAX,
    # pandas and matplotlib (about half a second of every command). The persistent compilation
    # cache is written when a function compiles, not at exit.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(console_main())
