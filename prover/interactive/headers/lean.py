"""The Lean header whitelist of ``/search`` requests: what a request's header may contain.

A server request is untrusted (see docs/serving.md): its header is checked before any
of it reaches the proof assistant, and the check fails closed. Command by command (a
command starts at a line's first column, at a command keyword starting any line, and at a
whitelisted command keyword anywhere in a line that does not follow a modifier):
``import``, ``open``, ``namespace``/``section``/``end``, ``noncomputable section``, ``universe``,
``set_option`` of the options in :data:`LEAN_OPTIONS` only, and declarations (``def``,
``theorem``, ``lemma``, ``abbrev``, ``instance``, ``structure``, ``inductive``,
``class``, ``example``) with attributes from :data:`LEAN_ATTRIBUTES` only; nowhere
``sorry``/``admit``, ``axiom``, ``unsafe``, ``implemented_by``/``extern``, ``opaque``,
``macro``/``syntax``/``elab``, ``initialize``, ``run_cmd``, ``native_decide``, any
``#`` command (``#eval`` ...) or a ``set_option`` inside a term. Everything else is
refused with a message naming the command.
"""

from __future__ import annotations

import re

from prover.backends.lean.lexing import IDENTIFIER_EDGE, scan_view, strip_comments_and_strings
from prover.backends.lean.text import (
    COMMAND_KEYWORDS,
    HASH_COMMAND,
    NOTATION_COMMANDS,
    code_problem,
)
from prover.interactive.headers.refusal import HeaderRefused, forbidden_words_message, short

__all__ = [
    "LEAN_ATTRIBUTES",
    "LEAN_FORBIDDEN_WORDS",
    "LEAN_OPTIONS",
    "check_lean_header",
    "lean_code",
    "lean_forbidden",
]

LEAN_OPTIONS = frozenset(
    {
        "maxHeartbeats",
        "maxRecDepth",
        "synthInstance.maxHeartbeats",
        "autoImplicit",
        "relaxedAutoImplicit",
        "checkBinderAnnotations",
    }
)
"""The only ``set_option`` names a Lean request header may use (top level, no ``in``)."""

LEAN_ATTRIBUTES = frozenset({"simp", "reducible", "irreducible", "inline", "instance"})
"""The only attributes ``@[...]`` a Lean request header may put on a declaration."""

_HEADER_COMMAND_WORDS = frozenset(
    {
        *("import", "open", "namespace", "section", "end", "universe", "set_option"),
        *("def", "theorem", "lemma", "abbrev", "example", "instance"),
        *("structure", "class", "inductive", "noncomputable", "private", "protected"),
        *("partial", "deriving", "where", "termination_by", "decreasing_by", "scoped"),
    }
)
"""The command keywords the header whitelist admits (each then checked command by command)."""
_COMMAND_STARTS = _HEADER_COMMAND_WORDS - {
    "deriving",
    "where",
    "termination_by",
    "decreasing_by",
    "scoped",
}
"""The whitelisted words that start a command (the others are clauses of one)."""
_MODIFIERS = frozenset(
    {"noncomputable", "private", "protected", "partial", "nonrec", "deriving", "class"}
)
"""Words after which a command keyword continues the same command (``noncomputable def``)."""

LEAN_FORBIDDEN_WORDS = frozenset(
    {
        "sorry",
        "sorryAx",
        "admit",
        "axiom",
        "unsafe",
        "implemented_by",
        "extern",
        "opaque",
        "macro",
        "macro_rules",
        "syntax",
        "elab",
        "elab_rules",
        "declare_syntax_cat",
        "initialize",
        "builtin_initialize",
        "run_cmd",
        "run_tac",
        "run_elab",
        "native_decide",
        "ofReduceBool",
        "ofReduceNat",
        "attribute",
        "variable",
        "mutual",
        "csimp",
        *NOTATION_COMMANDS,
        "binder_predicate",
    }
    | (set(COMMAND_KEYWORDS) - _HEADER_COMMAND_WORDS)
)
"""Words refused anywhere in a Lean request (outside comments and strings): those listed,
and every command keyword of the tactic scan that the header whitelist does not admit
(``run_meta``, ``by_elab``, ``simproc``, ``export`` ...: one list, so the two scans cannot
drift apart again; round seven found ``run_meta`` refused in tactics, admitted in headers)."""

