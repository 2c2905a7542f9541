"""The characters untrusted Coq text may hold, so that the checks read it as Coq's lexer does.

Every lexical check on a request or a generated tactic (forbidden words, declared names,
the kernel-bug keywords ``fix``/``with``/``let``) reads words with Python's ``re``, where
``\\w`` is Unicode's letters and numbers. Coq 8.16's lexer has its own table, and the two
disagree on a few hundred characters. A red-team probe (2026-12-04) used one of them: Coq
reads ``bad`` followed by U+1DC0 (a combining mark) as one identifier, Python as ``bad``
and a non-word character, so a header lemma ``bad᷀ : 1 = 2``, proved by the rebuilt-fixpoint
tactics, had the harmless ``Definition bad`` printed in its place, and ``/search`` verified
``1 = 2`` by ``exact bad᷀``. The other way round, Python reads ``²`` as a letter and Coq as
a symbol, so ``n ²with`` hid a mutual ``with`` from the lexical recursion check.

So beyond ASCII only characters on which the two agree pass (:func:`character_problem`,
fail closed; measured against coqtop 8.16.1 over every character of the Basic Multilingual
Plane, and re-measured by ``tests/prover/backends/coq/test_characters.py``):

- letters and digits of the Latin, IPA, Greek, Cyrillic, sub/superscript and letterlike
  blocks (``σ``, ``é``, ``h₀``, ``ℝ``): identifier characters for both; a digit-like one
  (``₀``) only inside a word, since Coq never starts an identifier with it;
- symbols and punctuation (``≤``, ``∀``, ``→``, ``∑``): word boundaries for both;
- the superscript digits ``¹²³⁰⁴⁵⁶⁷⁸⁹`` (``x²`` is ``Rsqr x``): a symbol for Coq, a letter for
  Python, so :func:`spaced_superscripts` puts a space between one and an adjacent word
  character, outside strings; the text Coq receives is the spaced text that was checked.

Everything else (combining marks, other scripts, control, format and space characters
beyond ASCII's, anything outside the Basic Multilingual Plane) is refused, naming it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from search.states import Theorem

__all__ = [
    "SUPERSCRIPT_BESIDE_WORD",
    "SUPERSCRIPT_DIGITS",
    "character_problem",
    "spaced_superscripts",
    "spaced_theorem",
]

SUPERSCRIPT_DIGITS = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"
"""Superscript digits: a symbol for Coq's lexer (``x²``), a word character for Python."""

_IDENTIFIER_BLOCKS = (
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x024F),  # Latin Extended-A and -B
    (0x0250, 0x02AF),  # IPA Extensions
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x04FF),  # Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x1F00, 0x1FFB),  # Greek Extended (U+1FFC, a titlecase letter, is not Coq's)
    (0x2070, 0x209F),  # Superscripts and Subscripts
    (0x2100, 0x214F),  # Letterlike Symbols
)
_NOT_ALLOWED_ASCII = re.compile(r"[^\t\n\r\x20-\x7e]")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_BEFORE_SUPERSCRIPT = re.compile(rf"(?<=[\w'])(?=[{SUPERSCRIPT_DIGITS}])")
_AFTER_SUPERSCRIPT = re.compile(rf"(?<=[{SUPERSCRIPT_DIGITS}])(?=[\w'])")
SUPERSCRIPT_BESIDE_WORD = re.compile(rf"[\w'][{SUPERSCRIPT_DIGITS}]|[{SUPERSCRIPT_DIGITS}][\w']")
"""A superscript digit next to a word character: where :func:`spaced_superscripts` puts a
space (text that must be read as written, not spaced, refuses it)."""
_ALLOWED_SUMMARY = (
    "beyond ASCII, Coq text may hold Latin, Greek and Cyrillic letters, letterlike symbols "
    "(ℝ), sub- and superscript digits and symbols, the characters on which the checks and "
    "Coq's lexer agree"
)


def character_problem(text: str) -> str | None:
    """Why ``text`` holds a character the checks could read differently from Coq, or None."""
    for found in _NOT_ALLOWED_ASCII.finditer(text):  # the plain ASCII runs are skipped whole
        index, character = found.start(), found.group()
        if character.isascii():
            reason: str | None = "control characters are not allowed"
        else:
            reason = _non_ascii_problem(character, text[index - 1] if index else " ")
        if reason is not None:
            line = text.count("\n", 0, index) + 1
            return f"{_described(character)} on line {line}: {reason}"
    return None


def spaced_superscripts(code: str) -> str:
    """``code`` with a space between each superscript digit and an adjacent word character.

    Outside string literals only (``code`` has no comments: a string is ``"..."`` with
    ``""`` inside). Idempotent, so checked text can be checked again.
    """
    pieces: list[str] = []
    position = 0
    for string in _STRING.finditer(code):
        pieces.append(_spaced(code[position : string.start()]))
        pieces.append(string.group())
        position = string.end()
    pieces.append(_spaced(code[position:]))
    return "".join(pieces)


def spaced_theorem(theorem: Theorem) -> Theorem:
    """``theorem`` with :func:`spaced_superscripts` applied to its header and statement, as
    the backend opens it and verification checks it (``a²`` in a miniF2F statement): Coq
    reads the same tokens (a superscript digit is a symbol to it, and no notation token
    may hold one next to a word character:
    :mod:`~prover.backends.coq.reading_refusals`), and Python's checks then see the word
    boundaries Coq sees. Comments are spaced too, which Coq ignores; strings are not."""
    return replace(
        theorem,
        header=spaced_superscripts(theorem.header),
        statement=spaced_superscripts(theorem.statement),
    )


def _spaced(code: str) -> str:
    return _AFTER_SUPERSCRIPT.sub(" ", _BEFORE_SUPERSCRIPT.sub(" ", code))


def _non_ascii_problem(character: str, previous: str) -> str | None:
    if character in SUPERSCRIPT_DIGITS:
        return None
    category = unicodedata.category(character)
    if category[0] in "SP" and ord(character) <= 0xFFFF:
        return None
    if category[0] in "LN" and _in_identifier_block(ord(character)):
        if category[0] == "N" and not (previous.isalnum() or previous in "_'"):
            return "a digit-like character may only continue a name (h₀), not start a word"
        return None
    return _ALLOWED_SUMMARY


def _in_identifier_block(code_point: int) -> bool:
    return any(low <= code_point <= high for low, high in _IDENTIFIER_BLOCKS)


def _described(character: str) -> str:
    name = unicodedata.name(character, "unnamed")
    return f"U+{ord(character):04X} ({name})"
