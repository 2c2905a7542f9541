"""``prover prove``: its flags and their mapping to :class:`~prover.attempts.batch.ProveConfig`."""

from __future__ import annotations

import argparse
from pathlib import Path

from prover.attempts.batch import ProveConfig, run_prove
from prover.cli.flag_errors import config_from_flags
from prover.cli.flags import add_problem_flags, add_search_flags, search_run_configs

__all__ = ["prove_config_from_arguments", "register"]


def prove_config_from_arguments(arguments: argparse.Namespace) -> ProveConfig:
    """Build and validate the whole configuration of a ``prove`` run."""
    return config_from_flags(
        ProveConfig,
        arguments,
        {"output": "output", "force": "force"},
        **search_run_configs(arguments),
        show_progress=not arguments.no_progress,
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``prove`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "prove",
        help="prove theorems and write DIR/results.jsonl",
        description="Exit status: 0 when every attempt ran (proved or failed), 3 when some "
        "attempt ended in error, 2 on bad input.",
    )
    add_problem_flags(parser)
    add_search_flags(parser)
    parser.add_argument("--output", type=Path, required=True, help="run directory")
    parser.add_argument("--force", action="store_true", help="start over in an existing DIR")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_run_prove)


def _run_prove(arguments: argparse.Namespace) -> int:
    return run_prove(prove_config_from_arguments(arguments))
