"""The summary of an eval run: pass@k with confidence intervals, failures and errors.

Every theorem of the run counts in the denominator of pass@k, including theorems whose
backend never started or whose attempts are missing; such theorems simply have ``c = 0``
and are listed separately so that nothing is hidden.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from prover.attempts.record import AttemptRecord
from prover.evaluation.passk import bootstrap_interval, mean_pass_at_k, wilson_interval

__all__ = [
    "EvalSummary",
    "TheoremOutcome",
    "curve_points",
    "summarize_run",
    "theorem_outcomes",
    "theorem_source",
    "unmatched_rows",
]


@dataclass(frozen=True, kw_only=True)
class TheoremOutcome:
    """One theorem's attempts: how many ran, how many proved, the shortest proof."""

    name: str
    attempts: int
    proved: int
    errors: int
    startup_failed: bool
    best_proof: str | None = None
    proved_attempts: tuple[int, ...] = ()

    @property
    def counts(self) -> tuple[int, int]:
        """``(n, c)`` for the estimator."""
        return self.attempts, self.proved


@dataclass(frozen=True, kw_only=True)
class EvalSummary:
    """What DIR/summary.json holds."""

    num_theorems: int
    attempts: int
    attempts_recorded: int
    pass_at_k: dict[str, float]
    confidence_intervals: dict[str, dict[str, Any]]
    solved: int
    startup_failures: list[str]
    error_attempts: int
    errors_by_kind: dict[str, int]
    incomplete_theorems: list[str]
    median_time_s: float | None
    notes: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "num_theorems": self.num_theorems,
            "attempts": self.attempts,
            "attempts_recorded": self.attempts_recorded,
            "pass_at_k": {k: round(v, 6) for k, v in self.pass_at_k.items()},
            "confidence_intervals": self.confidence_intervals,
            "solved": self.solved,
            "startup_failures": self.startup_failures,
            "num_startup_failures": len(self.startup_failures),
            "error_attempts": self.error_attempts,
            "errors_by_kind": self.errors_by_kind,
            "incomplete_theorems": self.incomplete_theorems,
            "median_time_s": self.median_time_s,
            "notes": self.notes,
        }

    def render(self) -> str:
        """A short human-readable summary."""
        parts = [f"pass@{k} {100 * v:.1f}%" for k, v in self.pass_at_k.items()]
        return (
            f"{self.num_theorems} theorems x {self.attempts} attempts: {', '.join(parts)}; "
            f"solved {self.solved}; error attempts {self.error_attempts}; "
            f"backend start failures {len(self.startup_failures)}"
        )


def theorem_outcomes(
    theorem_names: Sequence[str], records: Iterable[AttemptRecord], *, attempts: int
) -> list[TheoremOutcome]:
    """Group attempts by theorem (attempt index below ``attempts`` only), in the given order."""
    grouped: dict[str, list[AttemptRecord]] = defaultdict(list)
    for record in records:
        if record.attempt < attempts:
            grouped[record.name].append(record)
    outcomes = []
    for name in theorem_names:
        items = grouped.get(name, [])
        proved = [r for r in items if r.proved]
        shortest = min(proved, key=lambda r: len(r.proof or ()), default=None)
        outcomes.append(
            TheoremOutcome(
                name=name,
                attempts=len(items),
                proved=len(proved),
                errors=sum(r.status == "error" for r in items),
                startup_failed=any(not r.started for r in items),
                best_proof=(shortest.proof_text or None) if shortest else None,
                proved_attempts=tuple(sorted(r.attempt for r in proved)),
            )
        )
    return outcomes


def curve_points(attempts: int) -> list[int]:
    """The k values reported: 1, 2, 4, ... up to ``attempts``, and ``attempts`` itself."""
    points = []
    k = 1
    while k < attempts:
        points.append(k)
        k *= 2
    points.append(attempts)
    return points


