"""Core benchmark: best-first search with the portfolio vs a single-shot baseline on miniF2F-Coq.

For each split, the search arm runs ``prover prove`` (the real CLI, sharded over
``--workers`` processes, each with its own coqtop) and the baseline arm runs
``intros`` and then each closing automation tactic once, with no search. Both
arms count a theorem as proved only after the same independent ``coqc`` check.

Usage::

    .venv/bin/python -m benchmarks.search_benchmark --splits valid,test \
        --time-limit 10 --tactic-timeout 2 --workers 2 --output runs/bench
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prover.attempts.jsonl import JsonlWriter, read_records
from prover.attempts.record import AttemptRecord
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.data.benchmarks import BenchmarkEntry, load_benchmark
from search.errors import ProverError
from search.outcomes import NewState, ProofComplete
from search.process import kill_tree, spawn
from search.states import ProofState, Theorem

#: The closing automation of the portfolio, each tried once after ``intros``.
AUTOMATION = (
    "lia",
    "nia",
    "lra",
    "nra",
    "field",
    "ring",
    "auto",
    "intuition",
    "easy",
    "tauto",
    "congruence",
    "reflexivity",
    "trivial",
    "firstorder",
    "simpl; lia",
)


def prove_argv(
    split: str,
    names: Sequence[str],
    *,
    time_limit: float,
    tactic_timeout: float,
    output: Path,
    extra: Sequence[str] = (),
) -> list[str]:
    """The ``prover prove`` command line of one shard of a miniF2F-Coq split."""
    return [
        sys.executable, "-m", "prover.cli.main", "prove", "--backend", "coq",
        "--benchmark", "minif2f-coq", "--split", split, "--names", ",".join(names),
        "--time-limit", str(time_limit), "--tactic-timeout", str(tactic_timeout),
        "--output", str(output), "--no-progress", *extra,
    ]  # fmt: skip


def run_search_arm(
    split: str, *, arguments: argparse.Namespace, output: Path
) -> list[AttemptRecord]:
    """Run ``prover prove`` on the split in ``--workers`` shards; return all records."""
    return run_prove_shards(
        split,
        [entry.key for entry in _entries(split, arguments.limit)],
        workers=arguments.workers,
        time_limit=arguments.time_limit,
        tactic_timeout=arguments.tactic_timeout,
        output=output,
    )


#: Address-space cap of every benchmark child (a prove shard, a training run), in MiB: far
#: above what they map (a knn index, torch: 1-3 GiB) and below the machine's memory, so that
#: a runaway child fails alone instead of starving its siblings (project choice).
CHILD_MEMORY_LIMIT_MB = 12 * 1024


def start_logged(
    argv: Sequence[str], log: Path, *, append: bool = False
) -> subprocess.Popen[bytes]:
    """``argv`` started with :func:`search.process.spawn`, so it dies with this process (even
    on SIGKILL; a plain ``Popen`` outlived an interrupted benchmark) and maps at most
    :data:`CHILD_MEMORY_LIMIT_MB`; its output goes to ``log``, after what ``log`` holds when
    ``append``."""
    with log.open("ab" if append else "wb") as stream:
        return spawn(argv, memory_limit_mb=CHILD_MEMORY_LIMIT_MB, output=stream)


def wait_or_stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Wait for every process; on any exit path (an interrupt) stop those still running."""
    try:
        for process in processes:
            process.wait()
    finally:
        for process in processes:
            kill_tree(process)


#: The exit statuses of a ``prover prove`` that ran its theorems (3: some ended in error).
_PROVE_RAN = (0, 3)


def require_ran(processes: Sequence[subprocess.Popen[bytes]], folders: Sequence[Path]) -> None:
    """Stop (one line) unless every ``prover prove`` ran its theorems: one that stopped
    before (a refused flag, a locked folder) left its folder as an earlier run made it."""
    for process, folder in zip(processes, folders, strict=True):
        if process.returncode not in _PROVE_RAN:
            raise SystemExit(
                f"{folder}: prover prove exited with status {process.returncode} before "
                f"running its theorems (see {folder.with_suffix('.log')}); its folder may "
                "hold an earlier run's results, which are not counted"
            )


def run_prove_shards(
    split: str,
    names: Sequence[str],
    *,
    workers: int,
    time_limit: float,
    tactic_timeout: float,
    output: Path,
    extra: Sequence[str] = (),
) -> list[AttemptRecord]:
    """``prover prove`` on ``names`` of a miniF2F-Coq split in ``workers`` parallel shards.

    Each shard writes ``OUTPUT/shard-K/`` (its output: ``OUTPUT/shard-K.log``); the merged
    records (in ``names`` order) are written to ``OUTPUT/results.jsonl`` and returned.
    ``extra`` adds flags (a generator...). A shard whose ``prover prove`` stopped before
    running (a refused flag, a locked folder) stops the script with one line: its folder
    may still hold an earlier run's results, of another text (red-team round ninety-four
    had them counted); only records of ``names`` are read.
    """
    shards = [list(names[index::workers]) for index in range(workers)]
    directories = [output / f"shard-{index}" for index, shard in enumerate(shards) if shard]
    output.mkdir(parents=True, exist_ok=True)
    processes = []
    for shard, directory in zip((s for s in shards if s), directories, strict=True):
        argv = prove_argv(
            split,
            shard,
            time_limit=time_limit,
            tactic_timeout=tactic_timeout,
            output=directory,
            extra=("--force", *extra),
        )
        processes.append(start_logged(argv, directory.with_suffix(".log")))
    wait_or_stop(processes)
    require_ran(processes, directories)
    wanted = set(names)
    records = [
        record
        for directory in directories
        for record in read_records(directory / "results.jsonl")
        if record.name in wanted
    ]
    order = {name: position for position, name in enumerate(names)}
    records.sort(key=lambda record: order.get(record.name, len(order)))
    merged = output / "results.jsonl"
    merged.unlink(missing_ok=True)
    with JsonlWriter(merged) as writer:
        for record in records:
            writer.write(record)
    return records


