"""Prove theorems: search, verify independently, record. The library side of ``prover prove``."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from prover.attempts.learning import learn_from_record
from prover.attempts.record import AttemptRecord, attempt_seed, record_from_search
from prover.data.benchmarks import BenchmarkEntry
from search.config import SearchConfig
from search.engine import best_first_search
from search.errors import ProverError
from search.outcomes import Verification
from search.protocols import NodeScorer, ProofEnvironment, SamplingSchedule, TacticGenerator
from search.result import SearchResult, SearchStatus
from search.states import Theorem

__all__ = ["BatchSummary", "error_record", "prove_entries", "prove_theorem", "summarize"]

logger = logging.getLogger(__name__)


def prove_theorem(
    theorem: Theorem,
    *,
    key: str,
    environment: ProofEnvironment,
    generator: TacticGenerator,
    config: SearchConfig,
    attempt: int = 0,
    scorer: NodeScorer | None = None,
    schedule: SamplingSchedule | None = None,
    on_result: Callable[[SearchResult], None] | None = None,
) -> AttemptRecord:
    """Search for a proof of ``theorem`` and re-check any proof found in a fresh process.

    The attempt's seed is derived from ``config.seed``, ``key`` and ``attempt``, so
    repeated attempts differ and every attempt is reproducible. ``on_result`` (optional)
    receives the raw :class:`SearchResult`, e.g. to keep its search graph.
    """
    seed = attempt_seed(config.seed, key, attempt)
    result = best_first_search(
        theorem,
        environment,
        generator,
        config=replace(config, seed=seed),
        scorer=scorer,
        schedule=schedule,
    )
    if on_result is not None:
        on_result(result)
    verification = _verify(environment, theorem, result)
    return record_from_search(
        name=key,
        attempt=attempt,
        seed=seed,
        split=theorem.split,
        result=result,
        verification=verification,
    )


def _verify(
    environment: ProofEnvironment, theorem: Theorem, result: SearchResult
) -> Verification | None:
    if result.status is not SearchStatus.PROVED or result.proof is None:
        return None
    try:
        return environment.verify(theorem, result.proof)
    except ProverError as exc:
        logger.warning("verification of %s could not run: %s", theorem.name, exc)
        return Verification(ok=False, proof_text="", message=f"verifier error: {exc}")


def error_record(
    key: str, *, attempt: int, seed: int, message: str, split: str | None = None
) -> AttemptRecord:
    """The record of an attempt that could not run at all (broken input, backend down)."""
    return AttemptRecord(
        name=key,
        attempt=attempt,
        seed=seed,
        split=split,
        status="error",
        proof=None,
        proof_text=None,
        verified=False,
        expansions=0,
        time_s=0.0,
        error=message,
    )


def prove_entries(
    entries: Sequence[BenchmarkEntry],
    *,
    environment: ProofEnvironment,
    generator: TacticGenerator,
    config: SearchConfig,
    on_record: Callable[[AttemptRecord], None],
    attempt: int = 0,
    scorer: NodeScorer | None = None,
    schedule: SamplingSchedule | None = None,
    before_theorem: Callable[[Theorem], None] | None = None,
) -> list[AttemptRecord]:
    """Prove each entry in turn, handing every record to ``on_record`` as soon as it exists.

    A generator that learns online is given every verified proof before the next theorem;
    ``before_theorem`` (optional) runs before each search, e.g. to learn a file's header.
    """
    records = []
    for entry in entries:
        if entry.theorem is None:
            seed = attempt_seed(config.seed, entry.key, attempt)
            message = entry.error or "no theorem"
            record = error_record(entry.key, attempt=attempt, seed=seed, message=message)
        else:
            if before_theorem is not None:
                before_theorem(entry.theorem)
            record = prove_theorem(
                entry.theorem,
                key=entry.key,
                environment=environment,
                generator=generator,
                config=config,
                attempt=attempt,
                scorer=scorer,
                schedule=schedule,
            )
            learn_from_record(generator, record, theorem=entry.theorem.name)
        on_record(record)
        records.append(record)
    return records


@dataclass(frozen=True, kw_only=True)
class BatchSummary:
    """Counts and timings over a batch of attempts."""

    attempts: int
    proved: int
    failed: int
    errors: int
    median_time_to_proof_s: float | None
    expansions_per_s: float
    overhead_fraction: float

    def render(self) -> str:
        """A one-paragraph, human-readable summary."""
        rate = 100.0 * self.proved / self.attempts if self.attempts else 0.0
        median = (
            f"{self.median_time_to_proof_s:.2f} s"
            if self.median_time_to_proof_s is not None
            else "-"
        )
        return (
            f"proved {self.proved}/{self.attempts} ({rate:.1f}%), failed {self.failed}, "
            f"errors {self.errors}; median time to proof {median}; "
            f"{self.expansions_per_s:.1f} expansions/s; engine overhead "
            f"{100.0 * self.overhead_fraction:.2f}% of wall time"
        )


def summarize(records: Iterable[AttemptRecord]) -> BatchSummary:
    """Summarise attempts: proved/failed/error counts, median time to proof, throughput."""
    items = list(records)
    proved_times = [r.time_s for r in items if r.status == "proved"]
    total_time_s = sum(r.time_s for r in items)
    return BatchSummary(
        attempts=len(items),
        proved=len(proved_times),
        failed=sum(r.status == "failed" for r in items),
        errors=sum(r.status == "error" for r in items),
        median_time_to_proof_s=statistics.median(proved_times) if proved_times else None,
        expansions_per_s=sum(r.expansions for r in items) / total_time_s if total_time_s else 0.0,
        overhead_fraction=sum(r.overhead_time_s for r in items) / total_time_s
        if total_time_s
        else 0.0,
    )
