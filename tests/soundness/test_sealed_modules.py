"""Round seventeen: an unsafe constant inside an opaquely sealed module was not listed.

Found by a red-team round (2026-12-04): with `Module M : U.` (a colon, not `<:`), a
`#[bypass_check(guard)]` fixpoint, a `#[bypass_check(positivity)]` inductive or `Unset
Guard Checking` inside the implementation proved `M.q : 1 = 2`, and coqchk's context
summary listed none of them (it does list them without the sealing); `exact M.q.` verified,
through `prove --file` too. Now the checked file also prints the theorem's `Print
Assumptions`, which sees through the sealing, and any constant assumed guarded or
positive, or relying on an unsafe hierarchy, refuses. Round eighteen left a module `W`
open after the sealed one: inside it, Coq 8.16 could not look into `M` and printed `M.q` as
a plain axiom; the print now comes after every closing, by the theorem's full name.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.verify as verify_module
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

GUARD = """Module Type U. Parameter q : 1 = 2. End U.
Module M : U.
#[bypass_check(guard)] Fixpoint f (n : nat) : 1 = 2 := f n.
Definition q : 1 = 2 := f 0.
End M.
"""
POSITIVITY = """Module Type U. Parameter q : 1 = 2. End U.
Module M : U.
#[bypass_check(positivity)] Inductive Bad := mk : (Bad -> False) -> Bad.
Definition neg (b : Bad) : False := match b with mk h => h b end.
Definition q : 1 = 2 := False_ind _ (neg (mk neg)).
End M.
"""
UNSET_GUARD = GUARD.replace(
    "#[bypass_check(guard)] Fixpoint f (n : nat) : 1 = 2 := f n.",
    "Unset Guard Checking.\nFixpoint f (n : nat) : 1 = 2 := f n.\nSet Guard Checking.",
)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (GUARD, "M.f is assumed to be guarded"),
        (POSITIVITY, "M.Bad is assumed to be positive"),
        (UNSET_GUARD, "M.f is assumed to be guarded"),
        (f"{GUARD}Module W.\n", "M.f is assumed to be guarded"),
    ],
)
def test_an_unsafe_constant_behind_a_sealed_module_is_refused(
    header: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """coqc and coqchk pass, Print Assumptions names the hidden constant; with that check
    switched off, `1 = 2` verifies (the control: coqchk's summary misses it)."""
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    verification = verify_proof(theorem, ["exact M.q."], timeout_s=60)
    assert not verification.ok and verification.checks == ("admission", "coqc", "coqchk")
    assert reason in (verification.message or "")
    monkeypatch.setattr(verify_module, "unsafe_assumption_problem", lambda _directory: None)
    assert verify_proof(theorem, ["exact M.q."], timeout_s=60).ok


def test_a_safe_sealed_module_still_verifies() -> None:
    """Sealing alone is no reason to refuse: a proof through a sealed safe module counts."""
    header = (
        "Module Type U. Parameter q : 1 = 1. End U.\n"
        "Module M : U.\nDefinition q := eq_refl 1.\nEnd M.\n"
    )
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 1.")
    verification = verify_proof(theorem, ["exact M.q."], timeout_s=60)
    assert verification.ok, verification.message
