"""The server's attack surface over real HTTP: origins, content types, stalled bodies, /search.

Every attack of issue 14 against the server is sent as a client would send it; none may
yield ``"status": "proved"`` or a 500.
"""

from __future__ import annotations

import http.client
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from models.portfolio.generator import PortfolioGenerator
from prover.backends.factory import BackendConfig, open_environment
from prover.interactive.pool import EnvironmentPool
from prover.interactive.service import AssistService
from prover.interactive.service_values import SearchLimits
from prover.interactive.web.limits import HttpLimits
from search.errors import BackendCrashed
from search.outcomes import Verification
from search.states import ProofState, Theorem
from search.testing import ScriptedEnvironment, ScriptedGenerator
from tests.soundness.attacks import GUARD_BUG_FALSE, GUARD_BUG_HEADER

HAS_COQ = shutil.which("coqtop") is not None and shutil.which("coqc") is not None
SCRIPT = {"root": {"auto.": "proved"}}


def portfolio_service() -> AssistService:
    return AssistService(
        generator=PortfolioGenerator(language="lean4"), language="lean4", serialize_generator=False
    )


def _exchange(port: int, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def test_a_foreign_origin_is_refused_on_every_method(serve: Callable[..., Any]) -> None:
    """With the default empty allow-list, any Origin header gets 403 on POST and GET alike."""
    server = serve(portfolio_service())
    for method, path, body in (
        ("POST", "/generate", {"input": "⊢ True"}),
        ("POST", "/search", {"statement": "theorem t : True := by"}),
        ("GET", "/health", None),
    ):
        status, answer = server.request(method, path, body, headers={"Origin": "https://evil.test"})
        assert status == 403, path
        assert "origin 'https://evil.test' are refused" in answer["error"]
    status, _ = server.request("POST", "/generate", {"input": "⊢ True"}, headers={"Origin": "null"})
    assert status == 403
    assert server.request("POST", "/generate", {"input": "⊢ True"})[0] == 200


def test_an_allowed_origin_gets_cors_answers(serve: Callable[..., Any]) -> None:
    """--allow-origin admits exactly that origin, with CORS headers and a preflight answer."""
    allowed = "http://localhost:8000"
    server = serve(portfolio_service(), HttpLimits(allow_origins=(allowed,)))
    json_headers = {"Origin": allowed, "Content-Type": "application/json"}
    response = _exchange(server.port, "POST", "/generate", json_headers, b'{"input": "x"}')
    assert response.status == 200
    assert response.getheader("access-control-allow-origin") == allowed
    preflight = _exchange(
        server.port,
        "OPTIONS",
        "/generate",
        {
            "Origin": allowed,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status == 200
    assert "POST" in (preflight.getheader("access-control-allow-methods") or "")
    other = {"Origin": "http://localhost:9000", "Content-Type": "application/json"}
    assert _exchange(server.port, "POST", "/generate", other, b'{"input": "x"}').status == 403


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        None,
    ],
)
def test_non_json_content_types_are_refused(lean_server: Any, content_type: str | None) -> None:
    """A POST whose Content-Type is not JSON (or missing) is 415, even with a JSON body."""
    headers = {} if content_type is None else {"Content-Type": content_type}
    connection = http.client.HTTPConnection("127.0.0.1", lean_server.port, timeout=30)
    connection.putrequest("POST", "/generate")
    body = b'{"input": "x"}'
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        connection.putheader(name, value)
    connection.endheaders(body)
    response = connection.getresponse()
    assert response.status == 415
    assert "application/json" in response.read().decode()
    connection.close()


@pytest.mark.parametrize("content_type", ["application/json; charset=UTF-8", "Application/JSON"])
def test_json_content_type_variants_are_admitted(lean_server: Any, content_type: str) -> None:
    """application/json with a UTF-8 charset or in another case is admitted."""
    status, _ = lean_server.request(
        "POST", "/generate", {"input": "⊢ True"}, headers={"Content-Type": content_type}
    )
    assert status == 200


def test_a_stalled_body_gets_408_and_one_log_line(
    serve: Callable[..., Any], caplog: pytest.LogCaptureFixture, protocol: str
) -> None:
    """Half a body, then silence: 408 after body_timeout_s, one warning, no traceback, no 500."""
    caplog.set_level(logging.INFO)
    server = serve(portfolio_service(), HttpLimits(body_timeout_s=1.0), http=protocol)
    started = time.monotonic()
    with server.raw_socket() as sock:
        sock.sendall(
            b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200\r\n\r\n" + b'{"input": "' + b"x" * 90
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 408 "), data[:100]
    assert b"not complete within 1 s" in data
    assert time.monotonic() - started < 10
    assert server.request("GET", "/health")[0] == 200
    gate = [r for r in caplog.records if r.name == "prover.interactive.web.gate"]
    assert len(gate) == 1 and gate[0].levelno == logging.WARNING
    assert gate[0].getMessage().startswith("408: 127.0.0.1:")
    assert "sent 101 of 200 body bytes" in gate[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_a_client_leaving_mid_body_logs_no_error(
    serve: Callable[..., Any], caplog: pytest.LogCaptureFixture, protocol: str
) -> None:
    """A client that disconnects mid-body leaves nothing but itself behind: no error, no 500."""
    caplog.set_level(logging.INFO)
    server = serve(portfolio_service(), HttpLimits(body_timeout_s=5.0), http=protocol)
    with server.raw_socket() as sock:
        sock.sendall(
            b"POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 200\r\n\r\n" + b'{"input": '
        )
    time.sleep(0.5)
    assert server.request("GET", "/health")[0] == 200
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


class RejectingEnvironment(ScriptedEnvironment):
    """Finds proofs like the script says, but its verification rejects every one."""

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        return Verification(ok=False, proof_text="rejected", message="coqchk said no")


class CrashingVerifier(ScriptedEnvironment):
    """Finds proofs, but its verifier fails as infrastructure."""

    def verify(self, theorem: Theorem, proof: Sequence[str]) -> Verification:
        raise BackendCrashed("coqc died")


class SlowOpening(ScriptedEnvironment):
    """Takes 1.2 s to open a theorem, as a heavy header would."""

    def open(self, theorem: Theorem) -> ProofState:
        time.sleep(1.2)
        return super().open(theorem)


def scripted_service(environment: ScriptedEnvironment, language: str = "coq") -> AssistService:
    return AssistService(
        generator=ScriptedGenerator.from_script(SCRIPT),
        language=language,
        serialize_generator=False,
        environments=EnvironmentPool(lambda: environment, size=1),
        limits=SearchLimits(max_time_limit_s=60.0),
    )


def test_a_rejected_proof_never_comes_back_proved(serve: Callable[..., Any]) -> None:
    """The search closes the goal but verification rejects: failed, unverified, no proof."""
    environment = RejectingEnvironment(SCRIPT, root="root")
    server = serve(scripted_service(environment))
    status, answer = server.request("POST", "/search", {"statement": "Theorem t : True."})
    assert status == 200
    assert answer["status"] == "failed" and answer["verified"] is False
    assert answer["proof"] is None and answer["proof_text"] is None
    assert "rejected by verification: coqchk said no" in answer["error"]
    assert environment.open_calls == 1


def test_a_verifier_failure_is_an_error_not_a_proof(serve: Callable[..., Any]) -> None:
    """A verifier that crashes gives status error, never proved."""
    server = serve(scripted_service(CrashingVerifier(SCRIPT, root="root")))
    status, answer = server.request("POST", "/search", {"statement": "Theorem t : True."})
    assert status == 200 and answer["status"] == "error" and answer["verified"] is False
    assert "verifier error" in answer["error"] and answer["proof"] is None


def test_a_verified_proof_is_proved(serve: Callable[..., Any]) -> None:
    """With an accepting verifier the same search answers proved, verified, with the proof."""
    server = serve(scripted_service(ScriptedEnvironment(SCRIPT, root="root")))
    status, answer = server.request("POST", "/search", {"statement": "Theorem t : True."})
    assert status == 200 and answer["status"] == "proved" and answer["verified"] is True
    assert answer["proof"] == ["auto."]


def test_header_loading_counts_against_the_time_limit(serve: Callable[..., Any]) -> None:
    """Opening that takes longer than time_limit_s ends the request as a time-limit failure."""
    environment = SlowOpening(SCRIPT, root="root")
    server = serve(scripted_service(environment))
    status, answer = server.request(
        "POST", "/search", {"statement": "Theorem t : True.", "time_limit_s": 1.0}
    )
    assert status == 200
    assert answer["status"] == "failed" and answer["stop_reason"] == "time_limit"
    assert answer["header_time_s"] >= 1.2 and "header loading" in answer["error"]
    assert environment.num_tactic_calls == 0


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"statement": "Theorem t : True.", "name": "I"}, "declares 't'"),
        (
            {"statement": "Theorem t : True.", "name": 't.\nQed.\nRedirect "x" Print nat'},
            "single identifier",
        ),
        ({"statement": "Theorem t : False. Admitted. Theorem t2 : True."}, "exactly one sentence"),
        ({"statement": "Theorem t : False. (**)Admitted. (**)Theorem t2 : True."}, "exactly one"),
        ({"statement": "Theorem t : False.(**)Admitted."}, "opens a comment right after '.'"),
        ({"statement": "Definition t := 1."}, "must be one 'Theorem NAME"),
        ({"header": 'Redirect "pwned" Print nat.', "statement": "Theorem t : True."}, "Redirect"),
        ({"header": 'Declare ML Module "evil".', "statement": "Theorem t : True."}, "Declare"),
        ({"header": "Unset Guard Checking.", "statement": "Theorem t : True."}, "Guard"),
        (
            {
                "header": "#[bypass_check(guard)] Fixpoint f (n : nat) : False := f n.",
                "statement": "Theorem t : False.",
            },
            "attributes",
        ),
        ({"header": "Axiom ax : False.", "statement": "Theorem t : False."}, "Axiom"),
        (
            {"header": "Lemma l : False. Proof. Admitted.", "statement": "Theorem t : False."},
            "Admitted",
        ),
        ({"statement": "Theorem t : True.", "time_limit_s": -1}, "time_limit_s"),
        ({"statement": "Theorem t : True.", "time_limit_s": 1e9}, "time_limit_s"),
        ({"statement": "Theorem t : True.", "max_expansions": 0}, "max_expansions"),
    ],
)
def test_refused_search_requests_never_reach_the_backend(
    serve: Callable[..., Any], body: dict[str, Any], fragment: str
) -> None:
    """Each attack on /search is a 400 naming the problem; the environment is never opened."""
    environment = ScriptedEnvironment(SCRIPT, root="root")
    server = serve(scripted_service(environment))
    status, answer = server.request("POST", "/search", body)
    assert status == 400, answer
    assert fragment in answer["error"]
    assert environment.open_calls == 0


