"""Tests of best_first_search on scripted environments and generators."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from search import (
    NodeScore,
    ProofEnvironment,
    ProofState,
    ScoreRequest,
    SearchConfig,
    SearchResult,
    SearchStatus,
    StopReason,
    TacticGenerator,
    Theorem,
)
from search.engine import best_first_search, derive_seed
from search.graph import NodeStatus
from search.protocols import GenerationRequest
from search.states import Candidate
from search.testing import FakeClock, ScriptedEnvironment, ScriptedGenerator, scripted_state

THEOREM = Theorem(name="t", header="", statement="theorem t : True")


def run(
    script: Mapping[str, Mapping[str, str]],
    candidates: Mapping[str, Sequence[tuple[str, float]]] | None = None,
    *,
    clock: FakeClock | None = None,
    tactic_cost_s: float = 0.0,
    **config: Any,
) -> tuple[SearchResult, ScriptedEnvironment, ScriptedGenerator]:
    """Search the scripted theorem rooted at "R" with a fake clock."""
    clock = clock or FakeClock()
    env = ScriptedEnvironment(script, root="R", sleep=clock.sleep, tactic_cost_s=tactic_cost_s)
    generator = (
        ScriptedGenerator(candidates=candidates)
        if candidates is not None
        else ScriptedGenerator.from_script(script)
    )
    result = best_first_search(THEOREM, env, generator, config=SearchConfig(**config), clock=clock)
    return result, env, generator


def test_fakes_satisfy_protocols() -> None:
    """The scripted fakes structurally implement the environment and generator protocols."""
    assert isinstance(ScriptedEnvironment({}, root="R"), ProofEnvironment)
    assert isinstance(ScriptedGenerator(candidates={}), TacticGenerator)


def test_finds_known_proof_and_reports_it() -> None:
    """A two-step proof is found, replays on the environment, and lists its states."""
    script = {"R": {"a": "A", "bad": "error"}, "A": {"b": "proved"}}
    result, env, _ = run(script)
    assert result.status is SearchStatus.PROVED
    assert result.stop_reason is StopReason.PROOF_FOUND
    assert result.proof == ("a", "b")
    assert result.proof_states == ("R", "A")
    assert env.verify(THEOREM, result.proof).ok
    assert {(node.state, node.remaining_steps) for node in result.proved_nodes} == {
        ("R", 2),
        ("A", 1),
    }
    result.graph.check_invariants()


def test_best_scores_expand_first_and_shortest_proof_is_returned() -> None:
    """The high-scoring branch is expanded first; the shortest known proof is reported."""
    script = {
        "R": {"good": "G", "poor": "P"},
        "G": {"g2": "G2"},
        "G2": {"done": "proved"},
        "P": {"done": "proved"},
    }
    candidates = {
        "R": [("poor", -5.0), ("good", -0.1)],
        "G": [("g2", -0.1)],
        "G2": [("done", -0.1)],
        "P": [("done", -0.1)],
    }
    result, env, _ = run(script, candidates)
    assert result.proof == ("good", "g2", "done")
    expanded_order = list(dict.fromkeys(name for name, _, _ in env.tactic_calls))
    assert expanded_order == ["R", "G", "G2"]
    assert result.expansions == 3


def test_dead_ends_fail_with_empty_frontier() -> None:
    """When every branch errors, the search fails with FRONTIER_EMPTY and the root is FAILED."""
    script = {"R": {"a": "A", "b": "error"}, "A": {"c": "error", "d": "B"}, "B": {}}
    result, _, _ = run(script)
    assert result.status is SearchStatus.FAILED
    assert result.stop_reason is StopReason.FRONTIER_EMPTY
    assert result.proof is None and result.proof_states == ()
    assert result.graph.root.status is NodeStatus.FAILED
    result.graph.check_invariants()


def test_cycle_terminates_without_proof() -> None:
    """A->B->A cycles end with an empty frontier and no node is PROVED."""
    script = {"R": {"go": "B"}, "B": {"back": "R", "stay": "B"}}
    result, env, _ = run(script)
    assert result.status is SearchStatus.FAILED
    assert result.stop_reason is StopReason.FRONTIER_EMPTY
    assert result.expansions == 2 and result.num_nodes == 2
    assert result.proved_nodes == ()
    assert env.num_tactic_calls == 3
    result.graph.check_invariants()


def test_identical_states_are_merged() -> None:
    """Two paths to the same state create one node, expanded once."""
    script = {
        "R": {"x": "A", "y": "B"},
        "A": {"m": "M"},
        "B": {"m": "M"},
        "M": {"bad": "error"},
    }
    result, env, _ = run(script)
    assert result.num_nodes == 4
    assert [call[0] for call in env.tactic_calls].count("M") == 1
    assert result.status is SearchStatus.FAILED


def test_hang_becomes_timeout_and_search_continues() -> None:
    """A hanging tactic times out at the tactic budget and another tactic proves the goal."""
    script = {"R": {"slow": "hang", "fast": "A"}, "A": {"end": "proved"}}
    candidates = {"R": [("slow", -0.1), ("fast", -0.2)], "A": [("end", -0.1)]}
    clock = FakeClock()
    result, env, _ = run(script, candidates, clock=clock, tactic_timeout_s=2.0, time_limit_s=60.0)
    assert result.status is SearchStatus.PROVED
    assert result.proof == ("fast", "end")
    assert env.tactic_calls[0] == ("R", "slow", 2.0)
    assert clock.now_s == pytest.approx(2.0)
    assert result.backend_time_s == pytest.approx(2.0)


def test_tactic_timeout_is_capped_by_remaining_time() -> None:
    """With little theorem time left, a tactic gets only the remaining time."""
    script = {"R": {"slow": "hang", "fast": "A"}, "A": {"end": "proved"}}
    candidates = {"R": [("slow", 0.0), ("fast", -1.0)], "A": [("end", 0.0)]}
    result, env, _ = run(script, candidates, time_limit_s=3.0, tactic_timeout_s=10.0)
    assert env.tactic_calls[0][2] == pytest.approx(3.0)
    assert result.status is SearchStatus.FAILED
    assert result.stop_reason is StopReason.TIME_LIMIT


def test_max_expansions_is_respected() -> None:
    """The search stops after max_expansions expansions on an endless chain."""
    script = {f"S{i}": {"next": f"S{i + 1}"} for i in range(50)} | {"R": {"next": "S0"}}
    result, _, _ = run(script, max_expansions=5)
    assert result.expansions == 5
    assert result.status is SearchStatus.FAILED
    assert result.stop_reason is StopReason.MAX_EXPANSIONS


def test_proof_in_last_allowed_expansion_is_proved() -> None:
    """A proof found in the expansion that exhausts max_expansions is still PROVED."""
    script = {"R": {"a": "A"}, "A": {"b": "proved"}}
    result, _, _ = run(script, max_expansions=2)
    assert result.expansions == 2
    assert result.status is SearchStatus.PROVED
    assert result.stop_reason is StopReason.PROOF_FOUND


def test_proof_found_as_time_runs_out_is_proved() -> None:
    """A proof whose last tactic crosses the time limit is reported PROVED."""
    script = {"R": {"a": "A"}, "A": {"b": "proved"}}
    result, _, _ = run(script, tactic_cost_s=1.0, time_limit_s=2.0)
    assert result.time_s >= 2.0
    assert result.status is SearchStatus.PROVED
    assert result.stop_reason is StopReason.PROOF_FOUND


def test_time_limit_is_respected_between_tactics() -> None:
    """The time limit is checked between tactics, stopping mid-expansion."""
    script = {"R": {f"t{i}": f"S{i}" for i in range(10)}}
    result, env, _ = run(script, tactic_cost_s=1.0, time_limit_s=3.5)
    assert env.num_tactic_calls == 4
    assert result.stop_reason is StopReason.TIME_LIMIT
    assert result.status is SearchStatus.FAILED
    assert not result.graph.root.expanded


def test_statement_error_gives_error_result() -> None:
    """A StatementError from open becomes an ERROR result, not an exception."""
    env = ScriptedEnvironment({}, root="R", open_error="unknown identifier")
    result = best_first_search(
        THEOREM, env, ScriptedGenerator(candidates={}), config=SearchConfig(), clock=FakeClock()
    )
    assert result.status is SearchStatus.ERROR
    assert result.stop_reason is StopReason.ERROR
    assert result.error == "StatementError: unknown identifier"
    assert result.num_nodes == 0 and result.graph is None


def test_backend_crash_mid_search_gives_error_result() -> None:
    """A BackendCrashed raised by run_tactic ends the search with ERROR and the message."""
    env = ScriptedEnvironment({"R": {"boom": "A"}}, root="R", crash_on=("boom",))
    generator = ScriptedGenerator(candidates={"R": [("boom", 0.0)]})
    result = best_first_search(THEOREM, env, generator, config=SearchConfig(), clock=FakeClock())
    assert result.status is SearchStatus.ERROR
    assert result.error is not None and "BackendCrashed" in result.error
    assert result.num_nodes == 1


def test_keyboard_interrupt_propagates() -> None:
    """KeyboardInterrupt is not swallowed by the error handling."""

    class Interrupting:
        def generate(self, requests: object) -> list[list[object]]:
            raise KeyboardInterrupt

    env = ScriptedEnvironment({"R": {}}, root="R")
    with pytest.raises(KeyboardInterrupt):
        best_first_search(THEOREM, env, Interrupting(), config=SearchConfig())  # type: ignore[arg-type]


def test_generator_receives_batches() -> None:
    """With expansion_batch_size > 1 the generator gets several states in one call."""
    script = {
        "R": {"a": "A", "b": "B", "c": "C"},
        "A": {"x": "error"},
        "B": {"x": "error"},
        "C": {"x": "error"},
    }
    result, _, generator = run(script, expansion_batch_size=3, num_candidates=4)
    sizes = [len(batch) for batch in generator.batches]
    assert sizes == [1, 3]
    assert {request.state.text for request in generator.batches[1]} == {"A", "B", "C"}
    assert all(request.num_candidates == 4 for batch in generator.batches for request in batch)
    assert result.expansions == 4


def test_seeds_are_derived_from_config_seed_and_state() -> None:
    """Request seeds come from sha256 of the base seed and the state key."""
    script = {"R": {"a": "A"}, "A": {}}
    _, _, generator = run(script, seed=7)
    seeds = [request.seed for batch in generator.batches for request in batch]
    assert seeds == [derive_seed(7, scripted_state(n).key) for n in ("R", "A")]
    assert derive_seed(7, "x") != derive_seed(8, "x")


class SeededGenerator(ScriptedGenerator):
    """Scripted candidates whose scores are redrawn from each request's seed (sha256)."""

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        batches = super().generate(requests)
        return [
            sorted(
                (Candidate(tactic=c.tactic, score=_seeded_score(r.seed, c.tactic)) for c in batch),
                key=lambda candidate: -candidate.score,
            )
            for r, batch in zip(requests, batches, strict=True)
        ]


