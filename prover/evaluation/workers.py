"""Run eval attempts: one proof assistant and one generator per worker, local processes.

:class:`AttemptRunner` runs attempts inside one process (it is also what each Ray actor
holds). :func:`run_local_pool` starts ``N`` spawned worker processes that each own an
:class:`AttemptRunner`; the parent receives every outcome as soon as it exists and writes
it. A worker whose parent dies (even by SIGKILL) closes its proof assistant and exits.
"""

from __future__ import annotations

import json
import logging
import math
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from models.progress.config import ScoringConfig, build_scoring
from models.registry import GeneratorConfig, build_generator
from prover.attempts.learning import learn_from_record
from prover.attempts.record import AttemptRecord, attempt_seed
from prover.attempts.run import error_record, prove_theorem
from prover.backends.factory import BackendConfig, open_environment
from prover.backends.verifier_identity import verifier_fingerprint
from search.config import SearchConfig
from search.errors import BackendCrashed, ProverError
from search.protocols import NodeScorer, ProofEnvironment, SamplingSchedule, TacticGenerator
from search.result import SearchResult, SearchStatus
from search.states import Theorem

__all__ = [
    "AttemptOutcome",
    "AttemptRunner",
    "AttemptTask",
    "WorkerSetup",
    "graph_to_json",
    "run_local_pool",
]

logger = logging.getLogger(__name__)

#: Graphs larger than this are not stored (a picture of them would be unreadable anyway).
MAX_STORED_GRAPH_NODES = 3000


@dataclass(frozen=True, kw_only=True)
class AttemptTask:
    """Attempt ``attempt`` of the theorem keyed ``key``."""

    key: str
    attempt: int
    theorem: Theorem


@dataclass(frozen=True, kw_only=True)
class AttemptOutcome:
    """A finished attempt: its record and, if proved, its search graph (node-link JSON)."""

    record: AttemptRecord
    graph: str | None = None


@dataclass(frozen=True, kw_only=True)
class WorkerSetup:
    """What every worker needs to build its own environment and generator."""

    backend: BackendConfig
    generator: GeneratorConfig
    search: SearchConfig
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    keep_graphs: bool = True


class AttemptRunner:
    """Runs attempts in this process with one environment and one generator.

    Both are built on first use; a failure to build them raises (a run-wide problem such
    as a missing coqtop or model), while a failure inside one attempt is recorded.
    """

    def __init__(self, setup: WorkerSetup, *, generator: TacticGenerator | None = None) -> None:
        self.setup = setup
        self._generator = generator
        self._environment: ProofEnvironment | None = None
        self._scoring: tuple[NodeScorer | None, SamplingSchedule | None] | None = None

    def start(self) -> None:
        """Build the generator and open the environment now (raises on failure)."""
        verifier_fingerprint()  # of the code as loaded now, before anyone edits it
        if self._generator is None:
            self._generator = build_generator(
                self.setup.generator, language=self.setup.backend.language
            )
        if self._scoring is None:
            self._scoring = build_scoring(self.setup.scoring, self.setup.search)
        if self._environment is None:
            self._environment = open_environment(self.setup.backend)

    def run(self, task: AttemptTask) -> AttemptOutcome:
        """Search, verify and record one attempt."""
        self.start()
        assert self._environment is not None and self._generator is not None
        scorer, schedule = self._scoring or (None, None)
        results: list[SearchResult] = []
        try:
            record = prove_theorem(
                task.theorem,
                key=task.key,
                environment=self._environment,
                generator=self._generator,
                config=self.setup.search,
                attempt=task.attempt,
                scorer=scorer,
                schedule=schedule,
                on_result=results.append,
            )
        except ProverError as exc:
            seed = attempt_seed(self.setup.search.seed, task.key, task.attempt)
            message = f"{type(exc).__name__}: {exc}"
            record = error_record(task.key, attempt=task.attempt, seed=seed, message=message)
        learn_from_record(self._generator, record, theorem=task.theorem.name)
        graph = None
        if self.setup.keep_graphs and record.proved and results:
            graph = graph_to_json(results[0])
        return AttemptOutcome(record=record, graph=graph)

    def close(self) -> None:
        """Close the environment (idempotent)."""
        if self._environment is not None:
            environment, self._environment = self._environment, None
            environment.close()


