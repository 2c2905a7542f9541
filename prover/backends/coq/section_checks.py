"""How a section theorem's proof is checked on a copy at the end of the user's file, the two
ways of :mod:`prover.backends.coq.section_copy`: the replayed section first, then (for a
section whose own inductive types the statement names) the copy with the theorem's own
type; each compile and its answers are the names check's
(:mod:`prover.backends.coq.name_resolution`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from prover.backends.coq.checker_runs import CheckerTools
from prover.backends.coq.file_with_proof import CopyMarks, module_imports
from prover.backends.coq.section_copy import (
    SectionMarks,
    file_with_probes,
    read_section_variables,
    replayed_copy,
    typed_copy,
)
from prover.backends.coq.section_opening import (
    SECTION_OPENING,
    WHOLE_CONTEXT_OPENING,
    section_blocks,
)
from prover.backends.coq.whole_file import Question, Refused, compiled_output

__all__ = ["replayed_in_section", "section_variables", "typed_at_end"]


def replayed_in_section(
    file_text: str, question: Question, place: list[str], *, proof: Sequence[str],
    copying: CopyMarks, section: SectionMarks, tools: CheckerTools,
) -> str | Refused:  # fmt: skip
    """What is appended to the file for a section theorem: the copy in a module replaying
    the section, opened with the variables the theorem takes (every one for a theorem the
    file admits bare; otherwise as a first compile reads them)."""
    full = ".".join([question.library, *place, question.name])
    if not proof or proof[0] not in (SECTION_OPENING, WHOLE_CONTEXT_OPENING):
        return Refused("the proof does not open as the prover opens a section theorem's")
    opening = proof[0]
    if opening != WHOLE_CONTEXT_OPENING:
        variables = section_variables(file_text, question, full=full, marks=section, tools=tools)
        if isinstance(variables, Refused):
            return variables
        opening = f"Proof using {' '.join(variables)}."
    copy = replayed_copy(
        question.header, statement=question.statement, name=question.name, opening=opening,
        proof=proof[1:], full=full, library=question.library,
        scope=module_imports(question.library, place), marks=copying,
    )  # fmt: skip
    return copy or Refused(f"the statement's name {question.name!r} was not found in it")


def typed_at_end(
    file_text: str, question: Question, place: list[str], *, proof: Sequence[str],
    copying: CopyMarks, section: SectionMarks, tools: CheckerTools,
) -> str | Refused:  # fmt: skip
    """What is appended to the file the second way
    (:func:`~prover.backends.coq.section_copy.typed_copy`): the copy has the theorem's own
    type, and in a section the variables a first compile reads are introduced by name.
    Outside sections too: a statement restated at the file's end may read a name the file
    later shadows in a module it imports (``eq`` in PeanoNat's ``Nat`` after the theorem),
    which its own type does not."""
    full = ".".join([question.library, *place, question.name])
    variables: tuple[str, ...] | Refused = ()
    if section_blocks(question.header):
        variables = section_variables(file_text, question, full=full, marks=section, tools=tools)
    if isinstance(variables, Refused):
        return variables
    copy = typed_copy(
        full, variables, statement=question.statement, proof=proof[1:],
        scope=module_imports(question.library, place),
        copied=f"{question.library}.{copying.copy}", marks=copying,
    )  # fmt: skip
    return copy or Refused("the binders the statement writes before its colon were not read")


@functools.lru_cache(maxsize=4)
def section_variables(
    file_text: str, question: Question, *, full: str, marks: SectionMarks, tools: CheckerTools,
    before_names: str = "",
) -> tuple[str, ...] | Refused:  # fmt: skip
    """The section variables the file's theorem takes, in order, asked of Coq in a first
    compile of the file with probes (:func:`~prover.backends.coq.section_copy.file_with_probes`).
    Cached: when the replayed copy is refused, the second way asks the same question of the
    same file (the marks are fresh for each verification, so nothing else shares it).
    ``before_names`` is compiled right before the names' print (a functor's instance, where
    ``full`` is defined)."""
    after_header = file_text[len(question.header) :]
    probed = file_with_probes(
        after_header, question.statement, full=full, name=question.name, marks=marks,
        before_names=before_names,
    )  # fmt: skip
    if probed is None:
        return Refused(
            f"where the file's own proof of {question.name!r} ends is not clear (or it ends "
            "with Abort or Save), so the section variables it takes are not asked"
        )
    failure = "the user's file does not compile with the probes for the section's variables"
    stdout = compiled_output(
        question.header + probed, library=question.library, tools=tools, failure=failure
    )
    if isinstance(stdout, Refused):
        return stdout
    variables = read_section_variables(stdout, marks)
    if variables is None:
        return Refused(f"which section variables {question.name!r} takes was not understood")
    return tuple(variables)
