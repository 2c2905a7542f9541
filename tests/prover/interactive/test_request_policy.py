"""The header whitelist and the statement checks of /search requests (Coq and Lean)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prover.interactive.headers import (
    HeaderRefused,
    check_coq_header,
    check_lean_header,
    coq_code,
    inspected_coq_header,
)
from prover.interactive.statements import request_theorem

STATEMENTS = Path(__file__).resolve().parents[3] / "prover" / "data" / "statements"


def _entries(name: str) -> list[dict[str, str]]:
    lines = (STATEMENTS / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _declares_fixpoint(header: str) -> bool:
    return re.search(r"\b(?:Fixpoint|CoFixpoint|fix|cofix)\b", header) is not None


def test_every_minif2f_coq_header_without_assumptions_passes() -> None:
    """All miniF2F-Coq headers pass the whitelist except the one declaring a Parameter and
    the 19 defining a Fixpoint (refused: Coq 8.16's guard checker is not trusted)."""
    refused = []
    for entry in _entries("minif2f_coq.jsonl"):
        try:
            check_coq_header(entry["header"])
        except HeaderRefused as exc:
            refused.append((entry["name"], str(exc)))
    fixpoints = [message for _, message in refused if "fixpoints" in message]
    others = [message for _, message in refused if "fixpoints" not in message]
    assert len(fixpoints) == 19, refused
    assert len(others) == 1 and "'Parameter' is not allowed" in others[0], refused


def test_every_accepted_minif2f_coq_header_can_be_inspected() -> None:
    """The term prints verification adds refuse none of the headers the whitelist admits."""
    inspected = 0
    for entry in _entries("minif2f_coq.jsonl"):
        code = coq_code(entry["header"], what="header")
        try:
            check_coq_header(code)
        except HeaderRefused:
            continue
        inspected_coq_header(code)
        inspected += 1
    assert inspected == 468


def test_inspection_prints_each_lemma_and_definition_by_name() -> None:
    """A definition's body and a lemma's proof each get a Printing All print, numbered."""
    header = "Definition two := 1 + 1.\nLemma l : two = 2.\nProof.\nreflexivity.\nQed.\n"
    inspected = inspected_coq_header(header)
    assert 'Redirect "ProverCheckHeader1" Print Term two.' in inspected
    assert 'Redirect "ProverCheckHeader2" Print Term l.' in inspected
    assert inspected.index("Print Term two.") < inspected.index("Lemma l")


@pytest.mark.parametrize(
    "instance",
    ["Instance : K := {| k := 0 |}.", "Instance : K.\nProof.\nexact {| k := 0 |}.\nQed."],
)
def test_an_anonymous_instance_is_refused(instance: str) -> None:
    """Its term could not be printed by name for verification to read: fail closed."""
    with pytest.raises(HeaderRefused, match="declares no name"):
        check_coq_header(f"Class K := {{ k : nat }}.\n{instance}\n")


@pytest.mark.parametrize(
    "name",
    [
        "minif2f_lean4.jsonl",
        "proofnet_lean4.jsonl",
        "minif2f_lean4_yangky11_v4.24.jsonl",
        "proofnet_lean4_rahul3613_v4.20.jsonl",
    ],
)
def test_every_lean_benchmark_header_passes(name: str) -> None:
    """Every distinct Lean benchmark header (imports, opens, options, definitions) passes."""
    headers = {entry.get("header", "") for entry in _entries(name)}
    for header in headers:
        check_lean_header(header)


def test_every_minif2f_statement_is_accepted_with_its_name() -> None:
    """Each miniF2F-Coq and -Lean statement passes with its own name (headers allowing)."""
    for name, language in (("minif2f_coq.jsonl", "coq"), ("minif2f_lean4.jsonl", "lean4")):
        accepted = 0
        for entry in _entries(name):
            if "Parameter" in entry["header"] or _declares_fixpoint(entry["header"]):
                continue
            theorem = request_theorem(
                language=language,
                header=entry["header"],
                statement=entry["formal_statement"],
                name=entry["name"],
            )
            assert theorem.name == entry["name"]
            accepted += 1
        assert accepted >= 468


COQ_ALLOWED = """\
From Coq Require Import Arith.Arith Lia.
Require Import Reals.
Require Export List.
Import ListNotations.
Local Open Scope R_scope.
Close Scope R_scope.
Set Implicit Arguments.
Unset Strict Implicit.
Module NS := FSetWeakList.Make(Nat_as_OT).
Section S.
End S.
Definition double (n : nat) : nat := n + n. (* a comment . with a dot *)
Notation "x '+++' y" := (x + y) (at level 50).
Lemma double_zero : double 0 = 0.
Proof.
  unfold double. - simpl. reflexivity.
Qed.
Definition two : nat.
Proof. exact 2. Defined.
Record point : Set := { px : nat ; py : nat }.
Class Pointed (A : Type) := { base : A ; other : A }.
"""


def test_a_header_of_every_allowed_kind_passes() -> None:
    """Requires, imports, scopes, settings, a module alias, definitions and proved lemmas pass."""
    check_coq_header(COQ_ALLOWED)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ('Redirect "out" Print nat.', "'Redirect'"),
        ("Module K := Coq.FSets.FMapAVL.", "may not alias a module"),
        ('Declare ML Module "evil_plugin".', "'Declare'"),
        ("Unset Guard Checking.", "'Guard'"),
        ("Unset Positivity Checking.", "'Positivity'"),
        ("Unset Universe Checking.", "'Checking'"),
        ("#[bypass_check(guard)] Fixpoint f (n : nat) : False := f n.", "attributes"),
        ("#[local] Axiom a : False.", "attributes"),
        ("Axiom classic : False.", "'Axiom'"),
        ("Parameter p : False.", "'Parameter'"),
        ("Polymorphic Axiom a : False.", "'Axiom'"),
        ("Context (h : False).", "'Context'"),
        ("Variable h : False.", "'Variable'"),
        ("Hypothesis h : False.", "'Hypothesis'"),
        ("Lemma classic : False. Admitted.", "'Proof.'"),
        ("Lemma classic : False. Proof. Admitted.", "Admitted"),
        ("Lemma l : False. Proof. admit. Qed.", "'admit'"),
        ("Lemma l : True. Proof. exact I.", "does not end with 'Qed.'"),
        ('Load "evil".', "'Load'"),
        ('Extraction "out.ml" nat.', "'Extraction'"),
        ('Add LoadPath "/tmp" as T.', "'Add'"),
        ('Cd "/tmp".', "'Cd'"),
        ("Set Typeclasses Debug.", "not on the whitelist"),
        ("Print nat.", "not on the whitelist"),
        ('Require Import Arith. (**)Redirect "out" Print nat.', "'Redirect'"),
        ('Require Import Arith.(**)Redirect "out" Print nat.', "opens a comment right after '.'"),
        ('Definition x := 1.Redirect "out" Print nat.', "'Redirect'"),
        ("Program Definition x : nat := _.", "'Program'"),
        ("Fixpoint sum (n : nat) : nat := match n with 0 => 0 | S m => sum m end.", "fixpoints"),
        ("CoFixpoint c : nat := 0.", "fixpoints"),
        ("Definition d := fix f (n : nat) : nat := n.", "fixpoints"),
        ("Lemma l : nat -> True. Proof. fix f 1. Qed.", "fix"),
        ("Require Import Arith", "ends without a '.'"),
        ("(* unterminated", "cannot be read"),
    ],
)
def test_coq_headers_outside_the_whitelist_are_refused(header: str, fragment: str) -> None:
    """File writes, ML loading, check-disabling settings, assumptions, admits: refused."""
    with pytest.raises(HeaderRefused) as refused:
        check_coq_header(header)
    assert fragment in str(refused.value)


