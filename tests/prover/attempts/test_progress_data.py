"""Progress examples from run directories, read with the typed record reader."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from prover.attempts.progress_data import evaluation_examples, record_examples, run_examples
from prover.attempts.record import AttemptRecord
from search.errors import InputError
from tests.models.progress.conftest import failed_record, proved_record, write_jsonl


def test_proved_nodes_become_training_examples(tmp_path: Path) -> None:
    """Every proved node of a verified proof is a train-split example with its label."""
    write_jsonl(
        tmp_path / "run" / "results.jsonl",
        [proved_record("a", ["intros", "lia"]), failed_record("b")],
    )
    examples = run_examples([tmp_path / "run"])
    assert sorted((e.state, e.remaining_steps) for e in examples) == [
        ("x : nat\n⊢ a state 0", 2),
        ("x : nat\n⊢ a state 1", 1),
        ("⊢ a side", 1),
    ]
    assert {e.split for e in examples} == {"train"}
    assert {e.theorem for e in examples} == {"a"}
    first = next(e for e in examples if e.remaining_steps == 2)
    assert first.proof_so_far == () and first.source == f"search:{tmp_path / 'run'}"


def test_records_without_proved_nodes_use_the_proof_path() -> None:
    """An older record (no proved_nodes) labels state i of an n-step proof n − i."""
    data = proved_record("old", ["intros", "ring"])
    data["proved_nodes"] = []
    record = AttemptRecord.from_dict(data)
    examples = record_examples(record, source="s")
    assert [(e.remaining_steps, e.proof_so_far) for e in examples] == [(2, ()), (1, ("intros",))]


def test_missing_run_is_an_error_and_a_malformed_record_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing run raises InputError naming it; a malformed record is skipped with a
    warning naming its file, line and field, and the run's good records still count."""
    with pytest.raises(InputError, match=f"{tmp_path / 'nowhere'}: not a run directory"):
        run_examples([tmp_path / "nowhere"])
    bad = proved_record("bad", ["lia"])
    del bad["seed"]
    write_jsonl(tmp_path / "bad" / "results.jsonl", [bad, proved_record("good", ["lia"])])
    with caplog.at_level(logging.WARNING):
        examples = run_examples([tmp_path / "bad"])
    assert examples and all("good" in example.state for example in examples)
    assert re.search(r"results\.jsonl: skipped 1 unreadable line of 2, .*line 1.*seed", caplog.text)


def test_run_without_proofs_contributes_nothing(tmp_path: Path) -> None:
    """A run that proved nothing adds no example (and is not an error)."""
    write_jsonl(tmp_path / "none" / "results.jsonl", [failed_record("x")])
    assert run_examples([tmp_path / "none"]) == []


def test_test_split_and_held_out_proofs_are_evaluation_only(tmp_path: Path) -> None:
    """Training examples leave out test-split and held-out proofs; evaluation reads them all."""
    write_jsonl(
        tmp_path / "run" / "results.jsonl",
        [
            proved_record("kept", ["lia"]),
            proved_record("test_proof", ["lia"], split="test"),
            proved_record("lib_test", ["lia"], split=None),
        ],
    )
    training = run_examples([tmp_path / "run"], held_out=frozenset({"lib_test"}))
    assert {e.theorem for e in training} == {"kept"}
    everything = evaluation_examples(tmp_path / "run")
    assert {e.theorem for e in everything} == {"kept", "test_proof", "lib_test"}
