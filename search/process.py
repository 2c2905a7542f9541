"""Child processes for proof assistants: memory-capped, own session, dying with their parent.

Every backend starts its proof assistant through :func:`spawn` and stops it with
:func:`kill_tree` in a ``finally``; nothing is ever killed by name.

**Children die with their parent.** On Linux each child asks the kernel, between
``fork`` and ``exec``, for ``SIGKILL`` when its parent goes (``prctl(PR_SET_PDEATHSIG)``),
so a ``kill -9`` of the prover no longer leaves ``coqc``/``coqtop`` running under PID 1.
The kernel sends that signal when the *thread* that forked the child exits, not the
process, so a child forked from a short-lived thread (an HTTP handler, a thread pool
worker) would be killed when that thread finishes. :func:`spawn` therefore forks every
child from one long-lived daemon thread of the process (:class:`_Spawner`), which exits
only with the process. A child also checks, right after the ``prctl``, that its parent
is still the process that asked for it, closing the race where the parent dies first.
The signal reaches only the direct child: a proof assistant started through a wrapper
(``lake env lean``) leaves its grandchildren to :func:`kill_tree` (same session).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import queue
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

from search.errors import BackendUnavailable

__all__ = ["DEFAULT_MEMORY_LIMIT_MB", "kill_tree", "probe_failure", "run_to_end", "spawn"]

DEFAULT_MEMORY_LIMIT_MB = 8192
_PR_SET_PDEATHSIG = 1

_Job = tuple[Callable[[], Any], "Future[Any]"]


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl``, resolved in the parent (never between fork and exec); None off Linux."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return function


def _child_setup(limit_mb: int | None, stack_mb: int | None) -> Callable[[], None]:
    """The function run in the child between fork and exec: memory cap, stack size (the soft
    limit, which ``exec`` sizes the new program's stack by), death signal."""
    limit_bytes = None if limit_mb is None else limit_mb * 1024 * 1024
    stack = None
    if stack_mb is not None:
        hard = resource.getrlimit(resource.RLIMIT_STACK)[1]
        if hard != resource.RLIM_INFINITY and hard < stack_mb * 1024 * 1024:
            raise BackendUnavailable(
                f"cannot give a child a {stack_mb} MB stack: the hard stack limit is "
                f"{hard // (1024 * 1024)} MB (raise it: ulimit -Hs unlimited)"
            )
        stack = (stack_mb * 1024 * 1024, hard)
    prctl = _prctl()
    parent = os.getpid()

    def setup() -> None:
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
        if stack is not None:
            resource.setrlimit(resource.RLIMIT_STACK, stack)
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            if os.getppid() != parent:  # the parent died before the prctl took effect
                os._exit(1)

    return setup


class _Spawner:
    """One daemon thread that forks every child, so that PDEATHSIG tracks the process.

    Created on first use (no import-time thread) and again in a forked copy of the
    process, where the original thread does not exist.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job] | None = None
        self._owner_pid = 0

    def run(self, job: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        """Run ``job`` on the spawner thread and return its result (or raise its error)."""
        future: Future[subprocess.Popen[bytes]] = Future()
        self._queue().put((job, future))
        try:
            return future.result()
        except BaseException:
            # Interrupted while waiting (SIGTERM, Ctrl-C): nobody will own the child.
            future.add_done_callback(_kill_abandoned)
            raise

    def _queue(self) -> queue.SimpleQueue[_Job]:
        with self._lock:
            if self._jobs is None or self._owner_pid != os.getpid():
                self._jobs = queue.SimpleQueue()
                self._owner_pid = os.getpid()
                thread = threading.Thread(
                    target=self._serve, args=(self._jobs,), name="process-spawner", daemon=True
                )
                thread.start()
            return self._jobs

    @staticmethod
    def _serve(jobs: queue.SimpleQueue[_Job]) -> None:
        while True:
            job, future = jobs.get()
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the waiting caller
                future.set_exception(exc)


def _kill_abandoned(future: Future[subprocess.Popen[bytes]]) -> None:
    if not future.cancelled() and future.exception() is None:
        kill_tree(future.result())


_SPAWNER = _Spawner()


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    stack_limit_mb: int | None = None,
    merge_stderr: bool = True,
    output: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with piped stdin/stdout in its own session, under a memory cap.

    The child is killed by the kernel if this process dies (see the module docstring).
    ``output``, when given, receives stdout (and stderr, if merged) instead of a pipe,
    e.g. a log file of a long-running server. ``stack_limit_mb``, when given, is the
    child's stack size (default: this process's). Raises :class:`BackendUnavailable` naming
    the command when it cannot start.
    """
    setup = _child_setup(memory_limit_mb, stack_limit_mb)

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if output is None else output,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=True,
            preexec_fn=setup,  # noqa: PLW1509 - rlimit and prctl only, resolved beforehand
        )

    try:
        return _SPAWNER.run(start)
    except OSError as exc:
        raise BackendUnavailable(f"cannot start {argv[0]!r}: {exc.strerror or exc}") from exc


def run_to_end(
    argv: Sequence[str],
    *,
    timeout_s: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    stack_limit_mb: int | None = None,
    merge_stderr: bool = False,
) -> tuple[int, bytes, bytes]:
    """Run a command (``coqc -where``, a checker) to its end under :func:`spawn`'s memory
    cap: (exit status, stdout, stderr; empty when ``merge_stderr`` puts it in stdout). Its
    process tree is killed on every exit path; raises :class:`subprocess.TimeoutExpired`
    after ``timeout_s`` and :class:`BackendUnavailable` when it cannot start."""
    process = spawn(
        argv,
        cwd=cwd,
        env=env,
        memory_limit_mb=memory_limit_mb,
        stack_limit_mb=stack_limit_mb,
        merge_stderr=merge_stderr,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    finally:
        kill_tree(process)
    return process.returncode, stdout, stderr or b""


def probe_failure(argv: Sequence[str], *, timeout_s: float) -> str | None:
    """Why ``argv`` (a tool's trial run, such as a sandbox or a tracer around ``true``) does
    not run to a zero exit: its last stderr line, the start error or the timeout; None when
    it does."""
    try:
        status, _, stderr = run_to_end(argv, timeout_s=timeout_s)
    except (BackendUnavailable, subprocess.TimeoutExpired) as error:
        return str(error)
    if status == 0:
        return None
    lines = stderr.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit status {status}"


def kill_tree(process: subprocess.Popen[bytes], *, grace_s: float = 0.5) -> None:
    """Stop ``process`` and everything in its session, by process-group id.

    Sends SIGTERM to the group, waits ``grace_s``, then SIGKILL. Safe to call twice.
    """
    if process.poll() is None:
        _signal_group(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    # The leader may be gone while children of its session live on.
    _signal_group(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    # Close our ends only once the process is gone, so no reader blocks on a live pipe.
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.close()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
