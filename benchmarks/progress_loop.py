"""The progress loop: search valid, train the progress model on it, search test with it.

Arms on the test split, all at the same budget (``--time-limit``/``--tactic-timeout``
and default search flags): ``fixed`` (no progress model; the core benchmark's run can be
reused), ``fixed-progress`` (``--progress-model``, α-mixed priority) and
``dynamic-progress`` (plus ``--sampling dynamic``). Reported per arm: solved count, mean
expansions per proof (over each arm's proofs and over the theorems every arm proved),
median time to proof and the scorer's share of the time; plus the model's metrics.

Existing runs are reused when their budget flags match (checked in their config.json);
missing theorems are run into a new ``shard-K`` directory, so an interrupted loop resumes.
Usage (the figures in docs/results/2026-11-23-progress-loop.md)::

    .venv/bin/python -m benchmarks.progress_loop --valid-run runs/bench/search-valid \
        --test-run runs/bench/search-test --output runs/progress-loop \
        --time-limit 10 --tactic-timeout 2 --parallel
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.search_benchmark import prove_argv
from models.progress.data import run_results_files
from prover.data.benchmarks import load_benchmark

#: SearchConfig fields that must agree between a reused run and the requested budget.
BUDGET_FIELDS = (
    "time_limit_s",
    "tactic_timeout_s",
    "num_candidates",
    "max_depth",
    "max_expansions",
    "expansion_batch_size",
    "seed",
)
ARMS = {
    "fixed": [],
    "fixed-progress": ["--progress-model", "{model}", "--alpha", "{alpha}"],
    "dynamic-progress": [
        "--progress-model",
        "{model}",
        "--alpha",
        "{alpha}",
        "--sampling",
        "dynamic",
        "--min-candidates",
        "{min_candidates}",
    ],
    "dynamic": ["--sampling", "dynamic", "--min-candidates", "{min_candidates}"],
}


def read_records(run: Path) -> dict[str, dict[str, Any]]:
    """The run's records by theorem name (first record of a name wins)."""
    records: dict[str, dict[str, Any]] = {}
    for path in run_results_files(run):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                records.setdefault(record["name"], record)
    return records


def check_budget(run: Path, arguments: argparse.Namespace) -> None:
    """Refuse to reuse a run whose search budget differs from the requested one."""
    wanted = {
        "time_limit_s": arguments.time_limit,
        "tactic_timeout_s": arguments.tactic_timeout,
        "num_candidates": 32,
        "max_depth": 50,
        "max_expansions": None,
        "expansion_batch_size": 1,
        "seed": 0,
    }
    configs = [run / "config.json", *sorted(run.glob("shard-*/config.json"))]
    for path in configs:
        if not path.is_file():
            continue
        search = json.loads(path.read_text())["search"]
        different = {
            k: (search.get(k), wanted[k]) for k in BUDGET_FIELDS if search.get(k) != wanted[k]
        }
        if different:
            raise SystemExit(f"{path}: budget differs from this loop's (have, want): {different}")


def ensure_run(
    run: Path, split: str, extra: Sequence[str], arguments: argparse.Namespace, *, wait: bool = True
) -> subprocess.Popen[bytes] | None:
    """Run ``prover prove`` on the split's theorems missing from ``run`` (new shard dir)."""
    check_budget(run, arguments)
    names = [e.key for e in load_benchmark("minif2f-coq", split=split)]
    names = names[: arguments.limit] if arguments.limit else names
    missing = [name for name in names if name not in read_records(run)]
    if not missing:
        return None
    if run_results_files(run) and not arguments.complete_missing:
        raise SystemExit(
            f"{run}: {len(names) - len(missing)} of {len(names)} theorems done; wait for the "
            "run to finish or pass --complete-missing to run the rest here"
        )
    shard = 0
    while (run / f"shard-{shard}").exists():
        shard += 1
    command = prove_argv(
        split,
        missing,
        time_limit=arguments.time_limit,
        tactic_timeout=arguments.tactic_timeout,
        output=run / f"shard-{shard}",
        extra=extra,
    )
    print(f"running {len(missing)} {split} theorems into {run}/shard-{shard}", flush=True)
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL)
    if wait:
        process.wait()
        return None
    return process


def wait_until_complete(run: Path, split: str, arguments: argparse.Namespace) -> None:
    """Poll a run another process is writing (e.g. the core benchmark) until it is complete."""
    names = [e.key for e in load_benchmark("minif2f-coq", split=split)]
    wanted = set(names[: arguments.limit] if arguments.limit else names)
    while not wanted <= set(read_records(run)):
        time.sleep(30)
    check_budget(run, arguments)


