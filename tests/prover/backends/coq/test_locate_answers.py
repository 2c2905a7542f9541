"""Coq's `Locate` answers in the whole-file compiles, read fail-closed."""

from __future__ import annotations

import pytest

from prover.backends.coq.locate_answers import (
    loaded_libraries,
    located_objects,
    short_names_reaching_others,
)


def test_located_objects_reads_entries_after_the_delimiter_only() -> None:
    """Entries before the delimiter (the file's own output) and the notes, indented or on
    the entry's line, are left out; the kind and the full path of each entry are kept."""
    output = (
        "Constant Fake.File.t\nNo object of basename D1\nConstant L.File.B.t\n"
        "Constant L.File.A.t\n  (shorter name to refer to it in current context is A.t)\n"
        "Inductive Coq.Vectors.VectorDef.t\n  (alias of VectorDef.t)\n"
        "Constant Coq.Init.Nat.t (shorter name to refer to it in current context is Nat.t)\n"
    )
    assert located_objects(output, "D1") == [
        ("Constant", "L.File.B.t"),
        ("Constant", "L.File.A.t"),
        ("Inductive", "Coq.Vectors.VectorDef.t"),
        ("Constant", "Coq.Init.Nat.t"),
    ]
    assert located_objects("No object of basename D1\nNo object of basename t\n", "D1") == []


@pytest.mark.parametrize(
    "output",
    ["Constant L.File.t\n", "No object of basename D1\nNo object of basename D1\n",
     "No object of basename D1\nsomething else entirely\n"],
)  # fmt: skip
def test_output_that_does_not_read_as_locate_is_refused(output: str) -> None:
    """No delimiter, a repeated delimiter or an unknown line: not understood (None)."""
    assert located_objects(output, "D1") is None


def test_a_short_name_that_reaches_another_axiom_is_reported_when_printed() -> None:
    """`constructive_indefinite_description` reaching `IndefiniteDescription`'s (no "shorter
    name" note under it) is reported when Print Assumptions lists the bare name; reaching
    the allowed `ClassicalEpsilon` one, or not printed, it is not."""
    other_first = [
        "Constant Coq.Logic.IndefiniteDescription.constructive_indefinite_description",
        "Constant Coq.Logic.ClassicalEpsilon.constructive_indefinite_description",
        "  (shorter name to refer to it in current context is "
        "ClassicalEpsilon.constructive_indefinite_description)",
    ]
    printed = ["Axioms:", "constructive_indefinite_description : forall A : Type, A"]
    assert short_names_reaching_others(other_first, printed) == [
        "constructive_indefinite_description"
    ]
    assert short_names_reaching_others(other_first, ["Axioms:", "classic : forall P, P"]) == []
    allowed_first = [other_first[1], other_first[0], "  (shorter name to refer to it ...)"]
    assert short_names_reaching_others(allowed_first, printed) == []


def test_loaded_libraries_reads_print_libraries_fail_closed() -> None:
    """The listed full names are read (a trailing empty line allowed); another title or a
    line that is not a library name gives None."""
    answer = ["Loaded library files: ", "  Coq.Init.Notations", "  Coq.Init.Wf", ""]
    assert loaded_libraries(answer) == ["Coq.Init.Notations", "Coq.Init.Wf"]
    assert loaded_libraries(["Loaded and imported library files:", "  Coq.Init.Wf"]) is None
    assert loaded_libraries(["Loaded library files:", "Coq.Init.Wf is here"]) is None
    assert loaded_libraries([]) is None