def _seeded_score(seed: int, tactic: str) -> float:
    digest = hashlib.sha256(f"{seed}\x00{tactic}".encode()).digest()
    return -int.from_bytes(digest[:4], "big") / 2**32


def _seeded_run(seed: int) -> SearchResult:
    script = {
        "R": {"a": "A", "b": "B", "c": "error"},
        "A": {"d": "C", "e": "B"},
        "B": {"f": "C", "g": "hang"},
        "C": {"h": "proved", "i": "A"},
    }
    generator = SeededGenerator.from_script(script)
    env = ScriptedEnvironment(script, root="R", sleep=FakeClock().sleep)
    config = SearchConfig(seed=seed, expansion_batch_size=2)
    return best_first_search(THEOREM, env, generator, config=config, clock=FakeClock())


def test_same_seed_gives_identical_results() -> None:
    """With a generator that samples by seed, one seed repeats exactly and seeds differ."""
    first, second = _seeded_run(3), _seeded_run(3)
    assert first == second
    assert first.graph.edges == second.graph.edges
    others = [_seeded_run(seed) for seed in range(4, 12)]
    assert any(list(o.graph.edges) != list(first.graph.edges) for o in others), (
        "the seed must reach the generator and change the search"
    )


def test_custom_scorer_changes_expansion_order() -> None:
    """A scorer that prefers deeper states changes which node is expanded second."""

    class PreferName:
        def __init__(self, favourite: str) -> None:
            self.favourite = favourite

        def score(self, requests: Sequence[ScoreRequest]) -> list[NodeScore]:
            return [
                NodeScore(priority=10.0 if r.state.text == self.favourite else r.path_score)
                for r in requests
            ]

    script = {"R": {"a": "A", "b": "B"}, "A": {"x": "error"}, "B": {"y": "error"}}
    candidates = {"R": [("a", -0.1), ("b", -0.9)], "A": [("x", 0.0)], "B": [("y", 0.0)]}
    orders = []
    for scorer in (None, PreferName("B")):
        env = ScriptedEnvironment(script, root="R")
        generator = ScriptedGenerator(candidates=candidates)
        best_first_search(THEOREM, env, generator, config=SearchConfig(), scorer=scorer)
        orders.append([name for name, _, _ in env.tactic_calls])
    assert orders[0] == ["R", "R", "A", "B"]
    assert orders[1] == ["R", "R", "B", "A"]


