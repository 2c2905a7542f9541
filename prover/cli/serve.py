"""``prover serve``: the flags of the assistance server and their mapping to a ServeConfig.

Without ``--backend`` the server only generates (and encodes, and predicts progress)
with the Lean 4 vocabulary, since Lean Copilot sends Lean goals; with ``--backend`` it
also runs ``/search`` on that proof assistant and generates in its language, ranking the
frontier with ``--progress-model`` and the scoring flags of ``prove``. Every
default comes from :class:`~prover.interactive.serving.ServeConfig` (and the
SearchLimits/HttpLimits it holds). The server itself is
:func:`prover.interactive.serving.run_serve`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from prover.backends.factory import BACKEND_LANGUAGES
from prover.cli.flag_errors import config_from_flags, same_names
from prover.cli.flags import (
    add_backend_flags,
    add_generator_flags,
    add_resample_flag,
    add_scoring_flags,
    backend_config_from_arguments,
    generator_config_from_arguments,
    scoring_config_from_arguments,
)
from prover.interactive.service_values import SearchLimits
from prover.interactive.serving import ServeConfig, run_serve
from prover.interactive.web.limits import HttpLimits

__all__ = ["register", "serve_config_from_arguments"]


def serve_config_from_arguments(arguments: argparse.Namespace) -> ServeConfig:
    """The ServeConfig of parsed ``prover serve`` flags."""
    backend = None
    if arguments.backend is not None:
        backend = backend_config_from_arguments(arguments)
    language = arguments.language or (
        BACKEND_LANGUAGES[arguments.backend] if arguments.backend else "lean4"
    )
    limits = config_from_flags(
        SearchLimits,
        arguments,
        {
            "tactic_timeout_s": "tactic_timeout",
            "max_time_limit_s": "max_search_time",
            "resample_rounds": "resample_rounds",
        },
    )
    http = config_from_flags(
        HttpLimits,
        arguments,
        {"allow_origins": "allow_origin", "body_timeout_s": "body_timeout"},
        allow_origins=tuple(arguments.allow_origin),
    )
    fields = same_names("language", "host", "port", "num_candidates", "encoder", "search_workers")
    return config_from_flags(
        ServeConfig,
        arguments,
        fields,
        language=language,
        backend=backend,
        generator=generator_config_from_arguments(arguments),
        scoring=scoring_config_from_arguments(arguments),
        limits=limits,
        http=http,
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand to the ``prover`` parser."""
    defaults, limits = ServeConfig(), SearchLimits()
    parser = commands.add_parser(
        "serve", help="HTTP server for Lean Copilot (/generate, /encode) plus /progress, /search"
    )
    parser.add_argument("--host", default=defaults.host)
    parser.add_argument("--port", type=int, default=defaults.port)
    parser.add_argument(
        "--language", choices=("coq", "lean4"), help="tactic vocabulary (default: backend's)"
    )
    add_backend_flags(parser, required=False)
    add_generator_flags(parser.add_argument_group("generator"))
    parser.add_argument(
        "--num-candidates", type=int, default=defaults.num_candidates, help="outputs per /generate"
    )
    # --progress-model serves /progress and use_reward; with the other scoring flags it also
    # ranks /search's frontier as in prove.
    add_scoring_flags(parser)
    parser.add_argument("--encoder", type=Path, help="local encoder model directory for /encode")
    parser.add_argument(
        "--search-workers",
        type=int,
        default=defaults.search_workers,
        help="parallel /search runs",
    )
    parser.add_argument(
        "--tactic-timeout",
        type=float,
        default=limits.tactic_timeout_s,
        help="/search: s per tactic",
    )
    parser.add_argument(
        "--max-search-time",
        type=float,
        default=limits.max_time_limit_s,
        help="largest /search time_limit_s",
    )
    add_resample_flag(parser, default=limits.resample_rounds)
    parser.add_argument(
        "--allow-origin",
        action="append",
        default=list(defaults.http.allow_origins),
        metavar="ORIGIN",
        help="a browser origin (scheme://host[:port]) allowed to call the server; repeatable. "
        "Requests with any other Origin header are refused (default: none)",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=defaults.http.body_timeout_s,
        help="seconds a client may take to send its request body (then 408)",
    )
    parser.set_defaults(handler=_run_serve)


def _run_serve(arguments: argparse.Namespace) -> int:
    return run_serve(serve_config_from_arguments(arguments))
