"""``prover serve`` and ``prover assist`` from the command line: flags, SIGTERM, logs."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.progress.config import ScoringConfig
from prover.cli.main import build_parser
from prover.interactive.assist import AssistConfig
from prover.interactive.service_values import SearchLimits
from prover.interactive.serving import ServeConfig, build_service
from search.errors import ConfigError, ProverError
from tests.process_table import descendants

REPO = Path(__file__).resolve().parents[3]
HAS_COQ = shutil.which("coqtop") is not None and shutil.which("coqc") is not None


def test_serve_flags_default_to_the_config_fields() -> None:
    """serve flags: ServeConfig's defaults, Lean 4 without a backend, else the backend's."""
    from prover.cli.serve import serve_config_from_arguments

    parser = build_parser()
    config = serve_config_from_arguments(parser.parse_args(["serve"]))
    defaults = ServeConfig()
    assert config.port == defaults.port == 23337 and config.host == defaults.host
    assert config.language == "lean4" and config.backend is None
    assert config.num_candidates == defaults.num_candidates
    assert config.limits == SearchLimits() and config.http == defaults.http
    assert config.http.allow_origins == ()
    assert config.scoring == ScoringConfig()
    coq = serve_config_from_arguments(
        parser.parse_args(
            [
                "serve",
                "--backend",
                "coq",
                "--allow-origin",
                "http://localhost:3000",
                "--allow-origin",
                "https://x.test",
                "--body-timeout",
                "2",
                "--alpha",
                "0.9",
                "--progress-n-max",
                "10",
            ]
        )
    )
    assert coq.scoring == ScoringConfig(alpha=0.9, n_max=10.0)
    assert coq.language == "coq" and coq.backend is not None
    assert coq.http.allow_origins == ("http://localhost:3000", "https://x.test")
    assert coq.http.body_timeout_s == 2.0


def test_resample_rounds_reach_serve_and_assist_configs() -> None:
    """--resample-rounds sets /search's rounds (SearchLimits) and :search's (AssistConfig);
    both default to the engine's SearchConfig default."""
    from prover.cli.assist import assist_config_from_arguments
    from prover.cli.serve import serve_config_from_arguments
    from search.config import SearchConfig

    parser = build_parser()
    assert (
        SearchLimits().resample_rounds
        == AssistConfig().resample_rounds
        == SearchConfig().resample_rounds
    )
    served = serve_config_from_arguments(parser.parse_args(["serve", "--resample-rounds", "3"]))
    assert served.limits.resample_rounds == 3
    assist = parser.parse_args(
        ["assist", "--file", "x.v", "--theorem", "t", "--resample-rounds", "2"]
    )
    assert assist_config_from_arguments(assist).resample_rounds == 2


def test_serve_sandboxes_coq_unless_told_otherwise() -> None:
    """serve runs text from the network, so its Coq and Lean REPL processes default to the
    bwrap sandbox (LeanDojo must opt out); prove has the same default."""
    from prover.cli.serve import serve_config_from_arguments

    parser = build_parser()
    served = serve_config_from_arguments(parser.parse_args(["serve", "--backend", "coq"]))
    assert served.backend is not None and served.backend.sandbox == "bwrap"
    opted_out = serve_config_from_arguments(
        parser.parse_args(["serve", "--backend", "coq", "--sandbox", "off"])
    )
    assert opted_out.backend is not None and opted_out.backend.sandbox == "off"
    prove = parser.parse_args(["prove", "--benchmark", "minif2f-coq", "--output", "runs/x"])
    assert prove.sandbox == "bwrap"
    lean = serve_config_from_arguments(parser.parse_args(["serve", "--backend", "lean-repl"]))
    assert lean.backend is not None and lean.backend.sandbox == "bwrap"
    with pytest.raises(ConfigError, match="--sandbox off"):
        serve_config_from_arguments(parser.parse_args(["serve", "--backend", "leandojo"]))


def test_a_sandboxed_server_without_bwrap_stops_at_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """serve --backend coq on a machine without bwrap fails when the service is built,
    naming bwrap, rather than at its first /search."""
    from prover.backends.factory import BackendConfig
    from search.errors import BackendUnavailable

    monkeypatch.setenv("PATH", str(tmp_path))
    config = ServeConfig(language="coq", backend=BackendConfig(name="coq", sandbox="bwrap"))
    with pytest.raises(BackendUnavailable, match="bwrap not found"):
        build_service(config)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--port", "70000"], "--port"),
        (["--backend", "coq", "--language", "lean4"], "--language"),
        (["--num-candidates", "0"], "--num-candidates"),
        (["--allow-origin", "*"], "--allow-origin"),
        (["--allow-origin", "http://x.test/path"], "--allow-origin"),
        (["--max-search-time", "0"], "--max-search-time"),
        (["--resample-rounds", "-1"], "--resample-rounds"),
        (["--alpha", "2"], "--alpha"),
        (["--frontier", "alternating"], "--progress-model"),
    ],
)
def test_bad_serve_flags_are_config_errors(argv: list[str], fragment: str) -> None:
    """Bad flag values raise a ConfigError naming the flag (one line from `prover`)."""
    from prover.cli.serve import serve_config_from_arguments

    with pytest.raises(ConfigError, match=re.escape(fragment)):
        serve_config_from_arguments(build_parser().parse_args(["serve", *argv]))


def test_assist_flags_default_to_the_config_fields() -> None:
    """assist flags map to AssistConfig with its defaults; a bad --suggestions is named."""
    from prover.cli.assist import assist_config_from_arguments

    parser = build_parser()
    arguments = parser.parse_args(["assist", "--file", "x.v", "--theorem", "t"])
    assert assist_config_from_arguments(arguments) == AssistConfig()
    bad = parser.parse_args(["assist", "--file", "x.v", "--theorem", "t", "--suggestions", "0"])
    with pytest.raises(ConfigError, match="--suggestions"):
        assist_config_from_arguments(bad)


