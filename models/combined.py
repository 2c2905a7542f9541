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

Parts marked late (``--late-parts``) make the union a two-round
:class:`~search.protocols.StagedGenerator`: round 0 asks the other parts only, round 1
(the state selected again, after its round-0 tactics were tried) asks the late parts only.
A slow language model is then consulted only where the cheap parts left a state open.

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
from search.protocols import (
    GenerationRequest,
    OnlineLearner,
    ProofStep,
    TacticGenerator,
    generation_stages,
)
from search.states import Candidate, normalize_text

__all__ = [
    "PART_TIME_SHARE",
    "CombinedGenerator",
    "GeneratorPart",
    "LearningCombinedGenerator",
    "candidates_of_every_round",
    "combine",
    "merge_union",
]


PART_TIME_SHARE = 0.5
"""The share of the time left that one part of a union may wait for (project choice)."""


@dataclass(frozen=True, kw_only=True)
class GeneratorPart:
    """One member of a union: its name (for messages), generator, score shift and round."""

    name: str
    generator: TacticGenerator
    weight: float = 0.0
    late: bool = False

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
        if all(part.late for part in parts):
            raise ConfigError(f"a union needs a part that is not late, got {'+'.join(names)}")
        self.parts = tuple(parts)

    @property
    def stages(self) -> int:
        """2 when some part is late (asked on a state's second round only), else 1."""
        return 2 if any(part.late for part in self.parts) else 1

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """For each request, the deduplicated union of its round's parts' candidates."""
        answers: list[list[list[Candidate]]] = [[] for _ in requests]
        for part in self.parts:
            indices = [i for i, r in enumerate(requests) if self._asks(part, r.stage)]
            if not indices:
                continue
            asked = _with_time_share([requests[index] for index in indices])
            answer = part.generator.generate(asked)
            if len(answer) != len(asked):
                raise GeneratorError(
                    f"{part.name} generator returned {len(answer)} lists for {len(asked)} requests"
                )
            for index, candidates in zip(indices, answer, strict=True):
                answers[index].append(_shifted(candidates, part.weight))
        return [merge_union(lists) for lists in answers]

    def _asks(self, part: GeneratorPart, stage: int) -> bool:
        """Whether ``part`` answers round ``stage`` (every part does in a one-round union)."""
        if self.stages == 1:
            return True
        if stage not in (0, 1):
            raise GeneratorError(f"a two-round union has no round {stage}")
        return part.late == (stage == 1)


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


def candidates_of_every_round(
    generator: TacticGenerator, request: GenerationRequest
) -> list[Candidate]:
    """One state's candidates from every round of ``generator`` merged, best first.

    Suggestion lists (``assist``, the server's ``/generate``) show what every part
    proposes at once; only the search spends the rounds one after the other.
    """
    rounds = [
        generator.generate([replace(request, stage=stage)])[0]
        for stage in range(generation_stages(generator))
    ]
    return merge_union(rounds)
