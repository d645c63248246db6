"""Seeded generator of a synthetic provincial panel calibrated to the paper's Table 2.

The paper's raw data is not public, so resilience_jax ships a *synthetic* panel made by
:func:`simulate_panel`. Its data-generating process (all draws from one explicit JAX key):

* province latents: economic size ``size_i ~ N(0,1) + east_size * East`` (few provinces dominate
  profit, R&D and patents, since those indicators are log-linear in size with loadings above 1)
  and development ``dev_i ~ N(0, 0.7) + 0.8 East - 0.3 West``;
* a common trend ``tau_t`` running from -1 (first year) to +1 (last year);
* AI: ``a_it = ai_dev dev_i + ai_size size_i + ai_trend tau_t + ai_noise e_it``, standardised to
  ``zA``; ``LnAI`` is ``zA`` mapped affinely to Table 2's mean and sd;
* upgrading: ``u_it = up_size size_i + up_dev dev_i + up_ai zA_it + up_noise e_it``, standardised
  to ``zU``; ``Upgra = m exp(s zU) / mean(exp(s zU))`` with ``s`` solved so that the sample mean and
  sd equal Table 2's (so AI raises upgrading: d log Upgra / d zA = s * up_ai / sd(u));
* the 15 resilience indicators: ``log x_j = level_j + size_j size_i + dev_j dev_i + east_j East +
  ai_j zA + upg_j zU + trend_j tau + noise_j e`` (shares and rates through a logistic link, domestic
  market share as province revenue over the national total), so AI and upgrading raise every
  positive indicator and lower the negative ones (Engel coefficient, unemployment);
* controls: latent province effects, trend and noise, mapped to Table 2's mean and sd (affinely,
  or through ``exp`` for the positive, right-skewed Finance and Open).

The structural parameters and the solved calibration constants are returned in
:class:`Simulation.truth`; the shipped panel's are stored beside it in ``paper_panel_truth.json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from .. import _x64  # noqa: F401  (float64 before any array is made)
from ..errors import ResilienceError

GENERATOR_VERSION = 1

# Table 2 targets (mean, sd) for the variables the generator calibrates.
TABLE2 = {
    "LnAI": (2.059, 0.201),
    "Upgra": (0.365, 0.697),
    "Incomegap": (0.852, 0.160),
    "Finance": (3.447, 1.103),
    "Open": (0.275, 0.286),
    "LnRoad": (11.630, 0.837),
    "LnPopulation": (5.464, 1.286),
}


@dataclass(frozen=True)
class SimParams:
    """Structural parameters of the synthetic panel (see the module docstring for the equations)."""

    east_size: float = 0.6
    ai_dev: float = 0.6
    ai_size: float = 0.3
    ai_trend: float = 1.0
    ai_noise: float = 0.25
    up_size: float = 1.0
    up_dev: float = 0.4
    up_ai: float = 0.5
    up_noise: float = 0.3
    patent_ai: float = 0.9
    patent_noise: float = 0.3


# Indicator DGP: kind, level, size, dev, east, ai, upg, trend, noise.
# kind "log": x = exp(level + ...); "logit": x = 100 * logistic(level + ...) in percent (scale 1 for
# "logit1", a ratio); "share": 100 * exp(...) / sum over provinces of the same year; "count": rounded.
INDICATOR_DGP: dict[str, tuple[str, float, float, float, float, float, float, float, float]] = {
    "profit":             ("log",    4.38, 1.50, 0.40, 0.0,  0.25,  0.30,  0.60, 0.25),
    "market_potential":   ("log",    9.62, 0.10, 0.40, 0.0,  0.05,  0.03,  0.45, 0.05),
    "rd_expenditure":     ("log",    5.52, 1.20, 0.50, 0.0,  0.15,  0.10,  0.50, 0.08),
    "rd_personnel":       ("log",    9.62, 1.40, 0.30, 0.0,  0.20,  0.20,  0.40, 0.15),
    "rd_institutions":    ("count",  5.99, 1.30, 0.20, 0.0,  0.15,  0.15,  0.40, 0.15),
    "rd_intensity":       ("log",    0.47, 0.20, 0.45, 0.0,  0.08,  0.05,  0.15, 0.08),
    "new_product_share":  ("logit1", -1.39, 0.10, 0.40, 0.0, 0.10,  0.10,  0.30, 0.15),
    "invention_patents":  ("count",  8.99, 1.60, 0.60, 0.0,  0.25,  0.20,  1.00, 0.12),
    "market_share":       ("share",  0.00, 1.60, 0.40, 0.0,  0.15,  0.30,  0.40, 0.10),
    "gov_support":        ("log",    4.09, 1.00, 0.50, 0.0,  0.10,  0.05,  0.50, 0.12),
    "foreign_investment": ("log",    4.09, 1.00, 0.00, 0.6,  0.10,  0.05, -0.10, 0.30),
    "trade":              ("log",    5.99, 1.30, 0.00, 1.0,  0.10,  0.10,  0.20, 0.15),
    "urbanization":       ("logit",  0.20, 0.00, 0.60, 0.0,  0.10,  0.05,  0.50, 0.05),
    "engel":              ("logit", -0.85, 0.00, -0.20, 0.0, -0.05, -0.05, -0.25, 0.06),
    "unemployment":       ("log",    1.16, 0.00, -0.10, 0.0, -0.04, -0.03, -0.05, 0.10),
}


class Simulation(NamedTuple):
    """A simulated panel and the parameters that generated it."""

    data: pd.DataFrame
    truth: dict


def _standardise(x: jax.Array) -> jax.Array:
    return (x - x.mean()) / x.std(ddof=1)


def _affine(z: jax.Array, mean: float, sd: float) -> jax.Array:
    return mean + sd * _standardise(z)


def _lognormal_calibrate(z: jax.Array, mean: float, sd: float) -> tuple[jax.Array, float]:
    """``mean * exp(s z) / mean(exp(s z))`` with ``s`` solved (bisection) so the sample sd is ``sd``."""
    z = _standardise(z)
    target_cv = sd / mean

    def cv(s):
        e = jnp.exp(s * z)
        return e.std(ddof=1) / e.mean()

    lo, hi = 0.0, 6.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if float(cv(mid)) < target_cv:
            lo = mid
        else:
            hi = mid
    s = 0.5 * (lo + hi)
    e = jnp.exp(s * z)
    return mean * e / e.mean(), s


# The paper's 30 provinces and its East/Central/West split (Table 5), in the order the generator
# assigns them (the embedded panel's rows). The study spec (models/paper.toml [regions]) states the
# same split for the analysis; tests/test_datasets.py checks that the two agree. Kept here so that
# the generator, the lowest layer of the package, imports nothing from the data layer.
PROVINCES = {
    "East": ("Beijing", "Tianjin", "Hebei", "Liaoning", "Shanghai", "Jiangsu", "Zhejiang", "Fujian", "Shandong",
             "Guangdong", "Hainan"),
    "Central": ("Shanxi", "Jilin", "Heilongjiang", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"),
    "West": ("Inner Mongolia", "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Shaanxi", "Gansu", "Qinghai",
             "Ningxia", "Xinjiang"),
}


def _province_table(n_provinces: int) -> tuple[list[str], list[str]]:
    """The paper's province names and regions for 30 provinces; generic ones otherwise."""
    if n_provinces == 30:
        pairs = [(p, r) for r, provinces in PROVINCES.items() for p in provinces]
        return [p for p, _ in pairs], [r for _, r in pairs]
    cycle = ("East", "Central", "West")
    return [f"P{i + 1:03d}" for i in range(n_provinces)], [cycle[i % 3] for i in range(n_provinces)]


