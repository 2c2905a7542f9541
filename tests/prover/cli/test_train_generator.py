"""`prover train-generator --kind knn` and the knn generator's bad-input lines on the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from prover.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
FIXTURE_TRACE = ROOT / "tests" / "fixtures" / "knn_trace"


def test_trains_a_knn_model_with_metrics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command writes a knn model directory and prints its metrics summary."""
    output = tmp_path / "model"
    status = main(
        ["train-generator", "--kind", "knn", "--data", str(FIXTURE_TRACE), "--output", str(output)]
    )
    assert status == 0
    assert json.loads((output / "kind.json").read_text())["kind"] == "knn"
    summary = json.loads(capsys.readouterr().out.splitlines()[0])
    assert summary["train_rows"] == 43 and summary["knn"]["top1"] > 0


def test_run_directories_follow_the_trace(tmp_path: Path) -> None:
    """`--data TRACE RUN` adds the run's verified proof steps to the training rows."""
    run = tmp_path / "run"
    run.mkdir()
    record = {"name": "p", "attempt": 0, "seed": 0, "status": "proved", "verified": True,
              "proof": ["auto."],
              "proof_states": ["⊢ True"]}  # fmt: skip
    (run / "results.jsonl").write_text(json.dumps(record) + "\n")
    output = tmp_path / "model"
    arguments = ["train-generator", "--kind", "knn", "--data", str(FIXTURE_TRACE), str(run)]
    assert main([*arguments, "--output", str(output)]) == 0
    assert json.loads((output / "metrics.json").read_text())["run_rows"] == 1


def test_unreadable_run_lines_warn_once_and_the_rest_trains(tmp_path: Path) -> None:
    """A corrupt line and a torn tail in a run's results.jsonl: the command trains on the
    good record and stderr has one warning naming the file, the count and the first line."""
    run = tmp_path / "run"
    run.mkdir()
    record = {"name": "p", "attempt": 0, "seed": 0, "status": "proved", "verified": True,
              "proof": ["auto."], "proof_states": ["⊢ True"]}  # fmt: skip
    results = run / "results.jsonl"
    results.write_text("GARBAGE\n" + json.dumps(record) + '\n{"name": "q", "att')
    output = tmp_path / "model"
    command = [sys.executable, "-m", "prover.cli.main", "train-generator", "--kind", "knn",
               "--data", str(FIXTURE_TRACE), str(run), "--output", str(output)]  # fmt: skip
    finished = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    assert finished.returncode == 0, finished.stderr
    [warning] = finished.stderr.strip().splitlines()
    assert f"{results}: skipped 2 unreadable lines of 3, the first: line 1 " in warning
    assert json.loads((output / "metrics.json").read_text())["run_rows"] == 1


@pytest.mark.parametrize("missing", ["manifest", "results"])
def test_bad_data_is_one_line_and_nothing_written(
    tmp_path: Path, missing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A trace without manifest or a run without results.jsonl: exit 2, one line, no model."""
    empty = tmp_path / "empty"
    empty.mkdir()
    data = [str(empty)] if missing == "manifest" else [str(FIXTURE_TRACE), str(empty)]
    output = tmp_path / "model"
    status = main(["train-generator", "--kind", "knn", "--data", *data, "--output", str(output)])
    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(error) == 1 and str(empty) in error[0]
    assert not output.exists()


def test_prove_refuses_a_model_of_the_wrong_kind_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`prove --generator knn --model LM_DIR`: exit 2, one line naming DIR, no run directory."""
    model = tmp_path / "lm"
    model.mkdir()
    (model / "kind.json").write_text(json.dumps({"kind": "lm"}))
    output = tmp_path / "run"
    status = main(
        [
            "prove", "--benchmark", "minif2f-coq", "--split", "valid", "--limit", "1",
            "--generator", "portfolio+knn", "--model", str(model), "--output", str(output),
        ]
    )  # fmt: skip
    error = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and error == [
        f"prover: error: {model}: a 'lm' model directory, not a knn one"
    ]
    assert not output.exists()
