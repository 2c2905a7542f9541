"""File context as progress features: the lengths of the proofs above, in training and search."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest

from models.progress import load_progress_predictor
from models.progress.boosted import BoostedSettings
from models.progress.data import trace_examples
from models.progress.file_context import (
    FILE_CONTEXT_FEATURES,
    FileContextual,
    earlier_proof_lengths,
    file_context_features,
    predict_in_context,
    proof_lengths_in_order,
)
from models.progress.scorer import ProgressScorer
from models.progress.training import TrainingConfig, train_progress_model
from search.protocols import ScoreRequest
from search.testing import scripted_state
from tests.models.progress.conftest import FIXTURE_TRACE

SMALL_TREES = BoostedSettings(rounds=20, min_data_in_leaf=5, feature_bits=12)


def test_features_of_no_proof_are_missing_not_zero() -> None:
    """With no proof above, the count is 0 and every statistic is NaN (missing to the trees)."""
    values = file_context_features([])
    assert len(values) == len(FILE_CONTEXT_FEATURES) and values[0] == 0.0
    assert all(math.isnan(value) for value in values[1:])


def test_features_summarise_log_lengths_in_file_order() -> None:
    """Count, mean, median, max and last of log(1 + length); the last is the nearest proof."""
    values = file_context_features([1, 3, 7])
    logs = [math.log(2), math.log(4), math.log(8)]
    assert values == pytest.approx([3.0, sum(logs) / 3, logs[1], logs[2], logs[2]])
    assert file_context_features([7, 1])[-1] == pytest.approx(math.log(2))


def test_earlier_lengths_hold_only_theorems_above_in_the_same_file() -> None:
    """Each theorem sees the proofs before it in its own file, never its own or another file's."""
    rows = [("f", "a", 2), ("f", "a", 2), ("g", "x", 9), ("f", "b", 5), ("f", "c", 1)]
    contexts = earlier_proof_lengths(rows)
    assert contexts == {"a": (), "x": (), "b": (2,), "c": (2, 5)}


def test_proof_lengths_take_each_theorems_longest_count() -> None:
    """A header's steps give one length per proof: the first step's remaining steps."""
    steps = [("a", 3), ("a", 2), ("a", 1), ("b", 1)]
    assert proof_lengths_in_order(steps) == [3, 1]


def test_trace_examples_carry_the_context_of_their_file() -> None:
    """Trace examples of a file's later theorems know the lengths of the earlier ones."""
    examples = trace_examples(FIXTURE_TRACE)
    by_file: dict[str, list[tuple[int, ...]]] = {}
    for example in examples:
        by_file.setdefault(example.file, []).append(example.earlier_proof_lengths)
    assert all(contexts[0] == () for contexts in by_file.values())
    assert any(len(set(contexts)) > 1 for contexts in by_file.values())


class RecordingPredictor:
    """A FileContextual predictor answering the length of its current context."""

    input_format = "state"
    n_max = 10
    uses_file_context = True

    def __init__(self) -> None:
        self.context: tuple[int, ...] = ()
        self.calls = 0

    def set_file_context(self, proof_lengths: Sequence[int]) -> None:
        self.context = tuple(proof_lengths)

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        self.calls += 1
        return [float(sum(self.context)) for _ in states]


def test_predict_in_context_gives_each_state_its_own_context() -> None:
    """Held-out states of different files are predicted under their own context, then reset."""
    predictor = RecordingPredictor()
    assert isinstance(predictor, FileContextual)
    values = predict_in_context(predictor, ["a", "b", "c"], [[], [], []], [(1, 2), (), (1, 2)])
    assert values == [3.0, 0.0, 3.0] and predictor.calls == 2 and predictor.context == ()


def test_scorer_ignores_context_for_a_predictor_that_does_not_use_it() -> None:
    """A model trained without context never sees it, and its cache is kept."""
    predictor = RecordingPredictor()
    predictor.uses_file_context = False
    scorer = ProgressScorer(predictor, alpha=1.0)
    scorer.set_file_context([4, 2])
    assert predictor.context == () and not scorer.uses_file_context


def test_scorer_forwards_context_and_forgets_predictions_made_without_it() -> None:
    """A new context empties the scorer's cache, so the same state is predicted again."""
    predictor = RecordingPredictor()
    scorer = ProgressScorer(predictor, alpha=1.0)
    request = ScoreRequest(state=scripted_state("A"), proof_so_far=(), path_score=0.0)
    assert scorer.score([request])[0].remaining_steps == 0.0
    scorer.set_file_context([4, 2])
    assert scorer.score([request])[0].remaining_steps == 6.0
    scorer.set_file_context([4, 2])
    scorer.score([request])
    assert predictor.calls == 2 and scorer.cache_hits == 1


def test_trained_model_records_and_uses_the_context(tmp_path: Path) -> None:
    """A boosted model trained with file context says so in its manifest and reads the
    context it is given; without the flag the manifest says no and the context is ignored."""
    pytest.importorskip("lightgbm")
    examples = trace_examples(FIXTURE_TRACE)
    with_context = tmp_path / "with"
    train_progress_model(
        TrainingConfig(data=(FIXTURE_TRACE,), output=with_context, boosted=SMALL_TREES), examples
    )
    manifest = json.loads((with_context / "progress_manifest.json").read_text())
    assert manifest["file_context"] is True
    predictor = load_progress_predictor(with_context)
    assert isinstance(predictor, FileContextual)
    without = tmp_path / "without"
    settings = BoostedSettings(rounds=20, min_data_in_leaf=5, feature_bits=12, file_context=False)
    train_progress_model(
        TrainingConfig(data=(FIXTURE_TRACE,), output=without, boosted=settings), examples
    )
    plain = load_progress_predictor(without)
    assert json.loads((without / "progress_manifest.json").read_text())["file_context"] is False
    state, proof = ["x : nat\n⊢ x + 0 = x"], [["intros"]]
    before = plain.predict_remaining_steps(state, proof)
    assert isinstance(plain, FileContextual) and not plain.uses_file_context
    assert predictor.uses_file_context
    plain.set_file_context([40, 60, 80])
    assert plain.predict_remaining_steps(state, proof) == before


def test_bad_file_context_setting_is_named() -> None:
    """A non-boolean file_context is refused with the field's name."""
    from search.errors import ConfigError

    with pytest.raises(ConfigError, match="file_context"):
        BoostedSettings(file_context="yes")  # type: ignore[arg-type]
