"""The prover's proof checked against the user's whole file (``prove --file``).

A proof checked after the header alone may still not fit the user's file: what follows the
theorem can constrain it. Red-team round fifty-one's file used its admitted ``T : forall X :
Type, exists Y : Type, X = Y`` to derive ``False`` in a way that pins ``T``'s second universe
below its first; the prover's proof (``exists X``) needs the opposite order, so it passed
every check on the header and statement alone and was recorded proved, while the file
refutes the statement as it reads it. The names check
(:mod:`prover.backends.coq.name_resolution`) therefore compiles the user's file with the
proof in it, in one of three ways:

* outside sections, on a copy at the end of the unchanged file (:func:`copy_at_end`; round
  fifty-two's file branched on the constraints, so a file rebuilt with the prover's proof in
  place of its own compiled): the statement restated and proved, then met with the
  theorem's own type by a term whose print must be exactly that (:func:`exact_meeting`;
  round fifty-three slipped a coercion in);
* inside a section, on a copy at the end too, stated in a section of its own whose
  variables take their types from the theorem's (:mod:`prover.backends.coq.section_copy`;
  the known gap of round fifty-two, closed on 2026-12-05);
* inside a functor, whose constants no name reaches outside it, on a copy at the end too,
  in an instance of the functor applied to declared arguments
  (:mod:`prover.backends.coq.functor_copy`; the known gap of round fifty-two for functors,
  closed on 2026-12-05).

Where the file's own proof ends is read fail-closed (:func:`own_proof_ending`): at the first
sentence after the statement that holds a proof-ending word (``Qed``, ``Defined``,
``Admitted``, ``Save``, ``Abort``, behind any prefix). A sentence read as an end too early
leaves the rest of the file's proof outside proof mode, which Coq refuses; a proof that ends
without such a word (``Proof term.``) is refused, since the cut would run into what follows;
so is one that ends with ``Abort`` or ``Save``, which leave the theorem's name undeclared or
declare another (red-team round fifty-six proved an aborted lemma in a functor whose name a
``Goal`` then took).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from prover.backends.coq.assumptions import ALLOWED_AXIOMS
from prover.backends.coq.sentences import read_proof_opening, split_for_coqtop
from prover.backends.coq.term_reading import PRINT_WHOLE_TERMS
from prover.backends.coq.text import CoqTextError, code_without_strings

__all__ = [
    "UNSAVED_ENDINGS",
    "CopyMarks",
    "copy_at_end",
    "exact_meeting",
    "meeting_at_end",
    "module_imports",
    "own_proof_end",
    "own_proof_ending",
    "restated",
    "split_at_own_proof",
]

#: Endings after which the file's name is not the statement's (``Abort`` declares nothing,
#: ``Save`` names the proof otherwise).
UNSAVED_ENDINGS = frozenset({"Abort", "Save"})
_ENDING_WORD = re.compile(r"(?<![\w'])(?:Qed|Defined|Admitted|Save|Abort)(?![\w'])")


def own_proof_ending(after_statement: str) -> tuple[int, str] | None:
    """Where the file's own proof ends in ``after_statement`` (the text right after the
    statement), the index just past its ending sentence, and the ending word; None if that
    is not clear."""
    try:
        sentences = [s for s in split_for_coqtop(after_statement) if not s.focus]
    except CoqTextError:
        return None
    if not sentences:
        return None
    opening = read_proof_opening(sentences[0].code)
    if opening is not None and opening.term:
        return None  # ``Proof term.`` ends the proof with no ending sentence
    for sentence in sentences:
        try:
            code = code_without_strings(sentence.text)
        except CoqTextError:
            return None
        word = _ENDING_WORD.search(code)
        if word:
            return sentence.offset + len(sentence.text), word.group(0)
    return None


def own_proof_end(after_statement: str) -> int | None:
    """Where the file's own proof, ending with ``Qed``, ``Defined`` or ``Admitted``, ends in
    ``after_statement``: the index just past its ending sentence, or None (not clear, or an
    ``Abort`` or ``Save``, after which the file's name is not the statement's)."""
    ending = own_proof_ending(after_statement)
    if ending is None or ending[1] in UNSAVED_ENDINGS:
        return None
    return ending[0]


def split_at_own_proof(after_header: str, statement: str) -> tuple[str, str] | None:
    """``after_header`` (the file from its statement on) cut right after the file's own
    proof of ``statement``: the statement with that proof, and what follows; None if that
    proof's end is not clear (:func:`own_proof_end`)."""
    if not after_header.startswith(statement):
        return None
    end = own_proof_end(after_header[len(statement) :])
    if end is None:
        return None
    cut = len(statement) + end
    return after_header[:cut], after_header[cut:]


def restated(statement: str, *, name: str, copy: str) -> str | None:
    """``statement`` declaring ``copy`` in place of ``name``, or None if it does not."""
    declared = re.compile(rf"(?<![\w'.]){re.escape(name)}(?![\w'])")
    copied = declared.sub(copy, statement, count=1)
    return None if copied == statement else copied.strip()


