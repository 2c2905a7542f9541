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
Round nineteen set `Printing Depth 4` before a module `W` left open: `End W.` undid the
verifier's depth and the print read `Axioms: ...`; now the settings come again right
before the print, and an elided or unknown print refuses. Round twenty reached an axiom
through a definition inside the sealed module, which coqchk does not list: now every
assumption the print names must be one coqchk listed. Round thirty hid a declared module's
axiom the same way and bypassed the print with a `Cd`: since then `coqchk-fixed` follows a
sealed field's assumptions through the implementation's own definitions
(`scripts/coq/coqchk-sealed-assumptions.patch`), so its summary lists all of these too, and
each layer refuses them on its own.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.proof_source as proof_source_module
from prover.backends.coq import checker_runs
from prover.backends.coq.assumptions_print import assumptions_print_problem
from prover.backends.coq.verify import verify_proof
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS

STOCK_COQCHK = "coqchk"

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

SHALLOW_PRINTING = "Set Printing Depth 4.\nModule W.\nSet Printing Depth 50.\n"
"""Round nineteen: the depth the verifier sets inside `W` is undone by `End W.`, and the
header's depth 4 elided the assumptions print to `Axioms: ...`."""


def _each_layer_refuses(
    header: str, listed: str, printed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coqchk-fixed`'s summary lists ``listed`` (the default checker refuses there, before
    the print is read); with the stock coqchk, which lists nothing, the theorem's Print
    Assumptions refuses with ``printed``; with the stock checker and that reading switched
    off, `1 = 2` verifies (the control)."""
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    fixed = verify_proof(theorem, ["exact M.q."], timeout_s=60)
    assert not fixed.ok and fixed.checks == ("admission", "coqc")
    assert "disallowed axioms" in (fixed.message or "") and listed in (fixed.message or "")
    stock = verify_proof(theorem, ["exact M.q."], coqchk_path=STOCK_COQCHK, timeout_s=60)
    assert not stock.ok and stock.checks == ("admission", "coqc", "coqchk")
    assert printed in (stock.message or "")
    monkeypatch.setattr(
        checker_runs, "assumptions_print_problem", lambda _printed, _listed, **_: None
    )
    assert verify_proof(theorem, ["exact M.q."], coqchk_path=STOCK_COQCHK, timeout_s=60).ok


@pytest.mark.parametrize(
    ("header", "listed", "reason"),
    [
        (GUARD, "Checked.M.f", "M.f is assumed to be guarded"),
        (POSITIVITY, "Checked.M.q", "M.Bad is assumed to be positive"),
        (UNSET_GUARD, "Checked.M.f", "M.f is assumed to be guarded"),
        (f"{GUARD}Module W.\n", "Checked.M.f", "M.f is assumed to be guarded"),
        (f"{GUARD}{SHALLOW_PRINTING}", "Checked.M.f", "M.f is assumed to be guarded"),
    ],
)
def test_an_unsafe_constant_behind_a_sealed_module_is_refused(
    header: str, listed: str, reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixed checker lists the unguarded fixpoint (or, for a non-positive inductive
    type, the field that reaches it); the stock one lists nothing and the Print
    Assumptions reading names the constant."""
    _each_layer_refuses(header, listed, reason, monkeypatch)


def test_a_safe_sealed_module_still_verifies() -> None:
    """Sealing alone is no reason to refuse: a proof through a sealed safe module counts."""
    header = (
        "Module Type U. Parameter q : 1 = 1. End U.\n"
        "Module M : U.\nDefinition q := eq_refl 1.\nEnd M.\n"
    )
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 1.")
    verification = verify_proof(theorem, ["exact M.q."], timeout_s=60)
    assert verification.ok, verification.message


def test_an_elided_assumptions_print_is_refused_on_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Round nineteen's second layer: without the printing settings before the print (the
    round's code), the header's depth elides it to `...`, and the elision itself refuses."""
    monkeypatch.setattr(
        proof_source_module,
        "_assumptions",
        lambda _header, name, _marker, _library: [
            f'Redirect "VerifyAssumptions" Print Assumptions Checked.W.{name}.'
        ],
    )
    header = f"{GUARD}{SHALLOW_PRINTING}"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    verification = verify_proof(
        theorem, ["exact M.q."], coqchk_path=STOCK_COQCHK, timeout_s=60
    )  # the stock checker, which does not list M.f: the print's layer alone
    assert not verification.ok and "elided" in (verification.message or "")


@pytest.mark.parametrize(
    ("printed", "refused"),
    [
        ("Closed under the global context\n", False),
        ("Axioms:\nclassic : forall P : Prop,\n  P \\/ ~ P\n", False),
        ("Axioms:\n...\n", True),
        ("", True),
        ("Section Variables:\nx : nat\n", True),
        ("Axioms:\nProverCheck.Checked.M.ax : @eq nat (S O) (S (S O))\n", True),
        ("Axioms:\nLogic.Classical_Prop.classic\n  : forall P : Prop, or P (not P)\n", False),
        ("Axioms:\nmyclassic : forall P : Prop, or P (not P)\n", True),
        ("Axioms:\nclassic is something\n", True),
    ],
)
def test_only_coqs_two_answers_without_elision_are_read(printed: str, refused: bool) -> None:
    """Fail closed: an empty, elided or unknown print refuses, and so does an assumption
    that is not coqchk's listed name or a tail of it after a '.'."""
    listed = ("Coq.Logic.Classical_Prop.classic",)
    problem = assumptions_print_problem(printed, listed, library="ProverCheck.Checked")
    assert (problem is not None) is refused


INDIRECT = """Module Type U. Parameter q : 1 = 2. End U.
Module M : U.
Axiom ax : 1 = 2.
Definition d : 1 = 2 := ax.
Definition q : 1 = 2 := d.
End M.
"""
"""Round twenty: coqchk records for a sealed field only the axioms its own body names, so an
axiom one definition further down went unlisted."""


DECLARED = """Module Type T. Axiom bad : 1 = 2. End T.
Module Type U. Parameter q : 1 = 2. End U.
Module M : U.
Declare Module X : T.
Definition d := X.bad.
Definition q := d.
End M.
"""
"""Round thirty: a declared module's axiom field, one definition below a sealed field."""
RECORD_FIELD = """Module Type U. Parameter q : 1 = 2. End U.
Module M : U.
Axiom ax : 1 = 2.
Record R := { a : nat ; b : 1 = 2 := ax }.
Definition q : 1 = 2 := match Build_R 0 with Build_R _ b => b end.
End M.
"""
"""Round thirty-two: the axiom only in a record's defined field (a let-in of the constructor
type), which the checker's first version of the patch did not follow."""


@pytest.mark.parametrize(
    ("header", "listed"),
    [
        (INDIRECT, "Checked.M.ax"),
        (INDIRECT.replace("Axiom ax : 1 = 2.", "Lemma ax : 1 = 2.\nAdmitted."), "Checked.M.ax"),
        (f"{INDIRECT}Module W.\n", "Checked.M.ax"),
        (f"{INDIRECT}Module Type T. End T.\nModule F (X : T).\n", "Checked.M.ax"),
        (DECLARED, "Checked.M.X.bad"),
        (RECORD_FIELD, "Checked.M.ax"),
    ],
)
def test_an_axiom_behind_a_definition_in_a_sealed_module_is_refused(
    header: str, listed: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fixed checker lists the hidden axiom; the stock one lists nothing and the print
    names it by its full path, in the file's own library (round 123: never an allowed
    assumption's tail)."""
    printed = f"{listed}' (Print Assumptions), an object of the file's own library"
    _each_layer_refuses(header, listed, printed, monkeypatch)
