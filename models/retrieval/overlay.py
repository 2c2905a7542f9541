"""Rows learned during a run (online learning), scored by brute force.

The prover hands the generator the steps of a file's header proofs and of every proof it
finds (:meth:`~search.protocols.OnlineLearner.learn`). Those rows number in the hundreds or
thousands, so they live in memory beside the saved index and are scored exhaustively; their
document frequencies are added to the index's when query weights are computed, so the IDF
covers both.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from numpy.typing import NDArray

__all__ = ["OverlayRows"]


class OverlayRows:
    """Learned rows: feature hashes, tactic, state text and the theorem they came from."""

    def __init__(self) -> None:
        self._features: list[NDArray[np.int64]] = []
        self.tactics: list[str] = []
        self.states: list[str] = []
        self.theorems: list[str] = []
        self.holes: list[tuple[str, ...]] = []
        self._df: Counter[int] = Counter()
        self._flat: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
        self._seen: set[tuple[str, str]] = set()

    def __len__(self) -> int:
        return len(self.tactics)

    def add(
        self,
        features: NDArray[np.int64],
        *,
        tactic: str,
        state: str,
        theorem: str,
        holes: tuple[str, ...] = (),
    ) -> bool:
        """Add one row; an identical (state, tactic) pair already held is skipped (False).

        ``holes`` are the source hypotheses the tactic names (see ``tactic_holes``).
        """
        key = (state, tactic)
        if key in self._seen:
            return False
        self._seen.add(key)
        self._features.append(features)
        self.tactics.append(tactic)
        self.states.append(state)
        self.theorems.append(theorem)
        self.holes.append(holes)
        self._df.update(int(value) for value in features)
        self._flat = None
        return True

    def document_frequencies(self, hashes: NDArray[np.int64]) -> NDArray[np.int64]:
        """How many learned rows hold each of ``hashes``."""
        return np.array([self._df.get(int(value), 0) for value in hashes], dtype=np.int64)

    def scores(
        self, hashes: NDArray[np.int64], weights: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """The similarity of every learned row to a query (``hashes`` sorted, unique)."""
        if not self.tactics or len(hashes) == 0:
            return np.zeros(len(self.tactics), dtype=np.float64)
        flat, owner = self._flattened()
        positions = np.minimum(np.searchsorted(hashes, flat), len(hashes) - 1)
        contributions = np.where(hashes[positions] == flat, weights[positions], 0.0)
        scores = np.bincount(owner, weights=contributions, minlength=len(self.tactics))
        return np.asarray(scores, dtype=np.float64)

    def _flattened(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        if self._flat is None:
            lengths = np.array([len(f) for f in self._features], dtype=np.int64)
            flat = np.concatenate(self._features) if self._features else np.zeros(0, np.int64)
            owner = np.repeat(np.arange(len(self._features), dtype=np.int64), lengths)
            self._flat = (flat, owner)
        return self._flat
