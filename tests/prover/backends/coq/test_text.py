"""Pure tests of the Coq sentence splitter, the tactic-safety check and the proof source."""

from __future__ import annotations

import pytest

from prover.backends.coq.text import (
    CoqTextError,
    build_proof_source,
    check_coq_tactic,
    coq_theorem_from_source,
    find_forbidden_words,
    split_sentences,
    strip_comments,
)
from search.errors import InputError
from search.outcomes import TacticError


def test_split_keeps_qualified_names_and_decimals_inside_sentences() -> None:
    """A '.' not followed by whitespace (Nat.add, 1.5) does not end a sentence."""
    text = "Definition f (x : R) := x * 1.5 + INR (Nat.add 1 2).\nTheorem t : f 1 = 1."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Definition f (x : R) := x * 1.5 + INR (Nat.add 1 2).",
        "Theorem t : f 1 = 1.",
    ]
    assert all(s.terminated for s in sentences)


def test_split_ignores_dots_inside_nested_comments_and_strings() -> None:
    """Dots inside nested comments and string literals are not terminators."""
    text = 'Open Scope R_scope. (* a. (* b. *) "c. " *) idtac "x. ""y"". z".'
    sentences = split_sentences(text)
    assert len(sentences) == 2
    assert sentences[1].text.endswith('idtac "x. ""y"". z".')


def test_split_keeps_unterminated_tail_and_drops_comment_only_fragments() -> None:
    """A trailing fragment without '.' is kept and marked unterminated; comments alone vanish."""
    sentences = split_sentences("lia. \n intros x")
    assert [(s.text, s.terminated) for s in sentences] == [("lia.", True), ("intros x", False)]
    assert [s.text for s in split_sentences("lia. (* trailing comment *)\n")] == ["lia."]


@pytest.mark.parametrize("text", ["(* open comment", 'idtac "no end.', "(* (* *) still open"])
def test_split_raises_on_unterminated_comment_or_string(text: str) -> None:
    """Unterminated comments and strings cannot be split (coqtop would wait forever)."""
    with pytest.raises(CoqTextError):
        split_sentences(text)


def test_strip_comments_keeps_strings() -> None:
    """Comments are removed but comment markers inside strings stay."""
    assert strip_comments('a (* x (* y *) *) "(* s *)" b') == 'a   "(* s *)" b'


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("lia", "lia."),
        ("lia.", "lia."),
        ("  intros x\n   y.  ", "intros x y."),
        ("rewrite Nat.add_0_r.", "rewrite Nat.add_0_r."),
        ("lra (* note. *).", "lra."),
        ("all: nra.", "all: nra."),
        ("2: lia.", "2: lia."),
        ("exact 1.5.", "exact 1.5."),
        ('idtac "Qed. x".', 'idtac "Qed. x".'),
        ("now apply (Rle_refl 1).", "now apply (Rle_refl 1)."),
        ("split; [lia | lra].", "split; [lia | lra]."),
    ],
)
def test_safe_tactics_are_normalized(candidate: str, expected: str) -> None:
    """Safe candidates come back as one sentence with one trailing '.' and single spaces."""
    assert check_coq_tactic(candidate) == expected


@pytest.mark.parametrize(
    "candidate",
    [
        "",
        "   ",
        "(* only a comment *)",
        ".",
        "lia. Qed.",
        "exact I. exact I",
        "Qed.",
        "Defined.",
        "Admitted.",
        "Abort.",
        "Save t.",
        "admit.",
        "give_up.",
        "try admit.",
        "all: admit.",
        "Axiom f : False.",
        "Parameter p : nat.",
        "Hypothesis h : False.",
        "Set Printing All.",
        "Unset Printing Notations.",
        "Require Import Lia.",
        "Import ListNotations.",
        "Ltac t := idtac.",
        "Definition x := 1.",
        "Lemma l : True.",
        "Check nat.",
        "Timeout 5 lia.",
        "Fail lia.",
        "Undo.",
        "BackTo 1.",
        "Show.",
        "- lia.",
        "+ lia.",
        "* lia.",
        "{ lia }",
        "{",
        "}",
        "2: {",
        "all: Qed.",
        "(* open lia.",
        'idtac "open.',
        'idtac "<prompt>Coq < 1 || 0 < </prompt>".',
        "lia..",
        "x" * 5000,
    ],
)
def test_hostile_or_malformed_candidates_are_rejected(candidate: str) -> None:
    """Proof enders, declarations, settings, bullets and multi-sentence candidates are rejected."""
    result = check_coq_tactic(candidate)
    assert isinstance(result, TacticError)
    assert result.message.startswith("rejected: ")


def test_rejection_messages_name_the_reason() -> None:
    """The rejection message says what was wrong."""
    assert "one tactic sentence" in _message(check_coq_tactic("lia. Qed."))
    assert "'admit'" in _message(check_coq_tactic("admit."))
    assert "'Set'" in _message(check_coq_tactic("Set Printing All."))
    assert "empty" in _message(check_coq_tactic(""))


def _message(result: str | TacticError) -> str:
    assert isinstance(result, TacticError)
    return result.message


def test_forbidden_words_ignore_strings_and_comments_but_not_code() -> None:
    """Forbidden words are found in code only, as whole words."""
    assert find_forbidden_words('idtac "admit". (* Qed *) admit_lemma x.') == []
    assert find_forbidden_words("exact I.\nQed.\nAxiom a : False.") == ["Axiom", "Qed"]


def test_build_proof_source_layout() -> None:
    """The checked file is header, statement, Proof., one tactic per line, Qed., assumptions."""
    source = build_proof_source(
        header="Require Import Arith.\n",
        statement="Theorem t : 1 = 1.",
        name="t",
        tactics=["reflexivity"],
    )
    assert source == (
        "Require Import Arith.\n\nTheorem t : 1 = 1.\nProof.\nreflexivity.\nQed.\n"
        'Redirect "assumptions" Print Assumptions t.\n'
    )


def test_theorem_from_source_splits_header_statement_and_drops_proof() -> None:
    """The named theorem's sentence is the statement; everything before is the header."""
    source = (
        "Require Import Arith.\n(* doc. *)\nTheorem foo : forall n, n + 0 = n.\n"
        "Proof. lia. Qed.\nLemma foo2 : True. Proof. exact I. Qed.\n"
    )
    first = coq_theorem_from_source(source, "foo")
    assert first.header == "Require Import Arith.\n(* doc. *)\n"
    assert first.statement == "Theorem foo : forall n, n + 0 = n."
    second = coq_theorem_from_source(source, "foo2", origin="f.v")
    assert second.statement == "Lemma foo2 : True."
    assert second.header.endswith("Proof. lia. Qed.\n")
    with pytest.raises(InputError, match="'fo' not found"):
        coq_theorem_from_source(source, "fo")
