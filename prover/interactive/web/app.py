"""The FastAPI application of ``prover serve``: routes over an :class:`AssistService`.

:func:`create_app` builds it; uvicorn runs it (``prover serve``, or any ASGI server:
``uvicorn --factory prover.interactive.serving:asgi_app --port 23337``). Routes are
thin: the pydantic models validate, the service computes in a worker thread under a
per-request timeout, and every error becomes ``{"error": message}`` with its status.
FastAPI derives ``/openapi.json`` from the models.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from prover.interactive.service import AssistService
from prover.interactive.service_values import SearchQuery, ServiceUnavailable
from prover.interactive.web.gate import RequestGate
from prover.interactive.web.limits import HttpLimits
from prover.interactive.web.messages import validation_message
from prover.interactive.web.models import (
    EncodeAnswer,
    EncodeRequest,
    ErrorAnswer,
    GenerateAnswer,
    GenerateRequest,
    Generation,
    HealthAnswer,
    ProgressAnswer,
    ProgressRequest,
    SearchAnswerModel,
    SearchRequest,
)
from search.errors import InputError, ProverError, StatementError

__all__ = ["ENDPOINTS", "create_app"]

logger = logging.getLogger(__name__)

T = TypeVar("T")

ENDPOINTS = (
    ("POST", "/generate"),
    ("POST", "/encode"),
    ("POST", "/progress"),
    ("POST", "/search"),
    ("GET", "/health"),
)
"""Every endpoint the server offers (the OpenAPI description lists exactly these)."""

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorAnswer}
    for status in (400, 403, 404, 405, 408, 411, 413, 415, 422, 503, 504)
}


class _StrictJsonRequest(Request):
    """A request whose JSON body must be UTF-8 JSON without NaN/Infinity, nested sanely."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = _parse_json(await self.body())
        return self._json


class _StrictJsonRoute(APIRoute):
    """A route parsing bodies with :class:`_StrictJsonRequest` (FastAPI's custom-route hook)."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            response: Response = await handler(_StrictJsonRequest(request.scope, request.receive))
            return response

        return strict_handler


def _parse_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPException(400, "the body is not UTF-8") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise HTTPException(400, f"malformed JSON: {exc}") from None
    except RecursionError:
        raise HTTPException(400, "JSON nested too deeply") from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"malformed JSON: {name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: with a repeated key (``"statement"`` twice,
    or once escaped as ``"st\\u0061tement"``) a client or proxy keeping the first could
    believe another theorem was proved than the one the server checked (red-team note)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"malformed JSON: the key {key[:40]!r} appears twice")
        result[key] = value
    return result


def create_app(service: AssistService, *, limits: HttpLimits | None = None) -> FastAPI:
    """The application serving ``service``; its shutdown closes the service's environments."""
    limits = limits if limits is not None else HttpLimits()
    worker = _Worker(limits)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker.start()
        yield
        await anyio.to_thread.run_sync(service.close)

    app = FastAPI(
        title="prover-agent assistance server",
        summary="Lean Copilot's external-model API (/generate, /encode) plus /progress, "
        "/search and /health",
        version="0.2.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.router.route_class = _StrictJsonRoute
    _add_routes(app, service, limits, worker)
    _add_error_handlers(app)
    if limits.allow_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[origin.lower() for origin in limits.allow_origins],
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type"],
        )
    app.add_middleware(RequestGate, limits=limits)
    return app


class _Worker:
    """Runs blocking service calls in threads, at most ``worker_threads`` at once, with timeouts."""

    def __init__(self, limits: HttpLimits) -> None:
        self.limits = limits
        self.limiter: anyio.CapacityLimiter | None = None

    def start(self) -> None:
        self.limiter = anyio.CapacityLimiter(self.limits.worker_threads)

    async def run(self, function: Callable[[], T], *, timeout_s: float, what: str) -> T:
        if self.limiter is None:  # served without lifespan events
            self.start()
        try:
            with anyio.fail_after(timeout_s):
                return await anyio.to_thread.run_sync(
                    function, limiter=self.limiter, abandon_on_cancel=True
                )
        except TimeoutError:
            logger.warning("%s did not finish within %.0f s (answered 504)", what, timeout_s)
            raise HTTPException(504, f"{what} did not finish within {timeout_s:g} s") from None
        except StatementError as exc:
            raise HTTPException(422, str(exc)) from exc
        except InputError as exc:
            raise HTTPException(400, str(exc)) from exc
        except ServiceUnavailable as exc:
            raise HTTPException(503, str(exc)) from exc
        except ProverError as exc:
            raise HTTPException(503, f"{type(exc).__name__}: {exc}") from exc


def _add_routes(app: FastAPI, service: AssistService, limits: HttpLimits, worker: _Worker) -> None:
    timeout_s = limits.request_timeout_s

    @app.post("/generate", response_model_exclude_none=True, responses=_ERRORS)
    async def generate(body: GenerateRequest) -> GenerateAnswer:
        """Lean Copilot's generate: tactics for a goal, best first (``score`` = exp log-prob)."""
        outputs = await worker.run(
            lambda: service.generate(
                goal=body.input,
                prefix=body.prefix or "",
                num_candidates=body.num_candidates,
                use_reward=bool(body.use_reward),
            ),
            timeout_s=timeout_s,
            what="/generate",
        )
        return GenerateAnswer(outputs=[Generation(**asdict(output)) for output in outputs])

    @app.post("/encode", responses=_ERRORS)
    async def encode(body: EncodeRequest) -> EncodeAnswer:
        """Lean Copilot's encode: the embedding of ``input``."""
        vector = await worker.run(
            lambda: service.encode(body.input), timeout_s=timeout_s, what="/encode"
        )
        return EncodeAnswer(outputs=vector)

    @app.post("/progress", responses=_ERRORS)
    async def progress(body: ProgressRequest) -> ProgressAnswer:
        """The progress model's estimate of the tactics left from ``state``."""
        steps = await worker.run(
            lambda: service.steps_remaining(body.state, body.proof_so_far or []),
            timeout_s=timeout_s,
            what="/progress",
        )
        return ProgressAnswer(steps_remaining=steps)

    @app.post("/search", responses=_ERRORS)
    async def search(body: SearchRequest) -> SearchAnswerModel:
        """Best-first search on the server's backend; ``proved`` only when verified."""
        query = SearchQuery(
            header=body.header or "",
            statement=body.statement,
            name=body.name,
            time_limit_s=body.time_limit_s,
            max_expansions=body.max_expansions,
            file=body.file,
        )
        budget = body.time_limit_s
        if budget is None or not math.isfinite(budget) or budget <= 0:
            budget = service.limits.default_time_limit_s
        budget = min(budget, service.limits.max_time_limit_s)
        answer = await worker.run(
            lambda: service.search(query),
            timeout_s=budget + limits.search_grace_s,
            what="/search",
        )
        return SearchAnswerModel(**asdict(answer))

    @app.get("/health", responses=_ERRORS)
    async def health() -> HealthAnswer:
        """What the server has loaded: generator, language, progress model, encoder, search."""
        return HealthAnswer(status="ok", **asdict(service.health()))


def _add_error_handlers(app: FastAPI) -> None:
    known = ", ".join(f"{method} {path}" for method, path in ENDPOINTS)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no endpoint {request.method} {request.url.path}; known: {known}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; known: {known}"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        status, message = validation_message(exc.errors())
        return JSONResponse({"error": message}, status_code=status)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