_LEAN_WORD = re.compile(rf"(?<!{IDENTIFIER_EDGE})[A-Za-z_][\w'!?]*(?!{IDENTIFIER_EDGE})")
_LEAN_ATTRIBUTE = re.compile(r"@\[([^\]]*)\]")
_LEAN_NAME = r"[A-Za-z_][\w'.!?]*"
_LEAN_SET_OPTION = re.compile(rf"set_option\s+({_LEAN_NAME})\s+(?:true|false|\d+)\s*")
_LEAN_DECLARATION = re.compile(
    r"(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|partial)\s+)*"
    r"(?:def|theorem|lemma|abbrev|instance|structure|inductive|class|example)\b"
)
_LEAN_COMMAND_START = re.compile(
    r"\s*(?:@\[|(?:import|open|namespace|section|end|noncomputable|universe|set_option|def"
    r"|theorem|lemma|abbrev|instance|structure|inductive|class|example|private|protected"
    r"|partial|deriving|export|local|scoped)\b)"
)
_LEAN_SIMPLE = (
    re.compile(rf"import(?:\s+{_LEAN_NAME})+\s*"),
    re.compile(rf"open(?:\s+(?:scoped\s+)?{_LEAN_NAME})+\s*"),
    re.compile(rf"(?:namespace|section|end)(?:\s+{_LEAN_NAME})?\s*"),
    re.compile(rf"noncomputable\s+section(?:\s+{_LEAN_NAME})?\s*"),
    re.compile(rf"universe(?:\s+{_LEAN_NAME})+\s*"),
)


def lean_code(text: str, *, what: str) -> str:
    """``text`` with comments and strings blanked; refused when one is left open."""
    try:
        return strip_comments_and_strings(text)
    except ValueError as exc:
        raise HeaderRefused(f"the {what} cannot be read: {exc}") from exc


def lean_forbidden(code: str) -> str | None:
    """Why comment- and string-free Lean ``code`` is refused anywhere in a request, or None."""
    code = scan_view(code)
    if match := HASH_COMMAND.search(code):
        return f"the command {code[match.start() :].split(maxsplit=1)[0]!r} is not allowed"
    forbidden = forbidden_words_message(
        sorted(set(_LEAN_WORD.findall(code)) & LEAN_FORBIDDEN_WORDS)
    )
    if forbidden is not None:
        return forbidden
    if (problem := code_problem(code)) is not None:
        return f"it {problem}"
    return _attribute_problem(code)


def _attribute_problem(code: str) -> str | None:
    """Why the attributes ``@[...]`` in ``code`` are refused (one off the list, or unclosed)."""
    for attributes in _LEAN_ATTRIBUTE.findall(code):
        names = {name.strip() for name in attributes.split(",")}
        if not names <= LEAN_ATTRIBUTES:
            return f"the attribute @[{attributes.strip()}] is not allowed"
    if "@[" in _LEAN_ATTRIBUTE.sub("", code):
        return "an attribute '@[' is not closed"
    return None


def check_lean_header(header: str) -> None:
    """Refuse (``HeaderRefused``) a Lean header with any command outside the whitelist."""
    code = lean_code(header, what="header")
    reason = lean_forbidden(_LEAN_SET_OPTION.sub(" ", code))
    if reason is not None:
        raise HeaderRefused(f"header: {reason}")
    for command in _lean_commands(code):
        if any(kind.fullmatch(command) for kind in _LEAN_SIMPLE):
            continue
        option = _LEAN_SET_OPTION.fullmatch(command)
        if option is not None:
            if option.group(1) not in LEAN_OPTIONS:
                raise HeaderRefused(f"header: set_option {option.group(1)} is not allowed")
            continue
        if "set_option" in command:
            raise HeaderRefused(f"header command {short(command)!r}: set_option inside a term")
        if not _LEAN_DECLARATION.match(command):
            raise HeaderRefused(
                f"header command {short(command)!r} is not on the whitelist (see docs/serving.md)"
            )


def _lean_commands(code: str) -> list[str]:
    """Top-level commands: a new one starts on each line whose first column is not blank or
    a closing bracket, and on each line, indented or not, whose first word is a command
    keyword (Lean ends a term at a command keyword whatever the indentation, so an indented
    ``open ...`` after a ``def`` is a command of its own; a red-team probe, 2026-12-04)."""
    commands: list[list[str]] = []
    for line in code.split("\n"):
        if not line.strip():
            continue
        starts_command = (
            not line[:1].isspace() and not line.startswith(("|", ")", "]", "}"))
        ) or _LEAN_COMMAND_START.match(line) is not None
        if starts_command or not commands:
            commands.append([line])
        else:
            commands[-1].append(line)
    return [piece for lines in commands for piece in _split_at_keywords(" ".join(lines).split())]


def _split_at_keywords(words: list[str]) -> list[str]:
    """One line's words cut before each whitelisted command keyword that follows something
    other than a modifier: Lean needs no line break between commands, so ``open Nat
    set_option debug.skipKernelTC true in`` is two commands, each checked (round eight)."""
    pieces: list[list[str]] = []
    for word in words:
        previous = pieces[-1][-1] if pieces else ""
        starts = word in _COMMAND_STARTS or word.startswith("@[")
        if not pieces or (starts and previous not in _MODIFIERS and not previous.endswith("]")):
            pieces.append([word])
        else:
            pieces[-1].append(word)
    return [" ".join(piece) for piece in pieces]
