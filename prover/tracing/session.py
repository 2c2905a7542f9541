"""One coqtop for a replay, through the project's own driver and goal parsers.

The process is :class:`prover.backends.coq.goals.CoqtopProcess` (``coqtop -emacs``),
started by :func:`search.process.spawn` with load-path flags, in a private working
directory (lia/nra write caches there), and killed with its process tree on close.
Goals are read with ``Show.`` / ``Show N.`` and parsed exactly as
:class:`prover.backends.coq.environment.CoqEnvironment` does, so the rendered state
is the text the search shows generators.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from prover.backends.coq.goals import (
    CoqtopProcess,
    DisplayKind,
    Prompt,
    extract_error,
    parse_goal_display,
    parse_single_goal,
)
from search.closing import Closing
from search.errors import BackendCrashed, BackendUnavailable, ConfigError
from search.process import DEFAULT_MEMORY_LIMIT_MB, spawn
from search.states import Goal, ProofState

__all__ = ["CoqtopSession", "ReplaySettings", "Reply", "SessionFailure"]


class SessionFailure(Exception):
    """coqtop hung past the sentence timeout, crashed, or printed garbage."""


@dataclass(frozen=True, kw_only=True)
class ReplaySettings:
    """How to run coqtop for a replay: binary, extra flags, memory cap, time limits (s).

    ``coqtop_args`` carries load-path flags (``-topfile``, ``-noinit``, ``-R``...).
    ``excluded_statements`` holds statement keys (see
    :func:`prover.tracing.benchmark_filter.statement_key`) never traced.
    """

    coqtop_path: str = "coqtop"
    coqtop_args: tuple[str, ...] = ()
    memory_limit_mb: int | None = DEFAULT_MEMORY_LIMIT_MB
    start_timeout_s: float = 30.0
    sentence_timeout_s: float = 300.0
    excluded_statements: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.coqtop_path.strip():
            raise ConfigError("ReplaySettings.coqtop_path must be a non-empty path")
        if self.memory_limit_mb is not None and self.memory_limit_mb < 256:
            raise ConfigError(
                f"ReplaySettings.memory_limit_mb must be None or >= 256, got {self.memory_limit_mb}"
            )
        for name in ("start_timeout_s", "sentence_timeout_s"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"ReplaySettings.{name} must be > 0, got {getattr(self, name)!r}")


@dataclass(frozen=True, kw_only=True)
class Reply:
    """coqtop's answer to one sentence: output body, prompt, and whether it was accepted."""

    body: str
    prompt: Prompt
    accepted: bool

    @property
    def error(self) -> str:
        """Coq's error message (one line), for a rejected sentence."""
        message = extract_error(self.body) or self.body.strip() or "Coq rejected the sentence"
        return " ".join(message.split())


class CoqtopSession(Closing):
    """A started ``coqtop -emacs`` with its state id; also a context manager."""

    def __init__(self, settings: ReplaySettings) -> None:
        self.settings = settings
        executable = shutil.which(settings.coqtop_path)
        if executable is None:
            raise BackendUnavailable(
                f"coqtop not found ({settings.coqtop_path!r}): install Coq (apt-get install -y coq)"
            )
        self._workdir = Path(tempfile.mkdtemp(prefix="coqtop-trace-"))
        argv = [executable, "-emacs", "-quiet", "-q", *settings.coqtop_args]
        try:
            process = spawn(argv, cwd=self._workdir, memory_limit_mb=settings.memory_limit_mb)
        except BackendUnavailable:
            shutil.rmtree(self._workdir, ignore_errors=True)
            raise
        self._coqtop = CoqtopProcess(process)
        self.state_id = 0
        try:
            reply = self._coqtop.read_reply(time.monotonic() + settings.start_timeout_s)
        except BackendCrashed as exc:
            self.close()
            raise BackendUnavailable(f"coqtop failed to start: {exc}") from exc
        if reply is None:
            self.close()
            raise BackendUnavailable(
                f"coqtop printed no prompt within {settings.start_timeout_s} s"
            )
        self.state_id = reply[1].state_id

    def send(self, sentence: str) -> Reply:
        """Send one sentence; raises :class:`SessionFailure` on a hang or a crash."""
        try:
            reply = self._coqtop.send(sentence, timeout_s=self.settings.sentence_timeout_s)
        except BackendCrashed as exc:
            raise SessionFailure(f"coqtop crashed: {exc}") from exc
        if reply is None:
            raise SessionFailure(
                f"coqtop did not answer within {self.settings.sentence_timeout_s:g} s"
            )
        body, prompt = reply
        accepted = prompt.state_id != self.state_id
        self.state_id = prompt.state_id
        return Reply(body=body, prompt=prompt, accepted=accepted)

    def goals(self) -> ProofState | str:
        """The goals now, as the search would render them; a reason string if unsupported."""
        display = parse_goal_display(self.send("Show.").body)
        if display.kind is not DisplayKind.GOALS or display.first_goal is None:
            return f"unsupported proof state before a step ({display.kind.value})"
        goals: list[Goal] = [display.first_goal]
        for number in range(2, display.goal_count + 1):
            try:
                goals.append(parse_single_goal(self.send(f"Show {number}.").body, number))
            except ValueError:
                return f"cannot parse goal {number} of the state before a step"
        return ProofState(goals=tuple(goals), handle=())

    def close(self) -> None:
        """Kill coqtop and remove its working directory; safe to call twice."""
        try:
            self._coqtop.kill()
        finally:
            shutil.rmtree(self._workdir, ignore_errors=True)
