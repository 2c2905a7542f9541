"""Loading examples: the trace's splits, run proof steps in training, and refused inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.language.training.examples import load_dataset
from models.trace_data import TraceStep
from search.errors import InputError
from tests.models.language.training.conftest import synthetic_rows, write_trace


def run_step(state: str, tactic: str) -> TraceStep:
    """A training row as the prover side makes it from a verified proof."""
    return TraceStep(
        library="run", file="r", module="", theorem="p", step=0, state=state, tactic=tactic,
        remaining_steps=1, proof_length=1, num_goals=1, split="train",
    )  # fmt: skip


def test_splits_follow_the_trace_and_duplicates_go(tmp_path: Path) -> None:
    """Rows land in their split; an identical (state, tactic) row is kept once."""
    rows = synthetic_rows()
    trace = write_trace(tmp_path / "trace", [*rows, rows[0]])
    dataset = load_dataset(trace)
    expected = {
        s: len({(r["state"], r["tactic"]) for r in rows if r["split"] == s})
        for s in ("train", "valid", "test")
    }
    assert (len(dataset.train), len(dataset.valid), len(dataset.test)) == (
        expected["train"],
        expected["valid"],
        expected["test"],
    )
    assert dataset.trace_train_examples == expected["train"]


def test_run_steps_join_training_once(tmp_path: Path) -> None:
    """Run proof steps are training examples; a repeated pair and a blank one are dropped."""
    trace = write_trace(tmp_path / "trace", synthetic_rows())
    steps = [run_step("⊢ True", "auto."), run_step("⊢ True", "auto."), run_step(" ", "lia.")]
    dataset = load_dataset(trace, steps)
    added = [e for e in dataset.train if e.source.startswith("run:")]
    assert [(e.state, e.tactic) for e in added] == [("⊢ True", "auto.")]
    assert dataset.run_train_examples == 1


def test_trace_without_manifest_is_refused(tmp_path: Path) -> None:
    """A trace directory lacking manifest.json is an InputError naming it."""
    trace = write_trace(tmp_path / "partial", synthetic_rows(), manifest=False)
    with pytest.raises(InputError, match=f"{trace}: not a trace directory"):
        load_dataset(trace)


def test_run_weight_repeats_each_run_example(tmp_path: Path) -> None:
    """With run_weight 3 each distinct run pair appears 3 times; trace pairs stay once."""
    trace = write_trace(tmp_path / "trace", synthetic_rows())
    steps = [run_step("⊢ True", "auto."), run_step("⊢ 1 = 1", "reflexivity.")]
    once = load_dataset(trace, steps)
    weighted = load_dataset(trace, steps, run_weight=3)
    added = [e for e in weighted.train if e.source.startswith("run:")]
    assert len(added) == 6 and len(set((e.state, e.tactic) for e in added)) == 2
    assert len(weighted.train) == len(once.train) + 4
    assert weighted.counts()["run_train_examples"] == 2 and weighted.counts()["run_weight"] == 3
