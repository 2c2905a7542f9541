"""``prover assist``: the flags of the terminal assistant and their mapping.

The session itself (goals, suggestions, ``:undo``, ``:search``, verification) is
:func:`prover.interactive.terminal.assist_in_terminal`; every default comes from
:class:`~prover.interactive.assist.AssistConfig`.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from prover.cli.flag_errors import config_from_flags
from prover.cli.flags import (
    add_backend_flags,
    add_generator_flags,
    add_problem_flags,
    add_resample_flag,
    backend_config_from_arguments,
    generator_config_from_arguments,
    problems_from_arguments,
)
from prover.data.selection import load_problems
from prover.interactive.assist import AssistConfig
from search.errors import ConfigError, InputError, ProverError
from search.states import Theorem

__all__ = ["assist_config_from_arguments", "register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``assist`` subcommand to the ``prover`` parser."""
    defaults = AssistConfig()
    parser = commands.add_parser("assist", help="prove one theorem interactively in the terminal")
    add_problem_flags(parser)
    add_backend_flags(parser)
    add_generator_flags(parser.add_argument_group("generator"))
    parser.add_argument(
        "--suggestions",
        type=int,
        default=defaults.num_suggestions,
        help="suggestions shown per state",
    )
    parser.add_argument(
        "--search-time", type=float, default=defaults.search_time_s, help="default :search seconds"
    )
    parser.add_argument(
        "--tactic-timeout", type=float, default=defaults.tactic_timeout_s, help="seconds per tactic"
    )
    parser.add_argument("--progress-model", type=Path, help="trained progress model directory")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    add_resample_flag(parser, default=defaults.resample_rounds)
    parser.set_defaults(handler=_run_assist)


def assist_config_from_arguments(arguments: argparse.Namespace) -> AssistConfig:
    """The AssistConfig of parsed ``prover assist`` flags."""
    return config_from_flags(AssistConfig, arguments, _ASSIST_FIELDS)


_ASSIST_FIELDS = {
    "num_suggestions": "suggestions",
    "tactic_timeout_s": "tactic_timeout",
    "search_time_s": "search_time",
    "seed": "seed",
    "resample_rounds": "resample_rounds",
}


def _resolve_theorem(arguments: argparse.Namespace, language: str) -> Theorem:
    """The one theorem named on the command line (a benchmark's split may be left out)."""
    problems = problems_from_arguments(
        argparse.Namespace(**{**vars(arguments), "split": arguments.split or "valid"})
    )
    if problems.file is None and len(problems.names) != 1:
        raise ConfigError("prover assist needs exactly one theorem: --names T with --benchmark")
    splits = [problems.split] if arguments.split or problems.file else ["valid", "test"]
    last_error: ProverError | None = None
    for split in splits:
        try:
            [entry] = load_problems(replace(problems, split=split), language=language)
        except ProverError as exc:
            last_error = exc
            continue
        if entry.theorem is None:
            raise InputError(entry.error or f"{entry.key}: broken benchmark entry")
        return entry.theorem
    assert last_error is not None
    raise last_error


def _run_assist(arguments: argparse.Namespace) -> int:
    from prover.interactive.terminal import assist_in_terminal

    config = assist_config_from_arguments(arguments)
    backend = backend_config_from_arguments(arguments)
    theorem = _resolve_theorem(arguments, backend.language)
    return assist_in_terminal(
        theorem,
        backend=backend,
        generator=generator_config_from_arguments(arguments),
        progress_model=arguments.progress_model,
        config=config,
    )
