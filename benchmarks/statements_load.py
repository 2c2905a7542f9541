"""How many miniF2F-Coq statements load on this machine's Coq 8.16 (header, prelude, statement).

Every statement of both splits is opened with the prover's own Coq backend and its
default prelude, exactly as ``prover prove --benchmark minif2f-coq`` opens it; a
statement loads when the root proof state comes back.

Usage::

    python -m benchmarks.statements_load [--output loaded.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from prover.backends.coq.config import CoqConfig
from prover.backends.coq.environment import CoqEnvironment
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from prover.data.benchmarks import load_benchmark
from search.errors import ProverError


def main() -> None:
    """Open every statement; print the count loaded and each failure's first line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="write per-statement results as JSON")
    arguments = parser.parse_args()
    started = time.monotonic()
    results: dict[str, str | None] = {}
    with CoqEnvironment(CoqConfig(prelude=DEFAULT_COQ_PRELUDE)) as environment:
        for split in ("valid", "test"):
            for entry in load_benchmark("minif2f-coq", split=split):
                if entry.theorem is None:
                    results[entry.key] = entry.error or "broken line"
                    continue
                try:
                    environment.open(entry.theorem)
                    results[entry.key] = None
                except ProverError as exc:
                    results[entry.key] = f"{type(exc).__name__}: {exc}"
    loaded = sum(error is None for error in results.values())
    elapsed_s = time.monotonic() - started
    print(f"loaded {loaded}/{len(results)} miniF2F-Coq statements in {elapsed_s:.0f} s")
    for name, error in sorted(results.items()):
        if error is not None:
            print(f"  {name}: {error.splitlines()[0][:200]}")
    if arguments.output is not None:
        arguments.output.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
