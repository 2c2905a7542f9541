"""A section theorem's copy at the end of the user's file: the probes, Coq's answers, the
replayed copy's text, and the second way's copy and the statement's binders."""

from __future__ import annotations

import pytest

from prover.backends.coq.file_with_proof import CopyMarks
from prover.backends.coq.section_copy import (
    SectionMarks,
    before_colon_binders,
    file_with_probes,
    read_section_variables,
    replayed_copy,
    typed_copy,
)

MARKS = SectionMarks(statement="MS", hypothesis="MH", names_from="MF", names_to="MT")
COPY = CopyMarks(
    copy="C1", body_from="B1", body_to="B2", printed_from="P1", printed_to="P2",
    namesakes_from="N1", namesakes_to="N2",
)  # fmt: skip


def test_the_probes_follow_the_files_own_proof_and_the_names_print_ends_the_file() -> None:
    """The counting goals come right after the file's own proof (aborted), the Ltac2 names'
    print at the very end; an unclear proof end gives None."""
    statement = "Theorem t : True."
    probed = file_with_probes(
        f"{statement}\nAdmitted.\nEnd S.\nCheck t.\n", statement, full="F.t", name="t",
        marks=MARKS,
    )  # fmt: skip
    assert probed is not None
    own_end = probed.index("Admitted.") + len("Admitted.")
    assert probed[own_end:].lstrip().startswith("Goal ltac:(let t := type of @t in exact t).")
    assert probed.index("End S.") > probed.index("type of @t")
    assert probed.rstrip().endswith('Message.print (Message.of_string "MT").')
    assert "(Constr.type '@F.t)" in probed
    aborted = f"{statement}\nProof.\nAbort.\nEnd S.\n"
    assert file_with_probes(aborted, statement, full="F.t", name="t", marks=MARKS) is None


@pytest.mark.parametrize(
    ("output", "variables"),
    [
        # The statement has one product; the theorem's full type has three: it takes two.
        ("MS\nMH\nMF\nn\nH\nX\nMT\n", ["n", "H"]),
        # The file's own output after the probe's marks does not count.
        ("MS\nMH\nMH\nT : P\nMH\nMF\nn\nX\nY\nMT\n", ["n"]),
        ("MS\nMF\nMT\n", []),
    ],
)
def test_the_section_variables_are_the_leading_names_beyond_the_statements(
    output: str, variables: list[str]
) -> None:
    """The theorem takes as many leading binders of its full type as its full type has
    products beyond the statement's."""
    assert read_section_variables(output, MARKS) == variables


@pytest.mark.parametrize(
    "output",
    ["MF\nMS\nMT\n", "MS\nMH\nMH\nMF\nX\nMT\n", "MS\nMF\n_\nMT\n", "MS\nMF\n"],
)
def test_answers_that_do_not_add_up_are_refused(output: str) -> None:
    """Marks out of order, more statement products than names, an anonymous binder, a
    missing mark: None."""
    assert read_section_variables(output, MARKS) is None


def test_the_copy_replays_the_section_in_a_module_of_its_own() -> None:
    """After the imports, a module replays the header from the outermost open section's
    opening (not what precedes it), states the copy, opens it as given, runs the prover's
    sentences, closes the sections innermost first and the module; then the meeting names
    the copy by its path in that module."""
    header = (
        "Require Import Arith.\nModule M.\nSection S.\nVariable n : nat.\n"
        "Section T.\nLet two := 2.\n"
    )
    copy = replayed_copy(
        header, statement="Lemma t : n + 0 = n.", name="t", opening="Proof using n.",
        proof=["(try clear two).", "auto.", "Qed."], full="F.M.t", library="F",
        scope=["Import F.M."], marks=COPY,
    )  # fmt: skip
    assert copy is not None
    lines = copy.strip().splitlines()
    assert lines[:3] == ["Import F.M.", "Module C1Replay.", "Section S."]
    assert "Require Import Arith." not in lines and "Module M." not in lines
    replayed_end = lines.index("Lemma C1 : n + 0 = n.")
    assert lines[replayed_end - 1] == "Let two := 2."
    assert lines[replayed_end + 1 : replayed_end + 7] == [
        "Proof using n.", "(try clear two).", "auto.", "Qed.", "End T.", "End S.",
    ]  # fmt: skip
    assert lines[replayed_end + 7] == "End C1Replay."
    assert "Definition C1Check := @Coq.Init.Logic.eq _ (@F.M.t) (@F.C1Replay.C1)." in lines
    outside = replayed_copy(
        "Module M.\n", statement="Lemma t : True.", name="t", opening="Proof.",
        proof=["Qed."], full="F.M.t", library="F", scope=[], marks=COPY,
    )  # fmt: skip
    assert outside is None


@pytest.mark.parametrize(
    ("statement", "binders"),
    [
        ("Theorem T : forall X : Type, X = X.", []),
        ("Lemma l (x y : nat) {A} (H : x = y) : x = y.", ["x", "y", "A", "H"]),
        ("#[local] Lemma l x (y := 2) : x = y.", ["x", "y"]),
        ("Instance i {A} (R : relation A) :\n  Proper (R ==> R) id.", ["A", "R"]),
        ("Lemma l (x : nat) (* (y : nat) *) : x = x.", ["x"]),
        ("Lemma l α : α = α.", ["α"]),
        ("Lemma l `{Eq A} : True.", None),
        ("Lemma l '(x, y) : True.", None),
        ("Lemma l (_ : True) : True.", None),
        ("Fixpoint f (n : nat) : nat.", None),
    ],
)
def test_the_binders_before_the_colon_are_read_or_refused(
    statement: str, binders: list[str] | None
) -> None:
    """Names of plain and bracketed binders (comments aside) in order; a generalised,
    pattern or anonymous binder, or a declaration other than a theorem's, is not read."""
    assert before_colon_binders(statement) == binders


def test_the_second_way_states_the_theorems_own_type_and_introduces_by_name() -> None:
    """The copy's statement is the theorem's type (`type of`), its proof introduces the
    section variables then the statement's binders by name before the prover's sentences;
    a statement whose binders are not read gives None."""
    copy = typed_copy(
        "F.M.t", ["n", "H"], statement="Lemma t (x : nat) : x + n = x.",
        proof=["(try clear H).", "auto.", "Qed."], scope=["Import F.M."], copied="F.C1",
        marks=COPY,
    )  # fmt: skip
    assert copy is not None
    assert copy.strip().splitlines()[:7] == [
        "Import F.M.",
        "Lemma C1 : ltac:(let t := type of @F.M.t in exact t).",
        "Proof.",
        "intros n H x.",
        "(try clear H).",
        "auto.",
        "Qed.",
    ]
    assert "Definition C1Check := @Coq.Init.Logic.eq _ (@F.M.t) (@F.C1)." in copy
    unread = typed_copy(
        "F.t", [], statement="Lemma t `{E} : True.", proof=["Qed."], scope=[], copied="F.C1",
        marks=COPY,
    )  # fmt: skip
    assert unread is None
