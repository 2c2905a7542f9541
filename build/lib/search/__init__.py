"""Best-first proof search, independent of any proof assistant.

The engine sees proof assistants only through :class:`ProofEnvironment`, tactic
generators through :class:`TacticGenerator`, and node priorities through an
injected :class:`NodeScorer`.
"""

from search.config import SearchConfig
from search.engine import best_first_search, derive_seed
from search.frontier import Frontier
from search.graph import ChildUpdate, NodeStatus, SearchEdge, SearchGraph, SearchNode, Terminal
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
from search.scoring import CumulativeScorer, FixedSchedule
from search.states import Candidate, Goal, Hypothesis, ProofState, Theorem
from search.testing import FakeClock, ScriptedEnvironment, ScriptedGenerator, scripted_state

__all__ = [
    "Candidate",
    "ChildUpdate",
    "CumulativeScorer",
    "FakeClock",
    "FixedSchedule",
    "Frontier",
    "GenerationRequest",
    "Goal",
    "Hypothesis",
    "NewState",
    "NodeScore",
    "NodeScorer",
    "NodeStatus",
    "ProofComplete",
    "ProofEnvironment",
    "ProofState",
    "ProvedNode",
    "SamplingSchedule",
    "ScoreRequest",
    "ScriptedEnvironment",
    "ScriptedGenerator",
    "SearchConfig",
    "SearchEdge",
    "SearchGraph",
    "SearchNode",
    "SearchResult",
    "SearchStatus",
    "StopReason",
    "TacticError",
    "TacticGenerator",
    "TacticOutcome",
    "TacticTimeout",
    "Terminal",
    "Theorem",
    "Verification",
    "best_first_search",
    "derive_seed",
    "scripted_state",
]
