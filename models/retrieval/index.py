"""An exact top-k index for IDF-weighted feature overlap, stored as numpy arrays.

Every row (a traced proof state) is a set of hashed features. The similarity of a query
``q`` and a row ``r`` is ``sum(weight[f] for f in q & r)`` with ``weight`` the IDF
``log((1 + N) / (1 + df))`` (Tactician). The index keeps the rows twice, as CSR (the
features of each row) and as posting lists (the rows of each feature), plain numpy arrays
written with :func:`numpy.save`, so a 250k-row index loads in well under a second.

:meth:`FeatureIndex.top_k` returns the same rows and scores as :meth:`brute_force` while
reading only part of the postings, in the manner of MaxScore: query features are taken
rarest first; a row holding none of the features taken so far scores at most the weight
of the features left (``bound``); the best candidates by partial score are re-ranked
exactly from their CSR rows, giving the k-th score (``threshold``). Once ``bound`` is below
it and few candidates could still overtake, those are re-ranked too and the answer is
exact; otherwise more posting lists are read (at least twice as many postings each
round). Weights are rounded to multiples of 2**-20 so that sums are exact in float64 and
every path agrees bit for bit, ties included (ties go to the lower row).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from search.errors import GeneratorError

__all__ = ["FeatureIndex", "idf_weights", "save_array"]

_ARRAYS = ("vocab", "df", "row_indptr", "row_columns", "post_indptr", "post_rows")
#: Postings read in the first pass before any pruning decision.
FIRST_PASS_POSTINGS = 20_000
#: Candidates re-ranked exactly in the first round (more only when the bound demands).
FIRST_RERANK = 512
_DYADIC_SCALE = float(2**20)
#: Candidates re-ranked exactly at the end; with more, more posting lists are read first.
MAX_CONTENDERS = 2048


def save_array(path: Path, array: NDArray[Any]) -> None:
    """``numpy.save`` through a temporary file and a rename: a process that has the old
    file memory-mapped keeps reading the old data instead of a truncated file."""
    temporary = path.with_name(f".{path.name}.tmp")
    with temporary.open("wb") as handle:
        np.save(handle, array, allow_pickle=False)
    os.replace(temporary, path)


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
    _scratch_array: NDArray[np.float64] | None = field(default=None, init=False, repr=False)
    _scratch_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

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
            save_array(directory / f"{name}.npy", getattr(self, name))

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
        weights = _dyadic(weights)
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
        max_contenders: int = MAX_CONTENDERS,
        max_postings: int | None = None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The ``k`` best rows (score descending, then row ascending) and their scores.

        ``columns`` must be unique; ``weights`` are their positive query weights. The
        tuning knobs change the work done, never the answer, except ``max_postings``: with
        it, a query that would read more postings stops there and returns the best of the
        candidates found so far (re-ranked exactly; approximate, like an LSH lookup).
        """
        if k <= 0 or len(columns) == 0 or self.num_rows == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        weights = _dyadic(weights)
        order = np.lexsort((columns, -weights))
        columns, weights = columns[order], weights[order]
        rest = np.concatenate((np.cumsum(weights[::-1])[::-1], [0.0]))
        postings = np.cumsum(self.post_indptr[columns + 1] - self.post_indptr[columns])
        taken = max(1, int(np.searchsorted(postings, first_pass_postings, side="right")))
        partial = self._partial_scores(columns[:taken], weights[:taken])
        while True:
            candidates = np.flatnonzero(partial)
            if taken == len(columns):
                # Every feature is counted: partial scores are the exact scores.
                return _best(candidates, partial[candidates], k)
            bound = rest[taken]
            leaders = _largest(candidates, partial[candidates], first_rerank)
            rows, scores = _best(leaders, self._exact_scores(leaders, columns, weights), k)
            threshold = scores[-1] if len(scores) == k else 0.0
            if bound < threshold:
                contenders = candidates[partial[candidates] + bound >= threshold]
                if len(contenders) <= max_contenders:
                    return self._with_contenders((rows, scores), contenders, columns, weights, k)
            # Too much is still uncertain: read more posting lists (at least twice as many
            # postings, and at least up to where the weight left falls below the k-th score).
            needed = int(np.searchsorted(-rest, -threshold, side="right"))
            doubled = int(np.searchsorted(postings, 2 * postings[taken - 1], side="right"))
            more = min(len(columns), max(taken + 1, needed, doubled))
            if max_postings is not None and postings[more - 1] > max_postings:
                # Out of budget: the best candidates by partial score, re-ranked exactly.
                shortlist = _largest(candidates, partial[candidates], max_contenders)
                return self._with_contenders((rows, scores), shortlist, columns, weights, k)
            partial += self._partial_scores(columns[taken:more], weights[taken:more])
            taken = more

    def _with_contenders(
        self,
        best: tuple[NDArray[np.int64], NDArray[np.float64]],
        contenders: NDArray[np.int64],
        columns: NDArray[np.int64],
        weights: NDArray[np.float64],
        k: int,
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Merge the exact scores of every candidate that could still reach the k-th score."""
        rows, scores = best
        contenders = contenders[~np.isin(contenders, rows)]
        if len(contenders) == 0:
            return rows, scores
        more = self._exact_scores(contenders, columns, weights)
        return _best(np.concatenate((rows, contenders)), np.concatenate((scores, more)), k)

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
        """Exact similarity of each of ``rows`` from its CSR features.

        The query's weights are written into a vocabulary-sized scratch array so that each
        stored feature costs one gather; the entries are zeroed again before returning.
        """
        starts = self.row_indptr[rows]
        lengths = self.row_indptr[rows + 1] - starts
        features = self.row_columns[_ranges(starts, lengths)]
        if len(features) == 0:
            return np.zeros(len(rows), dtype=np.float64)
        with self._scratch_lock:
            scratch = self._scratch()
            scratch[columns] = weights
            contributions = scratch[features]
            scratch[columns] = 0.0
        offsets = np.cumsum(lengths) - lengths
        sums = np.add.reduceat(contributions, np.minimum(offsets, len(features) - 1))
        return np.where(lengths > 0, sums, 0.0)

    def _scratch(self) -> NDArray[np.float64]:
        """The zeroed weight array, allocated on first use (lazily: loading stays fast)."""
        if self._scratch_array is None:
            object.__setattr__(self, "_scratch_array", np.zeros(len(self.vocab), np.float64))
        assert self._scratch_array is not None
        return self._scratch_array


def _dyadic(weights: NDArray[np.float64]) -> NDArray[np.float64]:
    """Weights rounded to multiples of 2**-20: their sums are exact in float64 whatever the
    order of addition, so every scoring path agrees bit for bit (and ties stay ties)."""
    return np.asarray(np.round(weights * _DYADIC_SCALE) / _DYADIC_SCALE, dtype=np.float64)


def _ranges(starts: NDArray[np.int64], lengths: NDArray[np.int64]) -> NDArray[np.int64]:
    """The concatenation of ``arange(start, start + length)`` for each pair."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return np.asarray(np.arange(total, dtype=np.int64) + offsets, dtype=np.int64)


def _largest(rows: NDArray[np.int64], scores: NDArray[np.float64], count: int) -> NDArray[np.int64]:
    """The ``count`` rows of highest score (any order; ties at the cut arbitrary)."""
    if len(rows) <= count:
        return rows
    return rows[np.argpartition(-scores, count - 1)[:count]]


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
