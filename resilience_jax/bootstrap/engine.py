"""The mediation bootstrap's engine: one compiled chunk per path and configuration, run by the
shared chunk driver (:mod:`.driver`), with the recovery of the tables path.

Paths (:mod:`.paths`)
- ``fast`` (default): with entity fixed effects, the per-entity tables (``tables``); without (the
  pooled "as printed" reading), the weighted rows.
- ``rows``: the original rows with the replicate's entity multiplicities (or Dirichlet weights) as
  frequency weights.
- ``general``: the reference: gather the drawn entities' rows into a new panel (each draw its own
  entity) and recompute everything unweighted. Cluster scheme only.

Keys: replicate ``b``'s entity weights are ``draw_weights(replicate_key(key, b), ...)``, derived
inside the compiled chunk from the replicate's global index, so the numbers do not depend on the
chunk size or the device count. The same compiled chunk evaluates given weights (the point
estimate, the jackknife, re-ranked tables), and a new number of replicates pads the last chunk
rather than compiling a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, partial
from typing import Literal

import jax
import jax.numpy as jnp
import numpy as np

from .. import _x64, status
from .._ops import TRACES
from ..data.arrays import Baseline, MediationArrays
from ..errors import EstimationError
from ..estimators.record import MediationStats
from ..inference.resample import Scheme, draw_weights, replicate_key
from .._backend import tuned
from .driver import Driver, Progress, make_driver, run
from .paths.gathered import gathered_data, replicates_from_rows, sub_batch
from .paths.rows import replicates_from_weights
from .paths.tables import entity_tables, promote_candidates, replicates_from_tables

Path = Literal["fast", "rows", "general"]



def default_chunk(path: str, fixed_effects: bool = True) -> int:
    """Replicates per compiled chunk: 1,000 from the tables (a replicate is a few hundred numbers),
    250 on the weighted rows (so that a chunk's arrays stay in cache), 480 on the gathered rows
    (ten sub-batches of ``SUB``).

    Parameters
    ----------
    path : str
        ``"fast"``, ``"tables"``, ``"rows"`` or ``"general"``.
    mode : {"pooled", "per_year", "global"}, optional
        The entropy weights' panel mode (the index spec's ``panel_mode``). The per-entity tables
        and the gathered rows compute the pooled mode only: ``fast`` then runs on the weighted rows,
        ``general`` is refused.
    baseline : Baseline or None, optional
        The indices' baseline equation (the spec's: :class:`~resilience_jax.data.arrays.Layout`);
        None: the mediation's total-effect equation. The tables compute baselines with entity
        fixed effects only: ``fast`` runs on the weighted rows otherwise.
    fixed_effects : bool, optional
        Entity fixed effects. The fast path without them runs on the weighted rows.

    Returns
    -------
    int
        The default chunk size of that path.

    Example
    -------
    >>> from resilience_jax._backend import tuned
    >>> (default_chunk("fast"), default_chunk("fast", fixed_effects=False)) == (tuned(1000, 8192), tuned(250, 2048))
    True
    """
    if path == "general":
        return 10 * sub_batch()
    return tuned(1000, 8192) if path in ("fast", "tables") and fixed_effects else tuned(250, 2048)


def _evaluate(weights, payload, *, n_entities, n_periods, fixed_effects, path, mode, k, baseline) -> MediationStats:
    if path == "tables":
        tab, directions, members = payload
        return replicates_from_tables(tab, weights, directions, members, k=k, baseline=baseline)
    if path == "general":
        return replicates_from_rows(weights, payload, fixed_effects=fixed_effects, k=k, baseline=baseline)
    return replicates_from_weights(weights, payload, n_entities=n_entities, fixed_effects=fixed_effects, mode=mode,
                                   baseline=baseline)


@partial(jax.jit, static_argnames=("n_entities", "n_periods", "fixed_effects", "path", "scheme", "sharding", "mode",
                                   "k", "baseline"))
def _chunk(key, start, weights, use_weights, payload, *, n_entities, n_periods, fixed_effects, path, scheme, sharding,
           mode, k, baseline):
    """(entity weights, record) of replicates ``start, ..., start + chunk - 1``, drawn from their
    keys, or of the given ``weights`` where ``use_weights``."""
    TRACES["bootstrap.chunk"] += 1
    b = start + jnp.arange(weights.shape[0], dtype=jnp.uint32)
    drawn = jax.vmap(lambda i: draw_weights(replicate_key(key, i), n_entities, scheme))(b)
    w = jnp.where(use_weights, weights, drawn)
    if sharding is not None:  # replicates split over the devices
        w = jax.lax.with_sharding_constraint(w, sharding)
    return w, _evaluate(w, payload, n_entities=n_entities, n_periods=n_periods, fixed_effects=fixed_effects, path=path,
                        mode=mode, k=k, baseline=baseline)


@dataclass(frozen=True)
class Engine:
    """A prepared bootstrap: the payload of the chosen path (placed on the devices) and its
    driver. :meth:`evaluate` runs any (R, G) batch of entity weights through the compiled chunk."""

    payload: object
    path: str
    n_entities: int
    n_periods: int
    fixed_effects: bool
    driver: Driver
    scheme: str = "cluster"
    source: MediationArrays | None = None  # the data of the tables path (for :meth:`recover`)
    mode: str = "pooled"  # the entropy weights' panel mode
    k: int | None = None  # the mediation's regression variables (None: all of them)
    baseline: Baseline | None = None  # the indices' baseline equation (None: the mediation's total effect)

    @property
    def chunk(self) -> int:
        return self.driver.chunk

    def run_chunk(self, key, start: int = 0, weights=None):
        """Dispatch replicates ``start, ..., start + chunk - 1`` of ``key`` (or, given ``weights``
        (chunk, G), evaluate those); returns device arrays (weights, record) without waiting."""
        use = weights is not None
        w = self._ones if weights is None else self.driver.put(jnp.asarray(weights, dtype=_x64.float_dtype()))
        return _chunk(key, np.uint32(start), w, use, self.payload, n_entities=self.n_entities, n_periods=self.n_periods,
                      fixed_effects=self.fixed_effects, path=self.path, scheme=self.scheme, mode=self.mode,
                      k=self.k, baseline=self.baseline,
                      sharding=self.driver.sharding)

    @cached_property
    def _ones(self):
        return self.driver.put(jnp.ones((self.chunk, self.n_entities), _x64.float_dtype()))

    def replicates(self, key, n_boot: int, *, progress: Progress | None = None) -> tuple[np.ndarray, MediationStats]:
        """(entity weights (B, G), record) of replicates ``0..n_boot-1``, recovered (not checked)."""
        weights, stats = run(self.driver, lambda start: self.run_chunk(key, start), n_boot, progress=progress)
        return weights, self.recover(weights, stats)

    def evaluate(self, weights: np.ndarray) -> MediationStats:
        """The record of any (R, G) batch of entity weights, through the compiled chunk, recovered."""
        return self.recover(weights, self.evaluate_unrecovered(weights))

    def evaluate_unrecovered(self, weights: np.ndarray) -> MediationStats:
        """The record of the weights as the compiled chunk gives them (flags not yet acted on)."""
        weights = np.asarray(weights)
        R = len(weights)
        W = np.concatenate([weights, np.ones(((-R) % self.chunk, self.n_entities))])
        key = jax.random.key(0)  # not used: the weights are given
        return run(self.driver, lambda start: self.run_chunk(key, 0, W[start: start + self.chunk])[1], R)

    def recover(self, weights: np.ndarray, stats: MediationStats) -> MediationStats:
        """Re-evaluate the replicates flagged ``NOT_TABULATED`` (a minimiser ranked ``HEAD`` or lower;
        a few per million replicates with 30 entities, about 2 in 10,000 with thousands) with
        re-ranked tables (:func:`~.paths.tables.promote_candidates`), through the same compiled chunk."""
        if self.path != "tables":
            return stats
        out = {f: np.array(getattr(stats, f)) for f in MediationStats._fields}
        todo = np.flatnonzero(out["status"] & status.NOT_TABULATED)
        tab, directions, members = self.payload
        while len(todo):  # each pass covers at least the first replicate left
            promoted, chosen = promote_candidates(tab, self.source.X_ind, weights[todo], self.source.present)
            again = replace(self, payload=self.driver.replicate((promoted, directions, members)))
            redo = again.evaluate_unrecovered(weights[todo[chosen]])
            for f in MediationStats._fields:
                out[f][todo[chosen]] = getattr(redo, f)
            todo = np.setdiff1d(todo, todo[chosen])
        return MediationStats(**out)


def prepare(
    arrays: MediationArrays, *, n_entities: int, path: str = "fast", fixed_effects: bool = True, mode: str = "pooled",
    baseline: Baseline | None = None,
    chunk: int | None = None, devices: int | None = None, scheme: Scheme = "cluster",
) -> Engine:
    """Build the payload of ``path`` (per-entity tables for ``fast`` with fixed effects) once.

    Parameters
    ----------
    arrays : MediationArrays
        The arrays of the mediation model (:func:`~resilience_jax.data.arrays.mediation_arrays`),
        a balanced panel sorted by entity.
    n_entities : int
        Number of entities (clusters) G.
    path : str, optional
        ``"fast"`` (the per-entity tables with fixed effects, the weighted rows without),
        ``"rows"`` (the weighted rows) or ``"general"`` (the gathered rows; cluster scheme only).
    fixed_effects : bool, optional
        Entity fixed effects or the pooled "as printed" reading.
    chunk : int or None, optional
        Replicates per compiled chunk (default :func:`default_chunk`); it does not depend on the
        number of replicates, so one compiled chunk serves any ``n_boot``.
    devices : int or None, optional
        Local devices to shard each chunk over (default: all).
    scheme : str, optional
        ``"cluster"`` (entity multiplicities) or ``"bayesian"`` (Dirichlet weights).

    Returns
    -------
    Engine
        The payload placed on the devices and its driver; ``path`` is the resolved one
        (``"tables"`` or ``"rows"`` for ``"fast"``).

    Raises
    ------
    EstimationError
        An unknown ``path``, ``path="general"`` with a scheme other than ``"cluster"``, or a
        ``devices`` count outside the local devices.

    Example
    -------
    >>> import numpy as np
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arrays, layout = mediation_arrays(rj.load_panel())
    >>> eng = prepare(arrays, n_entities=layout.n_entities, chunk=32)
    >>> eng.path, eng.chunk, eng.n_periods
    ('tables', 32, 14)
    >>> st = eng.evaluate(np.ones((1, 30)))  # all weights 1: the point estimate
    >>> round(float(st.a[0]), 4), st.status.tolist()
    (0.7966, [0])
    >>> prepare(arrays, n_entities=30, path="general", scheme="bayesian")
    Traceback (most recent call last):
        ...
    resilience_jax.errors.EstimationError: the gathered-rows (general) path needs integer multiplicities: ...
    """
    if path not in ("fast", "rows", "general"):
        raise EstimationError(f"path must be 'fast', 'rows' or 'general', got {path!r}")
    if path == "general" and scheme != "cluster":
        raise EstimationError("the gathered-rows (general) path needs integer multiplicities: scheme='cluster'")
    if mode not in ("pooled", "per_year", "global"):
        raise EstimationError(f"mode must be 'pooled', 'per_year' or 'global', got {mode!r}")
    if path == "general" and mode != "pooled":
        raise EstimationError(f"the gathered-rows (general) path computes the pooled entropy mode only, not {mode!r}; "
                              "use path='rows' (or 'fast', which runs on the rows in this mode)")
    if arrays.present is not None and baseline is not None and baseline.fixed_effects == "two_way":
        raise EstimationError("the bootstrap re-estimates a two-way (entity and period) baseline on balanced panels only: one "
                              "demeaning sweep is exact there, not on an unbalanced panel; use entity fixed effects in "
                              "[baseline], or a balanced panel")
    k = 2 + arrays.controls.shape[1]
    if baseline == Baseline(tuple(range(k - 1)), "entity" if fixed_effects else "none"):
        baseline = None  # the mediation's total-effect equation: the same compiled chunk as without one
    tables_ok = fixed_effects and mode == "pooled" and (baseline is None or baseline.fixed_effects == "entity")
    if path == "fast":
        path = "tables" if tables_ok else "rows"
    driver = make_driver(chunk or default_chunk(path, fixed_effects), devices)
    payload = arrays
    if path == "tables":
        tab = entity_tables(arrays, n_entities=n_entities)
        payload = (tab, arrays.directions, arrays.members)
    elif path == "general":
        payload = gathered_data(arrays, n_entities=n_entities)
    return Engine(driver.replicate(payload), path, n_entities, arrays.X_ind.shape[0] // n_entities, fixed_effects,
                  driver, scheme, arrays if path == "tables" else None, mode, k, baseline)


def check(stats: MediationStats, what: str = "replicate") -> None:
    """Raise an :class:`~resilience_jax.errors.EstimationError` naming every flag left in a record.

    Parameters
    ----------
    stats : MediationStats
        A record (or batch of records); only its ``status`` flags are read.
    what : str, optional
        What one record is, for the message.

    Returns
    -------
    None
        When no flag is set.

    Raises
    ------
    EstimationError
        When a record carries a flag of :mod:`resilience_jax.status`; the message counts the
        records and, per flag, names the first one concerned and what to do
        (:func:`resilience_jax.status.describe`).

    Example
    -------
    >>> import numpy as np
    >>> from resilience_jax import status
    >>> from resilience_jax.estimators.record import MediationStats
    >>> st = MediationStats(*[np.zeros(2)] * len(MediationStats._fields))
    >>> check(st)  # nothing flagged
    >>> check(st._replace(status=np.array([0, status.SINGULAR])))
    Traceback (most recent call last):
        ...
    resilience_jax.errors.EstimationError: 1 replicate(s) could not be computed: singular design in 1 of 2 ...
    """
    codes = np.asarray(stats.status)
    if codes.any():
        raise EstimationError(f"{int((codes != 0).sum())} {what}(s) could not be computed: {status.describe(codes, what)}")


def run_replicates(
    key: jax.Array,
    arrays: MediationArrays,
    *,
    n_boot: int,
    n_entities: int,
    scheme: Scheme = "cluster",
    path: Path = "fast",
    fixed_effects: bool = True,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    devices: int | None = None,
    engine: Engine | None = None,
) -> tuple[np.ndarray, MediationStats]:
    """(entity weights (B, G), record) of ``n_boot`` replicates; raises if a replicate stays flagged.

    Parameters
    ----------
    key : jax.Array
        A ``jax.random.key``; replicate ``b`` draws its entity weights from
        ``replicate_key(key, b)``.
    arrays : MediationArrays
        The arrays of the mediation model (:func:`~resilience_jax.data.arrays.mediation_arrays`).
    n_boot : int
        Number of replicates B (>= 1).
    n_entities : int
        Number of entities (clusters) G.
    scheme : str, optional
        ``"cluster"`` or ``"bayesian"``.
    path : str, optional
        ``"fast"``, ``"rows"`` or ``"general"`` (see :func:`prepare`).
    fixed_effects : bool, optional
        Entity fixed effects or the pooled reading.
    chunk_size : int or None, optional
        Replicates per compiled chunk (default :func:`default_chunk`); the numbers do not depend on it.
    progress : callable or None, optional
        ``progress(done)`` called after each chunk (see :func:`~.driver.run`).
    devices : int or None, optional
        Shard each chunk's replicates over this many local devices (default: all of them); a
        replicate depends only on its own key, so the numbers do not depend on the device count.
    engine : Engine or None, optional
        An engine from :func:`prepare` to reuse (then ``path``, ``fixed_effects``, ``chunk_size``
        and ``devices`` are those it was prepared with).

    Returns
    -------
    weights : numpy.ndarray
        (B, G) entity weights of the replicates (multiplicities for the cluster scheme).
    stats : MediationStats
        The replicates' records (replicate axis first), flagged replicates recovered.

    Raises
    ------
    EstimationError
        An engine prepared for another scheme, the errors of :func:`prepare`, or a replicate
        that stays flagged (:func:`check`).

    Example
    -------
    >>> import jax
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arrays, _ = mediation_arrays(rj.load_panel())
    >>> w, st = run_replicates(jax.random.key(0), arrays, n_boot=20, n_entities=30, chunk_size=32)
    >>> w.shape, st.a.shape, bool((w.sum(axis=1) == 30).all())
    ((20, 30), (20,), True)
    """
    eng = engine or prepare(arrays, n_entities=n_entities, path=path, fixed_effects=fixed_effects, chunk=chunk_size,
                            devices=devices, scheme=scheme)
    if eng.scheme != scheme:
        raise EstimationError(f"the engine was prepared for scheme {eng.scheme!r}, not {scheme!r}")
    weights, stats = eng.replicates(key, n_boot, progress=progress)
    check(stats)
    return weights, stats


def jackknife(arrays: MediationArrays, *, n_entities: int, fixed_effects: bool = True, mode: str = "pooled") -> MediationStats:
    """Leave-one-entity-out records (G, ...): weight 0 on one entity at a time (weighted rows).

    Parameters
    ----------
    arrays, n_entities, fixed_effects, mode
        As :func:`prepare`.

    Returns
    -------
    MediationStats
        G records, record g without entity g.

    Raises
    ------
    EstimationError
        A jackknife replicate that cannot be computed (:func:`check`).

    Example
    -------
    >>> import resilience_jax as rj
    >>> from resilience_jax.data.arrays import mediation_arrays
    >>> arrays, _ = mediation_arrays(rj.load_panel())
    >>> jk = jackknife(arrays, n_entities=30)
    >>> jk.a.shape, jk.status.tolist() == [0] * 30
    ((30,), True)
    """
    eng = prepare(arrays, n_entities=n_entities, path="rows", fixed_effects=fixed_effects, chunk=n_entities, devices=1,
                  mode=mode)
    stats = eng.evaluate(1.0 - np.eye(n_entities))
    check(stats, "jackknife replicate")
    return stats
