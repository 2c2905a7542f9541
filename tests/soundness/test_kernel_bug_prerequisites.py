"""A /search request cannot write what the other kernel bugs of Coq 8.16.1 need.

The audit in docs/soundness.md finds several bugs shared by the kernel and coqchk that
need a feature a request header cannot use: universe polymorphism or cumulativity
(coq/coq#21689, #22376), Definitional UIP (#21690's variant), module types, functors
and ``Include`` (#21051, #21685, #21702, #22387), ``Primitive`` in a module type
(#18503), ``Register Inline``, section variables (#16957, #19861), ``Unset Elimination
Schemes`` (#22387's first test). Each prerequisite is refused here, so that widening the
whitelist later cannot open one of these bugs silently.
"""

from __future__ import annotations

import pytest

from prover.interactive.headers import HeaderRefused, check_coq_header


@pytest.mark.parametrize(
    "sentence",
    [
        "Polymorphic Inductive I := c.",
        "Cumulative Inductive I := c.",
        "NonCumulative Inductive I := c.",
        "Private Inductive I := c.",
        "Monomorphic Definition d := 0.",
        "Set Universe Polymorphism.",
        "Local Set Universe Polymorphism.",
        "Set Polymorphic Inductive Cumulativity.",
        "#[universes(polymorphic)] Definition d := Type.",
        "#[universes(cumulative)] Inductive I := c.",
        "Set Definitional UIP.",
        "Set Primitive Projections.",
        "#[projections(primitive)] Record R := { a : nat }.",
        "Module Type T.",
        "Module M.",
        "Module M : T := F(X).",
        "Module M <: T := F(X).",
        "Module F (X : T) := G(X).",
        "Declare Module M : T.",
        "Include F(X).",
        "Primitive int := #int63_type.",
        "Register bool as core.bool.type.",
        "Register Inline f.",
        "Let x := 0.",
        "Variable x : nat.",
        "Unset Elimination Schemes.",
        "Set Allow StrictProp.",
    ],
)
def test_requests_cannot_write_the_prerequisites_of_kernel_bugs(sentence: str) -> None:
    """Universe polymorphism, cumulativity, UIP, module types, Primitive, section variables..."""
    with pytest.raises(HeaderRefused):
        check_coq_header(sentence)
