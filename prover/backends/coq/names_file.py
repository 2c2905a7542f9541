"""The user's whole file as the names check compiles it: Coq's questions placed in it between
random delimiters, and the prover's proof checked against it on a copy.

:func:`file_to_compile` builds it for :mod:`prover.backends.coq.name_resolution`, which
asks the final questions (``Locate``, ``Print Libraries``) and reads the answers;
:class:`NameMarks` holds the random names whose ``Locate`` answers delimit each answer in
the output, so nothing the file prints can pass for one.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

from prover.backends.coq.blocks import closing_offset, open_blocks, outermost_functor
from prover.backends.coq.checker_runs import CheckerTools
from prover.backends.coq.file_with_proof import CopyMarks, copy_at_end, split_at_own_proof
from prover.backends.coq.functor_copy import (
    appended_copy,
    functor_place,
    instance_at_end,
    instance_path,
    signature_sentences,
)
from prover.backends.coq.section_checks import replayed_in_section, section_variables
from prover.backends.coq.section_copy import SectionMarks
from prover.backends.coq.section_opening import section_blocks
from prover.backends.coq.whole_file import Question, Refused

__all__ = ["KEEP_ADMITTED_VARIABLES", "NameMarks", "file_to_compile", "theorem_place"]

KEEP_ADMITTED_VARIABLES = "Keep Admitted Variables"
"""The flag whose state the probe before a whole-context statement asks."""


@dataclass(frozen=True, kw_only=True)
class NameMarks:
    """The random names whose ``Locate`` answers delimit Coq's answers in the output."""

    before: str  # the Keep Admitted Variables probe
    after: str
    located: str  # Locate T at the file's end
    functor_from: str  # Locate T right before the enclosing functor closes
    functor_to: str
    libraries_from: str  # Print Libraries at the file's end
    libraries_to: str
    copying: CopyMarks  # the copy met with the theorem at the file's end
    section: SectionMarks  # the first compile of a section theorem's copy

    @classmethod
    def fresh(cls) -> NameMarks:
        """New random names, which nothing in the user's file can know."""
        before, after, located, functor_from, functor_to, from_, to, *copying = (
            f"ProverNamesDelimiter{secrets.token_hex(8)}" for _ in range(13)
        )
        return cls(
            before=before,
            after=after,
            located=located,
            functor_from=functor_from,
            functor_to=functor_to,
            libraries_from=from_,
            libraries_to=to,
            copying=CopyMarks(
                copy=f"ProverCopy{secrets.token_hex(8)}",
                body_from=copying[0],
                body_to=copying[1],
                printed_from=copying[2],
                printed_to=copying[3],
                namesakes_from=copying[4],
                namesakes_to=copying[5],
            ),
            section=SectionMarks.fresh(),
        )

    def probe(self) -> str:
        """The flag probe placed right before the statement."""
        return f"\nLocate {self.before}.\nTest {KEEP_ADMITTED_VARIABLES}.\nLocate {self.after}.\n"


def file_to_compile(
    file_text: str, question: Question, *, proof: Sequence[str] | None, probe: str,
    marks: NameMarks, tools: CheckerTools,
) -> str | Refused:  # fmt: skip
    """The user's file with ``probe`` placed before the statement and the prover's
    ``proof`` checked against it (either may be absent), or why it cannot be built. With a
    proof, outside sections the file is left unchanged and the proof proves a copy stated
    at its end (:func:`~prover.backends.coq.file_with_proof.copy_at_end`); in a section the
    copy is stated at the end too, in a section of its own whose variables a first compile
    reads (:mod:`~prover.backends.coq.section_copy`); in a functor the copy is proved at
    the end in an instance of the functor (:mod:`~prover.backends.coq.functor_copy`) and
    ``Locate`` is asked before the functor closes."""
    header = question.header
    after_header = file_text[len(header) :]
    place = theorem_place(header)
    if place is None:
        return _in_functor(
            after_header, question, proof=proof, probe=probe, marks=marks, tools=tools
        )
    if proof is None:
        return header + probe + after_header
    if section_blocks(header):
        appended = replayed_in_section(
            file_text,
            question,
            place,
            proof=proof,
            copying=marks.copying,
            section=marks.section,
            tools=tools,
        )
    else:
        copy = copy_at_end(
            question.library, place, name=question.name, statement=question.statement,
            proof=proof, marks=marks.copying,
        )  # fmt: skip
        appended = copy or Refused(f"the statement's name {question.name!r} was not found in it")
    if isinstance(appended, Refused):
        return appended
    return header + probe + after_header + appended


def _in_functor(
    after_header: str, question: Question, *, proof: Sequence[str] | None, probe: str,
    marks: NameMarks, tools: CheckerTools,
) -> str | Refused:  # fmt: skip
    """The file for a theorem inside a functor: ``Locate`` of the name between two
    delimiters right before the outermost enclosing functor closes, and with a proof, the
    copy at the file's end in an instance of the functor
    (:mod:`~prover.backends.coq.functor_copy`), the file otherwise unchanged."""
    blocks = open_blocks(question.header)
    outermost = outermost_functor(blocks)
    closing = None if outermost is None else closing_offset(after_header, len(blocks) - outermost)
    if closing is None:
        return Refused("where the functor holding the theorem closes was not found")
    asked = (
        f"\nLocate {marks.functor_from}.\nSet Printing Width 1000.\n"
        f"Locate {question.name}.\nLocate {marks.functor_to}.\n"
    )
    if proof is None:
        return question.header + probe + after_header[:closing] + asked + after_header[closing:]
    located = after_header[:closing] + asked + after_header[closing:]
    return _functor_copy(located, question, proof=proof, probe=probe, marks=marks, tools=tools)


def _functor_copy(
    after_header: str, question: Question, *, proof: Sequence[str], probe: str,
    marks: NameMarks, tools: CheckerTools,
) -> str | Refused:  # fmt: skip
    """The file with the module type of the functor's parameters right before its opening,
    ``probe`` before the statement, ``after_header`` (with ``Locate`` asked in the functor)
    and the copy in the functor's instance at the end
    (:mod:`~prover.backends.coq.functor_copy`)."""
    place = functor_place(question, copy=marks.copying.copy)
    if isinstance(place, Refused):
        return place
    if split_at_own_proof(after_header, question.statement) is None:
        return Refused(
            f"where the file's own proof of {question.name!r} ends is not clear (or it "
            "ends with Abort or Save), so it is not checked"
        )
    copy = marks.copying.copy
    header = question.header
    signed = replace(
        question,
        header=header[: place.opening] + signature_sentences(place, copy) + header[place.opening :],
    )
    variables: tuple[str, ...] | Refused = ()
    if section_blocks(question.header):
        variables = section_variables(
            signed.header + after_header, signed, full=instance_path(place, copy, question.name),
            marks=marks.section, tools=tools,
            before_names="\n" + "\n".join(instance_at_end(place, copy)) + "\n",
        )  # fmt: skip
    if isinstance(variables, Refused):
        return variables
    appended = appended_copy(
        place, question, variables=variables, proof=proof[1:], marks=marks.copying
    )
    if isinstance(appended, Refused):
        return appended
    return signed.header + probe + after_header + appended


def theorem_place(header: str) -> list[str] | None:
    """The modules the theorem sits in, or None inside a functor or a module type."""
    modules = []
    for block in open_blocks(header):
        if block.functor or block.signature:
            return None
        if block.module:
            modules.append(block.name)
    return modules
