"""Judge a REPL command response for a complete proof (the whole-file re-check), fail closed.

The response to ``<header + statement + proof>\\n#print axioms NAME`` passes only when:
the command elaborated (an ``env``, no top-level ``message``); no message has
severity ``error``; nothing warns ``declaration uses 'sorry'``; and **exactly one**
message is the ``#print axioms`` answer for NAME, in one of Lean's two exact forms and
positioned on the line of the ``#print axioms`` command itself::

    'NAME' depends on axioms: [propext, Classical.choice, Quot.sound]
    'NAME' does not depend on any axioms

with every listed axiom in :data:`~prover.backends.lean.text.ALLOWED_AXIOMS`
(``sorryAx``, ``Lean.ofReduceBool`` from ``native_decide``, ``Lean.trustCompiler`` and
any user axiom are rejected). A second answer-like message (a tactic's ``trace`` can
print one; a message that tactic raises sits on a line of the proof, never on the
command's), a message that mentions axioms in another shape, or a malformed name rejects:
what is not understood is not accepted. Shared by the REPL backend and the
LeanDojo backend's REPL check.
"""

from __future__ import annotations

import re
from typing import Any

from prover.backends.lean.text import axiom_violations

__all__ = ["check_command_response", "parse_print_axioms"]

_SORRY_WARNING = "declaration uses 'sorry'"
_NAME = r"[^\s'\[\],]+"
_DEPENDS = re.compile(rf"'(?P<name>{_NAME})' depends on axioms: \[(?P<axioms>[^\]]*)\]")
_NO_AXIOMS = re.compile(rf"'(?P<name>{_NAME})' does not depend on any axioms")
_AXIOM_NAME = re.compile(r"[^\W\d][\w'.]*")


def parse_print_axioms(data: str) -> tuple[str, tuple[str, ...]] | None:
    """``(name, axioms)`` if ``data`` is exactly a ``#print axioms`` answer, else None."""
    text = data.strip()
    if match := _NO_AXIOMS.fullmatch(text):
        return match["name"], ()
    match = _DEPENDS.fullmatch(text)
    if match is None:
        return None
    axioms = tuple(item.strip() for item in match["axioms"].replace("\n", " ").split(","))
    if not axioms or not all(_AXIOM_NAME.fullmatch(axiom) for axiom in axioms):
        return None
    return match["name"], axioms


Answer = tuple[str, tuple[str, ...], object]
"""A ``#print axioms`` answer: the name, its axioms and the line the REPL placed it on."""


def _message_line(message: dict[str, Any]) -> object:
    """The 1-based line a REPL message is reported on (``pos.line``), None if absent."""
    position = message.get("pos")
    return position.get("line") if isinstance(position, dict) else None


def _scan_messages(messages: list[Any]) -> tuple[str | None, list[Answer]]:
    """(first reason to reject, the #print axioms answers found)."""
    answers: list[Answer] = []
    for message in messages:
        if not isinstance(message, dict):
            return "a REPL message is not an object", []
        severity, data = message.get("severity"), str(message.get("data", ""))
        if severity == "error":
            return f"Lean error: {data.strip()[:500]}", []
        if _SORRY_WARNING in data:
            return "rejected: declaration uses 'sorry'", []
        parsed = parse_print_axioms(data)
        if parsed is not None:
            answers.append((*parsed, _message_line(message)))
        elif "axiom" in data:
            return f"rejected: unrecognized message about axioms: {data.strip()[:200]!r}", []
    return None, answers


def _single_answer(
    response: dict[str, Any], *, name: str, print_line: int
) -> tuple[str, ...] | str:
    """The axioms of the one ``#print axioms name`` answer, or why the response is refused."""
    if "message" in response or "env" not in response:
        return f"Lean REPL: {response.get('message', 'no environment')}"
    messages = response.get("messages") or []
    if not isinstance(messages, list):
        return "Lean REPL: 'messages' is not a list"
    problem, answers = _scan_messages(messages)
    if problem is not None:
        return problem
    if len(answers) != 1:
        return f"expected one '#print axioms {name}' answer, found {len(answers)}"
    printed_name, axioms, line = answers[0]
    return _misplaced(printed_name, line, name=name, print_line=print_line) or axioms


def _misplaced(printed_name: str, line: object, *, name: str, print_line: int) -> str | None:
    """Why an answer is not the one the ``#print axioms name`` command gave, or None."""
    if printed_name != name:
        return f"'#print axioms' answered for {printed_name!r}, not {name!r}"
    if line != print_line:
        return f"the '#print axioms' answer is on line {line}, not the command's line {print_line}"
    return None


def check_command_response(
    response: dict[str, Any], *, name: str, print_line: int
) -> tuple[bool, str | None, tuple[str, ...]]:
    """``(ok, message, axioms)`` for the response to ``<source>\n#print axioms name``, whose
    ``#print axioms`` command sits on the 1-based line ``print_line``."""
    axioms = _single_answer(response, name=name, print_line=print_line)
    if isinstance(axioms, str):
        return False, axioms, ()
    violations = axiom_violations(axioms)
    if violations:
        return False, f"rejected: uses axioms {', '.join(violations)}", axioms
    return True, None, axioms