def test_a_missing_progress_model_is_named(tmp_path: Path) -> None:
    """A --progress-model directory that holds no model is a ProverError naming it."""
    missing = tmp_path / "no-such-model"
    with pytest.raises(ProverError, match="no-such-model"):
        build_service(ServeConfig(scoring=ScoringConfig(progress_model=missing)))


def test_prover_main_reports_a_bad_flag_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """`prover serve --allow-origin '*'` exits 2 with one `prover: error:` line."""
    from prover.cli.main import main

    assert main(["serve", "--allow-origin", "*"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("prover: error: --allow-origin") and "\n" not in error


@pytest.fixture
def prover_serve(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Start `prover serve --port 0 ARGS` (ARGS from the test's parameter); yields (proc, port)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "prover.cli.main", "serve", "--port", "0", *request.param],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+) ", line)
        assert match, f"no URL in {line!r}"
        yield process, int(match.group(1))
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _post(port: int, path: str, body: dict[str, Any], timeout: float = 60) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = json.dumps(body).encode()
        connection.request("POST", path, data, {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.mark.slow
@pytest.mark.coq
@pytest.mark.skipif(not HAS_COQ, reason="coqtop/coqc not installed")
@pytest.mark.parametrize("prover_serve", [["--backend", "coq"]], indirect=True)
def test_sigterm_finishes_the_search_in_flight_then_exits_0(prover_serve: Any) -> None:
    """SIGTERM during a /search: the search answers 200, coqtop is closed, exit code 0."""
    process, port = prover_serve
    lines = (REPO / "prover/data/statements/minif2f_coq.jsonl").read_text().splitlines()
    entry = json.loads(lines[2])  # aime_1983_p3: the portfolio searches it until the time limit
    # 10 s: the budget counts from the request, and under load coqtop can take seconds to
    # appear; the SIGTERM must land while the search still runs (it flaked at 6 s).
    body = {"header": entry["header"], "statement": entry["formal_statement"], "time_limit_s": 10}
    answers: list[tuple[int, Any]] = []
    answered_at: list[float] = []

    def search() -> None:
        answers.append(_post(port, "/search", body))
        answered_at.append(time.monotonic())

    client = threading.Thread(target=search)
    client.start()
    deadline = time.monotonic() + 30
    while not (coqtops := descendants(process.pid, "coqtop")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert coqtops, "coqtop never started"
    time.sleep(1.0)
    signalled_at = time.monotonic()
    process.send_signal(signal.SIGTERM)
    client.join(timeout=60)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert answers and answers[0][0] == 200, answers
    assert answers[0][1]["stop_reason"] == "time_limit" and answered_at[0] > signalled_at
    assert "stopped" in stderr and "Traceback" not in stderr
    assert all(not Path(f"/proc/{pid}").exists() for pid in coqtops)


@pytest.mark.slow
@pytest.mark.parametrize("prover_serve", [["--body-timeout", "1"]], indirect=True)
def test_a_stalled_client_costs_one_log_line_under_prover_serve(prover_serve: Any) -> None:
    """Raw socket, half a body, silence: 408; stderr holds exactly one line about it."""
    process, port = prover_serve
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            b"POST /search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"statement": "Theorem'
        )
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 408 ")
    assert _post(port, "/generate", {"input": "⊢ True"})[0] == 200
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines[-1] == "prover serve: stopped"
    assert len(lines) == 2 and "408: 127.0.0.1:" in lines[0], stderr
    assert "Traceback" not in stderr and " 500" not in stderr


@pytest.mark.slow
def test_the_app_factory_runs_under_plain_uvicorn() -> None:
    """`uvicorn --factory prover.interactive.serving:asgi_app` serves the same API."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prover.interactive.serving:asgi_app",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert process.stderr is not None
        port = None
        for line in process.stderr:
            if match := re.search(r"running on http://127\.0\.0\.1:(\d+)", line):
                port = int(match.group(1))
                break
        assert port is not None, "uvicorn printed no URL"
        status, answer = _post(port, "/generate", {"name": "m", "input": "⊢ True", "prefix": ""})
        assert status == 200 and answer["outputs"]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)


def test_the_library_and_cli_load_without_the_web_stack() -> None:
    """The assist library, the service, the request checks and the CLI import no FastAPI."""
    code = (
        "import sys\n"
        "import prover.interactive.assist, prover.interactive.terminal\n"
        "import prover.interactive.service, prover.interactive.serving\n"
        "import prover.interactive.statements, prover.cli.serve, prover.cli.assist\n"
        "import prover.cli.main; prover.cli.main.build_parser()\n"
        "heavy = {'fastapi', 'uvicorn', 'starlette', 'pydantic', 'torch'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_without_the_serve_extra_prover_serve_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With uvicorn missing, run_serve raises a ConfigError naming the 'serve' extra."""
    from prover.interactive.serving import run_serve

    monkeypatch.setitem(sys.modules, "uvicorn", None)
    with pytest.raises(ConfigError, match=r"prover-agent\[serve\]"):
        run_serve(ServeConfig())


def test_the_library_never_imports_the_http_layer() -> None:
    """assist, terminal, service, pool and the request checks import nothing from web/."""
    import ast

    library = REPO / "prover" / "interactive"
    for path in sorted(library.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        } | {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        web = {name for name in imported if name.startswith(("prover.interactive.web", "fastapi"))}
        if path.name == "serving.py":  # the runner: limits at import, the app inside functions
            assert "prover.interactive.web.limits" in web
            continue
        assert not web, f"{path.name} imports {web}"
