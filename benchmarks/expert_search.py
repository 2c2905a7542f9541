"""Expert iteration's searches: miniF2F-Coq splits and sampled trace theorems.

Each search is the real ``prover prove`` in ``--workers`` subprocesses, and each skips what
its output directory already holds, so an interrupted round resumes.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import shlex
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.cached_results import (
    benchmark_fingerprints,
    bind_benchmark_texts,
    result_files,
    theorem_folder_name,
)
from benchmarks.search_benchmark import require_ran, start_logged, wait_or_stop
from prover.attempts.jsonl import read_jsonl, read_records
from prover.attempts.record import AttemptRecord
from search.process import kill_tree

__all__ = [
    "python_prover",
    "records_under",
    "run_benchmark",
    "run_logged",
    "run_trace_theorems",
    "trace_key",
    "trace_records",
    "trace_theorem_dir",
    "trace_theorems",
]


def trace_theorems(
    trace: Path, *, count: int, max_proof_length: int, seed: int, split: str = "valid"
) -> list[dict[str, Any]]:
    """A seeded sample of the trace's ``split`` theorems (library stdlib, traced).

    Names declared twice in one file (``id`` in several modules) are left out: ``--file F
    --theorem T`` would find the first one only.
    """
    everything = read_jsonl(trace / "theorems.jsonl")
    counts = Counter((row.get("file"), row.get("theorem")) for row in everything)
    rows = [
        row
        for row in everything
        if counts[(row.get("file"), row.get("theorem"))] == 1
        and row.get("split") == split
        and row.get("status") == "traced"
        and row.get("library") == "stdlib"
        and (row.get("proof_length") or 0) <= max_proof_length
    ]

    def rank(row: dict[str, Any]) -> str:
        return hashlib.sha256(f"{seed}\x00{row['file']}\x00{row['theorem']}".encode()).hexdigest()

    return sorted(rows, key=rank)[:count]


def python_prover(*arguments: str) -> list[str]:
    """The command running ``prover ARGUMENTS`` with this interpreter."""
    return [sys.executable, "-m", "prover.cli.main", *arguments]


def run_logged(command: Sequence[str], log: Path) -> int:
    """Run ``command`` with its output appended to ``log``; its exit code.

    Started and awaited like every benchmark child (:func:`start_logged`,
    :func:`wait_or_stop`): an interrupt or an error here stops its whole process tree, and a
    SIGKILL of this process takes the child with it.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as stream:
        stream.write("$ " + " ".join(shlex.quote(c) for c in command) + "\n")
    process = start_logged(command, log, append=True)
    wait_or_stop([process])
    return process.returncode


def records_under(directory: Path) -> list[AttemptRecord]:
    """Every attempt record of every results.jsonl under ``directory``."""
    return [r for path in result_files(directory) for r in read_records(path)]


def run_benchmark(
    arguments: argparse.Namespace, split: str, names: Sequence[str], output: Path, flags: list[str]
) -> list[AttemptRecord]:
    """miniF2F-Coq ``names`` of ``split`` in ``--workers`` parallel shards (cached)."""
    bind_benchmark_texts(output, benchmark_fingerprints(split, names))  # round ninety
    done = {r.name for r in records_under(output)} if output.is_dir() else set()
    pending = [name for name in names if name not in done]
    processes = []
    targets: list[Path] = []
    for index in range(arguments.workers):
        shard = pending[index :: arguments.workers]
        if not shard:
            continue
        target = output / f"part-{len(done)}-{index}"
        targets.append(target)
        command = python_prover(
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
        processes.append(start_logged(command, log))
    wait_or_stop(processes)
    require_ran(processes, targets)
    return [r for r in records_under(output) if r.name in set(names)]


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
    try:
        while queue or running:
            while queue and len(running) < arguments.workers:
                index, row = queue.pop(0)
                target = trace_theorem_dir(output, index, row)
                if (target / "results.jsonl").is_file():
                    continue
                command = python_prover(
                    "prove", "--file", str(root / row["file"]), "--theorem", row["theorem"],
                    "--output", str(target), *flags,
                )  # fmt: skip
                target.mkdir(parents=True, exist_ok=True)
                running.append(start_logged(command, target / "prove.log"))
            time.sleep(0.5)
            running = [process for process in running if process.poll() is None]
    finally:
        for process in running:  # only after an interrupt: the loop ends with none running
            kill_tree(process)
    return trace_records(theorems, output)


def trace_theorem_dir(output: Path, index: int, row: dict[str, Any]) -> Path:
    """Where :func:`run_trace_theorems` runs the ``index``-th theorem of ``output``, ``row``:
    a folder named after the theorem (:func:`benchmarks.cached_results.theorem_folder_name`),
    so that another sample's theorem at that position is never read as this one."""
    return output / theorem_folder_name(index, trace_key(row))


def trace_records(theorems: Sequence[dict[str, Any]], output: Path) -> list[AttemptRecord]:
    """The records :func:`run_trace_theorems` left in ``output``, named by :func:`trace_key`;
    a record of another theorem than its folder's is left out (round ninety)."""
    return [
        dataclasses.replace(record, name=trace_key(row))
        for index, row in enumerate(theorems)
        for record in records_under(trace_theorem_dir(output, index, row))
        if record.name == row["theorem"]
    ]


def trace_key(row: dict[str, Any]) -> str:
    """The record name of a trace theorem: ``library:file:theorem``."""
    return f"{row['library']}:{row['file']}:{row['theorem']}"
