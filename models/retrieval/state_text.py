"""Read a rendered proof state (:attr:`search.states.ProofState.text`) back into goals.

The rendering is: goals separated by blank lines; in each goal an optional ``case TAG``
line, one line per hypothesis (``a b : T`` or ``x := v : T``), then ``⊢ conclusion``.
Hypothesis types and conclusions are single lines (the Coq goal parser normalises
whitespace). Lines that fit none of these shapes are kept as extra conclusion text rather
than rejected: the features only need to be robust, not exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["GoalText", "HypothesisText", "first_goal_text", "parse_state_text"]

_TURNSTILE = "⊢"
_IDENTIFIER = re.compile(r"[^\W\d][\w']*")


@dataclass(frozen=True, slots=True)
class HypothesisText:
    """One hypothesis name with its type (and body, for ``x := v : T``)."""

    name: str
    type: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class GoalText:
    """One goal of a rendered state: its hypotheses (one per name) and conclusion."""

    hypotheses: tuple[HypothesisText, ...]
    conclusion: str

    @property
    def names(self) -> frozenset[str]:
        """The hypothesis names in this goal's context."""
        return frozenset(h.name for h in self.hypotheses)


def first_goal_text(text: str) -> GoalText | None:
    """The first goal of a rendered state (the others are not read), or ``None``."""
    block = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    return _parse_goal(block) if block.strip() else None


def parse_state_text(text: str) -> list[GoalText]:
    """The goals of a rendered state, in order (empty text has no goals)."""
    goals: list[GoalText] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        if block.strip():
            goals.append(_parse_goal(block))
    return goals


def _parse_goal(block: str) -> GoalText:
    hypotheses: list[HypothesisText] = []
    conclusion_lines: list[str] = []
    for raw_line in block.splitlines():
        line = raw_line.strip()
        if not line or (not hypotheses and line.startswith("case ")):
            continue
        if line.startswith(_TURNSTILE):
            conclusion_lines.append(line[len(_TURNSTILE) :].strip())
        elif conclusion_lines:
            conclusion_lines.append(line)
        else:
            parsed = _parse_hypothesis(line)
            if parsed:
                hypotheses.extend(parsed)
            else:
                conclusion_lines.append(line)
    return GoalText(hypotheses=tuple(hypotheses), conclusion=" ".join(conclusion_lines))


def _parse_hypothesis(line: str) -> list[HypothesisText]:
    name, defined, body = line.partition(" := ")
    if defined and _IDENTIFIER.fullmatch(name.strip()):
        value, _, type_text = body.rpartition(" : ")
        if not value:
            value, type_text = type_text, ""
        return [HypothesisText(name=name.strip(), type=type_text.strip(), value=value.strip())]
    head, separator, rest = line.partition(" : ")
    if not separator:
        return []
    names = head.replace(",", " ").split()
    if not names or not all(_IDENTIFIER.fullmatch(name) for name in names):
        return []
    type_text = rest.strip()
    return [HypothesisText(name=name, type=type_text) for name in names]
