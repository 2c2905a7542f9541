"""Union of several generators' candidates (``--generator portfolio+knn+openai`` ...).

Every part sees the same batch of requests. Each part's scores are shifted by its weight
(``--portfolio-weight``, ``--knn-weight``; 0 for the others) and the lists are merged: a
tactic proposed by several parts keeps its highest score, the first spelling seen (parts in
order) and no duplicate. Tactics are compared after whitespace normalisation and without a
final period, since the Coq backend runs ``auto`` and ``auto.`` alike.

:func:`combine` returns a :class:`LearningCombinedGenerator` when some part learns online
(:class:`~search.protocols.OnlineLearner`); it forwards :meth:`learn` to those parts.
Unions without such a part are plain :class:`CombinedGenerator` objects, so the prover
never pays for collecting proofs nobody learns from.

Each part may use at most :data:`PART_TIME_SHARE` of the time left before the search's
deadline: a language model server slower than the budget is cut there, and the union still
answers with the fast parts' candidates while the search has time to try them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest, OnlineLearner, ProofStep, TacticGenerator
from search.states import Candidate, normalize_text

__all__ = [
    "PART_TIME_SHARE",
    "CombinedGenerator",
    "GeneratorPart",
    "LearningCombinedGenerator",
    "combine",
    "merge_union",
]


PART_TIME_SHARE = 0.5
"""The share of the time left that one part of a union may wait for (project choice)."""


@dataclass(frozen=True, kw_only=True)
class GeneratorPart:
    """One member of a union: its name (for messages), generator and score shift."""

    name: str
    generator: TacticGenerator
    weight: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.weight, bool) or not math.isfinite(self.weight):
            raise ConfigError(f"{self.name} weight must be a finite number, got {self.weight!r}")


class CombinedGenerator:
    """Merges the candidates of every part per request."""

    def __init__(self, parts: Sequence[GeneratorPart]) -> None:
        if len(parts) < 2:
            raise ConfigError(f"a union needs at least two generators, got {len(parts)}")
        names = [part.name for part in parts]
        if len(set(names)) != len(names):
            raise ConfigError(f"a union names each generator once, got {'+'.join(names)}")
        self.parts = tuple(parts)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """For each request, the deduplicated union of every part's candidates."""
        answers = []
        for part in self.parts:
            answer = part.generator.generate(_with_time_share(requests))
            if len(answer) != len(requests):
                raise GeneratorError(
                    f"{part.name} generator returned {len(answer)} lists for "
                    f"{len(requests)} requests"
                )
            answers.append([_shifted(candidates, part.weight) for candidates in answer])
        return [merge_union(answer[index] for answer in answers) for index in range(len(requests))]


class LearningCombinedGenerator(CombinedGenerator):
    """A union with at least one online learner; :meth:`learn` reaches every learner."""

    def learn(self, steps: Sequence[ProofStep]) -> None:
        """Forward ``steps`` to the parts that learn."""
        for part in self.parts:
            if isinstance(part.generator, OnlineLearner):
                part.generator.learn(steps)


def combine(parts: Sequence[GeneratorPart]) -> CombinedGenerator:
    """The union of ``parts``, able to learn when one of them does."""
    if any(isinstance(part.generator, OnlineLearner) for part in parts):
        return LearningCombinedGenerator(parts)
    return CombinedGenerator(parts)


def _with_time_share(requests: Sequence[GenerationRequest]) -> list[GenerationRequest]:
    """``requests`` whose deadlines leave the rest of the time to the other parts' candidates."""
    now = time.monotonic()
    return [
        request
        if request.deadline is None
        else replace(request, deadline=now + PART_TIME_SHARE * max(0.0, request.deadline - now))
        for request in requests
    ]


def _shifted(candidates: Iterable[Candidate], weight: float) -> list[Candidate]:
    if weight == 0.0:
        return list(candidates)
    return [Candidate(tactic=c.tactic, score=c.score + weight) for c in candidates]


def _key(tactic: str) -> str:
    text = normalize_text(tactic)
    return text[:-1].rstrip() if text.endswith(".") else text


def merge_union(lists: Iterable[Sequence[Candidate]]) -> list[Candidate]:
    """Merge candidate lists: max score per tactic, first spelling kept, best first (stable)."""
    best: dict[str, Candidate] = {}
    for candidates in lists:
        for candidate in candidates:
            key = _key(candidate.tactic)
            if not key:
                continue
            previous = best.get(key)
            if previous is None:
                best[key] = Candidate(
                    tactic=normalize_text(candidate.tactic), score=candidate.score
                )
            elif candidate.score > previous.score:
                best[key] = Candidate(tactic=previous.tactic, score=candidate.score)
    return sorted(best.values(), key=lambda c: -c.score)
