"""What a theorem's name denotes in the user's whole file, as Coq's `Locate` answers it."""

from __future__ import annotations

import shutil
import time

import pytest

from prover.backends.coq.checker_runs import CheckerTools
from prover.backends.coq.name_resolution import name_resolution_problem
from prover.backends.sandbox import DEFAULT_SANDBOX
from prover.data.theorem_files import coq_declaration_from_source

COQC = shutil.which("coqc")
needs_coqc = pytest.mark.skipif(COQC is None, reason="coqc not installed")


def _problem(source: str, name: str) -> str | None:
    assert COQC is not None
    theorem = coq_declaration_from_source(source, name, origin="dir/F.v")
    tools = CheckerTools(
        coqc=COQC,
        coqchk="",
        memory_limit_mb=None,
        deadline=time.monotonic() + 120,
        sandbox=DEFAULT_SANDBOX,
    )
    return name_resolution_problem(
        source, header=theorem.header, name=name, tools=tools, library="F"
    )


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


@needs_coqc
def test_the_flag_probe_runs_only_inside_a_section() -> None:
    """Outside a section the flag `Keep Admitted Variables` changes nothing, so a file that
    turns it off (and wraps Coq's answers at width 10) is not refused for it."""
    source = (
        "Set Printing Width 10.\nUnset Keep Admitted Variables.\n"
        "Module M.\nTheorem t : 1 = 1.\nAdmitted.\nEnd M.\n"
    )
    theorem = coq_declaration_from_source(source, "t")
    assert theorem.whole_context
    assert COQC is not None
    tools = CheckerTools(
        coqc=COQC, coqchk="", memory_limit_mb=None, deadline=time.monotonic() + 120,
        sandbox=DEFAULT_SANDBOX,
    )  # fmt: skip
    problem = name_resolution_problem(
        source, header=theorem.header, name="t", tools=tools, library="F", whole_context=True
    )
    assert problem is None
