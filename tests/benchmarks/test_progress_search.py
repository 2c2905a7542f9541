"""The search-arm benchmark: arm parsing, and theorems and records in --trace mode."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from benchmarks.expert_search import trace_theorem_dir
from benchmarks.progress_search import arm_records, parse_arm, theorem_names, trace_rows
from prover.attempts.jsonl import JsonlWriter
from tests.benchmarks.records import attempt_record as record


def test_arm_is_name_equals_flags() -> None:
    """NAME=FLAGS splits the flags shell-style; an arm without '=' is refused."""
    arm = parse_arm("progress=--progress-model 'a b' --alpha 0.5")
    assert arm.name == "progress"
    assert arm.flags == ("--progress-model", "a b", "--alpha", "0.5")
    assert parse_arm("scores=").flags == ()
    with pytest.raises(argparse.ArgumentTypeError):
        parse_arm("no-flags")


def test_trace_mode_samples_the_split_and_names_records_by_trace_key(tmp_path: Path) -> None:
    """--trace keys theorems library:file:theorem; chunk C's I-th runs in a folder named
    after it, and neither another sample's folder at that position nor a record of another
    theorem counts (red-team round ninety)."""
    rows = [
        {"library": "stdlib", "file": "A.v", "theorem": name, "split": split,
         "status": "traced", "proof_length": 2}
        for name, split in (("t1", "test"), ("t2", "test"), ("t3", "test"), ("v1", "valid"))
    ]  # fmt: skip
    (tmp_path / "theorems.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    arguments = argparse.Namespace(
        trace=tmp_path, count=10, max_proof_length=10, seed=0, split="test", names=None,
        skip_root_proofs_of=None, limit=None,
    )  # fmt: skip
    arguments.trace_rows = trace_rows(arguments)
    names = theorem_names(arguments)
    assert sorted(names) == ["stdlib:A.v:t1", "stdlib:A.v:t2", "stdlib:A.v:t3"]
    chunks = [names[:2], names[2:]]
    other = {"library": "stdlib", "file": "B.v", "theorem": "other"}
    planted = (  # (chunk, index, the row its folder is named after, the record's name, proved)
        (0, 1, arguments.trace_rows[chunks[0][1]], None, True),
        (1, 0, arguments.trace_rows[chunks[1][0]], None, False),
        (0, 0, other, "other", True),  # another sample's theorem at chunk 0's position 0
        (0, 0, arguments.trace_rows[chunks[0][0]], "other", True),  # a record of another one
    )
    for chunk, index, row, name, proved in planted:
        folder = trace_theorem_dir(tmp_path / "arm" / f"chunk-{chunk:03d}", index, row)
        folder.mkdir(parents=True, exist_ok=True)
        with JsonlWriter(folder / "results.jsonl") as writer:
            writer.write(record(name or row["theorem"], proved=proved))
    found = {r.name: r.proved for r in arm_records(arguments, tmp_path / "arm", chunks)}
    assert found == {names[1]: True, names[2]: False}
