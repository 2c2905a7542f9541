"""The file a proof sits in, as progress features: how long the proofs above it were.

Proof length is a matter of the file as much as of the goal: a file of trigonometry
proves in long chains, a file of set facts in one-liners. When the prover works in a real
file (``prove --file``, ``assist --file``) the proofs of the lemmas above the theorem are
known, replayed from the header as knn's online learning does, so their lengths are
fair input: the same information the trace gives for a held-out file's theorem about
the theorems before it in that file. A benchmark theorem with no proof above it has an
empty context, which the trees see as missing values.

:data:`FILE_CONTEXT_FEATURES` are computed from the lengths alone
(:func:`file_context_features`); :func:`earlier_proof_lengths` reads them off trace
rows for training; :class:`FileContextual` is what a predictor implements to take them
during a search; :func:`predict_in_context` evaluates held-out examples through that
same path, one context at a time.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from models.progress.protocol import ProgressPredictor

__all__ = [
    "FILE_CONTEXT_FEATURES",
    "FileContextual",
    "context_user",
    "earlier_proof_lengths",
    "file_context_features",
    "predict_in_context",
    "proof_lengths_in_order",
]

#: The columns: proofs above, then the mean, median, maximum and last of their log(1 + length).
FILE_CONTEXT_FEATURES = (
    "file_proofs",
    "file_log_length_mean",
    "file_log_length_median",
    "file_log_length_max",
    "file_log_length_last",
)


@runtime_checkable
class FileContextual(Protocol):
    """A predictor (or scorer) that can take the lengths of the proofs above the theorem."""

    @property
    def uses_file_context(self) -> bool:
        """Whether the context changes its predictions (a model trained with it)."""
        ...

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        """Predict from now on for a theorem below proofs of these lengths (file order)."""
        ...


def context_user(candidate: object) -> FileContextual | None:
    """``candidate`` if the proofs above a theorem change its predictions, else None."""
    if isinstance(candidate, FileContextual) and candidate.uses_file_context:
        return candidate
    return None


def file_context_features(proof_lengths: Sequence[int]) -> list[float]:
    """The :data:`FILE_CONTEXT_FEATURES` values; NaN (missing) statistics with no proof."""
    if not proof_lengths:
        return [0.0] + [math.nan] * (len(FILE_CONTEXT_FEATURES) - 1)
    logs = [math.log1p(max(0, length)) for length in proof_lengths]
    return [
        float(len(logs)),
        statistics.fmean(logs),
        float(statistics.median(logs)),
        max(logs),
        logs[-1],
    ]


def proof_lengths_in_order(steps: Iterable[tuple[str, int]]) -> list[int]:
    """Each proof's length, in order of first appearance, from (theorem, proof length) pairs."""
    lengths: dict[str, int] = {}
    for theorem, length in steps:
        lengths[theorem] = max(length, lengths.get(theorem, 0))
    return list(lengths.values())


def earlier_proof_lengths(
    theorems: Iterable[tuple[str, str, int]],
) -> dict[str, tuple[int, ...]]:
    """For each theorem, the lengths of the proofs before it in its file.

    ``theorems`` are (file, theorem, proof length) in file order, repeats allowed (one per
    step); a theorem's context holds only theorems that first appeared before it.
    """
    seen: dict[str, list[int]] = {}
    contexts: dict[str, tuple[int, ...]] = {}
    for file, theorem, length in theorems:
        if theorem in contexts:
            continue
        above = seen.setdefault(file, [])
        contexts[theorem] = tuple(above)
        above.append(length)
    return contexts


def predict_in_context(
    predictor: ProgressPredictor,
    states: Sequence[str],
    proofs_so_far: Sequence[Sequence[str]],
    contexts: Sequence[Sequence[int]],
) -> list[float]:
    """Predictions for states from different files, each under its own file context.

    A predictor that uses file context is given each distinct context in turn (the path a
    search takes) and is left with an empty one; any other predictor is called once.
    """
    contextual = context_user(predictor)
    if contextual is None:
        return predictor.predict_remaining_steps(states, proofs_so_far)
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, context in enumerate(contexts):
        groups.setdefault(tuple(context), []).append(index)
    predictions = [0.0] * len(states)
    try:
        for context, indices in groups.items():
            contextual.set_file_context(context)
            values = predictor.predict_remaining_steps(
                [states[i] for i in indices], [proofs_so_far[i] for i in indices]
            )
            for index, value in zip(indices, values, strict=True):
                predictions[index] = value
    finally:
        contextual.set_file_context(())
    return predictions