def graph_to_json(result: SearchResult) -> str | None:
    """The search graph as networkx node-link JSON (terminals become ``terminal:NAME``)."""
    if result.graph is None or result.status is not SearchStatus.PROVED:
        return None
    import networkx as nx

    graph = result.graph.to_networkx()
    if graph.number_of_nodes() > MAX_STORED_GRAPH_NODES:
        return None
    mapping = {node: f"terminal:{node.value}" for node in graph.nodes if not isinstance(node, str)}
    graph = nx.relabel_nodes(graph, mapping)
    data = nx.node_link_data(graph, edges="links")
    return json.dumps(_json_safe(data), ensure_ascii=False)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if hasattr(value, "value") and not isinstance(value, int | float | str | bool):
        return _json_safe(value.value)
    return value


@dataclass(frozen=True, kw_only=True)
class _WorkerFailure:
    """A worker could not start (its message), sent instead of outcomes."""

    message: str


def run_local_pool(
    tasks: Sequence[AttemptTask],
    setup: WorkerSetup,
    *,
    workers: int,
    on_outcome: Callable[[AttemptOutcome], None],
) -> None:
    """Run ``tasks`` on ``workers`` spawned processes, calling ``on_outcome`` in this one."""
    if not tasks:
        return
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    task_queue: Any = context.Queue()
    result_queue: Any = context.Queue()
    for task in tasks:
        task_queue.put(task)
    count = min(workers, len(tasks))
    for _ in range(count):
        task_queue.put(None)
    processes = [
        context.Process(
            target=_worker_main,
            args=(setup, task_queue, result_queue, os.getpid()),
            name=f"prover-eval-worker-{index}",
            daemon=True,
        )
        for index in range(count)
    ]
    for process in processes:
        process.start()
    try:
        _collect(len(tasks), processes, result_queue, on_outcome)
    finally:
        _stop(processes)


def _collect(
    expected: int,
    processes: Sequence[Any],
    result_queue: Any,
    on_outcome: Callable[[AttemptOutcome], None],
) -> None:
    remaining = expected
    while remaining:
        try:
            message = result_queue.get(timeout=0.5)
        except queue.Empty:
            if not any(process.is_alive() for process in processes):
                raise BackendCrashed(
                    f"every eval worker exited with {remaining} attempt(s) left; "
                    "rerun the same command to resume"
                ) from None
            continue
        if isinstance(message, _WorkerFailure):
            raise BackendCrashed(f"an eval worker could not start: {message.message}")
        on_outcome(message)
        remaining -= 1


def _stop(processes: Sequence[Any]) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10.0)
        if process.is_alive():
            process.kill()
            process.join(timeout=5.0)


def _worker_main(setup: WorkerSetup, task_queue: Any, result_queue: Any, parent_pid: int) -> None:
    """A worker process: run tasks until the sentinel, its parent's death or SIGTERM."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent_pid)
    runner = AttemptRunner(setup)
    try:
        try:
            runner.start()
        except ProverError as exc:
            result_queue.put(_WorkerFailure(message=f"{type(exc).__name__}: {exc}"))
            return
        while True:
            task = task_queue.get()
            if task is None:
                return
            result_queue.put(runner.run(task))
    finally:
        runner.close()


def _exit_on_signal(signum: int, frame: Any) -> None:
    sys.exit(128 + signum)


def _watch_parent(parent_pid: int) -> None:
    """Exit (closing the proof assistant) once the parent is gone, even after SIGKILL."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        logger.warning("eval worker %d: parent %d is gone; exiting", os.getpid(), parent_pid)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
