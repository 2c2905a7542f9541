"""A theorem inside a `Module Type` of a `--file` is a signature field, never a proof.

Found by a red-team probe (2026-12-03): with ``Module Type T. Axiom ax : False.`` left open
by the header, ``Theorem t : 1 = 2.`` was recorded as proved by ``destruct ax.``: the file
compiles (the module type is closed after ``Qed``) and coqchk lists no axiom, because
``ax`` is a field of the signature. The backend refuses to open such a target and
verification refuses it; sections keep their documented meaning (functors:
tests/soundness/test_functor_bodies.py).

Round ten (2026-12-04) got past that refusal: ``Module B'.`` was read as a module ``B``
and ``Module Type B (X : S with Definition d := 0).`` as no opening (its ``:=`` taken for a
body), so the appended ``End B.`` closed the signature and ``1 = 2`` counted again. Now the
block reading is strict (:mod:`prover.backends.coq.blocks`) and the checked file also asks
Coq where the theorem landed. Round eleven hid the block sentences behind a prefix
(``Timeout 100 End B.``), two attribute blocks, or a notation token ending in ``.`` that
makes Coq end a sentence inside ``0 +..``; and answered the first placement check with a
decoy ``Definition t``. Now any sentence naming a block word must be a known shape, and
Coq checks a marker defined in the theorem's own scope.
"""

from __future__ import annotations

import pytest

import prover.backends.coq.proof_source as proof_source_module
import prover.backends.coq.verify as verify_module
from prover.backends.coq import bytecode_reading, checker_runs
from prover.backends.coq.blocks import block_refusal
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.coq.split_check import MarkedSource
from prover.backends.coq.verify import verify_proof
from search.errors import StatementError
from search.states import Theorem
from tests.soundness.kernel_controls import COQ_TOOLS, assert_refused_before_coqc
from tests.soundness.split_attacks import switch_off_the_assumptions_print

pytestmark = COQ_TOOLS

SIGNATURE = Theorem(
    name="t", header="Module Type T.\nAxiom ax : False.\n", statement="Theorem t : 1 = 2."
)


def test_verification_refuses_a_theorem_inside_a_module_type() -> None:
    """verify_proof refuses before coqc, naming the module type."""
    verification = verify_proof(SIGNATURE, ["destruct ax."], timeout_s=60)
    assert not verification.ok and "coqc" not in verification.checks
    assert "Module Type T" in (verification.message or "")


def test_the_backend_refuses_to_open_a_theorem_inside_a_module_type() -> None:
    """The search never starts on a signature field."""
    with (
        CoqEnvironment(CoqConfig()) as environment,
        pytest.raises(StatementError, match="Module Type T"),
    ):
        environment.open(SIGNATURE)


@pytest.mark.parametrize(
    ("header", "refused"),
    [
        ("Module Type T.\nEnd T.\n", False),
        ("Module M.\n", False),
        ("Section S.\nModule Type T.\n", True),
        ("Module Type T.\nModule Inner.\n", True),
        ("Module F (X : Nat).\n", False),
        ("Module F (X : Nat).\nModule G (Y : Nat).\n", True),
        ("Module Type T.\nEnd T.\nModule F (X : T).\nEnd F.\n", False),
    ],
)
def test_only_an_open_module_type_or_nested_functors_refuse(header: str, refused: bool) -> None:
    """A closed module type or functor, a module, a section or one open functor (which the
    checked file applies) refuse nothing; an open module type or a functor in a functor does."""
    assert (block_refusal(header) is not None) is refused


ROUND_TEN_HEADER = """Module Type S.
  Parameter d : nat.
End S.

Module B'.
End B'.

Module Type B (X : S with Definition d := 0).
Axiom ax : 1 = 2.
"""


