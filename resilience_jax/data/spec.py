"""Load the study specifications in ``models/*.toml`` into frozen, hashable config objects.

The specs are data: ``index.toml`` is the indicator system (paper Table 1) and ``paper.toml`` the
model suite (Tables 3-11). Every problem is reported as a :class:`~resilience_jax.errors.SpecError`
naming the file and the offending field, e.g. ``models/paper.toml: baseline.controls: unknown
variable 'Fnance'``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import SpecError

Direction = Literal[1, -1]
VcovKind = Literal["iid", "HC1", "CRV1"]
PANEL_MODES = ("pooled", "per_year", "global")
NORMALISATIONS = ("minmax", "goalposts")
TRANSFORMS = ("none", "log")
GOALPOST_RULES = ("panel",)


# --------------------------------------------------------------------------- config objects


@dataclass(frozen=True)
class Indicator:
    column: str
    label_en: str
    label_zh: str
    measure: str
    dimension: str
    subdimension: str
    direction: Direction
    unit: str
    aliases: tuple[str, ...] = ()
    transform: str = "none"  # "log": the index uses ln(value)
    goalposts: tuple[float, float] | None = None  # fixed bounds in the indicator's own units (normalisation "goalposts")


@dataclass(frozen=True)
class Dimension:
    key: str
    symbol: str
    label_en: str
    label_zh: str


@dataclass(frozen=True)
class IndexSpec:
    symbol: str
    label_en: str
    label_zh: str
    method: str
    panel_mode: str
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    path: str
    normalisation: str = "minmax"  # "minmax": each sample's own bounds (the paper's); "goalposts": fixed bounds
    goalposts_from: str | None = None  # the rule for indicators without their own goalposts ("panel")

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(i.column for i in self.indicators)

    @property
    def directions(self) -> tuple[int, ...]:
        return tuple(i.direction for i in self.indicators)

    @property
    def symbols(self) -> tuple[str, ...]:
        """The overall index symbol followed by each dimension's sub-index symbol."""
        return (self.symbol, *(d.symbol for d in self.dimensions))

    def dimension_members(self, key: str) -> tuple[int, ...]:
        """Positions of the indicators that belong to dimension ``key``."""
        return tuple(j for j, ind in enumerate(self.indicators) if ind.dimension == key)


@dataclass(frozen=True)
class Variable:
    name: str
    label_en: str
    label_zh: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    log_of: str | None = None
    required: bool = True


@dataclass(frozen=True)
class Vcov:
    """Variance estimator in fixest spelling: ``iid``, ``HC1`` or ``CRV1`` clustered by ``cluster``."""

    kind: VcovKind
    cluster: str | None = None

    def as_fixest(self) -> str | dict[str, str]:
        return {"CRV1": self.cluster} if self.kind == "CRV1" else self.kind


@dataclass(frozen=True)
class BaselineSpec:
    outcomes: tuple[str, ...]
    regressor: str
    controls: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    vcov: Vcov


@dataclass(frozen=True)
class HeterogeneitySpec:
    outcomes: tuple[str, ...]
    groups: tuple[str, ...]


@dataclass(frozen=True)
class RobustnessVariant:
    name: str
    label_en: str
    label_zh: str
    regressor: str | None = None
    winsorize: tuple[float, float] | None = None
    lag: Literal["outcome", "regressor"] | None = None


@dataclass(frozen=True)
class MediationVariant:
    name: str
    label_en: str
    label_zh: str
    fixed_effects: tuple[str, ...]
    vcov: Vcov


@dataclass(frozen=True)
class MediationSpec:
    outcomes: tuple[str, ...]
    regressor: str
    mediator: str
    controls: tuple[str, ...]
    variants: tuple[MediationVariant, ...]


@dataclass(frozen=True)
class PaperEstimate:
    table: int
    column: str
    outcome: str
    term: str
    coef: float
    se: float


