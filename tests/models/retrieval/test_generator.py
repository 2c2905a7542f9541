"""The knn generator: calibrated candidates, online learning, protocol conformance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.retrieval.generator import KnnGenerator
from models.retrieval.model import KnnModel
from search.errors import ConfigError
from search.protocols import OnlineLearner, ProofStep, TacticGenerator
from tests.models.retrieval.conftest import goal_request

MUL_POS = (
    [("u v", "nat"), ("Hu", "0 < u"), ("Hv", "0 < v")],
    "0 < u * v",
)


def test_implements_generator_and_learner(knn_model_dir: Path) -> None:
    """KnnGenerator is both a TacticGenerator and an OnlineLearner."""
    generator = KnnGenerator.from_directory(knn_model_dir)
    assert isinstance(generator, TacticGenerator) and isinstance(generator, OnlineLearner)


def test_candidates_are_adapted_calibrated_and_sorted(knn_model_dir: Path) -> None:
    """A state like a traced one gets that proof's tactic first, adapted, scores descending."""
    generator = KnnGenerator.from_directory(knn_model_dir)
    [candidates] = generator.generate([goal_request(*MUL_POS, num_candidates=5)])
    tactics = [c.tactic for c in candidates]
    assert tactics[0] == "apply Nat.mul_pos_pos"
    assert "exact Hu" in tactics and not any(t.endswith(".") for t in tactics)
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True) and len(candidates) <= 5
    assert all(-12.0 < s < 0.0 for s in scores)


def test_learned_steps_are_retrieved_by_later_queries(knn_model_dir: Path) -> None:
    """After learn(), a new state's tactic is proposed first; never for its own theorem."""
    generator = KnnGenerator.from_directory(knn_model_dir)
    hypotheses = [("x", "R"), ("Hx", "Rabs x < 1")]
    request = goal_request(hypotheses, "Rabs (x * x) < 1", theorem="later")
    [before] = generator.generate([request])
    assert "apply Rabs_square_lt_one; exact Hx" not in [c.tactic for c in before]
    step = ProofStep(
        state=request.state.text,
        tactic="apply Rabs_square_lt_one; exact Hx.",
        remaining_steps=1,
        theorem="square_lt",
    )
    generator.learn([step, step])
    assert len(generator.overlay) == 1
    [after] = generator.generate([request])
    assert after[0].tactic == "apply Rabs_square_lt_one; exact Hx"
    own = goal_request(hypotheses, "Rabs (x * x) < 1", theorem="square_lt")
    [again] = generator.generate([own])
    assert "apply Rabs_square_lt_one; exact Hx" not in [c.tactic for c in again]


@pytest.mark.parametrize("tactic", ["admit.", "fix IH 1.", "cofix CIH."])
def test_unsound_or_giving_up_tactics_are_never_proposed(knn_model_dir: Path, tactic: str) -> None:
    """A learned `admit` or `fix` (guard checked only at Qed) is never a candidate."""
    generator = KnnGenerator.from_directory(knn_model_dir)
    request = goal_request([("b", "bool")], "negb (negb b) = b")
    generator.learn([ProofStep(state=request.state.text, tactic=tactic, remaining_steps=1)])
    [candidates] = generator.generate([request])
    assert candidates and all(c.tactic != tactic.rstrip(".") for c in candidates)


def test_wrong_kind_directory_is_refused_with_its_path(tmp_path: Path) -> None:
    """A directory whose kind.json says lm, or without kind.json, is one ConfigError line."""
    (tmp_path / "kind.json").write_text(json.dumps({"kind": "lm"}))
    with pytest.raises(ConfigError, match=rf"{tmp_path}: a 'lm' model directory"):
        KnnModel.load(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match=rf"{empty}: not a knn model directory"):
        KnnGenerator.from_directory(empty)


def test_neighbours_override(knn_model_dir: Path) -> None:
    """from_directory(neighbours=1) retrieves a single row, so one tactic at most."""
    generator = KnnGenerator.from_directory(knn_model_dir, neighbours=1)
    [candidates] = generator.generate([goal_request(*MUL_POS)])
    assert len(candidates) == 1
