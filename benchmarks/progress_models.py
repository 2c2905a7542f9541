"""Progress model families compared: accuracy against cost on held-out trace files.

For each model directory (any family, loaded through ``load_progress_predictor``), the
predictions on the trace's valid and test files and on the proof states of any run
directories (for example miniF2F-Coq test proofs, never trained on), beside both
constant predictors of that model's training labels, and the milliseconds per state in
batches of 32 (the size of one expansion's children) with the given number of threads.
Usage (the figures in docs/progress.md)::

    python -m benchmarks.progress_models --trace TRACE_DIR --models M1 M2 \
        --runs runs/progress-test/scores --threads 1 --output runs/progress-models.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.progress import load_progress_predictor, read_manifest
from models.progress.data import ProgressExample, trace_examples
from models.progress.metrics import evaluate_predictor, measure_cost
from prover.attempts.progress_data import evaluation_examples

__all__ = ["evaluate_model", "main"]

_COLUMNS = ("mae", "baseline_mae", "baseline_median_mae", "mae_ratio_to_best_constant", "accuracy")


def evaluate_model(
    directory: Path, sets: dict[str, Sequence[ProgressExample]], *, cost_set: str
) -> dict[str, Any]:
    """Metrics of one model on every set, and its cost on ``cost_set``."""
    manifest = read_manifest(directory)
    predictor = load_progress_predictor(directory)
    result: dict[str, Any] = {"family": manifest.family, "trees": manifest.trees}
    for name, examples in sets.items():
        metrics = evaluate_predictor(
            predictor, examples, constant=manifest.label_mean, median=manifest.label_median
        )
        result[name] = {key: metrics.get(key) for key in (*_COLUMNS, "examples", "mae_by_bucket")}
    result["cost"] = measure_cost(predictor, sets[cost_set])
    return result


def render(results: dict[str, dict[str, Any]], set_names: Sequence[str]) -> str:
    """A Markdown table: one row per model and set."""
    lines = [
        "| model | family | set | states | MAE | mean const. | median const. | ratio | acc. "
        "| ms/state |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model, result in results.items():
        for name in set_names:
            row = result[name]
            if not row.get("examples"):
                continue
            lines.append(
                f"| {Path(model).name} | {result['family']} | {name} | {row['examples']} "
                f"| {row['mae']:.2f} | {row['baseline_mae']:.2f} "
                f"| {row['baseline_median_mae']:.2f} "
                f"| {row['mae_ratio_to_best_constant']:.2f} | {100 * row['accuracy']:.1f} % "
                f"| {result['cost']['ms_per_state']:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate every model on every set; write JSON and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trace", type=Path, required=True)
    parser.add_argument("--models", type=Path, nargs="+", required=True)
    parser.add_argument("--runs", type=Path, nargs="*", default=[], help="evaluation-only runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (trees use 1)")
    parser.add_argument("--output", type=Path, required=True, help="JSON file to write")
    arguments = parser.parse_args(argv)
    try:
        import torch

        torch.set_num_threads(arguments.threads)
    except ModuleNotFoundError:
        pass
    examples = trace_examples(arguments.trace, splits=("valid", "test"))
    sets: dict[str, Sequence[ProgressExample]] = {
        split: [e for e in examples if e.split == split] for split in ("valid", "test")
    }
    for run in arguments.runs:
        sets[f"run:{run.name}"] = evaluation_examples(run)
    results = {str(m): evaluate_model(m, sets, cost_set="test") for m in arguments.models}
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(json.dumps({"sets": list(sets), "results": results}, indent=2))
    print(render(results, list(sets)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
