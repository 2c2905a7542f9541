"""Let-ins in inductive types (parameters, indices, constructor arguments) are refused in requests.

Coq's kernel has several bugs with let-ins in inductive types (coq/coq#22387, #22391,
#21689, #21970). On Coq 8.16.1 the one with a reproducer, #22387 (module subtyping
confuses two inductives whose constructors put their let-ins in different places),
fools coqc into accepting ``False`` and is caught by coqchk only. A ``/search`` request
may declare no let-in in an inductive type, nor a notation that could carry one there;
a trusted header keeps them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from prover.backends.coq.kernel_bugs import declaration_let_in
from prover.backends.coq.text import split_sentences, strip_comments
from prover.backends.coq.verify import verify_proof
from prover.interactive.headers import HeaderRefused, check_coq_header, inspected_coq_header
from prover.interactive.statements import request_theorem
from search.states import Theorem
from tests.soundness.kernel_controls import (
    COQ_TOOLS,
    assert_coqc_and_coqchk_accept,
    assert_only_coqchk_refuses,
)

pytestmark = COQ_TOOLS

STATEMENTS = Path(__file__).resolve().parents[2] / "prover" / "data" / "statements"

# coq/coq#22387, second test: a functor proves getm = 0 for its parameter's inductive,
# applied to a module whose let-in is 1; Coq 8.16.1's coqc accepts the application.
LET_IN_SUBTYPING_HEADER = """\
Module Type M. Inductive I (n := 0) := C (m := n). End M.
Module F (X : M).
  Definition getm x := match x with X.C _ m => m end.
  Definition getm_spec : getm X.C = 0 := eq_refl.
End F.
Module MI. Inductive I (n := 1) := C (m := n). End MI.
Module A := F MI.
Definition getm_spec2 : A.getm MI.C = 1 := eq_refl.
"""
LET_IN_SUBTYPING_TACTICS = (
    "exfalso.",
    "pose proof A.getm_spec as zero.",
    "pose proof getm_spec2 as one.",
    "rewrite zero in one.",
    "discriminate one.",
)


def test_coqc_accepts_false_from_let_ins_and_coqchk_refuses() -> None:
    """Control: coq/coq#22387 passes coqc on 8.16.1; coqchk (its last check) refuses it."""
    theorem = Theorem(name="t", header=LET_IN_SUBTYPING_HEADER, statement="Theorem t : 1 = 2.")
    assert_only_coqchk_refuses(theorem, LET_IN_SUBTYPING_TACTICS)


@pytest.mark.parametrize(
    "sentence",
    [
        "Inductive I (n := 0) := C (m := n).",
        "Inductive T := c (z : nat := 0) (x : nat).",
        "Inductive T := c (x : nat) (z : nat := 0).",
        "Inductive bla : let x := nat in x -> Prop := .",
        "Inductive I := c : forall n : nat, let m := n in I.",
        "Variant V := v (k := 0).",
        "CoInductive S := s (k := 0) : S -> S.",
        "Record R := { a : nat ; b : nat := a }.",
        "Record R (n := 0) := { a : nat }.",
        "Structure S := { carrier : Type ; point : carrier := carrier }.",
        "Class C := { field : nat := 0 }.",
        "Inductive I := c : nat -> let: tt := tt in I.",
        'Inductive le (n : nat) : nat -> Prop := le_n : le n n where "a <= b" := (le a b).',
        "Notation L X := (let y := 0 in X).",
        "Notation L X := (fun (y := 0) => X).",
        "Inductive I := c : (nat -> I.",
        # round twenty-three: `x0with` is one name to Coq, no `with` that starts a new body
        'Notation "x -->> y" := (x -> y) (at level 99, right associativity, y at level 200).\n'
        "Inductive I : Type := C : forall x0with : nat, nat -->> I := 0.",
        # round twenty-four: `x0end`/`x0match` balanced a pretend `match` around let binders
        "Definition x0end : nat := 0.\nInductive pwl : Type := | pack (x y : nat) "
        "(g0end : match x0end with _ => True end := I) "
        "(h0end : match x0end with _ => True end := I).",
    ],
)
def test_let_ins_in_inductive_types_are_refused_in_requests(sentence: str) -> None:
    """Each way a request header writes (or could carry) a let-in into an inductive type."""
    with pytest.raises(HeaderRefused, match="let-in"):
        request_theorem(language="coq", header=sentence, statement="Theorem t : True.", name=None)


