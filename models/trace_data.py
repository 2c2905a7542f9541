"""Training rows for the learned generators: traced proof steps and a run's verified proofs.

Two sources, one row type (:class:`TraceStep`):

* a trace directory written by ``prover trace`` (``DIR/manifest.json`` and
  ``DIR/steps.jsonl.gz``, fields as in the shared trace contract), read with
  :func:`load_trace_steps`;
* a ``prove`` or ``eval`` run directory: every record of ``DIR/results.jsonl`` whose status
  is ``proved`` and that was verified gives one row per tactic of its proof, with the state
  before it from ``proof_states`` (:func:`load_run_steps`); these rows are training rows.

Bad input (no manifest, no results file, a broken line) is one :class:`InputError` naming
the path.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.errors import InputError

__all__ = ["SPLITS", "TraceStep", "load_run_steps", "load_trace_steps", "read_manifest"]

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


def load_run_steps(directory: Path) -> list[TraceStep]:
    """One training row per tactic of each verified proof in ``DIR/results.jsonl``."""
    path = directory / "results.jsonl"
    if not path.is_file():
        raise InputError(f"{directory}: not a run directory (no results.jsonl)")
    steps: list[TraceStep] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise InputError(f"{path}:{number}: not JSON: {exc}") from exc
        steps.extend(_record_steps(record, directory))
    return steps


def _record_steps(record: Any, directory: Path) -> list[TraceStep]:
    if not isinstance(record, dict) or record.get("status") != "proved":
        return []
    if record.get("verified") is not True:
        return []
    proof = record.get("proof") or []
    states = record.get("proof_states") or []
    if len(proof) != len(states) or not all(isinstance(s, str) for s in (*proof, *states)):
        return []
    name = str(record.get("name", ""))
    return [
        TraceStep(
            library="run",
            file=str(directory),
            module="",
            theorem=name,
            step=index,
            state=state,
            tactic=tactic,
            remaining_steps=len(proof) - index,
            proof_length=len(proof),
            num_goals=state.count("\n\n") + 1 if state.strip() else 0,
            split="train",
        )
        for index, (tactic, state) in enumerate(zip(proof, states, strict=True))
    ]
