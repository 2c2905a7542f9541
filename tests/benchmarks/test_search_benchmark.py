"""The benchmarks' ``prover prove`` shards never outlive the benchmark that started them."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.benchmarks.records import attempt_record
from tests.process_table import children, running

SCRIPT = """
import pathlib, sys
import benchmarks.search_benchmark as search_benchmark
search_benchmark.prove_argv = lambda *arguments, **flags: ["sleep", "60"]
search_benchmark.run_prove_shards(
    "test", ["a", "b"], workers=2, time_limit=1, tactic_timeout=1,
    output=pathlib.Path(sys.argv[1]),
)
"""


def test_shards_die_with_a_killed_benchmark(tmp_path: Path) -> None:
    """SIGKILL of the benchmark process takes its running shard processes with it."""
    root = Path(__file__).resolve().parents[2]
    benchmark = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "out")],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        deadline = time.monotonic() + 30
        shards: list[int] = []
        while len(shards) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            shards = [pid for pid in children(benchmark.pid) if running(pid)]
        assert len(shards) == 2, "the two shards did not start"
        benchmark.send_signal(signal.SIGKILL)
        benchmark.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(running(pid) for pid in shards) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(running(pid) for pid in shards)
        assert (tmp_path / "out" / "shard-0.log").is_file()
    finally:
        benchmark.kill()


def test_benchmark_children_run_under_the_memory_cap(tmp_path: Path) -> None:
    """A benchmark child's address space is capped at CHILD_MEMORY_LIMIT_MB."""
    from benchmarks.search_benchmark import CHILD_MEMORY_LIMIT_MB, start_logged, wait_or_stop

    log = tmp_path / "child.log"
    script = "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"
    process = start_logged([sys.executable, "-c", script], log)
    wait_or_stop([process])
    assert process.returncode == 0
    assert int(log.read_text().strip()) == CHILD_MEMORY_LIMIT_MB * 1024 * 1024


def test_a_shard_that_did_not_run_stops_the_benchmark_and_its_old_results_never_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Round ninety-four: a shard's `prover prove` refused (exit 2) left an earlier run's
    proof in its folder, which was counted; now the benchmark stops naming the shard."""
    from benchmarks import search_benchmark

    shard = tmp_path / "out" / "shard-0"
    shard.mkdir(parents=True)
    (shard / "results.jsonl").write_text(json.dumps(attempt_record("a", proved=True).to_dict()))
    monkeypatch.setattr(search_benchmark, "prove_argv", lambda *_a, **_k: ["sh", "-c", "exit 2"])
    with pytest.raises(SystemExit, match="exited with status 2 before running"):
        search_benchmark.run_prove_shards(
            "test", ["a"], workers=1, time_limit=1, tactic_timeout=1, output=tmp_path / "out"
        )
    assert not (tmp_path / "out" / "results.jsonl").exists()
