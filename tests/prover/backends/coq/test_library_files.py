"""`prove --file` on real library files: every traced theorem opens, with the traced root state."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.data.theorem_files import coq_declaration_from_source, theorem_from_file
from prover.tracing import trace_source
from search.errors import InputError

pytestmark = [
    pytest.mark.coq,
    pytest.mark.skipif(shutil.which("coqtop") is None, reason="coqtop not installed"),
]

STDLIB = Path("/usr/lib/ocaml/coq/theories")


def stdlib_copy(tmp_path: Path, relative: str) -> Path:
    source = STDLIB / relative
    if not source.is_file():
        pytest.skip(f"{source} not installed")
    copy = tmp_path / source.name
    shutil.copyfile(source, copy)
    return copy


@pytest.fixture(scope="module")
def environment() -> Iterator[CoqEnvironment]:
    with CoqEnvironment(CoqConfig(prelude="Require Import Lia Lra Psatz.")) as env:
        yield env


def test_declarations_behind_attributes_and_comments_are_found() -> None:
    """`#[local] Lemma` and `Definition ... Proof` are found; a leading comment stays in header."""
    source = (
        "Require Import Arith.\n(** doc. *)\n#[local] Lemma a : True.\nProof. exact I. Qed.\n"
        "Definition d : nat.\nProof. exact 0. Defined.\n"
    )
    lemma = coq_declaration_from_source(source, "a")
    assert lemma.statement == "#[local] Lemma a : True."
    assert lemma.header == "Require Import Arith.\n(** doc. *)\n"
    definition = coq_declaration_from_source(source, "d")
    assert definition.statement == "Definition d : nat."
    assert definition.header.endswith("Qed.\n")
    twice = (
        "Definition dup : True := I.\nModule M.\nLemma dup : True.\nProof. exact I. Qed.\nEnd M.\n"
    )
    with pytest.raises(InputError, match="'dup' is declared 2 times"):
        coq_declaration_from_source(twice, "dup")  # which one is Coq's `dup` is not clear
    with pytest.raises(InputError, match="'nope' not found"):
        coq_declaration_from_source(source, "nope")


@pytest.mark.slow
def test_r_sqr_theorems_after_bullets_open_with_their_traced_state(
    tmp_path: Path, environment: CoqEnvironment
) -> None:
    """Rsqr_bounds_le and Rsqr_inj (headers with bullets) open; the root is the traced state."""
    path = stdlib_copy(tmp_path, "Reals/R_sqr.v")
    trace = trace_source(path.read_text(encoding="utf-8"))
    first_states = {s.theorem: s.state for s in trace.steps if s.step == 0}
    for name in ("Rsqr_bounds_le", "Rsqr_inj", "Rsqr_eq_abs_0"):
        root = environment.open(theorem_from_file(path, name, language="coq"))
        assert root.text == first_states[name]


@pytest.mark.slow
def test_every_traced_theorem_of_a_file_opens_through_file(
    tmp_path: Path, environment: CoqEnvironment
) -> None:
    """Each traced theorem of a stdlib file (sections, Hints, Local Notation) opens via --file."""
    path = stdlib_copy(tmp_path, "Sets/Constructive_sets.v")
    trace = trace_source(path.read_text(encoding="utf-8"))
    assert trace.error is None
    traced = [t.theorem for t in trace.theorems if t.status == "traced"]
    assert len(traced) >= 15
    first_states = {s.theorem: s.state for s in trace.steps if s.step == 0}
    for name in traced:
        root = environment.open(theorem_from_file(path, name, language="coq"))
        assert root.text == first_states[name], name


def test_morphisms_and_let_statements_open_with_their_traced_state(
    tmp_path: Path, environment: CoqEnvironment
) -> None:
    """`Add Parametric Morphism ... as m` (traced as m_Proper) and a `let` statement open."""
    source = (
        "Require Import Setoid Morphisms.\nDefinition f (n : nat) := n.\n"
        "Add Parametric Morphism : f with signature eq ==> eq as f_m.\n"
        "Proof. intros x; reflexivity. Qed.\n"
        "Lemma with_let (d : option nat) :\n"
        "  let g := match d with Some x => x | None => 0 end in g = g.\n"
        "Proof. intros g. reflexivity. Qed.\n"
    )
    path = tmp_path / "m.v"
    path.write_text(source, encoding="utf-8")
    trace = trace_source(source)
    first_states = {s.theorem: s.state for s in trace.steps if s.step == 0}
    assert set(first_states) == {"f_m_Proper", "with_let"}
    for name, state in first_states.items():
        root = environment.open(theorem_from_file(path, name, language="coq"))
        assert root.text == state, name
