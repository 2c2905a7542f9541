"""Held-out metrics of a progress model beside both constant predictors, and its cost.

:func:`evaluate_predictions` gives the exact-match accuracy of the rounded prediction
(LeanProgress's accuracy), the MAE overall and per proof-length bucket, and the same
figures for the two constant predictors: the training labels' mean (the baseline the
first progress issue asked for) and median (the MAE-optimal constant, much harder to beat
on skewed labels). ``mae_ratio_to_best_constant`` is the model's MAE over the better
constant's. :func:`evaluate_predictor` predicts held-out examples (each under its file
context, as a search would) and evaluates them. :func:`measure_cost` times a predictor in
search-sized batches.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from typing import Any

from models.progress.data import ProgressExample, bucket_name
from models.progress.file_context import predict_in_context
from models.progress.protocol import ProgressPredictor

__all__ = ["evaluate_predictions", "evaluate_predictor", "measure_cost"]


def evaluate_predictor(
    predictor: ProgressPredictor,
    examples: Sequence[ProgressExample],
    *,
    constant: float,
    median: float | None = None,
) -> dict[str, Any]:
    """:func:`evaluate_predictions` of the predictor's answers, each in its file context."""
    predictions = predict_in_context(
        predictor,
        [e.state for e in examples],
        [e.proof_so_far for e in examples],
        [e.earlier_proof_lengths for e in examples],
    )
    return evaluate_predictions(examples, predictions, constant=constant, median=median)


def evaluate_predictions(
    examples: Sequence[ProgressExample],
    predictions: Sequence[float],
    *,
    constant: float,
    median: float | None = None,
) -> dict[str, Any]:
    """Accuracy, MAE and per-bucket MAE of ``predictions``, with the constant baselines.

    ``constant`` is the training-mean predictor; ``median``, when given, adds the
    training-median predictor and the ratio to the better of the two.
    """
    if len(examples) != len(predictions):
        raise ValueError(f"{len(examples)} examples but {len(predictions)} predictions")
    if not examples:
        return {"examples": 0}
    labels = [e.remaining_steps for e in examples]
    buckets: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        buckets.setdefault(bucket_name(example.proof_length), []).append(index)
    everything = range(len(labels))

    def mae(values: Sequence[float], indices: Sequence[int]) -> float:
        return statistics.fmean(abs(values[i] - labels[i]) for i in indices)

    def accuracy(values: Sequence[float], indices: Sequence[int]) -> float:
        return statistics.fmean(float(round(values[i]) == labels[i]) for i in indices)

    def by_bucket(values: Sequence[float]) -> dict[str, float]:
        return {name: mae(values, indices) for name, indices in sorted(buckets.items())}

    mean_baseline = [constant] * len(labels)
    metrics: dict[str, Any] = {
        "examples": len(labels),
        "theorems": len({e.theorem for e in examples}),
        "files": len({e.file for e in examples}),
        "label_mean": statistics.fmean(labels),
        "accuracy": accuracy(predictions, everything),
        "mae": mae(predictions, everything),
        "mae_by_bucket": by_bucket(predictions),
        "examples_by_bucket": {name: len(idx) for name, idx in sorted(buckets.items())},
        "baseline_constant": constant,
        "baseline_accuracy": accuracy(mean_baseline, everything),
        "baseline_mae": mae(mean_baseline, everything),
        "baseline_mae_by_bucket": by_bucket(mean_baseline),
    }
    best_constant = metrics["baseline_mae"]
    if median is not None:
        median_baseline = [median] * len(labels)
        metrics.update(
            baseline_median_constant=median,
            baseline_median_accuracy=accuracy(median_baseline, everything),
            baseline_median_mae=mae(median_baseline, everything),
            baseline_median_mae_by_bucket=by_bucket(median_baseline),
        )
        best_constant = min(best_constant, metrics["baseline_median_mae"])
    metrics["mae_ratio_to_best_constant"] = (
        metrics["mae"] / best_constant if best_constant > 0 else None
    )
    return metrics


def measure_cost(
    predictor: ProgressPredictor,
    examples: Sequence[ProgressExample],
    *,
    batch_size: int = 32,
    limit: int = 512,
) -> dict[str, float]:
    """Milliseconds per state of ``predictor`` on up to ``limit`` examples, in batches.

    Batches of ``batch_size`` are what one expansion's children look like to the scorer.
    """
    sample = list(examples[:limit])
    if not sample:
        return {"ms_per_state": 0.0, "states_timed": 0}
    started = time.perf_counter()
    for start in range(0, len(sample), batch_size):
        batch = sample[start : start + batch_size]
        predictor.predict_remaining_steps([e.state for e in batch], [e.proof_so_far for e in batch])
    elapsed = time.perf_counter() - started
    return {"ms_per_state": 1000.0 * elapsed / len(sample), "states_timed": len(sample)}
