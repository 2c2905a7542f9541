"""The user's file's library name and text that would read differently under the prover's
library paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq import library_paths
from prover.backends.coq.library_paths import (
    file_library,
    library_path_refusal,
    qualified_name_guards,
    sibling_library_refusal,
)
from search.states import Theorem


@pytest.mark.parametrize(
    ("statement", "source", "refused"),
    [
        ("Theorem T : Top.y = 2.", None, "'Top'"),
        ("Theorem T : Checked.x = 2.", None, "'Checked'"),
        ("Theorem T : Checked.αx + Top._y = 2.", None, "'Checked'"),
        ("Theorem T : αF.x = 2.", "dir/αF.v", "'αF'"),
        ("Theorem T : ProverCheck.x = 2.", None, "'ProverCheck'"),
        ("Theorem T : ProverCheck.Checked.x = 2.", None, "with a part 'Checked'"),
        ("Theorem T : F.x = 2.", "dir/F.v", "'F'"),
        ("Theorem T : F.x = 2.", None, None),
        ("Theorem T : Nat.add 1 1 = 2 (* Top.y *).", None, None),
        ('Theorem T : "Checked.x" = "Checked.x".', None, None),
        ("Theorem T : xTop.y = 2.", None, None),
    ],
)
def test_qualified_names_rooted_at_a_compiles_own_path_are_refused(
    statement: str, source: str | None, refused: str | None
) -> None:
    """`Top.`, `Checked.`, `ProverCheck.` and, for a file's theorem, the file's own name
    start a refused qualified name (and a later part `Checked`, the checked file's own name
    since round 125, refuses too); other roots, comments and strings do not."""
    theorem = Theorem(
        name="T",
        header="",
        statement=statement,
        source=source,
        file_text=statement if source else None,
    )
    problem = library_path_refusal(theorem)
    if refused is None:
        assert problem is None
    else:
        expected = refused if refused.startswith("with a part") else f"starting with {refused}"
        assert problem is not None and expected in problem


@pytest.mark.parametrize(
    ("header", "statement", "refused"),
    [
        ("", "Theorem T : Lib.F.x = 0.", "the statement"),
        ("Import Lib.F.\n", "Theorem T : x = 0.", "the header"),
        ("", "Theorem T : A.B .F.M.y = 0.", "the statement"),
        ("", "Theorem T : Lib.G.x = 0 /\\ Lib.Fx.y = 0 /\\ F_x = 0.", None),
        ("(* Lib.F.x *)\n", 'Theorem T : "Lib.F.x" = "".', None),
    ],
)
def test_a_later_part_of_a_qualified_name_equal_to_the_files_name_is_refused(
    header: str, statement: str, refused: str | None
) -> None:
    """Round 104: in `F.v`, `Lib.F.x` names the file's own `x` under a project's `-Q . Lib`;
    a field `.F` anywhere in code is refused, other names, comments and strings are not."""
    theorem = Theorem(
        name="T", header=header, statement=statement, source="dir/F.v",
        file_text=header + statement,
    )  # fmt: skip
    problem = library_path_refusal(theorem)
    if refused is None:
        assert problem is None, problem
    else:
        assert problem is not None and problem.startswith(f"{refused} writes a qualified name")
        assert "part 'F', the file's own library name" in problem
    request = Theorem(name="T", header=header, statement=statement, file_name="F")
    assert (library_path_refusal(request) is None) is (refused is None)


@pytest.mark.parametrize(
    ("source", "library"),
    [("dir/F.v", "F"), ("a/b/αβ_1'.v", "αβ_1'"), ("dir/my-file.v", None), ("dir/1F.v", None),
     (None, None)],
)  # fmt: skip
def test_the_library_name_is_the_files_name_when_coqc_takes_it(
    source: str | None, library: str | None
) -> None:
    """The name without `.v` when it is a Coq identifier (as a plain `coqc` names the
    library); otherwise none."""
    assert file_library(source) == library


def test_a_file_coqc_cannot_name_is_refused() -> None:
    """A file's theorem whose file name is no Coq identifier: refused, naming the file."""
    theorem = Theorem(
        name="T", header="", statement="Theorem T : True.", source="dir/my-file.v",
        file_text="Theorem T : True.",
    )  # fmt: skip
    problem = library_path_refusal(theorem)
    assert problem is not None and "'dir/my-file.v' is not one a plain coqc compiles" in problem


