"""The reading of a request header's print of its declarations (no Coq needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from prover.backends.coq.inductive_print import (
    INDUCTIVES_PRINT,
    expects_inductives_print,
    inductives_print,
    inductives_print_problem,
)
from prover.backends.coq.term_reading import INDUCTIVES_FILE, PRINT_WHOLE_TERMS, term_problem


def _printed(directory: Path, text: str) -> Path:
    (directory / f"{INDUCTIVES_FILE}.out").write_text(text, encoding="utf-8")
    return directory


def test_an_empty_print_passes(tmp_path: Path) -> None:
    """A header that declares nothing prints a lone newline, which passes."""
    assert inductives_print_problem(_printed(tmp_path, "\n")) is None


def test_a_let_in_a_constructor_type_refuses(tmp_path: Path) -> None:
    """Coq's print of a constructor with a let-in refuses, naming the kernel bug."""
    text = "Inductive U : Set :=  u : forall _ : let flex : Set := nat in flex, U.\n"
    problem = inductives_print_problem(_printed(tmp_path, text))
    assert problem is not None and "coq/coq#22378" in problem and "let flex" in problem


@pytest.mark.parametrize("name", ["x0let", "letter", "let'", "outlet", "let_in"])
def test_names_holding_let_pass(tmp_path: Path, name: str) -> None:
    """Only the keyword counts: names that contain the letters 'let' pass."""
    text = f"Inductive I : Set :=  c : forall _ : {name}, I.\n"
    assert inductives_print_problem(_printed(tmp_path, text)) is None


def test_a_missing_or_elided_print_refuses(tmp_path: Path) -> None:
    """Fail closed: no print, or one elided with '...', refuses."""
    assert inductives_print_problem(tmp_path) is not None
    elided = inductives_print_problem(_printed(tmp_path, "Inductive I : Set := c : ... -> I.\n"))
    assert elided is not None and "elided" in elided


def test_the_print_is_whole_and_expected_only_where_written() -> None:
    """The appended print sets the whole-term settings first, and is expected only when present."""
    appended = inductives_print()
    assert appended.index(PRINT_WHOLE_TERMS[1]) < appended.index(INDUCTIVES_PRINT)
    assert expects_inductives_print("Require Import Reals." + appended)
    assert not expects_inductives_print("Require Import Reals.\n")


def test_the_term_reading_leaves_the_declarations_print(tmp_path: Path) -> None:
    """The term reading skips the declarations print (it is not a term print)."""
    (tmp_path / "ProverCheckTerm.out").write_text("t = I\n     : True\n", encoding="utf-8")
    _printed(tmp_path, "x : nat\n")
    assert term_problem(tmp_path) is None
