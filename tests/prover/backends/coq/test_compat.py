"""Rocq 9 headers on Coq 8.16: the `Stdlib` import mapping."""

from __future__ import annotations

import shutil

import pytest

from prover.backends.coq.compat import map_rocq9_imports
from prover.backends.coq.environment import CoqConfig, CoqEnvironment
from prover.data.benchmarks import load_benchmark


def test_stdlib_imports_map_to_the_coq_root() -> None:
    """`From Stdlib Require` and `Stdlib.X` paths in Require sentences become `Coq`."""
    header = (
        "Require Import Reals.Reals.\nFrom Stdlib Require Import Qreals.\n"
        "Require Import Stdlib.Arith.Arith Stdlib.ZArith.\n(* Stdlib. *)\n"
    )
    assert map_rocq9_imports(header) == (
        "Require Import Reals.Reals.\nFrom Coq Require Import Qreals.\n"
        "Require Import Coq.Arith.Arith Coq.ZArith.\n(* Stdlib. *)\n"
    )


def test_other_text_is_untouched() -> None:
    """Headers without Stdlib, and non-import uses of the word, are returned unchanged."""
    assert map_rocq9_imports("Require Import Reals.\n") == "Require Import Reals.\n"
    text = "Definition Stdlib := 1.\n"
    assert map_rocq9_imports(text) == text


@pytest.mark.coq
@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")
def test_rocq9_benchmark_statements_open_unchanged() -> None:
    """Both `From Stdlib` miniF2F statements open; their statements are not rewritten."""
    names = {"algebra_apbmpcneq0_aeq0anbeq0anceq0", "amc12a_2021_p18"}
    entries = [
        entry
        for split in ("valid", "test")
        for entry in load_benchmark("minif2f-coq", split=split)
        if entry.theorem is not None and entry.theorem.name in names
    ]
    assert {entry.theorem.name for entry in entries if entry.theorem} == names
    with CoqEnvironment(CoqConfig(prelude="Require Import Lia Lra Psatz.")) as environment:
        for entry in entries:
            assert entry.theorem is not None and "Stdlib" in entry.theorem.header
            root = environment.open(entry.theorem)
            assert root.goals and "Stdlib" not in entry.theorem.statement
