"""The file the names check compiles: its random delimiters and where its questions go."""

from __future__ import annotations

import time

from prover.backends.coq.checker_runs import CheckerTools
from prover.backends.coq.names_file import NameMarks, file_to_compile, theorem_place
from prover.backends.coq.whole_file import Question, Refused
from prover.backends.sandbox import DEFAULT_SANDBOX

TOOLS = CheckerTools(
    coqc="coqc", coqchk="", memory_limit_mb=None, deadline=time.monotonic(), sandbox=DEFAULT_SANDBOX
)


def test_fresh_marks_are_all_distinct_and_new_each_time() -> None:
    """Every delimiter of one set differs from the others and from the next set's."""
    first, second = NameMarks.fresh(), NameMarks.fresh()
    names = [first.before, first.after, first.located, first.functor_from, first.functor_to]
    names += [first.libraries_from, first.libraries_to, first.copying.copy]
    assert len(set(names)) == len(names)
    assert first.located != second.located


def test_the_theorem_place_is_its_modules_and_none_inside_a_functor() -> None:
    """Sections do not qualify a name; a functor's body has no place outside it."""
    assert theorem_place("Module A.\nSection S.\nModule B.\n") == ["A", "B"]
    assert theorem_place("Module F (X : T).\n") is None


def test_without_a_proof_the_probe_goes_right_before_the_statement() -> None:
    """The flag probe sits between the header and the rest of the file, which is unchanged."""
    header = "Section S.\nVariable n : nat.\n"
    text = header + "Theorem t : n = n.\nAdmitted.\nEnd S.\n"
    question = Question(header=header, name="t", library="F", statement="Theorem t : n = n.")
    marks = NameMarks.fresh()
    probe = marks.probe()
    built = file_to_compile(text, question, proof=None, probe=probe, marks=marks, tools=TOOLS)
    assert built == header + marks.probe() + text[len(header) :]


def test_a_functor_whose_end_is_not_found_is_refused() -> None:
    """Locate is asked before the functor closes; a file where it never closes is refused."""
    header = "Module F (X : T).\n"
    question = Question(header=header, name="t", library="F", statement="Theorem t : True.")
    marks = NameMarks.fresh()
    built = file_to_compile(
        header + "Theorem t : True.\nAdmitted.\n", question, proof=None, probe="", marks=marks,
        tools=TOOLS,
    )  # fmt: skip
    assert isinstance(built, Refused) and "functor" in built.why
