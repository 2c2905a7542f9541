"""What Coq answers about the prover's copy of the theorem at the end of the user's file.

The copy (:func:`~prover.backends.coq.file_with_proof.copy_at_end`,
:func:`~prover.backends.coq.section_copy.replayed_copy`) is proved by the prover's
proof and met with the theorem's own type by a definition; the same compile prints that
definition, the copy's assumptions and the ``Locate`` of every allowed axiom's short name
(:func:`~prover.backends.coq.file_with_proof.meeting_at_end`). :func:`copy_problem` reads
them fail-closed.
"""

from __future__ import annotations

from prover.backends.coq.assumptions import ALLOWED_AXIOMS
from prover.backends.coq.assumptions_print import assumptions_print_problem
from prover.backends.coq.file_with_proof import CopyMarks, exact_meeting
from prover.backends.coq.locate_answers import between, own_objects, short_names_reaching_others

__all__ = ["copy_problem"]


def copy_problem(
    output: str, marks: CopyMarks, *, name: str, library: str, parameters: tuple[str, ...] = ()
) -> str | None:
    """Why Coq's answers about the copy in ``output`` refuse the proof, or None: the meeting
    must print as exactly ``@eq _ T copy`` (round fifty-three's coercion), the copy's
    assumptions may be only allowed axioms (so it was proved, not taken from the file's own
    admitted theorem), by names that reach them (round fifty-five's note), and the file may
    hold no object with an allowed axiom's short name (round fifty-four's ``classic``).
    ``parameters``: how the names of a functor copy's declared arguments start (the
    functor's parameters, which the theorem is proved under), also allowed."""
    body = between(output, marks.body_from, marks.body_to)
    if body is None or not exact_meeting(body, copy=marks.copy, name=name):
        shown = " ".join(" ".join(body or []).split())[:160]
        return (
            "the proof's copy at the end of the user's file met the theorem's type only "
            f"through something else (a coercion?): {shown!r}"
        )
    printed = between(output, marks.printed_from, marks.printed_to)
    problem = assumptions_print_problem(
        None if printed is None else "\n".join(printed), tuple(sorted(ALLOWED_AXIOMS)),
        library=library, parameters=parameters,
    )  # fmt: skip
    if problem is not None:
        return f"the proof's copy at the end of the user's file: {problem}"
    namesakes = between(output, marks.namesakes_from, marks.namesakes_to)
    own = own_objects(namesakes, prefix=f"{library}.")
    if own is None or own:
        return (
            "the user's file declares its own object with an allowed axiom's name "
            f"({', '.join(own or ['unreadable answer'])}), which Print Assumptions would "
            "show as that axiom"
        )
    misread = short_names_reaching_others(namesakes or [], printed or [])
    if misread:
        return (
            f"the proof's copy assumes {misread[0]!r}, which at the file's end names "
            "another object than the allowed axiom of that name"
        )
    return None
