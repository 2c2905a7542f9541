"""The sections and modules a Coq header leaves open, read fail-closed (no Coq needed)."""

from __future__ import annotations

import pytest

from prover.backends.coq.blocks import (
    block_refusal,
    closable,
    open_blocks,
    placement_check,
    visible_fixpoints,
)


def test_open_blocks_lists_sections_and_modules_still_open() -> None:
    """Sections and interactive modules left open are listed outermost first; closed ones not."""
    source = (
        "Module Outer.\nSection Done.\nVariable n : nat.\nEnd Done.\n"
        "Module Alias := Nat.\nModule Type Sig.\nEnd Sig.\n"
        "Section Inner.\nVariable m : nat.\n"
        "Lemma l : m = m.\nProof.\n  - reflexivity.\nQed.\n"
    )
    assert [block.name for block in open_blocks(source)] == ["Outer", "Inner"]
    assert [block.name for block in open_blocks("Section A.\nSection B.\nEnd B.\n")] == ["A"]


def test_closable_drops_only_the_ascription_of_open_modules() -> None:
    """An open `Module M (X : T) <: S.` loses `<: S` (parameters kept); closed ones stay."""
    header = (
        "Module Done <: Sig.\nEnd Done.\nModule M (X : T) <: S.\nSection A.\nVariable n : nat.\n"
    )
    text, closings = closable(header)
    assert (
        text == "Module Done <: Sig.\nEnd Done.\nModule M (X : T).\nSection A.\nVariable n : nat.\n"
    )
    assert closings == ["End A.", "End M."]
    assert closable("Module Opaque : S.\n") == ("Module Opaque.\n", ["End Opaque."])


def test_visible_fixpoints_leave_out_those_of_a_closed_module() -> None:
    """A closed module's fixpoint is `M.f` outside it; a closed section's keeps its name."""
    source = (
        "Fixpoint a (n : nat) : nat := n.\nModule M.\nFixpoint b (n : nat) : nat := n.\n"
        "End M.\nSection S.\nLocal Fixpoint c (n : nat) : nat := n.\nEnd S.\nModule N.\n"
        "CoFixpoint d : nat := 0.\n(* Fixpoint e (n : nat) := n. *)\nFixpoint a' (n : nat) := n\n"
        "with a'' (n : nat) := n.\n"
    )
    assert visible_fixpoints(source) == ("a", "c", "d", "a'")


def test_a_primed_module_name_is_one_name() -> None:
    """`Module B'.` opens `B'` (not `B`) and `End B'.` closes it (round ten's decoy)."""
    assert open_blocks("Module B'.\nEnd B'.\n") == []
    assert [block.name for block in open_blocks("Module A'.\nSection S''.\n")] == ["A'", "S''"]
    assert closable("Module A'.\n")[1] == ["End A'."]


@pytest.mark.parametrize(
    ("header", "names", "signature"),
    [
        ("Module Type B (X : S with Definition d := 0).\n", ["B"], True),
        ("Module F (X : S with Definition d := 0) (Y : T).\n", ["F"], False),
        ("Module M : S with Definition d := 0 with Module N := P.\n", ["M"], False),
        ("Module M := F X.\n", [], False),
        ("Module M : S := N.\n", [], False),
        ("Module M (X : S) := F X.\n", [], False),
        ("Declare Module M : S.\n", [], False),
    ],
)
def test_a_body_is_only_a_top_level_colon_equals_that_no_with_clause_owns(
    header: str, names: list[str], signature: bool
) -> None:
    """`:=` in a parameter or after `with Definition d` opens the block; a body opens none."""
    blocks = open_blocks(header)
    assert [block.name for block in blocks] == names
    assert all(block.signature is signature for block in blocks)
    assert (block_refusal(header) is not None) is signature


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Module M : S with Definition d := let x := 1 in x.\n", "cannot be told apart"),
        ("Module M : S with Definition d := 0 := N.\n", "cannot be told apart"),
        ("Module M (X : S.\n", "unbalanced brackets"),
        ("Module B'.\nEnd B.\n", "closes 'B' where 'B'' is open"),
        ("Section A.\nModule M.\nEnd A.\n", "closes 'A' where 'M' is open"),
        ("End A.\n", "where nothing is open"),
        ("Local Module M.\n", "an unknown shape"),
        ("Module 1M.\n", "an unknown shape"),
    ],
)
def test_block_sentences_the_reading_cannot_be_sure_of_are_refused(
    header: str, reason: str
) -> None:
    """Fail closed: an ambiguous module sentence or an End that is not the innermost block's
    refuses the theorem, naming the line and why."""
    refusal = block_refusal(header)
    assert refusal is not None and reason in refusal and "line " in refusal


def test_the_placement_check_names_the_theorem_as_coq_will() -> None:
    """Sections do not qualify; modules do; inside a functor the check is the functor's path."""
    library = "ProverCheck.Checked"
    assert placement_check("Section S.\n", "t", library) == "Check ProverCheck.Checked.t."
    header = "Module A.\nSection S.\nModule B'.\n"
    assert placement_check(header, "t", library) == "Check ProverCheck.Checked.A.B'.t."
    header = "Module A.\nModule F (X : S).\nModule C.\n"
    assert placement_check(header, "t", library) == "Print Module ProverCheck.Checked.A.F."
