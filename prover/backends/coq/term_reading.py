"""Reading a verified proof's term for fixpoint literals (a mitigation of coq/coq#20455).

Coq 8.16.1's guard checker, in the kernel and in coqchk alike, accepts some ill-formed
fixpoints, and tactics can build one without writing ``fix``: an Ltac ``context C[...]``
substitution rebuilds a library fixpoint with the tactic's own body (a red-team probe had
``1 = 2`` verified that way with only ``Require Import Lia.``). No word list closes that,
so the file that verification compiles prints the proof term after ``Qed`` (``Set
Printing All``, unbounded depth, to a file with ``Redirect``) and :func:`term_problem`
refuses any ``fix``/``cofix`` literal in it. Fixpoints inside global constants
(``Nat.add``, ``nat_ind``) are names there, not literals.

A proof that unfolds one of its trusted header's own fixpoints (``unfold sum_f in *;
lia``, as miniF2F's induction problems are proved) holds that fixpoint's body as a
literal. For such headers the term is printed after ``Eval fold F1 F2 ... in`` the
theorem's body: Coq's ``fold`` puts ``F`` back only where a subterm is *syntactically*
the body of ``F`` (compared as terms, not as text, so a lookalike with other binders or
another body stays a literal and is refused). The theorem then ends with ``Defined``
instead of ``Qed`` in the checked file, since ``Eval`` cannot unfold an opaque constant;
the kernel and coqchk check the same term either way. The body is taken through a notation
the file declares before the header (:func:`inspection_preamble`), so no grammar the header
declares reaches the tactic that prints it.
"""

from __future__ import annotations

import re
from pathlib import Path

from prover.backends.coq.blocks import visible_fixpoints
from prover.backends.coq.let_in_matches import let_in_type_problem
from prover.backends.coq.text import CoqTextError

__all__ = [
    "DEFINED_PRINT",
    "INDUCTIVES_FILE",
    "PRINT_WHOLE_TERMS",
    "TERM_FILE",
    "inspected_ending",
    "inspection_preamble",
    "term_problem",
    "trusted_fixpoints",
]

BODY_OF = "ProverCheckBodyOf"
NAME_OF = "ProverCheckNameOf"
"""The notation (declared before the header) that gives a constant's body as a term."""
TERM_FILE = "ProverCheckTerm"
"""Where the compiled file prints the proof term (``Redirect`` adds ``.out``)."""
DEFINED_PRINT = "ProverCheckDefined"
"""How the print of a request header lemma ended with ``Defined.`` starts (numbered)."""
INDUCTIVES_FILE = "ProverCheckInductives"
"""Where a request header prints all it declared (:mod:`prover.backends.coq.inductive_print`
reads it; not a term print, so :func:`term_problem` leaves it)."""
PRINT_WHOLE_TERMS = (
    "Set Printing All.",
    "Set Printing Depth 1000000000.",
    "Unset Printing Allow Match Default Clause.",
)
"""Settings before a print that must show the whole term: no notation, no ``...`` for
deep subterms (the default depth, 50, hid a ``fix`` from a red-team probe behind 60
``apply id``), and every ``match`` branch with its constructor (no ``_ =>`` for branches
that share a body: :mod:`prover.backends.coq.let_in_matches` reads the constructors)."""
_FIXPOINT_LITERAL = re.compile(r"(?<![\w'])(?:fix|cofix)(?![\w'])")
_AUXILIARY_CONSTANT = re.compile(r"(?<![\w'])[\w'.]*_(?:subproof|subterm)\d*(?![\w'])")
"""A constant ``abstract``/``transparent_abstract`` made (``bad_subproof``): after ``Defined``
Coq keeps it apart, and its term is not printed."""
_TERM_PRINT = re.compile(r"\s*(?:\S+\s+)?=(?:\s|$)")
"""What a term print starts with: ``NAME = body`` (``Print Term``) or ``= body`` (``Eval``)."""


def trusted_fixpoints(header: str) -> tuple[str, ...]:
    """The fixpoints of a trusted header the checked file folds back (see module docstring).

    Those :func:`~prover.backends.coq.sentences.visible_fixpoints` finds; nothing when the
    header cannot be read (fail closed: their literals are then refused).
    """
    try:
        return visible_fixpoints(header)
    except CoqTextError:
        return ()


def inspected_ending(name: str, fold: tuple[str, ...]) -> list[str]:
    """How the checked theorem ends, and the sentences that print its term to :data:`TERM_FILE`.

    Without ``fold``: ``Qed.`` and the theorem's ``Print``; with it: ``Defined.`` and its
    body after ``Eval fold`` (``Eval`` cannot unfold an opaque constant; see the module
    docstring).
    """
    if not fold:
        return ["Qed.", *PRINT_WHOLE_TERMS, f'Redirect "{TERM_FILE}" Print Term {name}.']
    # Each constant is read as a name (no notation can stand for it: round thirty-nine's
    # `Notation "'@' 'dbl'"` took over `@dbl`), with no implicit argument to insert.
    constants = " ".join(f"{NAME_OF} {fixpoint}" for fixpoint in fold)
    return [
        "Defined.",
        *(f"Arguments {constant} : clear implicits." for constant in (name, *fold)),
        *PRINT_WHOLE_TERMS,
        f'Redirect "{TERM_FILE}" Eval fold {constants} in {BODY_OF} {name}.',
    ]


