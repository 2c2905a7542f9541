"""A proof state from pretty-printed goal text, as Lean Copilot and editors send it.

``generate`` receives goals as text, not as a backend's state: Lean's layout
(``h : P`` lines, then ``⊢ Q``) or Coq's (hypotheses, a ``====`` bar, the conclusion).
Text that neither parser understands becomes one goal whose conclusion is the whole
text, so that a generator still sees it.
"""

from __future__ import annotations

from collections.abc import Sequence

from search.errors import BackendCrashed
from search.states import Goal, ProofState, normalize_text

__all__ = ["state_from_text"]


def state_from_text(text: str) -> ProofState:
    """A proof state from pretty-printed goals (Lean ``⊢`` layout or Coq ``====`` layout)."""
    goals: Sequence[Goal] = ()
    if "====" in text:
        from prover.backends.coq.goals import parse_goal_block

        try:
            goals = (parse_goal_block(text),)
        except ValueError:
            goals = ()
    elif "⊢" in text:
        from prover.backends.lean.goals import parse_goals

        try:
            goals = parse_goals(text)
        except BackendCrashed:
            goals = ()
    if not goals:
        goals = (Goal(hypotheses=(), conclusion=normalize_text(text)),)
    return ProofState(goals=tuple(goals), handle=text, text=text)
