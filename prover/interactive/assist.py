"""An interactive proof session: goals, ranked suggestions, undo, and search from here.

:class:`AssistSession` is the library side (no terminal): it keeps the tactics applied
so far with the state after each, asks the generator (and optionally a progress
model) for suggestions, and runs :func:`search.engine.best_first_search` from the
*current* state through :class:`ResumedEnvironment`, an adapter whose ``open``
returns that state. A finished proof is always re-checked whole with
``environment.verify``. The terminal loop lives in :mod:`prover.interactive.terminal`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from models.combined import candidates_of_every_round
from models.progress import ProgressPredictor
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import ConfigError
from search.outcomes import NewState, ProofComplete, TacticOutcome, Verification
from search.protocols import GenerationRequest, ProofEnvironment, TacticGenerator
from search.result import SearchResult, SearchStatus
from search.states import ProofState, Theorem
from search.validation import require_non_negative_int, require_positive

__all__ = ["AssistConfig", "AssistSession", "ResumedEnvironment", "Suggestion"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class AssistConfig:
    """How an interactive session behaves (``prover assist`` flags default to these fields).

    ``num_suggestions`` tactics are shown per state; each tactic runs at most
    ``tactic_timeout_s``; ``:search`` without an argument runs ``search_time_s``;
    ``seed`` seeds the generator; ``resample_rounds`` is ``:search``'s
    :attr:`search.config.SearchConfig.resample_rounds`.
    """

    num_suggestions: int = 8
    tactic_timeout_s: float = 5.0
    search_time_s: float = 30.0
    seed: int = 0
    resample_rounds: int = SearchConfig.resample_rounds

    def __post_init__(self) -> None:
        if isinstance(self.num_suggestions, bool) or self.num_suggestions < 1:
            raise ConfigError(
                f"--suggestions must be a positive integer, got {self.num_suggestions!r}"
            )
        require_positive("tactic_timeout_s", self.tactic_timeout_s)
        require_positive("search_time_s", self.search_time_s)
        if self.seed < 0:
            raise ConfigError(f"--seed must be non-negative, got {self.seed!r}")
        require_non_negative_int("resample_rounds", self.resample_rounds)


@dataclass(frozen=True, kw_only=True)
class Suggestion:
    """A proposed next tactic, its generator score and, with a progress model, steps left."""

    tactic: str
    score: float
    remaining_steps: float | None = None


@dataclass(frozen=True, kw_only=True)
class ResumedEnvironment:
    """A view of ``inner`` whose proofs start at ``state``, reached by ``prefix``.

    ``open`` ignores the theorem and returns ``state``; ``verify`` checks ``prefix``
    followed by the proof found from ``state``; ``close`` leaves ``inner`` open.
    """

    inner: ProofEnvironment
    state: ProofState
    prefix: tuple[str, ...]

    def open(self, theorem: Theorem) -> ProofState:
        """The state the session is at."""
        return self.state

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> TacticOutcome:
        """Delegates to the real environment."""
        return self.inner.run_tactic(state, tactic, timeout_s=timeout_s)

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Verify the whole proof: the session's prefix, then ``proof``."""
        return self.inner.verify(theorem, (*self.prefix, *proof))

    def close(self) -> None:
        """Nothing to release: the session owns the real environment."""


