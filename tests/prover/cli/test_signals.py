"""Signals with real processes: SIGTERM and kill -9 of `prover prove` leave no Coq behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.process_table import descendants, running
from tests.soundness.harness import HostileCompletions, openai_flags, serve_hostile

REPOSITORY = Path(__file__).resolve().parents[3]

pytestmark = [
    pytest.mark.coq,
    pytest.mark.slow,
    pytest.mark.skipif(
        not sys.platform.startswith("linux") or shutil.which("coqtop") is None,
        reason="needs Linux /proc and Coq",
    ),
]

SLOW_FILE = "Theorem t : 2 = 2.\nProof.\nAdmitted.\n"
SLOW_TACTIC = "do 20000000 idtac; reflexivity."


@pytest.fixture
def hostile_server() -> Iterator[HostileCompletions]:
    """A loopback completions server proposing one slow but correct tactic."""
    with serve_hostile() as state:
        yield state


def _wait_for(predicate: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _child_named(pid: int, name: str, timeout_s: float = 60.0) -> int:
    found: list[int] = []

    def look() -> bool:
        found[:] = descendants(pid, name)  # inside bwrap, the default sandbox
        return bool(found)

    assert _wait_for(look, timeout_s), f"no {name} child of {pid} appeared"
    return found[0]


def _coqtop_in_its_directory(pid: int, timeout_s: float = 60.0) -> tuple[int, Path]:
    """A coqtop child of ``pid`` and its working directory, once that is a ``coqtop-*`` one.

    Any other directory is remembered and waited past rather than failed at once: once in
    a CI run the first coqtop found reported a library folder as its directory, which the
    prover never gives a coqtop (pid reuse under the suite's process churn is the likely
    reading); the assertion names every directory seen if none qualifies.
    """
    seen: dict[int, str] = {}
    found: list[tuple[int, Path]] = []

    def look() -> bool:
        for child in descendants(pid, "coqtop"):  # inside bwrap, the default sandbox
            try:
                workdir = Path(os.readlink(f"/proc/{child}/cwd"))
            except OSError:
                continue
            seen[child] = str(workdir)
            if workdir.name.startswith("coqtop-"):
                found[:] = [(child, workdir)]
                return True
        return False

    assert _wait_for(look, timeout_s), f"no coqtop child of {pid} in a coqtop-* directory: {seen}"
    return found[0]


def _start_prove(server: HostileCompletions, directory: Path) -> subprocess.Popen[bytes]:
    server.tactics = [SLOW_TACTIC]
    source = directory / "Slow.v"
    source.write_text(SLOW_FILE, encoding="utf-8")
    argv = [
        sys.executable, "-m", "prover.cli", "prove", "--file", str(source), "--theorem", "t",
        "--output", str(directory / "run"), "--time-limit", "120", "--tactic-timeout", "60",
        "--no-progress", *openai_flags(server),
    ]  # fmt: skip
    return subprocess.Popen(
        argv,
        cwd=directory,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_sigterm_during_a_tactic_kills_coqtop_and_removes_its_directory(
    hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """SIGTERM while coqtop computes: exit 143, coqtop gone, its coqtop-* directory gone."""
    prover = _start_prove(hostile_server, tmp_path)
    try:
        coqtop, workdir = _coqtop_in_its_directory(prover.pid)
        assert _wait_for(lambda: bool(hostile_server.requests), 60)
        time.sleep(1.0)  # the slow tactic is now running inside coqtop
        prover.send_signal(signal.SIGTERM)
        _, stderr = prover.communicate(timeout=30)
        assert prover.returncode == 143, stderr
        assert b"terminated" in stderr
        assert _wait_for(lambda: not running(coqtop), 5)
        assert not workdir.exists()
    finally:
        prover.kill()
        prover.wait(timeout=10)
        if prover.stderr is not None:
            prover.stderr.close()


def test_kill_9_during_verification_kills_coqc(
    hostile_server: HostileCompletions, tmp_path: Path
) -> None:
    """kill -9 of the prover while coqc re-checks a proof: coqc does not survive it."""
    prover = _start_prove(hostile_server, tmp_path)
    try:
        coqc = _child_named(prover.pid, "coqc", timeout_s=120)
        prover.send_signal(signal.SIGKILL)
        prover.wait(timeout=10)
        assert _wait_for(lambda: not running(coqc), 5), "coqc outlived the prover"
    finally:
        prover.kill()
        prover.wait(timeout=10)
        if prover.stderr is not None:
            prover.stderr.close()
