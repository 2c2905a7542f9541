"""Training a knn model from a trace directory (and runs): files, metrics, bad inputs."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from models.retrieval.model import KnnModel
from models.retrieval.training import KnnTrainingConfig, train_knn
from models.trace_data import TraceStep
from search.errors import InputError
from tests.models.retrieval.conftest import FIXTURE_TRACE


def test_model_directory_and_metrics(knn_model_dir: Path) -> None:
    """The model dir holds kind.json (knn) and metrics comparing knn with the baseline."""
    assert json.loads((knn_model_dir / "kind.json").read_text())["kind"] == "knn"
    metrics = json.loads((knn_model_dir / "metrics.json").read_text())
    knn, baseline = metrics["knn"], metrics["most_frequent"]
    assert metrics["test_rows"] == 17 and metrics["train_rows"] == 43
    assert 0.0 <= knn["top1"] <= knn["top10"] <= 1.0
    assert knn["top1"] > baseline["top1"]
    model = KnnModel.load(knn_model_dir)
    assert model.index.num_rows == 43 and model.calibration.observations > 0


def test_run_steps_join_the_training_rows(tmp_path: Path) -> None:
    """Rows of the runs' verified proofs (read by the prover side) are training rows."""
    steps = [
        TraceStep(
            library="run",
            file="run",
            module="",
            theorem="p",
            step=index,
            state=state,
            tactic=tactic,
            remaining_steps=2 - index,
            proof_length=2,
            num_goals=1,
            split="train",
        )
        for index, (state, tactic) in enumerate(
            [("⊢ forall n : nat, n = n", "intros."), ("n : nat\n⊢ n = n", "auto.")]
        )
    ]
    metrics = train_knn(
        KnnTrainingConfig(data=FIXTURE_TRACE, output=tmp_path / "model"), run_steps=steps
    )
    assert metrics["run_rows"] == 2 and metrics["train_rows"] == 45


def test_trace_without_manifest_is_refused(tmp_path: Path) -> None:
    """A directory without manifest.json is one InputError naming it; no model written."""
    with pytest.raises(InputError, match=rf"{tmp_path}: not a trace directory"):
        train_knn(KnnTrainingConfig(data=tmp_path, output=tmp_path / "model"))
    assert not (tmp_path / "model").exists()


def test_empty_training_set_is_refused(tmp_path: Path) -> None:
    """A trace with no train rows (and no runs) is an InputError naming the trace."""
    trace = tmp_path / "trace"
    shutil.copytree(FIXTURE_TRACE, trace)
    with gzip.open(trace / "steps.jsonl.gz", "rt", encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines]
    with gzip.open(trace / "steps.jsonl.gz", "wt", encoding="utf-8") as out:
        out.writelines(json.dumps(r) + "\n" for r in rows if r["split"] != "train")
    with pytest.raises(InputError, match=rf"{trace}: empty training set"):
        train_knn(KnnTrainingConfig(data=trace, output=tmp_path / "model"))
    assert not (tmp_path / "model").exists()


def test_online_predictions_learn_each_theorem_before_the_next(knn_model_dir: Path) -> None:
    """A tactic unseen in training is predicted for a file's second theorem, not its first,
    and not in another file (learning is per file)."""
    from models.retrieval.training import online_predictions
    from models.trace_data import TraceStep

    def row(file: str, theorem: str, variable: str) -> TraceStep:
        return TraceStep(
            library="x", file=file, module="", theorem=theorem, step=0,
            state=f"{variable} : nat\n⊢ custom_pred {variable}",
            tactic=f"apply custom_pred_all with (n := {variable}).",
            remaining_steps=1, proof_length=1, num_goals=1, split="test",
        )  # fmt: skip

    rows = [row("A.v", "first", "a"), row("A.v", "second", "b"), row("B.v", "third", "c")]
    predictions = online_predictions(KnnModel.load(knn_model_dir), rows)
    assert "apply custom_pred_all with (n := a)" not in predictions[0]
    assert predictions[1][0] == "apply custom_pred_all with (n := b)"
    assert "apply custom_pred_all with (n := c)" not in predictions[2]
    metrics = json.loads((knn_model_dir / "metrics.json").read_text())
    assert metrics["knn_online"]["test_rows"] == 17
