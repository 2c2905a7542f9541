"""Child processes for proof assistants: memory-capped, own session, killed by tree.

Every backend starts its proof assistant through :func:`spawn` and stops it with
:func:`kill_tree` in a ``finally``; nothing is ever killed by name.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

from search.errors import BackendUnavailable

__all__ = ["DEFAULT_MEMORY_LIMIT_MB", "kill_tree", "spawn"]

DEFAULT_MEMORY_LIMIT_MB = 8192


def _limit_memory(limit_mb: int | None) -> Callable[[], None] | None:
    if limit_mb is None:
        return None
    limit_bytes = limit_mb * 1024 * 1024

    def apply_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply_limit


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB,
    merge_stderr: bool = True,
    output: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with piped stdin/stdout in its own session, under a memory cap.

    ``output``, when given, receives stdout (and stderr, if merged) instead of a pipe,
    e.g. a log file of a long-running server. Raises :class:`BackendUnavailable` naming
    the command when it cannot start.
    """
    try:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if output is None else output,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
            cwd=cwd,
            env=None if env is None else dict(env),
            start_new_session=True,
            preexec_fn=_limit_memory(memory_limit_mb),  # noqa: PLW1509 - only sets an rlimit
        )
    except OSError as exc:
        raise BackendUnavailable(f"cannot start {argv[0]!r}: {exc.strerror or exc}") from exc


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
