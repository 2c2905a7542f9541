"""Tests of the Ray eval workers: a shared, batching generator actor and 2 worker actors on Coq."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.registry import GeneratorConfig
from prover.backends.factory import BackendConfig
from prover.data.benchmarks import load_benchmark, select_entries
from prover.evaluation.workers import AttemptOutcome, AttemptTask, WorkerSetup
from search.config import SearchConfig
from search.protocols import GenerationRequest
from search.states import Goal, ProofState, Theorem

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.slow, pytest.mark.coq]


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local 2-CPU Ray instance with its auth token and files kept out of the real HOME."""
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    patch.setenv("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        patch.undo()


def _request(seed: int) -> GenerationRequest:
    goal = Goal(hypotheses=(), conclusion=f"{seed} = {seed}")
    state = ProofState(goals=(goal,), handle=seed, text=goal.conclusion)
    theorem = Theorem(name="t", header="", statement=f"Theorem t : {seed} = {seed}.")
    return GenerationRequest(
        theorem=theorem, state=state, proof_so_far=(), num_candidates=3, seed=seed
    )


def test_generator_service_batches_concurrent_calls(ray_cluster: Any) -> None:
    """Calls from several workers inside the window become one generate() call."""
    from prover.evaluation.ray_workers import GeneratorService

    service = (
        ray_cluster.remote(GeneratorService)
        .options(max_concurrency=8)
        .remote(GeneratorConfig(), language="coq", window_s=1.0)
    )
    # the actor is up before the calls go out, so all four land inside one window even on a
    # loaded machine (a CI run saw two batches with a 0.3 s window and a cold actor)
    assert ray_cluster.get(service.stats.remote()) == {"calls": 0, "requests": 0}
    references = [service.generate.remote([_request(seed)]) for seed in range(4)]
    answers = ray_cluster.get(references)
    assert [len(answer) for answer in answers] == [1, 1, 1, 1]
    assert all(len(answer[0]) == 3 for answer in answers)
    assert ray_cluster.get(service.stats.remote()) == {"calls": 1, "requests": 4}
    ray_cluster.kill(service)


def test_two_worker_actors_run_a_tiny_eval(ray_cluster: Any, tmp_path: Path) -> None:
    """Two Coq worker actors with the shared generator finish every task once."""
    from prover.evaluation.ray_workers import run_ray_pool

    entries = select_entries(
        load_benchmark("minif2f-coq", split="valid"),
        names=["amc12_2001_p2", "algebra_apb4leq8ta4pb4"],
    )
    tasks = [
        AttemptTask(key=entry.key, attempt=attempt, theorem=entry.theorem)
        for entry in entries
        if entry.theorem is not None
        for attempt in range(2)
    ]
    setup = WorkerSetup(
        backend=BackendConfig(),
        generator=GeneratorConfig(),
        search=SearchConfig(time_limit_s=8.0, max_expansions=4),
    )
    outcomes: list[AttemptOutcome] = []
    stats: dict[str, int] = {}
    run_ray_pool(tasks, setup, workers=2, address="auto", on_outcome=outcomes.append, stats=stats)
    keys = sorted((o.record.name, o.record.attempt) for o in outcomes)
    assert keys == sorted((t.key, t.attempt) for t in tasks)
    proved = [o for o in outcomes if o.record.proved]
    assert proved and all(o.graph is not None for o in proved)
    assert stats["requests"] >= stats["calls"] >= 1
