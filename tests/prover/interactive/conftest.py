"""A real uvicorn server on a loopback ephemeral port, and a small HTTP client for tests."""

from __future__ import annotations

import http.client
import importlib.util
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from prover.interactive.service import AssistService
from prover.interactive.web.limits import HttpLimits

JSON = {"Content-Type": "application/json"}


@dataclass
class LoopbackServer:
    """A running server: its port, and helpers speaking HTTP/1.1 to it."""

    server: Any
    thread: threading.Thread

    @property
    def port(self) -> int:
        port: int = self.server.servers[0].sockets[0].getsockname()[1]
        return port

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> tuple[int, Any]:
        """Send one request (JSON content type unless ``headers`` say otherwise)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
            sent = dict(JSON if data is not None else {})
            sent.update(headers or {})
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
        finally:
            connection.close()

    def raw_socket(self) -> socket.socket:
        """A connected TCP socket, for requests http.client will not send."""
        return socket.create_connection(("127.0.0.1", self.port), timeout=30)

    def stop(self) -> None:
        """Ask uvicorn to stop (in-flight requests finish first) and wait for it."""
        self.server.should_exit = True
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the server did not stop"


HTTP_PROTOCOLS = [
    "h11",
    pytest.param(
        "httptools",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("httptools") is None, reason="httptools not installed"
        ),
    ),
]
"""uvicorn's two HTTP/1.1 implementations: the gate must behave the same on both."""


def start_loopback(
    service: AssistService, limits: HttpLimits | None = None, *, http: str = "auto"
) -> LoopbackServer:
    """Run ``create_app(service)`` under uvicorn in a thread, on 127.0.0.1 and a free port."""
    import uvicorn

    from prover.interactive.web.app import create_app

    config = uvicorn.Config(
        create_app(service, limits=limits),
        host="127.0.0.1",
        port=0,
        http=http,
        log_config=None,
        access_log=False,
        timeout_keep_alive=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LoopbackServer(server=server, thread=thread)


@pytest.fixture
def serve() -> Iterator[Callable[..., LoopbackServer]]:
    """A factory starting loopback servers; every one is stopped at teardown."""
    started: list[LoopbackServer] = []

    def start(
        service: AssistService, limits: HttpLimits | None = None, *, http: str = "auto"
    ) -> LoopbackServer:
        running = start_loopback(service, limits, http=http)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.thread.is_alive():
            running.stop()


@dataclass
class FakeProgress:
    """A progress predictor whose estimate is the length of the last tactic (7 with none)."""

    input_format: str = "state+proof"
    n_max: int = 50

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        return [float(len(proof[-1]) if proof else 7) for proof in proofs_so_far]


@pytest.fixture(scope="module")
def lean_service() -> AssistService:
    """The portfolio in the Lean 4 vocabulary, a fake progress model, MiniLM when installed."""
    from models.encoder import TextEncoder, default_encoder_path
    from models.portfolio.generator import PortfolioGenerator

    path = default_encoder_path()
    return AssistService(
        generator=PortfolioGenerator(language="lean4"),
        language="lean4",
        serialize_generator=False,
        progress=FakeProgress(),
        encoder=TextEncoder(path) if path is not None else None,
    )


@pytest.fixture(scope="module")
def lean_server(lean_service: AssistService) -> Iterator[LoopbackServer]:
    """One loopback server over ``lean_service`` for a whole test module."""
    running = start_loopback(lean_service)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="module")
def loopback() -> Callable[..., LoopbackServer]:
    """``start_loopback`` for module-scoped fixtures (the caller stops what it starts)."""
    return start_loopback


@pytest.fixture(params=HTTP_PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    """Each of uvicorn's HTTP/1.1 implementations in turn (``http=`` of uvicorn.Config)."""
    name: str = request.param
    return name
