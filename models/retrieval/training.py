"""Build a knn model from a trace (and runs), calibrate it on valid, measure it on test.

``prover train-generator --kind knn`` calls :func:`train_knn`:

1. the trace's *train* rows plus every verified proof step of the given run directories
   become the index rows (features hashed, tactics normalised);
2. on the *valid* files, read in order with each theorem learned before the next (as the
   generator meets states during a run), the aggregation (``max`` or ``sum``) is chosen by
   top-1 accuracy and the rank/similarity calibration is fitted;
3. on the *test* rows (held-out files) the top-1 and top-10 exact-match accuracy of knn and
   of the most-frequent-tactics baseline are measured with
   :func:`models.evaluation_metrics.top_k_accuracy` and written to ``metrics.json``; also
   ``knn_online``, the same on the test files read in order with each theorem learned
   before the next one of its file (Tactician's setting, :func:`online_predictions`).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from models.evaluation_metrics import most_frequent_tactics, normalize_tactic, top_k_accuracy
from models.retrieval.adaptation import tactic_holes
from models.retrieval.calibration import Calibration, Observation
from models.retrieval.features import hashed_features
from models.retrieval.index import FeatureIndex
from models.retrieval.model import KnnModel, StateTexts
from models.retrieval.retriever import RankedTactic, Retriever
from models.retrieval.settings import AGGREGATIONS, KnnTrainingConfig, RetrievalSettings
from models.retrieval.state_text import first_goal_text
from models.trace_data import TraceStep, load_trace_steps, read_manifest
from search.errors import InputError
from search.protocols import ProofStep

__all__ = ["KnnTrainingConfig", "build_model", "calibrated_order", "train_knn"]

logger = logging.getLogger(__name__)

#: Candidates per valid state whose ranks feed the calibration.
CALIBRATION_DEPTH = 32


def build_model(rows: Sequence[TraceStep], settings: RetrievalSettings) -> KnnModel:
    """An uncalibrated model indexing ``rows`` (states featurised, tactics normalised)."""
    features = []
    started = time.monotonic()
    for number, row in enumerate(rows, start=1):
        features.append(hashed_features(row.state))
        if number % 20000 == 0:
            logger.info("featurised %d/%d rows (%.0f s)", number, len(rows), _since(started))
    tactic_positions: dict[str, int] = {}
    tactics = [normalize_tactic(r.tactic) for r in rows]
    tactic_ids = np.array(
        [tactic_positions.setdefault(t, len(tactic_positions)) for t in tactics], dtype=np.int32
    )
    holes = [
        " ".join(tactic_holes(t, first_goal_text(r.state)))
        for t, r in zip(tactics, rows, strict=True)
    ]
    return KnnModel(
        index=FeatureIndex.build(features),
        tactics=list(tactic_positions),
        tactic_ids=tactic_ids,
        states=StateTexts.from_texts([r.state for r in rows]),
        holes=StateTexts.from_texts(holes),
        calibration=Calibration.uncalibrated(),
        settings=settings,
    )


def calibrated_order(ranked: Sequence[RankedTactic], calibration: Calibration) -> list[str]:
    """The tactics in the order the generator proposes them (calibrated score, stable)."""
    scored = [(calibration.score(rank, t.ratio), t.tactic) for rank, t in enumerate(ranked, 1)]
    return [tactic for _, tactic in sorted(scored, key=lambda item: -item[0])]


def train_knn(config: KnnTrainingConfig, run_steps: Sequence[TraceStep] = ()) -> dict[str, Any]:
    """Build, calibrate, measure and save the model; returns the metrics written.

    ``run_steps`` are the verified proofs of ``config.runs``, read on the prover side.
    """
    started = time.monotonic()
    manifest = read_manifest(config.data)
    trace_rows = load_trace_steps(config.data)
    run_rows = list(run_steps)
    train = [r for r in trace_rows if r.split == "train"] + run_rows
    if not train:
        raise InputError(f"{config.data}: empty training set (no train rows, no run proofs)")
    valid = _first_files([r for r in trace_rows if r.split == "valid"], config.max_valid_rows)
    test_in_order = [r for r in trace_rows if r.split == "test"]
    test = _sample(test_in_order, config.max_test_rows, config)
    logger.info("knn: %d train, %d valid, %d test rows", len(train), len(valid), len(test))
    settings = RetrievalSettings(neighbours=config.neighbours, aggregation="max")
    model = build_model(train, settings)
    build_s = _since(started)
    model = _calibrated(model, valid, config.aggregation)
    metrics = _metrics(model, train, test)
    online_rows = _first_files(test_in_order, config.max_test_rows)
    metrics["knn_online"] = {
        **top_k_accuracy(online_predictions(model, online_rows), [r.tactic for r in online_rows]),
        "test_rows": len(online_rows),
    }
    metrics.update(
        train_rows=len(train),
        run_rows=len(run_rows),
        valid_rows_used=len(valid),
        aggregation=model.settings.aggregation,
        neighbours=model.settings.neighbours,
        build_s=round(build_s, 1),
        total_s=round(_since(started), 1),
    )
    source = {"trace": str(config.data), "runs": [str(r) for r in config.runs]}
    model.save(
        config.output,
        manifest={"data": source, "trace_manifest": manifest, "metrics": metrics},
    )
    (config.output / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    return metrics


def _calibrated(model: KnnModel, valid: Sequence[TraceStep], aggregation: str) -> KnnModel:
    """Choose the aggregation on valid (top-1) and fit the calibration with it."""
    choices = AGGREGATIONS if aggregation == "auto" else (aggregation,)
    best: tuple[float, KnnModel, list[Observation]] | None = None
    for choice in choices:
        candidate = replace(model, settings=replace(model.settings, aggregation=choice))
        observations, top1 = _observations(candidate, valid)
        logger.info("valid top-1 with %s aggregation: %.4f", choice, top1)
        if best is None or top1 > best[0]:
            best = (top1, candidate, observations)
    assert best is not None
    return replace(best[1], calibration=Calibration.fit(best[2]))


def _observations(model: KnnModel, rows: Sequence[TraceStep]) -> tuple[list[Observation], float]:
    """Rank/ratio/hit observations on valid, read as the generator meets states in a run:
    files in order, each theorem learned before the next (online learning)."""
    observations: list[Observation] = []
    hits = 0
    for row, ranked in _online_ranked(model, rows):
        wanted = normalize_tactic(row.tactic)
        for rank, tactic in enumerate(ranked, start=1):
            hit = tactic.tactic == wanted
            observations.append(Observation(rank=rank, ratio=tactic.ratio, hit=hit))
            hits += hit and rank == 1
    return observations, hits / len(rows) if rows else 0.0


def _metrics(
    model: KnnModel, train: Sequence[TraceStep], test: Sequence[TraceStep]
) -> dict[str, Any]:
    """Top-1/top-10 exact match on test for knn and the most-frequent baseline, and speed."""
    retriever = Retriever(model)
    targets = [row.tactic for row in test]
    predictions = []
    started = time.monotonic()
    for row in test:
        ranked = retriever.ranked_tactics(row.state, limit=CALIBRATION_DEPTH)
        predictions.append(calibrated_order(ranked, model.calibration)[:10])
    per_state_ms = 1000.0 * _since(started) / len(test) if test else 0.0
    baseline = most_frequent_tactics((row.tactic for row in train), 10)
    return {
        "metric": "exact match of the whitespace-normalised tactic (final period dropped)",
        "test_rows": len(test),
        "knn": top_k_accuracy(predictions, targets),
        "most_frequent": top_k_accuracy([baseline] * len(test), targets),
        "most_frequent_tactics": baseline,
        "knn_ms_per_state": round(per_state_ms, 3),
    }


def online_predictions(model: KnnModel, rows: Sequence[TraceStep]) -> list[list[str]]:
    """Top-10 predictions as Tactician makes them: files in order, and each theorem's steps
    learned (after its proof) before the next theorem of the same file is predicted.

    ``rows`` must be in trace order (files, theorems and steps as in the source).
    """
    return [
        calibrated_order(ranked, model.calibration)[:10]
        for _, ranked in _online_ranked(model, rows)
    ]


def _online_ranked(
    model: KnnModel, rows: Sequence[TraceStep]
) -> Iterator[tuple[TraceStep, list[RankedTactic]]]:
    """Each row with its ranked tactics, learning every finished theorem of the same file."""
    from models.retrieval.generator import KnnGenerator

    generator = KnnGenerator(model)
    pending: list[ProofStep] = []
    previous: tuple[str, str] | None = None
    for row in rows:
        if previous is not None and (row.file, row.theorem) != previous:
            generator.learn(pending)
            pending = []
            if row.file != previous[0]:
                generator = KnnGenerator(model)
        previous = (row.file, row.theorem)
        yield row, generator.retriever.ranked_tactics(row.state, limit=CALIBRATION_DEPTH)
        pending.append(
            ProofStep(
                state=row.state,
                tactic=row.tactic,
                remaining_steps=row.remaining_steps,
                theorem=row.theorem,
            )
        )


def _first_files(rows: list[TraceStep], limit: int | None) -> list[TraceStep]:
    """The rows of whole files, in order, until ``limit`` rows are reached (None: all)."""
    if limit is None:
        return rows
    kept: list[TraceStep] = []
    for row in rows:
        if len(kept) >= limit and row.file != kept[-1].file:
            break
        kept.append(row)
    return kept


def _sample(rows: list[TraceStep], limit: int | None, config: KnnTrainingConfig) -> list[TraceStep]:
    if limit is None or len(rows) <= limit:
        return rows
    return random.Random(config.seed).sample(rows, limit)


def _since(started: float) -> float:
    return time.monotonic() - started
