"""Neighbour-label features of the boosted progress family: how long similar proofs ran.

How many steps remain depends on the whole proof, which one state shows only in part; the
training states most like it (Tactician's retrieval similarity: IDF-weighted overlap of
:func:`models.retrieval.features.hashed_features`) carry their own remaining steps and
proof lengths. :class:`NeighbourLabels` keeps the training states in a
:class:`~models.retrieval.index.FeatureIndex` with those labels, and
:meth:`NeighbourLabels.features` summarises the ``k`` nearest of each state as
:data:`NEIGHBOUR_FEATURES` (NaN where a state has no neighbour: LightGBM reads NaN as
missing), which the trees take beside the hashed features.

A training state must not see its own proof: held-out states come from files the model
never saw (the trace splits by file), so each training state's neighbours exclude its own
*group*, the file of a trace row or the theorem of a search proof (:func:`group_key`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from models.progress.data import RUN_SOURCE_PREFIX, ProgressExample
from models.retrieval.features import hashed_features
from models.retrieval.index import FeatureIndex, idf_weights, save_array
from search.errors import InputError

__all__ = ["NEIGHBOUR_DIRECTORY", "NEIGHBOUR_FEATURES", "NeighbourLabels", "group_key"]

#: Where a boosted model directory keeps its neighbour index.
NEIGHBOUR_DIRECTORY = "neighbours"
NEIGHBOUR_FEATURES = (
    "nearest_log_remaining",
    "weighted_log_remaining",
    "median_log_remaining",
    "min_log_remaining",
    "max_log_remaining",
    "weighted_log_length",
    "median_log_length",
    "nearest_similarity",
    "farthest_similarity",
    "share_last_step",
)
#: Neighbours fetched per wanted one when a state's own group is excluded.
EXCLUSION_HEADROOM = 4
_LABEL_ARRAYS = ("remaining", "lengths", "groups")


def group_key(example: ProgressExample) -> str:
    """What a training state must not be its own neighbour through: its trace file, or the
    theorem of a search proof (a run's proofs share one file name, the run)."""
    if example.source.startswith(RUN_SOURCE_PREFIX):
        return f"theorem:{example.theorem}"
    return f"file:{example.file}"


@dataclass(frozen=True, eq=False)
class NeighbourLabels:
    """Training states (as an index) with their remaining steps, proof lengths and groups."""

    index: FeatureIndex
    remaining: NDArray[np.float64]
    lengths: NDArray[np.float64]
    groups: NDArray[np.int64]

    @classmethod
    def build(cls, examples: Sequence[ProgressExample]) -> NeighbourLabels:
        """Index ``examples`` (row i is example i) with their labels and group numbers."""
        numbers: dict[str, int] = {}
        groups = [numbers.setdefault(group_key(e), len(numbers)) for e in examples]
        return cls(
            index=FeatureIndex.build([hashed_features(e.state) for e in examples]),
            remaining=np.asarray([e.remaining_steps for e in examples], dtype=np.float64),
            lengths=np.asarray([e.proof_length for e in examples], dtype=np.float64),
            groups=np.asarray(groups, dtype=np.int64),
        )

    def save(self, directory: Path) -> None:
        """Write the index and the label arrays under ``directory``."""
        self.index.save(directory)
        for name in _LABEL_ARRAYS:
            save_array(directory / f"{name}.npy", getattr(self, name))

    @classmethod
    def load(cls, directory: Path) -> NeighbourLabels:
        """Read what :meth:`save` wrote; a missing or broken array is an InputError."""
        if not directory.is_dir():
            raise InputError(f"{directory}: the boosted model's neighbour index is missing")
        arrays = {}
        for name in _LABEL_ARRAYS:
            try:
                arrays[name] = np.load(directory / f"{name}.npy", allow_pickle=False)
            except (OSError, ValueError) as error:
                raise InputError(f"{directory}: cannot read {name}.npy: {error}") from error
        labels = cls(index=FeatureIndex.load(directory), **arrays)
        if not len(labels.remaining) == len(labels.lengths) == len(labels.groups):
            raise InputError(f"{directory}: label arrays of different lengths")
        if len(labels.remaining) != labels.index.num_rows:
            raise InputError(f"{directory}: {labels.index.num_rows} rows but other labels")
        return labels

    def features(
        self, states: Sequence[str], k: int, *, own_rows: Sequence[int] | None = None
    ) -> NDArray[np.float32]:
        """One row of :data:`NEIGHBOUR_FEATURES` per state, from its ``k`` nearest rows.

        ``own_rows[i]`` (training) is state i's own row: rows of its group are skipped.
        """
        block = np.full((len(states), len(NEIGHBOUR_FEATURES)), np.nan, dtype=np.float32)
        for position, state in enumerate(states):
            columns, present = self.index.columns_of(hashed_features(state))
            columns = np.unique(columns[present])
            if len(columns) == 0:
                continue
            # IDF of the query's own features only (as the knn retriever does), not the vocabulary.
            weights = idf_weights(self.index.df[columns], self.index.num_rows)
            wanted = k if own_rows is None else k * EXCLUSION_HEADROOM
            rows, scores = self.index.top_k(columns, weights, wanted)
            if own_rows is not None:
                keep = self.groups[rows] != self.groups[own_rows[position]]
                rows, scores = rows[keep][:k], scores[keep][:k]
            if len(rows):
                block[position] = self._summary(rows, scores, float(weights.sum()))
        return block

    def _summary(
        self, rows: NDArray[np.int64], scores: NDArray[np.float64], self_score: float
    ) -> list[float]:
        remaining = np.log1p(self.remaining[rows])
        lengths = np.log1p(self.lengths[rows])
        shares = scores / scores.sum()
        return [
            float(remaining[0]),
            float(shares @ remaining),
            float(np.median(remaining)),
            float(remaining.min()),
            float(remaining.max()),
            float(shares @ lengths),
            float(np.median(lengths)),
            float(scores[0] / self_score),
            float(scores[-1] / self_score),
            float(np.mean(self.remaining[rows] == 1)),
        ]
