"""``prover setup lean``: create or check a Lean project with Mathlib and build the REPL."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``setup`` subcommand (``setup lean``) to the ``prover`` parser."""
    parser = commands.add_parser("setup", help="prepare a proof assistant for the prover")
    targets = parser.add_subparsers(dest="target", required=True)
    lean = targets.add_parser("lean", help="create or check a Lean project with Mathlib")
    lean.add_argument("--lean-project", type=Path, required=True, help="project directory")
    lean.add_argument(
        "--statements",
        default="deepseek",
        help="statement version whose Lean/Mathlib versions to use (deepseek, yangky11, rahul3613)",
    )
    lean.set_defaults(handler=_run_setup_lean)


def _run_setup_lean(arguments: argparse.Namespace) -> int:
    from prover.backends.lean.setup import setup_lean_project

    setup_lean_project(project_dir=arguments.lean_project, statements=arguments.statements)
    print(f"Lean project ready in {arguments.lean_project}")
    return 0
