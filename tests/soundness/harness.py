"""Harness of the soundness suite: a hostile OpenAI-compatible server and the real CLI.

:class:`HostileCompletions` is a real HTTP server on loopback speaking the
``/v1/completions`` protocol (choices by index, token log-probs): whatever the prompt,
it proposes the tactics it was given, best first, as a hostile model would.
:func:`run_prover` runs ``python -m prover.cli`` in a child process, as a user would.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass
class HostileCompletions:
    """The tactics every completion request gets, and the requests received."""

    tactics: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        """``n`` choices per prompt, cycling through the tactics, each with log-probs."""
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        samples = int(body.get("n", 1))
        choices = []
        for prompt_index in range(len(prompts)):
            for sample in range(samples):
                text = self.tactics[sample % len(self.tactics)] + "\n"
                choices.append(
                    {
                        "index": prompt_index * samples + sample,
                        "text": text,
                        "finish_reason": "stop",
                        "logprobs": {"tokens": [text], "token_logprobs": [-0.01 * (sample + 1)]},
                    }
                )
        return {"id": "hostile", "object": "text_completion", "choices": choices}


def handler_for(server_state: HostileCompletions) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            server_state.requests.append(body)
            payload = json.dumps(server_state.answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    return Handler


@contextlib.contextmanager
def serve_hostile() -> Iterator[HostileCompletions]:
    """A loopback completions server returning ``.tactics``, shut down on the way out."""
    state = HostileCompletions()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_prover(
    *arguments: str, cwd: Path, timeout_s: float = 300.0
) -> subprocess.CompletedProcess[str]:
    """``python -m prover.cli ARGUMENTS`` in a child process; its status and output."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    return subprocess.run(
        [sys.executable, "-m", "prover.cli", *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def openai_flags(server: HostileCompletions) -> list[str]:
    """Generator flags pointing ``prove``/``eval`` at the hostile server."""
    count = str(max(1, len(server.tactics)))
    return [
        "--generator", "openai", "--api-base", server.url, "--model", "hostile",
        "--num-samples", count, "--num-candidates", count, "--max-retries", "0",
    ]  # fmt: skip


def read_records(path: Path) -> list[dict[str, Any]]:
    """The JSON records of a results.jsonl file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
