"""Staged generators: a state expanded in rounds, the late round after its children."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from search import SearchConfig, SearchStatus, Theorem
from search.engine import best_first_search
from search.protocols import GenerationRequest, StagedGenerator, generation_stages
from search.states import Candidate
from search.testing import FakeClock, ScriptedEnvironment, ScriptedGenerator

THEOREM = Theorem(name="t", header="", statement="theorem t : True")

Pairs = Mapping[str, Sequence[tuple[str, float]]]


@dataclass(kw_only=True)
class TwoRounds:
    """A staged fake: ``cheap`` answers round 0, ``late`` round 1; requests are recorded."""

    cheap: Pairs
    late: Pairs
    asked: list[tuple[str, int]] = field(default_factory=list)

    @property
    def stages(self) -> int:
        return 2

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        answers = []
        for request in requests:
            self.asked.append((str(request.state.handle), request.stage))
            source = self.late if request.stage == 1 else self.cheap
            [answer] = ScriptedGenerator(candidates=source).generate([request])
            answers.append(answer)
        return answers


def search(
    script: Mapping[str, Mapping[str, str]], generator: TwoRounds
) -> tuple[ScriptedEnvironment, SearchStatus, tuple[str, ...] | None]:
    """Search the scripted theorem rooted at "R" with ``generator``."""
    clock = FakeClock()
    env = ScriptedEnvironment(script, root="R", sleep=clock.sleep)
    result = best_first_search(THEOREM, env, generator, config=SearchConfig(), clock=clock)
    result.graph.check_invariants()
    return env, result.status, result.proof


def test_staged_fake_is_seen_as_two_rounds_and_plain_generators_as_one() -> None:
    """generation_stages reads a staged generator's rounds and gives 1 for any other."""
    staged = TwoRounds(cheap={}, late={})
    assert isinstance(staged, StagedGenerator) and generation_stages(staged) == 2
    assert generation_stages(ScriptedGenerator(candidates={})) == 1


def test_late_round_proves_where_the_cheap_round_failed() -> None:
    """Every cheap tactic fails at the root; the root is not failed but asked again, late."""
    script = {"R": {"bad": "error", "done": "proved"}}
    generator = TwoRounds(cheap={"R": [("bad", -1.0)]}, late={"R": [("done", -2.0)]})
    _, status, proof = search(script, generator)
    assert status is SearchStatus.PROVED and proof == ("done",)
    assert generator.asked == [("R", 0), ("R", 1)]


def test_late_round_is_never_asked_when_the_cheap_round_proves() -> None:
    """A proof from the cheap round's child ends the search before any late request."""
    script = {"R": {"a": "A"}, "A": {"close": "proved"}}
    generator = TwoRounds(
        cheap={"R": [("a", -1.0)], "A": [("close", -1.0)]}, late={"R": [("a", -0.1)]}
    )
    _, status, proof = search(script, generator)
    assert status is SearchStatus.PROVED and proof == ("a", "close")
    assert all(stage == 0 for _, stage in generator.asked)


def test_late_round_waits_behind_the_children_of_the_cheap_round() -> None:
    """R's late round (at R's worst cheap score, -3) comes after every round of A and B (-2)."""
    script = {"R": {"a": "A", "c": "error"}, "A": {"b": "B"}, "B": {}}
    generator = TwoRounds(
        cheap={"R": [("a", -1.0), ("c", -3.0)], "A": [("b", -1.0)], "B": []},
        late={"R": [], "A": [], "B": []},
    )
    _, status, _ = search(script, generator)
    assert status is SearchStatus.FAILED
    # A's late round sits at -1 + -1 = -2, queued before B's (-2, no cheap candidates).
    assert generator.asked == [("R", 0), ("A", 0), ("B", 0), ("A", 1), ("B", 1), ("R", 1)]
