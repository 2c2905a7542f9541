"""Which sentences of a Coq file declare a name (the `--file` name check)."""

from __future__ import annotations

import pytest

from prover.backends.coq.declared_names import declares_name, declaring_sentences
from prover.backends.coq.sentences import split_for_coqtop


@pytest.mark.parametrize(
    "sentence",
    [
        "Theorem t : True.",
        "Time Theorem t : 1 = 2.",
        'Redirect "out" Lemma t : True.',
        "Timeout 5 #[local] Definition t : nat := 0.",
        "Fail Fail Axiom t : False.",
        "Inductive X := t : X.",
        "Inductive X := a | t (n : nat) : X.",
        "Record R := mk { t : nat }.",
        "Record R := { a : nat; t : nat }.",
        "Context {A : Type} (t : A).",
        "Variables a t : nat.",
        "Fixpoint f (n : nat) : nat := 0 with t (n : nat) : nat := 0.",
        "Notation t := 0.",
        "Canonical Structure t.",
        "Module t.",
        "Add Morphism f with signature eq ==> eq as t.",
        "Axiom u t : 1 = 2.",  # round 44: several names after a singular keyword
        "Parameter (u : nat) (t : 1 = 2).",
        "Declare Instance t : 1 = 2.",
        'Redirect "a""b" Theorem t : True.',  # a doubled quote inside the file name
        "Scheme t := Induction for nat Sort Prop.",
        "Identity Coercion t : a >-> b.",
        "Derive Inversion t with (le 0 0).",
        "abstract lia using t.",
    ],
)
def test_declarations_of_the_name_are_found(sentence: str) -> None:
    """Behind control prefixes and attributes, as a constructor, field, binder or mutual
    definition: each declares `t`."""
    assert declares_name(sentence, "t")


@pytest.mark.parametrize(
    "sentence",
    [
        "Lemma u : t = t.",
        "Definition u := t.",
        "Check t.",
        "Theorem tt : True.",
        "Inductive X := a : t -> X.",
        "Variable x : t.",
        "apply t.",
    ],
)
def test_uses_of_the_name_are_not_declarations(sentence: str) -> None:
    """A sentence that only uses `t` (or declares `tt`) does not declare it."""
    assert not declares_name(sentence, "t")


def test_a_split_file_counts_each_declaring_sentence() -> None:
    """Two modules' `t` (the second behind `Time`) are two declaring sentences."""
    source = "Module A. Theorem t : True. Admitted. End A.\nModule B. Time Theorem t : True.\n"
    assert len(declaring_sentences(split_for_coqtop(source), "t")) == 2
