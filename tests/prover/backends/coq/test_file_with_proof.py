"""The user's file with the prover's proof checked in it: where the file's own proof ends and
the meeting with a copy at the file's end."""

from __future__ import annotations

import pytest

from prover.backends.coq.file_with_proof import (
    CopyMarks,
    exact_meeting,
    meeting_at_end,
    own_proof_end,
    own_proof_ending,
)


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
    ending = own_proof_ending(after_statement)
    assert ending is not None
    assert after_statement[: ending[0]].endswith(ends_after)
    assert ends_after.endswith(f"{ending[1]}.")


@pytest.mark.parametrize(
    "after_statement",
    ["\nProof eq_refl.\nLemma u : True.\nAdmitted.\n", "\nProof.\nauto.\n", "", "\n(* open",
     "\nProof.\nauto.\nAbort.\nGoal True.\nAdmitted.\n", "\nProof.\nauto.\nSave u.\n"],
)  # fmt: skip
def test_an_unclear_end_is_none(after_statement: str) -> None:
    """`Proof term.` (no ending sentence: the cut would run into what follows), no ending at
    all, nothing, unreadable text, or an `Abort` or `Save` (after which the statement's name
    is not the file's): None (the proof is not replaced)."""
    assert own_proof_end(after_statement) is None


@pytest.mark.parametrize(
    ("printed", "exact"),
    [
        ("C1Check = @eq S T C1\n     : Prop", True),
        ("C1Check = @eq S Lib.File.M.T Lib.File.M.C1\n     : Prop", True),
        ("C1Check = @eq S (@T) C1\n     : Prop", True),
        ("C1Check = @eq S (@T) (@M.C1)\n     : Prop", True),
        ("C1Check = @eq S (coerce (@T)) C1\n     : Prop", False),
        ("C1Check = @Logic.eq (forall n : nat, P n) M.T C1\n     : Prop", True),
        ("C1Check = @eq S T (coerce C1)\n     : Prop", False),
        ("C1Check = @Nat.eq S T C1\n     : Prop", False),
        ("C1Check = @eq S U C1\n     : Prop", False),
        ("C1Check = @eq S T C1'\n     : Prop", False),
    ],
)
def test_the_meeting_must_print_as_exactly_eq_of_the_theorem_and_the_copy(
    printed: str, exact: bool
) -> None:
    """`@eq A T copy` (eq by any name reaching Coq.Init.Logic.eq, T by any path, in the
    parentheses Printing All puts around a constant with implicit arguments) is exact; a
    coercion around either, another `eq` or another theorem is not."""
    assert exact_meeting(printed.splitlines(), copy="C1", name="T") is exact


def test_the_meeting_names_the_theorem_and_the_copy_by_their_full_paths() -> None:
    """At the file's end neither the theorem's module nor the copy's need be imported: the
    meeting definition and the copy's Print Assumptions use the full paths given."""
    marks = CopyMarks(
        copy="C1", body_from="B1", body_to="B2", printed_from="P1", printed_to="P2",
        namesakes_from="N1", namesakes_to="N2",
    )  # fmt: skip
    meeting = meeting_at_end("Lib.File.M.N.t", "Lib.File.M.N.C1", marks=marks)
    assert "Definition C1Check := @Coq.Init.Logic.eq _ (@Lib.File.M.N.t) (@Lib.File.M.N.C1)." in (
        meeting
    )
    assert "Print Assumptions Lib.File.M.N.C1." in meeting.splitlines()
