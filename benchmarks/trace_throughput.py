"""Tracing throughput with 1 and 2 workers (one run, same files), and Qed coverage.

Throughput: a deterministic sample of stdlib files (the first ``--sample`` files by
sha256 of their path among those with at least one ``Qed``) is traced into fresh
temporary folders with 1 worker and with 2 workers, alternating, ``--repeat`` times;
files/min and steps/s are reported for each, with the 2-worker/1-worker ratio.

Coverage: for each library of an existing trace folder (``--trace-dir``), the share of
the ``Qed`` sentences of its sources whose proof was traced.

Usage::

    python -m benchmarks.trace_throughput [--sample 12] [--repeat 1] \
        [--trace-dir /work/data/trace] [--output result.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from prover.backends.coq.sentences import count_endings
from prover.tracing.batch import TraceConfig, run_trace
from prover.tracing.libraries import coq_where, library_files


def sample_files(size: int) -> list[str]:
    """``size`` stdlib files with a Qed, chosen by sha256 of their path (stable)."""
    files = library_files("stdlib", where=coq_where())
    ranked = sorted(files, key=lambda f: hashlib.sha256(f.file.encode()).hexdigest())
    chosen = []
    for source in ranked:
        if count_endings(source.path.read_text(encoding="utf-8")).get("Qed", 0) > 0:
            chosen.append(source.file)
        if len(chosen) == size:
            break
    return chosen


def timed_run(files: list[str], workers: int) -> dict[str, float]:
    """Trace ``files`` with ``workers`` into a fresh folder; wall time, files and steps."""
    with tempfile.TemporaryDirectory(prefix="trace-bench-") as folder:
        config = TraceConfig(
            output=Path(folder), libraries=("stdlib",), only_files=tuple(files), workers=workers
        )
        started = time.monotonic()
        summary = run_trace(config)
        wall_s = time.monotonic() - started
    steps = sum(summary.steps_by_split().values()) + sum(summary.duplicates_removed.values())
    return {
        "workers": workers,
        "wall_s": wall_s,
        "files_per_min": len(files) / wall_s * 60,
        "steps_per_s": steps / wall_s,
        "steps": steps,
    }


def throughput(files: list[str], repeat: int) -> dict[str, Any]:
    """Alternate 1- and 2-worker runs; medians and the 2/1 ratio of files per minute."""
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for _ in range(repeat):
        for workers in (1, 2):
            runs[workers].append(timed_run(files, workers))
            print(f"  {workers} worker(s): {runs[workers][-1]['wall_s']:.1f} s", flush=True)
    medians = {
        workers: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for workers, results in runs.items()
    }
    ratio = medians[2]["files_per_min"] / medians[1]["files_per_min"]
    return {"files": files, "repeat": repeat, "medians": medians, "ratio_2_over_1": ratio}


def coverage(trace_dir: Path) -> dict[str, Any]:
    """Per-library Qed coverage recorded in a trace folder's manifest."""
    manifest = json.loads((trace_dir / "manifest.json").read_text(encoding="utf-8"))
    return dict(manifest.get("coverage", {}))


def main() -> None:
    """Measure and print throughput (and coverage when a trace folder is given)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=12, help="stdlib files in the sample")
    parser.add_argument("--repeat", type=int, default=1, help="runs per worker count")
    parser.add_argument("--trace-dir", type=Path, help="report the Qed coverage of this trace")
    parser.add_argument("--output", type=Path, help="write the figures as JSON")
    arguments = parser.parse_args()
    files = sample_files(arguments.sample)
    print(f"sample: {len(files)} stdlib files; load average {os.getloadavg()[0]:.1f}")
    result: dict[str, Any] = {"load_average_before": os.getloadavg()}
    result["throughput"] = throughput(files, arguments.repeat)
    result["load_average_after"] = os.getloadavg()
    for workers, figures in result["throughput"]["medians"].items():
        print(
            f"{workers} worker(s): {figures['files_per_min']:.1f} files/min, "
            f"{figures['steps_per_s']:.1f} steps/s ({figures['wall_s']:.1f} s)"
        )
    print(f"2 workers / 1 worker: {result['throughput']['ratio_2_over_1']:.2f}x")
    if arguments.trace_dir is not None:
        result["coverage"] = coverage(arguments.trace_dir)
        for library, figures in sorted(result["coverage"].items()):
            print(
                f"{library}: {figures['qed_traced']:.0f}/{figures['qed_in_sources']:.0f} "
                f"Qed proofs traced ({figures['share']:.1%})"
            )
    if arguments.output is not None:
        arguments.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
