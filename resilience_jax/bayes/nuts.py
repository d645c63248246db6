"""NUTS as a pure, vmappable function of a key and the model's data (NumPyro's kernel, our driver).

:func:`nuts_chains` runs ``chains`` chains of NumPyro's NUTS kernel (``numpyro.infer.hmc.hmc``,
windowed adaptation of the step size and a diagonal mass matrix during warm-up) on a model whose
data are arguments, not closures: the same compiled function serves every dataset of the same
shape, and it can be vmapped over datasets (weight draws, SBC simulations) in one call.

Chain ``i`` always uses ``jax.random.split(key, chains)[i]``, and the chains run in blocks of
``chain_block`` vmapped chains, each block by one compiled program whatever the chain method:
``"vectorized"`` and ``"sequential"`` run the blocks one after another on one device,
``"parallel"`` deals them out to the devices. Why blocks: XLA compiles a vmapped computation
differently for different batch widths (measured: a 6-term sum rounds differently in a batch of 2
than in a batch of 4; which widths agree depends on the CPU's instruction set), and NUTS amplifies
a difference in the last bit into different draws. Running every chain in a block of the same
width, with the same program, on one device or several, makes the draws a function of the key
and ``chain_block`` only (checked bit for bit on one and on four devices in the tests). A lone
chain in the last block is padded with copies of itself, which are dropped.
"""

from __future__ import annotations

from functools import partial
from typing import Literal, NamedTuple

import jax
import jax.numpy as jnp
from numpyro.infer.hmc import hmc
from numpyro.infer.util import initialize_model

ChainMethod = Literal["vectorized", "sequential", "parallel"]


class NUTSInfo(NamedTuple):
    """Per-draw sampler statistics of each chain (chains, draws)."""

    diverging: jax.Array
    num_steps: jax.Array  # leapfrog steps of the draw's trajectory
    energy: jax.Array
    accept_prob: jax.Array
    potential_energy: jax.Array
    step_size: jax.Array  # (chains,) the adapted step size


def nuts_chain(key: jax.Array, model, model_args: tuple, *, warmup: int, draws: int, target_accept: float = 0.8,
               max_tree_depth: int = 10):
    """One NUTS chain: ``warmup`` adaptation steps, then ``draws`` kept draws.

    Parameters
    ----------
    key : jax.Array
        The chain's key (split once: initial point, then the sampler).
    model : callable
        A NumPyro model (static configuration bound, e.g. with functools.partial).
    model_args : tuple
        The model's array arguments (traced: a new dataset of the same shape does not recompile).
    warmup, draws : int
        Adaptation steps and kept draws (static).
    target_accept : float
        Target acceptance probability of the step-size adaptation.
    max_tree_depth : int
        Maximum tree depth (a trajectory of at most ``2**max_tree_depth - 1`` steps).

    Returns
    -------
    samples : dict
        Every site's constrained value and deterministic site, (draws, ...).
    info : NUTSInfo
        The per-draw statistics (leading axis draws; ``step_size`` a scalar).

    Example
    -------
    >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
    >>> def model(y):
    ...     numpyro.sample("y", dist.Normal(numpyro.sample("mu", dist.Normal(0.0, 10.0)), 1.0), obs=y)
    >>> s, info = nuts_chain(jax.random.key(0), model, (jnp.zeros(20),), warmup=100, draws=50)
    >>> s["mu"].shape, info.diverging.shape
    ((50,), (50,))
    """
    k_init, k_run = jax.random.split(key)
    mi = initialize_model(k_init, model, model_args=model_args, dynamic_args=True, validate_grad=False)
    init_kernel, sample_kernel = hmc(potential_fn_gen=mi.potential_fn, algo="NUTS")
    state = init_kernel(mi.param_info, warmup, target_accept_prob=target_accept, max_tree_depth=max_tree_depth,
                        model_args=model_args, rng_key=k_run)

    def step(s, _):
        s = sample_kernel(s, model_args=model_args)
        return s, (s.z, s.diverging, s.num_steps, s.energy, s.accept_prob, s.potential_energy)

    # one scan over warm-up and draws (the kernel adapts while its counter is below ``warmup``):
    # the kernel is traced and compiled once, not twice; the warm-up's records are dropped
    state, rec = jax.lax.scan(step, state, None, length=warmup + draws)
    z, div, steps, energy, acc, pe = jax.tree.map(lambda a: a[warmup:], rec)
    samples = jax.vmap(mi.postprocess_fn(*model_args))(z)
    return samples, NUTSInfo(div, steps, energy, acc, pe, state.adapt_state.step_size)


