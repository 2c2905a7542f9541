"""Theorems read out of the user's own source files (``--file F --theorem NAME``)."""

from __future__ import annotations

import pytest

from prover.data.theorem_files import coq_declaration_from_source
from search.errors import InputError


def test_theorem_from_source_splits_header_statement_and_drops_proof() -> None:
    """The named theorem's sentence is the statement; everything before is the header."""
    source = (
        "Require Import Arith.\n(* doc. *)\nTheorem foo : forall n, n + 0 = n.\n"
        "Proof. lia. Qed.\nLemma foo2 : True. Proof. exact I. Qed.\n"
    )
    first = coq_declaration_from_source(source, "foo")
    assert first.header == "Require Import Arith.\n(* doc. *)\n"
    assert first.statement == "Theorem foo : forall n, n + 0 = n."
    second = coq_declaration_from_source(source, "foo2", origin="f.v")
    assert second.statement == "Lemma foo2 : True."
    assert second.header.endswith("Proof. lia. Qed.\n")
    with pytest.raises(InputError, match="'fo' not found"):
        coq_declaration_from_source(source, "fo")


@pytest.mark.parametrize(
    "statement",
    [
        "Lemma l d :\n  let f := match d with Some x => x | None => 0 end in f = f.",
        "Lemma l : forall e : nat, let c := fun x => x in let g := c in g e = e.",
        "Lemma l (x := 0) : let letter := x in letter = 0.",
    ],
)
def test_a_let_in_the_statement_is_not_a_body(statement: str) -> None:
    """`let ... :=` inside a statement (stdlib's dnorm_spec_f) still opens as a theorem."""
    theorem = coq_declaration_from_source(f"{statement}\nProof. auto. Qed.\n", "l")
    assert theorem.statement == statement


def test_a_definition_body_after_a_let_type_opens_no_proof() -> None:
    """`Definition d : let t := nat in t := 0.` gives its body: no proof opens there, and a
    later `Lemma d` makes the name declared twice, which is refused."""
    source = "Definition d : let t := nat in t := 0.\n"
    with pytest.raises(InputError, match="'d' not found"):
        coq_declaration_from_source(source, "d")
    with pytest.raises(InputError, match="declared 2 times"):
        coq_declaration_from_source(source + "Lemma d : True. Proof. exact I. Qed.\n", "d")


WHOLE_CONTEXT_SOURCE = (
    "Section S.\nHypothesis absurd : False.\n"
    "Theorem bare : 1 = 2.\n(* a comment *) Admitted.\n"
    "Theorem opened : 1 = 2.\nProof.\nAdmitted.\n"
    '#[using="Type"] Lemma attributed : 1 = 2.\nAdmitted.\n'
    "Lemma spaced : 1 = 2.\nAdmitted .\n"
    "Lemma proved : 1 = 1.\nreflexivity.\nQed.\n"
    "Local Lemma local : 1 = 2.\nAdmitted.\nEnd S.\n"
)


@pytest.mark.parametrize(
    ("name", "granted"),
    [
        ("bare", True),
        ("local", True),
        ("opened", False),
        ("attributed", False),
        ("spaced", False),
        ("proved", False),
    ],
)
def test_only_a_bare_admitted_grants_the_whole_context(name: str, granted: bool) -> None:
    """Only a proof that is exactly `Admitted.` right after a plain theorem keyword grants
    every section variable; a `Proof` sentence, an attribute, another spelling or a real
    proof does not (fail closed)."""
    theorem = coq_declaration_from_source(WHOLE_CONTEXT_SOURCE, name)
    assert theorem.whole_context is granted
