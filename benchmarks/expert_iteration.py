"""Expert iteration: search, keep the verified proofs, retrain knn and progress, evaluate.

Round r uses the knn generator and the progress model of round r:

1. **evaluate** on miniF2F-Coq *test* (``--workers`` sharded ``prover prove`` runs); test
   proofs are never training data;
2. **search** (rounds before the last) miniF2F-Coq *valid* and a seeded sample of the
   trace's *valid-split* theorems (``prover prove --file F --theorem T``, F the installed
   stdlib source), skipping theorems proved in an earlier round; the round's verified
   proofs are merged into ``OUTPUT/round-r/search/results.jsonl``;
3. **retrain** both models on the trace plus every round's search run:
   ``prover train-generator --kind knn`` and ``prover train-progress``.

The report (``OUTPUT/report.json`` and a table in ``report.md``; each round also as one JSON
line on stdout) gives per round the test solved count (and, with ``--baseline-run``, the
theorems gained and lost against that run), the data added (new theorems proved, labelled
states) and the models' held-out figures from their ``metrics.json``.
Finished steps are kept, so a rerun resumes. Usage (the figures in docs/progress.md)::

    python -m benchmarks.expert_iteration --trace TRACE_DIR --output runs/expert \
        --knn-model KNN_DIR --progress-model PROGRESS_DIR --rounds 2 \
        --search-flags "--alpha 0.5 --progress-n-max 10" --time-limit 10 --tactic-timeout 2
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prover.attempts.jsonl import JsonlWriter, read_jsonl, read_records
from prover.attempts.progress_data import record_examples
from prover.attempts.record import AttemptRecord
from prover.data.benchmarks import load_benchmark

__all__ = ["main", "trace_theorems"]


def trace_theorems(
    trace: Path, *, count: int, max_proof_length: int, seed: int
) -> list[dict[str, Any]]:
    """A seeded sample of the trace's valid-split theorems (library stdlib, traced).

    Names declared twice in one file (``id`` in several modules) are left out: ``--file F
    --theorem T`` would find the first one only.
    """
    everything = read_jsonl(trace / "theorems.jsonl")
    counts = Counter((row.get("file"), row.get("theorem")) for row in everything)
    rows = [
        row
        for row in everything
        if counts[(row.get("file"), row.get("theorem"))] == 1
        and row.get("split") == "valid"
        and row.get("status") == "traced"
        and row.get("library") == "stdlib"
        and (row.get("proof_length") or 0) <= max_proof_length
    ]

    def rank(row: dict[str, Any]) -> str:
        return hashlib.sha256(f"{seed}\x00{row['file']}\x00{row['theorem']}".encode()).hexdigest()

    return sorted(rows, key=rank)[:count]


def _python_prover(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "prover.cli.main", *arguments]


def _run(command: Sequence[str], log: Path) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as stream:
        stream.write("$ " + " ".join(shlex.quote(c) for c in command) + "\n")
        stream.flush()
        return subprocess.run(
            command, stdout=stream, stderr=subprocess.STDOUT, check=False
        ).returncode


def _search_flags(arguments: argparse.Namespace, knn: Path, progress: Path) -> list[str]:
    return [
        "--backend",
        "coq",
        "--generator",
        arguments.generator,
        "--model",
        str(knn),
        "--progress-model",
        str(progress),
        "--time-limit",
        str(arguments.time_limit),
        "--tactic-timeout",
        str(arguments.tactic_timeout),
        "--no-progress",
        "--force",
        *shlex.split(arguments.search_flags),
    ]


def _records(directory: Path) -> list[AttemptRecord]:
    return [r for path in sorted(directory.rglob("results.jsonl")) for r in read_records(path)]


def run_benchmark(
    arguments: argparse.Namespace, split: str, names: Sequence[str], output: Path, flags: list[str]
) -> list[AttemptRecord]:
    """miniF2F-Coq ``names`` of ``split`` in ``--workers`` parallel shards (cached)."""
    done = {r.name for r in _records(output)} if output.is_dir() else set()
    pending = [name for name in names if name not in done]
    processes = []
    for index in range(arguments.workers):
        shard = pending[index :: arguments.workers]
        if not shard:
            continue
        target = output / f"part-{len(done)}-{index}"
        command = _python_prover(
            "prove",
            "--benchmark",
            "minif2f-coq",
            "--split",
            split,
            "--names",
            ",".join(shard),
            "--output",
            str(target),
            *flags,
        )
        log = output / f"part-{len(done)}-{index}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as stream:
            processes.append(subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT))
    for process in processes:
        process.wait()
    return [r for r in _records(output) if r.name in set(names)]


def run_trace_theorems(
    arguments: argparse.Namespace,
    theorems: Sequence[dict[str, Any]],
    output: Path,
    flags: list[str],
) -> list[AttemptRecord]:
    """Each theorem with ``prover prove --file F --theorem T``, ``--workers`` at a time."""
    from prover.tracing.libraries import coq_where

    root = coq_where() / "theories"
    queue = list(enumerate(theorems))
    running: list[subprocess.Popen[bytes]] = []
    while queue or running:
        while queue and len(running) < arguments.workers:
            index, row = queue.pop(0)
            target = output / f"theorem-{index:04d}"
            if (target / "results.jsonl").is_file():
                continue
            command = _python_prover(
                "prove",
                "--file",
                str(root / row["file"]),
                "--theorem",
                row["theorem"],
                "--output",
                str(target),
                *flags,
            )
            target.mkdir(parents=True, exist_ok=True)
            with (target / "prove.log").open("w") as stream:
                running.append(subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT))
        time.sleep(0.5)
        running = [process for process in running if process.poll() is None]
    records = []
    for index, row in enumerate(theorems):
        for record in _records(output / f"theorem-{index:04d}"):
            records.append(dataclasses.replace(record, name=_trace_key(row)))
    return records


def _trace_key(row: dict[str, Any]) -> str:
    return f"{row['library']}:{row['file']}:{row['theorem']}"


def train_models(
    arguments: argparse.Namespace, directory: Path, runs: Sequence[Path]
) -> tuple[Path, Path]:
    """knn and progress models trained on the trace plus ``runs`` (cached in ``directory``)."""
    knn, progress = directory / "knn", directory / "progress"
    data = [str(arguments.trace), *map(str, runs)]
    if not (knn / "kind.json").is_file():
        command = _python_prover(
            "train-generator", "--kind", "knn", "--data", *data, "--output", str(knn)
        )
        if _run(command, directory / "train-knn.log") != 0:
            raise SystemExit(f"knn training failed; see {directory / 'train-knn.log'}")
    if not (progress / "metrics.json").is_file():
        command = _python_prover(
            "train-progress",
            "--data",
            *data,
            "--output",
            str(progress),
            *shlex.split(arguments.progress_train_flags),
        )
        if _run(command, directory / "train-progress.log") != 0:
            raise SystemExit(f"progress training failed; see {directory / 'train-progress.log'}")
    return knn, progress


def search_round(
    arguments: argparse.Namespace, directory: Path, flags: list[str], solved: set[str]
) -> dict[str, Any]:
    """Search valid and trace theorems not solved yet; merge the proofs into one run dir."""
    merged = directory / "search" / "results.jsonl"
    valid_names = [e.key for e in load_benchmark("minif2f-coq", split="valid")]
    valid_pending = [name for name in valid_names if name not in solved]
    sample = trace_theorems(
        arguments.trace,
        count=arguments.trace_theorems,
        max_proof_length=arguments.max_proof_length,
        seed=arguments.seed,
    )
    rows = [row for row in sample if _trace_key(row) not in solved]
    if not merged.is_file():
        valid = run_benchmark(arguments, "valid", valid_pending, directory / "search-valid", flags)
        traced = run_trace_theorems(arguments, rows, directory / "search-trace", flags)
        with JsonlWriter(merged) as writer:
            for record in valid + traced:
                if record.proved:
                    writer.write(record)
    new = [r for r in read_records(merged) if r.name not in solved]
    solved.update(r.name for r in new)
    return {
        "searched_valid": len(valid_pending),
        "searched_trace": len(rows),
        "proved_valid": sum(":" not in r.name for r in new),
        "proved_trace": sum(":" in r.name for r in new),
        "proofs_added": len(new),
        "tactic_steps_added": sum(len(r.proof or ()) for r in new),
        "labelled_states_added": sum(len(record_examples(r, source="x")) for r in new),
    }


def model_figures(knn: Path, progress: Path) -> dict[str, Any]:
    """The held-out figures the two models' ``metrics.json`` hold (None where absent)."""

    def metrics(directory: Path) -> dict[str, Any]:
        path = directory / "metrics.json"
        return dict(json.loads(path.read_text())) if path.is_file() else {}

    knn_metrics, progress_metrics = metrics(knn), metrics(progress)
    return {
        "knn_test_top1": (knn_metrics.get("knn") or {}).get("top1"),
        "knn_test_top10": (knn_metrics.get("knn") or {}).get("top10"),
        "knn_run_rows": knn_metrics.get("run_rows"),
        "progress_mae_ratio": progress_metrics.get("mae_ratio_to_best_constant"),
        "progress_train_examples_from_runs": progress_metrics.get("train_examples_from_runs"),
    }


