"""Resampling rounds: a node's last stage asked again while time is left, never a tactic twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from search import SearchConfig, SearchStatus, Theorem
from search.engine import best_first_search
from search.errors import ConfigError
from search.protocols import GenerationRequest
from search.result import StopReason
from search.states import Candidate
from search.testing import FakeClock, ScriptedEnvironment

THEOREM = Theorem(name="t", header="", statement="theorem t : True")


@dataclass(kw_only=True)
class Sampler:
    """A staged fake: round 0 gives ``cheap``; each round-1 request the next of ``draws``.

    ``draws`` maps a state name to the successive answers of its late round (the last
    one repeats once they run out), as a sampling model's fresh draws would differ.
    """

    cheap: Mapping[str, Sequence[tuple[str, float]]]
    draws: Mapping[str, Sequence[Sequence[tuple[str, float]]]]
    asked: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def stages(self) -> int:
        return 2

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        answers = []
        for request in requests:
            name = str(request.state.handle)
            late_so_far = sum(1 for asked, stage, _ in self.asked if asked == name and stage)
            self.asked.append((name, request.stage, request.seed))
            if request.stage == 0:
                pairs = self.cheap.get(name, ())
            else:
                draws = self.draws.get(name, [()])
                pairs = draws[min(late_so_far, len(draws) - 1)]
            answers.append([Candidate(tactic=t, score=s) for t, s in pairs])
        return answers


def search(
    script: Mapping[str, Mapping[str, str]], generator: Sampler, *, resample_rounds: int
) -> tuple[ScriptedEnvironment, StopReason, tuple[str, ...] | None]:
    """Search the scripted theorem rooted at "R"; returns the env, stop reason and proof."""
    clock = FakeClock()
    env = ScriptedEnvironment(script, root="R", sleep=clock.sleep)
    config = SearchConfig(resample_rounds=resample_rounds)
    result = best_first_search(THEOREM, env, generator, config=config, clock=clock)
    result.graph.check_invariants()
    if result.status is SearchStatus.PROVED:
        assert env.replay(result.proof or ()) == "proved"
    return env, result.stop_reason, result.proof


SCRIPT = {"R": {"bad": "error", "miss": "error", "done": "proved"}}
DRAWS = {"R": [[("miss", -1.0)], [("miss", -1.0), ("done", -2.0)]]}


def test_without_resampling_the_search_stops_when_the_late_round_fails() -> None:
    """resample_rounds=0 keeps the two-round behaviour: the frontier empties after round 1."""
    generator = Sampler(cheap={"R": [("bad", -1.0)]}, draws=DRAWS)
    _, reason, proof = search(SCRIPT, generator, resample_rounds=0)
    assert reason is StopReason.FRONTIER_EMPTY and proof is None
    assert [(name, stage) for name, stage, _ in generator.asked] == [("R", 0), ("R", 1)]


def test_a_resampled_round_finds_the_proof_the_first_draw_missed() -> None:
    """The root's late stage is asked again; its second draw holds the closing tactic."""
    generator = Sampler(cheap={"R": [("bad", -1.0)]}, draws=DRAWS)
    _, reason, proof = search(SCRIPT, generator, resample_rounds=3)
    assert reason is StopReason.PROOF_FOUND and proof == ("done",)
    assert [(name, stage) for name, stage, _ in generator.asked] == [("R", 0), ("R", 1), ("R", 1)]


def test_each_resampled_round_gets_its_own_seed() -> None:
    """Seeds differ between a node's rounds, so a seeded sampler draws anew each time."""
    script = {"R": {"bad": "error"}}
    draws = {"R": [[("a", -1.0)], [("b", -1.0)], [("c", -1.0)], [("d", -1.0)]]}
    generator = Sampler(cheap={"R": [("bad", -1.0)]}, draws=draws)
    search(script, generator, resample_rounds=2)
    seeds = [seed for _, stage, seed in generator.asked if stage == 1]
    assert len(seeds) == 3 and len(set(seeds)) == 3


def test_a_tactic_already_run_on_a_node_is_not_run_again() -> None:
    """A draw repeating "miss" runs only "done"; "miss" reaches the backend once."""
    generator = Sampler(cheap={"R": [("bad", -1.0)]}, draws=DRAWS)
    env, _, _ = search(SCRIPT, generator, resample_rounds=3)
    runs = [tactic for _, tactic, _ in env.tactic_calls]
    assert runs == ["bad", "miss", "done"]


def test_a_resampled_round_with_nothing_new_ends_the_node() -> None:
    """A draw that only repeats tried tactics finishes the root though rounds remain."""
    generator = Sampler(cheap={"R": [("bad", -1.0)]}, draws={"R": [[("miss", -1.0)]]})
    env, reason, _ = search(SCRIPT, generator, resample_rounds=5)
    assert reason is StopReason.FRONTIER_EMPTY
    assert [stage for _, stage, _ in generator.asked] == [0, 1, 1]
    assert env.num_tactic_calls == 2


def test_resampled_rounds_stop_at_the_configured_count() -> None:
    """With fresh tactics every draw, the root is asked 1 + resample_rounds late rounds."""
    script = {"R": {"bad": "error"}}
    draws = {"R": [[(f"t{index}", -1.0)] for index in range(10)]}
    generator = Sampler(cheap={"R": [("bad", -1.0)]}, draws=draws)
    _, reason, _ = search(script, generator, resample_rounds=3)
    assert reason is StopReason.FRONTIER_EMPTY
    assert [stage for _, stage, _ in generator.asked] == [0, 1, 1, 1, 1]


def test_resampled_rounds_wait_behind_the_children_of_the_late_round() -> None:
    """The root's repeat (queued at -1 + -1 = -2) comes after its late child A (-1)."""
    script = {"R": {"bad": "error", "a": "A"}, "A": {}}
    draws = {"R": [[("a", -1.0)], [("x", -1.0)]], "A": [[]]}
    generator = Sampler(cheap={"R": [("bad", -1.0)], "A": []}, draws=draws)
    search(script, generator, resample_rounds=1)
    order = [(name, stage) for name, stage, _ in generator.asked]
    assert order == [("R", 0), ("R", 1), ("A", 0), ("A", 1), ("R", 1)]


@pytest.mark.parametrize("value", [-1, True, 1.5])
def test_config_refuses_a_bad_resample_count_naming_the_field(value: object) -> None:
    """resample_rounds must be a non-negative integer; the error names the field."""
    with pytest.raises(ConfigError, match="resample_rounds"):
        SearchConfig(resample_rounds=value)  # type: ignore[arg-type]
