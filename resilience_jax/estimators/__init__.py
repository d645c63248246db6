"""Estimators: within transformation, OLS with masks, mediation."""
