"""Vectorised bootstrap of the whole pipeline: entropy weights re-estimated in every replicate,
then the three mediation equations (SPEC.md section 6).

Schemes
- ``cluster``: resample the G provinces with replacement; a province drawn twice enters as two
  clusters with their own fixed effects.
- ``bayesian``: Rubin's Bayesian bootstrap, ``G * Dirichlet(1, ..., 1)`` weights on provinces.

Paths
- ``fast`` (default): with province fixed effects, per-province tables computed once
  (:mod:`resilience_jax.estimators.tables`): a chunk of replicates reads them with its matrix of
  province weights (a few matrix products, then per-replicate algebra vectorised across
  replicates) and evaluates no logarithm of a row; the rare replicate whose minimiser of an
  indicator is not among the tabulated candidates is re-evaluated with re-ranked tables
  (:meth:`Engine.recover`). Without fixed effects (the pooled "as printed" reading), the ``rows``
  path.
- ``rows``: :func:`~resilience_jax.pipeline.mediation_fast` on the original rows with the
  replicate's province multiplicities (or Dirichlet weights) as frequency weights.
- ``general``: the reference: gather the drawn provinces' rows into a new panel (each draw its own
  entity) and recompute everything unweighted (:mod:`resilience_jax.estimators.gathered`, batched
  with the replicates on the last axis). Cluster scheme only.

Keys: replicate ``b``'s entity weights are ``draw_weights(replicate_key(key, b), ...)``
(``jax.random.fold_in``), derived inside the compiled chunk from the replicate's global index, so
the numbers do not depend on the chunk size or the device count. Chunks run one after another,
one in flight while the previous one is fetched (memory stays bounded whatever ``n_boot``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from . import _checks, _x64  # noqa: F401
from .errors import EstimationError
from .estimators.gathered import SUB, gathered_data, replicates_from_rows
from .estimators.mediation import mediation_effects
from .estimators.replicates import Replicates
from .estimators.tables import entity_tables, promote_candidates, replicates_from_tables
from .pipeline import mediation_fast

Scheme = Literal["cluster", "bayesian"]
STATS = ("a", "se_a", "b", "se_b", "c", "se_c", "c_prime", "se_c_prime", "ab", "share", "sobel_z")
# then, per index symbol of the spec, its baseline coefficient on the regressor ("beta_<symbol>"),
# then its mean over the replicate's rows ("mean_<symbol>", the indices' summary)


class BootData(NamedTuple):
    """Arrays of a balanced panel sorted by entity, as the replicates take them."""

    X_ind: jax.Array
    directions: jax.Array
    members: jax.Array
    regressor: jax.Array
    mediator: jax.Array
    controls: jax.Array


def index_members(idx, symbol: str) -> np.ndarray:
    """0/1 indicator membership of an index symbol (the overall index or one dimension's)."""
    if symbol == idx.symbol:
        return np.ones(len(idx.indicators))
    key = next(d.key for d in idx.dimensions if d.symbol == symbol)
    return np.array([float(i.dimension == key) for i in idx.indicators])


def uniform_index(bits: jax.Array, n: int) -> jax.Array:
    """``floor(bits * n / 2^32)`` for 32-bit random words: an index in ``[0, n)``, each value with
    probability 1/n within 2^-32. Exact in 32-bit integer arithmetic (the high and low 16 bits
    apart), so float32 mode (no 64-bit integers) draws the same indices as float64 mode."""
    if not 1 <= n < 2**16:
        raise EstimationError(f"the cluster bootstrap draws among fewer than 65,536 entities; got {n}")
    hi, lo = bits >> 16, bits & 0xFFFF
    return ((hi * n + ((lo * n) >> 16)) >> 16).astype(jnp.int32)


def draw_weights(key: jax.Array, n_clusters: int, scheme: Scheme) -> jax.Array:
    """Entity weights of one replicate: multiplicities (cluster) or ``G * Dirichlet(1)`` (bayesian).

    Cluster draws take one threefry word per draw (:func:`uniform_index`; half of
    ``jax.random.randint``'s cost)."""
    if scheme == "cluster":
        draws = uniform_index(jax.random.bits(key, (n_clusters,), jnp.uint32), n_clusters)
        return jnp.zeros(n_clusters).at[draws].add(1.0)  # O(G), not a G x G comparison (G in the thousands)
    return n_clusters * jax.random.dirichlet(key, jnp.ones(n_clusters))


def _pack(weights, eff, baseline, means) -> jax.Array:
    """(..., statistics) in the order of the draws' columns: weights, ``STATS``, baselines, means."""
    effects = jnp.stack([eff.a, eff.se_a, eff.b, eff.se_b, eff.c, eff.se_c, eff.c_prime, eff.se_c_prime, eff.ab,
                         eff.share, eff.tests.z], axis=-1)
    return jnp.concatenate([weights, effects, baseline, means], axis=-1)


def _stats(fit) -> jax.Array:
    # the baseline equations of the extra indices (members rows 1..) and their means
    return _pack(fit.weights, fit.effects(), fit.coef[3:, 0], fit.index_mean[1:])


def replicate_fast(weights: jax.Array, data: BootData, *, n_entities: int, fixed_effects: bool) -> jax.Array:
    """One replicate's statistics (indicator weights, then ``STATS``) from entity weights."""
    return _stats(mediation_fast(*data, weights, n_entities=n_entities, fixed_effects=fixed_effects))


def _pack_batch(r: Replicates) -> jax.Array:
    """(B, statistics) of a batch of :class:`~resilience_jax.estimators.replicates.Replicates`."""
    beta, se = r.beta, r.se
    eff = mediation_effects(beta[:, 1], se[:, 1], r.b, se[:, 3], beta[:, 0], se[:, 0], beta[:, 2], se[:, 2])
    return _pack(r.weights, eff, beta[:, 3:], r.means[:, 1:])


def _evaluate(weights, payload, *, n_entities, n_periods, fixed_effects, path):
    if path == "tables":
        tab, directions, members = payload
        return _pack_batch(replicates_from_tables(tab, weights, directions, members, n_periods))
    if path == "general":
        return _pack_batch(replicates_from_rows(weights, payload, fixed_effects=fixed_effects))
    return jax.vmap(lambda w: replicate_fast(w, payload, n_entities=n_entities, fixed_effects=fixed_effects))(weights)


def default_chunk(path: str, fixed_effects: bool = True) -> int:
    """Replicates per compiled chunk: 1,000 from the tables (a replicate is a few hundred numbers),
    250 on the weighted rows (so that a chunk's arrays stay in cache), 480 on the gathered rows
    (ten sub-batches of ``SUB``)."""
    if path == "general":
        return 10 * SUB
    return 1000 if path == "fast" and fixed_effects else 250


def replicate_key(key: jax.Array, b) -> jax.Array:
    """The key of replicate ``b``: its entity weights are ``draw_weights(replicate_key(key, b), ...)``."""
    return jax.random.fold_in(key, b)


@partial(jax.jit, static_argnames=("n_entities", "n_periods", "fixed_effects", "path", "scheme", "sharding"))
def _chunk(key, start, weights, use_weights, payload, *, n_entities, n_periods, fixed_effects, path, scheme, sharding):
    """(entity weights, statistics) of replicates ``start, ..., start + chunk - 1``, drawn from
    their keys, or of the given ``weights`` where ``use_weights`` (one compiled function serves the
    replicates, the point estimate and the jackknife)."""
    b = start + jnp.arange(weights.shape[0], dtype=jnp.uint32)
    drawn = jax.vmap(lambda i: draw_weights(replicate_key(key, i), n_entities, scheme))(b)
    w = jnp.where(use_weights, weights, drawn)
    if sharding is not None:  # replicates split over the devices
        w = jax.lax.with_sharding_constraint(w, sharding)
    return w, _evaluate(w, payload, n_entities=n_entities, n_periods=n_periods, fixed_effects=fixed_effects, path=path)


@dataclass(frozen=True)
class Engine:
    """A prepared bootstrap: the payload of the chosen path (placed on the devices), its chunk size
    and sharding. :meth:`evaluate` runs any (R, G) batch of entity weights through one compiled chunk."""

    payload: object
    path: str
    n_entities: int
    n_periods: int
    fixed_effects: bool
    chunk: int
    sharding: object
    scheme: str = "cluster"
    source: BootData | None = None  # the data of the tables path (for :meth:`recover`)

    def put(self, x):
        return x if self.sharding is None else jax.device_put(x, self.sharding)

    def run_chunk(self, key, start: int = 0, weights=None):
        """Dispatch replicates ``start, ..., start + chunk - 1`` of ``key`` (or, given ``weights``
        (chunk, G), evaluate those instead); returns device arrays (weights, statistics) without waiting."""
        use = weights is not None
        w = self._ones if weights is None else self.put(jnp.asarray(weights, dtype=float))
        return _chunk(key, np.uint32(start), w, use, self.payload, n_entities=self.n_entities, n_periods=self.n_periods,
                      fixed_effects=self.fixed_effects, path=self.path, scheme=self.scheme, sharding=self.sharding)

    @cached_property
    def _ones(self):
        return self.put(jnp.ones((self.chunk, self.n_entities)))

    def evaluate(self, weights: np.ndarray) -> np.ndarray:
        """Statistics of any (R, G) batch of entity weights, through the replicates' compiled chunk."""
        return self.recover(weights, self.evaluate_unrecovered(weights))

    def evaluate_unrecovered(self, weights: np.ndarray) -> np.ndarray:
        """Statistics of the weights as the compiled chunk gives them (NaN rows not yet recovered)."""
        R = len(weights)
        pad = (-R) % self.chunk
        W = np.concatenate([weights, np.ones((pad, self.n_entities))]) if pad else np.asarray(weights)
        key = jax.random.key(0)  # not used: the weights are given
        out = [self.run_chunk(key, 0, W[i : i + self.chunk])[1] for i in range(0, len(W), self.chunk)]
        return np.concatenate([np.asarray(o) for o in out])[:R]

    def recover(self, weights: np.ndarray, stats: np.ndarray) -> np.ndarray:
        """Fill the replicates the tables' first candidates do not cover (NaN rows: a minimiser
        ranked ``HEAD`` or lower; a few per million replicates with 30 entities, about 2 in 10,000
        with thousands) by re-evaluating them with re-ranked tables
        (:func:`~resilience_jax.estimators.tables.promote_candidates`), through the same compiled
        chunk. Rows that stay NaN are left for the caller to report."""
        if self.path != "tables":
            return stats
        stats = np.array(stats)
        todo = np.flatnonzero(~np.isfinite(stats).all(axis=1))
        tab, directions, members = self.payload
        while len(todo):  # each pass covers at least the first replicate left
            promoted, chosen = promote_candidates(tab, self.source.X_ind, weights[todo])
            payload = _replicated((promoted, directions, members), self.sharding)
            stats[todo[chosen]] = replace(self, payload=payload).evaluate_unrecovered(weights[todo[chosen]])
            todo = np.setdiff1d(todo, todo[chosen])
        return stats


def _replicated(payload, sharding):
    """The payload on every device of the replicates' mesh (as it is, on one device)."""
    if sharding is None:
        return payload
    return jax.device_put(payload, jax.sharding.NamedSharding(sharding.mesh, jax.sharding.PartitionSpec()))


def prepare(
    data: BootData, *, n_entities: int, path: str = "fast", fixed_effects: bool = True, chunk: int = 1000,
    devices: int | None = None, scheme: Scheme = "cluster",
) -> Engine:
    """Build the payload of ``path`` (per-entity tables for ``fast`` with fixed effects) once."""
    n_dev = len(jax.devices()) if devices is None else int(devices)
    if not 1 <= n_dev <= len(jax.devices()):
        raise EstimationError(f"devices must be between 1 and {len(jax.devices())}, got {devices!r}")
    if path == "general" and scheme != "cluster":
        raise EstimationError("the gathered-rows (general) path needs integer multiplicities: scheme='cluster'")
    if path == "fast":
        path = "tables" if fixed_effects else "rows"
    payload = data
    if path == "tables":
        tab = entity_tables(data.X_ind, data.regressor, data.mediator, data.controls, n_entities=n_entities)
        payload = (tab, data.directions, data.members)
    elif path == "general":
        payload = gathered_data(data.X_ind, data.regressor, data.mediator, data.controls, data.directions, data.members,
                                n_entities=n_entities)
    chunk += (-chunk) % n_dev  # every device gets the same number of replicates
    sharding = None
    if n_dev > 1:
        from jax.sharding import Mesh, NamedSharding, PartitionSpec

        mesh = Mesh(np.array(jax.devices()[:n_dev]), ("replicates",))
        sharding = NamedSharding(mesh, PartitionSpec("replicates"))
    return Engine(_replicated(payload, sharding), path, n_entities, data.X_ind.shape[0] // n_entities, fixed_effects,
                  chunk, sharding, scheme, data if path == "tables" else None)


def run_replicates(
    key: jax.Array,
    data: BootData,
    *,
    n_boot: int,
    n_entities: int,
    scheme: Scheme = "cluster",
    path: Literal["fast", "rows", "general"] = "fast",
    fixed_effects: bool = True,
    chunk_size: int | None = None,
    progress: bool = False,
    devices: int | None = None,
    engine: Engine | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(entity weights (B, G), statistics (B, ...)) of ``n_boot`` replicates.

    ``devices``: shard each chunk's replicates over this many local devices (default: all of them);
    a replicate depends only on its own key, so the numbers do not depend on the device count.
    """
    eng = engine or prepare(data, n_entities=n_entities, path=path, fixed_effects=fixed_effects,
                            chunk=min(chunk_size or default_chunk(path, fixed_effects), n_boot), devices=devices,
                            scheme=scheme)
    if eng.scheme != scheme:
        raise EstimationError(f"the engine was prepared for scheme {eng.scheme!r}, not {scheme!r}")
    pad = (-n_boot) % eng.chunk
    out_w, out_s = [], []
    starts = range(0, n_boot + pad, eng.chunk)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(desc="bootstrap", unit="replicate", total=n_boot)
    # one chunk in flight while the previous one is fetched: the host's work overlaps the device's
    pending = None
    for start in [*starts, None]:
        nxt = eng.run_chunk(key, start) if start is not None else None
        if pending is not None:
            out_w.append(np.asarray(pending[0]))
            out_s.append(np.asarray(pending[1]))
            if bar is not None:
                bar.update(min(eng.chunk, n_boot - bar.n))
        pending = nxt
    if bar is not None:
        bar.close()
    weights, stats = np.concatenate(out_w)[:n_boot], np.concatenate(out_s)[:n_boot]
    stats = eng.recover(weights, stats)
    bad = ~np.isfinite(stats).all(axis=1)
    if bad.any():
        raise EstimationError(
            f"{int(bad.sum())} of {n_boot} replicates could not be computed (first: replicate {int(np.argmax(bad))}): "
            "a singular design in the replicate (e.g. an indicator or regressor constant in the drawn entities)"
        )
    return weights, stats


def jackknife(data: BootData, *, n_entities: int, fixed_effects: bool = True) -> np.ndarray:
    """Leave-one-entity-out statistics (G, ...): weight 0 on one entity at a time."""
    eng = prepare(data, n_entities=n_entities, path="rows", fixed_effects=fixed_effects, chunk=n_entities, devices=1)
    return eng.evaluate(1.0 - np.eye(n_entities))


def percentile_ci(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    return tuple(np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0))


def bca_ci(draws: np.ndarray, estimate: np.ndarray, jack: np.ndarray | None, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected (``jack=None``) or bias-corrected and accelerated interval (Efron 1987).

    ``z0 = Phi^-1(share of draws below the estimate)``; acceleration from the jackknife
    ``a = sum (m - t_i)^3 / (6 (sum (m - t_i)^2)^1.5)``; the interval takes the draws' quantiles
    at ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for ``z = Phi^-1((1 -/+ level) / 2)``.
    """
    from scipy.special import ndtr, ndtri

    below = (draws < estimate).mean(axis=0) + 0.5 * (draws == estimate).mean(axis=0)
    z0 = ndtri(np.clip(below, 1e-12, 1 - 1e-12))
    if jack is None:
        acc = np.zeros_like(z0)
    else:
        dev = jack.mean(axis=0) - jack
        den = 6.0 * (dev**2).sum(axis=0) ** 1.5
        acc = np.where(den > 0, (dev**3).sum(axis=0) / np.where(den > 0, den, 1.0), 0.0)
    out = []
    for z in (ndtri((1 - level) / 2), ndtri((1 + level) / 2)):
        q = ndtr(z0 + (z0 + z) / (1 - acc * (z0 + z)))
        out.append(np.array([np.quantile(draws[:, j], q[j]) for j in range(draws.shape[1])]))
    return out[0], out[1]


@dataclass(frozen=True)
class BootstrapResult:
    """Replicates of the pipeline: ``draws`` (one row per replicate), the replicates' entity
    weights (``multiplicities``, so that any replicate can be re-run alone), the point estimate
    and the province jackknife (for BCa)."""

    draws: pd.DataFrame
    multiplicities: np.ndarray
    estimate: pd.Series
    jackknife: pd.DataFrame
    scheme: str
    n_boot: int
    seed: int

    def ci(self, method: Literal["percentile", "bc", "bca"] = "percentile", level: float = 0.95) -> pd.DataFrame:
        if not 0 < level < 1:
            raise EstimationError(f"level must be in (0, 1), got {level}")
        D = self.draws.to_numpy()
        if method == "percentile":
            lo, hi = percentile_ci(D, level)
        elif method in ("bc", "bca"):
            lo, hi = bca_ci(D, self.estimate.to_numpy(), self.jackknife.to_numpy() if method == "bca" else None, level)
        else:
            raise EstimationError(f"method must be 'percentile', 'bc' or 'bca', got {method!r}")
        return pd.DataFrame({"lower": lo, "upper": hi}, index=self.draws.columns)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        from scipy.special import ndtr

        D = self.draws
        out = pd.DataFrame({"estimate": self.estimate, "boot_mean": D.mean(), "boot_se": D.std(ddof=1)})
        # two-sided p-value of "statistic = 0" from the bootstrap distribution (percentile inversion)
        share_pos = (D > 0).mean()
        out["p_value"] = np.minimum(1.0, 2 * np.minimum(share_pos, 1 - share_pos))
        out["p_normal"] = 2 * ndtr(-np.abs(out["estimate"] / out["boot_se"]))
        for m in ("percentile", "bc", "bca"):
            ci = self.ci(m, level)
            out[f"{m}_lower"], out[f"{m}_upper"] = ci["lower"], ci["upper"]
        out.index.name = "statistic"
        return out


def bootstrap(
    data=None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
    scheme: Scheme = "cluster",
    index: str | None = None,
    fixed_effects: bool = True,
    chunk_size: int | None = None,
    path: Literal["fast", "rows", "general"] = "fast",
    progress: bool = False,
    devices: int | None = None,
) -> BootstrapResult:
    """Bootstrap the mediation pipeline (index weights re-estimated in every replicate).

    Parameters
    ----------
    data : a :class:`~resilience_jax.data.Panel`, a path or DataFrame (validated), or None for
        the embedded synthetic panel. The panel's spec gives indicators, regressor, mediator and
        controls (``models/paper.toml`` [mediation]).
    n_boot : number of replicates (>= 1). seed : integer seed of ``jax.random.key``.
    scheme : ``"cluster"`` or ``"bayesian"``. index : index symbol (default: the overall index).
    fixed_effects : province fixed effects (True) or the pooled "as printed" reading.
    chunk_size : replicates per compiled chunk (memory bound; results do not depend on it); default
        :func:`default_chunk` of the path.
    path : ``"fast"`` (default), ``"rows"``, or ``"general"`` (gathered rows; the reference; cluster only).
    devices : local devices to shard the replicates over (default: all); same numbers on any count.
    """
    from .data.validate import Panel, load_panel

    n_boot, seed = _checks.positive_int("n_boot", n_boot), _checks.seed(seed)
    if scheme not in ("cluster", "bayesian"):
        raise EstimationError(f"scheme must be 'cluster' or 'bayesian' for the mediation model, got {scheme!r}")
    if path not in ("fast", "rows", "general") or (path == "general" and scheme != "cluster"):
        raise EstimationError("path must be 'fast' or 'rows', or 'general' with scheme='cluster'")
    if chunk_size is not None:
        chunk_size = _checks.positive_int("chunk_size", chunk_size)
    panel = data if isinstance(data, Panel) else load_panel(data)
    spec = panel.spec
    G, T = panel.shape
    if G < 2:
        raise EstimationError(f"the bootstrap needs at least 2 clusters ({spec.entity}); the panel has {G}")
    idx = spec.index
    symbol = index or idx.symbol
    if symbol not in idx.symbols:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(idx.symbols)}")
    # row 0: the mediation's index; then every index symbol, for its baseline coefficient
    members = np.array([index_members(idx, s) for s in (symbol, *idx.symbols)])
    m = spec.mediation
    f = panel.frame
    bd = BootData(*(jnp.asarray(a, dtype=float) for a in (
        panel.indicator_matrix(), idx.directions, members, f[m.regressor].to_numpy(), f[m.mediator].to_numpy(),
        f[list(m.controls)].to_numpy())))
    names = ([f"w_{c}" for c in idx.columns] + list(STATS) + [f"beta_{s}" for s in idx.symbols]
             + [f"mean_{s}" for s in idx.symbols])
    eng = prepare(bd, n_entities=G, path=path, fixed_effects=fixed_effects,
                  chunk=min(chunk_size or default_chunk(path, fixed_effects), int(n_boot)),
                  devices=devices, scheme=scheme)
    weights, stats = run_replicates(jax.random.key(int(seed)), bd, n_boot=int(n_boot), n_entities=G, scheme=scheme,
                                    progress=progress, engine=eng)
    # the point estimate (all weights 1) and the province jackknife (one weight 0) through the same
    # compiled chunk (the gathered-rows path cannot drop an entity: those use the weighted rows)
    eng_pj = eng if eng.path != "general" else prepare(bd, n_entities=G, path="rows", fixed_effects=fixed_effects,
                                                        chunk=eng.chunk, devices=devices, scheme=scheme)
    pj = eng_pj.evaluate(np.vstack([np.ones((1, G)), 1.0 - np.eye(G)]))
    point, jack = pj[0], pj[1:]
    return BootstrapResult(
        draws=pd.DataFrame(stats, columns=names), multiplicities=weights,
        estimate=pd.Series(point, index=names), jackknife=pd.DataFrame(jack, columns=names),
        scheme=scheme, n_boot=int(n_boot), seed=int(seed),
    )


@dataclass(frozen=True)
class WildResult:
    """Wild cluster bootstrap (WCR) test of H0: coefficient = 0, next to the CRV1 t(G-1) test."""

    sample: str
    outcome: str
    regressor: str
    n_clusters: int
    nobs: int
    coef: float
    se: float
    t: float
    p_crv1: float
    p_wild: float
    weights: str
    n_boot: int
    enumerated: bool
    t_boot: np.ndarray

    def tidy(self) -> pd.Series:
        return pd.Series({"outcome": self.outcome, "G": self.n_clusters, "N": self.nobs, "coef": self.coef,
                          "se_crv1": self.se, "t": self.t, "p_crv1_t(G-1)": self.p_crv1, "p_wild": self.p_wild,
                          "weights": self.weights, "replicates": self.n_boot,
                          "enumerated": self.enumerated}, name=self.sample)


def wild_bootstrap(
    data=None,
    *,
    outcome: str | None = None,
    region: str | None = None,
    weights: Literal["rademacher", "webb"] = "rademacher",
    n_boot: int = 9999,
    seed: int = 0,
    full_enumeration: bool | None = None,
) -> WildResult:
    """Wild cluster bootstrap p-value of the baseline coefficient (spec [baseline]: regressor, all
    controls, fixed effects, clusters), on the whole panel or one region (``region``).

    The index (``outcome``, default the overall index) is computed once on the whole panel; the wild
    bootstrap keeps the regressors fixed and perturbs the restricted residuals by cluster.
    ``full_enumeration`` (default: Rademacher weights and G <= 12) evaluates all 2^G sign vectors:
    the p-value is then exact and ``n_boot``/``seed`` are not used.
    """
    from scipy.special import stdtr

    from .data.validate import Panel, load_panel
    from .design import codes_of
    from .estimators.within import within
    from .inference.wild import ENUMERATE_MAX_G, all_sign_vectors, wild_pvalue, wild_t_jit, wild_weights
    from .pipeline import compute_indices

    n_boot, seed = _checks.positive_int("n_boot", n_boot), _checks.seed(seed)
    if weights not in ("rademacher", "webb"):
        raise EstimationError(f"weights must be 'rademacher' or 'webb', got {weights!r}")
    panel = data if isinstance(data, Panel) else load_panel(data)
    spec = panel.spec
    b = spec.baseline
    if b.vcov.kind != "CRV1" or tuple(b.fixed_effects) not in ((), (spec.entity,)) or b.vcov.cluster != spec.entity:
        raise EstimationError("the wild cluster bootstrap here needs CRV1 by entity and no or entity fixed effects in [baseline]")
    _, idx = compute_indices(panel)
    symbol = outcome or spec.index.symbol
    if symbol not in idx:
        raise EstimationError(f"unknown index {symbol!r}; expected one of {list(idx)}")
    frame = panel.frame.assign(**idx)
    if region is not None:
        if region not in set(frame[spec.region].dropna()):
            raise EstimationError(f"no rows of region {region!r} in column {spec.region!r}")
        frame = frame[frame[spec.region] == region]
    cl, G = codes_of(frame[spec.entity])
    if G < 2:
        raise EstimationError(f"the wild cluster bootstrap needs at least 2 clusters; the sample has {G}")
    cols = [b.regressor, *b.controls]
    X = frame[cols].to_numpy(dtype=float)
    y = frame[symbol].to_numpy(dtype=float)
    ones = np.ones(len(y))
    if b.fixed_effects:
        Xw = np.asarray(within(np.column_stack([y, X]), ones, cl, cl, True, False, n_entities=G, n_periods=G, two_way=False))
    else:
        Xw = np.column_stack([y, X]) - np.column_stack([y, X]).mean(axis=0)  # the intercept, partialled out
    yw, Xw = Xw[:, 0], Xw[:, 1:]
    enumerate_all = full_enumeration if full_enumeration is not None else (weights == "rademacher" and G <= ENUMERATE_MAX_G)
    if enumerate_all:
        if weights != "rademacher" or G > 20:
            raise EstimationError("full enumeration needs Rademacher weights and at most 20 clusters")
        V = jnp.asarray(all_sign_vectors(G))
    else:
        V = wild_weights(jax.random.key(int(seed)), int(n_boot), G, weights)
    res = jax.device_get(wild_t_jit(jnp.asarray(Xw), jnp.asarray(yw), jnp.asarray(cl), V, 0, n_clusters=G))
    t, tb = float(res.t), np.asarray(res.t_boot)
    return WildResult(
        sample=region or "full sample", outcome=symbol, regressor=b.regressor, n_clusters=G, nobs=len(y),
        coef=float(res.coef), se=float(res.se), t=t, p_crv1=float(2 * stdtr(G - 1, -abs(t))),
        p_wild=wild_pvalue(t, tb), weights=weights, n_boot=len(tb), enumerated=bool(enumerate_all),
        t_boot=tb,
    )
