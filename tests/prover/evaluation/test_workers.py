"""Tests of the eval workers: graph export, the local process pool on Coq, startup failures."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from models.registry import GeneratorConfig
from prover.backends.factory import BackendConfig
from prover.data.benchmarks import load_benchmark, select_entries
from prover.evaluation.workers import (
    AttemptOutcome,
    AttemptRunner,
    AttemptTask,
    WorkerSetup,
    graph_to_json,
    run_local_pool,
)
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import BackendCrashed
from search.states import Theorem
from search.testing import ScriptedEnvironment, ScriptedGenerator

THEOREM = Theorem(name="t", header="", statement="theorem t : True")


def test_graph_of_a_proved_search_is_node_link_json() -> None:
    """The stored graph is strict JSON with terminal nodes renamed and proved states marked."""
    script = {"R": {"split": "A", "bad": "error"}, "A": {"done": "proved"}}
    result = best_first_search(
        THEOREM,
        ScriptedEnvironment(script, root="R"),
        ScriptedGenerator.from_script(script),
        config=SearchConfig(time_limit_s=10.0),
    )
    text = graph_to_json(result)
    assert text is not None
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-JSON {name}"))
    graph = nx.node_link_graph(data, edges="links")
    assert "terminal:proof_complete" in graph
    assert {attrs.get("status") for _, attrs in graph.nodes(data=True)} >= {"proved"}


def test_failed_search_stores_no_graph() -> None:
    """Only proved attempts keep their graph."""
    script = {"R": {"bad": "error"}}
    result = best_first_search(
        THEOREM,
        ScriptedEnvironment(script, root="R"),
        ScriptedGenerator.from_script(script),
        config=SearchConfig(time_limit_s=10.0),
    )
    assert graph_to_json(result) is None


def _coq_tasks(names: list[str], attempts: int) -> list[AttemptTask]:
    entries = select_entries(load_benchmark("minif2f-coq", split="valid"), names=names)
    return [
        AttemptTask(key=entry.key, attempt=attempt, theorem=entry.theorem)
        for entry in entries
        if entry.theorem is not None
        for attempt in range(attempts)
    ]


@pytest.mark.coq
def test_local_pool_of_two_workers_runs_every_task_once() -> None:
    """Two spawned Coq workers return one outcome per task, proved ones with a graph."""
    tasks = _coq_tasks(["amc12_2001_p2", "algebra_apb4leq8ta4pb4"], attempts=2)
    setup = WorkerSetup(
        backend=BackendConfig(),
        generator=GeneratorConfig(),
        search=SearchConfig(time_limit_s=8.0, max_expansions=3),
    )
    outcomes: list[AttemptOutcome] = []
    run_local_pool(tasks, setup, workers=2, on_outcome=outcomes.append)
    keys = sorted((o.record.name, o.record.attempt) for o in outcomes)
    assert keys == sorted((t.key, t.attempt) for t in tasks)
    seeds = {o.record.seed for o in outcomes}
    assert len(seeds) == len(tasks)  # every attempt has its own seed
    for outcome in outcomes:
        assert (outcome.graph is not None) == (outcome.record.proved)


def test_worker_that_cannot_start_is_a_clear_error(tmp_path: Path) -> None:
    """A worker whose backend cannot be built stops the pool with the reason."""
    tasks = [AttemptTask(key="t", attempt=0, theorem=THEOREM)]
    setup = WorkerSetup(
        backend=BackendConfig(name="leandojo", sandbox="off"),  # no --lean-project: cannot start
        generator=GeneratorConfig(),
        search=SearchConfig(time_limit_s=1.0),
    )
    with pytest.raises(BackendCrashed, match=r"could not start.*--lean-project"):
        run_local_pool(tasks, setup, workers=1, on_outcome=lambda outcome: None)
    runner = AttemptRunner(setup)
    runner.close()  # closing a runner that never started is harmless
