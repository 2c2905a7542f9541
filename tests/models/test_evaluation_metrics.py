"""The shared offline metric: whitespace-normalised exact match at k."""

from __future__ import annotations

import pytest

from models.evaluation_metrics import most_frequent_tactics, normalize_tactic, top_k_accuracy


def test_normalisation_ignores_spacing_and_final_period() -> None:
    """Spacing runs and the final period do not change a tactic."""
    assert normalize_tactic("  intros   x  y .") == "intros x y"
    assert normalize_tactic("auto") == normalize_tactic("auto.")


def test_top_k_counts_first_positions() -> None:
    """A hit at position 3 counts for top-10 but not top-1; duplicates count once."""
    predictions = [["auto.", "auto", "lia", "ring"], ["simpl.", "lia."], []]
    targets = ["lia.", "simpl", "trivial."]
    assert top_k_accuracy(predictions, targets, ks=(1, 2, 10)) == pytest.approx(
        {"top1": 1 / 3, "top2": 2 / 3, "top10": 2 / 3}
    )


def test_mismatched_lengths_are_an_error() -> None:
    """Predictions and targets must pair up."""
    with pytest.raises(ValueError, match="2 predictions for 1 targets"):
        top_k_accuracy([[], []], ["auto"])


def test_most_frequent_ranks_by_count_then_name() -> None:
    """The baseline list is ordered by frequency, ties alphabetically."""
    tactics = ["auto.", "lia.", "auto", "ring.", "lia", "auto."]
    assert most_frequent_tactics(tactics, 3) == ["auto", "lia", "ring"]
