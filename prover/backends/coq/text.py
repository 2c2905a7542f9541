"""Coq source text: a sentence splitter that follows Coq 8.16's lexer, and comment stripping.

:func:`split_sentences` cuts Coq source into the sentences Coq itself
would execute, with their character offsets. It follows ``clexer.ml``:

* comments ``(* ... *)`` nest, and a ``"`` inside a comment opens a string that must
  close before the comment does; string literals escape ``"`` by doubling it;
* a ``.`` (or ``...``) ends a sentence when followed by whitespace, the end of the
  text, or a comment opening ``(*`` (Coq rejects ``.(*`` as a syntax error; treating
  it as an end is what makes ``idtac.(**)Reset t.`` two sentences, not one);
* qualified names (``Nat.add``), decimals (``1.5``), ``..`` (recursive notations) and
  projections ``x.(f)`` do not end a sentence;
* at the start of a sentence, a bullet (a run of one of ``-``, ``+``, ``*``) and a
  brace ``{`` or ``}`` (also after a goal selector, ``2: {``) are sentences of their
  own, without a ``.``.

Where this splitter and Coq can disagree it mostly finds *more* boundaries than Coq
(unusual Unicode blanks after a ``.``; ``2 *. 3.`` with a user notation ``*.``), the safe
side for admission. Not always: with a user notation token ending in ``.`` (``x +.``),
Coq ends a sentence inside ``0 +.. End B.``, which this splitter reads as one (red-team
round eleven). Admission refuses ``..`` in tactics, the block reading refuses a block
word after a ``..`` (:mod:`prover.backends.coq.blocks`), and the verifier has Coq check
where the theorem landed. On the standard library it reproduces the sentence spans
``coqc -time`` prints (tests/prover/backends/coq/test_text.py).

:func:`strip_comments`, :func:`code_without_strings` and :func:`normalize_sentence` read
code the same way. Tactic admission, built on them, is :mod:`prover.backends.coq.admission`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "GOAL_SELECTOR",
    "QUALIFIED_NAME",
    "STRING_LITERAL",
    "CoqTextError",
    "Sentence",
    "SentenceKind",
    "blank_comments",
    "code_without_strings",
    "comment_openings",
    "normalize_sentence",
    "split_sentences",
    "strip_comments",
]

_RANGE = r"\d+(?:\s*-\s*\d+)?"
GOAL_SELECTOR = rf"(?:all|par|!|{_RANGE}(?:\s*,\s*{_RANGE})*|\[\s*[A-Za-z_][\w']*\s*\])"
"""A goal selector (``2``, ``1-3, 5``, ``all``, ``[x]`` ...), as a regular expression."""
_SELECTOR_BRACE = re.compile(rf"{GOAL_SELECTOR}\s*:\s*\{{")
# The scanners below jump from one character that matters to the next instead of stepping
# through every character: a 1.1 MB library header (Flocq's Pff.v) is read several times
# per verification.
_COMMENT_OR_STRING = re.compile(r'\(\*|"')
_COMMENT_EDGE_OR_STRING = re.compile(r'\(\*|\*\)|"')
_STRING_OR_DOT = re.compile(r'[".]')
_BULLET_CHARACTERS = "-+*"
# A qualified name such as ``Z.le_elim`` or ``Nat.order``: Coq's lexer reads it as one
# identifier, never as a command keyword, so a sentence starting with one is a tactic
# (an Ltac call), whatever the case of its first letter.
QUALIFIED_NAME = re.compile(r"[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)+(?![\w'])")


STRING_LITERAL = re.compile(r'"(?:[^"]|"")*"')
"""A string literal (``""`` escapes a quote), matched in code whose comments are removed."""


class CoqTextError(Exception):
    """Coq text cannot be split: an unterminated comment or string literal.

    Internal to the Coq backend; callers translate it into a rejection or a
    :class:`~search.errors.StatementError`.
    """


class SentenceKind(enum.Enum):
    """What a sentence looks like, syntactically.

    ``COMMAND`` is a sentence starting with an uppercase letter or an attribute
    (``#[``): a vernacular command (``Proof.``, ``Qed.``, ``Lemma ...``); in proof
    mode a user tactic with an uppercase name also lands here. ``TACTIC`` is every
    other sentence ended by a ``.``; ``BULLET`` and ``BRACE`` need no ``.``.
    """

    TACTIC = "tactic"
    BULLET = "bullet"
    BRACE = "brace"
    COMMAND = "command"


@dataclass(frozen=True, kw_only=True)
class Sentence:
    """One sentence of Coq source.

    ``text`` is ``source[start:end]``: from the first character of code (leading
    whitespace and comments excluded) to just after the ``.`` (comments inside are
    kept). ``terminated`` is false only for a trailing fragment with no ``.``;
    bullets and braces are complete sentences and count as terminated.
    """

    text: str
    start: int
    end: int
    terminated: bool
    kind: SentenceKind


def _skip_string(text: str, index: int) -> int:
    """Return the index just after the string literal whose opening quote is at ``index``."""
    position = index + 1
    while True:
        position = text.find('"', position)
        if position < 0:
            raise CoqTextError("unterminated string literal")
        if not text.startswith('"', position + 1):
            return position + 1
        position += 2


def _skip_comment(text: str, index: int) -> int:
    """Return the index just after the (nested) comment opening at ``index``."""
    depth = 0
    position = index
    while (found := _COMMENT_EDGE_OR_STRING.search(text, position)) is not None:
        edge = found.group()
        if edge == '"':
            position = _skip_string(text, found.start())
            continue
        position = found.end()
        depth += 1 if edge == "(*" else -1
        if depth == 0:
            return position
    raise CoqTextError("unterminated comment")


def _replace_comments(text: str, *, keep_length: bool) -> str:
    """``text`` with each comment replaced by spaces (with ``keep_length``, one per character
    but its line breaks, which stay, so offsets and line numbers are kept; else one space);
    strings are kept verbatim."""
    pieces: list[str] = []
    position = 0
    while (found := _COMMENT_OR_STRING.search(text, position)) is not None:
        start = found.start()
        pieces.append(text[position:start])
        if found.group() == '"':
            position = _skip_string(text, start)
            pieces.append(text[start:position])
        else:
            position = _skip_comment(text, start)
            pieces.append(re.sub(r"[^\n]", " ", text[start:position]) if keep_length else " ")
    pieces.append(text[position:])
    return "".join(pieces)


def _ends_here(code: str, position: int) -> bool:
    """Whether a ``.`` token ending just before ``position`` ends the sentence.

    ``code`` has its comments blanked, so a comment right after the dot reads as
    whitespace, as required.
    """
    return position >= len(code) or code[position].isspace()


def _sentence_end(code: str, start: int) -> tuple[int, bool]:
    """End of the sentence starting at ``start``; whether a ``.`` (not the end of text) ended it."""
    position = start
    while (found := _STRING_OR_DOT.search(code, position)) is not None:
        position = found.start()
        if found.group() == '"':
            position = _skip_string(code, position)
            continue
        run_end = position
        while run_end < len(code) and code[run_end] == ".":
            run_end += 1
        # ".." is the recursive-notation token; "." and "..." end a sentence.
        if run_end - position != 2 and _ends_here(code, run_end):
            return run_end, True
        position = run_end
    return len(code), False


def _marker_end(code: str, start: int) -> tuple[int, SentenceKind] | None:
    """End and kind of a bullet or brace sentence starting at ``start``, if there is one."""
    character = code[start]
    if character in _BULLET_CHARACTERS:
        end = start
        while end < len(code) and code[end] == character:
            end += 1
        return end, SentenceKind.BULLET
    if character in "{}":
        return start + 1, SentenceKind.BRACE
    match = _SELECTOR_BRACE.match(code, start)
    if match is not None:
        return match.end(), SentenceKind.BRACE
    return None


def _kind_of(code: str, start: int) -> SentenceKind:
    character = code[start]
    if code.startswith("#[", start):
        return SentenceKind.COMMAND
    if "A" <= character <= "Z" and QUALIFIED_NAME.match(code, start) is None:
        return SentenceKind.COMMAND
    return SentenceKind.TACTIC


def split_sentences(text: str) -> list[Sentence]:
    """Split Coq source into sentences; a trailing fragment without ``.`` is kept.

    Comment-only stretches produce no sentence. Raises :class:`CoqTextError` on an
    unterminated comment or string literal.
    """
    code = blank_comments(text)
    sentences: list[Sentence] = []
    position = 0
    while True:
        while position < len(code) and code[position].isspace():
            position += 1
        if position >= len(code):
            return sentences
        marker = _marker_end(code, position)
        if marker is not None:
            end, kind = marker
            terminated = True
        else:
            end, terminated = _sentence_end(code, position)
            kind = _kind_of(code, position)
        sentences.append(
            Sentence(
                text=text[position:end], start=position, end=end, terminated=terminated, kind=kind
            )
        )
        position = end


def comment_openings(text: str) -> list[int]:
    """Where the outermost comments of ``text`` open (the index of their ``(*``), read as
    :func:`split_sentences` reads them; raises :class:`CoqTextError` as it does."""
    openings: list[int] = []
    position = 0
    while (found := _COMMENT_OR_STRING.search(text, position)) is not None:
        if found.group() == '"':
            position = _skip_string(text, found.start())
        else:
            openings.append(found.start())
            position = _skip_comment(text, found.start())
    return openings


def blank_comments(text: str) -> str:
    """``text`` with every comment character but its line breaks replaced by a space (same
    offsets, same line numbers); strings are kept verbatim."""
    return _replace_comments(text, keep_length=True)


def strip_comments(text: str) -> str:
    """Replace every comment by one space; strings are kept verbatim."""
    return _replace_comments(text, keep_length=False)


def code_without_strings(text: str) -> str:
    """The text with comments removed and string literals replaced by ``""``."""
    code = strip_comments(text)
    pieces: list[str] = []
    position = 0
    while (quote := code.find('"', position)) >= 0:
        pieces.append(code[position:quote])
        pieces.append('""')
        position = _skip_string(code, quote)
    pieces.append(code[position:])
    return "".join(pieces)


def normalize_sentence(text: str) -> str:
    """One sentence as a single line: comments removed, whitespace runs collapsed to one space
    outside strings, no space before the final ``.``.

    Raises :class:`CoqTextError` on an unterminated comment or string literal.
    """
    code = strip_comments(text)
    pieces: list[str] = []
    position = 0
    while position < len(code):
        if code[position] == '"':
            end = _skip_string(code, position)
            pieces.append(code[position:end])
            position = end
        elif code[position].isspace():
            while position < len(code) and code[position].isspace():
                position += 1
            pieces.append(" ")
        else:
            pieces.append(code[position])
            position += 1
    normalized = "".join(pieces).strip()
    if normalized.endswith(" ."):
        normalized = normalized[:-2] + "."
    return normalized
