"""The census of library types with let-ins in a constructor, and how prints are read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from prover.backends.coq.kernel_bugs import declaration_let_in
from prover.backends.coq.let_in_matches import LET_IN_TYPES, let_in_type_problem
from prover.backends.coq.text import CoqTextError, split_sentences, strip_comments

STDLIB = Path("/usr/lib/ocaml/coq/theories")
_DECLARATION = re.compile(
    r"(?:(?:Local|Global|Polymorphic|Monomorphic|Cumulative|NonCumulative|Private)\s+)*"
    r"(?:Inductive|CoInductive|Variant|Record|Structure|Class)\s+([\w']+)"
)
NOT_IN_A_CONSTRUCTOR = {
    # a `where` notation, a named argument `(A:=A)`, brackets of a notation `[| x |]`, or a
    # `let` inside a field's type: what the text rule flags without a let-in binder
    "and", "or", "ex", "ex2", "eq", "le", "sumbool", "Specs", "reify", "reifylist",
    "div_theory",
}  # fmt: skip


@pytest.mark.parametrize(
    "printed",
    [
        "match i return nat with | ConstructiveReals.Build_ConstructiveReals a _ => x end",
        "fun i : Coq.Reals.Abstract.ConstructiveReals.ConstructiveReals => i",
        "@Build_ConstructiveReals a b",
    ],
)
def test_a_print_naming_the_type_or_its_constructor_refuses(printed: str) -> None:
    """Any qualification of the type or its constructor refuses, naming the kernel bug."""
    problem = let_in_type_problem(printed, "proof term")
    assert problem is not None and "coq/coq#22378" in problem


def test_longer_names_and_other_reals_pass() -> None:
    """Names that only contain the words, and the classical reals, pass."""
    printed = "fun x : Rdefinitions.RbaseSymbolsImpl.R => MyConstructiveRealsLemma x"
    assert let_in_type_problem(printed, "proof term") is None


@pytest.mark.skipif(not STDLIB.is_dir(), reason="Coq's standard library sources not installed")
def test_the_stdlib_census_finds_only_the_listed_types() -> None:
    """Every stdlib declaration the let-in text rule flags is either a listed type or a
    known case without a let-in binder in a constructor (re-run when the library changes)."""
    flagged: set[str] = set()
    for source in STDLIB.rglob("*.v"):
        try:
            sentences = split_sentences(strip_comments(source.read_text(errors="replace")))
        except CoqTextError:
            continue
        for sentence in sentences:
            code = re.sub(r'"(?:[^"]|"")*"', '""', " ".join(sentence.text.split()))
            declared = _DECLARATION.match(code)
            if declared and declaration_let_in(code):
                flagged.add(declared.group(1))
    listed = {full.rsplit(".", 1)[-1] for full in LET_IN_TYPES}
    assert flagged - NOT_IN_A_CONSTRUCTOR == listed