def test_max_depth_stops_expansion() -> None:
    """Nodes at max_depth are never expanded."""
    script = {"R": {"a": "A"}, "A": {"b": "B"}, "B": {"c": "proved"}}
    result, env, _ = run(script, max_depth=2)
    assert result.status is SearchStatus.FAILED
    assert "B" not in {name for name, _, _ in env.tactic_calls}


def test_time_split_adds_up() -> None:
    """Generator, backend and scorer time are measured and overhead is the remainder."""
    clock = FakeClock()
    script = {"R": {"a": "A"}, "A": {"b": "proved"}}
    env = ScriptedEnvironment(script, root="R", sleep=clock.sleep, tactic_cost_s=0.5)
    generator = ScriptedGenerator.from_script(script)
    generator.sleep, generator.cost_s = clock.sleep, 0.25
    result = best_first_search(THEOREM, env, generator, config=SearchConfig(), clock=clock)
    assert result.backend_time_s == pytest.approx(1.0)
    assert result.generator_time_s == pytest.approx(0.5)
    assert result.time_s == pytest.approx(1.5)
    assert result.overhead_time_s == pytest.approx(0.0)


def test_opening_time_is_reported_apart_from_the_search_budget() -> None:
    """A slow open() is open_time_s; time_s and the time limit cover only the search."""
    clock = FakeClock()
    script = {"R": {"a": "A"}, "A": {"b": "proved"}}
    env = ScriptedEnvironment(script, root="R", sleep=clock.sleep, tactic_cost_s=0.5)
    original_open = env.open

    def slow_open(theorem: Theorem) -> ProofState:
        clock.advance(30.0)
        return original_open(theorem)

    env.open = slow_open  # type: ignore[method-assign]
    generator = ScriptedGenerator.from_script(script)
    result = best_first_search(
        THEOREM, env, generator, config=SearchConfig(time_limit_s=10.0), clock=clock
    )
    assert result.status is SearchStatus.PROVED
    assert result.open_time_s == pytest.approx(30.0)
    assert result.time_s == pytest.approx(1.0)
    assert result.to_dict()["open_time_s"] == pytest.approx(30.0)


