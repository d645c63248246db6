"""NUTS as a pure, vmappable function of a key and the model's data (NumPyro's kernel, our driver).

:func:`nuts_chains` runs ``chains`` chains of NumPyro's NUTS kernel (``numpyro.infer.hmc.hmc``,
windowed adaptation of the step size and a diagonal mass matrix during warm-up) on a model whose
data are arguments, not closures: the same compiled function serves every dataset of the same
shape, and it can be vmapped over datasets (weight draws, SBC simulations) in one call. Chain
``i`` always uses ``jax.random.split(key, chains)[i]``, whatever the method: ``"vectorized"``
(all chains vmapped on one device), ``"parallel"`` (chains spread over the devices, at least two
vmapped on each) and ``"sequential"`` (two chains at a time, one pair after another, for memory).
The same key gives the same posterior under every method, but bit-identical draws only where XLA
compiles the chain axis alike, and NUTS trajectories amplify a difference in the last bits into
different draws. Measured on an AVX2 CPU: ``"parallel"`` on one device equals ``"vectorized"`` bit
for bit; ``"sequential"`` equals it at 2 or 3 chains but not at 4 or 8 (XLA vectorises a batch of 4
or more chains differently from a pair); ``"parallel"`` over several devices differs too (XLA's
partitioned program). No method runs a lone chain of several unbatched (a batch of one compiles as
unbatched code; a lone chain is padded with a copy of itself).
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


@partial(jax.jit, static_argnames=("model", "chains", "warmup", "draws", "chain_method", "target_accept", "max_tree_depth"))
def nuts_chains(key: jax.Array, model, model_args: tuple, *, chains: int = 4, warmup: int = 1000, draws: int = 1000,
                chain_method: ChainMethod = "vectorized", target_accept: float = 0.8, max_tree_depth: int = 10):
    """``chains`` chains of :func:`nuts_chain` (leading axis chains), jitted once per model, shape
    and configuration.

    Example
    -------
    >>> import jax, jax.numpy as jnp, numpyro, numpyro.distributions as dist
    >>> def model(y):
    ...     mu = numpyro.sample("mu", dist.Normal(0.0, 10.0))
    ...     numpyro.sample("y", dist.Normal(mu, 1.0), obs=y)
    >>> s, info = nuts_chains(jax.random.key(0), model, (jnp.ones(50),), chains=2, warmup=200, draws=200)
    >>> s["mu"].shape, bool(abs(float(s["mu"].mean()) - 1.0) < 0.5)
    ((2, 200), True)
    """
    run = partial(nuts_chain, model=model, model_args=model_args, warmup=warmup, draws=draws,
                  target_accept=target_accept, max_tree_depth=max_tree_depth)
    keys = jax.random.split(key, chains)
    if chains == 1:  # nothing to batch (vmapping NUTS's loops costs tracing time)
        return jax.tree.map(lambda a: a[None], run(keys[0]))
    if chain_method == "sequential":  # pairs of chains, one pair after another
        n_pairs = -(-chains // 2)
        out = jax.lax.map(jax.vmap(run), _padded(keys, 2 * n_pairs).reshape(n_pairs, 2, *keys.shape[1:]))
        return jax.tree.map(lambda a: a.reshape(2 * n_pairs, *a.shape[2:])[:chains], out)
    if chain_method == "parallel":
        n_dev = jax.local_device_count()
        per = max(2, -(-chains // n_dev))  # at least a pair on each device
        n_dev = min(n_dev, -(-chains // per))
        out = jax.pmap(jax.vmap(run))(_padded(keys, per * n_dev).reshape(n_dev, per, *keys.shape[1:]))
        return jax.tree.map(lambda a: a.reshape(n_dev * per, *a.shape[2:])[:chains], out)
    return jax.vmap(run)(keys)


def _padded(keys: jax.Array, n: int) -> jax.Array:
    """``keys`` followed by copies of its first key, ``n`` in all (the copies' chains are dropped)."""
    return jnp.concatenate([keys, jnp.broadcast_to(keys[:1], (n - len(keys), *keys.shape[1:]))])
