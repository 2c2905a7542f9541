"""State -> tactic examples for the language model: a trace directory plus verified proofs.

Sources (contracts.md §1 and the prover's ``results.jsonl``):

* ``TRACE_DIR/steps.jsonl.gz``, one row per tactic step with ``state``, ``tactic`` and the
  file-level ``split`` (train/valid/test); ``TRACE_DIR/manifest.json`` marks a finished
  trace and must exist;
* run directories (``RUN_DIR/results.jsonl`` or ``RUN_DIR/shard-*/results.jsonl``): every
  record with ``status == "proved"`` and ``verified`` true contributes the pairs
  ``(proof_states[i], proof[i])`` to the *training* split. Records of a ``test`` split are
  skipped (and counted), so a benchmark's test theorems never leak into training.

Identical (state, tactic) pairs are kept once per split.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.progress.data import run_results_files
from search.errors import InputError

__all__ = ["SPLITS", "TacticDataset", "TacticExample", "load_dataset", "read_trace_rows"]

logger = logging.getLogger(__name__)

SPLITS = ("train", "valid", "test")
STEPS_FILE = "steps.jsonl.gz"
MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True, kw_only=True)
class TacticExample:
    """One training pair: the state text the search shows generators, and the tactic."""

    state: str
    tactic: str
    theorem: str
    source: str


@dataclass(frozen=True, kw_only=True)
class TacticDataset:
    """Examples by split, with where the training examples came from."""

    train: tuple[TacticExample, ...]
    valid: tuple[TacticExample, ...]
    test: tuple[TacticExample, ...]
    trace_train_examples: int
    run_train_examples: int
    skipped_test_records: int

    def counts(self) -> dict[str, int]:
        """Sizes for metrics.json."""
        return {
            "train_examples": len(self.train),
            "valid_examples": len(self.valid),
            "test_examples": len(self.test),
            "trace_train_examples": self.trace_train_examples,
            "run_train_examples": self.run_train_examples,
            "skipped_test_run_records": self.skipped_test_records,
        }


def require_trace_dir(trace_dir: Path) -> Path:
    """The steps file of a finished trace; InputError naming the path otherwise."""
    if not trace_dir.is_dir():
        raise InputError(f"{trace_dir}: no such trace directory")
    if not (trace_dir / MANIFEST_FILE).is_file():
        raise InputError(
            f"{trace_dir}: no {MANIFEST_FILE}, so not a finished trace (run `prover trace`)"
        )
    steps = trace_dir / STEPS_FILE
    if not steps.is_file():
        raise InputError(f"{steps}: missing (the trace directory has a manifest but no steps)")
    return steps


def read_trace_rows(trace_dir: Path) -> Iterator[dict[str, Any]]:
    """The rows of ``TRACE_DIR/steps.jsonl.gz``; InputError naming file:line on a bad row."""
    steps = require_trace_dir(trace_dir)
    try:
        with gzip.open(steps, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _trace_row(steps, number, line)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise InputError(f"{steps}: cannot read: {exc}") from exc


def _trace_row(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{number}: not JSON: {exc.msg}") from exc
    if not isinstance(row, dict):
        raise InputError(f"{path}:{number}: expected a JSON object")
    for key in ("state", "tactic", "split"):
        if not isinstance(row.get(key), str):
            raise InputError(f"{path}:{number}: field {key!r} missing or not a string")
    if row["split"] not in SPLITS:
        raise InputError(f"{path}:{number}: split {row['split']!r} is not one of {SPLITS}")
    return row


def load_dataset(trace_dir: Path, runs: tuple[Path, ...] = ()) -> TacticDataset:
    """Examples of the trace (by split) plus the runs' verified proofs (train)."""
    require_trace_dir(trace_dir)
    for run in runs:
        if not run_results_files(run):
            raise InputError(f"{run}: not a run directory (no results.jsonl or shard-*/)")
    by_split: dict[str, dict[tuple[str, str], TacticExample]] = {s: {} for s in SPLITS}
    for row in read_trace_rows(trace_dir):
        example = TacticExample(
            state=row["state"],
            tactic=row["tactic"],
            theorem=str(row.get("theorem", "")),
            source=f"trace:{row.get('library', '')}/{row.get('file', '')}",
        )
        by_split[row["split"]].setdefault((example.state, example.tactic), example)
    trace_train = len(by_split["train"])
    skipped = 0
    for run in runs:
        for path in run_results_files(run):
            examples, skipped_here = _run_examples(path)
            skipped += skipped_here
            for example in examples:
                by_split["train"].setdefault((example.state, example.tactic), example)
    dataset = TacticDataset(
        train=tuple(by_split["train"].values()),
        valid=tuple(by_split["valid"].values()),
        test=tuple(by_split["test"].values()),
        trace_train_examples=trace_train,
        run_train_examples=len(by_split["train"]) - trace_train,
        skipped_test_records=skipped,
    )
    logger.info("examples: %s", dataset.counts())
    return dataset


def _run_examples(path: Path) -> tuple[list[TacticExample], int]:
    """Pairs of the verified proofs in one results.jsonl, and the test records skipped."""
    examples: list[TacticExample] = []
    skipped = 0
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number}: not JSON: {exc.msg}") from exc
        if not isinstance(record, dict):
            raise InputError(f"{path}:{number}: expected a JSON object")
        if record.get("status") != "proved" or record.get("verified") is not True:
            continue
        if record.get("split") == "test":
            skipped += 1
            continue
        examples.extend(_proof_pairs(path, number, record))
    return examples, skipped


def _proof_pairs(path: Path, number: int, record: Mapping[str, Any]) -> list[TacticExample]:
    proof, states = record.get("proof"), record.get("proof_states")
    if not isinstance(proof, list) or not isinstance(states, list):
        raise InputError(f"{path}:{number}: a proved record needs 'proof' and 'proof_states' lists")
    if len(states) not in (len(proof), len(proof) + 1):
        raise InputError(f"{path}:{number}: {len(states)} proof states for {len(proof)} tactics")
    name = str(record.get("name", ""))
    return [
        TacticExample(state=str(state), tactic=str(tactic), theorem=name, source=f"run:{path}")
        for state, tactic in zip(states, proof, strict=False)
        if str(state).strip() and str(tactic).strip()
    ]
