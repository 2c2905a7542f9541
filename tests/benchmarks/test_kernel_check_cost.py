"""The kernel-check cost benchmark times coqc with and without the term print and split check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.kernel_check_cost import (
    checker_seconds,
    measure,
    statement_reading,
    with_term_print,
)
from prover.backends.coq.proof_source import build_proof_source
from prover.backends.coq.verify import TERM_FILE

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in ("coqc", "coqchk")),
        reason="Coq (coqc, coqchk) not installed",
    ),
]


def _source(statement: str, tactics: list[str], header: str = "") -> str:
    return build_proof_source(header=header, statement=statement, tactics=tactics)


@pytest.mark.parametrize(
    ("header", "fold"),
    [("Section S.\n", ()), ("Fixpoint f (n : nat) : nat := n.\nSection S.\n", ("f",))],
)
def test_the_print_goes_right_after_the_end_as_verification_puts_it(
    header: str, fold: tuple[str, ...]
) -> None:
    """The rebuilt file is the one verification compiles (inspect_as), byte for byte."""
    statement = "Theorem t : 1 = 1."
    shown = _source(statement, ["reflexivity."], header)
    inspected = build_proof_source(
        header=header, statement=statement, tactics=["reflexivity."], inspect_as="t", fold=fold
    )
    assert with_term_print(shown, "t") == inspected
    assert f'Redirect "{TERM_FILE}" ' in inspected
    assert ("Defined." in inspected) == bool(fold)


def test_measure_times_all_three_steps_and_refuses_a_fixpoint_literal() -> None:
    """A clean proof gives six positive timings (the last three with Coq's split checked:
    untraced, under strace's limits record, and by the bytecode coqc); a literal `fix` in
    the term raises."""
    clean = _source("Theorem t : forall n : nat, n + 0 = n.", ["induction n; simpl; auto."])
    timings = measure(clean, "t", coqc="coqc", coqchk="coqchk")
    assert len(timings) == 6 and all(seconds > 0 for seconds in timings)
    literal = _source("Theorem t : nat -> nat.", ["exact (fix f (n : nat) : nat := n)."])
    with pytest.raises(RuntimeError, match="fixpoint literal"):
        measure(literal, "t", coqc="coqc", coqchk="coqchk")


def test_checker_seconds_times_a_checker_and_raises_when_it_refuses(tmp_path: Path) -> None:
    """A checker that accepts gives a positive time; one that refuses (exits non-zero) raises."""
    clean = _source("Theorem t : 1 = 1.", ["reflexivity."])
    assert checker_seconds(clean, coqc="coqc", coqchk="coqchk") > 0
    refusing = tmp_path / "refusing-checker"
    refusing.write_text("#!/bin/sh\nexit 1\n")
    refusing.chmod(0o755)
    with pytest.raises(RuntimeError, match="refused a recorded proof"):
        checker_seconds(clean, coqc="coqc", coqchk=str(refusing))


def test_statement_reading_replaces_the_proof_with_abort() -> None:
    """The bytecode compile's text keeps the header and statement and drops the tactics."""
    source = "Require Import Arith.\n\nTheorem t : 1 = 1.\nProof.\nreflexivity.\nQed.\n"
    assert statement_reading(source) == (
        "Require Import Arith.\n\nTheorem t : 1 = 1.\nProof.\nAbort.\n"
    )
