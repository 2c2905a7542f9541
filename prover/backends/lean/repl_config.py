"""How ``--backend lean-repl`` runs: the REPL command, project, memory cap and time limits."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from prover.backends.lean.kernel_check import LeanKernelChecker
from prover.backends.sandbox import DEFAULT_SANDBOX, require_sandbox_mode
from search.errors import ConfigError
from search.validation import require_memory_limit

__all__ = ["LeanReplConfig", "parse_repl_command"]


def parse_repl_command(command: str) -> tuple[str, ...]:
    """Split a ``--lean-repl-cmd`` string shell-style; raises ConfigError if empty."""
    try:
        argv = tuple(shlex.split(command))
    except ValueError as exc:
        raise ConfigError(f"--lean-repl-cmd {command!r} cannot be split: {exc}") from exc
    if not argv:
        raise ConfigError("--lean-repl-cmd must not be empty")
    return argv


@dataclass(frozen=True, kw_only=True)
class LeanReplConfig:
    """How to start and drive the REPL. Timeouts are wall-clock seconds.

    ``kernel_checker`` replays verified proofs with ``lean4checker``; when it is None
    and ``detect_lean4checker`` is set, one is used if the toolchain has the executable
    (:func:`~prover.backends.lean.kernel_check.find_lean4checker`). ``sandbox`` runs the
    REPL and the kernel check in bubblewrap (:mod:`prover.backends.sandbox`): Lean evaluates
    tactic configurations as compiled code, so text from a request can act on the machine.
    """

    repl_command: tuple[str, ...] = ("lake", "env", "repl")
    project_dir: Path | None = None
    memory_limit_mb: int | None = 16384
    start_timeout_s: float = 900.0
    open_timeout_s: float = 300.0
    verify_timeout_s: float = 900.0
    max_warm_processes: int = 2
    max_consecutive_crashes: int = 3
    kernel_checker: LeanKernelChecker | None = None
    detect_lean4checker: bool = True
    sandbox: str = DEFAULT_SANDBOX

    def __post_init__(self) -> None:
        if not self.repl_command or not all(self.repl_command):
            raise ConfigError(f"repl_command must be non-empty, got {self.repl_command!r}")
        require_memory_limit("memory_limit_mb", self.memory_limit_mb)
        require_sandbox_mode("sandbox", self.sandbox)
        for field_name in ("start_timeout_s", "open_timeout_s", "verify_timeout_s"):
            if not getattr(self, field_name) > 0:
                raise ConfigError(f"{field_name} must be > 0, got {getattr(self, field_name)}")
        if self.max_warm_processes < 1 or self.max_consecutive_crashes < 1:
            raise ConfigError("max_warm_processes and max_consecutive_crashes must be >= 1")
