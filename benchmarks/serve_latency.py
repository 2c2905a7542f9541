"""Requests per second and p50/p99 latency of ``POST /generate`` under concurrent clients.

    .venv/bin/python -m benchmarks.serve_latency --clients 1,4,16 --requests 400

Starts the real ``prover serve`` (FastAPI under uvicorn; built-in portfolio, Lean 4
vocabulary) as a subprocess on a free loopback port, then for each client count sends
``--requests`` Lean Copilot
``/generate`` requests in total, spread over that many threads (one connection per
request, as Lean Copilot's curl does), and reports throughput and latency percentiles.
Every loop is bounded by the request count and by ``--max-seconds`` per client count.
The server is stopped with SIGTERM at the end and must exit with code 0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

GOALS = (
    "a b : ℕ\n⊢ a + b = b + a",
    "x : ℝ\nh₀ : 0 < x\n⊢ 0 < x ^ 2",
    "n : ℕ\nh₀ : n % 5 = 3\n⊢ 2 * n % 5 = 1",
    "a b c : ℝ\nh₀ : a ≤ b\nh₁ : b ≤ c\n⊢ a ≤ c",
    "f : ℕ → ℕ\nh : ∀ n, f n = 2 * n\n⊢ f 3 = 6",
    "x y : ℤ\nh₀ : x + y = 10\nh₁ : x - y = 2\n⊢ x = 6",
    "s : Finset ℕ\n⊢ s.card ≤ s.card + 1",
    "p q : Prop\nhp : p\nhq : q\n⊢ p ∧ q",
)


def start_server() -> tuple[subprocess.Popen[str], int]:
    """``prover serve --port 0``; returns the process and the port it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "prover.cli.main", "serve", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r":(\d+) ", line)
    if match is None:
        process.kill()
        raise SystemExit(f"prover serve printed no port: {line!r}")
    return process, int(match.group(1))


def one_request(port: int, index: int) -> float:
    """Send one /generate request; returns its latency in seconds (raises on non-200)."""
    body = json.dumps({"name": "portfolio", "input": GOALS[index % len(GOALS)], "prefix": ""})
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST", "/generate", body=body.encode(), headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        payload = json.loads(response.read())
    finally:
        connection.close()
    if response.status != 200 or not payload["outputs"]:
        raise RuntimeError(f"request {index}: status {response.status}, {payload}")
    return time.perf_counter() - started


def run_level(port: int, *, clients: int, requests: int, max_seconds: float) -> dict[str, float]:
    """``requests`` requests over ``clients`` threads; throughput and latency percentiles."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + max_seconds

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            try:
                latency = one_request(port, index)
            except (OSError, RuntimeError) as exc:
                with lock:
                    errors.append(str(exc))
                continue
            with lock:
                latencies.append(latency)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_s = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_s": len(latencies) / wall_s,
        "p50_ms": 1000 * statistics.median(ordered),
        "p99_ms": 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--requests", type=int, default=400, help="requests per client count")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap per client count")
    arguments = parser.parse_args()
    process, port = start_server()
    try:
        for index in range(20):  # warm-up
            one_request(port, index)
        rows = [
            run_level(
                port, clients=int(c), requests=arguments.requests, max_seconds=arguments.max_seconds
            )
            for c in arguments.clients.split(",")
        ]
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=60)
    print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(
            f"{row['clients']:>7} {row['requests']:>8} {row['errors']:>6} "
            f"{row['requests_per_s']:>8.1f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f}"
        )
    print(f"server exit code after SIGTERM: {code}")
    print(json.dumps(rows))
    return 0 if code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
