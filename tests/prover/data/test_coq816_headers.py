"""Rocq 9 headers on Coq 8.16: the `Stdlib` import mapping."""

from __future__ import annotations

import shutil

import pytest

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.data.benchmarks import load_benchmark
from prover.data.coq816_headers import COQUELICOT_POWER, coq816_header, map_rocq9_imports


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


def test_coquelicot_power_follows_the_coquelicot_import() -> None:
    """The C power shim goes right after the Coquelicot import, once, and only then."""
    header = "Require Import Reals.\nRequire Import Coquelicot.Coquelicot.\nOpen Scope C_scope.\n"
    mapped = coq816_header(header)
    assert mapped == (
        "Require Import Reals.\nRequire Import Coquelicot.Coquelicot."
        + COQUELICOT_POWER
        + "\nOpen Scope C_scope.\n"
    )
    assert coq816_header("Require Import Reals.\n") == "Require Import Reals.\n"
    own = header + "Definition Cpow := 1.\n"
    assert coq816_header(own) == own


@pytest.mark.coq
@pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed")
def test_newer_library_benchmark_statements_open_unchanged() -> None:
    """`From Stdlib` and Coquelicot (`z ^ n`, C_scope) statements open: their headers are
    mapped when the benchmark loads, their statements untouched."""
    names = {
        "algebra_apbmpcneq0_aeq0anbeq0anceq0",
        "amc12a_2021_p18",
        "amc12a_2019_p21",
        "amc12a_2020_p15",
        "mathd_algebra_73",
    }
    entries = [
        entry
        for split in ("valid", "test")
        for entry in load_benchmark("minif2f-coq", split=split)
        if entry.theorem is not None and entry.theorem.name in names
    ]
    assert {entry.theorem.name for entry in entries if entry.theorem} == names
    with CoqEnvironment(CoqConfig(prelude="Require Import Lia Lra Psatz.")) as environment:
        for entry in entries:
            assert entry.theorem is not None
            root = environment.open(entry.theorem)
            assert root.goals and "Stdlib" not in entry.theorem.header
            assert "Cpow" not in entry.theorem.statement
            if "Coquelicot" in entry.theorem.header:
                assert COQUELICOT_POWER in entry.theorem.header
