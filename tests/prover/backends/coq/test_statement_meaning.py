"""Reading a statement into the type the prelude check elaborates before the prelude."""

from __future__ import annotations

import pytest

from prover.backends.coq.statement_meaning import (
    StatementMeaning,
    _statement_type,
    statement_meaning,
)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("Theorem t : 1 = 1.", "1 = 1"),
        ("Lemma t (n : nat) {m : nat} : n = m.", "forall (n : nat) {m : nat}, n = m"),
        ("Theorem t x y : x = y :> nat.", "forall x y, x = y :> nat"),
        ("#[local] Lemma t (x := 3) : x = 3.", "forall (x := 3), x = 3"),
        ("Local Definition t : forall a : R, 0 <= a * a.", "forall a : R, 0 <= a * a"),
        ('Theorem t (* a : comment *) (h : ":" = ":") : True.', 'forall (h : ":" = ":"), True'),
        ("Fixpoint t (n : nat) {struct n} : n = n.", "forall (n : nat), n = n"),
        ("Lemma t : let f := 2 in f = 2.", "let f := 2 in f = 2"),
        ("Theorem\n  t\n  (a : nat)\n  :\n  a = a\n.", "forall (a : nat), a = a"),
    ],
)
def test_binders_and_type_are_read_as_forall(statement: str, expected: str) -> None:
    """The binders end at the first top-level `:`; comments go, strings stay, `{struct}` goes."""
    read = _statement_type(statement, "t")
    assert read is not None and " ".join(read.split()) == " ".join(expected.split())


@pytest.mark.parametrize(
    "statement",
    [
        "Theorem t@{u} (A : Type@{u}) : A -> A.",  # universe binders: not compared
        "Theorem u : 1 = 1.",  # another name
        "Theorem t (n : nat : n = n.",  # unbalanced
        "Theorem t (n : nat) := eq_refl.",  # a body, no type
        "Theorem t : 1 = 1",  # no final dot
        "Notation t := 1.",  # not a declaring word
    ],
)
def test_what_cannot_be_read_is_refused_with_a_reason(statement: str) -> None:
    """Fail closed: a statement not read into binders and a type gets a refusal naming the
    theorem and the way out, never a check against a guessed type."""
    meaning = statement_meaning(statement, "t", nonce="0123")
    assert isinstance(meaning, str)
    assert "cannot be read" in meaning and "--coq-prelude ''" in meaning


def test_the_check_elaborates_before_and_compares_after() -> None:
    """Before the prelude: a section variable of the statement's type, kept as a definition;
    after Qed: a definition of that type whose body is the theorem (names carry the nonce)."""
    meaning = statement_meaning("Lemma t (n : nat) : n = n.", "t", nonce="ab12")
    assert isinstance(meaning, StatementMeaning)
    assert meaning.before[0] == "Section ProverCheckMeaning_ab12."
    assert meaning.before[1] == "Variable ProverCheckAssumed_ab12 : forall (n : nat), n = n."
    assert "type of ProverCheckAssumed_ab12" in meaning.before[2]
    assert meaning.after == ("Definition ProverCheckHolds_ab12 : ProverCheckStatement_ab12 := @t.",)
    assert StatementMeaning.unchanged() == StatementMeaning(before=(), after=())