@dataclass(frozen=True, kw_only=True)
class CopyMarks:
    """The copy's random name and the random names whose ``Locate`` answers delimit the
    print of its meeting definition and of its assumptions."""

    copy: str
    body_from: str
    body_to: str
    printed_from: str
    printed_to: str
    namesakes_from: str  # Locate of the allowed axioms' short names
    namesakes_to: str


def copy_at_end(
    file_module: str, place: list[str], *, name: str, statement: str, proof: Sequence[str],
    marks: CopyMarks,
) -> str | None:  # fmt: skip
    """What is appended to the user's unchanged file to check the prover's proof there:
    the statement restated under a fresh name with the prover's proof, then a definition
    whose type is the file's theorem's own (``type of`` its full name: the same universe
    levels, with every constraint the whole file put on them) and whose body is that copy,
    so the copy's constraints meet the file's (inside modules, after importing them, so
    the statement reads its names as at its place; a name the file later shadows there makes
    the types differ, and the proof is refused). None if the statement's name is not found.

    Red-team round fifty-two's file branched on those constraints (``first [ paradox |
    exact I ]``), so a file rebuilt with the prover's proof in place of its own compiled
    and refuted nothing, while the user's file derives ``False`` from its theorem."""
    copied = restated(statement, name=name, copy=marks.copy)
    if copied is None:
        return None
    scope = module_imports(file_module, place)
    full = ".".join([file_module, *place, name])
    meeting = meeting_at_end(full, f"{file_module}.{marks.copy}", marks=marks)
    return "\n" + "\n".join([*scope, copied, *proof]) + meeting


def module_imports(file_module: str, place: list[str]) -> list[str]:
    """``Import`` of every module enclosing the theorem, outermost first: a statement
    restated at the file's end then reads their names as at the theorem's place."""
    return [
        f"Import {'.'.join([file_module, *place[: depth + 1]])}." for depth in range(len(place))
    ]


def meeting_at_end(full: str, copied: str, *, marks: CopyMarks) -> str:
    """What is appended to the file after the copy (at its end, or at the theorem's place
    in a section) to meet it with the theorem and print what the verdict reads: a
    definition whose type is the file's theorem's own (``full``, its full name: the same
    universe levels, with every constraint the whole file put on them) and whose body is
    the copy (``copied``, its full name), printed whole, then the copy's assumptions and the
    ``Locate`` of every allowed axiom's short name."""
    # A term, not a tactic, makes the copy's type meet the theorem's (a tactic name could
    # be the file's own); the copy's assumptions are printed: its proof may have run at the
    # file's end, where the file's tactics may stand for the prover's (``exact T`` would do).
    check = f"Definition {marks.copy}Check := @Coq.Init.Logic.eq _ (@{full}) (@{copied})."
    printed = [
        f"Locate {marks.body_from}.",
        *PRINT_WHOLE_TERMS,
        "Set Printing Width 1000.",
        f"Print {marks.copy}Check.",
        f"Locate {marks.body_to}.",
        f"Locate {marks.printed_from}.",
        *PRINT_WHOLE_TERMS,
        "Set Printing Width 1000.",
        f"Print Assumptions {copied}.",
        f"Locate {marks.printed_to}.",
        # ``Print Assumptions`` names an axiom by its shortest name: the file's own
        # ``classic`` would read as the standard one (round fifty-four), so the file may
        # hold no object with an allowed axiom's short name.
        f"Locate {marks.namesakes_from}.",
        *(f"Locate {axiom.rsplit('.', 1)[-1]}." for axiom in sorted(ALLOWED_AXIOMS)),
        f"Locate {marks.namesakes_to}.",
    ]
    return "\n" + "\n".join([check, *printed]) + "\n"


def exact_meeting(body: list[str], *, copy: str, name: str) -> bool:
    """Whether the printed definition (``Set Printing All``) is exactly ``@eq A T copy``
    (``eq`` being Coq.Init.Logic.eq, which the definition names by its absolute path):
    Coq elaborates the meeting term with coercions, and round fifty-three's file declared
    one from a look-alike statement to the theorem's (an admitted lemma), so the copy's
    type met nothing of the theorem's."""
    text = " ".join(" ".join(body).split())
    # Printing All wraps a constant with implicit arguments in parentheses: ``(@T)``.
    theorem = rf"(?:@?(?:[^\s()]*\.)?{re.escape(name)}|\(@(?:[^\s()]*\.)?{re.escape(name)}\))"
    # ``eq`` is printed by the shortest name that reaches Coq.Init.Logic.eq (``Logic.eq``
    # when a module with its own ``eq``, like PeanoNat's ``Nat``, is imported).
    equality = r"@(?:(?:(?:Coq\.)?Init\.)?Logic\.)?eq"
    # The copy is named by its full path where its module is not imported (in a section),
    # in parentheses too when it has implicit arguments (an instance's replayed binders).
    copied = rf"(?:@?(?:[^\s()]*\.)?{copy}|\(@(?:[^\s()]*\.)?{copy}\))"
    meeting = rf"{copy}Check = {equality} .+ {theorem} {copied} : Prop"
    return re.fullmatch(meeting, text) is not None
