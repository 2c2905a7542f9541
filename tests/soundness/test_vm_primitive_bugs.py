"""Bugs of the VM and of primitive types are caught by coqchk, not by admission.

Coq 8.16.1's bytecode VM computes ``addmuldiv 64 42 42`` as ``42`` where the kernel's
lazy machine (and the specification) says ``0`` (coq/coq#19402). ``vm_compute`` is
ordinary tactic text and ``From Coq Require Import Uint63.`` an ordinary request header,
so a generator can make coqc accept ``1 = 2``. coqchk has no VM: it re-checks the VM
cast with the lazy machine and refuses the file (a type error). And coqchk lists every
primitive (``PrimInt63.add``, ``PrimFloat.mul``, ``PArray.set`` ...) as an axiom, so no
proof in an environment that loads a primitive type is ever counted: the whole
primitive-integer/float/array class of the critical-bugs list fails closed.
"""

from __future__ import annotations

import pytest

from prover.backends.coq.admission import check_coq_tactic
from prover.backends.coq.verify import verify_proof
from prover.interactive.statements import request_theorem
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_only_coqchk_refuses

pytestmark = COQ_TOOLS

UINT63_HEADER = "From Coq Require Import Uint63.\n"
VM_BUG_TACTICS = (
    "assert (vm_says : (addmuldiv 64 42 42 = 42)%uint63) by (vm_compute; reflexivity).",
    "assert (lazy_says : (addmuldiv 64 42 42 = 0)%uint63) by reflexivity.",
    "rewrite vm_says in lazy_says.",
    "pose proof (f_equal (fun x => eqb x 0) lazy_says) as wrong.",
    "vm_compute in wrong.",
    "discriminate wrong.",
)


def test_a_request_may_reach_the_vm_bug() -> None:
    """The header and every tactic of the exploit pass the request whitelist and admission."""
    request_theorem(language="coq", header=UINT63_HEADER, statement="Theorem t : 1 = 2.", name=None)
    for tactic in VM_BUG_TACTICS:
        assert check_coq_tactic(tactic) == tactic


def test_coqc_accepts_the_vm_bug_and_coqchk_refuses_it() -> None:
    """`1 = 2` from the VM's wrong `addmuldiv` passes coqc; coqchk's lazy re-check refuses it."""
    theorem = Theorem(name="t", header=UINT63_HEADER, statement="Theorem t : 1 = 2.")
    message = assert_only_coqchk_refuses(theorem, VM_BUG_TACTICS)
    assert "Type error" in message, message


@pytest.mark.parametrize("library", ["PrimInt63", "PrimFloat", "PArray", "Uint63", "Floats"])
def test_an_environment_with_primitive_types_never_passes(library: str) -> None:
    """coqchk lists the primitives as axioms: even `exact I.` fails once they are loaded."""
    theorem = Theorem(
        name="t", header=f"From Coq Require Import {library}.\n", statement="Theorem t : True."
    )
    verification = verify_proof(theorem, ["exact I."], timeout_s=120)
    assert not verification.ok
    assert "PrimInt63" in (verification.message or ""), verification.message
