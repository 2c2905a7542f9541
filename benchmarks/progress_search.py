"""Search arms compared at equal budget on miniF2F-Coq or trace theorems, interleaved by chunk.

Each arm is a set of ``prover prove`` flags added to common ones (the generator, the
budget); for example generator scores only, ``+ progress`` (``--progress-model M
--alpha A``) and ``+ progress + dynamic sampling`` (``--sampling dynamic ...``). The
theorems are cut into chunks; for every chunk each arm runs ``--workers`` sharded
``prover prove`` processes, arms in rotating order, so that every arm sees the same mix
of machine load (the machine is shared). Finished chunks are kept, so a rerun resumes.

The report (``OUTPUT/report.json`` and ``OUTPUT/report.md``) gives per arm: proved,
errors, mean expansions per proof, mean expansions on the theorems *every* arm proved
(and on those of them that needed more than the root expansion) with the ratio to the
first arm, theorems gained and lost against the first arm, median time to proof, the
scorer's and generator's share of search time, and the load average seen.

``--trace TRACE_DIR`` runs the arms on held-out theorems of the trace instead: a seeded
sample (``--count``, ``--seed``, ``--max-proof-length``) of the trace's ``--split``
stdlib theorems, each proved in its own file (``prover prove --file F --theorem T``, so
knn learns online from the proofs above it). Those are the long, in-domain proofs a
progress model trained on the trace should order best; miniF2F's are one to three steps.

A language model arm needs a server: ``--serve-lm DIR`` serves a HF model directory
with vLLM (``models.language.vllm_server``) for the whole run, and ``{api_base}`` /
``{served_name}`` in any flags are replaced by its address and name. Example (the
figures in docs/progress.md)::

    python -m benchmarks.progress_search --split test --output runs/progress-test \
        --common "--generator portfolio+knn --model KNN_DIR" \
        --arm "scores=" --arm "progress=--progress-model M --alpha 0.5" \
        --arm "dynamic=--progress-model M --alpha 0.5 --sampling dynamic --min-candidates 8" \
        --time-limit 10 --tactic-timeout 2 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.arms_report import render_markdown, summarize_arms
from benchmarks.cached_results import benchmark_fingerprints, bind_benchmark_texts, result_files
from benchmarks.expert_search import (
    run_trace_theorems,
    trace_key,
    trace_records,
    trace_theorem_dir,
    trace_theorems,
)
from benchmarks.search_benchmark import require_ran, start_logged, wait_or_stop
from prover.attempts.jsonl import read_records
from prover.attempts.record import AttemptRecord
from prover.data.benchmarks import load_benchmark

__all__ = [
    "Arm",
    "arm_records",
    "main",
    "parse_arm",
    "theorem_names",
    "trace_rows",
]


@dataclass(frozen=True, kw_only=True)
class Arm:
    """One configuration compared: a name and the ``prover prove`` flags it adds."""

    name: str
    flags: tuple[str, ...]


def parse_arm(text: str) -> Arm:
    """``NAME=FLAGS`` (flags split shell-style; may be empty)."""
    name, separator, flags = text.partition("=")
    if not separator or not name.strip() or "/" in name:
        raise argparse.ArgumentTypeError(f"an arm is NAME=FLAGS, got {text!r}")
    return Arm(name=name.strip(), flags=tuple(shlex.split(flags)))


def trace_rows(arguments: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """``--trace`` mode: the sampled trace theorems by record name (empty without it)."""
    if arguments.trace is None:
        return {}
    rows = trace_theorems(
        arguments.trace,
        count=arguments.count,
        max_proof_length=arguments.max_proof_length,
        seed=arguments.seed,
        split=arguments.split,
    )
    return {trace_key(row): row for row in rows}


def theorem_names(arguments: argparse.Namespace) -> list[str]:
    """The split's theorems, optionally restricted by --names and --skip-root-proofs-of."""
    names = (
        list(arguments.trace_rows)
        if arguments.trace_rows
        else [entry.key for entry in load_benchmark("minif2f-coq", split=arguments.split)]
    )
    if arguments.names:
        wanted = {name.strip() for name in arguments.names.split(",") if name.strip()}
        names = [name for name in names if name in wanted]
    if arguments.skip_root_proofs_of:
        settled = {
            record.name
            for record in run_records(arguments.skip_root_proofs_of)
            if record.status == "error" or (record.proved and record.expansions <= 1)
        }
        names = [name for name in names if name not in settled]
    return names[: arguments.limit] if arguments.limit else names


