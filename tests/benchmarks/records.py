"""Attempt records for the benchmark scripts' tests: a verified proof or a failure."""

from __future__ import annotations

from prover.attempts.record import AttemptRecord


def attempt_record(
    name: str, *, proved: bool, expansions: int = 1, scorer_s: float = 0.0
) -> AttemptRecord:
    """A verified one-tactic proof (or a failure) after ``expansions`` expansions of 10 s."""
    return AttemptRecord(
        name=name,
        attempt=0,
        seed=0,
        status="proved" if proved else "failed",
        proof=("lia",) if proved else None,
        verified=proved,
        expansions=expansions,
        time_s=10.0,
        scorer_time_s=scorer_s,
    )
