"""start_coqtop: the search's coqtop runs with the stack verification runs coqc with."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prover.backends.coq.config import PROVER_STACK_MB
from prover.backends.coq.coqtop import start_coqtop


@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")
def test_coqtop_starts_with_the_prover_stack_not_the_inherited_one() -> None:
    """The started process's soft stack limit is PROVER_STACK_MB, whatever this process has."""
    started = start_coqtop(coqtop_path="coqtop", memory_limit_mb=None, start_timeout_s=60)
    try:
        limits = Path(f"/proc/{started.coqtop.process.pid}/limits").read_text()
    finally:
        started.kill()
    stack = next(line for line in limits.splitlines() if line.startswith("Max stack size"))
    assert stack.split()[3] == str(PROVER_STACK_MB * 1024 * 1024)