def run_records(directory: Path) -> list[AttemptRecord]:
    """Every record under ``directory`` (any depth of chunk/shard folders)."""
    return [record for path in result_files(directory) for record in read_records(path)]


def arm_records(
    arguments: argparse.Namespace, directory: Path, chunks: Sequence[Sequence[str]]
) -> list[AttemptRecord]:
    """An arm's records, named as :func:`theorem_names` names them (trace keys in --trace)."""
    if not arguments.trace_rows:
        return run_records(directory)
    return [
        record
        for number, chunk in enumerate(chunks)
        for record in trace_records(
            [arguments.trace_rows[name] for name in chunk], directory / f"chunk-{number:03d}"
        )
    ]


def _prove_command(
    arguments: argparse.Namespace, arm: Arm, names: Sequence[str], output: Path
) -> list[str]:
    return [
        sys.executable, "-m", "prover.cli.main", "prove", "--backend", "coq",
        "--benchmark", "minif2f-coq", "--split", arguments.split, "--names", ",".join(names),
        "--time-limit", str(arguments.time_limit), "--tactic-timeout",
        str(arguments.tactic_timeout), "--output", str(output), "--no-progress", "--force",
        *arguments.common_flags, *arm.flags,
    ]  # fmt: skip


def _trace_flags(arguments: argparse.Namespace, arm: Arm) -> list[str]:
    return [
        "--backend", "coq", "--time-limit", str(arguments.time_limit), "--tactic-timeout",
        str(arguments.tactic_timeout), "--no-progress", "--force", *arguments.common_flags,
        *arm.flags,
    ]  # fmt: skip


def _run_trace_chunk(
    arguments: argparse.Namespace, arm: Arm, chunk: Sequence[str], directory: Path
) -> float | None:
    """``--trace`` mode: one ``prove --file`` per theorem, ``--workers`` at a time."""
    rows = [arguments.trace_rows[name] for name in chunk]
    cached = (trace_theorem_dir(directory, i, row) / "results.jsonl" for i, row in enumerate(rows))
    if all(path.is_file() for path in cached):
        return None
    load = os.getloadavg()[0]
    run_trace_theorems(arguments, rows, directory, _trace_flags(arguments, arm))
    return load


def _complete(output: Path, names: Sequence[str]) -> bool:
    path = output / "results.jsonl"
    if not path.is_file():
        return False
    return {record.name for record in read_records(path)} >= set(names)


def run_chunk(
    arguments: argparse.Namespace, arm: Arm, chunk: Sequence[str], directory: Path
) -> float | None:
    """Run one arm on one chunk in ``--workers`` shards; returns the load seen (None: cached)."""
    if arguments.trace_rows:
        return _run_trace_chunk(arguments, arm, chunk, directory)
    shards = [list(chunk[index :: arguments.workers]) for index in range(arguments.workers)]
    pending = [
        (index, shard)
        for index, shard in enumerate(shards)
        if shard and not _complete(directory / f"shard-{index}", shard)
    ]
    if not pending:
        return None
    load = os.getloadavg()[0]
    directory.mkdir(parents=True, exist_ok=True)
    processes = []
    for index, shard in pending:
        command = _prove_command(arguments, arm, shard, directory / f"shard-{index}")
        processes.append(start_logged(command, directory / f"shard-{index}.log"))
    wait_or_stop(processes)
    require_ran(processes, [directory / f"shard-{index}" for index, _ in pending])
    return load


@contextlib.contextmanager
def served_language_model(arguments: argparse.Namespace) -> Iterator[dict[str, str]]:
    """Serve ``--serve-lm`` for the run; yields the placeholder values (none without it)."""
    from models.language.vllm_server import served_if_given

    with served_if_given(
        python=arguments.vllm_python,
        model_dir=arguments.serve_lm,
        log_path=arguments.output / "vllm.log",
        served_name="lm",
    ) as server:
        yield (
            {}
            if server is None
            else {"api_base": server.api_base, "served_name": server.served_name}
        )


