"""The text of the checked file: what build_proof_source and statement_reading put in it."""

from __future__ import annotations

from prover.backends.coq.blocks import closable
from prover.backends.coq.proof_source import build_proof_source, preluded, statement_reading
from search.states import Theorem


def test_build_proof_source_is_header_statement_tactics_and_qed_only() -> None:
    """The checked file holds header, statement, Proof., the tactics and Qed., nothing else."""
    source = build_proof_source(
        header="Require Import Arith.\n", statement="Theorem t : 1 = 1.", tactics=["reflexivity."]
    )
    assert source == "Require Import Arith.\n\nTheorem t : 1 = 1.\nProof.\nreflexivity.\nQed.\n"


def test_the_prelude_is_loaded_after_proof_not_before_the_statement() -> None:
    """A prelude goes inside the proof, so the statement reads as the header alone gives it."""
    source = build_proof_source(
        header="", statement="Theorem t : 1 = 1.", tactics=["lia."], prelude="Require Import Lia."
    )
    assert source == "Theorem t : 1 = 1.\nProof.\nRequire Import Lia.\nlia.\nQed.\n"
    assert preluded("  ", ["idtac."]) == ["idtac."]


def test_the_statement_reading_ends_in_abort_and_closes_the_header_blocks() -> None:
    """The bytecode reading holds the header, the statement, Proof. and Abort., then the
    closings of the sections the header left open."""
    header = "Section S.\nVariable n : nat.\n"
    theorem = Theorem(name="t", header=header, statement="Theorem t : n = n.")
    reading = statement_reading(closable(header), theorem)
    assert reading.rstrip().endswith("Abort.\nEnd S.")
    assert "Qed." not in reading and reading.startswith("Section S.\nVariable n : nat.")
