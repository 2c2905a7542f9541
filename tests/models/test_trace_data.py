"""Reading training rows from trace directories."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from models.trace_data import (
    FileFold,
    held_out_theorems,
    load_trace_steps,
    parse_test_fold,
    theorems_of_test_files,
)
from search.errors import ConfigError, InputError

FIXTURE_TRACE = Path(__file__).resolve().parents[1] / "fixtures" / "knn_trace"


def test_trace_rows_by_split() -> None:
    """Rows load with their fields; the split filter keeps only the asked splits."""
    rows = load_trace_steps(FIXTURE_TRACE, splits=("test",))
    assert len(rows) == 17 and {r.split for r in rows} == {"test"}
    assert rows[0].theorem == "add_zero_right'" and rows[0].state.startswith("⊢ forall")


def test_broken_row_names_file_and_line(tmp_path: Path) -> None:
    """A row without a field is one InputError naming the file and the line."""
    trace = tmp_path / "trace"
    shutil.copytree(FIXTURE_TRACE, trace)
    with gzip.open(trace / "steps.jsonl.gz", "wt") as out:
        out.write(json.dumps({"library": "x"}) + "\n")
    with pytest.raises(InputError, match=r"steps\.jsonl\.gz:1: trace row without"):
        load_trace_steps(trace)


def test_unfocused_goals_read_back_and_join_the_whole_state(tmp_path: Path) -> None:
    """A row's unfocused goals follow its state in whole_state; an older row has none."""
    trace = tmp_path / "trace"
    shutil.copytree(FIXTURE_TRACE, trace)
    with gzip.open(FIXTURE_TRACE / "steps.jsonl.gz", "rt") as source:
        old = json.loads(source.readline())
    with gzip.open(trace / "steps.jsonl.gz", "wt") as out:
        out.write(json.dumps(old) + "\n")
        out.write(json.dumps({**old, "step": 1, "unfocused": "⊢ True"}) + "\n")
    first, second = load_trace_steps(trace)
    assert first.unfocused == "" and first.whole_state == first.state
    assert second.unfocused == "⊢ True"
    assert second.whole_state == second.state + "\n\n⊢ True"


def test_the_test_files_theorems_are_named() -> None:
    """theorems_of_test_files names exactly the theorems of the test-split rows."""
    names = theorems_of_test_files(FIXTURE_TRACE)
    rows = load_trace_steps(FIXTURE_TRACE)
    assert names == {r.theorem for r in rows if r.split == "test"}
    assert "add_zero_right'" in names
    assert any(r.theorem not in names for r in rows if r.split == "train")


def test_held_out_theorems_are_read_only_when_runs_are_given(tmp_path: Path) -> None:
    """With runs, the test-file theorems; without, nothing, and the trace is not even read."""
    assert held_out_theorems(FIXTURE_TRACE, [tmp_path]) == theorems_of_test_files(FIXTURE_TRACE)
    assert held_out_theorems(tmp_path / "not-a-trace", []) == frozenset()


def test_every_file_is_test_in_exactly_one_fold_and_moves_whole() -> None:
    """Across the N folds each file is test once; a file's rows always share one split."""
    rows = load_trace_steps(FIXTURE_TRACE)
    files = {(r.library, r.file) for r in rows}
    held_out: list[tuple[str, str]] = []
    for index in range(3):
        fold = FileFold(index=index, count=3)
        resplit = load_trace_steps(FIXTURE_TRACE, test_fold=fold)
        splits_of = {(r.library, r.file): set() for r in resplit}
        for row in resplit:
            splits_of[(row.library, row.file)].add(row.split)
        assert all(len(splits) == 1 for splits in splits_of.values())
        held_out += [file for file, splits in splits_of.items() if splits == {"test"}]
    assert sorted(held_out) == sorted(files)


def test_a_fold_moves_the_trace_test_files_to_train_and_keeps_valid() -> None:
    """Outside the fold: the trace's test files train, its valid files stay valid."""
    rows = load_trace_steps(FIXTURE_TRACE)
    original = {r.file: r.split for r in rows}
    for index in range(4):
        fold = FileFold(index=index, count=4)
        for row in load_trace_steps(FIXTURE_TRACE, test_fold=fold):
            if fold.holds(row.library, row.file):
                assert row.split == "test"
            else:
                assert row.split == {"test": "train"}.get(original[row.file], original[row.file])
        names = theorems_of_test_files(FIXTURE_TRACE, test_fold=fold)
        held = load_trace_steps(FIXTURE_TRACE, splits=("test",), test_fold=fold)
        assert names == {r.theorem for r in held}


def test_a_selection_fold_never_reads_the_trace_test_files() -> None:
    """--selection-fold: the trace's test files are in no split; the others are dealt into
    folds, each held out once; their theorems and the fold's are kept from run training."""
    rows = load_trace_steps(FIXTURE_TRACE)
    test_files = {r.file for r in rows if r.split == "test"}
    other_files = {r.file for r in rows} - test_files
    held_out: list[str] = []
    for index in range(3):
        fold = parse_test_fold(f"{index}/3", without_test=True)
        resplit = load_trace_steps(FIXTURE_TRACE, test_fold=fold)
        assert not {r.file for r in resplit} & test_files
        held_out += sorted({r.file for r in resplit if r.split == "test"})
        names = theorems_of_test_files(FIXTURE_TRACE, test_fold=fold)
        assert theorems_of_test_files(FIXTURE_TRACE) <= names
        assert {r.theorem for r in resplit if r.split == "test"} <= names
        assert fold.without_test and fold.describe() == f"{index}/3"
    assert sorted(held_out) == sorted(other_files)


@pytest.mark.parametrize("text", ["2/2", "0/1", "-1/3", "a/3", "1", "1/"])
def test_a_bad_fold_is_refused_naming_it(text: str) -> None:
    """K/N needs N >= 2 and 0 <= K < N; anything else is one ConfigError naming test_fold."""
    with pytest.raises(ConfigError, match="test_fold must be K/N"):
        parse_test_fold(text)


def test_a_fold_reads_back_as_written() -> None:
    """parse_test_fold and describe are inverse (the flag's value is recorded as given)."""
    assert parse_test_fold("3/5") == FileFold(index=3, count=5)
    assert FileFold(index=3, count=5).describe() == "3/5"
