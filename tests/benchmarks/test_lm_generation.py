"""The LM generation benchmark times one batched call, then one request per state."""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.lm_generation import _measure
from search.protocols import GenerationRequest
from search.states import Candidate, ProofState, Theorem

_THEOREM = Theorem(name="t", header="", statement="Theorem t : True.")


class _CountingGenerator:
    """Answers every state with one candidate and remembers each call's batch size."""

    def __init__(self) -> None:
        self.batch_sizes: list[int] = []

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        self.batch_sizes.append(len(requests))
        return [[Candidate(tactic="trivial.", score=0.0)] for _ in requests]


def _requests(count: int) -> list[GenerationRequest]:
    return [
        GenerationRequest(
            theorem=_THEOREM,
            state=ProofState(goals=(), handle=index, text=f"goal {index}"),
            proof_so_far=(),
            num_candidates=4,
            seed=index,
        )
        for index in range(count)
    ]


def test_measure_warms_up_batches_then_asks_one_state_per_request() -> None:
    """Calls: a one-state warm-up, the whole batch, then --sequential-states single calls."""
    generator = _CountingGenerator()
    measured = _measure(generator, _requests(5), sequential=3)
    assert generator.batch_sizes == [1, 5, 1, 1, 1]
    assert len(measured.answers) == 5
    assert len(measured.latencies) == 3
    assert all(latency >= 0 for latency in measured.latencies)


def test_measure_with_fewer_states_than_the_latency_sample() -> None:
    """The latency sample is capped by the number of states."""
    generator = _CountingGenerator()
    measured = _measure(generator, _requests(2), sequential=16)
    assert len(measured.latencies) == 2
