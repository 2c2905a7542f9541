"""Measure the Coq portfolio's priors on miniF2F-Coq **valid** theorems with real coqtop.

For every valid theorem whose statement loads, the project's own Coq backend
(:class:`~prover.backends.coq.environment.CoqEnvironment`, with the same prelude the
prover loads after every header) opens the statement, runs ``intros.``, asks
:func:`models.portfolio.coq.coq_proposals` for every instantiated tactic on the first goal
and runs each one from that state with the per-tactic timeout. A proposal *closes* when
the backend reports the proof complete. Per family, the prior is
``log((closed + 10 * base) / (trials + 10))``, where ``base`` is the pooled closing rate of
all closing families (shrinkage towards the mean, so small samples do not dominate);
families that never close on their own keep the fixed structural priors of
:data:`models.portfolio.coq.COQ_STRUCTURAL_PRIORS`.

Usage::

    .venv/bin/python -m benchmarks.portfolio_priors [--workers 2] [--timeout-s 1] [--output F]

The test split is never read. Writes ``models/portfolio/priors.json`` (the packaged
priors), or ``--output F``: a file that ``prover prove|eval --portfolio-priors F`` uses in
place of the packaged priors, so a re-measurement can be compared with them in one run
before it replaces them.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from models.portfolio.coq import COQ_STRUCTURAL_PRIORS, coq_proposals
from models.portfolio.generator import DEFAULT_PRIOR
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.data.benchmarks import load_benchmark
from search.errors import ProverError
from search.outcomes import NewState, ProofComplete
from search.states import Theorem

OUTPUT = Path(__file__).resolve().parent.parent / "models" / "portfolio" / "priors.json"
# Shrinkage: each family starts with this many pseudo-trials at the pooled closing
# rate, so a family tried on 8 goals cannot outrank one tried on 200 by luck.
PSEUDO_TRIALS = 10


@dataclass(frozen=True, kw_only=True)
class Trial:
    """One proposal run on one root goal."""

    family: str
    tactic: str
    outcome: str  # "closed", "applied", "failed"


def measure_theorem(theorem: Theorem, timeout_s: float) -> tuple[str, list[Trial] | None]:
    """Run every proposal on one theorem's goal after ``intros``; None when it does not load."""
    with CoqEnvironment(CoqConfig(prelude=DEFAULT_COQ_PRELUDE)) as environment:
        try:
            root = environment.open(theorem)
            introduced = environment.run_tactic(root, "intros.", timeout_s=10.0)
        except ProverError:
            return theorem.name, None
        if not isinstance(introduced, NewState):
            return theorem.name, None
        state = introduced.state
        trials: list[Trial] = []
        for proposal in coq_proposals(state.goals[0], header=theorem.header):
            outcome = environment.run_tactic(state, proposal.tactic, timeout_s=timeout_s)
            kind = (
                "closed"
                if isinstance(outcome, ProofComplete)
                else "applied"
                if isinstance(outcome, NewState)
                else "failed"
            )
            trials.append(Trial(family=proposal.family, tactic=proposal.tactic, outcome=kind))
        return theorem.name, trials


def summarise(results: list[tuple[str, list[Trial] | None]], timeout_s: float) -> dict[str, object]:
    """Per-family counts and smoothed log priors, plus provenance."""
    counts: dict[str, Counter[str]] = {}
    closed_theorems: set[str] = set()
    for name, trials in results:
        for trial in trials or []:
            counts.setdefault(trial.family, Counter())[trial.outcome] += 1
            if trial.outcome == "closed":
                closed_theorems.add(name)
    closing = [c for family, c in counts.items() if family not in COQ_STRUCTURAL_PRIORS]
    base_rate = sum(c["closed"] for c in closing) / max(1, sum(sum(c.values()) for c in closing))
    families: dict[str, dict[str, float | int | str]] = {}
    for family, counter in sorted(counts.items()):
        trials_count = sum(counter.values())
        structural = family in COQ_STRUCTURAL_PRIORS
        shrunk = (counter["closed"] + PSEUDO_TRIALS * base_rate) / (trials_count + PSEUDO_TRIALS)
        if structural:
            prior = COQ_STRUCTURAL_PRIORS[family]
        else:  # nothing closed anywhere (tiny --limit): the generator's floor prior
            prior = math.log(shrunk) if shrunk > 0 else DEFAULT_PRIOR
        families[family] = {
            "kind": "structural (fixed prior)" if structural else "closing (measured prior)",
            "trials": trials_count,
            "closed": counter["closed"],
            "applied": counter["applied"],
            "prior": round(prior, 4),
        }
    loaded = [name for name, trials in results if trials is not None]
    return {
        "description": "Coq portfolio priors, measured on miniF2F-Coq valid root goals",
        "generated_by": "python -m benchmarks.portfolio_priors",
        "coq_version": "8.16.1",
        "split": "valid",
        "prelude": DEFAULT_COQ_PRELUDE,
        "tactic_timeout_s": timeout_s,
        "smoothing": (
            f"prior = log((closed + {PSEUDO_TRIALS} * base_rate) / (trials + {PSEUDO_TRIALS}));"
            " structural families fixed"
        ),
        "base_rate": round(base_rate, 4),
        "num_theorems": len(results),
        "num_theorems_loaded": len(loaded),
        "num_theorems_closed_by_some_proposal": len(closed_theorems),
        "families": families,
    }


def main(argv: list[str] | None = None) -> int:
    """Measure, print a table, and write the JSON file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout-s", type=float, default=1.0)
    parser.add_argument("--limit", type=int, default=None, help="only the first N theorems")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    arguments = parser.parse_args(argv)
    entries = load_benchmark("minif2f-coq", split="valid")[: arguments.limit]
    theorems = [entry.theorem for entry in entries if entry.theorem is not None]
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=arguments.workers) as pool:
        results = list(pool.map(measure_theorem, theorems, [arguments.timeout_s] * len(theorems)))
    summary = summarise(results, arguments.timeout_s)
    summary["elapsed_s"] = round(time.monotonic() - started, 1)
    arguments.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    families = summary["families"]
    assert isinstance(families, dict)
    ranked = sorted(families.items(), key=lambda item: -float(item[1]["closed"]))
    for family, row in ranked:
        print(f"{family:28} {row['closed']:4}/{row['trials']:<4} prior {row['prior']}")
    print({k: v for k, v in summary.items() if k != "families"})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
