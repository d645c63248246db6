"""The construction space of a sensitivity study, read from ``models/sensitivity.toml`` (or a
user's copy), and the index that each construction builds.

A *construction* is one way of building the index: a weighting scheme, a normalisation, the
directions of the ambiguous indicators, an aggregation and, optionally, one indicator left out.
A *model* (:class:`~resilience_jax.sensitivity.engine.ModelChoice`) is one regression run on it.
Each list in the file starts with the paper's choice, the default of every analysis.

How weights are computed (whatever the index's normalisation, so that weighting and
normalisation are separate choices): the entropy family, CRITIC, the standard deviation and PCA
use the min-max normalised indicators (the entropy method's own input in the paper; ``entropy``
and ``entropy_shifted`` follow the index spec's panel mode, ``entropy_per_period`` and
``entropy_global`` are the core's other modes); the coefficient of
variation uses the raw indicators (a ratio needs the raw scale); ``equal`` gives 1/m; ``user``
the spec's weights. The geometric mean is taken of the normalised values shifted so that each
indicator's minimum is 1 (it needs positive values; the normalisation's scale is kept).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import jax
import numpy as np

from .. import status
from ..data.spec import _read_toml, _Table, models_dir
from ..errors import EstimationError, SpecError
from ..index.entropy import entropy_weights
from ..index.schemes import NORMALISATIONS, aggregate, normalise, scheme_weights
from .engine import ModelChoice

# compiled once per method (the eager ops would compile one by one on the first call)
_normalise = jax.jit(normalise, static_argnames=("method", "n_periods"))
_scheme_weights = jax.jit(scheme_weights, static_argnames=("method",))

WEIGHTINGS = ("entropy", "entropy_shifted", "entropy_per_period", "entropy_global", "equal", "critic", "sd", "cv",
              "pca", "user")
VARIANTS = ("none", "winsorize", "lag_regressor")


class Construction(NamedTuple):
    """One way of building the index."""

    weighting: str = "entropy"
    normalisation: str = "minmax"
    directions: str = "paper"  # or "flipped": the space's ambiguous indicators reversed
    aggregation: str = "arithmetic"
    drop: str | None = None  # an indicator left out, or None
    drop_mode: str = "renormalise"  # or "reestimate"


@dataclass(frozen=True)
class Space:
    """The choices of a study (every tuple starts with the default)."""

    index: str
    weighting: tuple[str, ...]
    entropy_shift: float
    normalisation: tuple[str, ...]
    ambiguous: tuple[str, ...]
    directions: tuple[str, ...]
    aggregation: tuple[str, ...]
    leave_one_out: tuple[str, ...]
    control_sets: str
    fixed_effects: tuple[str, ...]
    samples: tuple[str, ...]
    variants: tuple[str, ...]
    concentration: float | tuple[float, ...]  # a number, or a grid (the weights study draws at each)
    goalposts: dict = field(default_factory=dict, hash=False)
    user_weights: dict = field(default_factory=dict, hash=False)
    path: str = ""

    def construction_factors(self) -> dict[str, tuple]:
        """The discrete construction choices (name -> levels) of the multiverse."""
        return {"weighting": self.weighting, "normalisation": self.normalisation, "directions": self.directions,
                "aggregation": self.aggregation}

    def model_factors(self, controls: tuple[str, ...]) -> dict[str, tuple]:
        """The discrete model choices (name -> levels) for the study's ``controls``: control sets
        (stepwise: every control, then the first k - 1, ..., none; all subsets: every subset, the
        full set first), fixed effects, samples, variants."""
        # the paper's model (every control) first: each factor's first level is its default
        if self.control_sets == "stepwise":
            sets = tuple(controls[:j] for j in range(len(controls), -1, -1))
        else:
            sets = tuple(tuple(c for c, on in zip(controls, bits) if on)
                         for bits in itertools.product((1, 0), repeat=len(controls)))
        return {"controls": sets, "fixed_effects": self.fixed_effects, "sample": self.samples, "variant": self.variants}

    def default_construction(self) -> Construction:
        return Construction(self.weighting[0], self.normalisation[0], self.directions[0], self.aggregation[0])

    def default_model(self, controls: tuple[str, ...]) -> ModelChoice:
        return ModelChoice(tuple(controls), self.fixed_effects[0], self.samples[0], self.variants[0])


def load_space(path: str | Path | None = None, spec=None) -> Space:
    """Read a construction space (``models/sensitivity.toml`` by default).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The TOML file with a ``[sensitivity]`` table.
    spec : StudySpec, optional
        The study spec to check names against (indicators, regions, the index symbol).

    Returns
    -------
    Space

    Raises
    ------
    SpecError
        A missing or unknown field, an unknown choice, an ambiguous indicator or a region that
        the study does not have, goalposts or user weights missing where a choice needs them.

    Example
    -------
    >>> import resilience_jax as rj
    >>> sp = load_space(spec=rj.load_spec())
    >>> sp.weighting[0], sp.normalisation[0], sp.control_sets, sp.samples
    ('entropy', 'minmax', 'stepwise', ('all', 'East', 'Central', 'West'))
    """
    path = Path(path) if path is not None else models_dir() / "sensitivity.toml"
    file = str(path)
    t = _Table(_read_toml(path), file, "").sub("sensitivity")

    def choices(key, allowed, default):
        v = t.str_list(key, default)
        bad = [x for x in v if x not in allowed]
        if bad:
            raise t.error(key, f"unknown choice {bad[0]!r}; expected some of {list(allowed)}")
        if not v:
            raise t.error(key, "expected at least one choice")
        return v

    def float_table(key):
        sub = t.sub(key, None)
        if sub is None:
            return {}
        out = {}
        for name, v in sub.data.items():
            sub.used.add(name)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) if key == "user_weights" else (
                isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v) and v[0] < v[1])
            if not ok:
                raise sub.error(name, "expected a number" if key == "user_weights" else "expected [lo, hi] with lo < hi")
            out[name] = float(v) if key == "user_weights" else (float(v[0]), float(v[1]))
        return out

    sp = Space(
        index=t.get("index", str, ""),
        weighting=choices("weighting", WEIGHTINGS, ["entropy"]),
        entropy_shift=float(t.get("entropy_shift", (int, float), 1e-4)),
        normalisation=choices("normalisation", NORMALISATIONS, ["minmax"]),
        ambiguous=t.str_list("ambiguous", []),
        directions=choices("directions", ("paper", "flipped"), ["paper"]),
        aggregation=choices("aggregation", ("arithmetic", "geometric"), ["arithmetic"]),
        leave_one_out=choices("leave_one_out", ("renormalise", "reestimate"), ["renormalise"]),
        control_sets=t.get("control_sets", str, "stepwise"),
        fixed_effects=choices("fixed_effects", ("entity", "two_way"), ["entity"]),
        samples=t.str_list("samples", ["all"]),
        variants=choices("variants", VARIANTS, ["none"]),
        concentration=_concentration(t),
        goalposts=float_table("goalposts"),
        user_weights=float_table("user_weights"),
        path=file,
    )
    t.done()
    if sp.control_sets not in ("stepwise", "all_subsets"):
        raise t.error("control_sets", f"expected 'stepwise' or 'all_subsets', got {sp.control_sets!r}")

    if "goalposts" in sp.normalisation and not sp.goalposts:
        raise t.error("normalisation", "'goalposts' needs a [sensitivity.goalposts] table of [lo, hi] per indicator")
    if "user" in sp.weighting and not sp.user_weights:
        raise t.error("weighting", "'user' needs a [sensitivity.user_weights] table")
    if "flipped" in sp.directions and not sp.ambiguous:
        raise t.error("directions", "'flipped' needs the indicators to flip in 'ambiguous'")
    if spec is not None:
        cols = set(spec.index.columns)
        if path == models_dir() / "sensitivity.toml":  # the bundled space on another study: its ambiguous directions are the paper's
            amb = tuple(n for n in sp.ambiguous if n in cols)
            sp = replace(sp, ambiguous=amb, directions=sp.directions if amb else ("paper",))
        for key, names in (("ambiguous", sp.ambiguous), ("goalposts", sp.goalposts), ("user_weights", sp.user_weights)):
            bad = [n for n in names if n not in cols]
            if bad:
                raise SpecError(f"{file}: sensitivity.{key}: {bad} are not indicators of the index "
                                f"(expected some of {list(spec.index.columns)}); copy the space file, edit it "
                                "and pass it with --space (space=)")
        if "goalposts" in sp.normalisation and set(sp.goalposts) != cols:
            raise SpecError(f"{file}: sensitivity.goalposts: missing bounds for {sorted(cols - set(sp.goalposts))}")
        regions = [r for r, _ in spec.regions]
        # "regions": every region of the study, in the spec's order
        samples = tuple(dict.fromkeys(r for x in sp.samples for r in (regions if x == "regions" else [x])))
        bad = [x for x in samples if x != "all" and x not in regions]
        if bad:
            raise SpecError(f"{file}: sensitivity.samples: {bad} are not regions of the study (expected 'all', "
                            f"'regions' or some of {regions})")
        sp = replace(sp, samples=samples)
        if sp.index and sp.index not in spec.index.symbols:
            raise SpecError(f"{file}: sensitivity.index: {sp.index!r} is not an index of the study "
                            f"(expected one of {list(spec.index.symbols)})")
    return sp


def _concentration(t) -> float | tuple[float, ...]:
    v = t.get("concentration", (int, float, list), 100.0)
    vals = v if isinstance(v, list) else [v]
    if not vals or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0 for x in vals):
        raise t.error("concentration", f"expected a positive number or a list of them, got {v!r}")
    return tuple(float(x) for x in vals) if isinstance(v, list) else float(v)


class Builder:
    """Builds the index of any construction on one panel, caching normalised tables and weights.

    Parameters
    ----------
    panel : Panel
        A validated, balanced panel.
    space : Space
        The construction space (its ambiguous indicators, goalposts, user weights, entropy shift).
    members : numpy.ndarray, optional
        (m,) 0/1 indicators of the index (a dimension's sub-index); default all.

    Example
    -------
    >>> import resilience_jax as rj
    >>> b = Builder(rj.load_panel(), load_space())
    >>> w, y = b.build(Construction())
    >>> round(float(w.sum()), 12), y.shape
    (1.0, (420,))
    """

    def __init__(self, panel, space: Space, members=None):
        self.space = space
        idx = panel.spec.index
        self.columns = tuple(idx.columns)
        keep = np.ones(len(self.columns), bool) if members is None else np.asarray(members) > 0
        self.keep = keep
        # the indicators as the index spec declares them: transformed, and capped at its goalposts
        # (whose bounds then serve the "goalposts" normalisation and the entropy weights)
        X, bounds = panel.index_inputs()
        self.X = X[:, keep]
        self.bounds = None if bounds is None else bounds[:, keep]
        self.names = tuple(c for c, k in zip(self.columns, keep) if k)
        self.directions0 = np.asarray(idx.directions, float)[keep]
        self.panel_mode = idx.panel_mode
        self.periods = np.asarray(panel.frame[panel.spec.time].to_numpy())
        self.period_codes = np.unique(self.periods, return_inverse=True)[1]
        self.n_periods = int(self.period_codes.max()) + 1
        self._norm: dict = {}
        self._weights: dict = {}

    @property
    def m(self) -> int:
        return self.X.shape[1]

    @property
    def scale(self) -> str:
        """The index spec's normalisation: ``"goalposts"`` where it declares them, else ``"minmax"``."""
        return "minmax" if self.bounds is None else "goalposts"

    def directions(self, which: str) -> np.ndarray:
        d = self.directions0.copy()
        if which == "flipped":
            for name in self.space.ambiguous:
                if name in self.names:
                    d[self.names.index(name)] *= -1
        return d

    def normalised(self, normalisation: str, directions: str) -> np.ndarray:
        """(n, m) the normalised indicators (cached)."""
        key = (normalisation, directions)
        if key not in self._norm:
            gp = None
            if normalisation == "goalposts":  # the index spec's goalposts where it declares them
                gp = self.bounds.T if self.bounds is not None else np.array([self.space.goalposts[c] for c in self.names])
            r = _normalise(self.X, self.directions(directions), normalisation, periods=self.period_codes,
                           n_periods=self.n_periods, goalposts=gp)
            _check(r.status, f"the {normalisation} normalisation")
            self._norm[key] = np.asarray(r.values)
        return self._norm[key]

    def _method_weights(self, weighting: str, directions: str, cols: np.ndarray) -> np.ndarray:
        X, d = self.X[:, cols], self.directions(directions)[cols]
        if weighting.startswith("entropy"):
            # "entropy" and "entropy_shifted" follow the index spec's panel mode (the paper's: pooled)
            mode = {"entropy_per_period": "per_year", "entropy_global": "global"}.get(weighting, self.panel_mode)
            shift = self.space.entropy_shift if weighting == "entropy_shifted" else 0.0
            b = None if self.bounds is None else self.bounds[:, cols]  # the spec's scale (goalposts), or min-max
            w = np.asarray(entropy_weights(X, d, mode=mode, shift=shift, time=self.periods, bounds=b).weights)
            return w.mean(axis=0) if w.ndim == 2 else w
        if weighting == "equal":
            return np.full(X.shape[1], 1.0 / X.shape[1])
        if weighting == "user":
            w = np.array([self.space.user_weights.get(c, 0.0) for c in np.asarray(self.names)[cols]])
            if w.sum() <= 0:
                raise EstimationError("user weights sum to 0 on the indicators used")
            return w / w.sum()
        V = X if weighting == "cv" else self.normalised(self.scale, directions)[:, cols]
        r = _scheme_weights(V, weighting)
        _check(r.status, f"the {weighting} weights")
        return np.asarray(r.values)

    def weights(self, c: Construction) -> np.ndarray:
        """(m,) the construction's weights (0 on a left-out indicator; cached)."""
        key = (c.weighting, c.directions, c.drop, c.drop_mode)
        if key not in self._weights:
            cols = np.ones(self.m, bool)
            if c.drop is not None:
                if c.drop not in self.names:
                    raise EstimationError(f"cannot leave out {c.drop!r}: not an indicator of the index {list(self.names)}")
                cols[self.names.index(c.drop)] = False
            if c.drop is None or c.drop_mode == "renormalise":
                w = self._method_weights(c.weighting, c.directions, np.ones(self.m, bool)) * cols
                w = w / w.sum()
            else:
                w = np.zeros(self.m)
                w[cols] = self._method_weights(c.weighting, c.directions, cols)
            self._weights[key] = w
        return self._weights[key]

    def basis(self, c: Construction) -> np.ndarray:
        """(n, m) what the weights multiply: the normalised values (arithmetic) or their logs after
        the shift to a minimum of 1 (geometric: the index is exp(basis @ w))."""
        Z = self.normalised(c.normalisation, c.directions)
        if c.aggregation == "arithmetic":
            return Z
        return np.log(Z - Z.min(axis=0) + 1.0)

    def build(self, c: Construction) -> tuple[np.ndarray, np.ndarray]:
        """The construction's weights (m,) and index rows (n,)."""
        w = self.weights(c)
        Z = self.normalised(c.normalisation, c.directions)
        if c.aggregation == "geometric":
            Z = Z - Z.min(axis=0) + 1.0  # a geometric mean needs positive values
        return w, np.asarray(aggregate(Z, w, c.aggregation))


def _check(flag, what: str) -> None:
    f = int(np.asarray(flag))
    if f:
        raise EstimationError(f"{what}: {', '.join(status.names(f))} (an indicator with no spread over the rows used); "
                              "drop it from the index spec")
