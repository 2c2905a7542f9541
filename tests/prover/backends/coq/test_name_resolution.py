"""What a theorem's name denotes in the user's whole file, as Coq's `Locate` answers it."""

from __future__ import annotations

import shutil
import time

import pytest

from prover.backends.coq.checker_runs import CheckerTools
from prover.backends.coq.name_resolution import (
    library_path_refusal,
    located_objects,
    name_resolution_problem,
)
from prover.backends.sandbox import DEFAULT_SANDBOX
from prover.data.theorem_files import coq_declaration_from_source
from search.states import Theorem

COQC = shutil.which("coqc")
needs_coqc = pytest.mark.skipif(COQC is None, reason="coqc not installed")


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
    assert (
        name_resolution_problem(
            source, header=theorem.header, name="t", tools=tools, whole_context=True
        )
        is None
    )


@pytest.mark.parametrize(
    ("statement", "source", "refused"),
    [
        ("Theorem T : Top.y = 2.", None, "'Top'"),
        ("Theorem T : Checked.x = 2.", None, "'Checked'"),
        ("Theorem T : Checked.αx + Top._y = 2.", None, "'Checked'"),
        ("Theorem T : αF.x = 2.", "dir/αF.v", "'αF'"),
        ("Theorem T : ProverCheck.Checked.x = 2.", None, "'ProverCheck'"),
        ("Theorem T : F.x = 2.", "dir/F.v", "'F'"),
        ("Theorem T : F.x = 2.", None, None),
        ("Theorem T : Nat.add 1 1 = 2 (* Top.y *).", None, None),
        ('Theorem T : "Checked.x" = "Checked.x".', None, None),
        ("Theorem T : xTop.y = 2.", None, None),
    ],
)
def test_qualified_names_rooted_at_a_compiles_own_path_are_refused(
    statement: str, source: str | None, refused: str | None
) -> None:
    """`Top.`, `Checked.`, `ProverCheck.` and, for a file's theorem, the file's own name
    start a refused qualified name; other roots, comments and strings do not."""
    theorem = Theorem(
        name="T",
        header="",
        statement=statement,
        source=source,
        file_text=statement if source else None,
    )
    problem = library_path_refusal(theorem)
    if refused is None:
        assert problem is None
    else:
        assert problem is not None and f"starting with {refused}" in problem
