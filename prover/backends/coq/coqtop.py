"""Starting a ``coqtop -emacs`` and reading its goals: one way for the backend and the tracer.

:class:`~prover.backends.coq.environment.CoqEnvironment` (the search, whose coqtop
:class:`~prover.backends.coq.warm_coqtop.WarmCoqtop` starts) and
:class:`~prover.tracing.session.CoqtopSession` (the tracer) both start coqtop with
:func:`start_coqtop` and read proof states with :func:`read_goals`, so a traced state and a
searched state are the same goals parsed the same way (``Show.``, then ``Show N.`` for every
further goal) and rendered by :class:`~search.states.ProofState`.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from prover.backends.coq.config import PROVER_STACK_MB
from prover.backends.coq.goals import (
    CoqtopProcess,
    DisplayKind,
    parse_goal_display,
    parse_single_goal,
)
from prover.backends.sandbox import DEFAULT_SANDBOX, sandboxed
from search.errors import BackendCrashed, BackendUnavailable
from search.process import spawn
from search.states import Goal
from search.workdirs import make_private_directory, remove_private_directory

__all__ = ["GoalsReading", "StartedCoqtop", "read_goals", "start_coqtop"]


@dataclass(frozen=True, kw_only=True)
class StartedCoqtop:
    """A running coqtop, its private working directory and the state id of its first prompt."""

    coqtop: CoqtopProcess
    workdir: Path
    state_id: int

    def kill(self) -> None:
        """Kill coqtop's process tree and remove its working directory (idempotent)."""
        try:
            self.coqtop.kill()
        finally:
            remove_private_directory(self.workdir)


def start_coqtop(
    *,
    coqtop_path: str,
    arguments: Sequence[str] = (),
    memory_limit_mb: int | None,
    start_timeout_s: float,
    prefix: str = "coqtop-",
    sandbox: str = DEFAULT_SANDBOX,
) -> StartedCoqtop:
    """Start ``coqtop -emacs -quiet -q ARGUMENTS`` in a private working directory.

    lia/nra write their caches into the working directory, the only place a
    ``sandbox`` (:func:`prover.backends.sandbox.sandboxed`) lets coqtop write. Raises
    :class:`BackendUnavailable` when coqtop is missing, cannot start or prints no prompt;
    nothing is left behind then.
    """
    executable = shutil.which(coqtop_path)
    if executable is None:
        raise BackendUnavailable(
            f"coqtop not found ({coqtop_path!r}): install Coq (apt-get install -y coq)"
        )
    workdir = make_private_directory(prefix)
    try:
        process = spawn(
            sandboxed(
                [executable, "-emacs", "-quiet", "-q", *arguments], mode=sandbox, workdir=workdir
            ),
            cwd=workdir,
            memory_limit_mb=memory_limit_mb,
            stack_limit_mb=PROVER_STACK_MB,
        )
    except BackendUnavailable:
        remove_private_directory(workdir)
        raise
    coqtop = CoqtopProcess(process)
    try:
        reply = coqtop.read_reply(time.monotonic() + start_timeout_s)
    except BackendCrashed as exc:
        StartedCoqtop(coqtop=coqtop, workdir=workdir, state_id=0).kill()
        raise BackendUnavailable(f"coqtop failed to start: {exc}") from exc
    if reply is None:
        StartedCoqtop(coqtop=coqtop, workdir=workdir, state_id=0).kill()
        raise BackendUnavailable(f"coqtop printed no prompt within {start_timeout_s} s")
    return StartedCoqtop(coqtop=coqtop, workdir=workdir, state_id=reply[1].state_id)


@dataclass(frozen=True, kw_only=True)
class GoalsReading:
    """What ``Show.`` said: its kind, every goal when the kind is plain goals, its text."""

    kind: DisplayKind
    goals: tuple[Goal, ...]
    body: str


def read_goals(show: Callable[[str], str]) -> GoalsReading:
    """Read the current goals through ``show`` (sends one command, returns its output).

    ``Show.`` gives the kind and the first goal in full; ``Show N.`` each further goal.
    Raises ``ValueError`` naming the goal when a display does not parse.
    """
    body = show("Show.")
    display = parse_goal_display(body)
    if display.kind is not DisplayKind.GOALS or display.first_goal is None:
        kind = DisplayKind.UNRECOGNIZED if display.kind is DisplayKind.GOALS else display.kind
        return GoalsReading(kind=kind, goals=(), body=body)
    goals = [display.first_goal]
    for number in range(2, display.goal_count + 1):
        goal_body = show(f"Show {number}.")
        try:
            goals.append(parse_single_goal(goal_body, number))
        except ValueError as exc:
            line = " ".join(goal_body.split())[:300]
            raise ValueError(f"cannot parse goal {number}: {line}") from exc
    return GoalsReading(kind=DisplayKind.GOALS, goals=tuple(goals), body=body)