def simulate_panel(
    key: jax.Array,
    *,
    n_provinces: int = 30,
    years: tuple[int, int] = (2010, 2023),
    params: SimParams = SimParams(),
) -> Simulation:
    """Simulate a balanced province-year panel with the paper's variables and 15 indicators.

    Parameters
    ----------
    key : jax.Array
        A JAX PRNG key (``jax.random.key(seed)``); the same key gives the same panel, bit for bit.
    n_provinces : int
        Number of provinces (at least 3); 30 uses the real names and the paper's East/Central/West
        split, any other number generic names ``P001, ...`` cycling through the three regions.
    years : tuple of int
        First and last year, inclusive.
    params : SimParams
        Structural parameters, see :class:`SimParams`.

    Returns
    -------
    Simulation
        ``data``: long DataFrame with province, year, region, the 15 indicator columns of
        ``models/index.toml``, LnAI, LnAIPatent, Upgra and the five controls; ``truth``: the
        parameters and calibration constants.

    Raises
    ------
    ResilienceError
        ``key`` is not a JAX PRNG key, ``n_provinces`` is below 3, or ``years`` is not
        ``(first, last)`` with ``last > first``.

    Example
    -------
    >>> import jax
    >>> import resilience_jax as rj
    >>> sim = rj.simulate_panel(jax.random.key(0), n_provinces=12, years=(2015, 2020))
    >>> sim.data.shape, sim.data["province"].iloc[0], round(float(sim.data["LnAI"].mean()), 3)
    ((72, 26), 'P001', 2.059)
    >>> rj.simulate_panel(0)
    Traceback (most recent call last):
    ...
    resilience_jax.errors.ResilienceError: key must be a JAX PRNG key such as jax.random.key(0), got int
    """
    if not (isinstance(key, jax.Array) and (jnp.issubdtype(key.dtype, jax.dtypes.prng_key) or key.shape == (2,))):
        raise ResilienceError(f"key must be a JAX PRNG key such as jax.random.key(0), got {type(key).__name__}")
    if n_provinces < 3:
        raise ResilienceError(f"n_provinces must be at least 3, got {n_provinces}")
    if years[1] <= years[0]:
        raise ResilienceError(f"years must be (first, last) with last > first, got {years}")
    p = params
    names, regions = _province_table(n_provinces)
    G, T = n_provinces, years[1] - years[0] + 1
    east = jnp.asarray([r == "East" for r in regions], dtype=jnp.float64)[:, None]
    west = jnp.asarray([r == "West" for r in regions], dtype=jnp.float64)[:, None]
    tau = jnp.linspace(-1.0, 1.0, T)[None, :]

    k = iter(jax.random.split(key, 32))
    nrm = lambda shape: jax.random.normal(next(k), shape)  # noqa: E731
    size = nrm((G, 1)) + p.east_size * east
    dev = 0.7 * nrm((G, 1)) + 0.8 * east - 0.3 * west

    zA = _standardise(p.ai_dev * dev + p.ai_size * size + p.ai_trend * tau + p.ai_noise * nrm((G, T)))
    u_latent = p.up_size * size + p.up_dev * dev + p.up_ai * zA + p.up_noise * nrm((G, T))
    zU = _standardise(u_latent)
    lnai = _affine(zA, *TABLE2["LnAI"])
    upgra, s_up = _lognormal_calibrate(zU, *TABLE2["Upgra"])
    lnpat = 5.0 + p.patent_ai * zA + p.patent_noise * (nrm((G, 1)) + nrm((G, T)))

    incomegap = _affine(-0.5 * dev - 0.6 * tau + 0.15 * nrm((G, T)), *TABLE2["Incomegap"])
    finance, s_fin = _lognormal_calibrate(0.8 * nrm((G, 1)) + 0.5 * tau + 0.2 * nrm((G, T)), *TABLE2["Finance"])
    open_, s_open = _lognormal_calibrate(1.0 * east + 0.6 * size + 0.5 * nrm((G, 1)) - 0.3 * tau + 0.15 * nrm((G, T)), *TABLE2["Open"])
    lnroad = _affine(nrm((G, 1)) + 0.3 * tau + 0.03 * nrm((G, T)), *TABLE2["LnRoad"])
    lnpop = _affine(nrm((G, 1)) + 0.8 * east - 0.5 * west + 0.02 * tau + 0.01 * nrm((G, T)), *TABLE2["LnPopulation"])

    cols: dict[str, jax.Array] = {}
    for name, (kind, level, b_size, b_dev, b_east, b_ai, b_upg, b_trend, b_noise) in INDICATOR_DGP.items():
        eta = (
            level + b_size * size + b_dev * dev + b_east * east + b_ai * zA + b_upg * zU + b_trend * tau
            + b_noise * nrm((G, T))
        )
        if kind in ("log", "count"):
            x = jnp.exp(eta)
            x = jnp.maximum(jnp.round(x), 1.0) if kind == "count" else x
        elif kind == "logit":
            x = 100.0 * jax.nn.sigmoid(eta)
        elif kind == "logit1":
            x = jax.nn.sigmoid(eta)
        else:  # share of the national total, in percent
            x = 100.0 * jnp.exp(eta) / jnp.exp(eta).sum(axis=0, keepdims=True)
        cols[name] = x

    cols.update(
        LnAI=lnai, LnAIPatent=lnpat, Upgra=upgra, Incomegap=incomegap, Finance=finance, Open=open_,
        LnRoad=lnroad, LnPopulation=lnpop,
    )
    frame = pd.DataFrame(
        {
            "province": np.repeat(names, T),
            "year": np.tile(np.arange(years[0], years[1] + 1), G),
            "region": np.repeat(regions, T),
            **{c: np.asarray(v, dtype=np.float64).reshape(-1) for c, v in cols.items()},
        }
    )
    truth = {
        "generator_version": GENERATOR_VERSION,
        "synthetic": True,
        "n_provinces": G,
        "years": list(years),
        "params": dataclasses.asdict(p),
        "indicator_dgp": {
            name: dict(zip(("kind", "level", "size", "dev", "east", "ai", "upg", "trend", "noise"), row))
            for name, row in INDICATOR_DGP.items()
        },
        "calibration": {
            "targets_mean_sd": {k: list(v) for k, v in TABLE2.items()},
            "lognormal_scale": {"Upgra": s_up, "Finance": s_fin, "Open": s_open},
        },
        "effects": {
            "d LnAI / d zA": TABLE2["LnAI"][1],
            "d log Upgra / d zA": s_up * p.up_ai / float(jnp.std(u_latent)),
            "d log x_j / d zA and d log x_j / d zU": {n: [r[5], r[6]] for n, r in INDICATOR_DGP.items()},
        },
    }
    return Simulation(frame, truth)
