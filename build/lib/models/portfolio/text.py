"""Small, proof-assistant-neutral helpers for reading goal text.

The portfolio generator reads printed hypotheses and conclusions (Coq or Lean) as
plain text. These helpers only understand brackets and identifiers; they are
heuristics for deciding which tactics are worth proposing, never a parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Proposal",
    "fresh_name",
    "mentions",
    "split_top_level",
    "strip_outer_parentheses",
]

_OPENING = "([{⟨"
_CLOSING = ")]}⟩"


@dataclass(frozen=True, kw_only=True)
class Proposal:
    """One instantiated tactic and the family whose prior scores it."""

    family: str
    tactic: str


def _depth_changes(text: str) -> list[int]:
    """The bracket depth before each character of ``text``."""
    depths: list[int] = []
    depth = 0
    for character in text:
        depths.append(depth)
        if character in _OPENING:
            depth += 1
        elif character in _CLOSING:
            depth = max(0, depth - 1)
    return depths


def strip_outer_parentheses(text: str) -> str:
    """Remove parentheses that enclose the whole of ``text`` (repeatedly)."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        depths = _depth_changes(text)
        # The opening parenthesis must close at the very end, not earlier.
        if any(depth == 0 for depth in depths[1:]):
            break
        text = text[1:-1].strip()
    return text


def split_top_level(text: str, operator: str) -> list[str]:
    """Split ``text`` at occurrences of ``operator`` outside any brackets.

    Returns ``[text]`` (stripped of outer parentheses) when the operator does not
    occur at the top level. Binders (``forall x, ...``) are not understood: callers
    check for a leading binder first.
    """
    text = strip_outer_parentheses(text)
    depths = _depth_changes(text)
    parts: list[str] = []
    start = 0
    index = 0
    while index <= len(text) - len(operator):
        if depths[index] == 0 and text.startswith(operator, index):
            parts.append(text[start:index].strip())
            index += len(operator)
            start = index
            continue
        index += 1
    parts.append(text[start:].strip())
    return [part for part in parts if part] if len(parts) > 1 else [text]


def mentions(text: str, term: str) -> bool:
    """Whether ``term`` occurs in ``text`` not as part of a longer identifier."""
    if not term:
        return False
    pattern = r"(?<![\w'.])" + re.escape(term) + r"(?![\w'])"
    return re.search(pattern, text) is not None


def fresh_name(base: str, taken: set[str]) -> str:
    """The first of ``base``, ``base0``, ``base1``... not in ``taken``; adds it to ``taken``."""
    candidate = base
    counter = 0
    while candidate in taken:
        candidate = f"{base}{counter}"
        counter += 1
    taken.add(candidate)
    return candidate


def split_unless_bound(
    text: str,
    operator: str,
    *,
    binders: tuple[str, ...],
    masks: tuple[tuple[str, str], ...],
) -> list[str]:
    """Split at a top-level ``operator`` unless ``text`` starts with one of ``binders``.

    ``masks`` hides longer operators that contain ``operator`` (Coq's ``<->`` when
    splitting at ``->``, Lean's ``:=`` at ``=``) while splitting, then restores them.
    """
    text = strip_outer_parentheses(text)
    if text.startswith(binders):
        return [text]
    for plain, mask in masks:
        text = text.replace(plain, mask)
    parts = split_top_level(text, operator)
    for plain, mask in masks:
        parts = [part.replace(mask, plain) for part in parts]
    return parts
