"""Does Coq split library files into the sentences the verifier's split sees?

The verifier has ``coqc -time`` confirm its sentence split of every checked file
(:mod:`prover.backends.coq.split_check`); a header on which the two disagree is refused.
This measures how often that refuses real, honest files: a deterministic sample of a
library's ``.v`` files (the first ``--sample`` by sha256 of their path), each marked as
the verifier marks a checked file and compiled with ``coqc -time`` in a fresh directory.
Per file one outcome:

* ``agrees``: the marked file compiles and Coq's split is the prover's;
* ``refused_before_coqc``: :func:`mark_sentences` refuses the text (its reason kept);
* ``split_differs``: it compiles, and :func:`split_refusal` names where the splits part;
* ``marked_fails``: the marked file does not compile but the unmarked one does (a marker
  changed what Coq read: also a refusal);
* ``not_standalone``: neither compiles outside its library (excluded from the ratio);
* ``limit_reached`` (with ``--limits-trace``): the marked file compiles, but under the
  verifier's 5 MB stack and memory cap ``strace`` recorded a stack overflow or a failed
  allocation, so verification refuses it (:mod:`prover.backends.coq.limit_trace`).

Usage::

    python -m benchmarks.split_agreement --library stdlib --sample 60 \\
        --output docs/results/split-agreement.json
    python -m benchmarks.split_agreement --library stdlib --sample 1000 --limits-trace
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from prover.backends.coq.config import PROVER_STACK_MB
from prover.backends.coq.limit_trace import limits_traced
from prover.backends.coq.split_check import mark_sentences, split_refusal
from prover.tracing.libraries import SourceFile, coq_where, library_files
from search.process import DEFAULT_MEMORY_LIMIT_MB, kill_tree, spawn
from search.workdirs import private_directory


def _parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--library", default="stdlib")
    parser.add_argument("--sample", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per coqc run")
    parser.add_argument("--output", type=Path, help="write the figures as JSON here too")
    parser.add_argument(
        "--limits-trace",
        action="store_true",
        help="compile the marked file as verification does: 5 MB stack, under strace's "
        "record of whether a stack or memory limit was reached",
    )
    return parser.parse_args()


def sample_files(library: str, size: int) -> list[SourceFile]:
    """``size`` files of ``library``, chosen by sha256 of their path (stable across runs)."""
    files = library_files(library, where=coq_where())
    return sorted(files, key=lambda f: hashlib.sha256(f.file.encode()).hexdigest())[:size]


def _load_flags(source: SourceFile) -> list[str]:
    """The library's own load path (``-R DIR ROOT``) and ``-noinit``, as tracing loads it
    (without its ``-topfile``: the file compiles as ``Checked``)."""
    flags = list(source.coqtop_args)
    if "-topfile" in flags:
        position = flags.index("-topfile")
        del flags[position : position + 2]
    return flags


def _compile(
    text: str, source: SourceFile, coqc: str, timeout_s: float, *, strace: str | None = None
) -> tuple[int, str, str | None]:
    """coqc -time on ``text`` as ``Checked.v`` in a fresh folder: (status, merged output,
    with ``strace``: the limit the run reached as the verifier words it, or None)."""
    argv = [coqc, "-time", "-q", *_load_flags(source), "Checked.v"]
    with (
        private_directory("split-agreement-") as directory,
        limits_traced(
            argv, strace=strace, stack_mb=PROVER_STACK_MB, memory_mb=DEFAULT_MEMORY_LIMIT_MB
        ) as run,
    ):
        (directory / "Checked.v").write_bytes(text.encode("utf-8"))
        process = spawn(run.argv, cwd=directory, stack_limit_mb=PROVER_STACK_MB)
        try:
            stdout, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return -1, f"timed out after {timeout_s:g} s", None
        finally:
            kill_tree(process)
        limited = run.problem()
    return process.returncode, stdout.decode("utf-8", "replace"), limited


def classify(
    source: SourceFile, coqc: str, timeout_s: float, *, strace: str | None = None
) -> dict[str, Any]:
    """One file's outcome (see the module docstring) with its reason and seconds
    (``strace``: the marked file compiled under the verifier's limits record)."""
    text = source.path.read_text(encoding="utf-8")
    started = time.monotonic()
    marked = mark_sentences(text, secrets.token_hex(8))
    row: dict[str, Any] = {"file": source.file}
    if isinstance(marked, str):
        row.update(outcome="refused_before_coqc", reason=marked)
        return row
    status, output, limited = _compile(marked.text, source, coqc, timeout_s, strace=strace)
    if status == 0 and limited is not None:
        row.update(outcome="limit_reached", reason=limited)
    elif status == 0:
        problem = split_refusal(output, marked)
        row.update(outcome="agrees" if problem is None else "split_differs", reason=problem)
    else:
        plain_status, _, _ = _compile(text, source, coqc, timeout_s)
        outcome = "marked_fails" if plain_status == 0 else "not_standalone"
        row.update(outcome=outcome, reason=output.strip()[-300:])
    row["sentences"] = len(marked.expected) // 2
    row["seconds"] = round(time.monotonic() - started, 2)
    return row


def main() -> int:
    """Classify the sample, print the counts and write them with ``--output``."""
    arguments = _parse_arguments()
    coqc = shutil.which("coqc")
    if coqc is None:
        print("coqc not found: install Coq (apt-get install -y coq)", file=sys.stderr)
        return 2
    strace = shutil.which("strace") if arguments.limits_trace else None
    if arguments.limits_trace and strace is None:
        print("strace not found: apt-get install -y strace", file=sys.stderr)
        return 2
    rows = []
    for source in sample_files(arguments.library, arguments.sample):
        row = classify(source, coqc, arguments.timeout, strace=strace)
        print(json.dumps(row), flush=True)
        rows.append(row)
    counts = Counter(row["outcome"] for row in rows)
    judged = len(rows) - counts["not_standalone"]
    report = {
        "library": arguments.library,
        "files": len(rows),
        "counts": dict(counts),
        "agreement": round(counts["agrees"] / judged, 4) if judged else None,
        "sentences_agreed": sum(r.get("sentences", 0) for r in rows if r["outcome"] == "agrees"),
        "per_file": rows,
    }
    print(json.dumps({k: v for k, v in report.items() if k != "per_file"}, indent=2))
    if arguments.output is not None:
        arguments.output.parent.mkdir(parents=True, exist_ok=True)
        arguments.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