def summarize_run(
    theorem_names: Sequence[str],
    records: Sequence[AttemptRecord],
    *,
    attempts: int,
    bootstrap_seed: int = 0,
) -> EvalSummary:
    """pass@k for k in :func:`curve_points`, with 95% bootstrap intervals over theorems.

    A theorem with fewer than ``attempts`` recorded attempts (an unfinished run) is
    estimated as if every missing attempt failed, and listed in ``incomplete_theorems``.
    """
    outcomes = theorem_outcomes(theorem_names, records, attempts=attempts)
    counts = [(attempts, outcome.proved) for outcome in outcomes]
    points = curve_points(attempts)
    pass_at = {str(k): mean_pass_at_k(counts, k) for k in points}
    intervals = {
        str(k): bootstrap_interval(counts, k, seed=bootstrap_seed).to_dict() for k in points
    }
    used = [r for r in records if r.attempt < attempts]
    proved_attempts = sum(outcome.proved for outcome in outcomes)
    wilson = wilson_interval(proved_attempts, attempts * len(outcomes))
    intervals["1_wilson"] = wilson.to_dict()
    kinds = Counter(_error_kind(r) for r in used if r.status == "error")
    times = [r.time_s for r in used]
    return EvalSummary(
        num_theorems=len(outcomes),
        attempts=attempts,
        attempts_recorded=len(used),
        pass_at_k=pass_at,
        confidence_intervals=intervals,
        solved=sum(outcome.proved > 0 for outcome in outcomes),
        startup_failures=[o.name for o in outcomes if o.startup_failed],
        error_attempts=sum(kinds.values()),
        errors_by_kind=dict(sorted(kinds.items())),
        incomplete_theorems=[o.name for o in outcomes if o.attempts < attempts],
        median_time_s=round(statistics.median(times), 4) if times else None,
        notes={
            "estimator": "unbiased pass@k = 1 - C(n-c,k)/C(n,k), mean over all theorems",
            "confidence_intervals": "95% percentile bootstrap over theorems (2000 resamples, "
            f"seed {bootstrap_seed}); 1_wilson: Wilson interval over all attempts "
            "(treats attempts as independent, so it is narrower)",
            "denominator": "every selected theorem, including backend start failures",
        },
    )


def unmatched_rows(own: Sequence[AttemptRecord], stored: Sequence[AttemptRecord]) -> list[str]:
    """One description per attempt where the database's rows (``stored``) and the records
    a run verified or produced itself (``own``) disagree, in the order of ``stored``.

    The summary counts ``own`` only: a row another writer added or rewrote during the run
    (red-team round 82: a trigger, or a process editing ``results.sqlite``) is named here so
    that it is reported, never counted. Records are compared as their stored JSON.
    """
    held = {(r.name, r.attempt): r for r in own}
    problems = []
    for record in stored:
        key = (record.name, record.attempt)
        mine = held.pop(key, None)
        where = f"{record.name} attempt {record.attempt}"
        if mine is None:
            problems.append(f"{where}: a {record.status} row this run did not record or verify")
        elif _stored_json(mine) != _stored_json(record):
            problems.append(
                f"{where}: the row ({record.status}) differs from this run's record "
                f"({mine.status}), so another writer changed it"
            )
    problems.extend(
        f"{name} attempt {attempt}: missing from the database" for name, attempt in held
    )
    return problems


def _stored_json(record: AttemptRecord) -> str:
    """``record`` as the database stores it (times rounded), keys sorted."""
    return json.dumps(record.to_dict(), sort_keys=True, ensure_ascii=False)


def _error_kind(record: AttemptRecord) -> str:
    message = record.error or "unknown"
    head = message.split(":", 1)[0].strip()
    return head if head and " " not in head else "other"


def theorem_source(name: str) -> str:
    """The competition a miniF2F theorem comes from: its name's prefix (amc, aime, imo, mathd).

    ``amc12a_2002_p1`` and ``amc12_2000_p5`` are both ``amc``; ``aimeII_2001_p3`` is ``aime``.
    """
    lowered = name.lower()
    for source in _SOURCES:
        if lowered.startswith(source):
            return source
    return lowered.split("_", 1)[0] or "other"


_SOURCES = ("amc", "aime", "imo", "mathd", "algebra", "induction", "numbertheory")
