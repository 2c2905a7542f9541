"""Shared fixtures of the prover tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prover.data.benchmarks import data_directory

#: The miniF2F-Coq theorem whose header the ``unloadable_benchmark`` fixture breaks.
UNLOADABLE = "aime_1990_p2"


@pytest.fixture
def unloadable_benchmark(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The shipped miniF2F-Coq statements, with one header Coq cannot load (a missing library).

    Every library the benchmark needs may be installed, so a start failure is made on
    purpose: ``PROVER_DATA_DIR`` points at the copy (subprocesses inherit it). Returns the
    name of the broken theorem.
    """
    data = tmp_path / "statements"
    data.mkdir()
    lines = []
    for line in (data_directory() / "minif2f_coq.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["name"] == UNLOADABLE:
            record["header"] = "Require Import NoSuchLibrary.Anywhere.\n" + record["header"]
        lines.append(json.dumps(record))
    (data / "minif2f_coq.jsonl").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("PROVER_DATA_DIR", str(data))
    return UNLOADABLE
