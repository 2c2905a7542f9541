"""Loading examples: the trace's splits, verified proofs of runs, and refused inputs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from models.language.training.examples import load_dataset
from search.errors import InputError
from tests.models.language.training.conftest import synthetic_rows, write_trace


def proved(
    name: str, proof: list[str], states: list[str], split: str | None = "valid"
) -> dict[str, object]:
    """A results.jsonl record of a verified proof."""
    return {
        "name": name,
        "split": split,
        "status": "proved",
        "verified": True,
        "proof": proof,
        "proof_states": states,
    }


def write_run(directory: Path, records: list[dict[str, object]]) -> Path:
    """A run directory with these records in results.jsonl."""
    directory.mkdir(parents=True)
    (directory / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return directory


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


def test_verified_run_proofs_join_training_but_not_test_ones(tmp_path: Path) -> None:
    """Verified proofs add (state, tactic) pairs; failed, unverified and test records do not."""
    trace = write_trace(tmp_path / "trace", synthetic_rows())
    run = write_run(
        tmp_path / "run",
        [
            proved("p", ["intros x.", "lia."], ["⊢ forall x, x = x + 0", "x : nat\n⊢ x = x + 0"]),
            proved("q", ["auto."], ["⊢ True"], split="test"),
            {**proved("r", ["tauto."], ["⊢ P -> P"]), "verified": False},
            {"name": "s", "status": "failed", "proof": None, "proof_states": []},
        ],
    )
    dataset = load_dataset(trace, (run,))
    added = [e for e in dataset.train if e.source.startswith("run:")]
    assert [(e.state, e.tactic) for e in added] == [
        ("⊢ forall x, x = x + 0", "intros x."),
        ("x : nat\n⊢ x = x + 0", "lia."),
    ]
    assert dataset.run_train_examples == 2 and dataset.skipped_test_records == 1


def test_trace_without_manifest_is_refused(tmp_path: Path) -> None:
    """A trace directory lacking manifest.json is an InputError naming it."""
    trace = write_trace(tmp_path / "partial", synthetic_rows(), manifest=False)
    with pytest.raises(InputError, match=f"{trace}: no manifest.json"):
        load_dataset(trace)


def test_bad_row_names_file_and_line(tmp_path: Path) -> None:
    """A row with an unknown split is reported with its line number."""
    trace = write_trace(tmp_path / "trace", synthetic_rows())
    with gzip.open(trace / "steps.jsonl.gz", "at", encoding="utf-8") as out:
        out.write(json.dumps({"state": "s", "tactic": "t.", "split": "dev"}) + "\n")
    with pytest.raises(InputError, match=r"steps.jsonl.gz:\d+: split 'dev'"):
        load_dataset(trace)


def test_run_directory_without_results_is_refused(tmp_path: Path) -> None:
    """A RUN_DIR without results.jsonl is named in the error."""
    trace = write_trace(tmp_path / "trace", synthetic_rows())
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: not a run directory"):
        load_dataset(trace, (tmp_path / "empty",))


def test_proof_with_wrong_state_count_is_refused(tmp_path: Path) -> None:
    """Three states for one tactic cannot be paired; the record's line is named."""
    trace = write_trace(tmp_path / "trace", synthetic_rows())
    run = write_run(tmp_path / "run", [proved("p", ["lia."], ["a", "b", "c"])])
    with pytest.raises(InputError, match=r"results.jsonl:1: 3 proof states for 1 tactics"):
        load_dataset(trace, (run,))