@dataclass(frozen=True)
class StudySpec:
    title: str
    authors: str
    doi: str
    path: str
    index: IndexSpec
    entity: str
    time: str
    region: str
    entity_aliases: tuple[str, ...]
    time_aliases: tuple[str, ...]
    region_aliases: tuple[str, ...]
    variables: tuple[Variable, ...]
    regions: tuple[tuple[str, tuple[str, ...]], ...]
    region_labels: tuple[tuple[str, str], ...]
    baseline: BaselineSpec
    heterogeneity: HeterogeneitySpec
    robustness: tuple[RobustnessVariant, ...]
    mediation: MediationSpec
    paper_estimates: tuple[PaperEstimate, ...]
    entity_labels: tuple[tuple[str, str], ...] = ()  # [entity_labels]: an entity's name in Chinese tables

    def entity_label(self, name: str, lang: Literal["en", "zh"] = "en") -> str:
        """An entity as a table prints it: for ``"zh"`` its ``[entity_labels]`` entry where the spec
        has one (the paper's spec: the provinces' Chinese names), else its own name.

        Example
        -------
        >>> from resilience_jax.data import load_spec
        >>> spec = load_spec()
        >>> spec.entity_label("Inner Mongolia", "zh"), spec.entity_label("Inner Mongolia"), spec.entity_label("X", "zh")
        ('内蒙古', 'Inner Mongolia', 'X')
        """
        return dict(self.entity_labels).get(name, name) if lang == "zh" else name

    def variable(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise SpecError(f"{self.path}: unknown variable {name!r}")

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    def region_of(self) -> dict[str, str]:
        """Map entity name -> region name, from [regions]."""
        return {p: r for r, provinces in self.regions for p in provinces}

    def label(self, name: str, lang: Literal["en", "zh"] = "en") -> str:
        """Table label of a variable, index symbol, or indicator column (falls back to the name)."""
        if name in self.variable_names:
            v = self.variable(name)
            return v.label_zh if lang == "zh" else v.label_en
        if name == self.index.symbol:
            return self.index.label_zh if lang == "zh" else self.index.label_en
        for d in self.index.dimensions:
            if name == d.symbol:
                return d.label_zh if lang == "zh" else d.label_en
        for ind in self.index.indicators:
            if name == ind.column:
                return ind.label_zh if lang == "zh" else ind.label_en
        return name

    def id_label(self, name: str, lang: Literal["en", "zh"] = "en") -> str:
        """Table label of the entity, time or region column (e.g. in "clustered by ..." and the
        fixed-effects row): for ``lang="zh"`` the first of its aliases that contains a Chinese
        character; otherwise, and for any other name, ``name`` itself.

        Example
        -------
        >>> spec = load_spec()
        >>> spec.id_label("province", "zh"), spec.id_label("year", "zh"), spec.id_label("region", "zh")
        ('省份', '年份', '区域')
        >>> spec.id_label("province"), spec.id_label("LnAI", "zh")
        ('province', 'LnAI')
        """
        if lang != "zh":
            return name
        aliases = {self.entity: self.entity_aliases, self.time: self.time_aliases, self.region: self.region_aliases}.get(name, ())
        return next((a for a in aliases if any("\u3400" <= ch <= "\u9fff" for ch in a)), name)


# --------------------------------------------------------------------------- reading helpers


class _Table:
    """A TOML table being read, remembering where it came from for error messages."""

    def __init__(self, data: Any, file: str, where: str):
        if not isinstance(data, dict):
            raise SpecError(f"{file}: {where or 'top level'}: expected a table, got {type(data).__name__}")
        self.data, self.file, self.where = data, file, where
        self.used: set[str] = set()

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, msg: str) -> SpecError:
        return SpecError(f"{self.file}: {self._field(key)}: {msg}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., *, required: bool = True):
        self.used.add(key)
        if key not in self.data:
            if default is not ... or not required:
                return None if default is ... else default
            raise self.error(key, "missing required field")
        value = self.data[key]
        if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
            want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"expected {want}, got {type(value).__name__} {value!r}")
        return value

    def str_list(self, key: str, default: Any = ...) -> tuple[str, ...]:
        value = self.get(key, list, default)
        if value is None:
            return ()
        bad = [v for v in value if not isinstance(v, str)]
        if bad:
            raise self.error(key, f"expected a list of strings, found {bad[0]!r}")
        dupes = sorted({v for v in value if value.count(v) > 1})
        if dupes:
            raise self.error(key, f"duplicate name(s) {', '.join(map(repr, dupes))}")
        return tuple(value)

    def sub(self, key: str, default: Any = ...) -> "_Table | None":
        value = self.get(key, dict, default)
        return None if value is None else _Table(value, self.file, self._field(key))

    def subs(self, key: str) -> list["_Table"]:
        value = self.get(key, list)
        if not value:
            raise self.error(key, "expected at least one entry")
        return [_Table(v, self.file, f"{self._field(key)}[{i}]") for i, v in enumerate(value)]

    def done(self) -> None:
        """Reject unknown keys (usually typos) so that a misspelled field is never silently ignored."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(unknown[0], "unknown field (check the spelling; see models/paper.toml for the fields)")


def _read_toml(path: Path) -> dict:
    if not path.is_file():
        raise SpecError(f"{path}: specification file not found")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None


def models_dir() -> Path:
    """Directory of the bundled specs: the wheel's ``resilience_jax/_models`` or the repo's ``models/``.

    Returns
    -------
    pathlib.Path
        The first of the two candidate directories that holds ``paper.toml``.

    Raises
    ------
    SpecError
        Neither directory holds the bundled specs (a broken installation).

    Example
    -------
    >>> from resilience_jax.data.spec import models_dir
    >>> (models_dir() / "paper.toml").is_file(), (models_dir() / "index.toml").is_file()
    (True, True)
    """
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_models", here.parent / "models"):
        if (candidate / "paper.toml").is_file():
            return candidate
    raise SpecError("the bundled models/ specs are missing from this installation; reinstall resilience_jax")


def default_spec_path() -> Path:
    """Path of the bundled study spec, ``paper.toml`` in :func:`models_dir`.

    Returns
    -------
    pathlib.Path
        The default spec file read by :func:`load_spec`.

    Raises
    ------
    SpecError
        The bundled specs are missing (see :func:`models_dir`).

    Example
    -------
    >>> from resilience_jax.data.spec import default_spec_path
    >>> default_spec_path().name
    'paper.toml'
    """
    return models_dir() / "paper.toml"


# --------------------------------------------------------------------------- index spec


def load_index(path: str | Path | None = None) -> IndexSpec:
    """Load and validate an indicator system (``models/index.toml`` by default).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The index TOML file (default: the bundled ``index.toml``).

    Returns
    -------
    IndexSpec
        The index symbol and labels, method, panel mode, dimensions and indicators (column,
        labels, dimension, direction, aliases).

    Raises
    ------
    SpecError
        A missing file or field, invalid TOML, a wrong type, an unknown field, an unsupported
        method or panel mode, a bad direction, an unknown dimension, a duplicate name, or a
        dimension without indicators; the message names the file and the field.

    Example
    -------
    >>> from resilience_jax.data import load_index
    >>> idx = load_index()
    >>> idx.symbols, len(idx.indicators), idx.panel_mode
    (('REIC', 'REICD', 'REICC'), 15, 'pooled')
    """
    path = Path(path) if path is not None else models_dir() / "index.toml"
    file = str(path)
    top = _Table(_read_toml(path), file, "")
    head = top.sub("index")
    symbol = head.get("symbol", str)
    label_en, label_zh = _labels(head, symbol)
    method = head.get("method", str, "entropy")
    if method != "entropy":
        raise head.error("method", f"unsupported method {method!r}; expected 'entropy'")
    panel_mode = head.get("panel_mode", str, "pooled")
    if panel_mode not in PANEL_MODES:
        raise head.error("panel_mode", f"expected one of {PANEL_MODES}, got {panel_mode!r}")
    normalisation = head.get("normalisation", str, "minmax")
    if normalisation not in NORMALISATIONS:
        raise head.error("normalisation", f"expected one of {NORMALISATIONS}, got {normalisation!r}")
    transform_all = head.get("transform", str, "none")
    if transform_all not in TRANSFORMS:
        raise head.error("transform", f"expected one of {TRANSFORMS}, got {transform_all!r}")
    goalposts_from = head.get("goalposts_from", str, None, required=False)
    if goalposts_from is not None and goalposts_from not in GOALPOST_RULES:
        raise head.error("goalposts_from", f"expected one of {GOALPOST_RULES}, got {goalposts_from!r}")
    if goalposts_from is not None and normalisation != "goalposts":
        raise head.error("goalposts_from", "applies to normalisation = 'goalposts' only")
    head.done()

    dims = []
    for t in top.subs("dimensions"):
        key, dsym = t.get("key", str), t.get("symbol", str)
        dims.append(Dimension(key, dsym, *_labels(t, key)))
        t.done()
    _no_duplicates(file, "dimensions.key", [d.key for d in dims])
    _no_duplicates(file, "dimensions.symbol", [symbol, *(d.symbol for d in dims)])

    indicators = []
    for t in top.subs("indicators"):
        direction = t.get("direction", (str, int))
        if direction not in ("+", "-", 1, -1):
            raise t.error("direction", f"expected '+' or '-', got {direction!r}")
        dimension = t.get("dimension", str)
        if dimension not in {d.key for d in dims}:
            raise t.error("dimension", f"unknown dimension {dimension!r}; defined: {[d.key for d in dims]}")
        transform = t.get("transform", str, transform_all)
        if transform not in TRANSFORMS:
            raise t.error("transform", f"expected one of {TRANSFORMS}, got {transform!r}")
        gp = t.get("goalposts", list, None, required=False)
        if gp is not None:
            if normalisation != "goalposts":
                raise t.error("goalposts", "given, but [index] normalisation is not 'goalposts'")
            if len(gp) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in gp) or not gp[0] < gp[1]:
                raise t.error("goalposts", f"expected [lower, upper] numbers with lower < upper, got {gp!r}")
            if transform == "log" and gp[0] <= 0:
                raise t.error("goalposts", f"the indicator is log-transformed, so its goalposts must be positive, got {gp!r}")
            gp = (float(gp[0]), float(gp[1]))
        elif normalisation == "goalposts" and goalposts_from is None:
            raise t.error("goalposts", "missing: [index] normalisation = 'goalposts' needs goalposts = [lower, upper] for "
                                       "every indicator, or [index] goalposts_from = 'panel' for those without")
        column = t.get("column", str)
        ien, izh = _labels(t, column)
        indicators.append(
            Indicator(
                column=column,
                label_en=ien,
                label_zh=izh,
                measure=t.get("measure", str, ""),
                dimension=dimension,
                subdimension=t.get("subdimension", str, ""),
                direction=1 if direction in ("+", 1) else -1,
                unit=t.get("unit", str, ""),
                aliases=t.str_list("aliases", None),
                transform=transform,
                goalposts=gp,
            )
        )
        t.done()
    top.done()
    _no_duplicates(file, "indicators.column", [i.column for i in indicators])
    _no_duplicates(file, "indicators.aliases", [a for i in indicators for a in (i.column, *i.aliases)])
    for d in dims:
        if not any(i.dimension == d.key for i in indicators):
            raise SpecError(f"{file}: dimensions: dimension {d.key!r} has no indicators")
    return IndexSpec(symbol, label_en, label_zh, method, panel_mode, tuple(dims), tuple(indicators), file, normalisation,
                     goalposts_from)


def _labels(t: _Table, name: str) -> tuple[str, str]:
    """``label_en`` (default: ``name``) and ``label_zh`` (default: the English label) of a table."""
    en = t.get("label_en", str, name)
    return en, t.get("label_zh", str, en)


def _no_duplicates(file: str, field: str, names: list[str]) -> None:
    seen, dupes = set(), []
    for n in names:
        if n in seen and n not in dupes:
            dupes.append(n)
        seen.add(n)
    if dupes:
        raise SpecError(f"{file}: {field}: duplicate name(s) {', '.join(map(repr, dupes))}")


# --------------------------------------------------------------------------- study spec


def _vcov(t: _Table, key: str) -> Vcov:
    value = t.get(key, (str, dict))
    if isinstance(value, str):
        if value not in ("iid", "HC1"):
            raise t.error(key, f"expected 'iid', 'HC1' or {{ CRV1 = \"<cluster>\" }}, got {value!r}")
        return Vcov(value)  # type: ignore[arg-type]
    if set(value) != {"CRV1"} or not isinstance(value["CRV1"], str):
        raise t.error(key, f"expected {{ CRV1 = \"<cluster variable>\" }}, got {value!r}")
    return Vcov("CRV1", value["CRV1"])


def load_spec(path: str | Path | None = None) -> StudySpec:
    """Load and validate a study spec (``models/paper.toml`` by default) with its index file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The study TOML file (default: the bundled ``paper.toml``); its ``study.index`` names the
        index file, relative to it.

    Returns
    -------
    StudySpec
        The study's id columns, variables, regions, baseline, heterogeneity, robustness and
        mediation models, the paper's published estimates and the :class:`IndexSpec`.

    Raises
    ------
    SpecError
        For a missing file or field, a wrong type, an unknown or duplicate variable, a bad direction
        or vcov; the message names the file and the field.

    Example
    -------
    >>> import resilience_jax as rj
    >>> spec = rj.load_spec()
    >>> spec.entity, spec.time, spec.baseline.regressor, spec.baseline.controls
    ('province', 'year', 'LnAI', ('Incomegap', 'Finance', 'Open', 'LnRoad', 'LnPopulation'))
    >>> rj.load_spec("no_such_spec.toml")
    Traceback (most recent call last):
    ...
    resilience_jax.errors.SpecError: no_such_spec.toml: specification file not found
    """
    path = Path(path) if path is not None else default_spec_path()
    file = str(path)
    top = _Table(_read_toml(path), file, "")
    study = top.sub("study")
    index_path = path.parent / study.get("index", str)
    index = load_index(index_path)
    entity, time, region = study.get("entity", str), study.get("time", str), study.get("region", str)
    head = dict(
        title=study.get("title", str),
        authors=study.get("authors", str, ""),
        doi=study.get("doi", str, ""),
        entity_aliases=study.str_list("entity_aliases", None),
        time_aliases=study.str_list("time_aliases", None),
        region_aliases=study.str_list("region_aliases", None),
    )
    study.done()

    vtab = top.sub("variables")
    variables = []
    for name in vtab.data:
        t = vtab.sub(name)
        ven, vzh = _labels(t, name)
        variables.append(
            Variable(
                name=name,
                label_en=ven,
                label_zh=vzh,
                description=t.get("description", str, ""),
                aliases=t.str_list("aliases", None),
                log_of=t.get("log_of", str, None),
                required=t.get("required", bool, True),
            )
        )
        t.done()
    vtab.done()
    var_names = [v.name for v in variables]
    clash = set(var_names) & (set(index.columns) | set(index.symbols) | {entity, time, region})
    if clash:
        raise SpecError(f"{file}: variables: {sorted(clash)} also name an indicator, index or id column")
    _no_duplicates(
        file,
        "variables.aliases",
        [a for v in variables for a in (v.name, *v.aliases, *((v.log_of,) if v.log_of else ()))]
        + [a for i in index.indicators for a in (i.column, *i.aliases)],
    )

    known_vars = set(var_names)
    outcomes_ok = set(index.symbols) | known_vars | set(index.columns)
    id_cols = {entity, time, region}

    def check_vars(t: _Table, key: str, names: tuple[str, ...], allowed: set[str], what: str) -> None:
        for n in names:
            if n not in allowed:
                raise t.error(key, f"unknown {what} {n!r}; known: {sorted(allowed)}")

    rtab = top.sub("regions")
    regions = tuple((name, rtab.str_list(name)) for name in rtab.data)
    rtab.done()
    _no_duplicates(file, "regions", [p for _, ps in regions for p in ps])

    def labels(name: str) -> tuple[tuple[str, str], ...]:
        """An optional table of names -> labels ([region_labels], [entity_labels])."""
        tab = top.sub(name, None)
        if not tab:
            return ()
        out = tuple((k, tab.get(k, str)) for k in tab.data)
        tab.done()
        return out

    region_labels, entity_labels = labels("region_labels"), labels("entity_labels")

    def vcov_ok(t: _Table, v: Vcov) -> Vcov:
        if v.cluster is not None and v.cluster not in id_cols:
            raise t.error("vcov", f"unknown cluster variable {v.cluster!r}; expected one of {sorted(id_cols)}")
        return v

    def fes(t: _Table, key: str) -> tuple[str, ...]:
        names = t.str_list(key)
        check_vars(t, key, names, {entity, time}, "fixed effect")
        return names

    b = top.sub("baseline")
    baseline = BaselineSpec(
        outcomes=b.str_list("outcomes"),
        regressor=b.get("regressor", str),
        controls=b.str_list("controls"),
        fixed_effects=fes(b, "fixed_effects"),
        vcov=vcov_ok(b, _vcov(b, "vcov")),
    )
    check_vars(b, "outcomes", baseline.outcomes, outcomes_ok, "outcome")
    check_vars(b, "regressor", (baseline.regressor,), known_vars, "variable")
    check_vars(b, "controls", baseline.controls, known_vars, "variable")
    b.done()

    h = top.sub("heterogeneity", None)  # optional: no regional table
    heterogeneity = HeterogeneitySpec((), ())
    if h is not None:
        heterogeneity = HeterogeneitySpec(outcomes=h.str_list("outcomes"), groups=h.str_list("groups"))
        check_vars(h, "outcomes", heterogeneity.outcomes, outcomes_ok, "outcome")
        check_vars(h, "groups", heterogeneity.groups, {r for r, _ in regions}, "region")
        h.done()

    robustness = []
    for t in (top.subs("robustness") if "robustness" in top.data else ()):  # optional: no robustness tables
        name = t.get("name", str)
        regressor = t.get("regressor", str, None)
        if regressor is not None:
            check_vars(t, "regressor", (regressor,), known_vars, "variable")
        wins = t.get("winsorize", list, None)
        if wins is not None:
            if len(wins) != 2 or not all(isinstance(x, (int, float)) for x in wins) or not 0 <= wins[0] < wins[1] <= 1:
                raise t.error("winsorize", f"expected [lower, upper] quantiles with 0 <= lower < upper <= 1, got {wins!r}")
            wins = (float(wins[0]), float(wins[1]))
        lag = t.get("lag", str, None)
        if lag is not None and lag not in ("outcome", "regressor"):
            raise t.error("lag", f"expected 'outcome' or 'regressor', got {lag!r}")
        if sum(x is not None for x in (regressor, wins, lag)) != 1:
            raise t.error("name", f"variant {name!r} must set exactly one of regressor, winsorize, lag")
        robustness.append(
            RobustnessVariant(name, *_labels(t, name), regressor, wins, lag)  # type: ignore[arg-type]
        )
        t.done()
    _no_duplicates(file, "robustness.name", [r.name for r in robustness])

    m = top.sub("mediation")
    variants = []
    for t in m.subs("variants"):
        variants.append(
            MediationVariant(
                (vname := t.get("name", str)), *_labels(t, vname), fes(t, "fixed_effects"), vcov_ok(t, _vcov(t, "vcov"))
            )
        )
        t.done()
    _no_duplicates(file, "mediation.variants.name", [v.name for v in variants])
    mediation = MediationSpec(
        outcomes=m.str_list("outcomes"),
        regressor=m.get("regressor", str),
        mediator=m.get("mediator", str),
        controls=m.str_list("controls"),
        variants=tuple(variants),
    )
    check_vars(m, "outcomes", mediation.outcomes, outcomes_ok, "outcome")
    check_vars(m, "regressor", (mediation.regressor,), known_vars, "variable")
    check_vars(m, "mediator", (mediation.mediator,), known_vars, "variable")
    check_vars(m, "controls", mediation.controls, known_vars, "variable")
    m.done()

    estimates: list[PaperEstimate] = []
    p = top.sub("paper_estimates", None)
    if p is not None:
        cols = p.str_list("columns")
        if cols != ("table", "column", "outcome", "term", "coef", "se"):
            raise p.error("columns", "expected ['table', 'column', 'outcome', 'term', 'coef', 'se']")
        for i, row in enumerate(p.get("rows", list)):
            if not (isinstance(row, list) and len(row) == 6):
                raise p.error(f"rows[{i}]", f"expected 6 values {list(cols)}, got {row!r}")
            try:
                estimates.append(PaperEstimate(int(row[0]), str(row[1]), str(row[2]), str(row[3]), float(row[4]), float(row[5])))
            except (TypeError, ValueError):
                raise p.error(f"rows[{i}]", f"expected [int, str, str, str, float, float], got {row!r}") from None
            if not math.isfinite(estimates[-1].coef):
                raise p.error(f"rows[{i}]", "coef must be a finite number")
        p.done()
    top.done()

    return StudySpec(
        path=file,
        index=index,
        entity=entity,
        time=time,
        region=region,
        variables=tuple(variables),
        regions=regions,
        region_labels=region_labels,
        entity_labels=entity_labels,
        baseline=baseline,
        heterogeneity=heterogeneity,
        robustness=tuple(robustness),
        mediation=mediation,
        paper_estimates=tuple(estimates),
        **head,
    )
