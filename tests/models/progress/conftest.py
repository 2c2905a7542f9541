"""Fixtures of the progress tests: the shared fixture trace and synthetic search results."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

#: The small real trace made by the trace helper (six stdlib files, two per split).
FIXTURE_TRACE = Path(__file__).resolve().parents[2] / "fixtures" / "trace"


def proved_record(name: str, proof: list[str], *, split: str | None = "valid") -> dict[str, Any]:
    """A verified results.jsonl record whose proof path is labelled n − i, plus a side node."""
    states = [f"x : nat\n⊢ {name} state {i}" for i in range(len(proof))]
    nodes = [
        {"state": state, "proof_so_far": proof[:i], "remaining_steps": len(proof) - i}
        for i, state in enumerate(states)
    ]
    nodes.append({"state": f"⊢ {name} side", "proof_so_far": ["detour"], "remaining_steps": 1})
    return {
        "name": name,
        "attempt": 0,
        "seed": 0,
        "split": split,
        "status": "proved",
        "verified": True,
        "proof": proof,
        "proof_states": states,
        "proved_nodes": nodes,
        "expansions": len(proof),
    }


def failed_record(name: str) -> dict[str, Any]:
    """A failed attempt: contributes no example."""
    return {
        "name": name,
        "attempt": 0,
        "seed": 0,
        "status": "failed",
        "verified": False,
        "proof": None,
        "proof_states": [],
        "proved_nodes": [],
    }


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write ``records`` one per line and return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A run directory with 8 proved theorems (1 to 4 steps) and one failure."""
    records = [proved_record(f"thm_{i}", [f"tac{j}" for j in range(1 + i % 4)]) for i in range(8)]
    records.append(failed_record("thm_failed"))
    write_jsonl(tmp_path / "run" / "results.jsonl", records)
    return tmp_path / "run"


def trace_copy(root: Path, *, keep: Any = None) -> Path:
    """A copy of the fixture trace whose rows are filtered by ``keep(row)`` (all if None)."""
    target = root / "trace"
    target.mkdir(parents=True)
    shutil.copy(FIXTURE_TRACE / "manifest.json", target / "manifest.json")
    with gzip.open(FIXTURE_TRACE / "steps.jsonl.gz", "rt", encoding="utf-8") as source:
        rows = [json.loads(line) for line in source if line.strip()]
    with gzip.open(target / "steps.jsonl.gz", "wt", encoding="utf-8") as sink:
        for row in rows:
            if keep is None or keep(row):
                sink.write(json.dumps(row) + "\n")
    return target