def test_a_primed_decoy_and_a_parameter_with_definition_do_not_hide_a_module_type() -> None:
    """Round ten's header: the module type is seen, so verification and the backend refuse."""
    theorem = Theorem(name="t", header=ROUND_TEN_HEADER, statement="Theorem t : 1 = 2.")
    assert_refused_before_coqc(theorem, ["exact ax."], "Module Type B")


ROUND_ELEVEN_HEADERS = {
    "prefix": "Definition t := 0.\nSection B.\nTimeout 100 End B.\nTimeout 100 Module Type B.\n",
    "attributes in a functor": (
        "Module Type S.\nParameter d : nat.\nEnd S.\nModule F (X : S).\nSection B.\n"
        "#[] #[] End B.\n#[] #[] Module Type B.\n"
    ),
    "notation ending in a dot": (
        'Notation "x +." := (S x) (at level 40).\n'
        'Notation "x *. y" := (x * y) (at level 40, left associativity).\n'
        "Definition t := 0.\nSection B.\nDefinition d0 := 0 +.. End B.\nDefinition d1 := 2 *. 3.\n"
        "Definition d2 := 0 +.. Module Type B.\nDefinition d3 := 2 *. 3.\n"
    ),
}


@pytest.mark.parametrize("header", [*ROUND_ELEVEN_HEADERS.values(), "Module Type T.\n"])
def test_coq_itself_refuses_a_signature_field_the_reading_missed(
    header: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the reading's refusal switched off (as if it had missed the module type), the
    marker defined after the theorem has no full name once the signature is closed, so
    coqc fails; round eleven's headers are also refused by the reading itself."""
    header = f"{header}Axiom ax : 1 = 2.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    if not header.startswith("Module Type T."):
        assert "cannot be read with certainty" in (block_refusal(header) or "")
    monkeypatch.setattr(verify_module, "target_refusal", lambda *_args, **_kwargs: None)
    # the name guard (round twenty-one) refuses the decoy `t` first: off, to test placement
    monkeypatch.setattr(
        proof_source_module, "_guarded", lambda _header, statement, _name, **_requested: statement
    )
    _switch_off_the_split_check(monkeypatch)
    verification = verify_proof(theorem, ["exact ax."], timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    assert "ProverCheckPlaced" in (verification.message or "")


def _switch_off_the_split_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """No split markers and no comparison with Coq's split (to test the other checks alone)."""

    def unmarked(source: str, _nonce: str) -> MarkedSource:
        return MarkedSource(text=source, expected=())

    monkeypatch.setattr(verify_module, "mark_sentences", unmarked)
    monkeypatch.setattr(checker_runs, "split_refusal", lambda *_args: None)


SPLIT_ATTACK_HEADER = (
    'Notation "x +." := (S x) (at level 40).\nSection B.\nDefinition d0 := 0 +.. End B.\n'
    "Definition d1 := 0 +.. Module Type B.\n"
)


def test_coq_split_alone_refuses_a_header_the_prover_splits_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the reading's refusal and the placement checks switched off, `1 = 2` verifies
    (the control), and switching the split markers back on refuses it: Coq ends a sentence
    inside '0 +..' where the prover's split does not, so either the splits part or a marker
    lands inside one of Coq's sentences and coqc fails."""
    header = f"{SPLIT_ATTACK_HEADER}Axiom ax : 1 = 2.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    monkeypatch.setattr(verify_module, "target_refusal", lambda *_args, **_kwargs: None)
    # the closing a reading that saw only `Section B.` would append, without placement checks
    monkeypatch.setattr(
        proof_source_module, "_placed", lambda _header, _marker, _library: ["End B."]
    )
    switch_off_the_assumptions_print(monkeypatch)
    # the bytecode reading compiles the header with its real closings, and refuses too
    monkeypatch.setattr(
        bytecode_reading, "bytecode_reading_problem", lambda *_args, **_kwargs: None
    )
    with monkeypatch.context() as unchecked:
        _switch_off_the_split_check(unchecked)
        assert verify_proof(theorem, ["exact ax."], timeout_s=60).ok
    verification = verify_proof(theorem, ["exact ax."], timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    message = verification.message or ""
    assert "sentence split differs" in message or "reference Comments" in message


@pytest.mark.parametrize(
    "header",
    [
        "Module Type S.\nParameter d : nat.\nEnd S.\nModule A'.\nSection Sec.\n",
        "Module Type S.\nParameter d : nat.\nEnd S.\nModule M0 <: S.\nDefinition d := 0.\n"
        "End M0.\nModule Make := M0.\nModule Mid.\nModule M.\n",
    ],
)
def test_theorems_in_primed_and_nested_modules_still_verify(header: str) -> None:
    """The false refusals of rounds ten and eleven are gone (a primed module, a module body
    after a `with` clause), and nested modules pass the placement checks: the proof counts."""
    theorem = Theorem(name="t", header=header, statement="Theorem t : 0 = 0.")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=60)
    assert verification.ok, verification.message
    assert verification.checks == ("admission", "coqc", "coqchk")


@pytest.mark.parametrize(
    ("header", "refused"),
    [
        ('Redirect "ProverCheckHeader1" Print Term nat.\n', False),
        ('(* "Redirect " *) Module ProverCheck.\nEnd ProverCheck.\n(* "" *)\n', True),
        ('Definition s := "Redirect ".\nModule ProverCheck.\nEnd ProverCheck.\n', True),
        ("Notation \"'ProverCheck.Checked.M' x\" := Set (at level 0, x name).\n", True),
        ("(* ProverCheck *)\n", True),
    ],
)
def test_the_reserved_name_is_allowed_only_in_a_redirect_file_name(
    header: str, refused: bool
) -> None:
    """Only a `Redirect` file name (the server's header inspection) may hold ProverCheck; a
    string or comment that merely mentions `Redirect` earlier does not open an exception."""
    assert (verify_module._reserved_name(header) is not None) is refused


def test_a_header_naming_the_verifiers_library_is_refused() -> None:
    """The placement check relies on `ProverCheck` naming only the checked file."""
    header = "Module ProverCheck.\nModule Checked.\nEnd Checked.\nEnd ProverCheck.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 0 = 0.")
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=60)
    assert not verification.ok and "reserves" in (verification.message or "")