def chain_blocks(key: jax.Array, chains: int, chain_block: int) -> jax.Array:
    """The chains' keys in blocks: chain ``i`` gets ``jax.random.split(key, chains)[i]``, grouped
    ``min(chains, chain_block)`` to a block, the last block padded with copies of its first key
    (their chains are dropped). Shape ``(n_blocks, width)``.

    Example
    -------
    >>> import jax
    >>> chain_blocks(jax.random.key(0), 5, 4).shape
    (2, 4)
    """
    width = min(chains, chain_block)
    n_blocks = -(-chains // width)
    keys = jax.random.split(key, chains)
    pad = jnp.broadcast_to(keys[(n_blocks - 1) * width], (n_blocks * width - chains, *keys.shape[1:]))
    return jnp.concatenate([keys, pad]).reshape(n_blocks, width, *keys.shape[1:])


@partial(jax.jit, static_argnames=("model", "warmup", "draws", "target_accept", "max_tree_depth"))
def _run_blocks(block_keys, model, model_args, *, warmup, draws, target_accept, max_tree_depth):
    """Blocks of chains one after another (``lax.map``), the chains of a block vmapped (a block
    of one runs unbatched): the one compiled program behind every chain method."""
    run = partial(nuts_chain, model=model, model_args=model_args, warmup=warmup, draws=draws,
                  target_accept=target_accept, max_tree_depth=max_tree_depth)
    if block_keys.shape[1] == 1:
        return jax.lax.map(lambda k: jax.tree.map(lambda a: a[None], run(k[0])), block_keys)
    return jax.lax.map(jax.vmap(run), block_keys)


def nuts_chains(key: jax.Array, model, model_args: tuple, *, chains: int = 4, warmup: int = 1000, draws: int = 1000,
                chain_method: ChainMethod = "vectorized", chain_block: int = 4, target_accept: float = 0.8,
                max_tree_depth: int = 10):
    """``chains`` chains of :func:`nuts_chain` (leading axis chains), in blocks of ``chain_block``
    vmapped chains (:func:`chain_blocks`).

    Every method runs each block with the same compiled program, so the draws depend on the key
    and ``chain_block`` only, bit for bit, not on the method or the number of devices:
    ``"vectorized"`` and ``"sequential"`` run the blocks one after another on one device (at the
    defaults, 4 chains, one block: all chains vmapped); ``"parallel"`` deals the blocks out to the
    local devices, dispatched asynchronously from the host, so they run at the same time (each
    device compiles the program once). A smaller ``chain_block`` lowers memory and spreads fewer
    chains per device (``chain_block=1``: one chain per device), but is a different program,
    with other last bits and so other draws. Called under a trace (inside ``jit`` or ``vmap``:
    weight draws, SBC), ``"parallel"`` runs the blocks on one device like the others.

    Example
    -------
    >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
    >>> def model(y):
    ...     mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    ...     numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)
    >>> s, info = nuts_chains(jax.random.key(0), model, (jnp.ones(50),), chains=2, warmup=200, draws=200)
    >>> s["mu"].shape, bool(abs(float(s["mu"].mean()) - 1.0) < 0.5)
    ((2, 200), True)
    >>> s3, _ = nuts_chains(jax.random.key(0), model, (jnp.ones(50),), chains=2, warmup=200, draws=200,
    ...                     chain_method="sequential")
    >>> bool((s3["mu"] == s["mu"]).all())
    True
    """
    if chain_block < 1:
        raise ValueError(f"chain_block must be a positive integer, got {chain_block}")
    blocks = chain_blocks(key, chains, chain_block)
    n_blocks, width = blocks.shape[:2]
    cfg = dict(model=model, warmup=warmup, draws=draws, target_accept=target_accept, max_tree_depth=max_tree_depth)
    traced = any(isinstance(a, jax.core.Tracer) for a in jax.tree.leaves((key, model_args)))
    devices = jax.local_devices()[:n_blocks]
    if chain_method == "parallel" and not traced and len(devices) > 1:
        # one block per call, each on its device (dispatch returns at once: the devices run together);
        # the data copied to each device once
        args = [jax.device_put(model_args, d) for d in devices]
        parts = [_run_blocks(jax.device_put(blocks[i:i + 1], devices[i % len(devices)]),
                             model_args=args[i % len(devices)], **cfg) for i in range(n_blocks)]
        out = jax.tree.map(lambda *a: jnp.concatenate([jax.device_put(x, devices[0]) for x in a]), *parts)
    else:
        out = _run_blocks(blocks, model_args=model_args, **cfg)
    return jax.tree.map(lambda a: a.reshape(n_blocks * width, *a.shape[2:])[:chains], out)
