"""Reading training rows from trace directories."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from models.trace_data import held_out_theorems, load_trace_steps, theorems_of_test_files
from search.errors import InputError

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
