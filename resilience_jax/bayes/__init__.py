"""Posterior versions of the baseline and mediation models (NumPyro), on the staged core.

``models`` (plain NumPyro functions with named sites and their per-province log-likelihoods),
``priors`` (the scale-aware prior and its flat limit), ``conjugate`` (the exact Normal-inverse-gamma
sampler), ``nuts`` (NumPyro's NUTS kernel as a vmappable function of key and data), ``design``
(the arrays, from the core's array assembly and index stage), ``fit`` (the runner), ``sbc``
(simulation-based calibration) and ``api`` (:func:`posterior`).
"""

from .api import posterior
from .priors import Prior

__all__ = ["posterior", "Prior"]