LEAN_ALLOWED = """\
import Mathlib
import Aesop
set_option maxHeartbeats 400000
open BigOperators Real Nat Topology
open scoped BigOperators
noncomputable section
namespace Foo
universe u
@[simp] def double (n : ℕ) : ℕ := n + n
-- a comment with #eval inside
theorem double_zero : double 0 = 0 := by
  simp [double]
def f : ℕ → ℕ
| 0 => 1
| (n + 1) => n
end Foo
"""


def test_a_lean_header_of_every_allowed_kind_passes() -> None:
    """Imports, opens, whitelisted options, namespaces and proved declarations pass."""
    check_lean_header(LEAN_ALLOWED)


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("set_option debug.skipKernelTC true", "debug.skipKernelTC"),
        ("set_option maxHeartbeats 0 in\ndef x := 1", "set_option"),
        ("#eval IO.println 1", "#eval"),
        ("#print axioms foo", "#print"),
        ("unsafe def x : Nat := 1", "'unsafe'"),
        ("@[implemented_by g] def f : Nat := 1", "'implemented_by'"),
        ('@[extern "c_fn"] def f : Nat := 1', "'extern'"),
        ("@[csimp] theorem t : 1 = 1 := rfl", "'csimp'"),
        ("axiom bad : False", "'axiom'"),
        ("theorem cheat : False := by sorry", "'sorry'"),
        ("theorem t : 2 + 2 = 4 := by native_decide", "'native_decide'"),
        ('macro "cheat" : tactic => `(tactic| sorry)', "'macro'"),
        ("variable (h : False)", "'variable'"),
        ("attribute [simp] foo", "'attribute'"),
        ("opaque x : Nat", "'opaque'"),
        ("initialize foo : IO.Ref Nat ← IO.mkRef 0", "'initialize'"),
        ('run_cmd Lean.logInfo "x"', "'run_cmd'"),
        ("export Foo (bar)", "'export'"),
        ("/- unterminated", "cannot be read"),
    ],
)
def test_lean_headers_outside_the_whitelist_are_refused(header: str, fragment: str) -> None:
    """Check-disabling options, unsafe code, #commands, axioms, sorry, macros: refused."""
    with pytest.raises(HeaderRefused) as refused:
        check_lean_header(header)
    assert fragment in str(refused.value)


