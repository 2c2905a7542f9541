"""One Lean REPL child process and its blank-line-framed JSON protocol.

Requests are written as one JSON object followed by exactly one blank line (an
extra blank line makes the real REPL exit with code 1). Responses are
pretty-printed over several lines and end with a blank line, so the reader
collects bytes until ``\\n\\n`` — JSON strings escape their newlines, so a blank
line never occurs inside a response. Every read has a deadline (``selectors``);
stderr is drained by a daemon thread so the child can never block on it.
"""

from __future__ import annotations

import collections
import json
import os
import selectors
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from search.errors import BackendCrashed
from search.process import kill_tree, spawn

__all__ = ["ReplProcess"]

_READ_CHUNK = 1 << 16


class ReplProcess:
    """A running REPL: send a request, get its response or ``None`` on timeout."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None,
        memory_limit_mb: int | None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.argv = tuple(argv)
        self._process = spawn(
            argv, cwd=cwd, env=env, memory_limit_mb=memory_limit_mb, merge_stderr=False
        )
        self._buffer = b""
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        if self._process.stderr is not None:
            # The thread reads its own duplicate of the pipe: closing the buffered
            # stream (kill_tree does) while a thread blocks in readline() deadlocks.
            stderr_fd = os.dup(self._process.stderr.fileno())
            threading.Thread(target=self._drain, args=(stderr_fd,), daemon=True).start()

    def _drain(self, fd: int) -> None:
        pending = b""
        try:
            while chunk := os.read(fd, _READ_CHUNK):
                *lines, pending = (pending + chunk).split(b"\n")
                self._stderr_tail.extend(line.decode("utf-8", "replace") for line in lines)
        except OSError:
            pass
        finally:
            os.close(fd)
        if pending:
            self._stderr_tail.append(pending.decode("utf-8", "replace"))

    @property
    def alive(self) -> bool:
        """Whether the child has not exited yet."""
        return self._process.poll() is None

    def request(self, payload: Mapping[str, Any], *, timeout_s: float) -> dict[str, Any] | None:
        """Send ``payload`` and return the decoded response, or ``None`` on timeout.

        Raises :class:`BackendCrashed` when the process died (EOF, broken pipe) or
        answered something that is not a JSON object.
        """
        deadline = time.monotonic() + timeout_s
        data = (json.dumps(payload, ensure_ascii=False) + "\n\n").encode("utf-8")
        stdin = self._process.stdin
        if stdin is None:
            raise BackendCrashed("Lean REPL has no stdin")
        try:
            stdin.write(data)
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise BackendCrashed(self._death_message("stdin closed")) from exc
        block = self._read_block(deadline)
        if block is None:
            return None
        return self._decode(block)

    def _read_block(self, deadline: float) -> bytes | None:
        stdout = self._process.stdout
        if stdout is None:
            raise BackendCrashed("Lean REPL has no stdout")
        fd = stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while True:
                self._buffer = self._buffer.lstrip(b"\r\n")
                end = self._buffer.find(b"\n\n")
                if end != -1:
                    block, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
                    return block
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(timeout=remaining):
                    return None
                chunk = os.read(fd, _READ_CHUNK)
                if not chunk:
                    raise BackendCrashed(self._death_message("unexpected end of output"))
                self._buffer += chunk

    def _decode(self, block: bytes) -> dict[str, Any]:
        text = block.decode("utf-8", "replace")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BackendCrashed(f"Lean REPL printed garbage: {text[:200]!r}") from exc
        if not isinstance(value, dict):
            raise BackendCrashed(f"Lean REPL printed a non-object: {text[:200]!r}")
        return value

    def _death_message(self, what: str) -> str:
        try:
            code = self._process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            code = None
        note = " (killed: out of memory?)" if code in (137, -9) else ""
        stderr = " | ".join(self._stderr_tail)[-300:]
        detail = f"; stderr: {stderr}" if stderr else ""
        return f"Lean REPL {' '.join(self.argv)!r}: {what}, exit code {code}{note}{detail}"

    def close(self) -> None:
        """Kill the process tree (safe to call twice)."""
        kill_tree(self._process)
