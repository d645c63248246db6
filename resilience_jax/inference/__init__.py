"""Inference: variance estimators, significance tests, resampling."""
