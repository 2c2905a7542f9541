"""A theorem inside a functor counts only through an instance of the functor.

Round sixteen (2026-12-04): coqchk's summary does not list what a functor's body assumes,
so `Module F (X : T). Axiom ax : 1 = 2.` before `Theorem t : 1 = 2.` verified; theorems
inside functors were then refused (18.5 % of the stdlib's theorem headers). Now the checked
file declares the functor's arguments and applies it after its `End`: coqchk lists the
instance's copy of every body assumption, the theorem's `Print Assumptions` names the
instance's copy, and only the declared arguments' fields (the theorem's parameters) are
allowed. A functor inside a functor stays refused.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.placement as placement_module
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS
from tests.soundness.split_attacks import switch_off_the_assumptions_print

pytestmark = COQ_TOOLS

SIGNATURE = "Module Type T.\nParameter n : nat.\nAxiom n_pos : 0 < n.\nEnd T.\n"
SEALED_GUARD = """Module Type U. Parameter q : 1 = 2. End U.
Module M : U.
#[bypass_check(guard)] Fixpoint g (k : nat) : 1 = 2 := g k.
Definition q : 1 = 2 := g 0.
End M.
"""
BODIES = {
    "axiom": ("Axiom ax : 1 = 2.\n", "exact ax.", "disallowed axioms"),
    "admitted": ("Lemma ax : 1 = 2.\nAdmitted.\n", "exact ax.", "disallowed axioms"),
    "declared module": (
        "Module Type U. Parameter q : 1 = 2. End U.\nDeclare Module Z : U.\n",
        "exact Z.q.",
        "disallowed axioms",
    ),
    "included signature": (
        "Module Type U. Parameter q : 1 = 2. End U.\nInclude U.\n",
        "exact q.",
        "disallowed axioms",
    ),
    "unsafe fixpoint": (
        "#[bypass_check(guard)] Fixpoint f (k : nat) : 1 = 2 := f k.\n",
        "exact (f 0).",
        "unsafe (co)fixpoints",
    ),
    # coqchk-fixed follows the sealed field to the fixpoint (the print names it too)
    "sealed unsafe fixpoint": (SEALED_GUARD, "exact M.q.", "disallowed axioms"),
}


def _in_functor(body: str) -> Theorem:
    header = f"{SIGNATURE}Module O.\nModule F (Import X : T) <: T.\n{body}"
    return Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")


def test_a_sealed_unsafe_fixpoint_in_the_body_is_read_in_the_instances_print() -> None:
    """With the stock coqchk, which does not list it, the instance's Print Assumptions names
    the sealed unguarded fixpoint (the print's layer alone)."""
    verification = verify_proof(
        _in_functor(SEALED_GUARD), ["exact M.q."], coqchk_path="coqchk", timeout_s=60
    )
    assert not verification.ok and "coqc" in verification.checks
    assert "assumed to be guarded" in (verification.message or "")
    assert "ProverCheckInstance_" in (verification.message or "")


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_an_assumption_in_the_functor_body_refuses_through_the_instance(kind: str) -> None:
    """Each way of assuming `1 = 2` in the body is listed for the instance's copy and refuses
    after coqc has compiled the file."""
    body, tactic, reason = BODIES[kind]
    verification = verify_proof(_in_functor(body), [tactic], timeout_s=60)
    assert not verification.ok
    assert "coqc" in verification.checks and reason in (verification.message or "")
    assert "ProverCheckInstance_" in (verification.message or "")


def test_without_the_instance_the_body_axiom_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    """The control: with no instance (and the assumptions print switched off), the body's
    axiom is invisible to coqchk and `1 = 2` verifies: the instance is what catches it."""
    monkeypatch.setattr(placement_module, "functor_parameters", lambda _binders: None)
    switch_off_the_assumptions_print(monkeypatch)
    theorem = _in_functor("Axiom ax : 1 = 2.\n")
    assert verify_proof(theorem, ["exact ax."], timeout_s=60).ok


def test_a_theorem_under_the_functors_parameters_verifies_and_opens() -> None:
    """A proof from a parameter's axiom counts (a parameter is a hypothesis, like a section
    variable): all checks pass, no axiom is reported, and the backend opens the theorem."""
    header = f"{SIGNATURE}Module O.\nModule F (Import X : T) <: T.\nSection S.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 0 < n.")
    verification = verify_proof(theorem, ["exact n_pos."], timeout_s=60)
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "coqc", "coqchk")
    assert verification.axioms == ()
    with CoqEnvironment(CoqConfig()) as environment:
        environment.open(theorem)


def test_a_library_functor_theorem_verifies() -> None:
    """A standard-library functor parameter (`OrderedType`) with a dependent second
    parameter: the arguments are declared and the instance type-checks."""
    header = (
        "Require Import Coq.Structures.Orders.\n"
        "Module Type Pointed (Import O : OrderedType). Parameter p : t. End Pointed.\n"
        "Module F (Import O : OrderedType) (P : Pointed O).\n"
    )
    statement = "Theorem t : ~ lt P.p P.p."
    theorem = Theorem(name="t", header=header, statement=statement)
    verification = verify_proof(theorem, ["apply StrictOrder_Irreflexive."], timeout_s=60)
    assert verification.ok, verification.message
    assert verification.axioms == ()


def test_a_functor_inside_a_functor_is_still_refused() -> None:
    """Only the outer functor could be applied: refused before coqc and by the backend."""
    header = f"{SIGNATURE}Module F (X : T).\nModule G (Y : T).\nAxiom ax : 1 = 2.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    verification = verify_proof(theorem, ["exact ax."], timeout_s=60)
    assert not verification.ok and "cannot apply it" in (verification.message or "")
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="functor 'G'"),
    ):
        environment.open(theorem)