@pytest.mark.parametrize(
    ("header", "statement", "fragment"),
    [
        ("set_option debug.skipKernelTC true", "theorem t : True := by", "debug.skipKernelTC"),
        ("#eval IO.println 1", "theorem t : True := by", "#eval"),
        ("axiom ax : False", "theorem t : False := by", "axiom"),
        ("@[implemented_by f] def g : Nat := 1", "theorem t : True := by", "implemented_by"),
        ("", "theorem t : True\ntheorem t2 : False := by", "command keyword 'theorem'"),
        ("", "theorem t : False := proof_term", "':='"),
        ("", "theorem t : True := by\n  trivial\ntheorem t2 : False := by", "':='"),
        ("", "theorem t :\nset_option maxHeartbeats 0 in\nTrue := by", "'set_option'"),
    ],
)
def test_refused_lean_search_requests(
    serve: Callable[..., Any], header: str, statement: str, fragment: str
) -> None:
    """Lean headers and statements outside the whitelist are refused before the backend."""
    environment = ScriptedEnvironment(SCRIPT, root="root")
    server = serve(scripted_service(environment, language="lean4"))
    status, answer = server.request("POST", "/search", {"header": header, "statement": statement})
    assert status == 400, answer
    assert fragment in answer["error"]
    assert environment.open_calls == 0


