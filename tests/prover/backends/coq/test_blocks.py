"""The sections and modules a Coq header leaves open, read fail-closed (no Coq needed)."""

from __future__ import annotations

import pytest

from prover.backends.coq.blocks import (
    block_closings,
    block_refusal,
    closable,
    closing_offset,
    open_blocks,
    statement_refusal,
    visible_fixpoints,
    visible_sentences,
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
        ("Module M : S with Definition d := 0 := N.\n", [], False),
        ("Module Make (X : S) <: S with Definition d := X.d := X.\n", [], False),
        ('Print Module Nat.\nLocate Module Nat.\nDeclare ML Module "m".\n', [], False),
        ("Declare Module M : S.\n", [], False),
    ],
)
def test_a_body_is_only_a_top_level_colon_equals_that_no_with_clause_owns(
    header: str, names: list[str], signature: bool
) -> None:
    """`:=` in a parameter or after `with Definition d` opens the block; a body opens none;
    an open module type refuses (a functor with plain binders does not: it is applied)."""
    blocks = open_blocks(header)
    assert [block.name for block in blocks] == names
    assert all(block.signature is signature for block in blocks)
    assert (block_refusal(header) is not None) is signature


@pytest.mark.parametrize(
    ("header", "refused"),
    [
        ("Module F (X : S).\n", False),
        ("Module F (Import X Y : S) (Z : T X) <: U.\nSection A.\n", False),
        ("Module O.\nModule F (X : S) : U.\nModule M.\n", False),
        ("Module F1 (X : S).\nModule F2 (Y : S).\n", True),
        ('Module F (X : S with Definition d := "a").\n', True),
        ("Module F (X : S) foo.\n", True),
        ("Module F (X Import : S).\n", True),
    ],
)
def test_a_functor_counts_only_when_the_checked_file_can_apply_it(
    header: str, refused: bool
) -> None:
    """One functor with binders `([Import|Export] X ... : S)` is accepted; a functor inside
    a functor or binders of any other form refuse, naming the functor."""
    refusal = block_refusal(header)
    assert (refusal is not None) is refused
    assert refusal is None or "cannot apply it" in refusal


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Module M : S with Definition d := let x := 1 in x.\n", "cannot be told apart"),
        ("Timeout 100 Module Type B.\n", "an unknown shape"),
        ("Timeout 1_000 Module Type B.\n", "an unknown shape"),
        ("Timeout 0x3E8 End B.\n", "an unknown shape"),
        ("Timeout 1_000Module Type B.\n", "an unknown shape"),
        ("Section B.\nTime End B.\n", "an unknown shape"),
        ('Redirect "f" Module Type B.\n', "an unknown shape"),
        ("#[local] #[global] Module M.\n", "an unknown shape"),
        ("Definition x := 0 +.. Module Type B.\n", "an unknown shape"),
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


@pytest.mark.parametrize(
    "header",
    [
        "Canonical C_NormedModule := NormedModule.Pack C_AbsRing C (NormedModule.Class _ _ _).\n",
        "Notation NormedModule := type.\n",
        "Definition XEnd := 1.\n",
        "Local Notation SectionOf := nat.\n",
    ],
)
def test_a_block_word_inside_a_longer_name_names_no_block(header: str) -> None:
    """Coquelicot's `Canonical C_NormedModule := ...` opens nothing: a capitalised word
    before a block word is whole, as Coq reads it (136 of its theorem headers were refused)."""
    assert block_refusal(header) is None


@pytest.mark.parametrize("blank", ["\u00a0", "\u2003", "\u3000"])
def test_a_dot_before_a_unicode_blank_is_refused_in_headers_and_statements(blank: str) -> None:
    """Coq does not end a sentence at '.' + U+00A0 where this split does (round thirteen's
    phantom functor); inside a comment or a string it does not matter."""
    header = f"Module Type B.\nFail Check ax.{blank}End B.{blank}Module B (X : S).\n"
    assert f"U+{ord(blank):04X}" in (block_refusal(header) or "")
    assert block_refusal(f'(* a.{blank}b *)\nDefinition s := "x.{blank}y".\n') is None
    assert f"U+{ord(blank):04X}" in (statement_refusal(f"Theorem t : True.{blank}") or "")


@pytest.mark.parametrize(
    ("text", "depth", "closes"),
    [
        ("Lemma t : True.\nAdmitted.\nEnd A.\nEnd F.\n", 2, "End F."),
        ("Lemma t : True.\nAdmitted.\nEnd A.\nEnd F.\n", 1, "End A."),
        ("Admitted.\nModule B.\nEnd B.\nSection S.\nEnd S.\nEnd F.\n", 1, "End F."),
        ("Admitted.\nModule M := F X.\nEnd F.\n", 1, "End F."),
        ("Admitted.\nEnd A.\n", 2, None),
        ("Admitted.\n(* open\n", 1, None),
    ],
)
def test_the_closing_of_an_enclosing_block_is_found(
    text: str, depth: int, closes: str | None
) -> None:
    """The sentence closing the depth-th block open at the text's start, past blocks opened
    and closed within the text (and module definitions, which open none); None when the
    text does not close that many or cannot be split."""
    offset = closing_offset(text, depth)
    if closes is None:
        assert offset is None
    else:
        assert offset is not None and text[offset:].startswith(closes)


def test_every_block_closing_is_found_where_it_starts() -> None:
    """A section's and a module's `End` (not a `Module M := F X.`, which opens nothing)."""
    source = "Section S.\nEnd S.\nModule M := F X.\nModule N.\nEnd N.\n"
    assert [source[offset:].split("\n", maxsplit=1)[0] for offset in block_closings(source)] == [
        "End S.",
        "End N.",
    ]
    assert block_closings("Module M.\nEnd N.\n") == []  # unreadable: refused elsewhere


def test_visible_sentences_skip_what_a_closed_block_holds() -> None:
    """The opening of a closed block stays (its import counts), its insides and `End` go;
    what an open block holds stays, one level deeper; closing more than is open is None."""
    source = "Import A.\nModule Import B.\nImport C.\nEnd B.\nSection S.\nImport D.\n"
    visible = visible_sentences(source)
    assert visible is not None
    assert [(depth, sentence.code) for depth, sentence in visible] == [
        (0, "Import A."),
        (0, "Module Import B."),
        (0, "Section S."),
        (1, "Import D."),
    ]
    assert visible_sentences("End F.\n") is None


@pytest.mark.parametrize(
    ("opening", "sealed"),
    [
        ("Module M : S.", True),
        ("Module F (X : S) : T with Definition d := 0.", True),
        ("Module M <: S.", False),
        ("Module F (X : S) <: T <: U.", False),
        ("Module M.", False),
        ("Module Type T.", False),
    ],
)
def test_a_module_sealed_by_its_ascription_is_told_from_a_transparent_one(
    opening: str, sealed: bool
) -> None:
    """`: S` seals (outside, the module's fields have the signature's types); `<: S` and no
    ascription do not."""
    assert [block.sealed for block in open_blocks(f"{opening}\n")] == [sealed]
