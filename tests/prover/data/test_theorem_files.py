"""Theorems read out of the user's own source files (``--file F --theorem NAME``)."""

from __future__ import annotations

import pytest

from prover.data.theorem_files import coq_declaration_from_source
from search.errors import InputError


def test_theorem_from_source_splits_header_statement_and_drops_proof() -> None:
    """The named theorem's sentence is the statement; everything before is the header."""
    source = (
        "Require Import Arith.\n(* doc. *)\nTheorem foo : forall n, n + 0 = n.\n"
        "Proof. lia. Qed.\nLemma foo2 : True. Proof. exact I. Qed.\n"
    )
    first = coq_declaration_from_source(source, "foo")
    assert first.header == "Require Import Arith.\n(* doc. *)\n"
    assert first.statement == "Theorem foo : forall n, n + 0 = n."
    second = coq_declaration_from_source(source, "foo2", origin="f.v")
    assert second.statement == "Lemma foo2 : True."
    assert second.header.endswith("Proof. lia. Qed.\n")
    with pytest.raises(InputError, match="'fo' not found"):
        coq_declaration_from_source(source, "fo")