def test_requests_carry_the_time_left_as_a_real_monotonic_deadline() -> None:
    """Each request's deadline is time.monotonic() plus the search time left (fake clock)."""
    clock = FakeClock()
    script = {"R": {"a": "A"}, "A": {"b": "proved"}}
    env = ScriptedEnvironment(script, root="R", sleep=clock.sleep, tactic_cost_s=4.0)
    generator = ScriptedGenerator.from_script(script)
    before = time.monotonic()
    best_first_search(THEOREM, env, generator, config=SearchConfig(time_limit_s=10.0), clock=clock)
    after = time.monotonic()
    deadlines = [request.deadline for batch in generator.batches for request in batch]
    assert deadlines[0] is not None and before + 10.0 <= deadlines[0] <= after + 10.0
    assert deadlines[1] is not None and before + 6.0 <= deadlines[1] <= after + 6.0


def test_generator_cut_by_the_deadline_ends_the_search_without_closing_the_node() -> None:
    """Empty lists returned past the time limit mean no time, so no node is marked expanded."""
    clock = FakeClock()

    class CutAtDeadline:
        def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
            clock.advance(11.0)  # waits past the limit, as a slow language model server does
            return [[] for _ in requests]

    env = ScriptedEnvironment({"R": {}}, root="R", sleep=clock.sleep)
    result = best_first_search(
        THEOREM, env, CutAtDeadline(), config=SearchConfig(time_limit_s=10.0), clock=clock
    )
    assert result.stop_reason is StopReason.TIME_LIMIT
    assert result.expansions == 0
    assert result.graph is not None and not result.graph.root.expanded
    assert result.graph.root.status is NodeStatus.OPEN
