"""The user's file with a theorem's own proof replaced by the prover's: where that proof ends."""

from __future__ import annotations

import pytest

from prover.backends.coq.file_with_proof import exact_meeting, own_proof_end, with_prover_proof


@pytest.mark.parametrize(
    ("after_statement", "ends_after"),
    [
        ("\nProof.\n  intros. auto.\nQed.\nLemma u : True.\nAdmitted.\n", "Qed."),
        ("\nAdmitted.\nCheck t.\n", "Admitted."),
        ('\nProof using.\n- auto.\n- idtac "Qed". auto.\nDefined.\nCheck t.\n', "Defined."),
        ("\nProof.\nauto.\nTime Qed.\nLemma refute : False.\nAdmitted.\n", "Time Qed."),
        ("\nProof.\n(* Qed. *) auto.\nAbort.\n", "Abort."),
    ],
)
def test_the_proof_ends_at_the_first_sentence_with_an_ending_word(
    after_statement: str, ends_after: str
) -> None:
    """The first sentence holding Qed, Defined, Admitted, Save or Abort (behind a prefix
    too; not in a string or a comment) ends the file's own proof."""
    end = own_proof_end(after_statement)
    assert end is not None
    assert after_statement[:end].endswith(ends_after)


@pytest.mark.parametrize(
    "after_statement",
    ["\nProof eq_refl.\nLemma u : True.\nAdmitted.\n", "\nProof.\nauto.\n", "", "\n(* open"],
)
def test_an_unclear_end_is_none(after_statement: str) -> None:
    """`Proof term.` (no ending sentence: the cut would run into what follows), no ending at
    all, nothing, or unreadable text: None (the proof is not replaced)."""
    assert own_proof_end(after_statement) is None


def test_the_prover_proof_takes_the_place_of_the_files_own() -> None:
    """What precedes the statement and follows the file's proof is kept byte for byte."""
    statement = "Theorem t : True."
    after_header = f"{statement}\nProof.\n  exact I.\nQed.\nCheck t.\n"
    replaced = with_prover_proof(after_header, statement, ["Proof.", "auto.", "Qed."])
    assert replaced == f"{statement}\nProof.\nauto.\nQed.\n\nCheck t.\n"
    assert with_prover_proof(after_header, "Theorem u : True.", ["Qed."]) is None


@pytest.mark.parametrize(
    ("printed", "exact"),
    [
        ("C1Check = @eq S T C1\n     : Prop", True),
        ("C1Check = @Logic.eq (forall n : nat, P n) M.T C1\n     : Prop", True),
        ("C1Check = @eq S T (coerce C1)\n     : Prop", False),
        ("C1Check = @Nat.eq S T C1\n     : Prop", False),
        ("C1Check = @eq S U C1\n     : Prop", False),
    ],
)
def test_the_meeting_must_print_as_exactly_eq_of_the_theorem_and_the_copy(
    printed: str, exact: bool
) -> None:
    """`@eq A T copy` (eq by any name reaching Coq.Init.Logic.eq, T by any path) is exact; a
    coercion around the copy, another `eq` or another theorem is not."""
    assert exact_meeting(printed.splitlines(), copy="C1", name="T") is exact
