"""The text of the file verification compiles: the header, the guarded statement, the proof's
opening, the prelude and tactics, the ending, and the closings with Coq's placement checks.

:func:`build_proof_source` is the file shown to users (and, with ``inspect_as``, the one
that also prints the proof term); :func:`inspected_source` is the one the checked compile
reads (:mod:`prover.backends.coq.verify`); :func:`statement_reading` is the header and
statement alone, ended by ``Abort.``, that the bytecode coqc reads
(:mod:`prover.backends.coq.bytecode_reading`). One module builds all three so that they
cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

from prover.backends.coq.assumptions_print import assumptions_print
from prover.backends.coq.blocks import block_closings, closable
from prover.backends.coq.checker_runs import CHECKED_LIBRARY
from prover.backends.coq.library_paths import qualified_name_guards
from prover.backends.coq.placement import (
    PLACEMENT_MARKER,
    name_guard,
    placed_closings,
    theorem_path,
)
from prover.backends.coq.section_opening import proof_opening
from prover.backends.coq.term_reading import inspected_ending, inspection_preamble
from search.states import Theorem

__all__ = [
    "assembled_source",
    "build_proof_source",
    "inspected_source",
    "inspection_closings",
    "preluded",
    "statement_reading",
]


def build_proof_source(
    *,
    header: str,
    statement: str,
    tactics: Sequence[str],
    inspect_as: str | None = None,
    fold: tuple[str, ...] = (),
    prelude: str = "",
    whole_context: bool = False,
) -> str:
    """The complete file checked by ``coqc``: header, statement, ``Proof.``, the prelude,
    tactics, ``Qed.``.

    The prelude is loaded inside the proof, after the statement: the statement is read in
    the header's context alone, as the user's file means it (an ``Import`` before it
    rebinds short names: red-team round thirty-three), and the tactics run with the
    prelude's.

    Sections and modules the header leaves open (a theorem inside a ``Section`` of the
    user's file) are closed after ``Qed``, innermost first, as ``coqc`` requires
    (:func:`~prover.backends.coq.blocks.closable`); the proof opens as
    :func:`~prover.backends.coq.section_opening.proof_opening` says for ``header`` and
    ``whole_context`` (:attr:`search.states.Theorem.whole_context`). With ``inspect_as``
    (the theorem's name), the compiled file also prints that constant's proof term, without
    notations, to :data:`TERM_FILE` right after ``Qed`` (see :func:`term_problem`) and has
    Coq check,
    around the closings, that the theorem is where the header's blocks put it
    (:func:`~prover.backends.coq.blocks.placed_closings`); the proof text shown to users is
    the file without those lines.
    """
    steps = preluded(prelude, tactics)
    if inspect_as is None:
        return assembled_source(
            closable(header),
            header=header,
            statement=statement,
            tactics=steps,
            ending=["Qed."],
            whole_context=whole_context,
        )
    return inspected_source(
        closable(header),
        header=header,
        statement=statement,
        steps=steps,
        name=inspect_as,
        fold=fold,
        marker=PLACEMENT_MARKER,
        whole_context=whole_context,
    )


def inspected_source(
    closed: tuple[str, list[str]],
    *,
    header: str,
    statement: str,
    steps: Sequence[str],
    name: str,
    fold: tuple[str, ...],
    marker: str,
    whole_context: bool,
    requested: bool = False,
    library: str = CHECKED_LIBRARY,
) -> str:
    """The inspected file (before its sentences are marked): the preamble, the guarded
    statement (``requested``: a theorem not read from a file, whose qualified names are
    guarded there and before every ``End``, :func:`_before_every_end`), ``steps``,
    the inspected ending, then the closings with placement checks and the assumptions
    print, ``marker`` naming the placement constant; ``library``: the full library name
    the file is compiled as (:class:`~prover.backends.coq.checker_runs.CheckedFile`)."""
    ending = inspected_ending(name, fold)
    placed = inspection_closings(header, name, marker, library=library)
    # A theorem not read from a file: its qualified names' guards, read once, asked twice.
    paths = qualified_name_guards(header, statement, library) if requested else []
    guarded = _guarded(header, statement, name, guards=paths, library=library)
    closed = (_before_every_end(closed[0], paths), closed[1])
    assembled = assembled_source(
        closed,
        header=header,
        statement=guarded,
        tactics=steps,
        ending=ending,
        placed=placed,
        whole_context=whole_context,
    )
    return inspection_preamble(fold) + assembled


def _guarded(header: str, statement: str, name: str, *, guards: list[str], library: str) -> str:
    """The statement after Coq's check that nothing has the theorem's full name yet
    (:func:`~prover.backends.coq.placement.name_guard`) and ``guards``: for a theorem not
    read from a file, that the header declares nothing its qualified names could reach in
    a file named after their first part
    (:func:`~prover.backends.coq.library_paths.qualified_name_guards`)."""
    return "\n".join([name_guard(header, library, name), *guards, statement.strip()])


def _before_every_end(header: str, guards: list[str]) -> str:
    """``header`` with ``guards`` (the qualified-name guards of a theorem not read from a
    file, which :func:`_guarded` places before its statement) right before every ``End``
    too: a polymorphic universe declared in a section is reached
    by a qualified name while it is open and is gone after (red-team round sixty-seven:
    ``Type@{X.u}`` in a file ``X.v`` read the section's own ``u``, while the guards before
    the statement found nothing); so are a module type's and a functor's fields."""
    text = header
    for offset in reversed(block_closings(header) if guards else []):  # offsets stay valid
        text = text[:offset] + "\n".join(guards) + "\n" + text[offset:]
    return text


def assembled_source(
    closed: tuple[str, list[str]],
    *,
    header: str,
    statement: str,
    tactics: Sequence[str],
    ending: list[str],
    placed: list[str] | None = None,
    whole_context: bool = False,
) -> str:
    """The file from a :func:`closable` header, the statement, the proof's opening for
    ``header`` and ``whole_context`` (:func:`~prover.backends.coq.section_opening.proof_opening`),
    tactics and ``ending``, then the closings, or ``placed`` (the closings with the placement
    checks) instead."""
    # ``Proof.``, or the section opening and its clearing, or ``Proof using All.``
    opening = proof_opening(header, whole_context=whole_context)
    closable_header, closings = closed
    lines = [closable_header.rstrip(), "", statement.strip(), *opening, *tactics, *ending]
    lines.extend(closings if placed is None else placed)
    return "\n".join(lines).lstrip("\n") + "\n"


def inspection_closings(
    header: str, name: str, marker: str = PLACEMENT_MARKER, *, library: str = CHECKED_LIBRARY
) -> list[str]:
    """What follows theorem ``name``'s term print in the checked file (compiled as
    ``library``): the closings with Coq's check of where the theorem landed
    (:func:`~prover.backends.coq.placement.placed_closings`), then its ``Print
    Assumptions`` by full name."""
    return [*_placed(header, marker, library), *_assumptions(header, name, marker, library)]


def _placed(header: str, marker: str, library: str) -> list[str]:
    """The checked file's closings with Coq's check of where the theorem landed."""
    return placed_closings(header, library, marker)


def _assumptions(header: str, name: str, marker: str, library: str) -> list[str]:
    """The theorem's ``Print Assumptions``, by full name, after every closing."""
    return assumptions_print(theorem_path(header, library, name, marker))


def statement_reading(closed: tuple[str, list[str]], theorem: Theorem) -> str:
    """The header and the statement, ended by ``Abort.`` (``Derive ... Admitted.`` is an
    anomaly in 8.16): what the bytecode coqc reads
    (:func:`~prover.backends.coq.bytecode_reading.bytecode_reading_problem`)."""
    return assembled_source(
        closed,
        header=theorem.header,
        statement=theorem.statement,
        tactics=[],
        ending=["Abort."],
        whole_context=theorem.whole_context,
    )


def preluded(prelude: str, tactics: Sequence[str]) -> list[str]:
    """What follows ``Proof.``: the prelude's sentences (if any), then the tactics."""
    return [prelude.strip(), *tactics] if prelude.strip() else list(tactics)
