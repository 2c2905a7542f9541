"""Helpers of the `prove --file` soundness tests: the user's file compiled alone, and a run.

Each red-team file must first compile with plain `coqc` (so that it really refutes what the
prover is asked about); the run is the CLI's, with default flags.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from prover.cli.main import main


def compile_alone(directory: Path, file_name: str, text: str) -> None:
    """Write ``text`` to ``directory/file_name`` and assert that plain ``coqc`` compiles it."""
    (directory / file_name).write_text(text)
    compiled = subprocess.run(
        ["coqc", "-q", file_name], cwd=directory, capture_output=True, text=True, check=False
    )
    assert compiled.returncode == 0, compiled.stderr


def prove_file(path: Path, theorem: str, output: Path) -> tuple[list[dict[str, Any]], int]:
    """``prover prove --file path --theorem theorem`` (20 s): its records and exit status."""
    status = main([
        "prove", "--file", str(path), "--theorem", theorem, "--time-limit", "20",
        "--output", str(output), "--no-progress",
    ])  # fmt: skip
    lines = (output / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines], status
