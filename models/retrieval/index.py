"""An exact top-k index for IDF-weighted feature overlap, stored as numpy arrays.

Every row (a traced proof state) is a set of hashed features. The similarity of a query
``q`` and a row ``r`` is ``sum(weight[f] for f in q & r)`` with ``weight`` the IDF
``log((1 + N) / (1 + df))`` (Tactician). The index keeps the rows twice, as CSR (the
features of each row) and as posting lists (the rows of each feature), both plain numpy
arrays written with :func:`numpy.save`, so a 250k-row index loads in well under a second.

:meth:`FeatureIndex.top_k` is exact (the same rows and scores as :meth:`brute_force`) but
touches only a fraction of the postings, in the manner of MaxScore: query features are
taken rarest first; the rows holding none of the features taken so far cannot score more
than the weight of the features left (``rest``), so once the k-th best exactly re-ranked
score beats ``rest`` the frequent features' long posting lists are never read. The few
candidates that could still overtake are re-ranked exactly from their CSR rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from search.errors import GeneratorError

__all__ = ["FeatureIndex", "idf_weights"]

_ARRAYS = ("vocab", "df", "row_indptr", "row_columns", "post_indptr", "post_rows")
#: Postings read in the first pass before any pruning decision.
FIRST_PASS_POSTINGS = 20_000
#: Candidates re-ranked exactly in the first round (more only when the bound demands).
FIRST_RERANK = 512


def idf_weights(df: NDArray[np.int64], num_rows: int) -> NDArray[np.float64]:
    """Tactician's IDF: ``log((1 + N) / (1 + df))`` per feature."""
    return np.log((1.0 + num_rows) / (1.0 + df.astype(np.float64)))


