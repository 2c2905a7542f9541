"""Tactician-style retrieval of tactics: features of proof states, an IDF-weighted index,
adaptation of retrieved tactics to the current context, and the ``knn`` generator."""
