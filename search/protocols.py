"""The seams of the search: environment, generator, scorer and sampling schedule.

Backends (``prover.backends``), generators (``models``) and the progress predictor
implement these structurally; the engine depends on nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from search.outcomes import TacticOutcome, Verification
from search.states import Candidate, ProofState, Theorem

__all__ = [
    "GenerationRequest",
    "NodeScore",
    "NodeScorer",
    "OnlineLearner",
    "ProofEnvironment",
    "ProofStep",
    "SamplingSchedule",
    "ScoreRequest",
    "StagedGenerator",
    "TacticGenerator",
    "generation_stages",
]


@runtime_checkable
class ProofEnvironment(Protocol):
    """A proof assistant seen as an environment of states and tactics.

    Implementations reject unsafe tactics themselves (returning a
    :class:`~search.outcomes.TacticError` without running them), enforce
    ``timeout_s`` and recover after a timeout, and raise
    :class:`~search.errors.BackendError` subclasses for infrastructure failures.
    """

    def open(self, theorem: Theorem) -> ProofState:
        """Start proving ``theorem``; raises ``StatementError`` if it does not elaborate."""
        ...

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> TacticOutcome:
        """Run one tactic on ``state`` (any state returned earlier for this theorem)."""
        ...

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Re-check the complete proof independently, in a fresh process."""
        ...

    def close(self) -> None:
        """Release every process and file the environment holds."""
        ...


@dataclass(frozen=True, kw_only=True)
class GenerationRequest:
    """One state to propose tactics for, with the context a prompt may need.

    ``deadline`` is a :func:`time.monotonic` value after which the search has no use
    for the answer (its time limit is reached). A generator that waits on something
    slow (an HTTP server, a local model) stops waiting there and returns the
    candidates it has, possibly none, rather than an error; ``None`` means no deadline.
    ``stage`` is the round of a :class:`StagedGenerator` asked for (0 for all others).
    """

    theorem: Theorem
    state: ProofState
    proof_so_far: tuple[str, ...]
    num_candidates: int
    seed: int
    deadline: float | None = None
    stage: int = 0


@runtime_checkable
class TacticGenerator(Protocol):
    """Batch-first tactic proposal: one call covers many states."""

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Return, for each request in order, candidates sorted by descending score."""
        ...


@runtime_checkable
class StagedGenerator(TacticGenerator, Protocol):
    """A generator that expands a state in ``stages`` rounds, cheap sources first.

    The search asks for a state's round 0 when it first selects it; once those
    candidates are tried, the state returns to the frontier behind its round-0
    children and, when selected again, is asked for round 1 (``GenerationRequest.stage``),
    and so on. A union whose language model is a late part (``--late-parts``) is one:
    the model is asked only where the cheap parts' tactics did not finish the proof.
    """

    @property
    def stages(self) -> int:
        """How many rounds a state is expanded in (1: an ordinary generator)."""
        ...


def generation_stages(generator: TacticGenerator) -> int:
    """The number of rounds ``generator`` expands a state in (1 unless it is staged)."""
    if isinstance(generator, StagedGenerator):
        return max(1, int(generator.stages))
    return 1


@dataclass(frozen=True, kw_only=True)
class ProofStep:
    """One step of a finished, verified proof: the state text before it and its tactic.

    ``state`` is :attr:`~search.states.ProofState.text` (the same rendering the search
    shows a generator); ``remaining_steps`` counts this tactic and every one after it.
    """

    state: str
    tactic: str
    remaining_steps: int
    theorem: str = ""


@runtime_checkable
class OnlineLearner(Protocol):
    """A generator that learns from proofs while it runs (Tactician-style online learning).

    The prover calls :meth:`learn` with the steps of proofs it may use from now on: the
    proofs in a file's header before a search starts, and every verified proof of a run
    before the next theorem. Generators that do not learn simply do not implement it.
    """

    def learn(self, steps: Sequence[ProofStep]) -> None:
        """Add ``steps`` to what the generator draws its candidates from."""
        ...


@dataclass(frozen=True, kw_only=True)
class ScoreRequest:
    """A node to score: its state, the tactics that reached it, and their summed scores."""

    state: ProofState
    proof_so_far: tuple[str, ...]
    path_score: float


@dataclass(frozen=True, kw_only=True)
class NodeScore:
    """A node's priority (higher is expanded first) and, optionally, predicted steps left.

    ``second_priority`` queues the node in a second order too, and the frontier then
    takes nodes from the two orders in turn (:class:`~search.frontier.Frontier`).
    """

    priority: float
    remaining_steps: float | None = None
    second_priority: float | None = None


@runtime_checkable
class NodeScorer(Protocol):
    """Turns nodes into priorities; called once per expansion with all new children."""

    def score(self, requests: Sequence[ScoreRequest]) -> list[NodeScore]:
        """Return one score per request, in order."""
        ...


@runtime_checkable
class SamplingSchedule(Protocol):
    """Decides how many candidates to request when expanding a node."""

    def num_candidates(
        self, *, elapsed_fraction: float, depth: int, remaining_steps: float | None
    ) -> int:
        """Candidates to request, given the share of the time budget already used."""
        ...
