"""Tactic generators (the built-in portfolio, model-based ones) and the progress predictor."""