@pytest.mark.parametrize(
    ("compiled", "source", "refused"),
    [
        ("Bool.vo", "Require Import Bool.\nTheorem T : True.", "(Bool.vo)"),
        ("List.vo", "From Coq Require Import\n  List.\nTheorem T : True.", "(List.vo)"),
        ("sub/List.vo", "From Coq Require Import\n  List.\nTheorem T : True.", None),
        ("A.vo", "Require Import Bool.\nTheorem T : True.", None),
        ("Bool.vo", "Theorem T : Bool.negb true = false.", None),
        ("Bool.v", "Require Import Bool.\nTheorem T : True.", "(Bool.v)"),
    ],
)
def test_a_compiled_library_in_the_files_folder_that_it_requires_is_refused(
    compiled: str, source: str, refused: str | None, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A library in the folder (`.vo`, or a `.v` that building the project compiles) whose
    name is a word of a `Require` sentence refuses the file, naming it; other libraries,
    names only used outside `Require`, and folders below (which coqc does not bind) do
    not."""
    monkeypatch.setattr(library_paths, "installed_library_root", lambda: None)
    (tmp_path / compiled).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / compiled).write_bytes(b"")
    problem = sibling_library_refusal(str(tmp_path / "F.v"), source)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem


def test_a_file_among_the_installed_libraries_is_exempt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside Coq's installed library folder the neighbours are the installed libraries."""
    monkeypatch.setattr(library_paths, "installed_library_root", tmp_path.resolve)
    (tmp_path / "Lists").mkdir()
    (tmp_path / "Lists" / "List.vo").write_bytes(b"")
    source = "Require Import List.\nTheorem T : True."
    assert sibling_library_refusal(str(tmp_path / "Lists" / "SetoidList.v"), source) is None


def test_the_folder_a_symbolic_link_sits_in_counts_too(tmp_path: Path) -> None:
    """Round 58: the file is a link from the project's folder (holding `Bool.vo`) into a
    clean one; the user's coqc runs beside the link, so that folder is looked at too."""
    (tmp_path / "real").mkdir()
    (tmp_path / "proj").mkdir()
    (tmp_path / "real" / "S1.v").write_text("Require Import Bool.\n")
    (tmp_path / "proj" / "Bool.vo").write_bytes(b"")
    (tmp_path / "proj" / "S1.v").symlink_to(tmp_path / "real" / "S1.v")
    problem = sibling_library_refusal(str(tmp_path / "proj" / "S1.v"), "Require Import Bool.\n")
    assert problem is not None and "(Bool.vo)" in problem
    assert (
        sibling_library_refusal(str(tmp_path / "real" / "S1.v"), "Require Import Bool.\n") is None
    )


@pytest.mark.parametrize(
    ("header", "statement", "refused"),
    [
        ("Definition add (a b : nat) := 0.\n", "Theorem t : Nat.add 1 1 = 2.", "Nat.add"),
        ("Require Import Arith.\n", "Theorem t : Nat.add 1 1 = 2.", None),
        (
            "Inductive le2 : nat -> Prop := c : le2 0.\n",
            "Theorem t : @Nat.le2_ind = @Nat.le2_ind.",
            "Nat.le2_ind",
        ),
        ("Record R := { f : nat }.\n", "Theorem t : Nat.Build_R = Nat.Build_R.", "Build_R"),
        ("Goal True. Admitted.\n", "Theorem t : Nat.Unnamed_thm = I.", "Unnamed_thm"),
        ("Definition add := 0.\n", 'Theorem t : "Nat.add" = "Nat.add".', None),
        ("Definition add := 0.\n", "Theorem t : Nat .add 1 1 = 2.", "Nat.add"),
        ("Definition add := 0.\n", "Theorem t : Nat\n  .add 1 1 = 2.", "Nat.add"),
        ('#[deprecated(since="]")] Notation add a b := 0.\n', "Theorem t : Nat.add 1 = 2.", "add"),
        ("Definition add := 0.\n", "Theorem t : add = 0.\nProof. auto.", None),
        (
            "Notation pair a b := (b, a).\n",
            "Theorem t : (let 'Datatypes.pair x y := (1, 2) in x) = 1.",
            "Datatypes.pair",
        ),
        ("Definition c := 0.\n", "Theorem t : a'b.c = 0.", "a'b.c is read"),
        # Round 65: a name right after a number (`1Nat.add`, `1e5Nat.add`: Coq reads the
        # number, then the qualified name).
        ("Definition add := 0.\n", "Theorem t : f 1Nat.add = 0.", "Nat.add is read"),
        ("Definition add := 0.\n", "Theorem t : f 1e5Nat.add = 0.", "Nat.add is read"),
    ],
)
def test_a_request_may_not_qualify_a_name_its_header_declares(
    header: str, statement: str, refused: str | None
) -> None:
    """Round 60: without a file, `R.x` with `x` declared by the header (or a name Coq makes
    up from a declared one) is refused, since in a file `R.v` it would be the header's own;
    a library's qualified name and one in a string are not."""
    theorem = Theorem(name="t", header=header, statement=statement)
    problem = library_path_refusal(theorem)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem, problem


def test_the_guards_ask_coq_for_each_qualified_names_next_part_once() -> None:
    """`Fail Check`, `Fail Print`, `Fail Print Module` and a universe's `Fail Check
    Type@{...}` of the checked file's top-level name per distinct next part of a qualified
    name in the header or statement (strings aside)."""
    guards = qualified_name_guards(
        "Definition d := Z.abs.\n", 'Theorem t : Nat.add (Z.abs 1) 0 = 1 /\\ "Q.x" = "".', "L.F"
    )
    assert guards == [
        "Fail Check L.F.abs.", "Fail Print L.F.abs.", "Fail Print Module L.F.abs.",
        "Fail Check Type@{L.F.abs}.",
        "Fail Check L.F.add.", "Fail Print L.F.add.", "Fail Print Module L.F.add.",
        "Fail Check Type@{L.F.add}.",
    ]  # fmt: skip


def test_every_path_of_a_longer_qualified_name_is_guarded() -> None:
    """`Init.Nat.add` guards `Nat` and `Nat.add`: a module the header leaves open is no
    module yet before the statement, but its constants are (round 62); blanks before a
    part's dot, which Coq's lexer skips, are read through (round 63); read from every field
    token, the tail `add` is asked about too."""
    guards = qualified_name_guards("", "Theorem t : Init .Nat\n.add 1 1 = 2.", "L.F")
    assert guards == [
        "Fail Check L.F.Nat.", "Fail Print L.F.Nat.", "Fail Print Module L.F.Nat.",
        "Fail Check Type@{L.F.Nat}.",
        "Fail Check L.F.Nat.add.", "Fail Print L.F.Nat.add.", "Fail Print Module L.F.Nat.add.",
        "Fail Check Type@{L.F.Nat.add}.",
        "Fail Check L.F.add.", "Fail Print L.F.add.", "Fail Print Module L.F.add.",
        "Fail Check Type@{L.F.add}.",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "statement",
    ["Theorem t : f 1Nat.add = 0.", "Theorem t : f 1e5Nat.add = 0.",
     "Theorem t : (let 'Nat.add x := 0 in x) = 0.", "Theorem t : f\u00b2Nat .add = 0."],
)  # fmt: skip
def test_the_guards_need_no_reading_of_where_a_name_starts(statement: str) -> None:
    """Whatever precedes the first part (a number, a pattern's quote, anything), the field
    token `.add` is found and `add` asked about."""
    assert "Fail Print L.add." in qualified_name_guards("", statement, "L")
