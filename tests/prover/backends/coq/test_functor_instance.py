"""Reading a functor's binders and the sentences that apply it (no Coq needed)."""

from __future__ import annotations

import pytest

from prover.backends.coq.functor_instance import (
    FunctorParameter,
    arguments_prefix,
    functor_parameters,
    instance_sentences,
)


def test_plain_binders_become_one_parameter_per_name() -> None:
    """`(Import X Y : S)` gives two imported parameters, each declared without the import
    (a binder's import does not reach the next binder); types keep brackets and `:=`."""
    parameters = functor_parameters(" (Import X Y : S) (Z : T (X) with Definition d := 0) ")
    assert parameters == (
        FunctorParameter(name="X", importing="Import", type_text="S"),
        FunctorParameter(name="Y", importing="Import", type_text="S"),
        FunctorParameter(name="Z", importing="", type_text="T (X) with Definition d := 0"),
    )
    assert parameters[0].declaration() == "Declare Module X : S."


@pytest.mark.parametrize(
    "binders",
    [
        "",
        "(X : S) extra",
        "(X : S",
        "(X := S)",
        "(X : )",
        '(X : S with Definition d := "x")',
        "(Type : S)",
        "[X : S]",
        "(X : S))",
    ],
)
def test_anything_but_plain_binders_is_not_read(binders: str) -> None:
    """Fail closed: text outside groups, unbalanced brackets, a missing type, a string or a
    keyword as a name gives no parameters (the theorem is then refused)."""
    assert functor_parameters(binders) is None


def test_the_instance_applies_the_functor_to_the_declared_arguments() -> None:
    """Declarations in a module of their own, then the application by full names."""
    parameters = functor_parameters("(X : S)")
    assert parameters is not None
    assert instance_sentences(parameters, ["L", "M", "F"], "_n") == [
        "Module ProverCheckArguments_n.",
        "Declare Module X : S.",
        "End ProverCheckArguments_n.",
        "Module ProverCheckInstance_n := L.M.F L.M.ProverCheckArguments_n.X.",
    ]
    assert arguments_prefix(["L", "M", "F"], "_n") == "L.M.ProverCheckArguments_n."