@dataclass(frozen=True, eq=False)
class FeatureIndex:
    """Rows of hashed features, as CSR plus posting lists over a sorted vocabulary.

    Attributes:
        vocab: sorted unique feature hashes; a feature's column is its position.
        df: rows holding each feature.
        row_indptr, row_columns: CSR, each row's columns sorted.
        post_indptr, post_rows: posting lists, each column's rows sorted.
    """

    vocab: NDArray[np.int64]
    df: NDArray[np.int64]
    row_indptr: NDArray[np.int64]
    row_columns: NDArray[np.int32]
    post_indptr: NDArray[np.int64]
    post_rows: NDArray[np.int32]

    @property
    def num_rows(self) -> int:
        """How many rows the index holds."""
        return len(self.row_indptr) - 1

    @classmethod
    def build(cls, rows: Sequence[NDArray[np.int64]]) -> FeatureIndex:
        """Index ``rows`` (each a sorted unique array of feature hashes)."""
        lengths = np.array([len(row) for row in rows], dtype=np.int64)
        row_indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=row_indptr[1:])
        flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        vocab, columns = np.unique(flat, return_inverse=True)
        row_columns = columns.astype(np.int32).ravel()
        row_of_entry = np.repeat(np.arange(len(rows), dtype=np.int32), lengths)
        order = np.argsort(row_columns, kind="stable")
        df = np.bincount(row_columns, minlength=len(vocab)).astype(np.int64)
        post_indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=post_indptr[1:])
        return cls(
            vocab=vocab.astype(np.int64),
            df=df,
            row_indptr=row_indptr,
            row_columns=row_columns,
            post_indptr=post_indptr,
            post_rows=row_of_entry[order],
        )

    def save(self, directory: Path) -> None:
        """Write every array as ``DIR/<name>.npy``."""
        directory.mkdir(parents=True, exist_ok=True)
        for name in _ARRAYS:
            np.save(directory / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> FeatureIndex:
        """Read an index written by :meth:`save`; a missing or broken array is a GeneratorError."""
        arrays = {}
        for name in _ARRAYS:
            path = directory / f"{name}.npy"
            try:
                arrays[name] = np.load(path, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise GeneratorError(f"{path}: cannot read the knn index array: {exc}") from exc
        return cls(**arrays)

    def columns_of(self, hashes: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """The column of each hash, and which hashes the vocabulary holds at all."""
        positions = np.searchsorted(self.vocab, hashes)
        clipped = np.minimum(positions, max(len(self.vocab) - 1, 0))
        present = self.vocab[clipped] == hashes if len(self.vocab) else np.zeros(len(hashes), bool)
        return clipped.astype(np.int64), present

    def brute_force(
        self, columns: NDArray[np.int64], weights: NDArray[np.float64], k: int
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Reference top-k: score every row from every posting list."""
        scores = self._partial_scores(columns, weights)
        return _best(np.flatnonzero(scores > 0), scores[scores > 0], k)

    def top_k(
        self,
        columns: NDArray[np.int64],
        weights: NDArray[np.float64],
        k: int,
        *,
        first_pass_postings: int = FIRST_PASS_POSTINGS,
        first_rerank: int = FIRST_RERANK,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The ``k`` best rows (score descending, then row ascending) and their scores.

        ``columns`` must be unique; ``weights`` are their positive query weights. The two
        tuning knobs change the work done, never the answer.
        """
        if k <= 0 or len(columns) == 0 or self.num_rows == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        order = np.lexsort((columns, -weights))
        columns, weights = columns[order], weights[order]
        rest = np.concatenate((np.cumsum(weights[::-1])[::-1], [0.0]))
        postings = np.cumsum(self.post_indptr[columns + 1] - self.post_indptr[columns])
        taken = max(1, int(np.searchsorted(postings, first_pass_postings, side="right")))
        while True:
            partial = self._partial_scores(columns[:taken], weights[:taken])
            candidates = np.flatnonzero(partial)
            bound = rest[taken]
            rows, scores = self._rerank_best(
                candidates,
                partial,
                columns=columns,
                weights=weights,
                k=k,
                bound=bound,
                first=first_rerank,
            )
            threshold = scores[-1] if len(scores) == k else 0.0
            if bound < threshold or taken == len(columns):
                return rows, scores
            # Rows outside the candidates might still tie or win: take more features, up to
            # the first point where the weight left falls below the threshold.
            needed = int(np.searchsorted(-rest, -threshold, side="right"))
            taken = min(len(columns), max(taken + 1, needed))

    def _rerank_best(
        self,
        candidates: NDArray[np.int64],
        partial: NDArray[np.float64],
        *,
        columns: NDArray[np.int64],
        weights: NDArray[np.float64],
        k: int,
        bound: float,
        first: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Exact top-k among ``candidates``: re-rank the best by partial score, then any
        candidate whose partial score plus ``bound`` could still reach the k-th score."""
        candidate_partial = partial[candidates]
        by_partial = np.lexsort((candidates, -candidate_partial))
        leaders = candidates[by_partial[:first]]
        rows, scores = _best(leaders, self._exact_scores(leaders, columns, weights), k)
        threshold = scores[-1] if len(scores) == k else 0.0
        rest = candidates[by_partial[first:]]
        contenders = rest[partial[rest] + bound >= threshold]
        if len(contenders):
            more = self._exact_scores(contenders, columns, weights)
            rows, scores = _best(
                np.concatenate((rows, contenders)), np.concatenate((scores, more)), k
            )
        return rows, scores

    def _partial_scores(
        self, columns: NDArray[np.int64], weights: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Per-row sums of ``weights`` over the posting lists of ``columns`` (dense)."""
        starts = self.post_indptr[columns]
        lengths = self.post_indptr[columns + 1] - starts
        rows = self.post_rows[_ranges(starts, lengths)]
        scores = np.bincount(rows, weights=np.repeat(weights, lengths), minlength=self.num_rows)
        return np.asarray(scores, dtype=np.float64)

    def _exact_scores(
        self, rows: NDArray[np.int64], columns: NDArray[np.int64], weights: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Exact similarity of each of ``rows`` from its CSR features."""
        starts = self.row_indptr[rows]
        lengths = self.row_indptr[rows + 1] - starts
        features = self.row_columns[_ranges(starts, lengths)]
        order = np.argsort(columns)
        sorted_columns, sorted_weights = columns[order], weights[order]
        positions = np.minimum(np.searchsorted(sorted_columns, features), len(columns) - 1)
        contributions = np.where(
            sorted_columns[positions] == features, sorted_weights[positions], 0.0
        )
        owner = np.repeat(np.arange(len(rows)), lengths)
        return np.asarray(
            np.bincount(owner, weights=contributions, minlength=len(rows)), dtype=np.float64
        )


def _ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """The concatenation of ``arange(start, start + length)`` for each pair."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.asarray(np.arange(total, dtype=np.int64) + offsets, dtype=np.int64)


def _best(
    rows: NDArray[np.int64], scores: NDArray[np.float64], k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The ``k`` highest scores (ties: lower row first), positive scores only."""
    keep = scores > 0
    rows, scores = rows[keep], scores[keep]
    if len(rows) > 4 * k:
        cut = np.argpartition(-scores, k - 1)[:k]
        threshold = scores[cut].min()
        chosen = scores >= threshold
        rows, scores = rows[chosen], scores[chosen]
    order = np.lexsort((rows, -scores))[:k]
    return rows[order].astype(np.int64), scores[order]
