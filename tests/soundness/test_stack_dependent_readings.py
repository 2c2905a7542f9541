"""Round ninety-three: a header whose reading depends on the stack size.

ssreflect's ``apply:`` tries a lemma with 0, 1, 2, ... holes inside a handler that catches
every exception, ``Stack_overflow`` included. In the round's header the first try needs a
deep stack (a ``Hint Extern`` whose ``vm_compute`` readback recurses), so ``b`` reads
``false`` under an 8 MB stack and ``true`` under a larger one: ``t : b = false`` was
recorded proved and verified, while a plain coqc with a larger stack proved ``b = true``.
Every coqc a verification rests on now runs under ``strace``, and a run that reached its
stack limit (a ``SIGSEGV``) or its memory cap (a failed allocation) is refused
(:mod:`prover.backends.coq.limit_trace`): a run that reached neither reads the same under
any larger stack and memory cap.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import checker_runs
from prover.backends.coq.verify import verify_proof
from prover.data.theorem_files import theorem_from_file
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

FILE = """From Coq Require Import ssreflect.
Class Deep := deep : True.
#[export] Hint Extern 0 Deep =>
  (let x := eval vm_compute in (Nat.iter 300000 S 0) in exact I) : typeclass_instances.
Class C (A : Type) := val : A.
#[export] Instance c0 `{Deep} : C bool := true.
#[export] Instance c1 : C (unit -> bool) := fun _ => false.
Definition b : bool.
Proof. apply: val; try exact tt. Defined.

Theorem t : b = false.
Proof.
Admitted.
"""


def _theorem(folder: Path, statement: str = "b = false") -> Theorem:
    path = folder / "F.v"
    path.write_text(FILE.replace("b = false", statement))
    return theorem_from_file(path, "t", language="coq")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_without_the_limits_record_the_small_stack_reading_is_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: with strace's record not read, `t : b = false` verifies."""
    monkeypatch.setattr(checker_runs, "limit_problem", lambda *_args, **_kwargs: None)
    verification = verify_proof(_theorem(tmp_path), ["reflexivity."], timeout_s=120)
    assert verification.ok, verification.message


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_a_file_whose_compile_reached_the_stack_limit_is_refused(tmp_path: Path) -> None:
    """`t : b = false` is refused naming the 8 MB stack limit the header's reading reached."""
    verification = verify_proof(_theorem(tmp_path), ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "coqc was refused: it reached its 8 MB stack limit" in (verification.message or "")


@COQ_TOOLS[0]
@COQ_TOOLS[1]
def test_any_statement_after_such_a_header_is_refused(tmp_path: Path) -> None:
    """`t : b = b` is refused too: the refusal is of the header's reading, not the statement."""
    verification = verify_proof(_theorem(tmp_path, "b = b"), ["reflexivity."], timeout_s=120)
    assert not verification.ok
    assert "stack limit" in (verification.message or "")
