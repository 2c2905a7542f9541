"""The theorem's ``Print Assumptions`` in the checked file, read fail-closed against coqchk.

coqchk's context summary (:mod:`prover.backends.coq.assumptions`) misses what the
implementation of an opaquely sealed module (``Module M : U.``) assumes: an unsafe fixpoint
there (red-team round seventeen), and an ``Axiom`` or ``Admitted`` lemma reached through a
definition (round twenty: ``Axiom ax : 1 = 2. Definition d := ax. Definition q := d.``
listed nothing; coqchk records for a sealed field only the axioms its own body names).
Coq's ``Print Assumptions`` of the theorem looks through the sealing, so the checked file
prints it (after every closing, by full name, with the printing settings set right before
it: rounds eighteen and nineteen) and :func:`assumptions_print_problem` reads it:

* it must be one of Coq's two answers, ``Closed under the global context`` or an
  ``Axioms:`` list, with no elision (``...``);
* a constant assumed guarded or positive, or relying on an unsafe hierarchy, refuses;
* every other entry (``NAME : TYPE``, the name at the start of a line, the type possibly on
  the indented lines below) must name an assumption coqchk listed, and so allowed: the
  printed name (Coq prints the shortest that resolves, a hidden constant by its full path)
  must be that full name or a tail of it after a '.'. Anything else refuses.
"""

from __future__ import annotations

import re
from pathlib import Path

from prover.backends.coq.term_reading import PRINT_WHOLE_TERMS

__all__ = [
    "ASSUMPTIONS_FILE",
    "assumed",
    "assumptions_print",
    "assumptions_print_problem",
    "read_assumptions_print",
]

ASSUMPTIONS_FILE = "VerifyAssumptions"
"""Where the compiled file prints the theorem's assumptions (not ``ProverCheck*``: every such
print is read as a term)."""
_UNSAFE_PHRASES = (
    "is assumed to be guarded",
    "is assumed to be positive",
    "relies on an unsafe hierarchy",
)
_CLOSED = "Closed under the global context"
_AXIOMS = "Axioms:"
_IDENTIFIER = r"[^\W\d][\w']*"
_ENTRY = re.compile(rf"({_IDENTIFIER}(?:\.{_IDENTIFIER})*) : \S")


def assumptions_print(qualified_name: str) -> list[str]:
    """The sentences that print the theorem's assumptions to :data:`ASSUMPTIONS_FILE`; they
    go after every closing, with the theorem's full name: inside a module that is still
    open, Coq 8.16 cannot look into a sealed module above it and prints its field as a
    plain axiom, hiding the unsafe constant behind it (red-team round eighteen). The
    printing settings come again right before the print: a module's ``End`` undoes a
    ``Set`` made inside it, which brought back a header's ``Set Printing Depth 4.`` and
    elided the unsafe constant as ``...`` (round nineteen)."""
    return [
        *PRINT_WHOLE_TERMS,
        f'Redirect "{ASSUMPTIONS_FILE}" Print Assumptions {qualified_name}.',
    ]


def read_assumptions_print(directory: Path) -> str | None:
    """The text the checked file printed to :data:`ASSUMPTIONS_FILE`, or None if none."""
    printed = directory / f"{ASSUMPTIONS_FILE}.out"
    if not printed.is_file():
        return None
    return printed.read_bytes().decode("utf-8", errors="replace")  # no newline translation


def assumptions_print_problem(
    printed: str | None,
    listed: tuple[str, ...],
    *,
    library: str,
    parameters: tuple[str, ...] = (),
) -> str | None:
    """Why the theorem's ``Print Assumptions`` refuses it, or None (see the module docstring).

    ``listed``: the fully qualified assumptions coqchk listed and the policy allowed;
    ``library``: the full library name the file was compiled as, whose names are the
    file's own objects and never an allowed assumption's tail; ``parameters``: how printed
    names of a functor's declared arguments start (fresh names no file can declare), which
    are allowed too.
    """
    if printed is None:
        return "the theorem's assumptions were not printed"
    text = " ".join(printed.split())
    if text == _CLOSED:
        return None
    return (
        _shape_problem(printed, text)
        or _unsafe_problem(text)
        or _unlisted(printed, listed, parameters, library)
    )


