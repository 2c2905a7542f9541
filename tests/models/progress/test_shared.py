"""Tests of SharedPredictor: one progress model, each search under its own file context."""

from __future__ import annotations

import threading

from models.progress.scorer import ProgressScorer
from models.progress.shared import SharedPredictor
from search.protocols import ScoreRequest
from search.testing import scripted_state
from tests.progress_doubles import ContextRecordingModel


def test_each_view_predicts_under_its_own_context_and_leaves_none_behind() -> None:
    """Two views of one model predict under their own contexts; the model is left empty."""
    model = ContextRecordingModel()
    lock = threading.Lock()
    first, second = SharedPredictor(model, lock=lock), SharedPredictor(model, lock=lock)
    first.set_file_context([3, 1, 4])
    second.set_file_context([2])
    assert first.predict_remaining_steps(["⊢ A"], [[]]) == [3.0]
    assert second.predict_remaining_steps(["⊢ A", "⊢ B"], [[], []]) == [1.0, 1.0]
    assert model.contexts_seen == [(3, 1, 4), (2,)]
    assert model.context == () and model.predict_remaining_steps(["⊢ A"], [[]]) == [0.0]
    assert first.uses_file_context and first.n_max == 10 and first.input_format == "state"


def test_a_model_without_file_context_is_called_as_it_is() -> None:
    """A view of a model trained without context never sets one on it."""
    model = ContextRecordingModel(uses_file_context=False)
    view = SharedPredictor(model, lock=threading.Lock())
    view.set_file_context([5, 5])
    assert not view.uses_file_context
    assert view.predict_remaining_steps(["⊢ A"], [[]]) == [0.0]
    assert model.contexts_seen == [()]


def test_calls_hold_the_shared_lock() -> None:
    """A view's prediction waits for the lock the server's other users hold."""
    model = ContextRecordingModel()
    lock = threading.Lock()
    view = SharedPredictor(model, lock=lock)
    answers: list[list[float]] = []
    with lock:
        worker = threading.Thread(
            target=lambda: answers.append(view.predict_remaining_steps(["⊢ A"], [[]]))
        )
        worker.start()
        worker.join(timeout=0.2)
        assert worker.is_alive() and answers == []
    worker.join(timeout=5)
    assert answers == [[0.0]]


def test_a_scorer_over_a_view_uses_the_views_context() -> None:
    """A ProgressScorer over a view passes the context through set_file_context."""
    model = ContextRecordingModel()
    view = SharedPredictor(model, lock=threading.Lock())
    scorer = ProgressScorer(view, alpha=1.0, n_max=10)
    scorer.set_file_context([1, 2])
    request = ScoreRequest(state=scripted_state("A"), proof_so_far=(), path_score=0.0)
    [score] = scorer.score([request])
    assert score.remaining_steps == 2.0 and view.file_context == (1, 2)
