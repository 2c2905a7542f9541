"""Proof-assistant backends behind :class:`search.ProofEnvironment`."""
