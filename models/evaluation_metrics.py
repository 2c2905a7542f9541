"""Offline metrics shared by every learned generator (knn, lm) and their baselines.

The metric is next-tactic exact match after whitespace normalisation: a prediction counts
at ``k`` when one of its first ``k`` tactics equals the traced tactic once both have their
whitespace collapsed and a final ``.`` removed (``auto.`` and ``auto`` are the same
tactic; the search runs either). Every figure in ``metrics.json`` comes from
:func:`top_k_accuracy`, so the kinds are compared on one definition.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from search.states import normalize_text

__all__ = ["most_frequent_tactics", "normalize_tactic", "top_k_accuracy"]


def normalize_tactic(tactic: str) -> str:
    """Whitespace collapsed, final period removed: ``"intros  x ."`` -> ``"intros x"``."""
    text = normalize_text(tactic)
    return text[:-1].rstrip() if text.endswith(".") else text


def top_k_accuracy(
    predictions: Sequence[Sequence[str]], targets: Sequence[str], ks: Iterable[int] = (1, 10)
) -> dict[str, float]:
    """``{"top1": ..., "top10": ...}``: share of targets found among the first k predictions.

    ``predictions[i]`` is the ranked tactic list for the state whose traced tactic is
    ``targets[i]``; duplicates in a list count once at their first position.
    """
    if len(predictions) != len(targets):
        raise ValueError(f"{len(predictions)} predictions for {len(targets)} targets")
    ks = tuple(ks)
    hits = dict.fromkeys(ks, 0)
    for predicted, target in zip(predictions, targets, strict=True):
        wanted = normalize_tactic(target)
        ranked = list(dict.fromkeys(normalize_tactic(p) for p in predicted))
        position = ranked.index(wanted) if wanted in ranked else None
        for k in ks:
            hits[k] += position is not None and position < k
    total = len(targets)
    return {f"top{k}": (hits[k] / total if total else 0.0) for k in ks}


def most_frequent_tactics(tactics: Iterable[str], count: int = 10) -> list[str]:
    """The ``count`` most frequent normalised tactics (ties: alphabetical), the baseline."""
    counts = Counter(normalize_tactic(t) for t in tactics)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [tactic for tactic, _ in ranked[:count]]
