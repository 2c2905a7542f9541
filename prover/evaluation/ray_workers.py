"""Eval workers as Ray actors, sharing one generator actor that batches model calls.

``prover eval --ray auto`` starts a local Ray cluster (``ray.init(num_cpus=N)``);
``--ray ADDRESS`` joins an existing one. Each worker actor holds an
:class:`~prover.evaluation.workers.AttemptRunner` with its own proof assistant; every worker's
generator is a :class:`RemoteGenerator`, which forwards requests to a single
:class:`GeneratorService` actor. The service gathers the requests that arrive within a
short window from all workers and answers them with one ``generate`` call, so a model
sees batches across workers. Ray is optional: it is imported only here, lazily.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from models.registry import GeneratorConfig, build_generator
from prover.evaluation.workers import AttemptOutcome, AttemptRunner, AttemptTask, WorkerSetup
from search.errors import BackendCrashed, ConfigError
from search.protocols import GenerationRequest, OnlineLearner, ProofStep, generation_stages
from search.states import Candidate

__all__ = ["GeneratorService", "RemoteGenerator", "import_ray", "run_ray_pool"]

logger = logging.getLogger(__name__)


def import_ray() -> Any:
    """The ``ray`` module, or a ConfigError saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--ray needs the ray package: .venv/bin/pip install -e '.[ray]'") from exc
    return ray


class GeneratorService:
    """One generator for all workers; concurrent calls within ``window_s`` form one batch."""

    def __init__(self, config: GeneratorConfig, *, language: str, window_s: float = 0.005):
        self._generator = build_generator(config, language=language)
        self._window_s = window_s
        self._pending: list[tuple[list[GenerationRequest], asyncio.Future[Any]]] = []
        self._executor = ThreadPoolExecutor(max_workers=1)
        self.calls = 0
        self.requests = 0

    async def generate(self, requests: list[GenerationRequest]) -> list[list[Candidate]]:
        """Queue ``requests`` into the current batch and wait for their candidates."""
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((list(requests), future))
        if len(self._pending) == 1:
            asyncio.get_running_loop().create_task(self._flush())
        result: list[list[Candidate]] = await future
        return result

    async def _flush(self) -> None:
        await asyncio.sleep(self._window_s)
        batch, self._pending = self._pending, []
        flat = [request for requests, _ in batch for request in requests]
        loop = asyncio.get_running_loop()
        try:
            answers = await loop.run_in_executor(self._executor, self._generator.generate, flat)
        except Exception as exc:  # handed to every caller, which re-raises it
            for _, future in batch:
                future.set_exception(exc)
            return
        self.calls += 1
        self.requests += len(flat)
        start = 0
        for requests, future in batch:
            future.set_result(answers[start : start + len(requests)])
            start += len(requests)

    async def learn(self, steps: list[ProofStep]) -> None:
        """Forward a worker's verified proof steps to the shared generator if it learns.

        It runs on the generator's one executor thread, so never during a ``generate``.
        """
        if isinstance(self._generator, OnlineLearner):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._generator.learn, steps)

    def stages(self) -> int:
        """The shared generator's rounds per state, for the workers' searches."""
        return generation_stages(self._generator)

    def stats(self) -> dict[str, int]:
        """How many generate calls served how many requests (batching across workers)."""
        return {"calls": self.calls, "requests": self.requests}


class RemoteGenerator:
    """A TacticGenerator that forwards each batch to a :class:`GeneratorService` actor."""

    def __init__(self, service: Any) -> None:
        self._service = service
        self._stages: int = import_ray().get(service.stages.remote())

    @property
    def stages(self) -> int:
        """The shared generator's rounds per state (a staged union keeps its rounds)."""
        return self._stages

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        """Ask the shared service; blocks until its batch is answered."""
        ray = import_ray()
        result: list[list[Candidate]] = ray.get(self._service.generate.remote(list(requests)))
        return result

    def learn(self, steps: Sequence[ProofStep]) -> None:
        """Hand proof steps to the shared generator: every worker's later theorems use them."""
        import_ray().get(self._service.learn.remote(list(steps)))


class _WorkerActor:
    """A Ray actor running attempts with its own proof assistant and the shared generator."""

    def __init__(self, setup: WorkerSetup, service: Any) -> None:
        self._runner = AttemptRunner(setup, generator=RemoteGenerator(service))
        self._runner.start()

    def run(self, task: AttemptTask) -> AttemptOutcome:
        return self._runner.run(task)

    def close(self) -> None:
        self._runner.close()


def run_ray_pool(
    tasks: Sequence[AttemptTask],
    setup: WorkerSetup,
    *,
    workers: int,
    address: str,
    on_outcome: Callable[[AttemptOutcome], None],
    stats: dict[str, int] | None = None,
) -> None:
    """Run ``tasks`` on ``workers`` Ray actors; ``on_outcome`` runs here as results arrive."""
    ray = import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        if address == "auto":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    try:
        _run_on_actors(ray, tasks, setup, workers=workers, on_outcome=on_outcome, stats=stats)
    finally:
        if started_here:
            ray.shutdown()


def _run_on_actors(
    ray: Any,
    tasks: Sequence[AttemptTask],
    setup: WorkerSetup,
    *,
    workers: int,
    on_outcome: Callable[[AttemptOutcome], None],
    stats: dict[str, int] | None,
) -> None:
    service = (
        ray.remote(GeneratorService)
        .options(num_cpus=0, max_concurrency=max(4, 2 * workers))
        .remote(setup.generator, language=setup.backend.language)
    )
    actor_class = ray.remote(_WorkerActor).options(num_cpus=1)
    actors = [actor_class.remote(setup, service) for _ in range(max(1, min(workers, len(tasks))))]
    pending = list(reversed(tasks))
    running: dict[Any, Any] = {}
    try:
        for actor in actors:
            if pending:
                running[actor.run.remote(pending.pop())] = actor
        while running:
            ready, _ = ray.wait(list(running), num_returns=1)
            actor = running.pop(ready[0])
            try:
                outcome = ray.get(ready[0])
            except ray.exceptions.RayError as exc:
                raise BackendCrashed(f"a Ray eval worker failed: {exc}") from exc
            on_outcome(outcome)
            if pending:
                running[actor.run.remote(pending.pop())] = actor
        if stats is not None:
            stats.update(ray.get(service.stats.remote()))
    finally:
        for actor in actors:
            try:
                ray.get(actor.close.remote(), timeout=30)
            except Exception:
                logger.warning("a Ray eval worker did not close cleanly", exc_info=True)
            ray.kill(actor)
        ray.kill(service)
