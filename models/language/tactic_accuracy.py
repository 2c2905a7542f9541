"""Offline tactic accuracy: exact match of predicted tactics against the traced ones.

The definition shared by every learned generator (retrieval and language model), so their
figures compare: a prediction matches when it equals the reference tactic after both are
whitespace-normalised (every run of whitespace collapsed to one space, ends stripped), and
top-k accuracy counts a hit when the reference is among the first ``k`` *distinct*
normalised predictions of a best-first list (duplicates do not use up a slot).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from search.errors import ConfigError
from search.states import normalize_text

__all__ = ["distinct_predictions", "top_k_accuracy"]


def distinct_predictions(predictions: Iterable[str]) -> list[str]:
    """The normalised predictions in order, each kept at its first position; empties dropped."""
    seen: dict[str, None] = {}
    for prediction in predictions:
        key = normalize_text(prediction)
        if key:
            seen.setdefault(key, None)
    return list(seen)


def top_k_accuracy(
    predictions: Sequence[Sequence[str]], references: Sequence[str], ks: Sequence[int]
) -> dict[int, float]:
    """For each ``k`` in ``ks``, the share of references found in the k best distinct predictions.

    ``predictions[i]`` is the best-first list proposed for the state whose traced tactic is
    ``references[i]``. An empty evaluation set gives 0.0 for every ``k``.
    """
    if len(predictions) != len(references):
        raise ConfigError(
            f"{len(predictions)} prediction lists for {len(references)} reference tactics"
        )
    for k in ks:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ConfigError(f"k must be a positive integer, got {k!r}")
    hits = dict.fromkeys(ks, 0)
    for proposed, reference in zip(predictions, references, strict=True):
        target = normalize_text(reference)
        ranked = distinct_predictions(proposed)
        position = ranked.index(target) if target in ranked else None
        for k in ks:
            if position is not None and position < k:
                hits[k] += 1
    total = len(references)
    return {k: (hits[k] / total if total else 0.0) for k in ks}
