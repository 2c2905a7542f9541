"""Coq's answers to ``Locate`` in the whole-file compiles, read fail-closed.

The names check (:mod:`prover.backends.coq.name_resolution`) and the copy's checks
(:mod:`prover.backends.coq.file_with_proof`) ask Coq questions in the middle of the
user's file and at its end; each answer is found between the answers to ``Locate`` of two
random names (which nothing has, so Coq answers :data:`NOTHING` for them), and anything
that does not read as Coq's answer refuses the proof.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prover.backends.coq.assumptions import ALLOWED_AXIOMS

__all__ = [
    "NOTHING",
    "between",
    "entries",
    "located_objects",
    "own_objects",
    "short_names_reaching_others",
]

#: What ``Locate`` prints for a name nothing has: the delimiter before the real answer.
NOTHING = "No object of basename"
#: One object: its kind, its full path, then any notes ("(shorter name to refer to it in
#: current context is ...)", "(alias of ...)"), on the same line at the width the check sets.
_ENTRY = re.compile(r"^(?P<kind>[A-Z][\w ]*?) (?P<path>[\w'.]+)(?: \(.*\))?$")


def between(output: str, before: str, after: str) -> list[str] | None:
    """The lines printed between the two delimiters' ``Locate`` answers, or None."""
    lines = output.splitlines()
    starts = [index for index, line in enumerate(lines) if line == f"{NOTHING} {before}"]
    ends = [index for index, line in enumerate(lines) if line == f"{NOTHING} {after}"]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        return None
    return lines[starts[0] + 1 : ends[0]]


_LIBRARIES_TITLE = "Loaded library files:"
_LIBRARY_LINE = re.compile(r"^  ([A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*)$")


def loaded_libraries(lines: list[str]) -> list[str] | None:
    """The full names ``Print Libraries`` listed in ``lines`` (its answer between two
    delimiters), or None if they do not read as that answer (fail closed)."""
    while lines and not lines[-1]:  # the answer ends with an empty line
        lines = lines[:-1]
    if not lines or lines[0].strip() != _LIBRARIES_TITLE:
        return None
    names = [_LIBRARY_LINE.match(line) for line in lines[1:]]
    if any(match is None for match in names):
        return None
    return [match.group(1) for match in names if match is not None]


def located_objects(output: str, delimiter: str) -> list[tuple[str, str]] | None:
    """The (kind, full path) pairs ``Locate`` listed after the delimiter's own ``Locate``
    (whose answer is :data:`NOTHING`) to the end of the output, or None if the output does
    not read so."""
    lines = output.splitlines()
    marks = [index for index, line in enumerate(lines) if line == f"{NOTHING} {delimiter}"]
    if len(marks) != 1:
        return None
    return entries(lines[marks[0] + 1 :])


def entries(lines: list[str]) -> list[tuple[str, str]] | None:
    """The (kind, full path) of each object in ``Locate`` answers, one or several names
    asked in a row (a name nothing has is answered :data:`NOTHING`; the notes "(shorter
    name to refer to it ...)" and "(alias of ...)" are indented), or None if a line reads
    otherwise."""
    found: list[tuple[str, str]] = []
    for line in lines:
        if line.startswith((NOTHING, "  (")):
            continue
        entry = _ENTRY.match(line)
        if entry is None:
            return None
        found.append((entry.group("kind"), entry.group("path")))
    return found


def own_objects(lines: list[str] | None, *, prefix: str) -> list[str] | None:
    """The full paths starting with ``prefix`` (``prefix`` removed) among ``Locate``
    answers, or None if a line does not read as one."""
    found = None if lines is None else entries(lines)
    if found is None:
        return None
    return [path[len(prefix) :] for _, path in found if path.startswith(prefix)]


def short_names_reaching_others(namesakes: list[str], printed: Iterable[str]) -> list[str]:
    """The allowed axioms' short names that ``Locate`` (``namesakes``) says reach another
    object at the file's end and that a ``Print Assumptions`` (``printed``) lists: Coq
    prints an axiom by the shortest name that reaches it, so a bare
    ``constructive_indefinite_description`` there is ``IndefiniteDescription``'s (not
    allowed) when that module's name wins, as it does when it is imported after
    ``ClassicalEpsilon`` or without it (red-team round fifty-five's note). The object
    ``Locate`` lists with no "(shorter name ...)" note below it is the one its short name
    reaches."""
    allowed = {axiom.rsplit(".", 1)[-1]: axiom for axiom in ALLOWED_AXIOMS}
    reached: dict[str, str] = {}
    for line, following in zip(namesakes, [*namesakes[1:], ""], strict=True):
        entry = _ENTRY.match(line)
        if entry is None or following.startswith("  (shorter name"):
            continue
        path = entry.group("path")
        reached.setdefault(path.rsplit(".", 1)[-1], path)
    listed = {line.split(":", 1)[0].strip() for line in printed if not line.startswith(" ")}
    return sorted(
        short
        for short, path in reached.items()
        if short in allowed and path != allowed[short] and short in listed
    )
