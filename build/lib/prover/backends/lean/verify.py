"""Judge a REPL command response for a complete proof (the whole-file re-check).

A proof passes only when the command produced no error message, no
``declaration uses 'sorry'`` warning, and ``#print axioms`` listed nothing beyond
propext, Classical.choice and Quot.sound (``sorryAx`` and ``Lean.ofReduceBool``
are rejected). Shared by the REPL backend and the LeanDojo backend's REPL check.
"""

from __future__ import annotations

from typing import Any

from prover.backends.lean.text import axiom_violations, parse_axioms

__all__ = ["check_command_response"]

_SORRY_WARNING = "declaration uses 'sorry'"


def check_command_response(
    response: dict[str, Any], *, name: str
) -> tuple[bool, str | None, tuple[str, ...]]:
    """``(ok, message, axioms)`` for the response to ``<source>\\n#print axioms name``."""
    if "message" in response and "env" not in response:
        return False, f"Lean REPL: {response['message']}", ()
    axioms: tuple[str, ...] | None = None
    for message in response.get("messages") or []:
        if not isinstance(message, dict):
            continue
        severity, data = message.get("severity"), str(message.get("data", ""))
        if severity == "error":
            return False, f"Lean error: {data.strip()[:500]}", ()
        if _SORRY_WARNING in data:
            return False, "rejected: declaration uses 'sorry'", ()
        if f"'{name}'" in data or "axioms" in data:
            parsed = parse_axioms(data)
            if parsed is not None:
                axioms = parsed
    if axioms is None:
        return False, f"no '#print axioms {name}' output found", ()
    violations = axiom_violations(axioms)
    if violations:
        return False, f"rejected: uses axioms {', '.join(violations)}", axioms
    return True, None, axioms