def ensure_model(model: Path, valid_run: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    """Train the progress model on the valid run unless ``model`` already holds one."""
    if not (model / "progress_manifest.json").is_file():
        command = [
            sys.executable,
            "-m",
            "prover.cli.main",
            "--log-level",
            "INFO",
            "train-progress",
            "--data",
            str(valid_run),
            "--output",
            str(model),
            "--epochs",
            str(arguments.epochs),
            "--threads",
            "1",
            "--seed",
            str(arguments.seed),
            *(["--num-layers", str(arguments.num_layers)] if arguments.num_layers else []),
        ]
        subprocess.run(command, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return json.loads((model / "metrics.json").read_text())  # type: ignore[no-any-return]


def test_set_metrics(model: Path, test_run: Path) -> dict[str, Any]:
    """The model's metrics on the proved states of the (fixed) test run: reporting only."""
    from models.progress import load_progress_predictor, read_manifest
    from models.progress.data import load_examples
    from models.progress.training import evaluate_predictions

    examples = load_examples([test_run])
    predictor = load_progress_predictor(model)
    predictions = predictor.predict_remaining_steps(
        [e.state for e in examples], [e.proof_so_far for e in examples]
    )
    manifest = read_manifest(model)
    median = manifest.label_median if manifest.label_median is not None else 1.0
    return evaluate_predictions(examples, predictions, constant=manifest.label_mean, median=median)


def arm_summary(records: dict[str, dict[str, Any]], common: set[str]) -> dict[str, Any]:
    """Solved count, expansions per proof (own proofs and common proofs), times."""
    proved = {n: r for n, r in records.items() if r["status"] == "proved"}
    total_s = sum(r["time_s"] for r in records.values()) or 1.0

    def mean(values: list[float]) -> float | None:
        return statistics.fmean(values) if values else None

    return {
        "theorems": len(records),
        "proved": len(proved),
        "errors": sum(r["status"] == "error" for r in records.values()),
        "mean_expansions_per_proof": mean([r["expansions"] for r in proved.values()]),
        "mean_expansions_per_common_proof": mean([proved[n]["expansions"] for n in common]),
        "mean_proof_length": mean([len(r["proof"]) for r in proved.values()]),
        "median_time_to_proof_s": statistics.median(r["time_s"] for r in proved.values())
        if proved
        else None,
        "scorer_time_fraction": sum(r["scorer_time_s"] for r in records.values()) / total_s,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the loop and write OUTPUT/report.json; print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--valid-run", type=Path, default=Path("runs/bench/search-valid"))
    parser.add_argument("--test-run", type=Path, default=Path("runs/bench/search-test"))
    parser.add_argument("--output", type=Path, default=Path("runs/progress-loop"))
    parser.add_argument("--model", type=Path, help="default: OUTPUT/model (trained if absent)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--tactic-timeout", type=float, default=2.0)
    parser.add_argument("--limit", type=int, help="first N theorems of each split")
    parser.add_argument("--alpha", type=float, default=0.2)
    parser.add_argument("--min-candidates", type=int, default=4)
    parser.add_argument("--epochs", type=float, default=30.0)
    parser.add_argument("--num-layers", type=int, default=3, help="backbone layers kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arms", default="fixed-progress,dynamic-progress")
    parser.add_argument("--parallel", action="store_true", help="run the arms concurrently")
    parser.add_argument(
        "--wait-for-test-run",
        action="store_true",
        help="the fixed arm's run is being written elsewhere: start the arms, then wait for it",
    )
    parser.add_argument(
        "--complete-missing", action="store_true", help="finish incomplete runs in new shards"
    )
    arguments = parser.parse_args(argv)
    model = arguments.model or arguments.output / "model"
    ensure_run(arguments.valid_run, "valid", [], arguments)
    metrics = ensure_model(model, arguments.valid_run, arguments)
    if not arguments.wait_for_test_run:
        ensure_run(arguments.test_run, "test", [], arguments)
    values = {
        "model": str(model),
        "alpha": str(arguments.alpha),
        "min_candidates": str(arguments.min_candidates),
    }
    runs = {"fixed": arguments.test_run}
    processes = []
    for arm in arguments.arms.split(","):
        runs[arm] = arguments.output / f"test-{arm}"
        extra = [part.format(**values) for part in ARMS[arm]]
        process = ensure_run(runs[arm], "test", extra, arguments, wait=not arguments.parallel)
        processes.append(process)
    if arguments.wait_for_test_run:
        wait_until_complete(arguments.test_run, "test", arguments)
    for process in processes:
        if process is not None:
            process.wait()
    records = {arm: read_records(run) for arm, run in runs.items()}
    common = set.intersection(
        *({n for n, r in rs.items() if r["status"] == "proved"} for rs in records.values())
    )
    summaries = {arm: arm_summary(rs, common) for arm, rs in records.items()}
    report: dict[str, Any] = {
        "settings": {k: str(v) for k, v in vars(arguments).items()},
        "model_metrics": {
            k: metrics[k]
            for k in (
                "examples",
                "theorems",
                "train_examples",
                "accuracy",
                "mae",
                "mae_by_bucket",
                "baseline_mae",
                "baseline_accuracy",
            )
        }
        | {k: v for k, v in metrics.items() if k.startswith("baseline_median")},
        "model_metrics_on_test_proofs": test_set_metrics(model, arguments.test_run),
        "arms": summaries,
        "commonly_proved": len(common),
    }
    arguments.output.mkdir(parents=True, exist_ok=True)
    (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["model_metrics"]))
    print("| arm | proved/theorems | mean exp/proof | mean exp/common proof | scorer share |")
    for arm, row in summaries.items():
        print(
            f"| {arm} | {row['proved']}/{row['theorems']} | "
            f"{row['mean_expansions_per_proof']} | {row['mean_expansions_per_common_proof']} "
            f"| {row['scorer_time_fraction']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
