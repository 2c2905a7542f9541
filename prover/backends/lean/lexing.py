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

__all__ = ["IDENTIFIER_EDGE", "UnreadableText", "scan_view", "strip_comments_and_strings"]

IDENTIFIER_EDGE = r"[\w.'!?\u2080-\u2089]"
"""A character that continues a name (or a qualified name's dot): a keyword next to one is
part of a longer name, not the keyword."""

# A digit run that starts a token, glued to a word: Lean reads `2run_cmd` as `2` and
# `run_cmd` (leanprover/lean4#1218), Python's `\w` as one word.
_NUMERAL_PREFIX = re.compile(r"(?<![\w'!?.\u2080-\u2089])(\d+)(?=[A-Za-z_])")
_NOT_LEAN_NAME = re.compile(r"[^\x00-\x7f\W]")  # non-ASCII word characters


class UnreadableText(ValueError):
    """A comment or literal the scans cannot read as Lean does: unclosed, a raw string, an
    interpolation, an escaped character literal of another shape."""


_IDENTIFIER_CHARACTER = re.compile(IDENTIFIER_EDGE)
_ESCAPED_NAME = re.compile(r"«[\w'!?. \u2080-\u2089]+»")
_RAW_STRING = re.compile(r"(?<![\w'!?.])r#*\"")
_ESCAPED_CHARACTER = re.compile(r"'\\(?:[\\\"'nrt0]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4})'")


def strip_comments_and_strings(text: str) -> str:
    """Blank out ``--`` line comments, nested ``/- -/`` comments and string literals.

    Raises ``ValueError`` on an unterminated block comment or string literal.
    """
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        if text.startswith("--", index):
            end = text.find("\n", index)
            index = length if end == -1 else end
        elif text.startswith("/-", index):
            index = _skip_block_comment(text, index)
            out.append(" ")
        elif text.startswith("'\\", index) and _at_token_start(text, index):
            index = _skip_escaped_character(text, index)
            out.append("' '")
        elif text[index] in "«»":
            index = _skip_escaped_name(text, index, out)
        elif _RAW_STRING.match(text, index):
            raise UnreadableText("raw string literals are not allowed: the scans cannot read")
        elif text[index] == '"' and not _is_char_literal(text, index):
            end = _skip_string(text, index)
            if "{" in text[index:end]:
                raise UnreadableText(
                    "a string literal with '{' is not allowed: interpolation runs the code in it"
                )
            index = end
            out.append('""')
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _skip_escaped_character(text: str, start: int) -> int:
    """The end of the escaped character literal at ``start`` (``'\\"'``, ``'\\n'`` ...).

    Fail closed: a round-five probe hid code behind ``'\\"'``, which a string scan read as
    the start of a string; any other shape after ``'\\`` is refused.
    """
    match = _ESCAPED_CHARACTER.match(text, start)
    if match is None:
        raise UnreadableText("an escaped character literal the scans cannot read")
    return match.end()


def _at_token_start(text: str, index: int) -> bool:
    """Whether a token can start at ``index``: a ``'`` right after a name's character is the
    name's prime (Lean reads ``g'"x"`` as ``g'`` applied to a string; round seven)."""
    return index == 0 or _IDENTIFIER_CHARACTER.fullmatch(text[index - 1]) is None


def _is_char_literal(text: str, index: int) -> bool:
    return (
        index > 0
        and text[index - 1] == "'"
        and text[index + 1 : index + 2] == "'"
        and _at_token_start(text, index - 1)
    )


def _skip_escaped_name(text: str, start: int, out: list[str]) -> int:
    """The end of the ``«name»`` at ``start``, kept in ``out`` as it is.

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
    out.append(match.group())
    return match.end()


def _skip_block_comment(text: str, start: int) -> int:
    depth, index = 0, start
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
    return _NUMERAL_PREFIX.sub(r"\1 ", _NOT_LEAN_NAME.sub(_blank_outside_names, code))


def _blank_outside_names(match: re.Match[str]) -> str:
    character = match.group()
    return character if _in_lean_names(ord(character)) else " "


def _in_lean_names(code_point: int) -> bool:
    """Lean 4's ``isLetterLike`` and ``isSubScriptAlnum`` (its non-ASCII name characters)."""
    return (
        (0x3B1 <= code_point <= 0x3C9 and code_point != 0x3BB)  # Greek lower, not λ
        or (0x391 <= code_point <= 0x3A9 and code_point not in (0x3A0, 0x3A3))  # not Π, Σ
        or 0x3CA <= code_point <= 0x3FB  # Coptic
        or 0x1F00 <= code_point <= 0x1FFE  # Greek Extended
        or 0x2100 <= code_point <= 0x214F  # Letterlike Symbols
        or 0x1D49C <= code_point <= 0x1D59F  # script, double-struck, fraktur
        or 0x2080 <= code_point <= 0x2089  # subscript digits
        or 0x2090 <= code_point <= 0x209C  # subscript letters
        or 0x1D62 <= code_point <= 0x1D6A
        or code_point == 0x2C7C
    )
