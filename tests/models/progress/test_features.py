"""Features of the boosted family: retrieval features over every goal, counts, history."""

from __future__ import annotations

import pytest

from models.progress.features import DENSE_FEATURES, feature_matrix, state_counts, tactic_heads
from models.retrieval.features import feature_hash, goal_features
from models.retrieval.state_text import parse_state_text

pytest.importorskip("scipy")

TWO_GOALS = "n : nat\n⊢ n + 0 = n\n\nm : nat\nH : m = 0\n⊢ m * 2 = 0"


def test_hashed_columns_are_the_retrieval_features_of_every_goal() -> None:
    """Each goal's retrieval features are counted; a feature of both goals counts 2."""
    columns, dense = state_counts(TWO_GOALS, (), history=False, feature_bits=20)
    first, second = (goal_features(goal) for goal in parse_state_text(TWO_GOALS))
    mask = (1 << 20) - 1
    for feature in first | second:
        assert columns[feature_hash(feature) & mask] >= 1
    shared = next(iter(first & second))
    assert columns[feature_hash(shared) & mask] >= 2
    assert dict(zip(DENSE_FEATURES, dense, strict=True))["goals"] == 2
    assert dict(zip(DENSE_FEATURES, dense, strict=True))["hypotheses"] == 3


def test_history_adds_tactic_heads_only_when_asked() -> None:
    """With history, the head words of the tactics so far become columns, and depth counts."""
    plain, dense = state_counts(
        TWO_GOALS, ("intros n; induction n",), history=False, feature_bits=20
    )
    with_history, _ = state_counts(
        TWO_GOALS, ("intros n; induction n",), history=True, feature_bits=20
    )
    mask = (1 << 20) - 1
    assert feature_hash("hist:induction") & mask in with_history
    assert feature_hash("last0:intros") & mask in with_history
    assert feature_hash("hist:induction") & mask not in plain
    assert dict(zip(DENSE_FEATURES, dense, strict=True))["proof_so_far_length"] == 1
    assert tactic_heads("intros; [ lia | (auto with arith) ].") == ["intros", "lia", "auto"]


def test_matrix_has_one_row_per_state_and_dense_columns_last() -> None:
    """The CSR matrix has the hashed width plus the dense counts; rows follow the input."""
    matrix = feature_matrix(["⊢ True", TWO_GOALS], [(), ("intro",)], history=True, feature_bits=10)
    assert matrix.shape == (2, (1 << 10) + len(DENSE_FEATURES))
    goals_column = (1 << 10) + DENSE_FEATURES.index("goals")
    assert matrix[0, goals_column] == 1 and matrix[1, goals_column] == 2
    with pytest.raises(ValueError, match="2 states but 1"):
        feature_matrix(["a", "b"], [()], history=False)
