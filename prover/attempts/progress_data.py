"""Progress-model examples from the prover's own runs (the prover side of the training data).

A ``prove``/``eval`` run directory (``DIR/results.jsonl``, ``DIR/shard-*/results.jsonl``
of a sharded run, or a ``progress_search`` arm's ``DIR/chunk-*/shard-*/results.jsonl``) is
read with the typed record reader (:func:`prover.attempts.jsonl.read_records`). Every
verified proof contributes each proved node of its search graph
(:attr:`AttemptRecord.proved_nodes`), labelled with its shortest distance to a finished
proof in that graph; records without proved nodes fall back to the proof path (state i of
an n-step proof gets n − i). These examples are training data (split ``train``), less the
records that must not be learned (a test split, a theorem of a trace's test files:
:func:`prover.attempts.training_data.trainable`); :func:`evaluation_examples` reads every
verified proof, test ones included, for evaluation-only metrics (``--report-run``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from models.progress.data import RUN_SOURCE_PREFIX, ProgressExample, path_examples
from prover.attempts.record import AttemptRecord
from prover.attempts.training_data import read_run_records, trainable

__all__ = ["evaluation_examples", "record_examples", "run_examples"]

logger = logging.getLogger(__name__)


def record_examples(record: AttemptRecord, *, source: str) -> list[ProgressExample]:
    """The labelled states of one verified attempt (none for an unproved one)."""
    if not record.proved or record.proof is None:
        return []
    if record.proved_nodes:
        return [
            ProgressExample(
                state=node.state,
                proof_so_far=tuple(node.proof_so_far),
                remaining_steps=node.remaining_steps,
                theorem=record.name,
                source=source,
                file=source,
            )
            for node in record.proved_nodes
            if node.remaining_steps >= 1
        ]
    if len(record.proof_states) != len(record.proof):
        logger.warning("%s: %s has no usable proof states; skipped", source, record.name)
        return []
    return path_examples(
        theorem=record.name,
        states=record.proof_states,
        tactics=record.proof,
        source=source,
        file=source,
    )


def run_examples(
    directories: Sequence[Path], *, held_out: frozenset[str] = frozenset()
) -> list[ProgressExample]:
    """Training examples of the run directories' verified proofs (InputError names a bad one).

    Test-split records and proofs of ``held_out`` theorem names are left out. A directory
    without results is an error (a wrong path); a run that proved nothing contributes
    nothing, with a warning.
    """
    return _examples(directories, training_only=True, held_out=held_out)


def evaluation_examples(directory: Path) -> list[ProgressExample]:
    """Examples of every verified proof of one run, test split included (never trained on)."""
    return _examples([directory], training_only=False, held_out=frozenset())


def _examples(
    directories: Sequence[Path], *, training_only: bool, held_out: frozenset[str]
) -> list[ProgressExample]:
    examples: list[ProgressExample] = []
    for directory in directories:
        found = [
            example
            for record in read_run_records(Path(directory))
            if not training_only or trainable(record, held_out)
            for example in record_examples(record, source=f"{RUN_SOURCE_PREFIX}{directory}")
        ]
        if not found:
            logger.warning("%s: no verified proof to learn from", directory)
        logger.info("%s: %d labelled states", directory, len(found))
        examples.extend(found)
    return examples