@pytest.mark.parametrize(
    "sentence",
    [
        "Record point := { px : nat ; py : nat }.",
        "Structure S := { carrier :> Type ; op : carrier -> carrier }.",
        "Class Default (A : Type) := default : A.",
        "Class Monoid (A : Type) := { unit : A ; op : A -> A -> A }.",
        'Notation "x := y" := (x + y) (at level 50).',
        "Definition d := let x := 0 in x.",
    ],
)
def test_records_classes_and_definitions_without_let_ins_still_pass(sentence: str) -> None:
    """Records, structures, classes, notations and a let in a Definition pass the whitelist."""
    check_coq_header(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Inductive color : Set := Red | Green.",
        "Local Inductive even : nat -> Prop := ev0 : even 0 | evS n : odd n -> even (S n) "
        "with odd : nat -> Prop := odS n : even n -> odd (S n).",
        "Variant V := v : nat -> V.",
        "CoInductive S := s : S -> S.",
    ],
)
def test_inductive_types_are_refused_in_requests(sentence: str) -> None:
    """Round 25: a request may declare no Inductive, CoInductive or Variant, plain or not."""
    with pytest.raises(HeaderRefused, match="may not declare an inductive type"):
        check_coq_header(sentence)


def test_no_minif2f_coq_header_has_a_let_in_in_an_inductive_type() -> None:
    """The let-in rule refuses none of the 488 miniF2F-Coq headers (they declare no inductive)."""
    lines = (STATEMENTS / "minif2f_coq.jsonl").read_text(encoding="utf-8").splitlines()
    headers = [json.loads(line)["header"] for line in lines]
    assert len(headers) == 488
    refused = [
        sentence.text
        for header in headers
        for sentence in split_sentences(strip_comments(header))
        if declaration_let_in(re.sub(r'"(?:[^"]|"")*"', '""', " ".join(sentence.text.split())))
    ]
    assert refused == []


SPROP_LET_INS = """Definition sU : SProp := forall P : SProp, P -> P.
Definition s0match : sU := fun P p => p.
Definition T0match : SProp := sU.
Definition x0end : nat := 0.
Inductive pwl : Type :=
| pack (x y : nat) (g0end : match x0end with _ => T0match end := s0match)
    (h0end : match x0end with _ => T0match end := s0match).
Definition lft (p : pwl) : nat := match p with pack x y _ _ => x end.
Definition rgt (p : pwl) : nat := match p with pack x y _ _ => y end.
Definition collision (p : pwl) : lft p = rgt p := eq_refl.
Definition zero_eq_one : 0 = 1 := collision (pack 0 1).
"""
"""Round twenty-four: coq/coq#22378 (SProp let-ins in a constructor) behind `x0end`."""


def test_round_twenty_four_header_proves_zero_eq_one_past_coqc_and_coqchk(
    tmp_path: Path,
) -> None:
    """Control: the header's let-ins really prove `0 = 1` past coqc and coqchk."""
    theorem = Theorem(name="t", header=SPROP_LET_INS, statement="Theorem t : 0 = 1.")
    assert_coqc_and_coqchk_accept(tmp_path, theorem, ["exact zero_eq_one."])


