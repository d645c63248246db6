"""Result classes: arrays from the core, labelled here (pandas from this layer up).

``tidy()``, ``summary()`` and ``_repr_html_`` live on the results; ``report/`` only renders tables,
figures and text from them.
"""

from .bootstrap import BootstrapResult, WildResult
from .regression import FeolsResult, MediationResult, stars, t_pvalues
from .suite import SuiteResult

__all__ = ["BootstrapResult", "FeolsResult", "MediationResult", "SuiteResult", "WildResult", "stars", "t_pvalues"]
