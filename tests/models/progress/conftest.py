"""Fixtures of the progress tests: synthetic search results and a tiny traced-tactics file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def proved_record(name: str, proof: list[str], *, split: str = "valid") -> dict[str, Any]:
    """A verified results.jsonl record whose proof path is labelled n − i, plus a side node."""
    states = [f"{name} state {i}" for i in range(len(proof))]
    nodes = [
        {"state": state, "proof_so_far": proof[:i], "remaining_steps": len(proof) - i}
        for i, state in enumerate(states)
    ]
    nodes.append({"state": f"{name} side", "proof_so_far": ["detour"], "remaining_steps": 1})
    return {
        "name": name,
        "attempt": 0,
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


@pytest.fixture
def traced_file(tmp_path: Path) -> Path:
    """A LeanDojo-style traced file: two traces of one theorem (the shorter wins), one
    unfinished trace, one sstrace-layout record."""
    records = [
        {
            "full_name": "lemma_a",
            "traced_tactics": [
                {"state_before": "⊢ a", "tactic": "t1", "state_after": "⊢ b"},
                {"state_before": "⊢ b", "tactic": "t2", "state_after": "⊢ c"},
                {"state_before": "⊢ c", "tactic": "t3", "state_after": "no goals"},
            ],
        },
        {
            "full_name": "lemma_a",
            "traced_tactics": [
                {"state_before": "⊢ a", "tactic": "s1", "state_after": "⊢ z"},
                {"state_before": "⊢ z", "tactic": "s2", "state_after": "no goals"},
            ],
        },
        {
            "full_name": "lemma_unfinished",
            "traced_tactics": [
                {"state_before": "⊢ u", "tactic": "u1", "state_after": "⊢ v"},
            ],
        },
        {
            "theorem": "lemma_b",
            "sstrace": [
                {
                    "proof_before": "",
                    "state_before": "⊢ p",
                    "tactic": "intro h",
                    "state_after": "no goals",
                    "proof_after": "intro h",
                },
            ],
        },
    ]
    return write_jsonl(tmp_path / "traced.jsonl", records)