class AssistSession:
    """One theorem being proved interactively; the caller owns and closes ``environment``."""

    def __init__(
        self,
        theorem: Theorem,
        *,
        environment: ProofEnvironment,
        generator: TacticGenerator,
        progress: ProgressPredictor | None = None,
        config: AssistConfig | None = None,
    ) -> None:
        self.theorem = theorem
        self.environment = environment
        self.generator = generator
        self.progress = progress
        self.config = config if config is not None else AssistConfig()
        self._root: ProofState | None = None
        # (tactic, state after it; None once the proof is complete)
        self._steps: list[tuple[str, ProofState | None]] = []
        self._suggestions: dict[tuple[str, ...], list[Suggestion]] = {}

    def start(self) -> ProofState:
        """Open the theorem (raises ``StatementError`` if it does not elaborate)."""
        self._root = self.environment.open(self.theorem)
        self._steps = []
        return self._root

    @property
    def tactics(self) -> tuple[str, ...]:
        """The tactics applied so far, in order."""
        return tuple(tactic for tactic, _ in self._steps)

    @property
    def state(self) -> ProofState | None:
        """The current state, or ``None`` when the proof is complete."""
        if self._root is None:
            raise RuntimeError("call start() first")
        return self._steps[-1][1] if self._steps else self._root

    @property
    def complete(self) -> bool:
        """Whether the last tactic closed every goal."""
        return bool(self._steps) and self._steps[-1][1] is None

    def suggestions(self) -> list[Suggestion]:
        """The generator's top tactics for the current state (cached per tactic path)."""
        state = self.state
        if state is None:
            return []
        cached = self._suggestions.get(self.tactics)
        if cached is not None:
            return cached
        request = GenerationRequest(
            theorem=self.theorem,
            state=state,
            proof_so_far=self.tactics,
            num_candidates=self.config.num_suggestions,
            seed=self.config.seed,
        )
        candidates = candidates_of_every_round(self.generator, request)
        suggestions = [Suggestion(tactic=c.tactic, score=c.score) for c in candidates]
        if self.progress is not None and suggestions:
            steps = self.progress.predict_remaining_steps(
                [state.text] * len(suggestions),
                [(*self.tactics, s.tactic) for s in suggestions],
            )
            suggestions = [
                replace(s, remaining_steps=float(r))
                for s, r in zip(suggestions, steps, strict=True)
            ]
        self._suggestions[self.tactics] = suggestions
        return suggestions

    def remaining_steps(self) -> float | None:
        """The progress model's estimate for the current state (``None`` without one)."""
        state = self.state
        if self.progress is None or state is None:
            return None
        [estimate] = self.progress.predict_remaining_steps([state.text], [self.tactics])
        return float(estimate)

    def apply(self, tactic: str) -> TacticOutcome:
        """Run ``tactic`` on the current state; on success it becomes the new current step."""
        state = self.state
        if state is None:
            raise RuntimeError("the proof is already complete")
        outcome = self.environment.run_tactic(state, tactic, timeout_s=self.config.tactic_timeout_s)
        if isinstance(outcome, NewState):
            self._steps.append((tactic, outcome.state))
        elif isinstance(outcome, ProofComplete):
            self._steps.append((tactic, None))
        return outcome

    def undo(self, count: int = 1) -> int:
        """Drop the last ``count`` tactics; returns how many were dropped."""
        dropped = min(count, len(self._steps))
        del self._steps[len(self._steps) - dropped :]
        return dropped

    def search(self, *, time_limit_s: float, max_expansions: int | None = None) -> SearchResult:
        """Best-first search from the current state; a proof found is appended to the tactics."""
        state = self.state
        if state is None:
            raise RuntimeError("the proof is already complete")
        config = SearchConfig(
            time_limit_s=time_limit_s,
            max_expansions=max_expansions,
            tactic_timeout_s=min(self.config.tactic_timeout_s, time_limit_s),
            seed=self.config.seed,
            resample_rounds=self.config.resample_rounds,
        )
        resumed = ResumedEnvironment(inner=self.environment, state=state, prefix=self.tactics)
        result = best_first_search(self.theorem, resumed, self.generator, config=config)
        if result.status is SearchStatus.PROVED and result.proof is not None:
            self._append_replayed(result.proof)
        return result

    def _append_replayed(self, suffix: Sequence[str]) -> None:
        """Re-run the found tactics so that every step has its state (undo works on them)."""
        start = len(self._steps)
        for tactic in suffix:
            outcome = self.apply(tactic)
            if not isinstance(outcome, NewState | ProofComplete):
                self.undo(len(self._steps) - start)
                raise RuntimeError(f"replaying the found tactic {tactic!r} failed: {outcome}")

    def verify(self) -> Verification:
        """Re-check the whole tactic list in a fresh process."""
        return self.environment.verify(self.theorem, self.tactics)

    def restart(self) -> None:
        """Restart the environment (after an interrupt) and replay the tactics so far."""
        tactics = self.tactics
        self.environment.close()
        self.start()
        self._suggestions.clear()
        for tactic in tactics:
            outcome = self.apply(tactic)
            if not isinstance(outcome, NewState | ProofComplete):
                logger.warning("replaying %r after a restart failed: %s", tactic, outcome)
                break
