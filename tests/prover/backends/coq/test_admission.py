"""Tests of Coq tactic admission: safe tactics are normalized, hostile ones rejected."""

from __future__ import annotations

import pytest

from prover.backends.coq.admission import check_coq_tactic, find_forbidden_words
from search.outcomes import TacticError


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("lia", "lia."),
        ("lia.", "lia."),
        ("  intros x\n   y.  ", "intros x y."),
        ("rewrite Nat.add_0_r.", "rewrite Nat.add_0_r."),
        ("lra (* note. *).", "lra."),
        ("lra. (* trailing *)", "lra."),
        ("all: nra.", "all: nra."),
        ("2: lia.", "2: lia."),
        ("1-2: lia.", "1-2: lia."),
        ("[b]: exact I.", "[b]: exact I."),
        ("exact 1.5.", "exact 1.5."),
        ("exact x.(proj1).", "exact x.(proj1)."),
        ('idtac "Qed. x".', 'idtac "Qed. x".'),
        ("now apply (Rle_refl 1).", "now apply (Rle_refl 1)."),
        ("split; [lia | lra].", "split; [lia | lra]."),
        ("(intros; lia).", "(intros; lia)."),
        ("destruct (Rle_dec x 0) as [H | H]; nra.", "destruct (Rle_dec x 0) as [H | H]; nra."),
        ("match goal with | |- _ => idtac end.", "match goal with | |- _ => idtac end."),
        ("Z.le_elim H.", "Z.le_elim H."),
        ("Nat.order.", "Nat.order."),
        ("2: Z.le_elim H.", "2: Z.le_elim H."),
        ("split; [easy ..|].", "split; [easy ..|]."),
        ("split; [> lia .. ]", "split; [> lia .. ]."),
        ("exact (m#1).", "exact (m#1)."),
        ("rewrite (Qmake_Qdiv 1 2), (1#2).", "rewrite (Qmake_Qdiv 1 2), (1#2)."),
    ],
)
def test_safe_tactics_are_normalized(candidate: str, expected: str) -> None:
    """Safe candidates come back as one sentence with one trailing '.' and single spaces."""
    assert check_coq_tactic(candidate) == expected


ATTACKS_AND_MALFORMED = [
    # issue 14, attack 1: an attribute in front of a command.
    "#[bypass_check(guard)] Fixpoint classic (n : nat) : False := classic n.",
    "#[local] Axiom classic : False.",
    "#[ bypass_check(positivity) ] Inductive x := .",
    # issue 14, attack 2: a comment right after the period hides a boundary.
    "idtac.(**)Reset t.(**)Theorem t : True.(**)exact I.",
    # A qualified name admits a tactic, never a command after it.
    "Z.le_elim H. Reset t.",
    "Step_final.",
    'idtac.(**)Redirect "/tmp/x" Print nat.',
    "idtac.(* *)Qed.",
    "idtac.\x0bReset t.",
    "idtac.\x0cReset t.",
    "idtac.\u2028Reset t.",
    # several sentences, proof enders, give-ups
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
    "all: Qed.",
    "exact Admitted.",
    # declarations and vernacular commands, whatever their case or prefix
    "Axiom f : False.",
    "Parameter p : nat.",
    "Hypothesis h : False.",
    "Set Printing All.",
    "Unset Guard Checking.",
    "Require Import Lia.",
    "Import ListNotations.",
    "Ltac t := idtac.",
    "Definition x := 1.",
    "Lemma l : True.",
    "Check nat.",
    "Timeout 5 lia.",
    "Fail lia.",
    "Time lia.",
    "Undo.",
    "BackTo 1.",
    "Show.",
    "Reset t.",
    'Redirect "/tmp/x" Print nat.',
    "Local Axiom a : False.",
    "Polymorphic Axiom a : False.",
    "Context (a : False).",
    "2: Axiom a : False.",
    "all: Reset t.",
    "Ωmega.",
    "_ : lia.",
    "@[simp] lia.",
    "idtac #[local].",
    "idtac # [local].",
    "split; [easy ..x|].",
    "split; [easy ...|].",
    "split; [easy .. | ]..",
    # bullets and braces
    "- lia.",
    "+ lia.",
    "* lia.",
    "-- lia.",
    "{ lia }",
    "{",
    "}",
    "2: {",
    "[b]: {",
    # malformed text
    "(* open lia.",
    'idtac "open.',
    "lia..",
    "lia...",
    "auto... idtac.",
    "x" * 5000,
    # Unicode blanks and invisible characters around a boundary, a byte-order mark
    "\ufeffexact I.",
    "idtac.\u3000Admitted.",
    "idtac.\u2003Admitted.",
    "idtac.\ufeffAdmitted.",
    "idtac.\u200bAdmitted.",
    "idtac.\u0085Admitted.",
    # qualified names glued to a command keyword, Ltac2 entry points
    "Print.t.",
    "Ltac2.Notations.exact0 false (fun () => '(eq_refl 1)).",
    # local fixpoints (Coq 8.16's guard checker accepts some ill-formed ones)
    "fix f 1.",
    "cofix c.",
    "exact (fix f (n : nat) : nat := n).",
    # text imitating the coqtop prompt
    'idtac "<prompt>Coq < 1 || 0 < </prompt>".',
    'idtac "</prompt>".',
    'idtac "prompt >".',
]


@pytest.mark.parametrize("candidate", ATTACKS_AND_MALFORMED)
def test_hostile_or_malformed_candidates_are_rejected(candidate: str) -> None:
    """Attributes, commands, several sentences, enders, bullets, prompt imitations: rejected."""
    result = check_coq_tactic(candidate)
    assert isinstance(result, TacticError), result
    assert result.message.startswith("rejected: ")


def test_rejection_messages_name_the_reason() -> None:
    """The rejection message says what was wrong."""
    assert "one tactic sentence" in _message(check_coq_tactic("lia. Qed."))
    assert "'admit'" in _message(check_coq_tactic("admit."))
    assert "'Set'" in _message(check_coq_tactic("Set Printing All."))
    assert "empty" in _message(check_coq_tactic(""))
    assert "bullets" in _message(check_coq_tactic("- lia."))
    assert "attribute" in _message(check_coq_tactic("@[simp] lia."))


def _message(result: str | TacticError) -> str:
    assert isinstance(result, TacticError)
    return result.message


def test_forbidden_words_ignore_strings_and_comments_but_not_code() -> None:
    """Forbidden words are found in code only, as whole words."""
    assert find_forbidden_words('idtac "admit". (* Qed *) admit_lemma x.') == []
    assert find_forbidden_words("exact I.\nQed.\nAxiom a : False.") == ["Axiom", "Qed"]
