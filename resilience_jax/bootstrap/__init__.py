"""Bootstraps of the staged core: the mediation pipeline (:func:`bootstrap`, by the paths of
:mod:`.paths` through the chunk driver of :mod:`.driver`) and the wild cluster bootstrap
(:func:`wild_bootstrap`).

``resilience_jax.bootstrap`` is both this package and, called, the function
:func:`resilience_jax.bootstrap.api.bootstrap` (``rj.bootstrap(panel, n_boot=...)``): Python binds a
subpackage to its parent's attribute of the same name when it is imported, so the package itself
is made callable rather than letting the import shadow the function.
"""

from __future__ import annotations

import sys
import types

from .api import bootstrap
from .wild import wild_bootstrap

__all__ = ["bootstrap", "wild_bootstrap"]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return bootstrap(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
