"""Training end to end on CPU: `prover train-progress`, metrics.json, a loadable predictor."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models.progress import load_progress_predictor
from models.progress.data import parse_ratios
from models.progress.training import TrainingConfig, evaluate_predictions, train_progress_model
from search.errors import InputError
from tests.models.progress.conftest import failed_record, proved_record, write_jsonl

REPO = Path(__file__).resolve().parents[3]
METRIC_FIELDS = {
    "accuracy",
    "mae",
    "mae_by_bucket",
    "baseline_mae",
    "baseline_constant",
    "baseline_accuracy",
    "baseline_mae_by_bucket",
    "baseline_median_mae",
    "examples",
    "theorems",
    "train_examples",
    "manifest",
}


def tiny_data(root: Path) -> tuple[Path, Path]:
    """A run directory (6 theorems) and a traced file (2 theorems), created here."""
    run = root / "run"
    write_jsonl(
        run / "results.jsonl",
        [proved_record(f"t{i}", ["intros", "lia"][: 1 + i % 2]) for i in range(6)],
    )
    traced = write_jsonl(
        root / "traced.jsonl",
        [
            {
                "full_name": f"lean_{i}",
                "traced_tactics": [
                    {"state_before": f"⊢ p{i}", "tactic": "simp", "state_after": "no goals"}
                ],
            }
            for i in range(2)
        ],
    )
    return run, traced


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train a model with the real CLI (two optimizer steps, 32 tokens) once per module."""
    pytest.importorskip("torch")
    root = tmp_path_factory.mktemp("progress")
    run, traced = tiny_data(root)
    output = root / "model"
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    command = [
        sys.executable,
        "-m",
        "prover.cli.main",
        "train-progress",
        "--data",
        str(run),
        str(traced),
        "--output",
        str(output),
        "--max-steps",
        "2",
        "--batch-size",
        "4",
        "--max-length",
        "32",
        "--threads",
        "1",
        "--num-layers",
        "1",
        "--heldout-fraction",
        "0.3",
    ]
    completed = subprocess.run(
        command,
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "baseline_mae" in completed.stdout
    return output


@pytest.mark.torch
@pytest.mark.slow
def test_cli_writes_metrics_with_every_field(trained_model: Path) -> None:
    """metrics.json holds accuracy, MAE, per-bucket MAE and the constant baseline."""
    metrics = json.loads((trained_model / "metrics.json").read_text())
    assert set(metrics) >= METRIC_FIELDS
    assert metrics["examples"] > 0 and metrics["train_examples"] > 0
    assert set(metrics["mae_by_bucket"]) == {"1-5"}
    assert metrics["manifest"]["n_max"] == 2
    assert metrics["manifest"]["input_format"] == "state+proof"
    saved = json.loads((trained_model / "config.json").read_text())
    assert saved["num_hidden_layers"] == 1


@pytest.mark.torch
@pytest.mark.slow
def test_trained_model_loads_and_predicts(trained_model: Path) -> None:
    """The saved model predicts a non-negative float per state, in order, in batches."""
    predictor = load_progress_predictor(trained_model, batch_size=2)
    predictions = predictor.predict_remaining_steps(
        ["⊢ a", "⊢ b", "x : nat\n⊢ x = x"], [[], ["intros"], ["intros", "simpl"]]
    )
    assert len(predictions) == 3
    assert all(isinstance(p, float) and p >= 0.0 for p in predictions)
    assert predictor.n_max == 2 and predictor.input_format == "state+proof"
    with pytest.raises(ValueError, match="2 states but 1"):
        predictor.predict_remaining_steps(["a", "b"], [[]])


@pytest.mark.torch
@pytest.mark.slow
def test_model_of_other_format_is_refused(trained_model: Path, tmp_path: Path) -> None:
    """A model trained on state+proof inputs is not loaded for state-only use."""
    copy = tmp_path / "copy"
    shutil.copytree(trained_model, copy)
    with pytest.raises(InputError, match="state\\+proof"):
        load_progress_predictor(copy, input_format="state")


def test_training_refuses_zero_examples(tmp_path: Path) -> None:
    """No proofs, or rebalancing that drops everything, raise before any model is written."""
    write_jsonl(tmp_path / "failed" / "results.jsonl", [failed_record("x")])
    with pytest.raises(InputError, match="no labelled states"):
        train_progress_model(TrainingConfig(data=(tmp_path / "failed",), output=tmp_path / "m"))
    run, _ = tiny_data(tmp_path)
    config = TrainingConfig(data=(run,), output=tmp_path / "m2", rebalance=parse_ratios("1-5:0"))
    with pytest.raises(InputError, match="no training example left"):
        train_progress_model(config)
    write_jsonl(tmp_path / "one" / "results.jsonl", [proved_record("alone", ["a"])])
    with pytest.raises(InputError, match="at least two theorems"):
        train_progress_model(TrainingConfig(data=(tmp_path / "one",), output=tmp_path / "m3"))
    assert not (tmp_path / "m").exists() and not (tmp_path / "m2").exists()


def test_metrics_compare_with_constant_baseline() -> None:
    """Exact-match uses the rounded prediction; the baseline always answers the constant."""
    from models.progress.data import ProgressExample

    examples = [
        ProgressExample(state=str(n), proof_so_far=(), remaining_steps=n, theorem="t", source="x")
        for n in (1, 2, 7)
    ]
    metrics = evaluate_predictions(examples, [1.2, 2.6, 7.0], constant=2.0, median=1.0)
    assert metrics["accuracy"] == pytest.approx(2 / 3)
    assert metrics["mae"] == pytest.approx((0.2 + 0.6 + 0.0) / 3)
    assert metrics["baseline_mae"] == pytest.approx((1 + 0 + 5) / 3)
    assert metrics["baseline_accuracy"] == pytest.approx(1 / 3)
    assert metrics["baseline_median_mae"] == pytest.approx((0 + 1 + 6) / 3)
    assert metrics["baseline_median_accuracy"] == pytest.approx(1 / 3)
    assert metrics["mae_by_bucket"] == {"1-5": pytest.approx(0.4), "6-10": pytest.approx(0.0)}


@pytest.mark.torch
@pytest.mark.coq
@pytest.mark.slow
def test_prove_with_progress_model_and_dynamic_sampling(
    trained_model: Path, tmp_path: Path
) -> None:
    """`prover prove --progress-model --sampling dynamic` proves a Coq theorem with coqtop,
    spending scorer time, and records the scoring configuration."""
    if shutil.which("coqtop") is None:
        pytest.skip("coqtop not installed")
    source = tmp_path / "plus.v"
    source.write_text("Theorem plus_zero : forall n : nat, n + 0 = n.\nProof. Admitted.\n")
    output = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "prover.cli.main",
        "prove",
        "--backend",
        "coq",
        "--file",
        str(source),
        "--theorem",
        "plus_zero",
        "--time-limit",
        "30",
        "--progress-model",
        str(trained_model),
        "--sampling",
        "dynamic",
        "--min-candidates",
        "2",
        "--output",
        str(output),
        "--no-progress",
    ]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1"}
    completed = subprocess.run(
        command,
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    record = json.loads((output / "results.jsonl").read_text().splitlines()[0])
    assert record["status"] == "proved"
    assert record["scorer_time_s"] > 0
    scoring = json.loads((output / "config.json").read_text())["scoring"]
    assert scoring["sampling"] == "dynamic" and scoring["progress_model"] == str(trained_model)
