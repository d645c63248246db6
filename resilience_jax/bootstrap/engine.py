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
from ..data.arrays import MediationArrays
from ..errors import EstimationError
from ..estimators.record import MediationStats
from ..inference.resample import Scheme, draw_weights, replicate_key
from .driver import Driver, Progress, make_driver, run
from .paths.gathered import SUB, gathered_data, replicates_from_rows
from .paths.rows import replicates_from_weights
from .paths.tables import entity_tables, promote_candidates, replicates_from_tables

Path = Literal["fast", "rows", "general"]



def default_chunk(path: str, fixed_effects: bool = True) -> int:
    """Replicates per compiled chunk: 1,000 from the tables (a replicate is a few hundred numbers),
    250 on the weighted rows (so that a chunk's arrays stay in cache), 480 on the gathered rows
    (ten sub-batches of ``SUB``).

    Example
    -------
    >>> default_chunk("fast"), default_chunk("fast", fixed_effects=False), default_chunk("general")
    (1000, 250, 480)
    """
    if path == "general":
        return 10 * SUB
    return 1000 if path in ("fast", "tables") and fixed_effects else 250


def _evaluate(weights, payload, *, n_entities, n_periods, fixed_effects, path) -> MediationStats:
    if path == "tables":
        tab, directions, members = payload
        return replicates_from_tables(tab, weights, directions, members, n_periods)
    if path == "general":
        return replicates_from_rows(weights, payload, fixed_effects=fixed_effects)
    return replicates_from_weights(weights, payload, n_entities=n_entities, fixed_effects=fixed_effects)


@partial(jax.jit, static_argnames=("n_entities", "n_periods", "fixed_effects", "path", "scheme", "sharding"))
def _chunk(key, start, weights, use_weights, payload, *, n_entities, n_periods, fixed_effects, path, scheme, sharding):
    """(entity weights, record) of replicates ``start, ..., start + chunk - 1``, drawn from their
    keys, or of the given ``weights`` where ``use_weights``."""
    TRACES["bootstrap.chunk"] += 1
    b = start + jnp.arange(weights.shape[0], dtype=jnp.uint32)
    drawn = jax.vmap(lambda i: draw_weights(replicate_key(key, i), n_entities, scheme))(b)
    w = jnp.where(use_weights, weights, drawn)
    if sharding is not None:  # replicates split over the devices
        w = jax.lax.with_sharding_constraint(w, sharding)
    return w, _evaluate(w, payload, n_entities=n_entities, n_periods=n_periods, fixed_effects=fixed_effects, path=path)


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

    @property
    def chunk(self) -> int:
        return self.driver.chunk

    def run_chunk(self, key, start: int = 0, weights=None):
        """Dispatch replicates ``start, ..., start + chunk - 1`` of ``key`` (or, given ``weights``
        (chunk, G), evaluate those); returns device arrays (weights, record) without waiting."""
        use = weights is not None
        w = self._ones if weights is None else self.driver.put(jnp.asarray(weights, dtype=_x64.float_dtype()))
        return _chunk(key, np.uint32(start), w, use, self.payload, n_entities=self.n_entities, n_periods=self.n_periods,
                      fixed_effects=self.fixed_effects, path=self.path, scheme=self.scheme,
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
            promoted, chosen = promote_candidates(tab, self.source.X_ind, weights[todo])
            again = replace(self, payload=self.driver.replicate((promoted, directions, members)))
            redo = again.evaluate_unrecovered(weights[todo[chosen]])
            for f in MediationStats._fields:
                out[f][todo[chosen]] = getattr(redo, f)
            todo = np.setdiff1d(todo, todo[chosen])
        return MediationStats(**out)


def prepare(
    arrays: MediationArrays, *, n_entities: int, path: str = "fast", fixed_effects: bool = True,
    chunk: int | None = None, devices: int | None = None, scheme: Scheme = "cluster",
) -> Engine:
    """Build the payload of ``path`` (per-entity tables for ``fast`` with fixed effects) once.

    ``chunk``: replicates per compiled chunk (default :func:`default_chunk`); it does not depend on
    the number of replicates, so one compiled chunk serves any ``n_boot``.
    """
    if path not in ("fast", "rows", "general"):
        raise EstimationError(f"path must be 'fast', 'rows' or 'general', got {path!r}")
    if path == "general" and scheme != "cluster":
        raise EstimationError("the gathered-rows (general) path needs integer multiplicities: scheme='cluster'")
    driver = make_driver(chunk or default_chunk(path, fixed_effects), devices)
    if path == "fast":
        path = "tables" if fixed_effects else "rows"
    payload = arrays
    if path == "tables":
        tab = entity_tables(arrays.X_ind, arrays.regressor, arrays.mediator, arrays.controls, n_entities=n_entities)
        payload = (tab, arrays.directions, arrays.members)
    elif path == "general":
        payload = gathered_data(arrays.X_ind, arrays.regressor, arrays.mediator, arrays.controls, arrays.directions,
                                arrays.members, n_entities=n_entities)
    return Engine(driver.replicate(payload), path, n_entities, arrays.X_ind.shape[0] // n_entities, fixed_effects,
                  driver, scheme, arrays if path == "tables" else None)


def check(stats: MediationStats, what: str = "replicate") -> None:
    """Raise an :class:`~resilience_jax.errors.EstimationError` naming every flag left in a record."""
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

    ``devices``: shard each chunk's replicates over this many local devices (default: all of them);
    a replicate depends only on its own key, so the numbers do not depend on the device count.
    """
    eng = engine or prepare(arrays, n_entities=n_entities, path=path, fixed_effects=fixed_effects, chunk=chunk_size,
                            devices=devices, scheme=scheme)
    if eng.scheme != scheme:
        raise EstimationError(f"the engine was prepared for scheme {eng.scheme!r}, not {scheme!r}")
    weights, stats = eng.replicates(key, n_boot, progress=progress)
    check(stats)
    return weights, stats


def jackknife(arrays: MediationArrays, *, n_entities: int, fixed_effects: bool = True) -> MediationStats:
    """Leave-one-entity-out records (G, ...): weight 0 on one entity at a time (weighted rows)."""
    eng = prepare(arrays, n_entities=n_entities, path="rows", fixed_effects=fixed_effects, chunk=n_entities, devices=1)
    stats = eng.evaluate(1.0 - np.eye(n_entities))
    check(stats, "jackknife replicate")
    return stats
