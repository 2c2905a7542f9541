"""In-memory fakes of the search's seams, for tests and examples (not for real proving).

:class:`ScriptedEnvironment` is a proof environment given as a dict from state
names to ``{tactic: next state name | "proved" | "error" | "hang"}``;
:class:`ScriptedGenerator` proposes fixed, scored tactics per state name;
:class:`SamplingGenerator` answers each new request for a state with a fresh draw;
:class:`FakeClock` is a manual clock whose ``sleep`` advances time instantly.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from search.errors import BackendCrashed, StatementError
from search.outcomes import (
    NewState,
    ProofComplete,
    TacticError,
    TacticOutcome,
    TacticTimeout,
    Verification,
)
from search.protocols import GenerationRequest
from search.states import Candidate, Goal, ProofState, Theorem

__all__ = [
    "ERROR",
    "HANG",
    "PROVED",
    "FakeClock",
    "SamplingGenerator",
    "ScriptedEnvironment",
    "ScriptedGenerator",
    "scripted_state",
]

PROVED = "proved"
"""Script outcome: the tactic closes the proof."""
ERROR = "error"
"""Script outcome: the tactic fails."""
HANG = "hang"
"""Script outcome: the tactic runs past its timeout."""


def scripted_state(name: str) -> ProofState:
    """The proof state a scripted environment uses for state ``name`` (one goal ``⊢ name``)."""
    return ProofState(goals=(Goal(hypotheses=(), conclusion=name),), handle=name, text=name)


@dataclass(kw_only=True)
class FakeClock:
    """A manual monotonic clock: call it for the time, ``sleep``/``advance`` to move it."""

    now_s: float = 0.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        self.now_s += seconds

    def sleep(self, seconds: float) -> None:
        """Same as :meth:`advance`: sleeping costs no real time."""
        self.advance(seconds)


class ScriptedEnvironment:
    """A fake :class:`~search.protocols.ProofEnvironment` driven by a transition script.

    ``open`` returns the state named ``root`` (or raises ``StatementError`` with
    ``open_error``). A ``"hang"`` tactic sleeps its whole timeout with ``sleep``
    (give a :class:`FakeClock`'s ``sleep`` to avoid real waiting) and returns
    :class:`TacticTimeout`. Every tactic also sleeps ``tactic_cost_s``. Tactics
    listed in ``crash_on`` raise ``BackendCrashed``. Unknown tactics are errors.
    """

    def __init__(
        self,
        script: Mapping[str, Mapping[str, str]],
        *,
        root: str,
        open_error: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        tactic_cost_s: float = 0.0,
        crash_on: Sequence[str] = (),
    ) -> None:
        self.script = {name: dict(tactics) for name, tactics in script.items()}
        self.root = root
        self.open_error = open_error
        self.tactic_cost_s = tactic_cost_s
        self.crash_on = tuple(crash_on)
        self.open_calls = 0
        self.tactic_calls: list[tuple[str, str, float]] = []
        self.closed = False
        self._sleep = sleep

    @property
    def num_tactic_calls(self) -> int:
        """How many times ``run_tactic`` was called."""
        return len(self.tactic_calls)

    def open(self, theorem: Theorem) -> ProofState:
        """The root state, or ``StatementError`` when the script says so."""
        self.open_calls += 1
        if self.open_error is not None:
            raise StatementError(self.open_error)
        return scripted_state(self.root)

    def run_tactic(self, state: ProofState, tactic: str, *, timeout_s: float) -> TacticOutcome:
        """Look the tactic up in the script for ``state``'s name."""
        name = str(state.handle)
        self.tactic_calls.append((name, tactic, timeout_s))
        if tactic in self.crash_on:
            raise BackendCrashed(f"scripted crash on {tactic!r}")
        if self.tactic_cost_s > 0:
            self._sleep(self.tactic_cost_s)
        return self._outcome(self.script.get(name, {}).get(tactic), tactic, timeout_s)

    def _outcome(self, target: str | None, tactic: str, timeout_s: float) -> TacticOutcome:
        if target is None:
            return TacticError(message=f"unknown tactic {tactic!r}")
        if target == PROVED:
            return ProofComplete()
        if target == ERROR:
            return TacticError(message=f"scripted error for {tactic!r}")
        if target == HANG:
            self._sleep(timeout_s)
            return TacticTimeout(timeout_s=timeout_s)
        return NewState(state=scripted_state(target))

    def replay(self, proof: Sequence[str]) -> str:
        """Run ``proof`` from the root without side effects or counting.

        Returns the final state's name, or ``"proved"`` when the last tactic closes
        the proof, or ``"error"``/``"hang"`` at the first such tactic (a tactic
        after a closing one is an error).
        """
        current = self.root
        for tactic in proof:
            if current == PROVED:
                return ERROR
            current = self.script.get(current, {}).get(tactic, ERROR)
            if current in (ERROR, HANG):
                return current
        return current

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        """Accept ``proof`` when replaying it ends exactly at ``"proved"``."""
        return Verification(
            ok=self.replay(proof) == PROVED, proof_text="\n".join(proof), checks=("fake-replay",)
        )

    def close(self) -> None:
        """Mark the environment closed."""
        self.closed = True


@dataclass(kw_only=True)
class ScriptedGenerator:
    """A fake :class:`~search.protocols.TacticGenerator` with fixed candidates per state.

    ``candidates`` maps a state name (see :func:`scripted_state`) to ``(tactic,
    score)`` pairs. Each request gets its state's pairs sorted by descending score
    and cut to ``num_candidates``. ``batches`` records every call's requests;
    every call sleeps ``cost_s``.
    """

    candidates: Mapping[str, Sequence[tuple[str, float]]]
    sleep: Callable[[float], None] = time.sleep
    cost_s: float = 0.0
    batches: list[list[GenerationRequest]] = field(default_factory=list)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Scripted candidates for each request, in request order."""
        self.batches.append(list(requests))
        if self.cost_s > 0:
            self.sleep(self.cost_s)
        by_key = {scripted_state(name).key: pairs for name, pairs in self.candidates.items()}
        results: list[list[Candidate]] = []
        for request in requests:
            pairs = sorted(by_key.get(request.state.key, ()), key=lambda pair: -pair[1])
            chosen = pairs[: request.num_candidates]
            results.append([Candidate(tactic=tactic, score=score) for tactic, score in chosen])
        return results

    @classmethod
    def from_script(
        cls, script: Mapping[str, Mapping[str, str]], *, score: float = -1.0
    ) -> ScriptedGenerator:
        """Propose every scripted tactic of each state, all with the same ``score``."""
        candidates = {
            name: [(tactic, score) for tactic in tactics] for name, tactics in script.items()
        }
        return cls(candidates=candidates)


@dataclass
class SamplingGenerator:
    """A fake sampling model: the n-th request for a state gets the n-th of its draws.

    ``draws`` maps a state name (see :func:`scripted_state`), or ``"*"`` for any state
    not named (a real proof assistant's), to the successive answers of its requests, each
    a list of tactics scored -1; the last answer repeats. ``asked`` counts the requests per
    state key. It is what ``SearchConfig.resample_rounds`` exists for: asked again, a
    sampling model proposes what its first answer did not.
    """

    draws: Mapping[str, Sequence[Sequence[str]]]
    asked: dict[str, int] = field(default_factory=dict)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """The next draw of each request's state, in request order."""
        by_key = {scripted_state(name).key: answers for name, answers in self.draws.items()}
        results: list[list[Candidate]] = []
        for request in requests:
            key = request.state.key
            answers = by_key.get(key, self.draws.get("*", [()]))
            count = self.asked.get(key, 0)
            self.asked[key] = count + 1
            draw = answers[min(count, len(answers) - 1)] if answers else ()
            results.append([Candidate(tactic=tactic, score=-1.0) for tactic in draw])
        return results
