"""Text that Coq may read, or run, otherwise than the prover's reading of it shows.

The verifier reads a header in Python (its sentences, blocks and names) and has Coq confirm
the sentence split (:mod:`prover.backends.coq.split_check`). Both rest on premises that some
text breaks; such text is refused, in the backend (a search never starts on it) and in
verification (it is never counted):

* **Sentences Coq runs without reporting them, or from elsewhere.** ``Load`` runs another
  file's sentences. ``Reset``, ``Back``, ``BackTo``, ``Undo``, ``Restart`` and ``Abort All``
  navigate: coqc prints no ``-time`` line for them, and ``Reset`` can re-enter a block the
  file had closed (red-team round fifteen ended inside a ``Module Type`` that the in-order
  reading had seen closed).
* **Commands acting on the files and programs around Coq** (``Cd``, an option set to a
  string a plugin may run as a program): :mod:`prover.backends.coq.header_commands`.
* **A line separator** other than newline, carriage return and form feed (U+000B,
  U+001C-U+001E, U+0085, U+2028, U+2029): readers that split lines there (Python's
  ``str.splitlines``) lose text (round fourteen hid coqc's own lines that way).
* **A comment or a string Coq may not see.** Coq opens a comment at ``(*`` only where a
  token starts: after a symbol that a declared token continues (``+(*`` for a token ``+(*``
  or ``+(``, ``]_(*`` for mathcomp's ``]_(``) or after a non-ASCII character, it reads on,
  while the prover opens a comment (round fourteen hid a ``Module Type`` behind ``+(*``).
  So every comment must open at the start of the text or after an ASCII blank (26,082 of
  the 26,096 comments of the ten installed libraries do; the other 14, after ``(`` or
  ``)``, are in 3 CoRN files, ``nsatz/NsatzTactic.v`` and ``Program/Equality.v``). Likewise
  a string: a notation (or a ``where`` clause) may not declare a token holding a quote
  (``""``), nor one with a ``'`` right after a symbol (``-->'``: Coq reads a keyword after
  it where the prover reads a primed name).
* **A character the prover's checks read otherwise than Coq's lexer**, in code (comments
  aside): :func:`~prover.backends.coq.characters.character_problem`, as for requests and
  tactics, and a superscript digit next to a word character (a symbol for Coq, a letter
  for Python: ``n ²with`` hid a ``with``; a request is spaced, a file cannot be). Round
  twenty-one named a theorem ``t`` followed by U+1DC0: Coq declared ``t᷀``, the prover read
  ``t`` and inspected a decoy ``Definition t``.
* **Text whose reading depends on the speed, installation or folder of Coq**: time limits,
  native compilation, external solvers (:mod:`prover.backends.coq.environment_readings`).
"""

from __future__ import annotations

import re

from prover.backends.coq.characters import SUPERSCRIPT_BESIDE_WORD, character_problem
from prover.backends.coq.environment_readings import environment_refusal
from prover.backends.coq.goals import one_line
from prover.backends.coq.header_commands import outside_effect_refusal
from prover.backends.coq.text import (
    STRING_LITERAL,
    CoqTextError,
    Sentence,
    blank_comments,
    code_without_strings,
    comment_openings,
    split_sentences,
    strip_comments,
)

__all__ = ["polymorphism_refusal", "reading_refusal", "sentences_refusal"]

_UNREPORTED = re.compile(
    r"(?<![\w'])(?:Load|Reset|Back|BackTo|Undo|Restart)(?![\w'])|(?<![\w'])Abort\s+All(?![\w'])"
)
_SEPARATORS = frozenset("\v\x1c\x1d\x1e\x85\u2028\u2029")
_BEFORE_COMMENT = frozenset(" \t\n\r\f")
#: Sentences that can declare lexer tokens (``Notation``, ``Infix``, ``Reserved Notation``,
#: ``Tactic Notation``, ``Ltac2 Notation``, with any prefix).
_DECLARES_TOKENS = re.compile(r"(?<![\w'])(?:Notation|Infix|where)(?![\w'])")
#: A quote right after a symbol character inside a token (``-->'``): Coq then reads the
#: next word as a keyword where the prover's word reading sees a primed name (round
#: twenty-three: ``nat -->'let n := 0 in I`` hid a let-in from the inductive-type check).
_QUOTE_AFTER_SYMBOL = re.compile(r"[^\w'\s]'")


def reading_refusal(text: str, what: str) -> str | None:
    """Why Coq may read or run ``text`` (``what``: "the header", "the statement")
    otherwise than the prover's reading of it shows, or None."""
    try:
        return sentences_refusal(text, split_sentences(text), what)
    except CoqTextError as exc:
        return f"{what} cannot be split: {exc}"


