"""knn generator speed: model load time and per-state latency over the full index.

Loads the model directory (timed, twice: the second load has the files in the page cache),
then asks the generator for candidates for held-out test states one request at a time, as
the search does, and reports the latency distribution of the whole ``generate`` call, with
its parts (feature extraction; exact top-k in the index) and exact top-k's speed-up over
scoring every posting list (brute force, the same answer).

    python -m benchmarks.knn_latency --model /work/data/models/knn-stdlib \
        --data /work/data/trace [--queries 1000] [--seed 0] [--output FILE.json] \
        [--replicate-to 250000]

``--replicate-to N`` measures a larger index than the trace gives: the model's rows are
copied until there are N, each copy losing a random 10% of every row's features (so copies
are near neighbours, not exact duplicates that would flatter the pruning).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from models.retrieval.features import hashed_features
from models.retrieval.generator import KnnGenerator
from models.retrieval.index import FeatureIndex, idf_weights
from models.retrieval.model import KnnModel, StateTexts
from models.trace_data import load_trace_steps
from search.protocols import GenerationRequest
from search.states import Goal, ProofState, Theorem

T = TypeVar("T")


def replicated(model: KnnModel, target_rows: int, seed: int) -> KnnModel:
    """``model`` with its rows copied (each copy missing 10% of features) up to ``target_rows``."""
    index = model.index
    base = [
        index.vocab[index.row_columns[index.row_indptr[r] : index.row_indptr[r + 1]]]
        for r in range(index.num_rows)
    ]
    generator = np.random.default_rng(seed)
    rows = list(base)
    while len(rows) < target_rows:
        for features in base[: target_rows - len(rows)]:
            kept = features[generator.random(len(features)) > 0.1]
            rows.append(kept if len(kept) else features)
    copies = -(-len(rows) // index.num_rows)
    source = np.tile(np.arange(index.num_rows), copies)[: len(rows)]
    return replace(
        model,
        index=FeatureIndex.build(rows),
        tactic_ids=model.tactic_ids[source],
        states=_texts(model.states, source),
        holes=_texts(model.holes, source),
    )


def _texts(texts: StateTexts, source: np.ndarray) -> StateTexts:
    return StateTexts.from_texts([texts[int(row)] for row in source])


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


class Stopwatch:
    """Wall-clock and CPU seconds of the timed calls (CPU time is what a loaded, shared
    machine does not inflate: other processes' load shows in wall time only)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, call: Callable[[], T]) -> T:
        """Run ``call`` and record its wall and CPU time."""
        wall, cpu = time.monotonic(), time.process_time()
        result = call()
        self.wall.append(time.monotonic() - wall)
        self.cpu.append(time.process_time() - cpu)
        return result

    def summary(self) -> dict[str, Any]:
        """Percentiles of both clocks."""
        return {"wall": percentiles(self.wall), "cpu": percentiles(self.cpu)}


def measure(generator: KnnGenerator, texts: list[str]) -> dict[str, Any]:
    """Latency of generate() per state, of its parts, and of brute-force scoring, with the
    recall of the index's top-k against brute force (1.0 when no postings budget is set)."""
    index, settings = generator.model.index, generator.model.settings
    weights_all = idf_weights(index.df, index.num_rows)
    total, features, top_k, brute = Stopwatch(), Stopwatch(), Stopwatch(), Stopwatch()
    recalls = []
    for number, text in enumerate(texts):
        total.time(partial(generator.generate, [request_for(text, number)]))
        hashes = features.time(partial(hashed_features, text))
        columns, present = index.columns_of(hashes)
        columns = columns[present]
        weights = weights_all[columns]
        columns, weights = columns[weights > 0], weights[weights > 0]
        found, _ = top_k.time(
            partial(
                index.top_k,
                columns,
                weights,
                settings.neighbours,
                max_postings=settings.max_postings,
            )
        )
        exact, _ = brute.time(partial(index.brute_force, columns, weights, settings.neighbours))
        recalls.append(len(set(found) & set(exact)) / len(exact) if len(exact) else 1.0)
    return {
        "generate": total.summary(),
        "features": features.summary(),
        "index_top_k": top_k.summary(),
        "index_brute_force": brute.summary(),
        "top_k_cpu_speedup_over_brute_force": round(sum(brute.cpu) / sum(top_k.cpu), 2),
        "top_k_recall": round(statistics.fmean(recalls), 4),
        "max_postings": settings.max_postings,
    }


def main() -> None:
    """Measure and print (optionally write) the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True, help="trace directory (test states)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--replicate-to", type=int, help="grow the index to N rows first")
    parser.add_argument(
        "--max-postings", type=int, help="override the model's postings budget (0: exact)"
    )
    arguments = parser.parse_args()

    cold_s = load_seconds(arguments.model)
    warm_s = load_seconds(arguments.model)
    model = KnnModel.load(arguments.model)
    if arguments.replicate_to and arguments.replicate_to > model.index.num_rows:
        model = replicated(model, arguments.replicate_to, arguments.seed)
        with tempfile.TemporaryDirectory() as scratch:
            model.save(Path(scratch))
            cold_s = load_seconds(Path(scratch))
            warm_s = load_seconds(Path(scratch))
    if arguments.max_postings is not None:
        budget = arguments.max_postings or None
        model = replace(model, settings=replace(model.settings, max_postings=budget))
    generator = KnnGenerator(model)
    rows = load_trace_steps(arguments.data, splits=("test",))
    texts = [
        r.state
        for r in random.Random(arguments.seed).sample(rows, min(arguments.queries, len(rows)))
    ]
    generator.generate([request_for(texts[0], -1)])
    figures = {
        "model": str(arguments.model),
        "replicated_to": arguments.replicate_to,
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
