"""Controls of the kernel-bug tests: what coqc and coqchk say when admission is bypassed.

A refusal in admission or in the request rules matters only if the refused text really
gets past the proof assistant. These helpers show that with the real ``coqc`` and
``coqchk``, on the file the verifier would write.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from prover.backends.coq.assumptions import parse_context_summary, summary_problem
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.proof_source import build_proof_source
from prover.backends.coq.verify import (
    VERIFY_MODULE,
    coqc_command,
    coqchk_command,
    verify_proof,
)
from search.errors import StatementError
from search.states import Theorem

__all__ = [
    "COQ_TOOLS",
    "assert_coqc_and_coqchk_accept",
    "assert_only_coqchk_refuses",
    "assert_refused_before_coqc",
    "is_coq_816",
]

COQ_TOOLS = [
    pytest.mark.coq,
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("coqtop", "coqc", "coqchk")),
        reason="Coq (coqtop, coqc, coqchk) not installed",
    ),
]
"""The marks of a test module that runs the real coqtop, coqc and coqchk."""


def is_coq_816() -> bool:
    """Whether the installed coqc is 8.16, whose kernel bugs these controls reproduce."""
    version = subprocess.run(["coqc", "--version"], capture_output=True, text=True, check=False)
    return re.search(r"version 8\.16\.", version.stdout) is not None


def assert_coqc_and_coqchk_accept(
    directory: Path, theorem: Theorem, tactics: Sequence[str]
) -> None:
    """The proof file of ``theorem`` by ``tactics`` passes coqc and coqchk with no axiom."""
    source = build_proof_source(
        header=theorem.header, statement=theorem.statement, tactics=list(tactics)
    )
    (directory / f"{VERIFY_MODULE}.v").write_text(source, encoding="utf-8")
    compiled = subprocess.run(
        coqc_command("coqc"), cwd=directory, capture_output=True, text=True, check=False
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    checked = subprocess.run(
        coqchk_command("coqchk"), cwd=directory, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0 and not checked.stdout.strip()
    summary = parse_context_summary(checked.stderr)
    assert not isinstance(summary, str) and summary_problem(summary) is None


def assert_only_coqchk_refuses(theorem: Theorem, tactics: Sequence[str]) -> str:
    """The verifier's coqc accepts the proof and its coqchk refuses it; coqchk's message."""
    verification = verify_proof(theorem, list(tactics), timeout_s=120)
    assert not verification.ok
    assert verification.checks == ("admission", "coqc"), verification.message
    message = verification.message or ""
    assert "coqchk" in message
    return message


def assert_refused_before_coqc(theorem: Theorem, tactics: Sequence[str], reason: str) -> None:
    """Verification refuses ``theorem`` naming ``reason`` before coqc runs, and the backend
    refuses to open it: no search starts on it either."""
    verification = verify_proof(theorem, list(tactics), timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks
    assert reason in (verification.message or "")
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match=re.escape(reason)),
    ):
        environment.open(theorem)
