"""Qualified names reaching the file's own objects through a prefix (round 104), and file
names the checked compile cannot take (round 122)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.own_name_paths import (
    checked_name_refusal,
    header_and_statement_codes,
    own_name_field,
)
from search.states import Theorem


@pytest.mark.parametrize(
    ("statement", "refused"),
    [
        ("Theorem T : BigOp.bigop = 0.", False),
        ("Theorem T : foo.ssreflect.bigop = 0.", False),
        ("Theorem T : ssreflect.bigop.x = 0.", True),
        ("Theorem T : mathcomp.ssreflect .bigop.x = 0.", True),
        ("Theorem T : 1.bigop = 0.", True),
    ],
)
def test_an_installed_file_refuses_only_names_its_known_prefix_reaches(
    tmp_path: Path, statement: str, refused: bool
) -> None:
    """An installed file's prefix is its folder's (`mathcomp.ssreflect` for `bigop.v`): a
    `.bigop` part refuses only after a suffix of it, or after no name at all."""
    source = tmp_path / "user-contrib" / "mathcomp" / "ssreflect" / "bigop.v"
    theorem = Theorem(
        name="T", header="", statement=statement, source=str(source), file_text=statement
    )
    assert (own_name_field(theorem, "bigop", tmp_path) is not None) is refused


def test_the_codes_are_the_header_and_statement_without_comments_and_strings() -> None:
    """Each text is named and read without its comments and strings."""
    theorem = Theorem(
        name="T", header='(* Lib.F.x *) Definition s := "Lib.F.x".\n', statement="Theorem T : True."
    )
    codes = dict(header_and_statement_codes(theorem))
    assert set(codes) == {"the header", "the statement"}
    assert "Lib.F.x" not in codes["the header"] and "Definition s" in codes["the header"]


@pytest.mark.parametrize(
    ("library", "header", "refused"),
    [
        ("Coq", "", "first name of installed libraries"),
        ("mathcomp", "", "first name of installed libraries"),
        ("Bignums", "", "first name of installed libraries"),
        ("F", "Module G.\nEnd G.\n", None),
        ("F", "Module F.\n", "declares a module named 'F'"),
        ("F", "Module Type\n F (X : T).\n", "declares a module named 'F'"),
        ("F", "Module Import (* c *) F := G.\n", "declares a module named 'F'"),
        ("F", "Definition F := 0.\nModule F'.\n", None),
    ],
)
def test_a_name_the_checks_cannot_tell_apart_is_refused(
    library: str, header: str, refused: str | None
) -> None:
    """The first name of installed libraries (given or an allowed axiom's), or a module the
    header names as the file, refuses; other names and modules do not."""
    theorem = Theorem(name="t", header=header, statement="Theorem t : True.")
    problem = checked_name_refusal(theorem, library, frozenset({"Coq", "Bignums"}))
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and refused in problem
