"""Fixtures of the model-generator tests: requests, a loopback stub server, the test model."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from search.protocols import GenerationRequest
from search.states import Goal, Hypothesis, ProofState, Theorem

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"

STATES = (
    ("n : nat", "n + 0 = n"),
    ("a b : nat", "a + b = b + a"),
    ("x : R\nh : 0 < x", "0 < x * x"),
)


def make_request(
    index: int = 0, *, num_candidates: int = 4, seed: int = 7, deadline: float | None = None
) -> GenerationRequest:
    """A Coq-flavoured request for the ``index``-th of a few small states."""
    hypothesis, conclusion = STATES[index % len(STATES)]
    names, type_ = hypothesis.split("\n")[0].split(" : ")
    goal = Goal(
        hypotheses=(Hypothesis(names=tuple(names.split()), type=type_),), conclusion=conclusion
    )
    theorem = Theorem(
        name=f"t{index}",
        header="Require Import Arith.",
        statement=f"Theorem t{index} : forall {names} : {type_}, {conclusion}.",
    )
    state = ProofState(goals=(goal,), handle=index)
    return GenerationRequest(
        theorem=theorem,
        state=state,
        proof_so_far=("intros.",),
        num_candidates=num_candidates,
        seed=seed,
        deadline=deadline,
    )


@pytest.fixture
def request_factory() -> Callable[..., GenerationRequest]:
    """The :func:`make_request` helper."""
    return make_request


@dataclass
class StubServer:
    """A loopback HTTP server answering POSTs from a queue of (status, body) replies.

    ``delay_s`` holds every answer back that long (a slow model server), or until the
    fixture's teardown releases it.
    """

    replies: list[tuple[int, bytes]]
    delay_s: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)


def _handler_for(stub: StubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            stub.received.append(json.loads(self.rfile.read(length)))
            stub.release.wait(stub.delay_s)
            status, body = stub.replies.pop(0) if len(stub.replies) > 1 else stub.replies[0]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    return Handler


@pytest.fixture
def stub_server() -> Iterator[Callable[..., StubServer]]:
    """Start stub servers on 127.0.0.1 with given replies; all are shut down afterwards."""
    servers: list[ThreadingHTTPServer] = []
    stubs: list[StubServer] = []

    def start(replies: list[tuple[int, bytes]], *, delay_s: float = 0.0) -> StubServer:
        stub = StubServer(replies=list(replies), delay_s=delay_s)
        stubs.append(stub)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(stub))
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stub.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        return stub

    yield start
    for stub in stubs:
        stub.release.set()
    for server in servers:
        server.shutdown()
        server.server_close()


def converted_model_dir() -> Path | None:
    """The converted SmolLM2 directory (PROVER_MODEL_DIR or the setup script's default)."""
    configured = os.environ.get("PROVER_MODEL_DIR")
    path = Path(configured) if configured else REPO / ".models" / "smollm2-135m-instruct"
    return path if (path / "config.json").is_file() else None
