"""Start vLLM's OpenAI-compatible server on loopback, and stop its process tree.

    with served_model(python=".venv-vllm/bin/python", model_dir=path) as server:
        generator = OpenAIGenerator(api_base=server.api_base, model=server.served_name, ...)

The server runs in its own session (process group), so stopping it also stops vLLM's
engine-core worker. CPU settings follow the reference recipe: ``VLLM_CPU_KVCACHE_SPACE=2``,
``--enforce-eager``, ``--max-model-len 1024`` and ``--enable-prefix-caching``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from search.errors import BackendUnavailable, GeneratorError
from search.process import kill_tree, spawn

__all__ = ["SERVED_DTYPE", "RunningServer", "free_port", "served_if_given", "served_model"]

#: The dtype vLLM runs a model in, served or in process (``--dtype``, ``--lm-dtype``).
#: bfloat16 halves memory, but a CPU without native bfloat16
#: emulates it: SmolLM2-135M took 38 s for 4 short samples in bfloat16 and 3 s for 16 in
#: float32 on this machine (2026-12-01), so a model of that size wants ``float32``.
SERVED_DTYPE = "bfloat16"


@dataclass(frozen=True, kw_only=True)
class RunningServer:
    """A started server: its base URL (ending in ``/v1``), served name and process."""

    api_base: str
    served_name: str
    process: subprocess.Popen[bytes]
    log_path: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(server: RunningServer, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log_path.read_text(errors="replace")[-2000:]
            raise GeneratorError(f"vllm serve exited with {server.process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(server.api_base + "/models", timeout=5) as answer:
                names = [m["id"] for m in json.loads(answer.read())["data"]]
            if server.served_name in names:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
            pass
        time.sleep(1.0)
    raise GeneratorError(f"vllm serve not ready after {timeout_s:.0f} s (log: {server.log_path})")


@contextlib.contextmanager
def served_model(
    *,
    python: str,
    model_dir: Path,
    log_path: Path,
    served_name: str = "smollm2",
    dtype: str = SERVED_DTYPE,
    max_model_len: int = 1024,
    startup_timeout_s: float = 300.0,
) -> Iterator[RunningServer]:
    """Run ``vllm serve`` with ``python``'s vLLM until the ``with`` block ends."""
    port = free_port()
    command = [
        # `vllm serve` fails under vllm-cpu (its CLI asks for the metadata of a package
        # named "vllm"), so the API server module is started directly: same server.
        python,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        str(model_dir),
        "--served-model-name",
        served_name,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dtype",
        dtype,
        "--max-model-len",
        str(max_model_len),
        "--enforce-eager",
        "--enable-prefix-caching",
        "--max-logprobs",
        "5",
    ]
    environment = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "2", "HF_HUB_OFFLINE": "1"}
    with log_path.open("wb") as log:
        try:
            process = spawn(command, env=environment, memory_limit_mb=None, output=log)
        except BackendUnavailable as exc:
            raise GeneratorError(str(exc)) from exc
    server = RunningServer(
        api_base=f"http://127.0.0.1:{port}/v1",
        served_name=served_name,
        process=process,
        log_path=log_path,
    )
    try:
        _wait_ready(server, startup_timeout_s)
        yield server
    finally:
        # vLLM shuts its engine core down on SIGTERM; give it time before SIGKILL.
        kill_tree(process, grace_s=30.0)


@contextlib.contextmanager
def served_if_given(
    *,
    python: str,
    model_dir: Path | None,
    log_path: Path,
    served_name: str,
    dtype: str = SERVED_DTYPE,
) -> Iterator[RunningServer | None]:
    """:func:`served_model` for ``model_dir``, or ``None`` without one.

    For the benchmarks whose language model is optional: the ``with`` block is the same
    either way, and the log's folder is made when a server starts.
    """
    if model_dir is None:
        yield None
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with served_model(
        python=python, model_dir=model_dir, log_path=log_path, served_name=served_name, dtype=dtype
    ) as server:
        yield server
