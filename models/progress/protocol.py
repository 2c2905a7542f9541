"""The one progress-predictor protocol: what the scorer, the server and the assistant need.

Any model family (the transformer regressor of :mod:`models.progress.model`, or a cheaper
one) implements it; :func:`models.progress.load_progress_predictor` returns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

__all__ = ["ProgressPredictor"]


@runtime_checkable
class ProgressPredictor(Protocol):
    """Predicts how many tactics remain from a proof state (LeanProgress's target)."""

    @property
    def input_format(self) -> str:
        """``state`` or ``state+proof``: whether the proof so far is part of the input."""
        ...

    @property
    def n_max(self) -> int:
        """N_max of the progress term: the largest remaining-steps label seen in training."""
        ...

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        """One non-negative prediction per state, in order."""
        ...
