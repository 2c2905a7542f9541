"""``prover eval``: its flags and their mapping to :class:`~prover.evaluation.runner.EvalConfig`."""

from __future__ import annotations

import argparse
from pathlib import Path

from prover.cli.flag_errors import config_from_flags, same_names
from prover.cli.flags import add_problem_flags, add_search_flags, default_of, search_run_configs
from prover.evaluation.runner import EvalConfig, run_eval

__all__ = ["eval_config_from_arguments", "register"]


def eval_config_from_arguments(arguments: argparse.Namespace) -> EvalConfig:
    """Build and validate an eval configuration from parsed flags."""
    return config_from_flags(
        EvalConfig,
        arguments,
        same_names("attempts", "run_dir", "workers", "ray", "force"),
        **search_run_configs(arguments),
        show_progress=not arguments.no_progress,
        write_report=not arguments.no_report,
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``eval`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "eval",
        help="K attempts per theorem with pass@k; resumable, parallel",
        description="Exit status: 0 when every attempt ran (proved or failed), 3 when some "
        "attempt ended in error, 2 on bad input.",
    )
    add_problem_flags(parser)
    add_search_flags(parser)
    run = parser.add_argument_group("evaluation")
    run.add_argument("--attempts", type=int, required=True, help="K attempts per theorem")
    run.add_argument("--run-dir", type=Path, required=True, help="run directory (resumable)")
    run.add_argument(
        "--workers",
        type=int,
        default=default_of(EvalConfig, "workers"),
        help="parallel workers (default %(default)s)",
    )
    run.add_argument(
        "--ray",
        nargs="?",
        const="auto",
        metavar="auto|ADDRESS",
        help="run the workers as Ray actors (local cluster with `auto`, or a cluster address)",
    )
    run.add_argument("--force", action="store_true", help="move another run's files aside")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--no-report", action="store_true", help="do not write DIR/report.html")
    parser.set_defaults(handler=_run_eval)


def _run_eval(arguments: argparse.Namespace) -> int:
    return run_eval(eval_config_from_arguments(arguments))
