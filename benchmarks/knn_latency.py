"""knn generator speed: model load time and per-state latency over the full index.

Loads the model directory (timed, twice: the second load has the files in the page cache),
then asks the generator for candidates for held-out test states one request at a time, as
the search does, and reports the latency distribution of the whole ``generate`` call, with
its parts (feature extraction; exact top-k in the index) and exact top-k's speed-up over
scoring every posting list (brute force, the same answer).

    python -m benchmarks.knn_latency --model /work/data/models/knn-stdlib \
        --data /work/data/trace [--queries 1000] [--seed 0] [--output FILE.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from models.retrieval.features import hashed_features
from models.retrieval.generator import KnnGenerator
from models.retrieval.index import idf_weights
from models.retrieval.model import KnnModel
from models.trace_data import load_trace_steps
from search.protocols import GenerationRequest
from search.states import Goal, ProofState, Theorem


def load_seconds(directory: Path) -> float:
    """Seconds to load the model and build a generator over it."""
    started = time.monotonic()
    KnnGenerator(KnnModel.load(directory))
    return time.monotonic() - started


def request_for(text: str, index: int) -> GenerationRequest:
    """A one-goal request whose state renders to ``text`` (goals are not re-parsed)."""
    state = ProofState(goals=(Goal(hypotheses=(), conclusion="_"),), handle=index, text=text)
    theorem = Theorem(name=f"q{index}", header="", statement="Lemma q : True.")
    return GenerationRequest(
        theorem=theorem, state=state, proof_so_far=(), num_candidates=32, seed=0
    )


def percentiles(values: list[float]) -> dict[str, float]:
    """Mean, median, p90, p99 and max of ``values`` in milliseconds."""
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    return {
        "mean_ms": round(1000 * statistics.fmean(ordered), 3),
        "p50_ms": round(1000 * at(0.5), 3),
        "p90_ms": round(1000 * at(0.9), 3),
        "p99_ms": round(1000 * at(0.99), 3),
        "max_ms": round(1000 * ordered[-1], 3),
    }


def measure(generator: KnnGenerator, texts: list[str]) -> dict[str, Any]:
    """Latency of generate() per state, of its parts, and of brute-force scoring."""
    index = generator.model.index
    weights_all = idf_weights(index.df, index.num_rows)
    totals, features_s, top_k_s, brute_s = [], [], [], []
    for number, text in enumerate(texts):
        started = time.monotonic()
        generator.generate([request_for(text, number)])
        totals.append(time.monotonic() - started)
        started = time.monotonic()
        hashes = hashed_features(text)
        features_s.append(time.monotonic() - started)
        columns, present = index.columns_of(hashes)
        columns = columns[present]
        weights = weights_all[columns]
        columns, weights = columns[weights > 0], weights[weights > 0]
        started = time.monotonic()
        index.top_k(columns, weights, generator.model.settings.neighbours)
        top_k_s.append(time.monotonic() - started)
        started = time.monotonic()
        index.brute_force(columns, weights, generator.model.settings.neighbours)
        brute_s.append(time.monotonic() - started)
    return {
        "generate": percentiles(totals),
        "features": percentiles(features_s),
        "index_top_k": percentiles(top_k_s),
        "index_brute_force": percentiles(brute_s),
        "top_k_speedup_over_brute_force": round(sum(brute_s) / sum(top_k_s), 2),
    }


def main() -> None:
    """Measure and print (optionally write) the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="trace directory (test states)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path)
    arguments = parser.parse_args()

    cold_s = load_seconds(arguments.model)
    warm_s = load_seconds(arguments.model)
    generator = KnnGenerator.from_directory(arguments.model)
    rows = load_trace_steps(arguments.data, splits=("test",))
    texts = [
        r.state
        for r in random.Random(arguments.seed).sample(rows, min(arguments.queries, len(rows)))
    ]
    generator.generate([request_for(texts[0], -1)])
    figures = {
        "model": str(arguments.model),
        "index_rows": generator.model.index.num_rows,
        "index_features": len(generator.model.index.vocab),
        "index_entries": int(generator.model.index.row_columns.size),
        "neighbours": generator.model.settings.neighbours,
        "load_s_first": round(cold_s, 3),
        "load_s_again": round(warm_s, 3),
        "queries": len(texts),
        "numpy": np.__version__,
        **measure(generator, texts),
    }
    text = json.dumps(figures, indent=2)
    print(text)
    if arguments.output is not None:
        arguments.output.write_text(text + "\n")


if __name__ == "__main__":
    main()
