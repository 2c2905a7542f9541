"""Round forty-seven: a name Coq makes up took over the name of the theorem proved.

Found by a red-team round (2026-12-05), default flags, no hostile model. `prove --file`
refused a name the file declares twice, counting the sentences that write it; a `Goal`
declares `Unnamed_thm` and an anonymous `Instance : Foo` declares `Foo_instance_0` without
writing them. In module B, `Admitted` with statements the file refutes, after `Import A B`
they were the file's names, while the prover proved module A's true theorems of those names
and recorded them proved. Now verification has Coq compile the user's whole file and
`Locate` the name (:mod:`prover.backends.coq.name_resolution`): the theorem proved must be
the file's only object of that name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import prover.backends.coq.verify as verify_module
from prover.data.theorem_files import coq_declaration_from_source
from search.errors import InputError
from tests.soundness.file_runs import compile_alone, prove_file
from tests.soundness.kernel_controls import COQ_TOOLS

pytestmark = COQ_TOOLS

GOAL = (
    "Module A.\nDefinition two := 1.\nTheorem Unnamed_thm : 1 = two.\nProof. Admitted.\nEnd A.\n"
    "Module B.\nDefinition two := 2.\nGoal 1 = two.\nProof. Admitted.\nEnd B.\n"
    "Import A B.\nCheck Unnamed_thm : 1 = 2.\n"
    "Lemma refute : ~ (1 = two). Proof. discriminate. Qed.\n"
)
INSTANCE = (
    "Module A.\nClass Foo : Prop := foo : 1 = 1.\nTheorem Foo_instance_0 : Foo.\nProof. Admitted.\n"
    "End A.\nModule B.\nClass Foo : Prop := foo : 1 = 2.\n#[global] Instance : Foo.\nAdmitted.\n"
    "End B.\nImport A B.\nCheck Foo_instance_0 : Foo.\n"
    "Lemma refute : ~ Foo. Proof. unfold Foo; discriminate. Qed.\n"
)


def test_a_goals_made_up_name_is_not_recorded_proved(tmp_path: Path) -> None:
    """Round 47's file compiles (its `Unnamed_thm` is B's `1 = 2`, which it refutes); `prove
    --file` refuses it when opening it (before any search), naming both objects."""
    compile_alone(tmp_path, "Fu.v", GOAL)
    records, status = prove_file(tmp_path / "Fu.v", "Unnamed_thm", tmp_path / "run")
    assert [record["status"] for record in records] == ["error"], records
    assert "B.Unnamed_thm" in json.dumps(records[0])
    assert status == 3  # an attempt ended in an error (docs/evaluation.md)


@pytest.mark.parametrize(("source", "name"), [(GOAL, "Unnamed_thm"), (INSTANCE, "Foo_instance_0")])
def test_a_made_up_name_fails_the_names_check_only(source: str, name: str, tmp_path: Path) -> None:
    """The proof of A's theorem passes admission, coqc and coqchk, and only the names check
    refuses it; without that check (the control) it was verified."""
    compile_alone(tmp_path, "Fu.v", source)
    theorem = coq_declaration_from_source(source, name, origin=str(tmp_path / "Fu.v"))
    tactic = ["reflexivity."] if name == "Unnamed_thm" else ["exact eq_refl."]
    refused = verify_module.verify_proof(theorem, tactic, timeout_s=120)
    assert not refused.ok
    assert refused.checks == ("admission", "coqc", "coqchk")
    message = refused.message or ""
    assert "in the whole file" in message
    assert f"Constant B.{name}" in message and f"Constant A.{name}" in message
    without = verify_module.verify_proof(
        theorem.__class__(name=theorem.name, header=theorem.header, statement=theorem.statement),
        tactic,
        timeout_s=120,
    )
    assert without.ok, without.message


#: Round 56: round 47's file inside a functor. `Locate` at the file's end does not list a
#: functor's body, so the check saw nothing there; `boom : False` holds in the user's file.
FUNCTOR_GOAL = (
    "Module Type S.\nEnd S.\nModule F (X : S).\n"
    "Module A.\nDefinition two := 1.\nTheorem Unnamed_thm : 1 = two.\nAdmitted.\nEnd A.\n"
    "Module B.\nDefinition two := 2.\nGoal 1 = two. Admitted.\nEnd B.\nImport A B.\n"
    "Lemma refuted : ~ (1 = two).\nProof. discriminate. Qed.\n"
    "Definition boom : False := refuted Unnamed_thm.\nEnd F.\n"
)


def test_a_made_up_name_inside_a_functor_is_refused(tmp_path: Path) -> None:
    """`Locate` is now asked right before the functor closes, where its body's objects are
    listed: both `Unnamed_thm`s are named and the proof refused (the control passes)."""
    compile_alone(tmp_path, "Fu.v", FUNCTOR_GOAL)
    theorem = coq_declaration_from_source(
        FUNCTOR_GOAL, "Unnamed_thm", origin=str(tmp_path / "Fu.v")
    )
    refused = verify_module.verify_proof(theorem, ["reflexivity."], timeout_s=120)
    assert not refused.ok and refused.checks == ("admission", "coqc", "coqchk"), refused
    message = refused.message or ""
    assert "Constant F.B.Unnamed_thm, Constant F.A.Unnamed_thm" in message, message
    control = verify_module.verify_proof(
        theorem.__class__(name=theorem.name, header=theorem.header, statement=theorem.statement),
        ["reflexivity."],
        timeout_s=120,
    )
    assert control.ok, control.message


#: Round 56's other functor file: the prover's theorem is a lemma the file aborts, so the
#: file declares no such name there and a later `Goal` takes it.
ABORTED = FUNCTOR_GOAL.replace("Admitted.\nEnd A.", "Abort.\nEnd A.")


def test_a_theorem_the_file_aborts_is_refused_when_read(tmp_path: Path) -> None:
    """`prove --file` refuses a theorem whose proof the file ends with `Abort` (or `Save`)
    when reading it, in one line naming the file and the ending."""
    compile_alone(tmp_path, "Fu.v", ABORTED.replace("refuted Unnamed_thm", "refuted B.Unnamed_thm"))
    with pytest.raises(InputError, match=r"ends the proof of 'Unnamed_thm' with Abort"):
        coq_declaration_from_source(ABORTED, "Unnamed_thm", origin="Fu.v")
    saved = "Goal 1 = 1.\nProof. reflexivity. Save u.\n"
    with pytest.raises(InputError, match=r"with Save"):
        coq_declaration_from_source(saved.replace("Goal", "Lemma t :"), "t", origin="Fu.v")
