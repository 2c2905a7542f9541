"""Eval throughput from 1 to 2 local workers, and the results store's cost per attempt.

Runs the same attempts (same theorems, same budgets, same seeds) with ``--workers 1`` and
``--workers 2`` in one process, reporting attempts per second and their ratio, then times
recording an attempt (SQLite commit + fsynced JSONL append) on the same machine.

    .venv/bin/python -m benchmarks.eval_throughput [--time-limit 3] [--max-expansions 4]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from models.registry import GeneratorConfig
from prover.attempts.database import ResultsDatabase
from prover.attempts.record import AttemptRecord
from prover.backends.factory import BackendConfig
from prover.data.benchmarks import load_benchmark, select_entries
from prover.evaluation.workers import AttemptOutcome, AttemptTask, WorkerSetup, run_local_pool
from search.config import SearchConfig

#: Twelve valid-split theorems the portfolio proves or gives up on within a few seconds.
THEOREMS = (
    "aime_1984_p15",
    "algebra_sqineq_2unitcircatblt1",
    "amc12_2000_p5",
    "amc12_2001_p2",
    "algebra_apb4leq8ta4pb4",
    "algebra_binomnegdiscrineq_10alt28asqp1",
    "algebra_sqineq_36azm9asqle36zsq",
    "algebra_sqineq_4bap1lt4bsqpap1sq",
    "aime_1984_p5",
    "algebra_amgm_sumasqdivbsqgeqsumbdiva",
    "amc12_2001_p9",
    "algebra_sqineq_2at2pclta2c2p41pc",
)


def measure_pool(tasks: list[AttemptTask], setup: WorkerSetup, workers: int) -> dict[str, float]:
    """Wall time and attempts per second of one pool run over ``tasks``."""
    outcomes: list[AttemptOutcome] = []
    started = time.monotonic()
    run_local_pool(tasks, setup, workers=workers, on_outcome=outcomes.append)
    wall_s = time.monotonic() - started
    proved = sum(o.record.proved for o in outcomes)
    return {
        "workers": workers,
        "attempts": len(outcomes),
        "proved": proved,
        "wall_s": round(wall_s, 2),
        "attempts_per_s": round(len(outcomes) / wall_s, 3),
    }


def measure_store(records: int) -> dict[str, float]:
    """Median and mean time to record one attempt (SQLite commit + JSONL append, fsynced)."""
    record = AttemptRecord(
        name="t",
        attempt=0,
        seed=1,
        status="proved",
        proof=("intros.", "nia."),
        proof_text="Theorem t : True.\nProof.\nintros.\nnia.\nQed.",
        verified=True,
        proof_states=("x : nat\n====\nx = x",) * 4,
    )
    timings = []
    with tempfile.TemporaryDirectory() as directory, ResultsDatabase(Path(directory)) as store:
        store.bind_config("benchmark", {})
        for index in range(records):
            item = replace(record, name=f"t{index}")
            started = time.monotonic()
            store.add(item)
            store.append_jsonl(item)
            timings.append(time.monotonic() - started)
    return {
        "records": records,
        "median_ms": round(1000 * statistics.median(timings), 3),
        "mean_ms": round(1000 * statistics.fmean(timings), 3),
    }


def main() -> None:
    """Run both measurements and print them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--time-limit", type=float, default=3.0)
    parser.add_argument("--max-expansions", type=int, default=4)
    parser.add_argument("--attempts", type=int, default=1)
    parser.add_argument("--store-records", type=int, default=300)
    arguments = parser.parse_args()
    entries = select_entries(load_benchmark("minif2f-coq", split="valid"), names=THEOREMS)
    tasks = [
        AttemptTask(key=entry.key, attempt=attempt, theorem=entry.theorem)
        for entry in entries
        if entry.theorem is not None
        for attempt in range(arguments.attempts)
    ]
    setup = WorkerSetup(
        backend=BackendConfig(),
        generator=GeneratorConfig(),
        search=SearchConfig(
            time_limit_s=arguments.time_limit, max_expansions=arguments.max_expansions
        ),
    )
    one = measure_pool(tasks, setup, 1)
    two = measure_pool(tasks, setup, 2)
    report = {
        "theorems": len(entries),
        "budget": {
            "time_limit_s": arguments.time_limit,
            "max_expansions": arguments.max_expansions,
        },
        "one_worker": one,
        "two_workers": two,
        "throughput_ratio_2_over_1": round(two["attempts_per_s"] / one["attempts_per_s"], 3),
        "store": measure_store(arguments.store_records),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
