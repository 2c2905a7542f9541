"""A tiny trace directory in the format of contracts.md §1, and a tiny training config.

When the trace helper's real fixture (``tests/fixtures/trace/`` with its manifest) exists,
:func:`fixture_trace` returns it; otherwise it writes a synthetic trace with the same
fields: Coq-like states whose tactic follows from the goal's shape, spread over files of
every split, so a tiny model can learn something in seconds.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from models.language.training.config import LmTrainingConfig

REPO = Path(__file__).resolve().parents[4]
REAL_FIXTURE = REPO / "tests" / "fixtures" / "trace"
NAMES = ("n", "m", "k", "x", "y", "a", "b", "p")
FILES = {
    "Arith/A.v": "train",
    "Arith/B.v": "train",
    "Logic/C.v": "train",
    "Arith/D.v": "valid",
    "Logic/E.v": "test",
}


def _shapes(name: str, other: str) -> list[tuple[str, str]]:
    """(state, tactic) pairs whose tactic is determined by the goal's shape."""
    return [
        (f"{name} : nat\n⊢ {name} + 0 = {name}", "lia."),
        (f"⊢ forall {name} : nat, {name} * 1 = {name}", f"intros {name}."),
        (f"{name} {other} : nat\n⊢ {name} + {other} = {other} + {name}", "lia."),
        (f"H : {name} = {other}\n⊢ {name} = {other}", "exact H."),
        (f"{name} : nat\n⊢ {name} = {name} /\\ True", "split."),
        (f"{name} : nat\n⊢ True", "trivial."),
        (f"H : {name} < {other}\n⊢ {name} <= {other}", "lia."),
        (
            f"⊢ forall {name} {other} : nat, {name} = {other} -> {other} = {name}",
            f"intros {name} {other} H.",
        ),
    ]


def synthetic_rows() -> list[dict[str, Any]]:
    """Rows with every field of contracts.md §1."""
    rows = []
    for file_index, (file, split) in enumerate(FILES.items()):
        for pair, (name, other) in enumerate(zip(NAMES, NAMES[1:] + NAMES[:1], strict=True)):
            if (pair + file_index) % 2:
                continue
            for step, (state, tactic) in enumerate(_shapes(name, other)):
                rows.append(
                    {
                        "library": "stdlib",
                        "file": file,
                        "module": "Coq." + file[:-2].replace("/", "."),
                        "theorem": f"thm_{file_index}_{pair}_{step}",
                        "step": 0,
                        "state": state,
                        "tactic": tactic,
                        "remaining_steps": 1,
                        "proof_length": 1,
                        "num_goals": 1,
                        "split": split,
                    }
                )
    return rows


def write_trace(directory: Path, rows: list[dict[str, Any]], *, manifest: bool = True) -> Path:
    """A trace directory holding ``rows`` (and a manifest unless told otherwise)."""
    directory.mkdir(parents=True, exist_ok=True)
    with gzip.open(directory / "steps.jsonl.gz", "wt", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row) + "\n")
    if manifest:
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["split"]] = counts.get(row["split"], 0) + 1
        (directory / "manifest.json").write_text(json.dumps({"counts": counts}))
    return directory


def fixture_trace(root: Path) -> Path:
    """A synthetic trace under ``root`` whose tactics follow from its states (learnable)."""
    return write_trace(root / "trace", synthetic_rows())


def tiny_config(trace: Path, output: Path, **overrides: Any) -> LmTrainingConfig:
    """A model of a few ten thousand parameters trained for a few seconds."""
    values: dict[str, Any] = {
        "data": trace,
        "output": output,
        "vocab_size": 320,
        "hidden_size": 64,
        "num_layers": 2,
        "num_heads": 2,
        "intermediate_size": 128,
        "max_length": 128,
        "max_tactic_tokens": 32,
        "batch_size": 8,
        "learning_rate": 3e-3,
        "warmup_steps": 5,
        "max_steps": 120,
        "epochs": 1000.0,
        "valid_every_steps": 40,
        "valid_examples": 64,
        "log_every_steps": 10,
        "eval_examples": 16,
        "eval_samples": 8,
        "eval_max_tokens": 24,
        "threads": 2,
    }
    values.update(overrides)
    return LmTrainingConfig(**values)


@pytest.fixture(scope="session")
def trained_tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained once per session on the fixture trace (a few seconds)."""
    from models.language.training.pipeline import train_language_model

    root = tmp_path_factory.mktemp("tiny-lm")
    output = root / "model"
    train_language_model(tiny_config(fixture_trace(root), output))
    return output