def test_the_name_must_be_the_declared_identifier() -> None:
    """name 'I' (another constant) or with a newline is refused; absent, the declared one."""
    with pytest.raises(HeaderRefused, match="declares 't'"):
        request_theorem(language="coq", header="", statement="Theorem t : True.", name="I")
    with pytest.raises(HeaderRefused, match="single identifier"):
        request_theorem(language="coq", header="", statement="Theorem t : True.", name="t\nQed")
    with pytest.raises(HeaderRefused, match="single identifier"):
        request_theorem(language="coq", header="", statement="Theorem t : True.", name="Nat.t")
    theorem = request_theorem(language="coq", header="", statement="Lemma t' : True.", name=None)
    assert theorem.name == "t'"
    lean = request_theorem(
        language="lean4", header="", statement="theorem Foo.bar : True := by", name="Foo.bar"
    )
    assert lean.name == "Foo.bar"


@pytest.mark.parametrize(
    "statement",
    [
        "Theorem t : False. Admitted. Theorem t2 : True.",
        "Theorem t : False.(**)Admitted.(**)Theorem t2 : True.",
        "Theorem t : False.(* *)Qed.",
        "Theorem t : True",
        "Definition t : nat := 1.",
        "Goal False.",
        "#[bypass_check(guard)] Theorem t : False.",
        'Theorem t : True. Redirect "x" Print nat.',
        "Example t : 1 = 1 := eq_refl.",
        "Theorem t : let x := 1 in x = 1 := eq_refl.",
    ],
)
def test_a_coq_statement_is_exactly_one_theorem_sentence(statement: str) -> None:
    """Several sentences, hidden boundaries, non-theorems and attributes are refused."""
    with pytest.raises(HeaderRefused):
        request_theorem(language="coq", header="", statement=statement, name=None)


