"""``prover trace``: turn Coq libraries or source files into (state, tactic) training data."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from prover.cli.flag_errors import config_from_flags, same_names
from prover.tracing.batch import FileOutcome, TraceConfig
from prover.tracing.libraries import LIBRARIES

__all__ = ["register"]

_DEFAULTS = TraceConfig(output=Path("."), libraries=("stdlib",))


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``trace`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "trace",
        help="replay Coq proofs into (state, tactic, remaining steps) data",
        description="Replay Coq sources in coqtop and write steps.jsonl.gz, theorems.jsonl "
        "and manifest.json to --output. Rerunning the same command resumes.",
    )
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--library",
        action="extend",
        nargs="+",
        choices=tuple(LIBRARIES),
        metavar="NAME",
        help=f"installed library to trace ({', '.join(LIBRARIES)})",
    )
    what.add_argument(
        "--source", action="extend", nargs="+", type=Path, metavar="PATH",
        help="a .v file or a folder of .v files (recursive)",
    )  # fmt: skip
    parser.add_argument("--output", type=Path, required=True, help="trace directory")
    parser.add_argument("--workers", type=int, default=_DEFAULTS.workers, help="coqtop processes")
    parser.add_argument(
        "--limit-files", type=int, help="trace only the first N files of each library or path"
    )
    parser.add_argument(
        "--files", nargs="+", default=(), metavar="FILE",
        help="with --library: only these files (paths relative to the library root)",
    )  # fmt: skip
    parser.add_argument(
        "--sentence-timeout", type=float, default=_DEFAULTS.sentence_timeout_s,
        help="seconds one sentence may take before its file is given up (default %(default)s)",
    )  # fmt: skip
    parser.add_argument("--memory-limit-mb", type=int, default=_DEFAULTS.memory_limit_mb)
    parser.add_argument("--quiet", action="store_true", help="no line per finished file")
    parser.set_defaults(handler=_run_trace)


def _config(arguments: argparse.Namespace) -> TraceConfig:
    return config_from_flags(
        TraceConfig,
        arguments,
        _TRACE_FIELDS,
        libraries=tuple(arguments.library or ()),
        sources=tuple(arguments.source or ()),
        only_files=tuple(arguments.files),
        command=shlex.join(["prover", *sys.argv[1:]]),
    )


_TRACE_FIELDS = {
    "libraries": "library",
    "sources": "source",
    "only_files": "files",
    "sentence_timeout_s": "sentence_timeout",
    **same_names("output", "workers", "limit_files", "memory_limit_mb"),
}


def _print_outcome(done: int, total: int, outcome: FileOutcome) -> None:
    part = outcome.part
    traced = sum(1 for theorem in part.theorems if theorem["status"] == "traced")
    line = (
        f"[{done}/{total}] {part.library} {part.file}: {traced}/{len(part.theorems)} traced, "
        f"{len(part.steps)} steps, {part.elapsed_s:.1f} s"
    )
    if part.error is not None:
        line += f"; stopped: {part.error}"
    print(line, file=sys.stderr, flush=True)


def _run_trace(arguments: argparse.Namespace) -> int:
    from prover.tracing.batch import run_trace

    config = _config(arguments)
    summary = run_trace(config, progress=None if arguments.quiet else _print_outcome)
    by_split = summary.steps_by_split()
    splits = ", ".join(f"{split} {count}" for split, count in sorted(by_split.items()))
    print(f"steps: {splits}; miniF2F statements filtered: {summary.minif2f_filtered}")
    for library, coverage in sorted(summary.coverage.items()):
        print(
            f"{library}: {coverage['qed_traced']:.0f} of {coverage['qed_in_sources']:.0f} "
            f"Qed proofs traced ({coverage['share']:.1%})"
        )
    print(f"output: {config.output}")
    return 0
