"""Expert iteration's logged children: exit code and log kept, none outliving an interrupt."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.expert_search import run_logged
from tests.process_table import children, running

ROOT = Path(__file__).resolve().parents[2]

#: Ctrl-C reaches an interactive caller, whose SIGINT raises KeyboardInterrupt; a test run
#: started in the background (``cmd &`` in a script) has SIGINT ignored, and its children
#: inherit that, so the caller restores Python's handler first.
SCRIPT = """
import pathlib, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
from benchmarks.expert_search import run_logged
run_logged(sys.argv[2:], pathlib.Path(sys.argv[1]))
"""


def _start_benchmark(log: Path, *command: str) -> subprocess.Popen[bytes]:
    """A Python process calling ``run_logged(command, log)``, as expert iteration does."""
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(log), *command],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


def test_exit_code_returned_and_output_appended_after_the_command(tmp_path: Path) -> None:
    """The child's exit code is returned; the log keeps old text, then the command, then output."""
    log = tmp_path / "logs" / "train.log"
    log.parent.mkdir()
    log.write_text("earlier round\n")
    assert run_logged(["sh", "-c", "echo trained; exit 3"], log) == 3
    assert log.read_text() == "earlier round\n$ sh -c 'echo trained; exit 3'\ntrained\n"


def test_interrupt_stops_the_childs_whole_process_tree(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) of the caller stops the child and the child's own children."""
    grandchild_file = tmp_path / "grandchild.pid"
    script = f"sleep 60 & echo $! > {grandchild_file}; wait"
    benchmark = _start_benchmark(tmp_path / "run.log", "sh", "-c", script)
    try:
        assert _wait_until(lambda: grandchild_file.is_file() and grandchild_file.read_text(), 30)
        grandchild = int(grandchild_file.read_text())
        assert running(grandchild)
        benchmark.send_signal(signal.SIGINT)
        benchmark.wait(timeout=10)
        assert _wait_until(lambda: not running(grandchild), 10), "the grandchild outlived Ctrl-C"
    finally:
        benchmark.kill()


def test_child_dies_with_a_killed_caller(tmp_path: Path) -> None:
    """SIGKILL of the caller, which runs no cleanup, still takes its running child with it."""
    benchmark = _start_benchmark(tmp_path / "run.log", "sleep", "60")
    try:
        assert _wait_until(lambda: any(map(running, children(benchmark.pid))), 30)
        (child,) = [pid for pid in children(benchmark.pid) if running(pid)]
        benchmark.send_signal(signal.SIGKILL)
        benchmark.wait(timeout=10)
        assert _wait_until(lambda: not running(child), 10), "the child outlived its caller"
    finally:
        benchmark.kill()
