"""State -> tactic examples for the language model: a trace directory plus verified proofs.

Sources: the trace written by ``prover trace`` (read with
:func:`models.trace_data.load_trace_steps`, its ``split`` kept), and the verified proofs of
the prover's own runs as :class:`~models.trace_data.TraceStep` rows, which the prover side
reads (:func:`prover.attempts.training_data.verified_proof_steps`, test-split records left
out) and passes in; they join the *training* split.

Identical (state, tactic) pairs are kept once per split. With ``run_weight`` K > 1 each
distinct run example appears K times in the training split, so that a few hundred of the
prover's own in-domain proofs are not drowned by a quarter of a million library steps.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from models.trace_data import SPLITS, TraceStep, load_trace_steps

__all__ = ["TacticDataset", "TacticExample", "load_dataset"]

logger = logging.getLogger(__name__)


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
    run_weight: int = 1

    def counts(self) -> dict[str, int]:
        """Sizes for metrics.json."""
        return {
            "train_examples": len(self.train),
            "valid_examples": len(self.valid),
            "test_examples": len(self.test),
            "trace_train_examples": self.trace_train_examples,
            "run_train_examples": self.run_train_examples,
            "run_weight": self.run_weight,
        }


def load_dataset(
    trace_dir: Path, run_steps: Sequence[TraceStep] = (), *, run_weight: int = 1
) -> TacticDataset:
    """Examples of the trace (by split) plus the runs' verified proof steps (train), each
    distinct run example repeated ``run_weight`` times."""
    by_split: dict[str, dict[tuple[str, str], TacticExample]] = {s: {} for s in SPLITS}
    for row in load_trace_steps(trace_dir):
        by_split[row.split].setdefault((row.state, row.tactic), _example(row, "trace"))
    trace_train = len(by_split["train"])
    for row in run_steps:
        if row.state.strip() and row.tactic.strip():
            by_split["train"].setdefault((row.state, row.tactic), _example(row, "run"))
    train = list(by_split["train"].values())
    runs = train[trace_train:]
    dataset = TacticDataset(
        train=tuple(train + runs * (run_weight - 1)),
        valid=tuple(by_split["valid"].values()),
        test=tuple(by_split["test"].values()),
        trace_train_examples=trace_train,
        run_train_examples=len(runs),
        run_weight=run_weight,
    )
    logger.info("examples: %s", dataset.counts())
    return dataset


def _example(row: TraceStep, kind: str) -> TacticExample:
    return TacticExample(
        state=row.state,
        tactic=row.tactic,
        theorem=row.theorem,
        source=f"{kind}:{row.library}/{row.file}",
    )
