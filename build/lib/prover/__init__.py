"""Proof-assistant backends, benchmarks, verification, the results store and the CLI."""
