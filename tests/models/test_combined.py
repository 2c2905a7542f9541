"""Unions of any number of generators, and learn() forwarding."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import pytest

from models.combined import (
    CombinedGenerator,
    GeneratorPart,
    LearningCombinedGenerator,
    candidates_of_every_round,
    combine,
)
from search.errors import ConfigError, GeneratorError
from search.protocols import GenerationRequest, OnlineLearner, ProofStep
from search.states import Candidate


class Fixed:
    """A generator returning the same candidates for every request."""

    def __init__(self, *pairs: tuple[str, float]) -> None:
        self.candidates = [Candidate(tactic=t, score=s) for t, s in pairs]

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        return [list(self.candidates) for _ in requests]


class Learner(Fixed):
    """A fixed generator that records what it learns."""

    def __init__(self, *pairs: tuple[str, float]) -> None:
        super().__init__(*pairs)
        self.learned: list[ProofStep] = []

    def learn(self, steps: Sequence[ProofStep]) -> None:
        self.learned.extend(steps)


def test_three_parts_merge_with_weights(request_factory: Callable[..., GenerationRequest]) -> None:
    """Each part's weight shifts its scores; `auto` and `auto.` merge keeping the max."""
    union = combine(
        [
            GeneratorPart(name="portfolio", generator=Fixed(("auto", -1.0)), weight=-1.0),
            GeneratorPart(name="knn", generator=Fixed(("auto.", -1.5), ("lia.", -0.5))),
            GeneratorPart(name="openai", generator=Fixed(("ring", -3.0), ("lia", -4.0))),
        ]
    )
    [merged] = union.generate([request_factory(0)])
    assert [(c.tactic, c.score) for c in merged] == [
        ("lia.", -0.5),
        ("auto", -1.5),
        ("ring", -3.0),
    ]


def test_learning_is_forwarded_only_to_learners() -> None:
    """A union with a learner learns (forwarding to it); one without has no learn()."""
    learner = Learner()
    union = combine(
        [
            GeneratorPart(name="portfolio", generator=Fixed()),
            GeneratorPart(name="knn", generator=learner),
        ]
    )
    assert isinstance(union, LearningCombinedGenerator) and isinstance(union, OnlineLearner)
    step = ProofStep(state="⊢ True", tactic="trivial.", remaining_steps=1)
    union.learn([step])
    assert learner.learned == [step]
    plain = combine(
        [
            GeneratorPart(name="portfolio", generator=Fixed()),
            GeneratorPart(name="hf", generator=Fixed()),
        ]
    )
    assert not isinstance(plain, OnlineLearner)


def test_union_rules_and_wrong_answers(request_factory: Callable[..., GenerationRequest]) -> None:
    """Fewer than two parts or a repeated name is a ConfigError; a short answer a GeneratorError."""
    with pytest.raises(ConfigError, match="at least two"):
        CombinedGenerator([GeneratorPart(name="knn", generator=Fixed())])
    with pytest.raises(ConfigError, match="each generator once"):
        CombinedGenerator(
            [
                GeneratorPart(name="knn", generator=Fixed()),
                GeneratorPart(name="knn", generator=Fixed()),
            ]
        )

    class Short(Fixed):
        def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
            return []

    union = CombinedGenerator(
        [
            GeneratorPart(name="portfolio", generator=Fixed()),
            GeneratorPart(name="hf", generator=Short()),
        ]
    )
    with pytest.raises(GeneratorError, match="hf generator returned 0 lists for 1 requests"):
        union.generate([request_factory(0)])


class WaitsForItsDeadline:
    """A language model slower than any budget: waits until its deadline, then gives nothing."""

    def __init__(self) -> None:
        self.deadlines: list[float | None] = []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        self.deadlines.extend(request.deadline for request in requests)
        deadline = min(d for d in self.deadlines if d is not None)
        time.sleep(max(0.0, deadline - time.monotonic()))
        return [[] for _ in requests]


def test_a_slow_part_gets_half_the_time_left_and_the_fast_parts_still_answer(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """A part is cut at half the time left, so the union answers with the others in time."""
    slow = WaitsForItsDeadline()
    union = combine(
        [
            GeneratorPart(name="portfolio", generator=Fixed(("lia", -1.0))),
            GeneratorPart(name="openai", generator=slow),
        ]
    )
    started = time.monotonic()
    [answer] = union.generate([request_factory(0, deadline=started + 1.0)])
    finished = time.monotonic()
    assert [c.tactic for c in answer] == ["lia"]
    [deadline] = slow.deadlines
    assert deadline is not None and started + 0.45 <= deadline <= started + 0.55
    assert finished < started + 0.9, "the union must leave time to try its candidates"
    [no_deadline] = union.generate([request_factory(0)])
    assert slow.deadlines[-1] is None and [c.tactic for c in no_deadline] == ["lia"]


class Recording(Fixed):
    """A fixed generator that records the rounds it is asked for."""

    def __init__(self, *pairs: tuple[str, float]) -> None:
        super().__init__(*pairs)
        self.stages: list[int] = []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        self.stages.extend(request.stage for request in requests)
        return super().generate(requests)


def test_a_late_part_answers_only_the_second_round(
    request_factory: Callable[..., GenerationRequest],
) -> None:
    """With a late part the union has two rounds: cheap parts in round 0, the late in round 1."""
    cheap, late = Recording(("lia", -1.0)), Recording(("ring", -0.5))
    union = combine(
        [
            GeneratorPart(name="portfolio", generator=cheap),
            GeneratorPart(name="openai", generator=late, late=True),
        ]
    )
    assert union.stages == 2
    first, second = request_factory(0), replace(request_factory(1), stage=1)
    answers = union.generate([first, second])
    assert [[c.tactic for c in answer] for answer in answers] == [["lia"], ["ring"]]
    assert (cheap.stages, late.stages) == ([0], [1])
    assert [c.tactic for c in candidates_of_every_round(union, first)] == ["ring", "lia"]
    with pytest.raises(GeneratorError, match="no round 2"):
        union.generate([replace(first, stage=2)])


def test_a_union_without_late_parts_has_one_round_and_all_late_is_refused() -> None:
    """No late part: one round; every part late: a ConfigError (nothing would be asked first)."""
    assert (
        combine(
            [GeneratorPart(name="a", generator=Fixed()), GeneratorPart(name="b", generator=Fixed())]
        ).stages
        == 1
    )
    with pytest.raises(ConfigError, match="not late"):
        combine(
            [
                GeneratorPart(name="a", generator=Fixed(), late=True),
                GeneratorPart(name="b", generator=Fixed(), late=True),
            ]
        )