@pytest.mark.parametrize(
    "statement",
    [
        "Theorem t : let x := 1 in x = 1.",
        "Theorem t (n : nat) : let '(a, b) := (n, n) in a = b.",
        "Theorem t (x := 2) : (let y := x in y) = 2.",
        "Theorem t : {| fst := 1; snd := 2 |} = (1, 2).",
        "Theorem t (f := fun n => n) : f 1 = 1.",
    ],
)
def test_a_coq_statement_may_bind_with_let_and_defaults(statement: str) -> None:
    """':=' of a let, a binder default or a record field is not taken for a proof body."""
    theorem = request_theorem(language="coq", header="", statement=statement, name=None)
    assert theorem.name == "t"


@pytest.mark.parametrize(
    "statement",
    [
        "Theorem t : ltac:(exact (1 = 1)).",
        "Theorem t : 0 = ltac:(exact 0).",
        "Theorem t (n : nat) : n = n /\\ ltac:(exact True).",
    ],
)
def test_a_coq_statement_may_not_run_tactics_while_it_is_read(statement: str) -> None:
    """`ltac:(...)` anywhere in a request statement is refused, naming it (round 78)."""
    with pytest.raises(HeaderRefused, match=re.escape("'ltac:(...)' runs tactics")):
        request_theorem(language="coq", header="", statement=statement, name=None)


def test_ltac_in_a_statements_string_or_name_is_not_a_tactic() -> None:
    """The word rule reads code only: a string or a longer name holding 'ltac' passes."""
    for statement in ('Theorem t : "ltac:(x)" = "ltac:(x)".', "Theorem ltac_ok : True."):
        assert request_theorem(language="coq", header="", statement=statement, name=None)


def test_coq_text_is_sent_as_checked_without_comments() -> None:
    """The theorem handed to Coq is the checked text: comments replaced by a space."""
    theorem = request_theorem(
        language="coq",
        header="Require Import Arith. (* hi *)",
        statement="(* c *) Theorem t : (* x *) True.",
        name="t",
    )
    assert "(*" not in theorem.header + theorem.statement
    assert theorem.statement == "Theorem t :   True."


@pytest.mark.parametrize(
    "statement",
    [
        "theorem t : True := by\n  trivial\ntheorem t2 : False := by",
        "theorem t : True\n#eval 1",
        "theorem t : False := by sorry",
        "def t : Nat := 1",
        "theorem t : 2 + 2 = 4 := by native_decide",
        "@[simp] theorem t : True := by",
    ],
)
def test_a_lean_statement_is_exactly_one_theorem(statement: str) -> None:
    """A second declaration, a command, a proof, or a non-theorem is refused."""
    with pytest.raises(HeaderRefused):
        request_theorem(language="lean4", header="", statement=statement, name=None)


def test_a_requests_file_must_be_a_coq_file_name() -> None:
    """`file` is a Coq identifier then `.v`, not the verifier's library, and Coq only; the
    theorem keeps its library name, which changes its id."""
    plain = request_theorem(language="coq", header="", statement="Theorem t : True.", name=None)
    named = request_theorem(
        language="coq", header="", statement="Theorem t : True.", name=None, file="Mine.v"
    )
    assert named.file_name == "Mine" and plain.file_name is None
    assert named.theorem_id != plain.theorem_id
    for bad in ("Mine", "a/b.v", "1x.v", "ProverCheck.v", "x.y.v", ".v"):
        with pytest.raises(HeaderRefused, match="field 'file'"):
            request_theorem(
                language="coq", header="", statement="Theorem t : True.", name=None, file=bad
            )
    with pytest.raises(HeaderRefused, match="Coq requests only"):
        request_theorem(
            language="lean4", header="", statement="theorem t : True := by", name=None, file="A.v"
        )
