"""Expert iteration's bookkeeping: the trace sample, the baseline comparison, the report."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.expert_iteration import (
    against_baseline,
    baseline_proved,
    earlier_wall_times,
    markdown,
    round_has_work,
)
from benchmarks.expert_models import RoundModels, model_figures
from benchmarks.expert_search import trace_theorems
from prover.attempts.jsonl import JsonlWriter
from tests.benchmarks.records import attempt_record as record


def test_trace_sample_keeps_unique_short_valid_stdlib_theorems(tmp_path: Path) -> None:
    """Only traced valid-split stdlib theorems, short enough, named once in their file."""

    def row(theorem: str, **changes: object) -> dict[str, object]:
        base = {"file": "A.v", "theorem": theorem, "split": "valid", "status": "traced",
                "library": "stdlib", "proof_length": 1}  # fmt: skip
        return {**base, **changes}

    rows = [
        row("ok", proof_length=3),
        row("twice"),
        row("twice"),
        row("long", proof_length=9),
        row("test", file="B.v", split="test"),
        row("other", file="C.v", library="flocq"),
    ]
    (tmp_path / "theorems.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    sample = trace_theorems(tmp_path, count=10, max_proof_length=5, seed=0)
    assert [row["theorem"] for row in sample] == ["ok"]
    held_out = trace_theorems(tmp_path, count=10, max_proof_length=5, seed=0, split="test")
    assert [row["theorem"] for row in held_out] == ["test"]


def test_baseline_comparison_lists_gains_and_losses(tmp_path: Path) -> None:
    """Theorems proved only in the round, and only in the baseline run, by name."""
    with JsonlWriter(tmp_path / "results.jsonl") as writer:
        for name, proved in (("a", True), ("b", True), ("c", False)):
            writer.write(record(name, proved=proved))
    test = [record("a", proved=True), record("b", proved=False), record("c", proved=True)]
    assert against_baseline(test, baseline_proved(tmp_path)) == {
        "beyond_baseline": ["c"],
        "lost_from_baseline": ["b"],
    }
    assert against_baseline(test, None) == {}


def test_model_figures_read_both_metrics_files(tmp_path: Path) -> None:
    """knn top-k, the progress MAE ratio and the LM loss come from metrics.json; absent is None."""
    (tmp_path / "knn").mkdir()
    (tmp_path / "knn" / "metrics.json").write_text(
        json.dumps({"knn": {"top1": 0.25, "top10": 0.5}, "run_rows": 7})
    )
    (tmp_path / "lm").mkdir()
    (tmp_path / "lm" / "metrics.json").write_text(json.dumps({"final_valid_loss": 3.07}))
    models = RoundModels(
        knn=tmp_path / "knn", progress=tmp_path / "missing", language_model=tmp_path / "lm"
    )
    figures = model_figures(models)
    assert figures["knn_test_top1"] == 0.25 and figures["knn_run_rows"] == 7
    assert figures["progress_mae_ratio"] is None and figures["lm_valid_loss"] == 3.07
    without_language_model = model_figures(RoundModels(knn=tmp_path / "knn", progress=tmp_path))
    assert without_language_model["lm_valid_loss"] is None


def test_markdown_counts_lists_and_rounds_floats() -> None:
    """A list cell shows its length, a float three decimals, a missing cell stays empty."""
    table = markdown([{"round": 0, "test_proved": 65, "beyond_baseline": ["x", "y"],
                       "knn_test_top1": 0.123456}])  # fmt: skip
    row = table.splitlines()[2]
    assert row.startswith("| 0 | 65 | 2 |") and "0.123" in row and "0.1234" not in row


def test_resumed_rounds_keep_their_earlier_wall_time(tmp_path: Path) -> None:
    """The wall time a report already holds per round is read back for a resumed run."""
    report = tmp_path / "report.json"
    assert earlier_wall_times(report) == {}
    report.write_text(json.dumps({"rounds": [{"round": 0, "wall_s": 12.5}, {"round": 1}]}))
    assert earlier_wall_times(report) == {0: 12.5, 1: 0.0}


def test_round_has_work_until_test_and_search_are_cached(tmp_path: Path) -> None:
    """A round is done once every test theorem has a record and (not last) search is merged."""
    arguments = argparse.Namespace(rounds=2)
    assert round_has_work(arguments, 0, tmp_path, ["a", "b"])
    with JsonlWriter(tmp_path / "test" / "part-0-0" / "results.jsonl") as writer:
        writer.write(record("a", proved=True))
        writer.write(record("b", proved=False))
    assert not round_has_work(arguments, 2, tmp_path, ["a", "b"])
    assert round_has_work(arguments, 1, tmp_path, ["a", "b"])
    assert round_has_work(arguments, 2, tmp_path, ["a", "b", "c"])
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "results.jsonl").write_text("")
    assert not round_has_work(arguments, 1, tmp_path, ["a", "b"])
