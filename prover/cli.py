"""The ``prover`` command line: a thin layer that builds configs and calls the library.

Logging is configured here and only here.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from models.registry import add_generator_flags
from prover.backends.factory import DEFAULT_COQ_PRELUDE
from search.errors import ProverError

__all__ = ["build_parser", "main"]

logger = logging.getLogger("prover")


def add_problem_flags(parser: argparse.ArgumentParser) -> None:
    """Flags choosing the theorems: a benchmark split (with names/limit) or one file."""
    group = parser.add_argument_group("theorems")
    group.add_argument("--benchmark", help="minif2f-coq, minif2f-lean4 or proofnet-lean4")
    group.add_argument("--split", choices=("valid", "test"), help="benchmark split")
    group.add_argument("--statements", help="statement version (Lean benchmarks)")
    group.add_argument("--names", help="comma-separated theorem names to run")
    group.add_argument("--limit", type=int, help="run only the first N theorems")
    group.add_argument("--file", type=Path, help="a .v or .lean file holding the theorem")
    group.add_argument("--theorem", help="the theorem's name inside --file")


def add_search_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of the backend, the generator and the search budgets, shared by prove and eval."""
    backend = parser.add_argument_group("backend")
    backend.add_argument("--backend", default="coq", choices=("coq", "lean-repl", "leandojo"))
    backend.add_argument("--lean-repl-cmd", help="command starting the Lean REPL")
    backend.add_argument("--lean-project", type=Path, help="Lean project directory")
    backend.add_argument("--memory-limit-mb", type=int, default=8192)
    backend.add_argument(
        "--coq-prelude",
        default=DEFAULT_COQ_PRELUDE,
        help="sentences loaded after each Coq header (default: %(default)s)",
    )
    add_generator_flags(parser.add_argument_group("generator"))
    budgets = parser.add_argument_group("search budgets")
    budgets.add_argument("--time-limit", type=float, default=60.0, help="seconds per theorem")
    budgets.add_argument("--max-expansions", type=int, help="node expansions per theorem")
    budgets.add_argument("--tactic-timeout", type=float, default=5.0, help="seconds per tactic")
    budgets.add_argument("--max-depth", type=int, default=50)
    budgets.add_argument("--num-candidates", type=int, default=32, help="tactics per expansion")
    budgets.add_argument("--expansion-batch-size", type=int, default=1)
    budgets.add_argument("--seed", type=int, default=0)


def _add_prove(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("prove", help="prove theorems and write DIR/results.jsonl")
    add_problem_flags(parser)
    add_search_flags(parser)
    parser.add_argument("--output", type=Path, required=True, help="run directory")
    parser.add_argument("--force", action="store_true", help="start over in an existing DIR")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=_run_prove)


def _run_prove(arguments: argparse.Namespace) -> int:
    from prover.prove_command import prove_config_from_arguments, run_prove

    return run_prove(prove_config_from_arguments(arguments))


def build_parser() -> argparse.ArgumentParser:
    """The full ``prover`` argument parser."""
    parser = argparse.ArgumentParser(prog="prover", description=__doc__)
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_prove(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``prover`` command; returns the exit status."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=getattr(logging, str(arguments.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    handler: Callable[[argparse.Namespace], int] = arguments.handler
    try:
        return handler(arguments)
    except ProverError as exc:
        print(f"prover: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prover: interrupted; results written so far are kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
