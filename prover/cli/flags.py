"""Command-line flags shared by several ``prover`` subcommands (prove, eval, assist, serve)."""

from __future__ import annotations

import argparse
from pathlib import Path

from models.registry import add_generator_flags
from prover.backends.factory import DEFAULT_COQ_PRELUDE

__all__ = ["add_backend_flags", "add_problem_flags", "add_scoring_flags", "add_search_flags"]


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


def add_backend_flags(parser: argparse.ArgumentParser) -> None:
    """Flags choosing and starting the proof assistant."""
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


def add_search_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of the backend, the generator and the search budgets, shared by prove and eval."""
    add_backend_flags(parser)
    add_generator_flags(parser.add_argument_group("generator"))
    budgets = parser.add_argument_group("search budgets")
    budgets.add_argument("--time-limit", type=float, default=60.0, help="seconds per theorem")
    budgets.add_argument("--max-expansions", type=int, help="node expansions per theorem")
    budgets.add_argument("--tactic-timeout", type=float, default=5.0, help="seconds per tactic")
    budgets.add_argument("--max-depth", type=int, default=50)
    budgets.add_argument("--num-candidates", type=int, default=32, help="tactics per expansion")
    budgets.add_argument("--expansion-batch-size", type=int, default=1)
    budgets.add_argument("--seed", type=int, default=0)
    add_scoring_flags(parser)


def add_scoring_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of the node priority (progress model) and the sampling budget (fixed/dynamic)."""
    scoring = parser.add_argument_group("scoring and sampling budget")
    scoring.add_argument(
        "--progress-model", type=Path, help="directory written by `prover train-progress`"
    )
    scoring.add_argument(
        "--alpha", type=float, default=0.2, help="weight of the progress term (default 0.2)"
    )
    scoring.add_argument("--sampling", choices=("fixed", "dynamic"), default="fixed")
    scoring.add_argument(
        "--min-candidates", type=int, default=4, help="dynamic sampling: fewest per expansion"
    )
    scoring.add_argument(
        "--max-candidates", type=int, help="dynamic sampling: most (default --num-candidates)"
    )
