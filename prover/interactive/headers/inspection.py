"""The inspection of a whitelisted request header: every term it defines is printed.

A request header's lemma proofs are untrusted tactics, and tactics can rebuild a fixpoint
without writing ``fix`` (Coq 8.16.1's guard checker accepts some ill-formed ones,
coq/coq#20455), so verification must read the term of every constant the header defines
(:func:`prover.backends.coq.term_reading.term_problem`); :func:`inspected_coq_header` adds
the prints that make the compiled file show them.
"""

from __future__ import annotations

from prover.backends.coq.inductive_print import inductives_print
from prover.backends.coq.text import split_sentences
from prover.interactive.headers.coq import (
    MAY_OPEN_PROOF,
    PROOF_ENDS,
    opens_proof,
    refuse_unnamed,
)
from prover.interactive.headers.refusal import HeaderRefused

__all__ = ["inspected_coq_header", "without_inspection"]


def inspected_coq_header(header: str) -> str:
    """A whitelisted request header with each lemma's and definition's term printed.

    A request header's lemma proofs are untrusted tactics like a generator's, and tactics
    can rebuild a fixpoint without writing ``fix`` (``context C[...]``): verification reads
    the searched theorem's proof term (:func:`prover.backends.coq.term_reading.term_problem`), so
    a header lemma's must be read too, or ``1 = 2`` could use a header lemma proving
    ``False``. After every ``Qed.``/``Defined.`` of a header lemma, and after every
    ``Definition``/``Instance`` with a body, this adds ``Set Printing All.``,
    ``Set Printing Depth 1000000000.`` (no ``...``), ``Unset Printing Allow Match Default
    Clause.`` (every branch with its constructor, as the theorem's own print has it, for the
    let-in reading of :mod:`prover.backends.coq.let_in_matches`), ``Redirect
    "ProverCheckHeaderN" Print Term NAME.`` (``ProverCheckDefinedN`` after ``Defined.``, see
    :func:`prover.backends.coq.term_reading.term_problem`; ``Term``: a plain ``Print
    Libraries`` lists the loaded files) and the settings restored: the file that verification
    compiles then prints each term where the verifier reads it (coqtop, in its private
    directory, too). Before each such declaration it adds ``Fail Check NAME.``: a name that
    already exists (a library lemma's) fails the compilation, so a print can only show the
    request's own constant, even if Coq ended a sentence elsewhere than the checks (a red-team
    probe had a library ``plus_n_O`` printed in place of the request's). Fail closed: an
    anonymous declaration, a name declared twice, or a proof end without its opening, is
    refused. The header then ends with Coq's print of all it declared, which verification
    reads for let-ins (:func:`~prover.backends.coq.inductive_print.inductives_print`).
    """
    pieces: list[str] = []
    position = 0
    opener: str | None = None
    count = 0
    seen: set[str] = set()
    for sentence in split_sentences(header):
        normalized = " ".join(sentence.text.split())
        printed: str | None = None
        declared: str | None = None
        if opens_proof(normalized):
            opener = declared = refuse_unnamed(normalized)
        elif MAY_OPEN_PROOF.match(normalized):
            printed = declared = refuse_unnamed(normalized)  # a definition with its body
        if declared is not None:  # the name must be new, so its print can only show this one
            pieces.append(header[position : sentence.start])
            pieces.append(f"Fail Check {declared}.\n")
            position = sentence.start
        elif normalized in PROOF_ENDS:
            if opener is None:
                raise HeaderRefused(f"header: {normalized!r} ends a proof that nothing opened")
            printed, opener = opener, None
        if printed is not None:
            _refuse_repeated(printed, seen)
            count += 1
            kind = "Defined" if normalized == "Defined." else "Header"
            pieces.append(header[position : sentence.end])
            pieces.append(
                "\nSet Printing All.\nSet Printing Depth 1000000000.\n"
                "Unset Printing Allow Match Default Clause.\n"
                f'Redirect "ProverCheck{kind}{count}" Print Term {printed}.\n'
                "Set Printing Allow Match Default Clause.\n"
                "Unset Printing All.\nUnset Printing Depth."
            )
            position = sentence.end
    if opener is not None:
        raise HeaderRefused(f"header: the proof of {opener!r} does not end")
    pieces.append(header[position:])
    pieces.append(inductives_print())
    return "".join(pieces)


def _refuse_repeated(name: str, seen: set[str]) -> None:
    """``HeaderRefused`` when the header already printed a declaration of ``name``.

    Coq refuses a second declaration of one name, so two declarations read as one name
    mean that the checks and Coq read a name differently (a red-team probe hid a lemma
    ``bad`` + U+1DC0 behind ``Definition bad``; :mod:`prover.backends.coq.characters`):
    fail closed, since the print of that name would show only one of them.
    """
    if name in seen:
        raise HeaderRefused(
            f"header: the name {name!r} is declared twice; verification prints each "
            "declaration by name, so it must name exactly one"
        )
    seen.add(name)


def without_inspection(source: str, *, inspected: str, header: str) -> str:
    """The verified file ``source`` as a user would paste it: its opening ``inspected``
    header (:func:`inspected_coq_header` of ``header``) replaced by ``header`` itself.

    The prints and ``Fail Check`` sentences are verification's, not the user's; the rest of
    the file (statement, proof, closings) is shown as compiled. A file that does not open
    with the inspected header is returned unchanged: the compiled text is never wrong to show.
    """
    opening = inspected.rstrip().lstrip("\n")
    if not source.startswith(opening):
        return source
    return (header.rstrip() + source[len(opening) :]).lstrip("\n")
