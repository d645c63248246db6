"""Sensitivity studies of how the index is built: weight draws, a multiverse of construction and
model choices with inference under the null, and Sobol indices (:func:`sensitivity`).

``resilience_jax.sensitivity`` is both this package and, called, the function
:func:`resilience_jax.sensitivity.api.sensitivity`, as :mod:`resilience_jax.bootstrap` is.
"""

from __future__ import annotations

import sys
import types

from .api import sensitivity

__all__ = ["sensitivity"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return sensitivity(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
