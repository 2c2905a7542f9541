"""From a state's text to ranked tactics: features, neighbours, adaptation, merging.

:class:`Retriever` queries the saved :class:`~models.retrieval.index.FeatureIndex` and the
in-memory :class:`~models.retrieval.overlay.OverlayRows` with one set of IDF weights (both
sources' document frequencies), keeps the ``neighbours`` most similar rows, adapts each
row's tactic to the query's first goal and merges duplicates: a tactic scores its best
row's similarity (``max``, Tactician) or the sum over its rows (``sum``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from models.retrieval.adaptation import adapt_tactic
from models.retrieval.features import hashed_features
from models.retrieval.model import KnnModel
from models.retrieval.overlay import OverlayRows
from models.retrieval.state_text import GoalText, first_goal_text

__all__ = ["Neighbour", "RankedTactic", "Retriever"]


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A similar row: its similarity, its tactic, and where it lives (index or overlay)."""

    similarity: float
    tactic: str
    row: int
    learned: bool


@dataclass(frozen=True, slots=True)
class RankedTactic:
    """A merged, adapted tactic with its aggregated similarity and the query's self-similarity."""

    tactic: str
    similarity: float
    self_similarity: float

    @property
    def ratio(self) -> float:
        """Aggregated similarity relative to the query's own weight (0 when it has none)."""
        return self.similarity / self.self_similarity if self.self_similarity > 0 else 0.0


class Retriever:
    """Nearest rows and ranked tactics for rendered states."""

    def __init__(self, model: KnnModel, overlay: OverlayRows | None = None) -> None:
        self.model = model
        self.overlay = overlay if overlay is not None else OverlayRows()

    def neighbours(
        self, text: str, *, limit: int, exclude_theorem: str | None = None
    ) -> tuple[list[Neighbour], float]:
        """The ``limit`` most similar rows (best first) and the query's self-similarity.

        Learned rows of ``exclude_theorem`` are skipped, so that a theorem never retrieves
        its own proof (a repeated attempt in the same run).
        """
        hashes = hashed_features(text)
        if len(hashes) == 0:
            return [], 0.0
        columns, present = self.model.index.columns_of(hashes)
        df = np.where(present, self.model.index.df[columns], 0)
        df = df + self.overlay.document_frequencies(hashes)
        total_rows = self.model.index.num_rows + len(self.overlay)
        weights = np.log((1.0 + total_rows) / (1.0 + df.astype(np.float64)))
        self_similarity = float(weights[df > 0].sum())
        usable = present & (weights > 0)
        rows, scores = self.model.index.top_k(
            columns[usable],
            weights[usable],
            limit,
            max_postings=self.model.settings.max_postings,
        )
        found = [
            Neighbour(float(s), self.model.tactics[self.model.tactic_ids[r]], int(r), False)
            for r, s in zip(rows, scores, strict=True)
        ]
        found.extend(self._learned(hashes, weights, limit, exclude_theorem))
        found.sort(key=lambda n: (-n.similarity, n.learned is False, n.row))
        return found[:limit], self_similarity

    def _learned(
        self,
        hashes: NDArray[np.int64],
        weights: NDArray[np.float64],
        limit: int,
        exclude_theorem: str | None,
    ) -> list[Neighbour]:
        if not len(self.overlay):
            return []
        scores = self.overlay.scores(hashes, weights)
        if exclude_theorem:
            excluded = [t == exclude_theorem for t in self.overlay.theorems]
            scores = np.where(excluded, 0.0, scores)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [
            Neighbour(float(scores[i]), self.overlay.tactics[i], int(i), True)
            for i in order
            if scores[i] > 0
        ]

    def ranked_tactics(
        self, text: str, *, limit: int | None = None, exclude_theorem: str | None = None
    ) -> list[RankedTactic]:
        """Adapted, merged tactics for ``text``, best first (at most ``limit``)."""
        settings = self.model.settings
        neighbours, self_similarity = self.neighbours(
            text, limit=settings.neighbours, exclude_theorem=exclude_theorem
        )
        target = first_goal_text(text)
        if target is None or not neighbours:
            return []
        merged: dict[str, float] = {}
        by_best_row = settings.aggregation == "max"
        for neighbour in neighbours:
            if by_best_row and limit is not None and len(merged) >= limit:
                break  # later rows rank below every tactic kept (neighbours come best first)
            tactic = self._adapted(neighbour, target)
            if tactic is None:
                continue
            previous = merged.get(tactic)
            if previous is None:
                merged[tactic] = neighbour.similarity
            elif settings.aggregation == "sum":
                merged[tactic] = previous + neighbour.similarity
        ranked = sorted(merged.items(), key=lambda item: -item[1])
        if limit is not None:
            ranked = ranked[:limit]
        return [RankedTactic(t, s, self_similarity) for t, s in ranked]

    def _adapted(self, neighbour: Neighbour, target: GoalText) -> str | None:
        """The neighbour's tactic adapted to ``target``; its state is read only if the
        tactic names hypotheses of its source."""
        if neighbour.learned:
            holes: Sequence[str] = self.overlay.holes[neighbour.row]
        else:
            holes = self.model.holes[neighbour.row].split()
        if not holes:
            return neighbour.tactic
        if neighbour.learned:
            source = _first_goal(self.overlay.states[neighbour.row])
        else:
            source = _first_goal(self.model.states[neighbour.row])
        return adapt_tactic(neighbour.tactic, source=source, target=target)


@functools.lru_cache(maxsize=1 << 14)
def _first_goal(text: str) -> GoalText | None:
    return first_goal_text(text)
