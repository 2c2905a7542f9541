"""Fixtures of the retrieval tests: the fixture trace (real coqtop states) and a model on it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from models.retrieval.training import KnnTrainingConfig, train_knn
from search.protocols import GenerationRequest
from search.states import Goal, Hypothesis, ProofState, Theorem

FIXTURE_TRACE = Path(__file__).resolve().parents[2] / "fixtures" / "knn_trace"


def fixture_rows() -> list[dict[str, object]]:
    """Every row of the fixture trace (states printed by a real coqtop)."""
    with gzip.open(FIXTURE_TRACE / "steps.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


@pytest.fixture(scope="session")
def knn_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A knn model trained on the fixture trace (built once per session)."""
    output = tmp_path_factory.mktemp("knn") / "model"
    train_knn(KnnTrainingConfig(data=FIXTURE_TRACE, output=output, neighbours=16))
    return output


def goal_request(
    hypotheses: list[tuple[str, str]],
    conclusion: str,
    *,
    theorem: str = "t",
    num_candidates: int = 8,
) -> GenerationRequest:
    """A request for one goal with ``names : type`` hypotheses."""
    goal = Goal(
        hypotheses=tuple(
            Hypothesis(names=tuple(names.split()), type=type_) for names, type_ in hypotheses
        ),
        conclusion=conclusion,
    )
    return GenerationRequest(
        theorem=Theorem(name=theorem, header="", statement=f"Lemma {theorem} : True."),
        state=ProofState(goals=(goal,), handle=0),
        proof_so_far=(),
        num_candidates=num_candidates,
        seed=0,
    )
