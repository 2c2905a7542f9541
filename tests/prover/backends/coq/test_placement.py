"""The sentences the checked file adds after a theorem: checked closings, functor instances
and the theorem's full name (no Coq needed)."""

from __future__ import annotations

from prover.backends.coq.placement import (
    functor_arguments_prefix,
    placed_closings,
    theorem_path,
)


def test_the_closings_carry_coqs_check_of_where_the_theorem_is() -> None:
    """A marker in the theorem's scope; each functor's End is preceded by a check of the
    next thing inside it; the last check comes after every End; sections do not qualify."""
    library = "L.C"
    assert placed_closings("", library) == [
        "Definition ProverCheckPlaced := Set.",
        "Print Term L.C.ProverCheckPlaced.",
    ]
    assert placed_closings("Module A.\nSection S.\nModule B'.\n", library)[1:] == [
        "End B'.", "End S.", "End A.", "Print Term L.C.A.B'.ProverCheckPlaced.",
    ]  # fmt: skip
    header = "Module O.\nModule F1 (X : S).\nModule Mid.\nModule F2 (Y : S).\nModule M.\n"
    instances = ("Declare Module", "ProverCheckArguments", "ProverCheckInstance")
    closings = placed_closings(header, library)
    assert [line for line in closings if not any(word in line for word in instances)][1:] == [
        "End M.", "Print Term L.C.O.F1.Mid.F2.M.ProverCheckPlaced.", "End F2.", "End Mid.",
        "Print Module L.C.O.F1.Mid.F2.", "End F1.", "End O.", "Print Module L.C.O.F1.",
    ]  # fmt: skip


def test_a_functor_is_applied_to_declared_arguments_right_after_its_end() -> None:
    """The arguments are declared in the functor's parent scope, each binder's type copied
    (its `Import` not), and the instance applies the functor by full name; names carry the
    marker's nonce."""
    header = "Module O.\nModule F (Import E : D) (M : W E) <: U.\nSection A.\n"
    closings = placed_closings(header, "L.C", "ProverCheckPlaced_ab")
    assert closings == [
        "Definition ProverCheckPlaced_ab := Set.",
        "End A.",
        "Print Term L.C.O.F.ProverCheckPlaced_ab.",
        "End F.",
        "Module ProverCheckArguments_ab.",
        "Declare Module E : D.",
        "Declare Module M : W E.",
        "End ProverCheckArguments_ab.",
        "Module ProverCheckInstance_ab := L.C.O.F L.C.O.ProverCheckArguments_ab.E "
        "L.C.O.ProverCheckArguments_ab.M.",
        "End O.",
        "Print Module L.C.O.F.",
    ]
    assert theorem_path(header, "L.C", "t", "ProverCheckPlaced_ab") == (
        "L.C.O.ProverCheckInstance_ab.t"
    )
    assert functor_arguments_prefix(header, "L.C", "ProverCheckPlaced_ab") == (
        "L.C.O.ProverCheckArguments_ab."
    )


def test_without_a_functor_the_path_is_the_modules_and_no_argument_is_allowed() -> None:
    """Sections do not qualify the theorem's name; no functor means no parameter prefix."""
    header = "Module A.\nSection S.\nModule B.\n"
    assert theorem_path(header, "L.C", "t") == "L.C.A.B.t"
    assert functor_arguments_prefix(header, "L.C", "ProverCheckPlaced_ab") is None
