"""The paper's suite as computed by :func:`resilience_jax.suite.run_suite`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data.spec import StudySpec
from ..data.validate import Panel
from ..index.entropy import EntropyWeights
from .regression import FeolsResult, MediationResult


@dataclass(frozen=True)
class SuiteResult:
    """Every model of the spec on one panel: the entropy weights, the indices (by symbol), the fits
    by key ``(table, outcome, column)`` and the mediations by ``(outcome, variant)``."""

    panel: Panel
    entropy: EntropyWeights
    indices: dict[str, np.ndarray]
    fits: dict[tuple[str, str, str], FeolsResult]
    mediation: dict[tuple[str, str], MediationResult]
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> StudySpec:
        return self.panel.spec