def sentences_refusal(
    text: str, sentences: list[Sentence], what: str, *, read_before_proof: bool = True
) -> str | None:
    """:func:`reading_refusal` for ``text`` already split into ``sentences``.

    ``read_before_proof``: ``text`` is read before a proof (a header, a statement, a user's
    file), so what it means must not depend on the run
    (:func:`~prover.backends.coq.environment_readings.environment_refusal`). The verifier's
    whole checked file passes False: its header and statement were read so already, and its
    proof's tactics may use time limits and external solvers, which decide whether a proof
    is found, not what it proves.

    Raises :class:`~prover.backends.coq.text.CoqTextError` for unterminated comments or
    strings."""
    code = code_without_strings(text)
    command = _UNREPORTED.search(code)
    if command is not None:
        return f"{what} uses {command.group()} (Coq runs other sentences than the file shows)"
    outside = outside_effect_refusal(sentences, what)
    if outside is not None:
        return f"{outside[0]} (line {_line(text, outside[1])})"
    separator = next((character for character in text if character in _SEPARATORS), None)
    if separator is not None:
        return f"{what} holds the line separator U+{ord(separator):04X}"
    characters = _character_refusal(text, what)
    if characters is not None:
        return characters
    return (
        comment_position_refusal(text, what)
        or _token_refusal(text, sentences, what)
        or (environment_refusal(code, what) if read_before_proof else None)
    )


#: Universe polymorphism, in any spelling: ``Polymorphic``, ``#[universes(polymorphic)]``,
#: ``Set Universe Polymorphism``, ``Cumulative``, ``#[universes(cumulative)]``.
_POLYMORPHISM = re.compile(r"polymorphi|cumulativ", re.IGNORECASE)


def polymorphism_refusal(file_text: str) -> str | None:
    """Why a user's file is not one the whole-file checks can judge: it may declare
    universe-polymorphic objects (any word of universe polymorphism or cumulativity in its
    code). Such an object keeps its universe constraints to itself, even those that relate
    the theorem's levels, and Coq checks them only where it is used: red-team round
    sixty-nine refuted the theorem in a ``Polymorphic Definition`` after it, and the copy
    at the file's end, whose proof needs the opposite constraint, was accepted. None if
    the code has no such word."""
    try:
        code = code_without_strings(file_text)
    except CoqTextError as exc:
        return f"the file cannot be read: {exc}"
    found = _POLYMORPHISM.search(code)
    if found is None:
        return None
    line = code[: found.start()].count("\n") + 1
    return (
        f"the file may declare universe-polymorphic objects ({found.group()!r}, line {line} "
        "of its code): their universe constraints stay local, so what they say about the "
        "theorem's universes is not checked against the proof; not checked"
    )


def comment_position_refusal(text: str, what: str) -> str | None:
    """Why a ``(*`` of ``text`` that the prover reads as a comment may be code to Coq, or
    None: Coq opens a comment only where a token may start, so right after a character a
    token continues (`` `( `` is Coq's own token; a notation's ``*`` ...) it may read ``(*``
    as code (red-team round forty: `` `(* not *) True`` is ``~ True`` to Coq). Only a comment
    at the start or after a blank is read alike. Raises
    :class:`~prover.backends.coq.text.CoqTextError` for unterminated comments or strings."""
    for opening in comment_openings(text):
        if opening > 0 and text[opening - 1] not in _BEFORE_COMMENT:
            return (
                f"{what} opens a comment right after {text[opening - 1]!r} (line "
                f"{_line(text, opening)}): Coq may read a token there, not a comment"
            )
    return None


def _character_refusal(text: str, what: str) -> str | None:
    """Why the code of ``text`` (comments aside) holds a character the checks may read
    otherwise than Coq, or None."""
    code = blank_comments(text)  # line numbers stay the file's
    problem = character_problem(code)
    if problem is not None:
        return f"{what} holds {problem}"
    beside = SUPERSCRIPT_BESIDE_WORD.search(code_without_strings(code))
    if beside is not None:
        return (
            f"{what} writes {beside.group()!r} (line {_line(code, beside.start())}): a "
            "superscript digit next to a word character, which Coq reads as two tokens"
        )
    return None


def _token_refusal(text: str, sentences: list[Sentence], what: str) -> str | None:
    """Why a notation of ``text`` declares a token holding a quote, which Coq lexes as part
    of the token where the prover opens a string, or None."""
    for sentence in sentences:
        if _DECLARES_TOKENS.search(code_without_strings(sentence.text)) is None:
            continue
        for literal in STRING_LITERAL.finditer(strip_comments(sentence.text)):
            if any(_unsafe_token(token) for token in literal.group()[1:-1].split()):
                return (
                    f"{what} declares the notation token string {one_line(literal.group(), 60)},"
                    " which Coq may lex otherwise than the prover reads it (line "
                    f"{_line(text, sentence.start)})"
                )
    return None


def _unsafe_token(written: str) -> bool:
    """A token (as written, ``'{'`` quoted) holding a double quote, a superscript digit
    next to a word character (which the spacing of
    :func:`~prover.backends.coq.characters.spaced_theorem` would split) or a single quote
    right after a symbol character."""
    quoted = len(written) > 1 and written.startswith("'") and written.endswith("'")
    token = written[1:-1] if quoted else written
    return (
        '"' in token
        or SUPERSCRIPT_BESIDE_WORD.search(token) is not None
        or _QUOTE_AFTER_SYMBOL.search(token) is not None
    )


def _line(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1
