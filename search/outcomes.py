"""What running one tactic can produce: a closed union of frozen values.

Exactly one of :class:`NewState`, :class:`ProofComplete`, :class:`TacticError` or
:class:`TacticTimeout`. Infrastructure failures are never outcomes; they are
exceptions from :mod:`search.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from search.states import ProofState

__all__ = [
    "NewState",
    "ProofComplete",
    "TacticError",
    "TacticOutcome",
    "TacticTimeout",
    "Verification",
]


@dataclass(frozen=True, kw_only=True)
class NewState:
    """The tactic succeeded and goals remain."""

    state: ProofState


@dataclass(frozen=True, kw_only=True)
class ProofComplete:
    """The tactic closed the last goal."""

    message: str | None = None


@dataclass(frozen=True, kw_only=True)
class TacticError:
    """The tactic failed or was rejected before reaching the proof assistant."""

    message: str


@dataclass(frozen=True, kw_only=True)
class TacticTimeout:
    """The tactic ran past its timeout; the backend has been recovered."""

    timeout_s: float


TacticOutcome: TypeAlias = NewState | ProofComplete | TacticError | TacticTimeout


@dataclass(frozen=True, kw_only=True)
class Verification:
    """The independent whole-file check of a finished proof.

    ``ok`` is true only when the proof assistant accepted the complete source in a
    fresh process, the text scan found nothing forbidden, and no axiom beyond the
    allowed ones is used. ``proof_text`` is the exact source that was checked.
    ``checks`` names the checks that ran and passed, in order (e.g. ``("admission",
    "coqc", "coqchk")`` or ``("admission", "lean", "print-axioms", "lean4checker")``).
    """

    ok: bool
    proof_text: str
    message: str | None = None
    axioms: tuple[str, ...] = ()
    time_s: float = 0.0
    checks: tuple[str, ...] = ()
