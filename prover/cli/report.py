"""``prover report DIR [DIR2]``: render an eval run's HTML report, or compare two runs."""

from __future__ import annotations

import argparse
from pathlib import Path

from search.errors import InputError

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser("report", help="render DIR/report.html (two DIRs: compare)")
    parser.add_argument("run_dirs", type=Path, nargs="+", metavar="DIR", help="run directories")
    parser.add_argument("--output", type=Path, help="where to write (default DIR/report.html)")
    parser.set_defaults(handler=_run_report)


def _run_report(arguments: argparse.Namespace) -> int:
    from prover.evaluation.report import write_report

    run_dirs: list[Path] = arguments.run_dirs
    if len(run_dirs) > 2:
        raise InputError(f"prover report compares at most two runs, got {len(run_dirs)}")
    print(f"report: {write_report(run_dirs, output=arguments.output)}")
    return 0
