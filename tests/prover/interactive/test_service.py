"""The service's verdict on a found proof: verified only with the language's kernel replay."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from prover.interactive.service import _verified_answer
from search.outcomes import Verification
from search.result import SearchResult, SearchStatus, StopReason
from search.states import Theorem

THEOREM = Theorem(name="t", header="", statement="theorem t : True := by")
PROVED = SearchResult(
    status=SearchStatus.PROVED,
    stop_reason=StopReason.PROOF_FOUND,
    proof=("trivial",),
    proof_states=("⊢ True",),
    expansions=1,
    num_nodes=2,
    time_s=0.1,
    generator_time_s=0.0,
    backend_time_s=0.0,
    scorer_time_s=0.0,
)


@dataclass
class _Verifying:
    """An environment whose whole-file check passes with the given checks."""

    checks: tuple[str, ...]

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        return Verification(
            ok=True, proof_text="theorem t : True := by\n  trivial\n", checks=self.checks
        )


@pytest.mark.parametrize(
    ("language", "checks", "verified"),
    [
        ("lean4", ("admission", "lean-repl", "print-axioms"), False),
        ("lean4", ("admission", "lean-repl", "print-axioms", "lean4checker"), True),
        ("coq", ("admission", "coqc", "coqchk"), True),
    ],
)
def test_a_lean_request_proof_needs_lean4checker(
    language: str, checks: tuple[str, ...], verified: bool
) -> None:
    """Without lean4checker's replay a Lean proof of a request is not verified (header code
    could have forged the REPL's environment); with it, and for Coq, it is."""
    environment = _Verifying(checks)
    answer = _verified_answer(THEOREM, environment, PROVED, language=language)
    assert answer.verified is verified
    assert (answer.status == "proved") is verified
    if not verified:
        assert answer.error is not None and "lean4checker" in answer.error