def _substitute(flags: Sequence[str], values: dict[str, str]) -> tuple[str, ...]:
    result = []
    for flag in flags:
        text = flag
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        result.append(text)
    return tuple(result)


def run(arguments: argparse.Namespace) -> dict[str, Any]:
    """Run every arm on every chunk (resuming), then write and return the report."""
    arguments.trace_rows = trace_rows(arguments)
    names = theorem_names(arguments)
    if not arguments.trace_rows:  # cached shards are read by name (round ninety)
        bind_benchmark_texts(arguments.output, benchmark_fingerprints(arguments.split, names))
    chunks = [
        names[i : i + arguments.chunk_size] for i in range(0, len(names), arguments.chunk_size)
    ]
    loads: list[float] = []
    started = time.monotonic()
    with served_language_model(arguments) as values:
        arguments.common_flags = _substitute(shlex.split(arguments.common), values)
        arms = [Arm(name=a.name, flags=_substitute(a.flags, values)) for a in arguments.arm]
        for number, chunk in enumerate(chunks):
            shift = number % len(arms)
            for arm in arms[shift:] + arms[:shift]:
                load = run_chunk(
                    arguments, arm, chunk, arguments.output / arm.name / f"chunk-{number:03d}"
                )
                if load is not None:
                    loads.append(load)
                    print(
                        f"chunk {number + 1}/{len(chunks)} arm {arm.name} (load {load:.1f})",
                        flush=True,
                    )
    wanted = set(names)
    records = {
        arm.name: {
            r.name: r
            for r in arm_records(arguments, arguments.output / arm.name, chunks)
            if r.name in wanted
        }
        for arm in arguments.arm
    }
    report = {
        "command": " ".join(shlex.quote(part) for part in sys.argv),
        "split": arguments.split,
        "benchmark": "trace" if arguments.trace_rows else "minif2f-coq",
        "theorems": len(names),
        "time_limit_s": arguments.time_limit,
        "tactic_timeout_s": arguments.tactic_timeout,
        "workers": arguments.workers,
        "arms": {arm.name: list(arm.flags) for arm in arguments.arm},
        "common_flags": shlex.split(arguments.common),
        "wall_s": round(time.monotonic() - started, 1),
        "load": {
            "mean": round(statistics.fmean(loads), 2) if loads else None,
            "min": round(min(loads), 2) if loads else None,
            "max": round(max(loads), 2) if loads else None,
        },
        "summary": summarize_arms(records),
    }
    arguments.output.mkdir(parents=True, exist_ok=True)
    (arguments.output / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (arguments.output / "report.md").write_text(render_markdown(report))
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the flags, run the arms and print the table."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--split", choices=("valid", "test"), required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--arm", type=parse_arm, action="append", required=True, help="NAME=FLAGS")
    parser.add_argument("--common", default="", help="prove flags of every arm (the generator...)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--tactic-timeout", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2, help="prove processes per arm and chunk")
    parser.add_argument("--chunk-size", type=int, default=40)
    parser.add_argument("--names", help="comma-separated theorem names (default: the split)")
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--skip-root-proofs-of",
        type=Path,
        metavar="RUN_DIR",
        help="leave out theorems this run proved in the root expansion or could not start "
        "(their outcome does not depend on the scorer)",
    )
    parser.add_argument(
        "--trace", type=Path, metavar="TRACE_DIR", help="held-out trace theorems, not miniF2F"
    )
    parser.add_argument("--count", type=int, default=100, help="trace theorems sampled")
    parser.add_argument("--seed", type=int, default=0, help="seed of the trace sample")
    parser.add_argument(
        "--max-proof-length", type=int, default=10**6, help="longest library proof sampled"
    )
    parser.add_argument("--serve-lm", type=Path, metavar="HF_DIR", help="serve a LM with vLLM")
    parser.add_argument("--vllm-python", default=".venv-vllm/bin/python")
    arguments = parser.parse_args(argv)
    names = [arm.name for arm in arguments.arm]
    if len(set(names)) != len(names):
        parser.error(f"arm names must differ: {names}")
    report = run(arguments)
    print(render_markdown(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
