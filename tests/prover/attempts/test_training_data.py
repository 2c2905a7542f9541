"""The prover's own verified proofs as training rows (read with the typed record reader)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.attempts.training_data import run_results_files, verified_proof_steps
from search.errors import InputError
from tests.models.progress.conftest import failed_record, proved_record, write_jsonl


def test_each_tactic_of_a_verified_proof_is_a_train_row(tmp_path: Path) -> None:
    """Rows pair each tactic with the state before it and the steps left, in split train."""
    write_jsonl(
        tmp_path / "run" / "results.jsonl",
        [proved_record("a", ["split.", "auto.", "auto."]), failed_record("b")],
    )
    rows = verified_proof_steps([tmp_path / "run"])
    assert [(r.tactic, r.remaining_steps, r.state) for r in rows] == [
        ("split.", 3, "x : nat\n⊢ a state 0"),
        ("auto.", 2, "x : nat\n⊢ a state 1"),
        ("auto.", 1, "x : nat\n⊢ a state 2"),
    ]
    assert {r.split for r in rows} == {"train"} and {r.proof_length for r in rows} == {3}


def test_test_split_proofs_never_become_training_rows(tmp_path: Path) -> None:
    """A verified proof of a benchmark's test split is left out."""
    write_jsonl(
        tmp_path / "run" / "results.jsonl",
        [proved_record("kept", ["lia."]), proved_record("held", ["lia."], split="test")],
    )
    assert {r.theorem for r in verified_proof_steps([tmp_path / "run"])} == {"kept"}


def test_proofs_of_the_traces_test_theorems_never_become_training_rows(tmp_path: Path) -> None:
    """A file run's proof of a theorem named in held_out (a trace test file's) is left out,
    also under a `file:theorem` name."""
    write_jsonl(
        tmp_path / "run" / "results.jsonl",
        [
            proved_record("lib_kept", ["lia."], split=None),
            proved_record("lib_test", ["lia."], split=None),
            # the in-domain benchmark's name form, file:theorem (round ninety)
            proved_record("Arith/PeanoNat.v:lib_test", ["lia."], split=None),
        ],
    )
    rows = verified_proof_steps([tmp_path / "run"], held_out=frozenset({"lib_test"}))
    assert {r.theorem for r in rows} == {"lib_kept"}


def test_sharded_runs_are_read(tmp_path: Path) -> None:
    """A sharded run (DIR/shard-*/results.jsonl) contributes every shard's proofs."""
    for index in range(2):
        write_jsonl(
            tmp_path / "run" / f"shard-{index}" / "results.jsonl",
            [proved_record(f"s{index}", ["lia."])],
        )
    assert len(run_results_files(tmp_path / "run")) == 2
    assert {r.theorem for r in verified_proof_steps([tmp_path / "run"])} == {"s0", "s1"}


def test_chunked_arm_of_a_progress_search_is_read(tmp_path: Path) -> None:
    """An arm of benchmarks.progress_search (DIR/chunk-*/shard-*/results.jsonl) is one run."""
    for chunk in range(2):
        for shard in range(2):
            write_jsonl(
                tmp_path / "arm" / f"chunk-{chunk:03d}" / f"shard-{shard}" / "results.jsonl",
                [proved_record(f"c{chunk}s{shard}", ["lia."])],
            )
    assert len(run_results_files(tmp_path / "arm")) == 4
    assert {r.theorem for r in verified_proof_steps([tmp_path / "arm"])} == {
        "c0s0", "c0s1", "c1s0", "c1s1",
    }  # fmt: skip


def test_unpaired_states_skip_the_record(tmp_path: Path) -> None:
    """A proof whose states do not pair with its tactics gives no row (and no crash)."""
    record = proved_record("odd", ["lia.", "auto."])
    record["proof_states"] = ["only one"]
    write_jsonl(tmp_path / "run" / "results.jsonl", [record])
    assert verified_proof_steps([tmp_path / "run"]) == []


def test_a_directory_without_results_is_named(tmp_path: Path) -> None:
    """A RUN_DIR without results is one InputError naming it."""
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=f"{tmp_path / 'empty'}: not a run directory"):
        verified_proof_steps([tmp_path / "empty"])
