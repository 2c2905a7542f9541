"""The shared offline metric: whitespace-normalised exact match among k best distinct tactics."""

from __future__ import annotations

import pytest

from models.language.tactic_accuracy import distinct_predictions, top_k_accuracy
from search.errors import ConfigError


def test_whitespace_is_normalised_on_both_sides() -> None:
    """`intros  n.` predicted for reference `intros n.` is a top-1 hit."""
    assert top_k_accuracy([["intros  n."]], [" intros\nn. "], (1,)) == {1: 1.0}


def test_duplicates_do_not_use_up_slots() -> None:
    """Repeated predictions count once, so the reference at distinct rank 2 is a top-2 hit."""
    predictions = [["lia.", "lia. ", " lia.", "auto."]]
    assert distinct_predictions(predictions[0]) == ["lia.", "auto."]
    assert top_k_accuracy(predictions, ["auto."], (1, 2)) == {1: 0.0, 2: 1.0}


def test_accuracy_is_a_share_over_references() -> None:
    """Two of four references found in the top 1 gives 0.5; all four in the top 10 give 1.0."""
    predictions = [["a."], ["b.", "c."], ["x.", "d."], ["e."]]
    references = ["a.", "c.", "d.", "e."]
    assert top_k_accuracy(predictions, references, (1, 10)) == {1: 0.5, 10: 1.0}


def test_mismatched_lengths_and_bad_k_are_refused() -> None:
    """A prediction list per reference is required, and k must be a positive integer."""
    with pytest.raises(ConfigError, match="prediction lists"):
        top_k_accuracy([["a."]], ["a.", "b."], (1,))
    with pytest.raises(ConfigError, match="k must be"):
        top_k_accuracy([["a."]], ["a."], (0,))


def test_empty_evaluation_is_zero() -> None:
    """No reference: every k scores 0.0 rather than dividing by zero."""
    assert top_k_accuracy([], [], (1, 10)) == {1: 0.0, 10: 0.0}
