"""Training rows for the learned generators: traced proof steps and a run's verified proofs.

One row type (:class:`TraceStep`) for both sources of training rows: a trace directory
written by ``prover trace`` (``DIR/manifest.json`` and ``DIR/steps.jsonl.gz``), read here
with :func:`load_trace_steps`, and the verified proofs of the prover's own runs, which the
prover side reads with its typed record reader
(:func:`prover.attempts.training_data.verified_proof_steps`) and hands to the trainers.

Bad input (no manifest, a broken line) is one :class:`InputError` naming the path.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import InputError

__all__ = ["SPLITS", "TraceStep", "load_trace_steps", "read_manifest"]

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True, kw_only=True, slots=True)
class TraceStep:
    """One tactic of a finished proof with the rendered state before it."""

    library: str
    file: str
    module: str
    theorem: str
    step: int
    state: str
    tactic: str
    remaining_steps: int
    proof_length: int
    num_goals: int
    split: str


def read_manifest(directory: Path) -> dict[str, Any]:
    """The trace directory's ``manifest.json``; its absence means it is not a trace."""
    path = directory / "manifest.json"
    if not path.is_file():
        raise InputError(f"{directory}: not a trace directory (no manifest.json)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable trace manifest: {exc}") from exc
    if not isinstance(manifest, dict):
        raise InputError(f"{path}: the trace manifest is not a JSON object")
    return manifest


def load_trace_steps(directory: Path, *, splits: tuple[str, ...] = SPLITS) -> list[TraceStep]:
    """The rows of ``DIR/steps.jsonl.gz`` whose split is in ``splits``, in file order."""
    read_manifest(directory)
    path = directory / "steps.jsonl.gz"
    if not path.is_file():
        raise InputError(f"{directory}: trace directory without steps.jsonl.gz")
    wanted = frozenset(splits)
    return [row for row in _read_rows(path) if row.split in wanted]


def _read_rows(path: Path) -> Iterator[TraceStep]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _row(json.loads(line), path, number)
    except (OSError, EOFError, ValueError) as exc:
        raise InputError(f"{path}: unreadable trace steps: {exc}") from exc


def _row(data: Any, path: Path, number: int) -> TraceStep:
    if not isinstance(data, dict):
        raise InputError(f"{path}:{number}: a trace row must be a JSON object")
    try:
        return TraceStep(
            library=str(data["library"]),
            file=str(data["file"]),
            module=str(data["module"]),
            theorem=str(data["theorem"]),
            step=int(data["step"]),
            state=str(data["state"]),
            tactic=str(data["tactic"]),
            remaining_steps=int(data["remaining_steps"]),
            proof_length=int(data["proof_length"]),
            num_goals=int(data["num_goals"]),
            split=str(data["split"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}:{number}: trace row without a valid {exc}") from exc
