"""How the Lean scans read source text: as Lean 4's lexer does wherever a difference could
hide code from them, and refused where they cannot be sure.

:func:`strip_comments_and_strings` blanks comments and string literals (the scans then read
only code), and :func:`scan_view` adds the word boundaries Lean's lexer sees and Python's
``\\w`` does not. Each rule below answers a red-team probe that hid a command, an axiom or
``sorry`` behind a difference: numerals glued to words (``2run_cmd``), the character
literal ``'\\"'``, guillemet names (``«/-»`` ... ``«-/»``) and a prime before a string
(``g'"'"``). Shared by the tactic scan (:mod:`prover.backends.lean.text`) and the request
header whitelist.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = [
    "IDENTIFIER_EDGE",
    "UnreadableText",
    "code_mask",
    "scan_view",
    "strip_comments_and_strings",
]

IDENTIFIER_EDGE = r"[\w.'!?\u2080-\u2089]"
"""A character that continues a name (or a qualified name's dot): a keyword next to one is
part of a longer name, not the keyword."""

_NOT_LEAN_NAME = re.compile(r"[^\x00-\x7f\W]")  # non-ASCII word characters
_NAME_RUN = re.compile(r"[\w'!?.]+")
# Lean's numeral literals (numberFnAux, decimalNumberFn): what a token starting with a digit
# takes before the next token starts, so `0b1axiom`, `1e5axiom`, `0.axiom` end before `axiom`.
_NUMERAL = re.compile(r"0[xX][0-9a-fA-F_]*|0[bB][01_]*|0[oO][0-7_]*|\d[\d_]*(?:\.\d*)?(?:[eE]\d+)?")
_COMMENT_NEIGHBOURS = frozenset(" \t\n\r()[]{}⟨⟩⦃⦄⟦⟧,;\"'»")


class UnreadableText(ValueError):
    """A comment or literal the scans cannot read as Lean does: unclosed, a raw string, an
    interpolation, an escaped character literal of another shape."""


_ESCAPED_NAME = re.compile(r"«[\w'!?. \u2080-\u2089]+»")
_RAW_STRING = re.compile(r"r#*\"")
_ESCAPED_CHARACTER = re.compile(r"'\\(?:[\\\"'nrt0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})'")


def strip_comments_and_strings(text: str) -> str:
    """Blank out ``--`` line comments, nested ``/- -/`` comments and string literals.

    Raises ``ValueError`` on an unterminated block comment or string literal.
    """
    replacement = {"comment": " ", "line comment": "", "character": "' '", "string": '""'}
    return "".join(
        text[start:end] if kind == "code" else replacement[kind]
        for kind, start, end in _pieces(text)
    )


def code_mask(text: str) -> str:
    """``text`` with its comments and string literals blanked character for character (line
    breaks kept), so a position in the mask is the same position in ``text``: what a scan
    for brackets and ``:=`` may read. Raises :class:`UnreadableText` as
    :func:`strip_comments_and_strings` does (the same reading)."""
    return "".join(
        text[start:end] if kind == "code" else re.sub(r"[^\n]", " ", text[start:end])
        for kind, start, end in _pieces(text)
    )


def _pieces(text: str) -> Iterator[tuple[str, int, int]]:
    """``text`` as consecutive ``(kind, start, end)`` pieces: ``code`` (escaped names
    ``«...»`` included), ``comment``, ``line comment``, ``character`` (an escaped character
    literal) or ``string``; raises :class:`UnreadableText` where the scans cannot read as
    Lean does."""
    index, length = 0, len(text)
    while index < length:
        if text.startswith(("--", "/-"), index):
            _check_comment_start(text, index)
        if text.startswith("--", index):
            end = text.find("\n", index)
            kind, end = "line comment", length if end == -1 else end
        elif text.startswith("/-", index):
            kind, end = "comment", _skip_block_comment(text, index)
        elif text.startswith("'\\", index) and _at_token_start(text, index):
            kind, end = "character", _skip_escaped_character(text, index)
        elif text[index] in "«»":
            kind, end = "code", _skip_escaped_name(text, index)
        elif _RAW_STRING.match(text, index):
            raise UnreadableText("raw string literals are not allowed: the scans cannot read")
        elif text[index] == '"' and not _is_char_literal(text, index):
            kind, end = "string", _skip_string(text, index)
            if "{" in text[index:end]:
                raise UnreadableText(
                    "a string literal with '{' is not allowed: interpolation runs the code in it"
                )
        else:
            kind, end = "code", index + 1
        yield kind, index, end
        index = end


def _skip_escaped_character(text: str, start: int) -> int:
    """The end of the escaped character literal at ``start`` (``'\\"'``, ``'\\n'`` ...).

    Fail closed: a round-five probe hid code behind ``'\\"'``, which a string scan read as
    the start of a string; any other shape after ``'\\`` is refused.
    """
    match = _ESCAPED_CHARACTER.match(text, start)
    if match is None:
        raise UnreadableText("an escaped character literal the scans cannot read")
    return match.end()


def _check_comment_start(text: str, index: int) -> None:
    """Refuse a comment opener glued to a symbol: Lean sees a comment only between tokens,
    and its longest-match tokens take such a ``-`` or ``/`` (``<--`` is ``<-`` then ``-``,
    ``//-x`` is ``//`` then ``-x``; round eight hid commands there)."""
    if index == 0:
        return
    before = text[index - 1]
    if before in _COMMENT_NEIGHBOURS or before.isspace() or _name_character(before):
        return
    raise UnreadableText(
        f"a comment opener {text[index : index + 2]!r} right after {before!r}: Lean may read "
        "it as part of a token; put a space before it"
    )


def _name_character(character: str) -> bool:
    """Lean's ``isIdRest``: ASCII letters and digits, ``_'!?``, its non-ASCII name letters."""
    if character.isascii():
        return character.isalnum() or character in "_'!?"
    return _in_lean_names(ord(character))


def _name_start(character: str) -> bool:
    """Lean's ``isIdFirst``: ASCII letters, ``_`` and its letterlike characters."""
    if character.isascii():
        return character.isalpha() or character == "_"
    return _in_lean_names(ord(character)) and not _subscript(ord(character))


def _at_token_start(text: str, index: int) -> bool:
    """Whether a token can start at ``index``: a ``'`` continues a name (its prime) only when
    the characters before it are a name, one that starts with a letter (``g'"x"`` is ``g'``
    then a string, round seven; ``2'"'`` and ``!'"'`` are a numeral or ``!`` then a character
    literal, round eight)."""
    start = index
    while start > 0 and (_name_character(text[start - 1]) or text[start - 1] == "."):
        start -= 1
    return start == index or not _name_start(text[start])


def _is_char_literal(text: str, index: int) -> bool:
    return (
        index > 0
        and text[index - 1] == "'"
        and text[index + 1 : index + 2] == "'"
        and _at_token_start(text, index - 1)
    )


def _skip_escaped_name(text: str, start: int) -> int:
    """The end of the ``«name»`` at ``start`` (kept as code by the scans).

    Fail closed: Lean reads everything up to ``»`` as one name, with no comment or string in
    it, so ``«/-»`` ... ``«-/»`` once hid commands from a scan that took ``/-`` for a
    comment (round seven). Only names of plain name characters and spaces are read; any
    other ``«...»``, and a ``»`` without its ``«``, is refused.
    """
    match = _ESCAPED_NAME.match(text, start)
    if match is None:
        raise UnreadableText(
            "a '«...»' name the scans cannot read (only letters, digits, _'!?. and spaces)"
        )
    return match.end()


def _skip_block_comment(text: str, start: int) -> int:
    """The end of the ``/- -/`` comment at ``start``, nested ones included. As Lean's
    ``whitespace`` and ``finishCommentBlock`` do, the body is read from the third character:
    ``/-/- -/`` is one whole comment, not two openers (round eight)."""
    depth, index = 1, start + 3
    while index < len(text):
        if text.startswith("/-", index):
            depth, index = depth + 1, index + 2
        elif text.startswith("-/", index):
            depth, index = depth - 1, index + 2
            if depth == 0:
                return index
        else:
            index += 1
    raise UnreadableText("unbalanced '/-' comment opener")


def _skip_string(text: str, start: int) -> int:
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
        elif text[index] == '"':
            return index + 1
        else:
            index += 1
    raise UnreadableText("unterminated string literal")


def scan_view(code: str) -> str:
    """The view of comment- and string-free ``code`` that the word scans read.

    Python's ``\\w`` joins characters that Lean's lexer keeps apart, and a red-team probe
    (2026-12-04) hid ``run_cmd`` and ``#eval`` that way: Lean ends a numeral at the first
    letter (``2run_cmd`` is ``2`` then ``run_cmd``, leanprover/lean4#1218), and takes only
    ASCII letters, most Greek, letterlike and mathematical alphanumeric letters and
    subscripts into names, so ``é``, ``λ`` or ``²`` end a name where ``\\w`` goes on. This
    view puts a space after a numeral that starts a token and replaces every word
    character Lean does not take into names by a space: it only adds word boundaries,
    so the scans refuse at least what Lean would read. The text sent to Lean is unchanged.
    """
    code = _ESCAPED_NAME.sub(_unescaped, code)
    return _NAME_RUN.sub(_tokens_of_run, _NOT_LEAN_NAME.sub(_blank_outside_names, code))


def _unescaped(match: re.Match[str]) -> str:
    """``«native»`` as the scans read it: the plain word ``native`` (round nine set
    ``decide +«native»`` past a scan for ``native``)."""
    return f" {match.group()[1:-1]} "


def _tokens_of_run(match: re.Match[str]) -> str:
    """A run of name, digit and ``'!?.`` characters, with a space between the tokens Lean
    reads in it: a name (dotted parts included), a numeral, a character literal ``'a'``, or
    one other character. ``0b1axiom``, ``'a'axiom``, ``?axiom``, ``!run_cmd`` and
    ``sorry.1`` thus show their keyword to the word scans (round eight)."""
    run, index, pieces = match.group(), 0, []
    while index < len(run):
        end = _token_end(run, index)
        pieces.append(run[index:end])
        index = end
    return " ".join(pieces)


def _token_end(run: str, index: int) -> int:
    character = run[index]
    if _name_start(character):
        end = index + 1
        while end < len(run) and (
            _name_character(run[end])
            or (run[end] == "." and end + 1 < len(run) and _name_start(run[end + 1]))
        ):
            end += 1
        return end
    if character.isascii() and character.isdigit():
        numeral = _NUMERAL.match(run, index)
        return numeral.end() if numeral else index + 1
    if character == "'" and run[index + 2 : index + 3] == "'":
        return index + 3
    return index + 1


def _blank_outside_names(match: re.Match[str]) -> str:
    character = match.group()
    return character if _in_lean_names(ord(character)) else " "


def _subscript(code_point: int) -> bool:
    """Lean's ``isSubScriptAlnum``: name characters that may not start a name."""
    return (
        0x2080 <= code_point <= 0x2089
        or 0x2090 <= code_point <= 0x209C
        or 0x1D62 <= code_point <= 0x1D6A
        or code_point == 0x2C7C
    )


def _in_lean_names(code_point: int) -> bool:
    """Lean 4's ``isLetterLike`` and ``isSubScriptAlnum`` (its non-ASCII name characters)."""
    return (
        (0x3B1 <= code_point <= 0x3C9 and code_point != 0x3BB)  # Greek lower, not λ
        or (0x391 <= code_point <= 0x3A9 and code_point not in (0x3A0, 0x3A3))  # not Π, Σ
        or 0x3CA <= code_point <= 0x3FB  # Coptic
        or 0x1F00 <= code_point <= 0x1FFE  # Greek Extended
        or 0x2100 <= code_point <= 0x214F  # Letterlike Symbols
        or 0x1D49C <= code_point <= 0x1D59F  # script, double-struck, fraktur
        or _subscript(code_point)
    )
