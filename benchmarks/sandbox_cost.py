"""What the bubblewrap sandbox (``--sandbox bwrap``) costs, against no sandbox, in one run.

For each verified proof of a ``prover prove`` run (``results.jsonl``), both modes are
measured back to back, the order alternating between proofs so that a busy machine
weighs on both alike: opening the theorem in a fresh :class:`CoqEnvironment` (coqtop
start, header, prelude, statement), replaying the proof's tactics, and the whole-file
re-check (coqc then coqchk). The figures are medians over proofs, and the ratios
sandbox / no sandbox of those medians.

Usage::

    python -m benchmarks.sandbox_cost --run-dir /work/data/runs/valid-pk2 --limit 30 \\
        --output docs/results/2026-12-01-sandbox-cost.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from prover.attempts.jsonl import read_records
from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.data.benchmarks import load_benchmark
from search.outcomes import NewState, ProofComplete

MODES = ("off", "bwrap")


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--run-dir", type=Path, required=True, help="prove run directory")
    parser.add_argument("--split", default="valid", help="the run's miniF2F-Coq split")
    parser.add_argument("--limit", type=int, default=30, help="proofs measured")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here too")
    return parser.parse_args()


def _measure(mode: str, theorem: Any, proof: list[str]) -> dict[str, float]:
    """Seconds to open, to replay ``proof`` and to re-check it, under ``mode``."""
    config = CoqConfig(sandbox=mode, prelude=DEFAULT_COQ_PRELUDE)
    with CoqEnvironment(config) as environment:
        started = time.monotonic()
        state = environment.open(theorem)
        opened = time.monotonic()
        for tactic in proof:
            outcome = environment.run_tactic(state, tactic, timeout_s=10)
            if isinstance(outcome, NewState):
                state = outcome.state
            elif not isinstance(outcome, ProofComplete):
                raise RuntimeError(f"{theorem.name}: {tactic!r} gave {outcome}")
        replayed = time.monotonic()
        verification = environment.verify(theorem, proof)
        verified = time.monotonic()
    if not verification.ok:
        raise RuntimeError(f"{theorem.name} ({mode}): {verification.message}")
    return {"open": opened - started, "replay": replayed - opened, "verify": verified - replayed}


def main() -> None:
    arguments = _parse_arguments()
    proofs = [
        (record.name, list(record.proof))
        for record in read_records(arguments.run_dir / "results.jsonl")
        if record.status == "proved" and record.proof is not None
    ][: arguments.limit]
    theorems = {
        entry.theorem.name: entry.theorem
        for entry in load_benchmark("minif2f-coq", split=arguments.split)
        if entry.theorem is not None
    }
    times: dict[str, dict[str, list[float]]] = {
        mode: {"open": [], "replay": [], "verify": []} for mode in MODES
    }
    for index, (name, proof) in enumerate(proofs):
        order = MODES if index % 2 == 0 else tuple(reversed(MODES))
        for mode in order:
            for part, seconds in _measure(mode, theorems[name], proof).items():
                times[mode][part].append(seconds)
    medians = {
        mode: {part: statistics.median(values) for part, values in parts.items()}
        for mode, parts in times.items()
    }
    summary = {
        "proofs": len(proofs),
        "median_s": medians,
        "ratio_bwrap_to_off": {
            part: medians["bwrap"][part] / medians["off"][part] for part in medians["off"]
        },
        "run_dir": str(arguments.run_dir),
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if arguments.output is not None:
        arguments.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
