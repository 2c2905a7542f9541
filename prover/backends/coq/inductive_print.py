"""Coq's own print of what a request header declares, read for let-ins (coq/coq#22378).

Coq 8.16.1's kernel and coqchk alike accept a false conversion when a constructor type
holds let-ins (coq/coq#22378: two SProp let binders in one constructor proved ``0 = 1``).
The request whitelist refuses a let-in in an inductive type by reading the header's text
(:func:`~prover.backends.coq.kernel_bugs.declaration_let_in`), and that reading was got
round three rounds running (round twenty-four: ``x0end``/``x0match`` balanced a pretend
``match`` around two real let binders); a library notation that expands to a ``let``
(ssreflect's ``unkeyed``) puts one there without writing it at all.

So a request header also ends with Coq's own print of everything it declared
(:func:`inductives_print`: ``Print All`` with ``Set Printing All`` and unbounded depth,
redirected to :data:`~prover.backends.coq.term_reading.INDUCTIVES_FILE`), and
verification (:func:`inductives_print_problem`) refuses the proof when that print holds
a ``let`` or a ``:=`` inside parentheses: Coq prints a record with its parameters and
constructor, every let-in among them as ``let`` (or ``(x : T := v)``), whatever notation
wrote it. It prints a constructor type as written, though, and the kernel takes the
constructor's context from the type reduced: round twenty-five hid let binders in a
definition's body (``pack : F pwl``), so requests may declare no inductive type at all
(:data:`prover.interactive.headers.coq.INDUCTIVE_TYPE_REFUSAL`), and this print is the
layer behind the text rule for records, structures and classes. The reading is
deliberately coarse and fails closed: a ``let`` in the statement of a header lemma or the
type of a definition refuses too (their bodies are not printed; ``Printing All`` prints a
one-constructor ``match`` as ``match``), and so does a missing or unreadable print.
Request headers cannot write ``Redirect`` (so nothing else writes that file) and cannot
leave a module open (so ``Print All`` sees the whole file); a trusted ``--file`` header
gets no such print (docs/soundness.md, residual risks).
"""

from __future__ import annotations

import re
from pathlib import Path

from prover.backends.coq.term_reading import INDUCTIVES_FILE, PRINT_WHOLE_TERMS

__all__ = [
    "INDUCTIVES_PRINT",
    "expects_inductives_print",
    "inductives_print",
    "inductives_print_problem",
]

INDUCTIVES_PRINT = f'Redirect "{INDUCTIVES_FILE}" Print All.'
"""The sentence that prints the header's declarations where verification reads them."""
_LET = re.compile(r"(?<![\w'])let(?![\w'])")
_DEFINED_BINDER = re.compile(r":=|[()]")


def _bracketed_definition(text: str) -> re.Match[str] | None:
    """The first ``:=`` inside parentheses: how Coq prints a let-in parameter of an
    inductive type (``Variant R (n : nat := O) : Set``), with no ``let``."""
    depth = 0
    for match in _DEFINED_BINDER.finditer(text):
        token = match.group()
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(0, depth - 1)
        elif depth > 0:
            return match
    return None


def inductives_print() -> str:
    """What a request header ends with: the print of all it declared, settings undone."""
    undone = (
        "Unset Printing All.",
        "Unset Printing Depth.",
        "Set Printing Allow Match Default Clause.",
    )
    return "\n".join(["", *PRINT_WHOLE_TERMS, INDUCTIVES_PRINT, *undone, ""])


def expects_inductives_print(header: str) -> bool:
    """Whether verification must read the print: the header holds the sentence anywhere
    (only the server's inspection writes it; in a comment it prints nothing and the missing
    file refuses, so the test may over-match but never under-match)."""
    return INDUCTIVES_PRINT in header


def inductives_print_problem(directory: Path) -> str | None:
    """Why the header's declarations, as Coq printed them in ``directory``, may not count.

    A ``let`` anywhere in the print refuses, and so does a ``:=`` inside parentheses (a
    let-in parameter); so do a missing or unreadable print and an elided one (``...``). An
    empty print (a header that declares nothing) passes.
    """
    printed = directory / f"{INDUCTIVES_FILE}.out"
    unreadable = "the header's declarations could not be inspected"
    try:
        text = printed.read_bytes().decode("utf-8")  # as printed: no newline translation
    except (OSError, UnicodeDecodeError) as exc:
        return f"{unreadable} ({exc.__class__.__name__})"
    if "..." in text:
        return f"{unreadable} (elided with '...' in {printed.name})"
    match = _LET.search(text) or _bracketed_definition(text)
    if match is None:
        return None
    around = " ".join(text[max(0, match.start() - 60) : match.end() + 40].split())
    return (
        "the request header declares a let-in where Coq prints its declarations "
        f"(... {around} ...): a let-in in an inductive type can prove false statements on "
        "Coq 8.16.1 (coq/coq#22378), so a request header may hold none there, nor in a "
        "lemma statement or definition type"
    )