def inspection_preamble(fold: tuple[str, ...]) -> str:
    """What the checked file declares before the header (its text, each sentence on a line
    of its own; empty without ``fold``): with ``fold``, the notation
    :func:`inspected_ending` takes the theorem's body through. Its tactic is parsed here,
    before the header can change the grammar: red-team round thirty-six had a header's
    ``Tactic Notation "exact"`` (a ``Notation`` on ``ltac:(...)`` works too) turn the body
    written after the header into ``0``, so the printed term held no literal; round
    thirty-seven then took over the argument ``(@t)`` with ``Notation "( '@' x )"``, so the
    argument is read as a name (``x global``), which no notation can stand for, and so,
    since round thirty-nine, is each fixpoint ``Eval fold`` folds back."""
    if not fold:
        return ""
    tactic = "let body := eval cbv delta [x] in x in exact body"
    return (
        f"Notation \"'{BODY_OF}' x\" := ltac:({tactic}) (at level 0, x global, only parsing).\n"
        f"Notation \"'{NAME_OF}' x\" := x (at level 0, x global, only parsing).\n"
    )


def term_problem(directory: Path) -> str | None:
    """Why the proof terms the compiled file printed in ``directory`` may not count, or None.

    Every ``ProverCheck*.out`` print counts: the theorem's (:data:`TERM_FILE`, which must
    exist) and those a request header's lemmas and definitions add
    (:func:`prover.interactive.headers.inspected_coq_header`). A ``fix`` or ``cofix``
    literal anywhere refuses. Fail closed: an absent, empty, unreadable or elided
    (``...``) print refuses too, and so does one not shaped as a term print (``NAME = ...``
    or ``= ...``): the prints use ``Print Term NAME``, since a plain ``Print`` of a lemma
    named ``Libraries``, ``All``, ``Options`` ... runs another command (a red-team probe had
    ``Print Libraries`` list the loaded files in place of the term). In a print of a
    constant ended with ``Defined`` (a request header lemma's, :data:`DEFINED_PRINT`, or the
    theorem's ``Eval fold``), a name of a subproof ``abstract`` kept apart (``NAME_subproof``;
    a library hint runs ``abstract lia`` under ``auto with zarith``) refuses as well: a third
    probe hid the rebuilt fixpoint in one. After ``Qed`` Coq 8.16 inlines the subproof (a
    redex whose binder keeps the name), so there the name is no constant and is not
    refused. None of the 172 miniF2F-Coq test proofs of 2026-12-03 has a literal; a proof
    that unfolds a library fixpoint and rewrites under it does.
    """
    if not (directory / f"{TERM_FILE}.out").is_file():
        return "the proof term could not be inspected (nothing was printed)"
    for printed in sorted(directory.glob("ProverCheck*.out")):
        if printed.stem == INDUCTIVES_FILE:
            continue
        problem = _print_problem(printed)
        if problem is not None:
            return problem
    return None


def _print_problem(printed: Path) -> str | None:
    """Why one print does not show a readable, fixpoint-free term, or None."""
    try:
        text = printed.read_bytes().decode("utf-8")  # as printed: no newline translation
    except (OSError, UnicodeDecodeError) as exc:
        return f"the proof term could not be inspected ({exc})"
    unreadable = None
    if not text.strip():
        unreadable = f"nothing in {printed.name}"
    elif not _TERM_PRINT.match(text):
        unreadable = f"{printed.name} is not a term print: {' '.join(text.split())[:60]!r}"
    elif "..." in text:
        unreadable = f"elided with '...' in {printed.name}"
    if unreadable is not None:
        return f"the proof term could not be inspected ({unreadable})"
    what = "proof term" if printed.stem == TERM_FILE else "term of a header lemma or definition"
    kept_apart = printed.stem.startswith(DEFINED_PRINT) or text.lstrip().startswith("=")
    if kept_apart and (match := _AUXILIARY_CONSTANT.search(text)):
        return (
            f"the {what} refers to {match.group()!r}, a subproof that 'abstract' kept apart "
            "(after 'Defined'); its term is not read, so the proof is not counted"
        )
    if not _FIXPOINT_LITERAL.search(text):
        return let_in_type_problem(text, what)
    return (
        f"the {what} holds a fixpoint literal (fix/cofix): Coq 8.16's guard checker, "
        "in the kernel and in coqchk alike, accepts some ill-formed ones "
        "(coq/coq#20455), so such proofs are not counted"
    )