def test_a_marker_the_header_defines_does_not_answer_for_the_theorem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Round twelve defined `ProverCheckPlaced` in the header: now refused by name, and with
    that refusal and the reading's both switched off, the marker's random suffix still
    leaves the header's constant unnamed, so coqc fails."""
    header = "Definition ProverCheckPlaced := Set.\nModule Type B.\nAxiom ax : 1 = 2.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : 1 = 2.")
    refused = verify_proof(theorem, ["exact ax."], timeout_s=60)
    assert not refused.ok and "reserves" in (refused.message or "")
    monkeypatch.setattr(verify_module, "target_refusal", lambda *_args, **_kwargs: None)
    monkeypatch.setattr(verify_module, "_reserved_name", lambda *_texts: None)
    verification = verify_proof(theorem, ["exact ax."], timeout_s=60)
    assert not verification.ok and verification.checks == ("admission",)
    assert "ProverCheckPlaced_" in (verification.message or "")


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("Theorem t : True +.. Module Type B.", "holds '..'"),
        ("Theorem t : 1 = 1. Axiom ax : False.", "one sentence, got 2"),
        ("Theorem t : ProverCheckPlaced = Set.", "reserves"),
    ],
)
def test_a_statement_that_is_not_one_plain_sentence_is_refused(statement: str, reason: str) -> None:
    """Round twelve hid a module type in the statement itself: a statement must be one
    sentence without '..' and without the verifier's names."""
    theorem = Theorem(name="t", header="", statement=statement)
    verification = verify_proof(theorem, ["reflexivity."], timeout_s=60)
    assert not verification.ok and reason in (verification.message or "")
