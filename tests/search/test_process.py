"""Process hygiene with real processes: children die with their parent; work dirs are swept."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from search.process import kill_tree, run_to_end, spawn
from search.workdirs import make_private_directory, private_directory, remove_private_directory

REPO = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PDEATHSIG is Linux")


def _gone(pid: int) -> bool:
    """True once ``pid`` no longer runs (absent, or a zombie nobody has reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def _python(code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@linux_only
def test_a_child_outlives_the_short_lived_thread_that_asked_for_it() -> None:
    """PDEATHSIG follows the forking thread: spawn forks from a long-lived thread instead."""
    started: list[subprocess.Popen[bytes]] = []
    thread = threading.Thread(
        target=lambda: started.append(spawn(["sleep", "30"], memory_limit_mb=None))
    )
    thread.start()
    thread.join()
    child = started[0]
    try:
        time.sleep(0.3)
        assert child.poll() is None
    finally:
        kill_tree(child)
    assert child.poll() is not None


@linux_only
def test_kill_9_of_the_parent_kills_its_children() -> None:
    """A SIGKILLed parent leaves no child running: the kernel kills it (PDEATHSIG)."""
    parent = _python(
        "import time\n"
        "from search.process import spawn\n"
        "child = spawn(['sleep', '60'], memory_limit_mb=None)\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert not _gone(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=5)
        assert _wait_gone(child_pid)
    finally:
        parent.kill()
        parent.wait(timeout=5)
        if parent.stdout is not None:
            parent.stdout.close()


def test_spawn_reports_a_missing_program() -> None:
    """A program that cannot start is BackendUnavailable naming it."""
    from search.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="no-such-program"):
        spawn(["/nonexistent/no-such-program"])


def test_run_to_end_gives_the_child_the_stack_asked_for() -> None:
    """`stack_limit_mb` sets the child's soft stack limit, which `ulimit -s` reports in KB."""
    status, stdout, _ = run_to_end(["sh", "-c", "ulimit -s"], timeout_s=10, stack_limit_mb=24)
    assert (status, stdout.strip()) == (0, b"24576")


def test_a_stack_above_the_hard_limit_is_refused_before_the_child_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A stack the hard limit forbids is BackendUnavailable naming the limit, not a smaller one."""
    from search.errors import BackendUnavailable

    monkeypatch.setattr(resource, "getrlimit", lambda _which: (8 << 20, 16 << 20))
    with pytest.raises(BackendUnavailable, match="hard stack limit is 16 MB"):
        run_to_end(["true"], timeout_s=10, stack_limit_mb=1024)


def test_private_directory_is_removed_on_exceptions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The context manager removes its directory on the way out, also on an error."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with pytest.raises(RuntimeError), private_directory("unit-") as directory:
        (directory / "file").write_text("x")
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_directories_of_dead_owners_are_swept_live_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory whose owner was SIGKILLed is removed by the next creation; a live one stays."""
    monkeypatch.setattr("search.workdirs._GRACE_S", 0.0)
    environment = {**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)}
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nfrom search.workdirs import make_private_directory\n"
            "print(make_private_directory('sweep-'), flush=True)\ntime.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert owner.stdout is not None
    abandoned = Path(owner.stdout.readline().strip())
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    mine = make_private_directory("sweep-")
    assert abandoned.is_dir(), "the owner is alive: its directory must stay"
    owner.kill()
    owner.wait(timeout=5)
    owner.stdout.close()
    other = make_private_directory("sweep-")
    try:
        assert not abandoned.exists()
        assert mine.is_dir() and other.is_dir()
    finally:
        remove_private_directory(mine)
        remove_private_directory(other)
    assert list(tmp_path.iterdir()) == []
