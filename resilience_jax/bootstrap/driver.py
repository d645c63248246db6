"""The chunk driver shared by every replicated computation (the mediation bootstrap's paths, the
wild bootstrap; the sensitivity studies to come).

A computation is a compiled *step* ``step(start) -> pytree`` that evaluates items ``start, ...,
start + chunk - 1`` (replicates, sign vectors, specifications) from their indices alone (each item
derives its own key from its index), with leading axis ``chunk``. The driver

- fixes the chunk size once (rounded up to a multiple of the device count) and pads the last chunk
  instead of shrinking it, so a new number of items never compiles a new step;
- shards each chunk's items over the local devices (``jax.local_devices()``), with the payload
  replicated on each;
- keeps one chunk in flight while the previous one is fetched (the host's work overlaps the
  device's), so memory stays bounded whatever the number of items;
- gathers each result from its process-local shards, reports progress through a callback, and
  returns host NumPy arrays trimmed to the number of items.

Because an item depends only on its index, the numbers do not depend on the chunk size, the
device count or the process count. Multi-process runs (JAX's multi-controller runtime,
:func:`init_distributed`) land here, in :func:`run`, without touching the steps: with P processes,
process p evaluates chunks p, p + P, p + 2P, ... on its own devices, every round's chunks are
gathered to every process (a collective), and each process returns the whole result, identical to
a one-process run; the caller writes its outputs from process 0 only (:func:`is_writer`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

import jax
import numpy as np

from ..errors import EstimationError

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Driver:
    """Chunk size and device placement of a replicated computation (see the module doc)."""

    chunk: int
    sharding: Any = None  # NamedSharding of the items' axis over the devices, or None (one device)

    @property
    def n_devices(self) -> int:
        return 1 if self.sharding is None else self.sharding.mesh.size

    def put(self, x):
        """Place an array whose leading axis is the chunk's items on the devices."""
        return x if self.sharding is None else jax.device_put(x, self.sharding)

    def replicate(self, payload):
        """The payload on every device of the mesh (as it is, on one device)."""
        if self.sharding is None:
            return payload
        return jax.device_put(payload, jax.sharding.NamedSharding(self.sharding.mesh, jax.sharding.PartitionSpec()))


def make_driver(chunk: int, devices: int | None = None) -> Driver:
    """A driver of ``chunk`` items a step over the first ``devices`` local devices (default: all).

    Parameters
    ----------
    chunk : int
        Items per compiled step; rounded up to a multiple of the device count, so that every
        device gets the same number of items.
    devices : int or None, optional
        Number of local devices (``jax.local_devices()``) to shard each chunk's items over; None
        (default) for all of them. With one device the items are not sharded.

    Returns
    -------
    Driver
        The chunk size and the sharding of the items' axis (None on one device).

    Raises
    ------
    EstimationError
        ``devices`` outside ``1..len(jax.local_devices())``.

    Example
    -------
    >>> d = make_driver(250, devices=1)
    >>> d.chunk, d.n_devices, d.sharding is None
    (250, 1, True)
    >>> make_driver(250, devices=0)
    Traceback (most recent call last):
        ...
    resilience_jax.errors.EstimationError: devices must be between 1 and ..., got 0
    """
    local = jax.local_devices()
    n_dev = len(local) if devices is None else devices
    if isinstance(n_dev, bool) or not isinstance(n_dev, (int, np.integer)) or not 1 <= n_dev <= len(local):
        raise EstimationError(f"devices must be between 1 and {len(local)}, got {devices!r}")
    chunk = int(chunk) + (-int(chunk)) % int(n_dev)  # every device gets the same number of items
    if n_dev == 1:
        return Driver(chunk)
    from jax.sharding import Mesh, NamedSharding, PartitionSpec

    mesh = Mesh(np.array(local[: int(n_dev)]), ("items",))
    return Driver(chunk, NamedSharding(mesh, PartitionSpec("items")))


