"""What a theorem's name denotes in the user's whole file, as Coq's `Locate` answers it."""

from __future__ import annotations

import shutil
import time

import pytest

from prover.backends.coq.checker_runs import CheckerTools
from prover.backends.coq.name_resolution import located_objects, name_resolution_problem
from prover.backends.sandbox import DEFAULT_SANDBOX
from prover.data.theorem_files import coq_declaration_from_source

COQC = shutil.which("coqc")
needs_coqc = pytest.mark.skipif(COQC is None, reason="coqc not installed")


def test_located_objects_reads_entries_after_the_delimiter_only() -> None:
    """Entries before the delimiter (the file's own output) and the indented notes are left
    out; the kind and the full path of each entry are kept."""
    output = (
        "Constant Fake.File.t\nNo object of basename D1\nConstant L.File.B.t\n"
        "Constant L.File.A.t\n  (shorter name to refer to it in current context is A.t)\n"
        "Inductive Coq.Vectors.VectorDef.t\n  (alias of VectorDef.t)\n"
    )
    assert located_objects(output, "D1") == [
        ("Constant", "L.File.B.t"),
        ("Constant", "L.File.A.t"),
        ("Inductive", "Coq.Vectors.VectorDef.t"),
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


def _problem(source: str, name: str) -> str | None:
    assert COQC is not None
    theorem = coq_declaration_from_source(source, name)
    tools = CheckerTools(
        coqc=COQC,
        coqchk="",
        memory_limit_mb=None,
        deadline=time.monotonic() + 120,
        sandbox=DEFAULT_SANDBOX,
    )
    return name_resolution_problem(source, header=theorem.header, name=name, tools=tools)


@needs_coqc
@pytest.mark.parametrize(
    "source",
    [
        "Theorem t : True.\nAdmitted.\n",
        "Module A.\nSection S.\nVariable n : nat.\nTheorem t : n = n.\nAdmitted.\nEnd S.\nEnd A.\n",
        "Module Type T.\nEnd T.\nModule F (X : T).\nTheorem t : True.\nAdmitted.\nEnd F.\n",
    ],
)
def test_the_only_object_of_its_name_passes(source: str) -> None:
    """A theorem at top level, in a module the file never imports (behind a section), or in
    a functor never applied: the file's only object of that name."""
    assert _problem(source, "t") is None


@needs_coqc
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "Module A.\nTheorem t : True.\nAdmitted.\nEnd A.\nModule B := A.\n",
            "names Constant A.t, Constant B.t",
        ),
        ("Theorem t : True.\nAdmitted.\nCheck undefined_name.\n", "does not compile as a whole"),
        (
            "Theorem Unnamed_thm : True.\nAdmitted.\nReset Unnamed_thm.\nGoal False.\nAdmitted.\n",
            "Reset",
        ),
        (
            "Module Type T.\nEnd T.\nModule F (X : T).\nTheorem t : True.\nAdmitted.\nEnd F.\n"
            "Module X.\nEnd X.\nModule M := F X.\n",
            "names Constant M.t, not only the theorem proved (nothing",
        ),
    ],
)
def test_another_object_of_the_name_or_an_unreadable_file_is_refused(
    source: str, expected: str
) -> None:
    """A module alias copying the name, a file that does not compile, going back with
    `Reset` (two objects at one place), an applied functor's copy: refused, naming why."""
    problem = _problem(source, "t" if "Unnamed" not in source else "Unnamed_thm")
    assert problem is not None and expected in problem, problem
