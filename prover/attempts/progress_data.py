"""Progress-model examples from the prover's own runs (the prover side of the training data).

A ``prove``/``eval`` run directory (``DIR/results.jsonl``, ``DIR/shard-*/results.jsonl``
of a sharded run, or a ``progress_search`` arm's ``DIR/chunk-*/shard-*/results.jsonl``) is
read with the typed record reader (:func:`prover.attempts.jsonl.read_records`). Every
verified proof contributes each proved node of its search graph
(:attr:`AttemptRecord.proved_nodes`), labelled with its shortest distance to a finished
proof in that graph; records without proved nodes fall back to the proof path (state i of
an n-step proof gets n − i). These examples are training data (split ``train``);
:func:`run_examples` is also how the states of test proofs are read for evaluation-only
metrics (``--report-run``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from models.progress.data import RUN_SOURCE_PREFIX, ProgressExample, path_examples
from prover.attempts.record import AttemptRecord
from prover.attempts.training_data import read_run_records

__all__ = ["record_examples", "run_examples"]

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


def run_examples(directories: Sequence[Path]) -> list[ProgressExample]:
    """Examples of every verified proof in the run directories (InputError names a bad one).

    A directory without results is an error (a wrong path); a run that proved nothing
    contributes nothing, with a warning.
    """
    examples: list[ProgressExample] = []
    for directory in directories:
        found = [
            example
            for record in read_run_records(Path(directory))
            for example in record_examples(record, source=f"{RUN_SOURCE_PREFIX}{directory}")
        ]
        if not found:
            logger.warning("%s: no verified proof to learn from", directory)
        logger.info("%s: %d labelled states", directory, len(found))
        examples.extend(found)
    return examples