def assumed(printed: str | None, listed: tuple[str, ...]) -> tuple[str, ...]:
    """The assumptions of ``listed`` (coqchk's, fully qualified) that the theorem's own
    ``Print Assumptions`` names (every one a printed name may stand for), in ``listed``'s
    order: what the proof itself rests on, where coqchk's summary lists what the whole
    environment loads (the prelude's ``Reals`` axioms for a proof that uses none). Read
    after :func:`assumptions_print_problem` passed; an unreadable print gives all of
    ``listed``."""
    if printed is None:
        return listed
    if " ".join(printed.split()) == _CLOSED:
        return ()
    names = {match.group(1) for entry in _entries(printed) if (match := _ENTRY.match(entry))}
    return tuple(
        full for full in listed if any(full == name or full.endswith(f".{name}") for name in names)
    )


def _shape_problem(printed: str, text: str) -> str | None:
    """Why ``printed`` is not an ``Axioms:`` list Coq printed in full, or None."""
    first_line = next((line.strip() for line in printed.splitlines() if line.strip()), "")
    if first_line != _AXIOMS:
        return f"unrecognized print of the theorem's assumptions: {text[:80]!r}"
    if "..." in text:
        return "the print of the theorem's assumptions is elided ('...'), so it cannot be read"
    return None


def _unsafe_problem(text: str) -> str | None:
    """The first constant the print says is assumed guarded or positive, or relies on an
    unsafe hierarchy (read with blanks collapsed: long names may wrap), or None."""
    for phrase in _UNSAFE_PHRASES:
        position = text.find(phrase)
        if position >= 0:
            start = text.rfind(" ", 0, max(position - 1, 0)) + 1
            printed_line = text[start : position + len(phrase)]
            return f"the proof relies on an unsafe constant: {printed_line!r} (Print Assumptions)"
    return None


def _unlisted(
    printed: str, listed: tuple[str, ...], parameters: tuple[str, ...], library: str
) -> str | None:
    """The first entry that is not ``NAME : TYPE`` with NAME one of ``listed`` or a tail of
    one after a '.' (or starting with one of ``parameters``), or that names an object of the
    file's own ``library``, or None.

    Coq prints a name starting with the file's library only for the file's own object (an
    absolute name resolves first), and under the user's file name such a name can be the
    tail of an allowed one: red-team round 123's ``Sets.v`` hid an ``Axiom
    Extensionality_Ensembles`` in a sealed module ``Ensembles``, printed as
    ``Sets.Ensembles.Extensionality_Ensembles``, the tail of the allowed
    ``Coq.Sets.Ensembles.Extensionality_Ensembles`` (stock coqchk, which misses such
    axioms, then passed it)."""
    for entry in _entries(printed):
        match = _ENTRY.match(entry)
        if match is None:
            return f"unrecognized assumption in the theorem's print: {entry[:80]!r}"
        name = match.group(1)
        if name.startswith(parameters):
            continue
        if name == library or name.startswith(f"{library}."):
            return (
                f"the proof assumes {name!r} (Print Assumptions), an object of the file's "
                "own library, which no allowed assumption is"
            )
        if not any(full == name or full.endswith(f".{name}") for full in listed):
            return (
                f"the proof assumes {name!r} (Print Assumptions), which the kernel checker's "
                "summary does not list: an assumption hidden behind a sealed module"
            )
    return None


def _entries(printed: str) -> list[str]:
    """The entries of an ``Axioms:`` print, each with its blanks collapsed: an entry starts
    at a line that does not start with a blank and takes the indented lines after it."""
    lines = [line for line in printed.splitlines() if line.strip()]
    entries: list[str] = []
    for line in lines[1:]:  # lines[0] is "Axioms:"
        if line[:1].isspace() and entries:
            entries[-1] = f"{entries[-1]} {line.strip()}"
        else:
            entries.append(" ".join(line.split()))
    return entries
