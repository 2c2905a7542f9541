"""The prover's own proofs as training rows: the verified proofs of ``prove``/``eval`` runs.

A run directory holds ``DIR/results.jsonl``, or ``DIR/shard-*/results.jsonl`` for a sharded
run, or ``DIR/chunk-*/shard-*/results.jsonl`` for an arm of ``benchmarks.progress_search``;
all are read with the typed record reader (:func:`prover.attempts.jsonl.read_records`),
here on the prover side, so the models never parse the prover's result files. Every
verified proof gives one :class:`models.trace_data.TraceStep` per tactic (the state before
it, the steps left), in the ``train`` split, which is how the prover learns from itself
(expert iteration). Records of a benchmark's ``test`` split are left out, so test theorems
never enter training whatever run directory is passed; so are proofs of the trace's
test-file theorems (:func:`models.trace_data.theorems_of_test_files`, given as ``held_out``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from models.trace_data import TraceStep
from prover.attempts.jsonl import read_records
from prover.attempts.record import AttemptRecord
from search.errors import InputError

__all__ = ["read_run_records", "run_results_files", "trainable", "verified_proof_steps"]

logger = logging.getLogger(__name__)


def run_results_files(directory: Path) -> list[Path]:
    """``DIR/results.jsonl``, else a sharded run's ``DIR/shard-*/results.jsonl``, else the
    ``DIR/chunk-*/shard-*/results.jsonl`` of a ``progress_search`` arm (run in chunks)."""
    single = directory / "results.jsonl"
    if single.is_file():
        return [single]
    shards = sorted(directory.glob("shard-*/results.jsonl"))
    return shards or sorted(directory.glob("chunk-*/shard-*/results.jsonl"))


def read_run_records(directory: Path) -> list[AttemptRecord]:
    """Every attempt of a run directory; InputError naming it when it holds no results."""
    files = run_results_files(directory)
    if not files:
        raise InputError(
            f"{directory}: not a run directory "
            "(no results.jsonl, shard-*/results.jsonl or chunk-*/shard-*/results.jsonl)"
        )
    return [record for path in files for record in read_records(path)]


def trainable(record: AttemptRecord, held_out: frozenset[str]) -> bool:
    """Whether a record may be learned from: proved, not of a test split, not held out (by its
    name, or by the theorem part of a ``file:theorem`` name: the in-domain benchmark names
    its records so, and round ninety had a test file's proof learned through one)."""
    bare = record.name.rsplit(":", 1)[-1]
    return (
        record.proved
        and record.split != "test"
        and record.name not in held_out
        and bare not in held_out
    )


def verified_proof_steps(
    directories: Sequence[Path], *, held_out: frozenset[str] = frozenset()
) -> list[TraceStep]:
    """Training rows of every verified proof in the run directories that may be learned.

    Test-split records and proofs of ``held_out`` theorem names are left out. All
    directories are read before anything is returned, so a bad one fails the command
    before any training starts.
    """
    steps: list[TraceStep] = []
    for directory in directories:
        records = read_run_records(Path(directory))
        kept = [r for r in records if trainable(r, held_out)]
        found = [step for record in kept for step in _record_steps(record, directory)]
        left_out = sum(1 for r in records if r.proved) - len(kept)
        logger.info(
            "%s: %d training rows (%d test-split or held-out proofs left out)",
            directory,
            len(found),
            left_out,
        )
        steps.extend(found)
    return steps


def _record_steps(record: AttemptRecord, directory: Path) -> list[TraceStep]:
    """One row per tactic of a verified proof; none when its states do not pair up."""
    proof = record.proof or ()
    if len(record.proof_states) != len(proof):
        logger.warning("%s: %s has no usable proof states; skipped", directory, record.name)
        return []
    return [
        TraceStep(
            library="run",
            file=str(directory),
            module="",
            theorem=record.name,
            step=index,
            state=state,
            tactic=tactic,
            remaining_steps=len(proof) - index,
            proof_length=len(proof),
            num_goals=state.count("\n\n") + 1 if state.strip() else 0,
            split="train",
        )
        for index, (tactic, state) in enumerate(zip(proof, record.proof_states, strict=True))
    ]