def to_host(x) -> np.ndarray:
    """A (possibly sharded) device array as one host array, from this process's shards.

    Parameters
    ----------
    x : jax.Array or array_like
        A device array (sharded over the items' axis or not) or anything ``np.asarray`` accepts.
        The shards of a sharded array that is not fully addressable are concatenated along the
        leading axis in the order of their offsets.

    Returns
    -------
    numpy.ndarray
        The values on the host.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> h = to_host(jnp.arange(3))
    >>> type(h).__name__, h.tolist()
    ('ndarray', [0, 1, 2])
    """
    if getattr(x, "is_fully_addressable", True):
        return np.asarray(x)
    shards = sorted(x.addressable_shards, key=lambda s: s.index[0].start or 0)
    return np.concatenate([np.asarray(s.data) for s in shards])


def run(driver: Driver, step: Callable[[int], Any], n: int, *, progress: Progress | None = None):
    """Items ``0..n-1`` of ``step``, chunk by chunk, as a pytree of host arrays with leading axis n.

    ``step(start)`` dispatches (without waiting) the chunk of items ``start..start + chunk - 1``;
    ``progress(done)`` is called after each chunk with the number of items finished.

    Parameters
    ----------
    driver : Driver
        Chunk size and device placement (:func:`make_driver`).
    step : callable
        ``step(start) -> pytree`` of arrays with leading axis ``driver.chunk``: the items
        ``start, ..., start + chunk - 1``. The last chunk is padded (its extra items are computed
        and dropped), so ``step`` always sees the same shapes.
    n : int
        Number of items (>= 1).
    progress : callable or None, optional
        ``progress(done)``, called after each chunk with the number of items finished.

    Returns
    -------
    pytree of numpy.ndarray
        The structure of ``step``'s result, each leaf the host array of items ``0..n-1``
        (leading axis ``n``).

    Raises
    ------
    EstimationError
        ``n`` smaller than 1.

    Example
    -------
    >>> import jax.numpy as jnp
    >>> d = make_driver(4, devices=1)
    >>> run(d, lambda s: {"i": s + jnp.arange(4)}, 6)["i"].tolist()
    [0, 1, 2, 3, 4, 5]
    >>> run(d, lambda s: jnp.zeros((4, 0)), 6).shape  # a leaf with an empty axis
    (6, 0)
    >>> done = []
    >>> _ = run(d, lambda s: s + jnp.arange(4), 6, progress=done.append)
    >>> done
    [4, 6]
    """
    if n < 1:
        raise EstimationError(f"the number of items must be at least 1, got {n}")
    starts = list(range(0, n, driver.chunk))
    # with P processes, round r: process p evaluates chunk r * P + p (a process past the last chunk
    # evaluates the last one again, and its copy is dropped), then the round's chunks are gathered to
    # every process in chunk order; one process is the case P = 1 (its chunk is the round)
    P, p = jax.process_count(), jax.process_index()
    gather = _gather_processes if P > 1 else (lambda tree: jax.tree_util.tree_map(lambda x: x[None], tree))
    parts = []
    pending = None
    for r in [*range(-(-len(starts) // P)), None]:
        nxt = step(starts[min(r * P + p, len(starts) - 1)]) if r is not None else None
        if pending is not None:
            parts.append(gather(jax.tree_util.tree_map(to_host, pending)))  # (P, chunk, ...)
            if progress is not None:
                progress(min(len(parts) * P * driver.chunk, n))
        pending = nxt
    return jax.tree_util.tree_map(lambda *xs: _chunks_in_order(np.concatenate(xs))[:n], *parts)


def _chunks_in_order(x: np.ndarray) -> np.ndarray:
    """(rounds x P, chunk, ...) -> (rounds x P x chunk, ...), the items in order (explicit sizes: a
    leaf may have a zero-size axis, which ``reshape(-1, ...)`` cannot infer)."""
    return x.reshape(x.shape[0] * x.shape[1], *x.shape[2:])


def _gather_processes(tree):
    """Every process's pytree of host arrays, stacked in process order (a collective)."""
    from jax.experimental import multihost_utils

    return jax.tree_util.tree_map(np.asarray, multihost_utils.process_allgather(tree))


#: the environment variables :func:`init_distributed` reads when its arguments are None
DISTRIBUTED_ENV = ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")


def init_distributed(coordinator_address: str | None = None, num_processes: int | None = None,
                     process_id: int | None = None) -> tuple[int, int]:
    """Join a multi-process run (JAX's multi-controller runtime, ``jax.distributed``), before any
    computation: every replicated computation of the package (bootstraps, sensitivity studies) then
    shares its items among the processes and gathers the results to each (:func:`run`). Every
    process must see the same number of local devices (the chunks' sizes must agree), make the
    same calls in the same order, and end with ``jax.distributed.shutdown()`` (a second call of
    this function in a joined process does nothing, whatever its arguments).

    Start the same program in every process (one per host, or several on one host); each calls
    this first. On CPUs the collectives use gloo.

    Parameters
    ----------
    coordinator_address : str or None, optional
        ``host:port`` of process 0, which every process reaches. None: ``$JAX_COORDINATOR_ADDRESS``,
        or detected under SLURM (and the other clusters JAX detects) when that is unset too.
    num_processes : int or None, optional
        Number of processes; None: ``$JAX_NUM_PROCESSES``, or detected.
    process_id : int or None, optional
        This process's rank, 0..num_processes-1; None: ``$JAX_PROCESS_ID``, or detected.

    Returns
    -------
    (int, int)
        This process's rank and the number of processes.

    Raises
    ------
    EstimationError
        JAX already computed something in this process (the runtime must start first), or the
        coordinator could not be reached, or the settings are incomplete: the message says which.

    Example
    -------
    Two processes on one machine (each runs the same script; the second with ``1``)::

        import resilience_jax as rj
        rj.init_distributed("localhost:12355", num_processes=2, process_id=0)
        r = rj.bootstrap(n_boot=100_000, seed=1)   # each process computes half; every process gets all

    >>> from resilience_jax.bootstrap.driver import is_writer
    >>> is_writer()  # one process: it writes
    True
    """
    env = dict(zip(("address", "count", "rank"), (os.environ.get(v) for v in DISTRIBUTED_ENV)))
    address = coordinator_address or env["address"]
    try:
        count = num_processes if num_processes is not None else (int(env["count"]) if env["count"] else None)
        rank = process_id if process_id is not None else (int(env["rank"]) if env["rank"] else None)
    except ValueError as exc:
        raise EstimationError(f"JAX_NUM_PROCESSES and JAX_PROCESS_ID must be integers: {exc}") from None
    for name, v in (("num_processes", count), ("process_id", rank)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, np.integer))):
            raise EstimationError(f"{name} must be an integer, got {v!r}")
    count, rank = (None if v is None else int(v) for v in (count, rank))
    if count is not None and rank is not None and not 0 <= rank < count:
        raise EstimationError(f"process_id must be between 0 and num_processes - 1 = {count - 1}, got {rank}")
    if jax.distributed.is_initialized():  # already joined (a second call): nothing to do
        return jax.process_index(), jax.process_count()
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        jax.distributed.initialize(address, count, rank)
    except (RuntimeError, ValueError, TypeError) as exc:
        raise EstimationError(
            f"could not join the multi-process run ({exc}). Call init_distributed (or pass --distributed) before "
            f"any computation, and give the coordinator address, the process count and this process's id "
            f"(arguments or ${', $'.join(DISTRIBUTED_ENV)}), or run under SLURM") from None
    return jax.process_index(), jax.process_count()


def is_writer() -> bool:
    """Whether this process writes outputs: process 0 of a multi-process run, or a lone process.

    Example
    -------
    >>> is_writer()
    True
    """
    return jax.process_index() == 0


def progress_bar(desc: str, total: int) -> tuple[Progress, Callable[[], None]]:
    """A tqdm bar as a :data:`Progress` callback, and the function that closes it.

    Parameters
    ----------
    desc : str
        Label of the bar.
    total : int
        Number of items (replicates) the bar counts to.

    Returns
    -------
    update : callable
        ``update(done)``: move the bar to ``done`` items finished (the ``progress`` of :func:`run`).
    close : callable
        ``close()``: close the bar.

    Example
    -------
    >>> import contextlib, io
    >>> with contextlib.redirect_stderr(io.StringIO()) as err:  # tqdm writes to stderr
    ...     update, close = progress_bar("demo", 3)
    ...     update(2)
    ...     update(3)
    ...     close()
    >>> "3/3" in err.getvalue()
    True
    """
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit="replicate", total=total, disable=not is_writer())  # one bar for the whole job

    def update(done: int) -> None:
        bar.update(done - bar.n)

    return update, bar.close