@pytest.fixture(scope="module")
def coq_server(loopback: Callable[..., Any]) -> Iterator[Any]:
    """A loopback server with /search on real coqtop."""
    backend = BackendConfig(name="coq")
    service = AssistService(
        generator=PortfolioGenerator(language="coq"),
        language="coq",
        serialize_generator=False,
        environments=EnvironmentPool(lambda: open_environment(backend), size=1),
    )
    running = loopback(service)
    try:
        yield running
    finally:
        running.stop()


COQ_ATTACKS = [
    {"statement": "Theorem t : 1 = 2.", "name": "I"},
    {"statement": "Theorem t : 1 = 2.", "name": "t.\nQed.\nTheorem t2 : True.\nProof. exact I"},
    {"statement": "Theorem t : False. Admitted. Theorem t2 : True."},
    {"statement": "Theorem t : False.(**)Admitted.(**)Theorem t2 : True."},
    {"header": "Unset Guard Checking.", "statement": "Theorem t : False."},
    {"header": 'Declare ML Module "ltac_plugin".', "statement": "Theorem t : True."},
    {"header": "Lemma classic : False. Admitted.", "statement": "Theorem t : False."},
    # Coq 8.16's guard checker (kernel and coqchk) accepts this fixpoint: a proof of False
    {"header": GUARD_BUG_HEADER, "statement": "Theorem t : 1 = 2."},
    {"statement": f"Theorem t : let contradiction := {GUARD_BUG_FALSE} in 1 = 2."},
]


