"""benchmarks.request_file_cost: which records it takes, and both verifications of one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks.request_file_cost import measure, proved_records
from search.states import Theorem


def test_one_proved_record_per_theorem_in_a_stable_order(tmp_path: Path) -> None:
    """Failed records and repeated attempts are left out; the choice does not depend on the
    file's order."""
    records = [
        {"name": "a", "status": "proved", "proof": ["auto."]},
        {"name": "a", "status": "proved", "proof": ["trivial."]},
        {"name": "b", "status": "failed", "proof": None},
        {"name": "c", "status": "proved", "proof": ["lia."]},
    ]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    chosen = proved_records(tmp_path, 5)
    assert sorted(r["name"] for r in chosen) == ["a", "c"]
    assert next(r for r in chosen if r["name"] == "a")["proof"] == ["auto."]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records[::-1]))
    assert [r["name"] for r in proved_records(tmp_path, 1)] == [chosen[0]["name"]]


@pytest.mark.skipif(shutil.which("coqc") is None, reason="coqc not installed")
def test_both_verifications_pass_and_only_the_named_one_runs_the_names_check() -> None:
    """A plain proof verifies as a request with and without a file; only with one does the
    names check run."""
    theorem = Theorem(name="t", header="", statement="Theorem t : 1 + 1 = 2.")
    row = measure(theorem, ["reflexivity."], file_first=True)
    assert row["with_file_ok"] and row["without_file_ok"], row
    assert "names" in row["with_file_checks"] and "names" not in row["without_file_checks"]
    assert row["with_file_s"] > 0 and row["without_file_s"] > 0
