"""The outcome of one proof search, as recorded and reported."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ProvedNode", "SearchResult", "SearchStatus", "StopReason"]


class SearchStatus(enum.StrEnum):
    """How a search ended: a proof, no proof within budget, or an infrastructure error."""

    PROVED = "proved"
    FAILED = "failed"
    ERROR = "error"


class StopReason(enum.StrEnum):
    """Why the loop stopped."""

    PROOF_FOUND = "proof_found"
    FRONTIER_EMPTY = "frontier_empty"
    TIME_LIMIT = "time_limit"
    MAX_EXPANSIONS = "max_expansions"
    ERROR = "error"


@dataclass(frozen=True, kw_only=True)
class ProvedNode:
    """A state from which the search found a proof: training data for progress models.

    ``remaining_steps`` is the length of the shortest proof found from this state
    in the search graph; ``proof_so_far`` is the tactic path that first reached it.
    """

    state: str
    proof_so_far: tuple[str, ...]
    remaining_steps: int


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    """Everything one search produced, with its time split three ways.

    ``time_s`` is the search's wall time after the root was opened; ``open_time_s``
    the time opening it took (header and statement), outside the time limit.
    ``overhead_time_s`` is the engine's own time: ``time_s`` minus generator, backend
    and scorer time. ``proof_states`` are the states along the proof, root first.
    """

    status: SearchStatus
    stop_reason: StopReason
    proof: tuple[str, ...] | None
    proof_states: tuple[str, ...]
    expansions: int
    num_nodes: int
    time_s: float
    generator_time_s: float
    backend_time_s: float
    scorer_time_s: float
    error: str | None = None
    open_time_s: float = 0.0
    proved_nodes: tuple[ProvedNode, ...] = ()
    graph: Any = field(default=None, compare=False, repr=False)

    @property
    def overhead_time_s(self) -> float:
        """Engine time: what is left of the wall time after generator, backend and scorer."""
        spent = self.generator_time_s + self.backend_time_s + self.scorer_time_s
        return max(0.0, self.time_s - spent)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the graph is left out)."""
        return {
            "status": self.status.value,
            "stop_reason": self.stop_reason.value,
            "proof": list(self.proof) if self.proof is not None else None,
            "proof_states": list(self.proof_states),
            "expansions": self.expansions,
            "num_nodes": self.num_nodes,
            "time_s": self.time_s,
            "open_time_s": self.open_time_s,
            "generator_time_s": self.generator_time_s,
            "backend_time_s": self.backend_time_s,
            "scorer_time_s": self.scorer_time_s,
            "overhead_time_s": self.overhead_time_s,
            "error": self.error,
            "proved_nodes": [
                {
                    "state": node.state,
                    "proof_so_far": list(node.proof_so_far),
                    "remaining_steps": node.remaining_steps,
                }
                for node in self.proved_nodes
            ],
        }
