"""Reading a functor theorem's place and writing its copy at the file's end (no Coq needed;
the compiles are in tests/soundness/test_universe_constraints.py)."""

from __future__ import annotations

from prover.backends.coq.file_with_proof import CopyMarks
from prover.backends.coq.functor_copy import (
    FunctorPlace,
    appended_copy,
    functor_place,
    signature_sentences,
)
from prover.backends.coq.whole_file import Question, Refused

HEADER = (
    "Require Import Orders.\nModule Outer.\n"
    "Module F (Import E : OrderedType) (M : OrderedType).\n"
    "Module Import Dec := OrderedTypeFacts E.\n"
    "Module Closed.\nLtac hidden := idtac.\nEnd Closed.\n"
    "Ltac inv := idtac.\n#[local] Hint Resolve eq_refl : core.\nLocal Open Scope nat_scope.\n"
    "Definition d := 0.\nModule Inner.\nImport M.\nSection S.\nVariable n : nat.\n"
    "Notation twice := (n + n).\nNotation one := 1.\nLet two := 2.\nHint Resolve two : core.\n"
)
STATEMENT = "Lemma t (m : nat) : n + m = n + m."


def _question(header: str = HEADER) -> Question:
    return Question(header=header, name="t", library="Lib", statement=STATEMENT)


def _place() -> FunctorPlace:
    place = functor_place(_question(), copy="C1")
    assert isinstance(place, FunctorPlace), place
    return place


def test_the_place_names_the_functor_its_parameters_and_the_modules_inside() -> None:
    """The functor's full path, both parameters, the module path inside it (sections do not
    qualify), and where the functor's opening starts in the header."""
    place = _place()
    assert place.functor_path == ("Lib", "Outer", "F")
    assert [parameter.name for parameter in place.parameters] == ["E", "M"]
    assert place.inner == ("Inner",)
    assert HEADER[place.opening :].startswith("Module F (Import E")


def test_the_scope_replays_what_the_body_imports_and_defines_for_tactics() -> None:
    """Imports before the instance's import (a module the body declares named through the
    instance), Ltac definitions, hints, scopes and notations after it; declarations, what a
    closed module holds and what names a section variable or `Let` are not replayed."""
    scope = _place().scope
    assert scope.before == ("Import Lib.C1Instance.Dec.", "Import M.")
    assert scope.after == (
        "Ltac inv := idtac.",
        "#[local] Hint Resolve eq_refl : core.",
        "Local Open Scope nat_scope.",
        "Notation one := 1.",
    )


def test_a_transparent_ascription_is_read_as_usual() -> None:
    """`<: SIG` does not seal: the functor's place is read (a sealed one is refused earlier,
    by the names check: tests/soundness/test_sealed_modules.py)."""
    transparent = HEADER.replace("(M : OrderedType).", "(M : OrderedType) <: OrderedType.")
    assert isinstance(functor_place(_question(transparent), copy="C1"), FunctorPlace)


def test_a_theorem_outside_any_functor_or_in_a_module_type_inside_one_is_refused() -> None:
    """No functor among the open blocks, or a module type inside it: refused, naming why."""
    plain = functor_place(_question("Module Outer.\nSection S.\n"), copy="C1")
    assert isinstance(plain, Refused) and "functor holding the theorem" in plain.why
    typed = functor_place(_question("Module F (X : T).\nModule Type U.\n"), copy="C1")
    assert isinstance(typed, Refused) and "module type" in typed.why


def test_the_signature_declares_each_parameter_with_its_own_type() -> None:
    """One declared module per parameter, in a module type of a fresh name, without the
    binder's `Import` (which does not reach the later binders' types)."""
    assert signature_sentences(_place(), "C1") == (
        "\nModule Type C1Signature.\nDeclare Module E : OrderedType.\n"
        "Declare Module M : OrderedType.\nEnd C1Signature.\n"
    )


def test_the_copy_has_the_instances_type_and_is_met_outside_its_module() -> None:
    """Arguments declared, the functor applied, the imports, the copy typed by the
    instance's theorem with the variables and binders introduced, its module closed, then
    the meeting with the instance's theorem."""
    marks = CopyMarks(
        copy="C1", body_from="b1", body_to="b2", printed_from="p1", printed_to="p2",
        namesakes_from="n1", namesakes_to="n2",
    )  # fmt: skip
    appended = appended_copy(
        _place(), _question(), variables=["n"], proof=["reflexivity.", "Qed."], marks=marks
    )
    assert isinstance(appended, str)
    lines = appended.splitlines()
    expected = [
        "Declare Module C1Arguments : Lib.Outer.C1Signature.",
        "Module C1Instance := Lib.Outer.F C1Arguments.E C1Arguments.M.",
        "Module C1Replay.",
        "Import Lib.C1Arguments.",
        "Import Lib.C1Arguments.E.",
        "Import Lib.C1Instance.Dec.",
        "Import M.",
        "Import Lib.C1Instance.",
        "Import Lib.C1Instance.Inner.",
        "Ltac inv := idtac.",
    ]
    assert lines[1 : 1 + len(expected)] == expected
    assert "Lemma C1 : ltac:(let t := type of @Lib.C1Instance.Inner.t in exact t)." in lines
    assert lines[lines.index("intros n m.") + 1 :][:3] == ["reflexivity.", "Qed.", "End C1Replay."]
    assert (
        "Definition C1Check := @Coq.Init.Logic.eq _ (@Lib.C1Instance.Inner.t) "
        "(@Lib.C1Replay.C1)." in lines
    )


def test_a_parameter_type_with_a_term_is_refused_and_an_applied_path_is_not() -> None:
    """Written again after the functor, a `with Definition` (any term) could run tactics and
    add universe constraints: refused; a module type path applied to a parameter is read."""
    written = HEADER.replace("(M : OrderedType).", "(M : OrderedType with Definition t := nat).")
    refused = functor_place(_question(written), copy="C1")
    assert isinstance(refused, Refused) and "not a plain module type" in refused.why
    applied = HEADER.replace("(M : OrderedType).", "(M : Orders.OrderedTypeFull' E).")
    assert isinstance(functor_place(_question(applied), copy="C1"), FunctorPlace)