def _entries(split: str, limit: int | None) -> list[BenchmarkEntry]:
    entries = load_benchmark("minif2f-coq", split=split)
    return entries[:limit] if limit else entries


def single_shot(
    environment: CoqEnvironment, theorem: Theorem, *, tactic_timeout_s: float
) -> AttemptRecord:
    """``intros`` then each automation tactic once; verified like the search arm."""
    started = time.monotonic()
    try:
        root = environment.open(theorem)
        proof = _single_shot_proof(environment, root, tactic_timeout_s=tactic_timeout_s)
        verification = environment.verify(theorem, proof) if proof else None
    except ProverError as exc:
        return AttemptRecord(
            name=theorem.name,
            attempt=0,
            seed=0,
            status="error",
            error=str(exc),
            time_s=round(time.monotonic() - started, 4),
        )
    proved = verification is not None and verification.ok
    return AttemptRecord(
        name=theorem.name,
        attempt=0,
        seed=0,
        status="proved" if proved else "failed",
        proof=tuple(proof) if proved and proof else None,
        proof_text=verification.proof_text if proved and verification else None,
        verified=proved,
        time_s=round(time.monotonic() - started, 4),
    )


def _single_shot_proof(
    environment: CoqEnvironment, root: ProofState, *, tactic_timeout_s: float
) -> list[str] | None:
    state, prefix = root, []
    outcome = environment.run_tactic(root, "intros", timeout_s=tactic_timeout_s)
    if isinstance(outcome, ProofComplete):
        return ["intros"]
    if isinstance(outcome, NewState):
        state, prefix = outcome.state, ["intros"]
    for tactic in AUTOMATION:
        if isinstance(
            environment.run_tactic(state, tactic, timeout_s=tactic_timeout_s), ProofComplete
        ):
            return [*prefix, tactic]
    return None


def run_baseline_arm(split: str, *, arguments: argparse.Namespace) -> list[AttemptRecord]:
    """The single-shot baseline over the split, in this process."""
    records = []
    with CoqEnvironment(CoqConfig(prelude=DEFAULT_COQ_PRELUDE)) as environment:
        for entry in _entries(split, arguments.limit):
            if entry.theorem is None:
                continue
            records.append(
                single_shot(environment, entry.theorem, tactic_timeout_s=arguments.tactic_timeout)
            )
    return records


def summarize(records: Sequence[AttemptRecord], *, search: bool) -> dict[str, Any]:
    """Solved counts, median time to proof and, for the search arm, throughput and overhead."""
    proved = [r for r in records if r.proved]
    total_time_s = sum(r.time_s for r in records)
    summary: dict[str, Any] = {
        "theorems": len(records),
        "statements_accepted": sum(r.status != "error" for r in records),
        "proved": len(proved),
        "median_time_to_proof_s": statistics.median(r.time_s for r in proved) if proved else None,
    }
    if search and total_time_s > 0:
        summary["expansions_per_s"] = sum(r.expansions for r in records) / total_time_s
        summary["overhead_fraction"] = sum(r.overhead_time_s for r in records) / total_time_s
        summary["generator_fraction"] = sum(r.generator_time_s for r in records) / total_time_s
        summary["backend_fraction"] = sum(r.backend_time_s for r in records) / total_time_s
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    """Run both arms on every split and write OUTPUT/summary.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splits", default="valid,test")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--tactic-timeout", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--output", type=Path, default=Path("runs/bench"))
    arguments = parser.parse_args(argv)
    report: dict[str, Any] = {"settings": vars(arguments) | {"output": str(arguments.output)}}
    for split in arguments.splits.split(","):
        started = time.monotonic()
        search = run_search_arm(
            split, arguments=arguments, output=arguments.output / f"search-{split}"
        )
        search_wall_s = time.monotonic() - started
        baseline = run_baseline_arm(split, arguments=arguments)
        baseline_path = arguments.output / f"baseline-{split}.jsonl"
        baseline_path.unlink(missing_ok=True)
        with JsonlWriter(baseline_path) as writer:
            for record in baseline:
                writer.write(record)
        report[split] = {
            "search": summarize(search, search=True) | {"wall_s": search_wall_s},
            "single_shot": summarize(baseline, search=False),
        }
        (arguments.output / "summary.json").write_text(json.dumps(report, indent=2) + "\n")
        print(json.dumps({split: report[split]}, indent=2), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
