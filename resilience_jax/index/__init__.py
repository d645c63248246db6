"""Composite indices."""

from .entropy import EntropyWeights, entropy_core, entropy_weights, membership_matrix

__all__ = ["EntropyWeights", "entropy_core", "entropy_weights", "membership_matrix"]