def test_round_twenty_four_header_is_refused_in_requests() -> None:
    """Refused as a request (an inductive type), and by the let-in rule behind that: the
    keyword glued to a digit."""
    with pytest.raises(HeaderRefused, match="may not declare an inductive type"):
        request_theorem(
            language="coq", header=SPROP_LET_INS, statement="Theorem t : 0 = 1.", name="t"
        )
    inductive = next(s.text for s in split_sentences(SPROP_LET_INS) if "Inductive" in s.text)
    problem = declaration_let_in(" ".join(inductive.split()))
    assert problem is not None and "right after a digit" in problem


def test_round_twenty_four_header_past_the_lexical_rule_is_refused_by_coqs_print() -> None:
    """Had the text rules passed round 24's header, Coq's print of it shows the let-ins."""
    theorem = Theorem(
        name="t", header=inspected_coq_header(SPROP_LET_INS), statement="Theorem t : 0 = 1."
    )
    verification = verify_proof(theorem, ["exact zero_eq_one."])
    assert not verification.ok
    assert verification.message is not None and "coq/coq#22378" in verification.message


UNKEYED_HEADER = "From Coq Require Import ssreflect.\nRecord U := { u : unkeyed nat }.\n"
"""A library notation (`unkeyed x := let flex := x in flex`) writes a let unseen by the text."""


def test_a_let_from_a_library_notation_passes_the_text_rules_but_not_coqs_print() -> None:
    """ssreflect's `unkeyed` gets a let past the whitelist; Coq's print shows it, refused."""
    theorem = request_theorem(
        language="coq", header=UNKEYED_HEADER, statement="Theorem t : True.", name=None
    )
    verification = verify_proof(theorem, ["exact I."])
    assert not verification.ok
    assert verification.message is not None and "let flex" in verification.message


def test_a_request_header_with_records_and_classes_still_verifies() -> None:
    """Control: a record, a class and a lemma pass the print's reading; the proof counts."""
    header = (
        "Record point := { px : nat ; py : nat }.\n"
        "Class Monoid (A : Type) := { unit : A ; op : A -> A -> A }.\n"
        "Lemma l : forall p : point, px p = px p. Proof. reflexivity. Qed.\n"
    )
    theorem = request_theorem(
        language="coq",
        header=header,
        statement="Theorem t : px {| px := 1 ; py := 2 |} = 1.",
        name=None,
    )
    verification = verify_proof(theorem, ["reflexivity."])
    assert verification.ok, verification.message


LET_BEHIND_A_DEFINITION = """Definition sU : SProp := forall P : SProp, P -> P.
Definition stt : sU := fun P p => p.
Definition F (X : Type) : Type :=
  forall (x y : nat) (s1 s2 : sU) (g1 : nat := 0) (g2 : nat := 0), X.
Variant pwl : Type := pack : F pwl.
Definition lft (p : pwl) : nat := match p with pack x y _ _ => x end.
Definition rgt (p : pwl) : nat := match p with pack x y _ _ => y end.
Definition collision (p : pwl) : lft p = rgt p := eq_refl.
Definition zero_eq_one : 0 = 1 := collision (pack 0 1 stt stt).
"""
"""Round twenty-five: the kernel takes a constructor's context from its type reduced
(`F pwl` unfolds to let binders), while `Print All` shows the type as written."""


def test_round_twenty_five_header_proves_zero_eq_one_past_coqc_and_coqchk(
    tmp_path: Path,
) -> None:
    """Control: let binders behind a definition in a Variant's constructor prove `0 = 1`."""
    theorem = Theorem(name="t", header=LET_BEHIND_A_DEFINITION, statement="Theorem t : 0 = 1.")
    assert_coqc_and_coqchk_accept(tmp_path, theorem, ["exact zero_eq_one."])


def test_round_twenty_five_header_is_refused_as_a_request() -> None:
    """The same header through the request route: refused, it declares an inductive type."""
    with pytest.raises(HeaderRefused, match="may not declare an inductive type"):
        request_theorem(
            language="coq",
            header=LET_BEHIND_A_DEFINITION,
            statement="Theorem t : 0 = 1.",
            name=None,
        )
