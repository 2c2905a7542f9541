"""Best-first proof search, independent of any proof assistant.

The engine sees proof assistants only through :class:`ProofEnvironment`, tactic
generators through :class:`TacticGenerator`, and node priorities through an
injected :class:`NodeScorer`.
"""

from search.config import SearchConfig
from search.outcomes import (
    NewState,
    ProofComplete,
    TacticError,
    TacticOutcome,
    TacticTimeout,
    Verification,
)
from search.protocols import (
    GenerationRequest,
    NodeScore,
    NodeScorer,
    ProofEnvironment,
    SamplingSchedule,
    ScoreRequest,
    TacticGenerator,
)
from search.result import ProvedNode, SearchResult, SearchStatus, StopReason
from search.states import Candidate, Goal, Hypothesis, ProofState, Theorem

__all__ = [
    "Candidate",
    "GenerationRequest",
    "Goal",
    "Hypothesis",
    "NewState",
    "NodeScore",
    "NodeScorer",
    "ProofComplete",
    "ProofEnvironment",
    "ProofState",
    "ProvedNode",
    "SamplingSchedule",
    "ScoreRequest",
    "SearchConfig",
    "SearchResult",
    "SearchStatus",
    "StopReason",
    "TacticError",
    "TacticGenerator",
    "TacticOutcome",
    "TacticTimeout",
    "Theorem",
    "Verification",
]
