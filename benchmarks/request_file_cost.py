"""What naming the file costs a ``/search`` request: verification with and without ``file``.

A Coq request may name the file it goes in (``"file": "Foo.v"``); its proof is then also
checked as that file reads (the names check's compile of the header and statement with a
copy of the proof at the end, and the bytecode reading under that name: docs/serving.md,
docs/soundness.md round ninety-eight). This script takes proofs a benchmark run recorded
(``results.jsonl`` of a ``prover eval``/``prove`` run on a benchmark), rebuilds each
theorem as a request (:func:`~prover.interactive.statements.request_theorem`, so the header
passes the request policy and gets the server's inspection sentences), and verifies the
recorded proof both ways, in alternating order, with the prelude the run used: seconds,
verdicts, and the median ratio, in one run.

Usage::

    python -m benchmarks.request_file_cost --run-dir RUN --benchmark minif2f-coq \\
        --split test --count 20 --output docs/results/request-file-cost.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from prover.backends.coq.verify import verify_proof
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.data.benchmarks import load_benchmark
from prover.interactive.headers import HeaderRefused
from prover.interactive.statements import request_theorem
from search.states import Theorem

__all__ = ["main", "measure", "proved_records"]

FILE_NAME = "Mine.v"
"""The file name the requests give (sorts after ``Checked``, ties with no Coq library)."""


def proved_records(run_dir: Path, count: int) -> list[dict[str, Any]]:
    """Up to ``count`` proved records of the run, one per theorem, chosen by sha256 of the
    name (stable across runs)."""
    records: dict[str, dict[str, Any]] = {}
    for line in (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("status") == "proved" and record.get("proof"):
            records.setdefault(record["name"], record)
    chosen = sorted(records, key=lambda name: hashlib.sha256(name.encode()).hexdigest())
    return [records[name] for name in chosen[:count]]


def _request(theorem: Theorem, file: str | None) -> Theorem:
    return request_theorem(
        language="coq", header=theorem.header, statement=theorem.statement, name=None, file=file
    )


def measure(theorem: Theorem, proof: list[str], *, file_first: bool) -> dict[str, Any]:
    """Verify ``proof`` of ``theorem`` as a request without and with :data:`FILE_NAME`."""
    row: dict[str, Any] = {"name": theorem.name}
    for file in (FILE_NAME, None) if file_first else (None, FILE_NAME):
        key = "with_file" if file else "without_file"
        started = time.monotonic()
        verification = verify_proof(
            _request(theorem, file), proof, prelude=DEFAULT_COQ_PRELUDE, timeout_s=600
        )
        row[f"{key}_s"] = round(time.monotonic() - started, 3)
        row[f"{key}_ok"] = verification.ok
        row[f"{key}_checks"] = list(verification.checks)
        if not verification.ok:
            row[f"{key}_message"] = (verification.message or "")[:300]
    return row


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    both = [row for row in rows if row["with_file_ok"] and row["without_file_ok"]]
    ratios = [row["with_file_s"] / row["without_file_s"] for row in both]
    return {
        "measured": len(rows),
        "verified_without_file": sum(row["without_file_ok"] for row in rows),
        "verified_with_file": sum(row["with_file_ok"] for row in rows),
        "median_without_file_s": statistics.median(row["without_file_s"] for row in both)
        if both
        else None,
        "median_with_file_s": statistics.median(row["with_file_s"] for row in both)
        if both
        else None,
        "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
        "max_ratio": round(max(ratios), 3) if ratios else None,
    }


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, required=True, help="a run with results.jsonl")
    parser.add_argument("--benchmark", default="minif2f-coq")
    parser.add_argument("--split", default="test")
    parser.add_argument("--count", type=int, default=20, help="proofs to measure")
    parser.add_argument("--output", type=Path, help="write the JSON report here")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Measure and print the figures (and write them with ``--output``)."""
    arguments = _parse_arguments(argv)
    if not (arguments.run_dir / "results.jsonl").is_file():
        print(f"no results.jsonl in {arguments.run_dir}", file=sys.stderr)
        return 2
    entries = load_benchmark(arguments.benchmark, split=arguments.split)
    theorems = {entry.key: entry.theorem for entry in entries if entry.theorem is not None}
    rows, skipped = [], []
    for index, record in enumerate(proved_records(arguments.run_dir, arguments.count)):
        theorem = theorems.get(record["name"])
        if theorem is None:
            skipped.append(f"{record['name']}: not in {arguments.benchmark} {arguments.split}")
            continue
        try:
            rows.append(measure(theorem, record["proof"], file_first=index % 2 == 1))
        except HeaderRefused as refused:
            skipped.append(f"{record['name']}: the request policy refuses it ({refused})")
            continue
        print(json.dumps(rows[-1]), flush=True)
    report = {
        "run_dir": str(arguments.run_dir),
        "file": FILE_NAME,
        "skipped": skipped,
        **_summary(rows),
        "per_proof": rows,
    }
    print(json.dumps({key: value for key, value in report.items() if key != "per_proof"}))
    if arguments.output is not None:
        arguments.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0 if rows else 1


if __name__ == "__main__":
    sys.exit(main())
