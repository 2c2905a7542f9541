"""Resolving a problem selection: names are checked against the split asked for."""

from __future__ import annotations

import pytest

from prover.data.benchmarks import BenchmarkEntry
from prover.data.selection import ProblemSelection, check_unique_keys, load_problems
from search.errors import BenchmarkError, InputError


def test_a_name_of_the_other_split_is_refused_with_where_it_is() -> None:
    """A test theorem asked of valid: one error naming the split, and where the name is."""
    selection = ProblemSelection(
        benchmark="minif2f-coq", split="valid", names=("mathd_algebra_478", "no_such_theorem")
    )
    with pytest.raises(BenchmarkError) as caught:
        load_problems(selection, language="coq")
    message = str(caught.value)
    assert message.startswith("unknown theorem name(s) in minif2f-coq --split valid: ")
    assert "mathd_algebra_478, no_such_theorem" in message
    assert message.endswith("(mathd_algebra_478 in --split test)")


def test_names_of_the_split_are_selected_in_order() -> None:
    """Names present in the split are returned in the order given."""
    selection = ProblemSelection(
        benchmark="minif2f-coq", split="test", names=("mathd_numbertheory_3", "mathd_algebra_478")
    )
    entries = load_problems(selection, language="coq")
    assert [entry.key for entry in entries] == ["mathd_numbertheory_3", "mathd_algebra_478"]


def test_a_selection_naming_a_theorem_twice_is_refused() -> None:
    """`prove` and `eval` keep results by name: a theorem twice is one clear error."""
    entry = BenchmarkEntry(key="t", theorem=None, error="x")
    with pytest.raises(InputError, match="theorem 't' appears twice in the selection"):
        check_unique_keys([entry, entry])