@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
def test_coq_attacks_on_search_yield_no_proof(coq_server: Any, tmp_path: Path) -> None:
    """On real Coq: every issue-14 server attack is refused with 400; no file is written."""
    target = tmp_path / "pwned"
    attacks = [
        *COQ_ATTACKS,
        {"header": f'Redirect "{target}" Print nat.', "statement": "Theorem t : True."},
        {
            "header": f'Require Import Arith.(**)Redirect "{target}" Print nat.',
            "statement": "Theorem t : True.",
        },
    ]
    for body in attacks:
        status, answer = coq_server.request("POST", "/search", {**body, "time_limit_s": 10})
        assert status == 400, (body, answer)
        assert answer.get("status") != "proved"
    assert not list(tmp_path.iterdir())
    assert coq_server.request("GET", "/health")[1]["search"] is True


@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
def test_search_proves_an_easy_coq_theorem(coq_server: Any) -> None:
    """/search finds and verifies a proof of an easy Coq theorem; name may be given."""
    body = {
        "header": "Require Import Arith.\n(* a comment *)\nOpen Scope nat_scope.",
        "statement": "Theorem add_comm_easy : forall a b : nat, a + b = b + a.",
        "name": "add_comm_easy",
        "time_limit_s": 30,
        "max_expansions": 50,
    }
    status, answer = coq_server.request("POST", "/search", body)
    assert status == 200, answer
    assert answer["status"] == "proved" and answer["verified"] is True
    assert "Theorem add_comm_easy" in answer["proof_text"] and answer["proof"]
    # The file shown is the request's header (comments out), not the inspection's prints.
    assert answer["proof_text"].startswith("Require Import Arith.")
    assert "Redirect" not in answer["proof_text"]
    assert 0 < answer["header_time_s"] <= answer["time_s"]
    # The axioms the proof itself rests on (Print Assumptions): none for this nat proof,
    # though the prelude's libraries hold standard axioms.
    assert answer["axioms"] == []
    assert answer["checked_as"] == "Checked.v"  # no file named: the checked file's own


@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
def test_a_request_naming_its_file_is_checked_under_that_name(coq_server: Any) -> None:
    """With `file`, the proof is also checked as that file (the names check runs) and the
    answer says which file the verdict is for; a name that is no Coq file name is 400."""
    body = {"statement": "Theorem easy : 1 + 1 = 2.", "file": "Mine.v", "time_limit_s": 30}
    status, answer = coq_server.request("POST", "/search", body)
    assert status == 200 and answer["status"] == "proved", answer
    assert answer["checked_as"] == "Mine.v"
    status, refused = coq_server.request("POST", "/search", {**body, "file": "../x.v"})
    assert status == 400 and "field 'file'" in refused["error"]


@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
def test_a_statement_coq_rejects_is_422(coq_server: Any) -> None:
    """A well-formed statement Coq does not accept is 422 naming the theorem."""
    status, answer = coq_server.request("POST", "/search", {"statement": "Theorem t : nope nope."})
    assert status == 422 and "t" in answer["error"]
    assert coq_server.request("GET", "/health")[0] == 200