def baseline_proved(baseline: Path | None) -> set[str] | None:
    """The theorems the ``--baseline-run`` directory proved (read once), or None without one."""
    return None if baseline is None else {r.name for r in _records(baseline) if r.proved}


def against_baseline(test: Sequence[AttemptRecord], before: set[str] | None) -> dict[str, Any]:
    """Test theorems proved here and not in the baseline's proved set, and the reverse."""
    if before is None:
        return {}
    now = {r.name for r in test if r.proved}
    return {"beyond_baseline": sorted(now - before), "lost_from_baseline": sorted(before - now)}


def markdown(rounds: Sequence[dict[str, Any]]) -> str:
    """The per-round table of ``report.md``."""
    columns = (
        "round", "test_proved", "beyond_baseline", "proved_valid", "proved_trace",
        "proofs_added", "labelled_states_added", "knn_test_top1", "progress_mae_ratio", "wall_s",
    )  # fmt: skip
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for entry in rounds:
        cells = [entry.get(column, "") for column in columns]
        cells = [len(c) if isinstance(c, list) else c for c in cells]
        cells = [f"{c:.3f}" if isinstance(c, float) else str(c) for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def earlier_wall_times(report: Path) -> dict[int, float]:
    """Round number -> wall seconds recorded by an earlier run of the same output (resume)."""
    if not report.is_file():
        return {}
    rounds = json.loads(report.read_text()).get("rounds", [])
    return {int(entry["round"]): float(entry.get("wall_s", 0.0)) for entry in rounds}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds and write the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trace", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=2, help="search+retrain rounds")
    parser.add_argument("--knn-model", type=Path, help="round-0 knn (default: trained)")
    parser.add_argument("--progress-model", type=Path, help="round-0 progress model")
    parser.add_argument("--generator", default="portfolio+knn")
    parser.add_argument("--search-flags", default="", help="more prove flags (alpha, sampling)")
    parser.add_argument("--progress-train-flags", default="", help="more train-progress flags")
    parser.add_argument("--trace-theorems", type=int, default=60, help="sampled per run")
    parser.add_argument(
        "--max-proof-length",
        type=int,
        default=5,
        help="sample trace theorems whose human proof has at most N tactics",
    )
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--tactic-timeout", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--baseline-run",
        type=Path,
        help="a test run (e.g. the portfolio's) to list the theorems each round adds or loses",
    )
    arguments = parser.parse_args(argv)
    test_names = [e.key for e in load_benchmark("minif2f-coq", split="test")]
    runs: list[Path] = []
    solved: set[str] = set()
    rounds: list[dict[str, Any]] = []
    earlier = earlier_wall_times(arguments.output / "report.json")
    baseline = baseline_proved(arguments.baseline_run)
    for number in range(arguments.rounds + 1):
        directory = arguments.output / f"round-{number}"
        started = time.monotonic()
        if number == 0 and arguments.knn_model and arguments.progress_model:
            knn, progress = arguments.knn_model, arguments.progress_model
        else:
            knn, progress = train_models(arguments, directory, runs)
        flags = _search_flags(arguments, knn, progress)
        test = run_benchmark(arguments, "test", test_names, directory / "test", flags)
        entry: dict[str, Any] = {
            "round": number,
            "knn_model": str(knn),
            "progress_model": str(progress),
            "training_runs": [str(run) for run in runs],
            "test_theorems": len(test),
            "test_proved": sum(r.proved for r in test),
            "test_errors": sum(r.status == "error" for r in test),
            **against_baseline(test, baseline),
            **model_figures(knn, progress),
        }
        if number < arguments.rounds:
            entry.update(search_round(arguments, directory, flags, solved))
            runs.append(directory / "search")
        # A resumed round adds to the time its earlier runs spent.
        entry["wall_s"] = round(earlier.get(number, 0.0) + time.monotonic() - started, 1)
        rounds.append(entry)
        report = {"command": " ".join(map(shlex.quote, sys.argv)), "rounds": rounds}
        (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n")
        (arguments.output / "report.md").write_text(markdown(rounds))
        print(json.dumps(entry), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
